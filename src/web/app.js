/* The dashboard (SPEC 3.7, docs/dashboard.md): reads the public API with a reader token
 * kept for the browser session, and redraws every 30 seconds. Plain browser JavaScript,
 * no build step; every text from the server goes in with textContent, never as HTML. */
'use strict';

(function () {
  const REFRESH_MS = 30000;
  const TIMEOUT_MS = 15000;
  const TOKEN_KEY = 'leadrouter.readerToken';
  const WINDOW_KEY = 'leadrouter.window';
  const SEGMENTS = [['smb', 'SMB'], ['mid_market', 'Mid-market'], ['strategic', 'Strategic']];
  const SERIES = SEGMENTS.concat([['review', 'Review']]);
  /* Okabe-Ito colours: told apart with the common colour-vision deficiencies. */
  const COLOURS = { smb: '#0072b2', mid_market: '#e69f00', strategic: '#009e73', review: '#cc79a7' };

  /* The breakage thresholds (docs/dashboard.md). The win-rate ones are the playbook's
   * (§11.1); the playbook names no number for leakage or the floor, so these are
   * leadrouter's defaults. */
  const THRESHOLDS = {
    winRate: { warning: 2, breakage: 4, minClosed: 10 }, /* drop, percentage points */
    leakage: { warning: 5, breakage: 10 }, /* % of the leads whose composite was SMB */
    floor: { warning: 2, breakage: 5 } /* reassignments per 100 mid-market leads */
  };

  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY);
  let timer = null;
  let inflight = null;
  let generation = 0;
  let lastGood = null;
  let offlineSince = null;
  let chart = null;
  let chartKind = null;

  class AuthError extends Error {}
  class HttpError extends Error {}

  /* ------------------------------------------------------------------ formatting */

  const intFmt = new Intl.NumberFormat('en-US');
  const int = (n) => intFmt.format(Number(n));
  function money(v) {
    const n = Number(v);
    const cents = Math.round(n * 100) % 100 !== 0;
    return new Intl.NumberFormat('en-US', {
      style: 'currency', currency: 'USD',
      minimumFractionDigits: cents ? 2 : 0, maximumFractionDigits: cents ? 2 : 0
    }).format(n);
  }
  const pct = (x, digits) => (x * 100).toFixed(digits === undefined ? 1 : digits) + '%';
  function age(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    const s = Number(seconds);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }
  const clip = (text, n) => (text.length > n ? text.slice(0, n - 1) + '…' : text);
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const clock = (d) => d.toISOString().slice(11, 19) + ' UTC';

  /* ---------------------------------------------------------------------- windows */

  /* [since, until) of a window ending now, in UTC like every figure of leadrouter, and
   * the window of the same length just before it (the win-rate trend compares them). */
  function windowFor(kind, nowMs) {
    const until = Math.floor(nowMs / 1000) * 1000;
    const d = new Date(until);
    let since;
    if (kind === 'today') since = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    else if (kind === '7d') since = until - 7 * 86400000;
    else if (kind === '30d') since = until - 30 * 86400000;
    else since = Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1);
    const end = Math.max(until, since + 1000);
    const len = end - since;
    return {
      kind, since, until: end, prevSince: since - len, prevUntil: since,
      bucket: kind === 'today' || kind === '7d' ? 'hour' : 'day'
    };
  }

  function chosenWindow() {
    const r = document.querySelector('input[name=window]:checked');
    return r ? r.value : 'today';
  }

  /* --------------------------------------------------------------------- the API */

  async function api(path, signal) {
    const r = await fetch(path, {
      headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
      signal, cache: 'no-store', credentials: 'omit'
    });
    if (r.status === 401) throw new AuthError('the server refused this token (401): paste a valid reader token');
    if (r.status === 403) throw new AuthError('this token may not read the figures (403): use a reader token');
    if (!r.ok) {
      let detail = '';
      try { detail = (await r.json()).detail || ''; } catch (e) { /* not a problem document */ }
      throw new HttpError('the server answered ' + r.status + (detail ? ': ' + detail : ''));
    }
    return r.json();
  }

  const q = (since, until) => 'since=' + encodeURIComponent(iso(since)) + '&until=' + encodeURIComponent(iso(until));

  /* One refresh at a time: the next is scheduled only when this one has ended, and a
   * refresh asked for meanwhile (a new window, the button) aborts this one first. */
  async function refresh() {
    clearTimeout(timer);
    if (inflight) inflight.abort();
    if (!token) return;
    const ctl = new AbortController();
    inflight = ctl;
    const mine = ++generation;
    const deadline = setTimeout(() => ctl.abort(), TIMEOUT_MS);
    const w = windowFor(chosenWindow(), Date.now());
    try {
      const [cur, prev, series, dead] = await Promise.all([
        api('/v1/stats?' + q(w.since, w.until), ctl.signal),
        api('/v1/stats?' + q(w.prevSince, w.prevUntil), ctl.signal),
        api('/v1/stats/series?' + q(w.since, w.until) + '&bucket=' + w.bucket, ctl.signal),
        api('/v1/deliveries?status=dead&limit=5', ctl.signal)
      ]);
      if (mine !== generation) return;
      render(w, cur, prev, series, dead);
      lastGood = new Date();
      offlineSince = null;
      document.body.classList.remove('stale');
      setStatus('Updated ' + clock(lastGood) + '; next refresh in 30 s.', false);
    } catch (e) {
      if (mine !== generation) return;
      if (e instanceof AuthError) {
        signOut(e.message);
        return;
      }
      if (!offlineSince) offlineSince = new Date();
      document.body.classList.add('stale');
      const why = e instanceof HttpError ? e.message : (ctl.signal.aborted ? 'no answer within 15 s' : 'the server is unreachable');
      setStatus('Cannot reach leadrouter since ' + clock(offlineSince) + ' (' + why + '). ' +
        (lastGood ? 'Figures shown are from ' + clock(lastGood) + '. ' : '') + 'Retrying every 30 s.', true);
    } finally {
      clearTimeout(deadline);
      /* After a failure the other requests of this refresh are of no use: stop them
       * rather than leave them running unbounded beside the next refresh. */
      ctl.abort();
      if (mine === generation) {
        inflight = null;
        if (token) timer = setTimeout(refresh, REFRESH_MS);
      }
    }
  }

  function setStatus(text, offline) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('offline', offline);
  }

  /* ------------------------------------------------------------------ DOM building */

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  function fill(tbody, rows) {
    tbody.replaceChildren(...rows);
  }

  const STATES = {
    healthy: ['healthy', '✓ Healthy'],
    warning: ['warning', '▲ Warning'],
    breakage: ['breakage-state', '✕ Breakage'],
    nodata: ['nodata', '– Not enough data']
  };
  function stateBadge(state, cls) {
    const [c, label] = STATES[state];
    return el('span', { class: (cls || 'state') + ' ' + c, 'data-state': state }, label);
  }
  const RANK = { nodata: 0, healthy: 1, warning: 2, breakage: 3 };

  /* --------------------------------------------------------------------- breakage */

  function grade(value, t, higherIsWorse) {
    if (value === null) return 'nodata';
    const v = higherIsWorse ? value : -value;
    if (v >= t.breakage) return 'breakage';
    if (v >= t.warning) return 'warning';
    return 'healthy';
  }

  function winRate(seg) {
    const closed = seg.won + seg.lost;
    return { closed, rate: closed > 0 ? seg.won / closed : null };
  }

  function leakage(stats) {
    const named = stats.segments.mid_market.named_overrides_from_smb + stats.segments.strategic.named_overrides_from_smb;
    const base = stats.segments.smb.leads_routed + named;
    return { named, base, share: base > 0 ? named / base : null };
  }

  function floorRate(stats) {
    const n = stats.segments.smb.floor_reassignments;
    const mm = stats.segments.mid_market.leads_routed;
    return { n, mm, per100: mm > 0 ? (100 * n) / mm : (n > 0 ? Infinity : null) };
  }

  function breakageRows(cur, prev) {
    const t = THRESHOLDS;
    const wc = winRate(cur.segments.smb);
    const wp = winRate(prev.segments.smb);
    const enough = wc.closed >= t.winRate.minClosed && wp.closed >= t.winRate.minClosed;
    const drop = wc.rate !== null && wp.rate !== null ? (wp.rate - wc.rate) * 100 : null;
    const winState = enough ? grade(drop, t.winRate, true) : 'nodata';
    const rateText = (w) => (w.rate === null ? 'no deals closed' : pct(w.rate) + ' (' + int(w.closed) + ' closed)');
    let winNow = rateText(wc);
    if (drop !== null) winNow += '; ' + (drop > 0 ? 'down ' : 'up ') + Math.abs(drop).toFixed(1) + ' pts';

    const lc = leakage(cur);
    const lp = leakage(prev);
    const leakText = (l) => (l.share === null ? 'no SMB leads' : pct(l.share) + ' (' + int(l.named) + ' of ' + int(l.base) + ')');
    const fc = floorRate(cur);
    const fp = floorRate(prev);
    const floorText = (f) => int(f.n) + (f.mm > 0 ? ' (' + f.per100.toFixed(1) + ' per 100 mid-market leads)' : ' (no mid-market leads)');
    const floorState = fc.per100 === null ? 'healthy' : grade(fc.per100 === Infinity ? t.floor.breakage : fc.per100, t.floor, true);

    return [
      {
        id: 'win_rate', name: 'SMB win rate trend', now: winNow, prev: rateText(wp), state: winState,
        thresholds: 'healthy: flat or up; warning: down 2–4 pts; breakage: down 4+ pts (at least ' +
          t.winRate.minClosed + ' closed deals in each window)'
      },
      {
        id: 'leakage', name: 'SMB leakage to named lists', now: leakText(lc), prev: leakText(lp),
        state: lc.share === null ? 'healthy' : grade(lc.share * 100, t.leakage, true),
        thresholds: 'healthy: under 5%; warning: 5–10%; breakage: 10%+ of the leads whose composite was SMB'
      },
      {
        id: 'floor', name: 'Floor reassignments to SMB', now: floorText(fc), prev: floorText(fp), state: floorState,
        thresholds: 'healthy: under 2; warning: 2–5; breakage: 5+ per 100 mid-market leads'
      }
    ];
  }

  function renderBreakage(cur, prev) {
    const rows = breakageRows(cur, prev);
    fill($('breakage-table').tBodies[0], rows.map((r) => el('tr', { 'data-indicator': r.id },
      el('th', { scope: 'row' }, r.name), el('td', { class: 'status-cell' }, stateBadge(r.state)),
      el('td', {}, r.now), el('td', {}, r.prev), el('td', { class: 'note' }, r.thresholds))));
    const worst = rows.reduce((a, r) => (RANK[r.state] > RANK[a] ? r.state : a), 'nodata');
    const overall = $('breakage-overall');
    const [c, label] = STATES[worst];
    overall.className = 'badge ' + c;
    overall.dataset.state = worst;
    overall.textContent = 'Overall: ' + label;
  }

  /* --------------------------------------------------------------------- segments */

  function figure(name, value, text) {
    return el('td', { 'data-figure': name, 'data-value': String(value) }, text);
  }

  function renderSegments(cur) {
    const S = cur.segments;
    const row = (label, fn, cls) => el('tr', cls ? { class: cls } : {}, el('th', { scope: 'row' }, label),
      ...SEGMENTS.map(([k]) => fn(S[k], k)));
    const count = (field) => (s, k) => figure(k + '.' + field, s[field], int(s[field]));
    fill($('segments').tBodies[0], [
      row('Leads routed', count('leads_routed')),
      row('Review items opened (by composite)', count('review_items_opened')),
      row('Named-account overrides', count('named_overrides')),
      row('of which the composite said SMB (leakage)', count('named_overrides_from_smb'), 'sub-row'),
      row('Mid-deal handoffs in', count('handoffs')),
      row('Mid-deal handoffs out', count('handoffs_out')),
      row("Finder's credits earned", (s, k) => figure(k + '.finder_credits.count', s.finder_credits.count,
        int(s.finder_credits.count) + ' · ' + money(s.finder_credits.sum))),
      row("Finder's credits forfeited", (s, k) => figure(k + '.finder_credits.forfeited', s.finder_credits.forfeited,
        int(s.finder_credits.forfeited))),
      row('Floor reassignments (into)', count('floor_reassignments')),
      row('Open pipeline (now)', (s, k) => figure(k + '.open_pipeline', s.open_pipeline,
        money(s.open_pipeline) + ' · ' + int(s.open_opportunities) + ' open')),
      row('Deals won / lost', (s, k) => figure(k + '.won', s.won, int(s.won) + ' / ' + int(s.lost))),
      row('Win rate', (s, k) => figure(k + '.win_rate', s.win_rate === null ? 'null' : s.win_rate,
        s.win_rate === null ? '— (none closed)' : pct(Number(s.win_rate))))
    ]);
  }

  /* ---------------------------------------------------------------------- review */

  function renderReview(cur) {
    const b = cur.review_backlog;
    const reasons = Object.entries(cur.review.opened_by_reason || {});
    const rows = [
      ['Open items now', figure('review_backlog.size', b.size, int(b.size))],
      ['Oldest open item', figure('review_backlog.oldest_age_seconds', b.oldest_age_seconds === null ? 'null' : b.oldest_age_seconds,
        b.size > 0 ? age(b.oldest_age_seconds) : '—')],
      ['Leads sent to review', figure('review.leads_routed', cur.review.leads_routed, int(cur.review.leads_routed))],
      ['Items opened', figure('review.items_opened', cur.review.items_opened, int(cur.review.items_opened))],
      ['Items resolved', figure('review.items_resolved', cur.review.items_resolved, int(cur.review.items_resolved))],
      ['Opened, by reason', el('td', {}, reasons.length ? reasons.map(([k, n]) => k + ' ' + int(n)).join(', ') : 'none')]
    ];
    fill($('review').tBodies[0], rows.map(([label, cell]) => el('tr', {}, el('th', { scope: 'row' }, label), cell)));
  }

  /* ------------------------------------------------------------------ deliveries */

  function renderDeliveries(cur, dead) {
    const d = cur.deliveries;
    fill($('deliveries').tBodies[0], [
      el('tr', {}, el('th', { scope: 'row' }, 'Pending'), figure('deliveries.pending', d.pending, int(d.pending))),
      el('tr', {}, el('th', { scope: 'row' }, 'Oldest pending'), el('td', {}, d.pending > 0 ? age(d.oldest_pending_age_seconds) : '—')),
      el('tr', {}, el('th', { scope: 'row' }, 'Dead (need an operator)'),
        figure('deliveries.dead', d.dead, el('span', {}, int(d.dead) + ' ', stateBadge(d.dead > 0 ? 'warning' : 'healthy'))))
    ]);
    const items = dead.items || [];
    $('dead').hidden = items.length === 0;
    $('dead-empty').hidden = items.length !== 0;
    fill($('dead').tBodies[0], items.map((x) => el('tr', {},
      el('td', { class: 'num' }, String(x.id)), el('td', {}, x.subject + ' ' + x.subject_id),
      el('td', {}, x.destination), el('td', { class: 'num' }, String(x.attempts)),
      el('td', {}, clip((x.last_status ? String(x.last_status) + ' ' : '') + (x.last_error || ''), 60)))));
  }

  /* ----------------------------------------------------------------------- reps */

  function renderReps(cur) {
    const names = Object.fromEntries(SEGMENTS);
    fill($('reps').tBodies[0], (cur.reps || []).map((r) => {
      const fair = Number(r.fair_share);
      const ratio = fair > 0 ? r.round_robin_turns / fair : null;
      const bar = el('span', { class: 'bar', 'aria-hidden': 'true' }, el('span'), el('i'));
      /* Half the bar is the fair share: a rep at twice its share fills it. */
      bar.firstChild.style.width = Math.min(100, ratio === null ? 0 : ratio * 50) + '%';
      const text = ratio === null ? (r.active ? 'no turns due' : 'paused') : pct(ratio, 0) + ' of fair share';
      return el('tr', { 'data-rep': r.id },
        el('th', { scope: 'row' }, r.name + ' ', el('span', { class: 'note' }, '(' + r.id + ')')),
        el('td', {}, names[r.segment] || r.segment), el('td', {}, r.active ? 'active' : 'paused'),
        el('td', { class: 'num' }, String(r.weight)), el('td', { class: 'num' }, int(r.leads)),
        el('td', { class: 'num' }, int(r.round_robin_turns)), el('td', { class: 'num' }, fair.toFixed(1)),
        el('td', {}, el('span', { class: 'load' }, bar, el('span', { class: 'load-text' }, text))));
    }));
  }

  /* ----------------------------------------------------------------------- chart */

  /* An axis label in UTC: the date at midnight, else the hour. */
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function tick(seconds) {
    const d = new Date(seconds * 1000);
    if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0) return MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate();
    return String(d.getUTCHours()).padStart(2, '0') + ':' + String(d.getUTCMinutes()).padStart(2, '0');
  }

  function renderChart(w, series) {
    const xs = series.buckets.map((t) => Date.parse(t) / 1000);
    const data = [xs].concat(SERIES.map(([k]) => series.segments[k]));
    const box = $('chart');
    const totals = SERIES.map(([k, label]) => label + ' ' + int(series.segments[k].reduce((a, b) => a + b, 0)));
    box.setAttribute('aria-label', 'Chart of leads routed per ' + w.bucket + ' from ' + iso(w.since) + ' to ' +
      iso(w.until) + '. Totals: ' + totals.join(', ') + '. The numbers are in the table below.');
    if (typeof window.uPlot !== 'function') {
      box.textContent = 'The chart library did not load; the numbers are in the table below.';
    } else if (chart && chartKind === w.kind) {
      chart.setData(data);
    } else {
      if (chart) chart.destroy();
      box.replaceChildren();
      chartKind = w.kind;
      chart = new window.uPlot({
        width: Math.max(280, box.clientWidth), height: 300,
        legend: { live: false },
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, max)] } },
        axes: [{ values: (u, splits) => splits.map(tick) }, { label: 'leads per ' + w.bucket }],
        series: [{ label: 'UTC' }].concat(
          SERIES.map(([k, label]) => ({ label, stroke: COLOURS[k], width: 2, points: { show: xs.length <= 60 } })))
      }, data, box);
      /* uPlot's legend is a table for layout: not one of the page's data tables. */
      const legend = box.querySelector('.u-legend');
      if (legend) legend.setAttribute('role', 'presentation');
    }
    fill($('series-table').tBodies[0], series.buckets.map((t, i) => el('tr', {},
      el('th', { scope: 'row' }, t.replace('.000Z', 'Z')),
      ...SERIES.map(([k]) => el('td', { class: 'num' }, int(series.segments[k][i]))))));
  }

  /* --------------------------------------------------------------------- the page */

  function render(w, cur, prev, series, dead) {
    const labels = { today: 'Today', '7d': 'Last 7 days', '30d': 'Last 30 days', quarter: 'This quarter' };
    const text = $('window-text');
    text.textContent = labels[w.kind] + ': ' + iso(w.since) + ' to ' + iso(w.until) + ' (UTC); previous window from ' +
      iso(w.prevSince) + '.';
    text.dataset.since = iso(w.since);
    text.dataset.until = iso(w.until);
    text.dataset.prevSince = iso(w.prevSince);
    renderBreakage(cur, prev);
    renderSegments(cur);
    renderChart(w, series);
    renderReview(cur);
    renderDeliveries(cur, dead);
    renderReps(cur);
  }

  function showLogin(message) {
    $('dash').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    setStatus(message ? 'Signed out.' : 'Waiting for a reader token.', false);
    $('token').focus();
  }

  function signOut(message) {
    clearTimeout(timer);
    if (inflight) inflight.abort();
    generation++;
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(message);
  }

  function start() {
    $('login').hidden = true;
    $('dash').hidden = false;
    setStatus('Loading…', false);
    refresh();
  }

  function init() {
    const saved = sessionStorage.getItem(WINDOW_KEY);
    const radio = saved && document.querySelector('input[name=window][value="' + saved + '"]');
    if (radio) radio.checked = true;
    $('login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const v = $('token').value.trim();
      if (!v) return;
      token = v;
      sessionStorage.setItem(TOKEN_KEY, v);
      $('token').value = '';
      start();
    });
    for (const r of document.querySelectorAll('input[name=window]')) {
      r.addEventListener('change', () => {
        sessionStorage.setItem(WINDOW_KEY, chosenWindow());
        refresh();
      });
    }
    $('refresh').addEventListener('click', refresh);
    $('signout').addEventListener('click', () => signOut(''));
    window.addEventListener('resize', () => {
      if (chart) chart.setSize({ width: Math.max(280, $('chart').clientWidth), height: 300 });
    });
    if (token) start();
    else showLogin('');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
