"""CRM adapters (SPEC 3.5) and the deal rules of SPEC 2.8, over HTTP: each CRM's own
format as it sends it (HubSpot workflow webhooks, whole-record and custom, arrays;
Salesforce Outbound Messages with two notifications and a redelivery; Pipedrive webhooks
v2 for a deal and a lead), their authentication (bad signatures, stale timestamps, wrong
org or token, Basic auth), all-or-nothing requests, the mapping endpoints, closing with a
CRM's own stage names, a deal's own values as its signals, a billion-laughs body and a
database outage answered with a 5xx Salesforce retries."""

import base64
import hashlib
import hmac
import json
import time

import harness
from harness import LRTestCase, unique

ENV = None
HS_SECRET = "hs-app-secret-" + unique("s")
PUBLIC_URL = "https://leadrouter.example.com"
SF_ORG = "00D5e000000TEST"
SF_TOKEN = "sf-token-" + unique("t")
PD_USER, PD_PASS = "pipedrive", "pd-pass-" + unique("p")

ACK = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
       '<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
       '<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>')


def setUpModule():
    global ENV
    ENV = harness.start_env("crm", extra_env={
        "LEADROUTER_PUBLIC_URL": PUBLIC_URL,
        "LEADROUTER_HUBSPOT_APP_SECRET": HS_SECRET,
        "LEADROUTER_SALESFORCE_ORG_ID": SF_ORG,
        "LEADROUTER_SALESFORCE_TOKEN": SF_TOKEN,
        "LEADROUTER_PIPEDRIVE_USER": PD_USER,
        "LEADROUTER_PIPEDRIVE_PASSWORD": PD_PASS,
    })
    with harness.closed_on_failure(ENV):
        for seg, reps in (("smb", ("crm-smb-1",)), ("mid_market", ("crm-mm-1",)),
                          ("strategic", ("crm-st-1",))):
            for r in reps:
                ENV.put_rep(r, seg)
        # A vendor that models the account small although its deals are large.
        r = ENV.api("PUT", "/v1/accounts", [
            {"domain": "modeled-small.test", "employee_count": None, "expected_acv": 10000,
             "fit_score": 90},
        ])
        if r.status != 200:
            raise AssertionError("PUT /v1/accounts -> %r" % r)


def tearDownModule():
    ENV.close()


def now_ms():
    return int(time.time() * 1000)


def hs_sign(method, path, body, ts, secret=HS_SECRET, base=PUBLIC_URL):
    msg = method.encode() + (base + path).encode() + body + str(ts).encode()
    return base64.b64encode(hmac.new(secret.encode(), msg, hashlib.sha256).digest()).decode()


def hs_post(path, payload=None, body=None, ts=None, sig=None, headers=None):
    if body is None:
        body = json.dumps(payload).encode()
    ts = now_ms() if ts is None else ts
    h = {"Content-Type": "application/json", "X-HubSpot-Request-Timestamp": str(ts),
         "X-HubSpot-Signature-v3": sig if sig is not None else hs_sign("POST", path, body, ts)}
    h.update(headers or {})
    return ENV.srv.request("POST", path, body, h)


def hs_contact(vid, **props):
    """A workflow webhook with "include all contact properties": every property as
    {"value": "..."} (HubSpot sends numbers as strings)."""
    p = {"hs_object_id": str(vid), "lastmodifieddate": str(now_ms())}
    p.update({k: str(v) for k, v in props.items()})
    return {"vid": vid, "canonical-vid": vid, "portal-id": 62515,
            "properties": {k: {"value": v, "versions": [{"value": v, "source-type": "API"}]}
                           for k, v in p.items()}}


def sf_message(notifications, org=SF_ORG):
    parts = []
    for nid, typ, fields in notifications:
        f = "".join("<sf:%s>%s</sf:%s>" % (k, v, k) if v is not None
                    else '<sf:%s xsi:nil="true"/>' % k for k, v in fields.items())
        parts.append('<Notification><Id>%s</Id><sObject xsi:type="sf:%s" '
                     'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">%s</sObject>'
                     '</Notification>' % (nid, typ, f))
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
            '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
            '<OrganizationId>%s</OrganizationId><ActionId>04k5e000000TEST</ActionId>'
            '<SessionId xsi:nil="true"/>'
            '<EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/59.0/00D</EnterpriseUrl>'
            '<PartnerUrl>https://example.my.salesforce.com/services/Soap/u/59.0/00D</PartnerUrl>'
            '%s</notifications></soapenv:Body></soapenv:Envelope>' % (org, "".join(parts))
            ).encode()


def sf_post(body, token=SF_TOKEN, ctype="text/xml; charset=utf-8"):
    return ENV.srv.request("POST", "/v1/crm/salesforce?token=" + token, body,
                           {"Content-Type": ctype, "SOAPAction": '""'})


def pd_post(payload, user=PD_USER, password=PD_PASS):
    auth = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return ENV.srv.request("POST", "/v1/crm/pipedrive", json.dumps(payload).encode(),
                           {"Content-Type": "application/json", "Authorization": "Basic " + auth})


def pd_event(entity, action, data, meta_id=None):
    return {"meta": {"action": action, "entity": entity, "entity_id": str(data.get("id")),
                     "id": meta_id or unique("pdmeta"), "timestamp": "2026-11-23T10:15:00.000Z",
                     "version": "2.0", "company_id": "1", "user_id": "2", "is_bulk_edit": False},
            "data": data, "previous": None}


class CrmTest(LRTestCase):

    def lead(self, lead_id):
        r = ENV.api("GET", "/v1/leads/" + lead_id, role="reader")
        return r

    def opp(self, opp_id):
        r = ENV.api("GET", "/v1/opportunities/" + opp_id, role="reader")
        self.assertStatus(r, 200)
        return r.json()

    # ------------------------------------------------------------ HubSpot

    def test_hubspot_whole_record_contact_routes_and_replays(self):
        vid = int(time.time() * 1000) % 10**9
        payload = hs_contact(vid, email="jane@acme-hs.io", numberofemployees="120",
                             expected_acv="60000", hubspotscore="72",
                             website="https://www.acme-hs.io/about")
        body = json.dumps(payload).encode()
        ts = now_ms()
        r = hs_post("/v1/crm/hubspot/contacts", body=body, ts=ts)
        self.assertStatus(r, 201)
        d = r.json()
        self.assertEqual(d["subject_id"], str(vid))
        self.assertDecision(d, "mid_market", "crm-mm-1", "composite", "mid_market")
        self.assertSignal(d, "employee_count", 120, "event", "mid_market")
        self.assertSignal(d, "expected_acv", 60000, "event", "mid_market")
        self.assertEqual(d["account"]["domain"], "acme-hs.io")
        self.assertTrue(d["event_id"].startswith("hubspot:contact:%d:" % vid), d["event_id"])
        before = ENV.counts()
        # HubSpot retries with a new timestamp and signature: the same record replays.
        r2 = hs_post("/v1/crm/hubspot/contacts", body=body, ts=now_ms())
        self.assertStatus(r2, 200)
        self.assertEqual(r2.json(), d)
        self.assertEqual(ENV.counts(), before)
        self.assertStatus(self.lead(str(vid)), 200)

    def test_hubspot_custom_body_and_array_all_or_nothing(self):
        ids = [unique("hsc") for _ in range(3)]
        recs = [{"hs_object_id": i, "email": "x@%s.test" % i.lower(), "numberofemployees": "5",
                 "expected_acv": "1000.50", "hubspotscore": "10",
                 "hs_lastmodifieddate": "2026-11-23T10:15:00.000Z"} for i in ids]
        bad = dict(recs[2], numberofemployees="12O")
        before = ENV.counts()
        r = hs_post("/v1/crm/hubspot/contacts", [recs[0], recs[1], bad])
        body = self.assertProblem(r, 422, fields=("numberofemployees",))
        self.assertEqual([(e["record"], e["record_id"]) for e in body["errors"]], [(2, ids[2])])
        self.assertEqual(ENV.counts(), before, "a rejected request writes nothing")
        r = hs_post("/v1/crm/hubspot/contacts", recs)
        self.assertStatus(r, 201)
        got = r.json()["records"]
        self.assertEqual([x["subject_id"] for x in got], ids)
        for x in got:
            self.assertDecision(x, "smb", "crm-smb-1", "composite", "smb")
            self.assertSignal(x, "expected_acv", "1000.50", "event", "smb")
        r = hs_post("/v1/crm/hubspot/contacts", recs)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["records"], got)

    def test_hubspot_signature_and_timestamp(self):
        payload = {"hs_object_id": unique("hsx"), "email": "a@sig.test"}
        body = json.dumps(payload).encode()
        before = ENV.counts()
        ts = now_ms()
        cases = {
            "no signature": dict(sig="", ts=ts),
            "wrong secret": dict(sig=hs_sign("POST", "/v1/crm/hubspot/contacts", body, ts,
                                             secret="other"), ts=ts),
            "other URL": dict(sig=hs_sign("POST", "/v1/crm/hubspot/deals", body, ts), ts=ts),
            "stale": dict(ts=ts - 6 * 60 * 1000),
            "future": dict(ts=ts + 6 * 60 * 1000),
        }
        for name, kw in cases.items():
            r = hs_post("/v1/crm/hubspot/contacts", body=body, **kw)
            self.assertProblem(r, 401)
        # A body altered after signing.
        r = hs_post("/v1/crm/hubspot/contacts", body=body + b" ",
                    sig=hs_sign("POST", "/v1/crm/hubspot/contacts", body, ts), ts=ts)
        self.assertProblem(r, 401)
        # The signature is checked before the body is parsed: garbage unsigned is 401.
        r = hs_post("/v1/crm/hubspot/contacts", body=b"{not json", sig="x", ts=ts)
        self.assertProblem(r, 401)
        self.assertEqual(ENV.counts(), before)
        # Within 4 minutes is fine.
        r = hs_post("/v1/crm/hubspot/contacts", body=body, ts=now_ms() - 4 * 60 * 1000)
        self.assertStatus(r, 201)

    def test_hubspot_deal_created_updated_and_closed_by_its_stage_name(self):
        did = unique("hsd")
        r = hs_post("/v1/crm/hubspot/deals", {"objectId": did, "properties": {
            "amount": {"value": "20000"}, "numberofemployees": {"value": "10"},
            "dealstage": {"value": "appointmentscheduled"},
            "hs_lastmodifieddate": {"value": "1763892900000"}}})
        self.assertStatus(r, 201)
        self.assertEqual(ENV.psql("SELECT event_type FROM webhook_events WHERE subject_id = '%s'"
                                  % did), "opportunity.created")
        r = hs_post("/v1/crm/hubspot/deals", {"objectId": did, "properties": {
            "amount": {"value": "25000"}, "dealstage": {"value": "closedwon"},
            "hs_lastmodifieddate": {"value": "1763892960000"}}})
        self.assertStatus(r, 201)
        d = r.json()
        self.assertTrue(d["is_closed"], d)
        self.assertEqual(d["outcome"], "won")
        types = ENV.psql("SELECT string_agg(event_type, ',' ORDER BY received_at) FROM "
                         "webhook_events WHERE subject_id = '%s'" % did)
        self.assertEqual(types, "opportunity.created,opportunity.updated")

    # ------------------------------------------------------------ Salesforce

    def test_salesforce_two_notifications_ack_and_redelivery(self):
        lead_id, opp_id = unique("00Q"), unique("006")
        n1, n2 = unique("04l"), unique("04l")
        body = sf_message([
            (n1, "Lead", {"Id": lead_id, "Email": "jo@sf-acme.io", "Website": "www.sf-acme.io",
                          "Company": "SF Acme", "NumberOfEmployees": "2000",
                          "Expected_ACV__c": "700000.00", "Fit_Score__c": "85",
                          "LeadSource": "Web", "Phone": None,
                          "LastModifiedDate": "2026-11-23T10:15:00.000+0000"}),
            (n2, "Opportunity", {"Id": opp_id, "Lead_Id__c": lead_id, "Amount": "90000.00",
                                 "StageName": "Prospecting",
                                 "LastModifiedDate": "2026-11-23T10:16:00.000+0000"}),
        ])
        r = sf_post(body)
        self.assertStatus(r, 200)
        self.assertEqual(r.header("content-type").split(";")[0], "text/xml")
        self.assertEqual(r.text, ACK)
        lead = self.lead(lead_id)
        self.assertStatus(lead, 200)
        self.assertEqual(lead.json()["queue"], "strategic")
        o = self.opp(opp_id)
        self.assertEqual(o["queue"], "strategic")
        before = ENV.counts()
        r = sf_post(body)  # Salesforce redelivers when it missed the Ack
        self.assertStatus(r, 200)
        self.assertEqual(r.text, ACK)
        self.assertEqual(ENV.counts(), before)
        keys = ENV.psql("SELECT string_agg(webhook_id, ',' ORDER BY webhook_id) FROM "
                        "webhook_events WHERE webhook_id IN ('salesforce:%s', 'salesforce:%s')"
                        % (n1, n2))
        self.assertEqual(keys, ",".join(sorted(["salesforce:" + n1, "salesforce:" + n2])))
        # "Closed Won" closes the deal (SPEC 2.8 stage normalisation).
        r = sf_post(sf_message([(unique("04l"), "Opportunity", {
            "Id": opp_id, "Amount": "95000.00", "StageName": "Closed Won",
            "LastModifiedDate": "2026-11-23T10:20:00.000+0000"})]))
        self.assertEqual(r.text, ACK)
        o = self.opp(opp_id)
        self.assertEqual(self.opp(opp_id).get("outcome", o.get("decision", {}).get("outcome")),
                         "won", o)

    def test_salesforce_auth_and_bad_messages(self):
        body = sf_message([(unique("04l"), "Lead", {"Id": unique("00Q"), "Email": "a@b.test"})])
        before = ENV.counts()
        r = sf_post(body, token="wrong")
        self.assertStatus(r, 401)
        self.assertIn("<soapenv:Fault>", r.text)
        r = ENV.srv.request("POST", "/v1/crm/salesforce", body, {"Content-Type": "text/xml"})
        self.assertStatus(r, 401)
        r = sf_post(sf_message([(unique("04l"), "Lead", {"Id": unique("00Q")})], org="00DOTHER"))
        self.assertStatus(r, 401)
        r = sf_post(b"<notifications", ctype="text/xml")
        self.assertStatus(r, 400)
        r = sf_post(body, ctype="application/json")
        self.assertStatus(r, 415)
        # A value the mapping cannot use: 422 fault naming the field and notification.
        nid = unique("04l")
        r = sf_post(sf_message([(unique("04l"), "Lead", {"Id": unique("00Q"), "Email": "ok@b.test"}),
                                (nid, "Lead", {"Id": unique("00Q"), "NumberOfEmployees": "many"})]))
        self.assertStatus(r, 422)
        self.assertIn("NumberOfEmployees", r.text)
        self.assertIn(nid, r.text)
        self.assertEqual(ENV.counts(), before)

    def test_salesforce_billion_laughs(self):
        lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
               + "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10)
                         for i in range(1, 10))
               + ']><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
               '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
               '<OrganizationId>&lol9;</OrganizationId></notifications></soapenv:Body>'
               '</soapenv:Envelope>').encode()
        t0 = time.monotonic()
        r = sf_post(lol)
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertTrue(400 <= r.status < 500, r)
        self.assertStatus(ENV.srv.request("GET", "/healthz"), 200)

    # ------------------------------------------------------------ Pipedrive

    def test_pipedrive_deal_and_lead(self):
        did = int(time.time() * 1000) % 10**9
        meta = unique("pdm")
        ev = pd_event("deal", "create", {"id": did, "title": "Big deal", "value": 60000.5,
                                         "currency": "USD", "status": "open",
                                         "update_time": "2026-11-23 10:15:00",
                                         "custom_fields": {"employee_count": {"type": "double",
                                                                              "value": 300}}},
                      meta_id=meta)
        r = pd_post(ev)
        self.assertStatus(r, 201)
        d = r.json()
        self.assertEqual(d["event_id"], "pipedrive:" + meta)
        self.assertSignal(d, "expected_acv", "60000.50", "event", "mid_market")
        self.assertSignal(d, "employee_count", 300, "event", "mid_market")
        r2 = pd_post(ev)
        self.assertStatus(r2, 200)
        self.assertEqual(r2.json(), d)
        r = pd_post(pd_event("deal", "change", {"id": did, "value": 61000, "status": "won",
                                                "update_time": "2026-11-23 10:20:00"}))
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["outcome"], "won")
        lid = unique("pdlead")
        r = pd_post(pd_event("lead", "create", {"id": lid, "title": "Lead",
                                                "email": [{"value": "ann@pd-lead.test",
                                                           "primary": True}],
                                                "custom_fields": {"expected_acv": "1000",
                                                                  "employee_count": "5"}}))
        self.assertStatus(r, 201)
        d = r.json()
        self.assertEqual(d["subject"], "lead")
        self.assertEqual(d["account"]["domain"], "pd-lead.test")
        self.assertDecision(d, "smb", "crm-smb-1", "composite", "smb")

    def test_pipedrive_auth_and_delete(self):
        before = ENV.counts()
        ev = pd_event("deal", "create", {"id": 1, "value": 10})
        self.assertProblem(pd_post(ev, password="wrong"), 401)
        self.assertProblem(pd_post(ev, user="other"), 401)
        r = ENV.srv.request("POST", "/v1/crm/pipedrive", json.dumps(ev).encode(),
                            {"Content-Type": "application/json"})
        self.assertProblem(r, 401)
        r = pd_post(pd_event("deal", "delete", {"id": 1}))
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["ignored"], "delete")
        self.assertEqual(ENV.counts(), before)

    # ------------------------------------------------------------ mapping

    def test_mapping_defaults_put_and_custom_property(self):
        r = ENV.api("GET", "/v1/crm/salesforce/mapping", role="reader")
        self.assertStatus(r, 200)
        j = r.json()
        self.assertEqual(j["version"], 0)
        self.assertEqual(j["document"]["lead"]["expected_acv"], ["Expected_ACV__c"])
        self.assertEqual(j["document"]["opportunity"]["stage"], ["StageName"])
        doc = j["document"]
        doc["lead"]["expected_acv"] = ["ACV_Estimate__c", "Expected_ACV__c"]
        self.assertStatus(ENV.api("PUT", "/v1/crm/salesforce/mapping", doc, role="ops"), 403)
        bad = json.loads(json.dumps(doc))
        bad["lead"]["expected_avc"] = ["X"]
        self.assertProblem(ENV.api("PUT", "/v1/crm/salesforce/mapping", bad), 422,
                           fields=("lead.expected_avc",))
        r = ENV.api("PUT", "/v1/crm/salesforce/mapping", doc)
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["version"], 1)
        self.assertEqual(r.json()["document"]["lead"]["expected_acv"],
                         ["ACV_Estimate__c", "Expected_ACV__c"])
        audit = ENV.psql("SELECT count(*) FROM audit_log WHERE action = 'crm_mapping.changed'"
                         " AND subject_id = 'salesforce'")
        self.assertEqual(audit, "1")
        lead_id = unique("00Q")
        r = sf_post(sf_message([(unique("04l"), "Lead", {
            "Id": lead_id, "Email": "c@custom-acv.test", "NumberOfEmployees": "300",
            "ACV_Estimate__c": "120000", "Expected_ACV__c": "1000"})]))
        self.assertEqual(r.text, ACK)
        d = self.lead(lead_id).json()
        self.assertEqual(d["queue"], "mid_market", d)
        self.assertStatus(ENV.api("GET", "/v1/crm/salesforce/mapping?version=1", role="reader"), 200)
        self.assertProblem(ENV.api("GET", "/v1/crm/zoho/mapping", role="reader"), 404)

    # ------------------------------------------------------------ SPEC 2.8

    def test_deal_grows_to_strategic_on_its_own_values(self):
        opp_id = unique("opp")
        r = ENV.post_event({"type": "opportunity.created", "timestamp": "2026-11-23T10:00:00Z",
                            "data": {"id": opp_id, "domain": "modeled-small.test", "acv": 20000,
                                     "employee_count": 10}})
        self.assertStatus(r, 201)
        d = r.json()
        self.assertEqual(d["queue"], "smb")
        self.assertSignal(d, "expected_acv", 20000, "event", "smb")
        r = ENV.post_event({"type": "opportunity.updated", "timestamp": "2026-11-23T11:00:00Z",
                            "data": {"id": opp_id, "acv": 650000}})
        self.assertStatus(r, 201)
        d = r.json()
        self.assertEqual((d["queue"], d["reason"]), ("strategic", "mid_deal_handoff"), d)
        self.assertSignal(d, "expected_acv", 650000, "event", "strategic")
        self.assertSignal(d, "fit_score", 90, "enrichment", "strategic")

    def test_rules_closing_stages(self):
        r = ENV.api("GET", "/v1/rules", role="reader")
        doc = r.json()["document"]
        doc["closed_won_stages"] = ["Signed"]
        doc["closed_lost_stages"] = ["closed_lost", "Dead"]
        r = ENV.api("PUT", "/v1/rules", doc)
        self.assertStatus(r, 201)
        try:
            opp_id = unique("opp")
            r = ENV.post_event({"type": "opportunity.created", "timestamp": "2026-11-23T10:00:00Z",
                                "data": {"id": opp_id, "acv": 1000, "employee_count": 5,
                                         "stage": "won"}})
            self.assertStatus(r, 201)
            self.assertFalse(r.json()["is_closed"], "won is no closing stage of these rules")
            r = ENV.post_event({"type": "opportunity.updated", "timestamp": "2026-11-23T10:01:00Z",
                                "data": {"id": opp_id, "stage": "SIGNED"}})
            self.assertEqual(r.json()["outcome"], "won")
            bad = dict(doc, closed_won_stages=["Dead"])
            self.assertProblem(ENV.api("PUT", "/v1/rules", bad), 422,
                               fields=("closed_won_stages[0]",))
        finally:
            doc.pop("closed_won_stages")
            doc.pop("closed_lost_stages")
            self.assertStatus(ENV.api("PUT", "/v1/rules", doc), 201)

    # ------------------------------------------------------------ configuration, outage

    def test_unconfigured_adapters_are_404(self):
        s = ENV.add_server(extra_env={"LEADROUTER_HUBSPOT_APP_SECRET": "",
                                      "LEADROUTER_SALESFORCE_TOKEN": "",
                                      "LEADROUTER_PIPEDRIVE_PASSWORD": ""}, name="bare")
        try:
            for path in ("/v1/crm/hubspot/contacts", "/v1/crm/hubspot/deals",
                         "/v1/crm/salesforce?token=x", "/v1/crm/pipedrive"):
                r = s.request("POST", path, b"{}", {"Content-Type": "application/json"})
                self.assertStatus(r, 404, path)
        finally:
            s.stop()

    def test_zz_salesforce_database_down_is_5xx(self):
        body = sf_message([(unique("04l"), "Lead", {"Id": unique("00Q"), "Email": "d@down.test"})])
        ENV.cluster.stop()
        try:
            r = sf_post(body)
            self.assertTrue(500 <= r.status < 600, r)
            self.assertIn("<soapenv:Fault>", r.text)
        finally:
            ENV.cluster.restart()
        harness.wait_until(lambda: ENV.srv.request("GET", "/readyz").status == 200, 30,
                           what="ready again")
        r = sf_post(body)
        self.assertEqual(r.text, ACK)
