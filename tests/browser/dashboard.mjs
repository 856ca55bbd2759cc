// The dashboard (SPEC 3.7) in a real browser: Debian's chromium driven by
// playwright-core. Run by tests/integration/test_dashboard.py, which seeds the data and
// reads this script's lines on stdout:
//   STEP <name>      a step began (the test prints them when something fails)
//   WAIT <name>      the script waits for one line on stdin before going on (the test
//                    posts events meanwhile)
//   OK <json>        everything held; the json says what was seen
//   FAIL <message>   the first check that failed
//
//   node tests/browser/dashboard.mjs   with LR_URL (the server), LR_TOKEN (a reader
//   token), LR_SHOTS (a folder for screenshots), LR_DOC_SHOT (optional: where to save
//   the README's screenshot), LR_CHROMIUM (default /usr/bin/chromium)
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const BASE = process.env.LR_URL;
const TOKEN = process.env.LR_TOKEN;
const SHOTS = process.env.LR_SHOTS;
const DOC_SHOT = process.env.LR_DOC_SHOT || '';
const ORIGIN = new URL(BASE).origin;

const lines = createInterface({ input: process.stdin });
const pending = [];
const waiters = [];
lines.on('line', (l) => (waiters.length ? waiters.shift()(l) : pending.push(l)));
function waitFor(name) {
  console.log('WAIT ' + name);
  return new Promise((resolve) => (pending.length ? resolve(pending.shift()) : waiters.push(resolve)));
}

let step = '';
function begin(name) {
  step = name;
  console.log('STEP ' + name);
}
function check(cond, message) {
  if (!cond) throw new Error(step + ': ' + message);
}

async function stats(since, until) {
  const r = await fetch(BASE + '/v1/stats?since=' + encodeURIComponent(since) + '&until=' + encodeURIComponent(until),
    { headers: { Authorization: 'Bearer ' + TOKEN } });
  check(r.status === 200, 'GET /v1/stats answered ' + r.status);
  return r.json();
}

// The value a data-figure names, in the /v1/stats answer.
function lookup(s, name) {
  const parts = name.split('.');
  let v = s.segments && parts[0] in s.segments ? s.segments : s;
  for (const p of parts) v = v === null || v === undefined ? undefined : v[p];
  return v;
}

// Every figure on the page against /v1/stats for the window the page shows.
async function compareFigures(page) {
  const since = await page.getAttribute('#window-text', 'data-since');
  const until = await page.getAttribute('#window-text', 'data-until');
  check(since && until, 'the page does not say its window');
  const s = await stats(since, until);
  const cells = await page.$$eval('[data-figure]', (els) =>
    els.map((e) => ({ name: e.dataset.figure, value: e.dataset.value, text: e.textContent })));
  check(cells.length >= 40, 'only ' + cells.length + ' figures on the page');
  for (const c of cells) {
    const want = lookup(s, c.name);
    check(want !== undefined, c.name + ' is not in /v1/stats');
    if (c.name.endsWith('age_seconds')) {
      // Counted by the server at each request: a second or two apart.
      check(want === null ? c.value === 'null' : Math.abs(Number(c.value) - want) <= 5,
        c.name + ': page ' + c.value + ', /v1/stats ' + want);
      continue;
    }
    const same = want === null ? c.value === 'null' : Number(c.value) === Number(want);
    check(same, c.name + ': page ' + c.value + ', /v1/stats ' + want);
    // Counts are shown as they are (money and rates have their own formats).
    if (Number.isInteger(want) && /^[0-9]/.test(c.text)) {
      check(c.text.startsWith(want.toLocaleString('en-US')), c.name + ' shows "' + c.text + '" for ' + want);
    }
  }
  // The chart's series add up to the same leads routed.
  const sums = await page.$$eval('#series-table tbody tr', (rows) => {
    const t = [0, 0, 0, 0];
    for (const r of rows) [...r.querySelectorAll('td')].forEach((td, i) => (t[i] += Number(td.textContent.replace(/,/g, ''))));
    return t;
  });
  const want = [s.segments.smb.leads_routed, s.segments.mid_market.leads_routed,
    s.segments.strategic.leads_routed, s.review.leads_routed];
  check(JSON.stringify(sums) === JSON.stringify(want), 'chart sums ' + sums + ', /v1/stats ' + want);
  return { since, until, figures: cells.length, leads: want };
}

async function chartDrawn(page) {
  const painted = await page.$eval('#chart canvas', (c) => {
    const ctx = c.getContext('2d');
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
    return { n, w: c.width, h: c.height };
  });
  check(painted.w > 200 && painted.h > 100, 'the chart canvas is ' + painted.w + 'x' + painted.h);
  check(painted.n > 500, 'the chart canvas has ' + painted.n + ' painted pixels');
  return painted;
}

async function state(page, indicator) {
  return page.getAttribute('#breakage-table tr[data-indicator="' + indicator + '"] [data-state]', 'data-state');
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.LR_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']
  });
  const seen = { requests: [], errors: [], maxInFlight: 0 };
  let inFlight = 0;
  let expectNetworkErrors = false;
  const result = {};
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('request', (r) => {
      seen.requests.push(r.url());
      if (new URL(r.url()).pathname.startsWith('/v1/')) seen.maxInFlight = Math.max(seen.maxInFlight, ++inFlight);
    });
    const settled = (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/')) inFlight--;
    };
    page.on('requestfinished', settled);
    page.on('requestfailed', settled);
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // The steps that refuse a token or cut the server off expect the browser's own
      // report of the failed request; anything else is an error of the page.
      if (expectNetworkErrors && /Failed to load resource|ERR_CONNECTION_REFUSED|ERR_FAILED/.test(m.text())) return;
      seen.errors.push(m.text());
    });
    page.on('pageerror', (e) => seen.errors.push('page error: ' + e.message));
    // Timers under the test's control: a refresh every 30 s without waiting 30 s.
    await page.clock.install();

    begin('token');
    const response = await page.goto(BASE + '/');
    check(response.status() === 200, 'GET / answered ' + response.status());
    await page.waitForSelector('#login:not([hidden])');
    check(await page.isHidden('#dash'), 'the figures show before a token was given');
    // A token the server refuses brings the form back, saying why.
    expectNetworkErrors = true;
    await page.fill('#token', 'not-a-token');
    await page.press('#token', 'Enter');
    await page.waitForFunction(() => document.getElementById('login-error').textContent.includes('401'));
    check(await page.isHidden('#dash'), 'the figures show with a refused token');
    check(await page.evaluate(() => sessionStorage.length) === 0, 'a refused token was kept');
    expectNetworkErrors = false;
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector('#breakage-table tbody tr');
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Updated'));
    check(await page.isHidden('#login'), 'the token form is still shown');

    begin('figures of today');
    result.today = await compareFigures(page);
    begin('chart of today');
    result.chartToday = await chartDrawn(page);

    begin('keyboard: 7 days');
    await page.focus('input[name=window][value=today]');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.getElementById('window-text').textContent.startsWith('Last 7 days'));
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Updated'));
    result.week = await compareFigures(page);
    result.chartWeek = await chartDrawn(page);
    check(await state(page, 'win_rate') === 'healthy', 'the SMB win rate is ' + await state(page, 'win_rate') + ' before the losses');

    begin('screenshots');
    await page.screenshot({ path: SHOTS + '/dashboard-1280.png', fullPage: true });

    begin('reload keeps the token');
    await page.reload();
    await page.waitForSelector('#breakage-table tbody tr');
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Updated'));
    check(await page.isHidden('#login'), 'the reload asked for the token again');
    check((await page.textContent('#window-text')).startsWith('Last 7 days'), 'the reload forgot the window');

    begin('SMB win rate falls');
    await waitFor('losses');
    const before = seen.requests.length;
    await page.clock.runFor(30000);
    await page.waitForFunction(() => document.querySelector('#breakage-table tr[data-indicator="win_rate"] [data-state="warning"]'));
    check(seen.requests.length > before, 'no request after 30 s');
    const states = await page.$$eval('#breakage-table [data-state]', (es) => es.map((e) => e.dataset.state));
    const rank = ['nodata', 'healthy', 'warning', 'breakage'];
    const worst = states.reduce((a, b) => (rank.indexOf(b) > rank.indexOf(a) ? b : a), 'nodata');
    check(await page.getAttribute('#breakage-overall', 'data-state') === worst, 'the overall state is not the worst, ' + worst);
    result.breakage = states;
    check((await page.textContent('#breakage-table tr[data-indicator="win_rate"]')).includes('Warning'),
      'the warning has no text label');
    result.afterLosses = await compareFigures(page);
    await page.screenshot({ path: SHOTS + '/dashboard-warning.png', fullPage: true });
    if (DOC_SHOT) await page.screenshot({ path: DOC_SHOT, fullPage: true });

    begin('server unreachable, then back');
    expectNetworkErrors = true;
    await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
    await page.clock.runFor(30000);
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Cannot reach leadrouter'));
    check(await page.isVisible('#breakage-table'), 'the figures vanished while the server was unreachable');
    await page.screenshot({ path: SHOTS + '/dashboard-offline.png' });
    await page.unroute('**/v1/**');
    await page.clock.runFor(30000);
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Updated'));
    expectNetworkErrors = false;

    begin('phone width');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.clock.runFor(1000);
    await page.screenshot({ path: SHOTS + '/dashboard-phone.png', fullPage: true });
    await page.screenshot({ path: SHOTS + '/dashboard-phone-top.png' });
    await page.$eval('#chart-h', (h) => h.scrollIntoView());
    await page.screenshot({ path: SHOTS + '/dashboard-phone-chart.png' });
    const overflow = await page.evaluate(() => {
      const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 &&
        !e.closest('.scroll'));
      return { by: document.documentElement.scrollWidth - window.innerWidth,
        what: wide.slice(0, 5).map((e) => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className) };
    });
    check(overflow.by <= 1, 'the page is ' + overflow.by + ' px wider than a phone: ' + overflow.what.join(', '));

    begin('structure');
    result.headings = await page.$$eval('h1, h2, h3', (hs) => hs.map((h) => h.tagName + ' ' + h.textContent.trim()));
    check(result.headings.filter((h) => h.startsWith('H1')).length === 1, 'not one h1');
    check(result.headings.filter((h) => h.startsWith('H2')).length >= 6, 'fewer than 6 sections');
    const bare = await page.$$eval('table:not([role=presentation])',
      (ts) => ts.filter((t) => !t.querySelector('caption') || !t.querySelector('th')).length);
    check(bare === 0, bare + ' tables without a caption or header cells');

    begin('no other origin, no console error');
    const foreign = seen.requests.filter((u) => new URL(u).origin !== ORIGIN);
    check(foreign.length === 0, 'requests to another origin: ' + foreign.join(', '));
    check(seen.errors.length === 0, 'console errors: ' + seen.errors.join(' | '));
    // One refresh at a time: its four requests, never two refreshes' worth.
    check(seen.maxInFlight <= 4, seen.maxInFlight + ' API requests were in flight at once');
    result.requests = seen.requests.length;
    result.maxInFlight = seen.maxInFlight;
    console.log('OK ' + JSON.stringify(result));
  } finally {
    await browser.close();
    lines.close();
  }
}

main().catch((e) => {
  console.log('FAIL ' + (e && e.message ? e.message : String(e)).replace(/\n/g, ' '));
  process.exitCode = 1;
});
