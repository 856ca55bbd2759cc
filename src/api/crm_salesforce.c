/* POST /v1/crm/salesforce?token=... (SPEC 3.5): Salesforce Outbound Messages, SOAP 1.1.
 * The token is checked before the body is parsed; the body is parsed by libxml2 with no
 * network access, no entity substitution and no DTD at all (a DOCTYPE stops the parser
 * at once, so a billion-laughs body costs nothing). The Ack is sent only after every
 * notification of the message is committed; anything else is a SOAP fault, 5xx when a
 * retry can succeed (Salesforce retries for 24 hours), 4xx when none can. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/crm.h"
#include "api/problem.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"

#define SF_XSI "http://www.w3.org/2001/XMLSchema-instance"

static const char ACK[] =
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
    "<soapenv:Body><notificationsResponse xmlns=\"http://soap.sforce.com/2005/09/outbound\">"
    "<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>";

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    /* libxml2's global state must be set up before threads parse concurrently. */
    xmlInitParser();
}

static void xml_escape(struct lr_buf *b, const char *s)
{
    for (; *s; s++) {
        const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" : NULL;
        if (e != NULL)
            lr_buf_puts(b, e);
        else
            lr_buf_append(b, s, 1);
    }
}

/* A SOAP 1.1 fault: Client when the message itself is wrong, Server when a retry may
 * succeed. */
static void fault(struct lr_response *resp, unsigned status, const char *message)
{
    struct lr_buf b = {0};
    lr_buf_puts(&b, "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                    "<soapenv:Body><soapenv:Fault><faultcode>");
    lr_buf_puts(&b, status >= 500 ? "soapenv:Server" : "soapenv:Client");
    lr_buf_puts(&b, "</faultcode><faultstring>");
    xml_escape(&b, message);
    lr_buf_puts(&b, "</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>");
    free(resp->body);
    resp->status = b.failed ? 500 : status;
    resp->body = b.failed ? NULL : b.data;
    resp->body_len = b.failed ? 0 : b.len;
    resp->content_type = "text/xml; charset=utf-8";
    if (b.failed)
        lr_buf_free(&b);
}

static bool is_xml(const char *ct)
{
    return lr_media_type_is(ct, "text/xml") || lr_media_type_is(ct, "application/xml") ||
           lr_media_type_is(ct, "application/soap+xml");
}

static bool contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

struct parse_guard {
    bool saw_dtd;
};

/* Any DOCTYPE ends the parse: entity declarations are the only way to an expansion
 * bomb or an external fetch, and Salesforce never sends one. */
static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name, (void)ext, (void)sys;
    xmlParserCtxtPtr c = ctx;
    struct parse_guard *g = c->_private;
    g->saw_dtd = true;
    xmlStopParser(c);
}

static bool named(const xmlNode *n, const char *local)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

static xmlNode *child(const xmlNode *n, const char *local)
{
    for (xmlNode *c = n ? n->children : NULL; c != NULL; c = c->next)
        if (named(c, local))
            return c;
    return NULL;
}

/* The element's text (caller frees with xmlFree), NULL when empty or xsi:nil. */
static char *text_of(xmlNode *n)
{
    if (n == NULL)
        return NULL;
    xmlChar *nil = xmlGetNsProp(n, (const xmlChar *)"nil", (const xmlChar *)SF_XSI);
    bool is_nil = nil != NULL && strcmp((const char *)nil, "true") == 0;
    xmlFree(nil);
    if (is_nil)
        return NULL;
    return (char *)xmlNodeGetContent(n);
}

/* One Notification: its Id, its sObject's type and fields as a flat JSON object. */
struct notification {
    char id[LR_ID_MAX + 1];
    enum lr_crm_object obj;
    json_t *fields;
};

/* Reads the message; NULL and *why set when it is not an outbound message. */
static const char *read_message(xmlDoc *doc, char *org, size_t org_size, struct notification *out,
                                size_t *count)
{
    xmlNode *env = xmlDocGetRootElement(doc);
    if (!named(env, "Envelope"))
        return "the body is not a SOAP envelope";
    xmlNode *nots = child(child(env, "Body"), "notifications");
    if (nots == NULL)
        return "the SOAP body holds no notifications element";
    char *o = text_of(child(nots, "OrganizationId"));
    snprintf(org, org_size, "%s", o ? o : "");
    xmlFree(o);
    *count = 0;
    for (xmlNode *c = nots->children; c != NULL; c = c->next) {
        if (!named(c, "Notification"))
            continue;
        if (*count == LR_CRM_MAX_RECORDS)
            return "more than 100 notifications in one message";
        struct notification *nt = &out[(*count)++];
        memset(nt, 0, sizeof *nt);
        char *id = text_of(child(c, "Id"));
        bool id_ok = id != NULL && strlen(id) <= LR_ID_MAX && lr_id_valid(id);
        if (id_ok)
            snprintf(nt->id, sizeof nt->id, "%s", id);
        xmlFree(id);
        if (!id_ok)
            return "a Notification has no valid Id";
        xmlNode *so = child(c, "sObject");
        xmlChar *type =
            so ? xmlGetNsProp(so, (const xmlChar *)"type", (const xmlChar *)SF_XSI) : NULL;
        const char *t = type ? strchr((const char *)type, ':') : NULL;
        t = t ? t + 1 : (const char *)type;
        bool lead = t != NULL && strcmp(t, "Lead") == 0;
        bool opp = t != NULL && strcmp(t, "Opportunity") == 0;
        xmlFree(type);
        if (!lead && !opp)
            return "a Notification's sObject is not of xsi:type sf:Lead or sf:Opportunity";
        nt->obj = lead ? LR_CRM_OBJ_LEAD : LR_CRM_OBJ_DEAL;
        nt->fields = json_object();
        json_object_set_new(nt->fields, "sobject_type", json_string(lead ? "Lead" : "Opportunity"));
        for (xmlNode *f = so->children; f != NULL; f = f->next) {
            if (f->type != XML_ELEMENT_NODE)
                continue;
            char *v = text_of(f);
            if (v != NULL && lr_utf8_printable(v, 0, 1 << 20))
                json_object_set_new(nt->fields, (const char *)f->name, json_string(v));
            xmlFree(v);
        }
    }
    if (*count == 0)
        return "the message holds no Notification";
    return NULL;
}

static void log_failure(const char *what, const struct notification *nts, size_t n, unsigned status)
{
    json_t *ids = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_string(nts[i].id));
    lr_log(LR_LOG_WARN, what,
           json_pack("{s:s, s:o, s:i}", "crm", "salesforce", "notification_ids", ids, "status",
                     (int)status));
}

/* Errors as one faultstring: Salesforce shows it in its outbound message queue. */
static void errors_fault(struct lr_response *resp, const json_t *errors,
                         const struct notification *nts)
{
    struct lr_buf b = {0};
    lr_buf_puts(&b, "nothing was written; fix the mapping or the records:");
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e)
    {
        if (i == 20) {
            lr_buf_puts(&b, " ...");
            break;
        }
        json_int_t rec = json_integer_value(json_object_get(e, "record"));
        char line[600];
        snprintf(line, sizeof line, " notification %s (record %s): %s %s;", nts[rec].id,
                 json_string_value(json_object_get(e, "record_id"))
                     ? json_string_value(json_object_get(e, "record_id"))
                     : "?",
                 json_string_value(json_object_get(e, "field")),
                 json_string_value(json_object_get(e, "message")));
        lr_buf_puts(&b, line);
    }
    lr_buf_append(&b, "", 1);
    fault(resp, 422, b.failed ? "records cannot be mapped" : b.data);
    lr_buf_free(&b);
}

static void run_message(struct lr_app *app, struct lr_response *resp, struct notification *nts,
                        size_t n)
{
    struct lr_crm_mapping *m = NULL;
    enum lr_db_status s = lr_crm_mapping_load(app, LR_CRM_SALESFORCE, &m);
    if (s != LR_DB_OK) {
        log_failure("salesforce message not committed", nts, n, 503);
        fault(resp, s == LR_DB_UNAVAILABLE ? 503 : 500, "the database is unavailable; retry");
        resp->retry_after = app->cfg.retry_after_sec;
        return;
    }
    struct lr_crm_item *items = calloc(n, sizeof *items);
    json_t *errors = json_array();
    for (size_t i = 0; items != NULL && i < n; i++) {
        struct lr_crm_json_ctx ctx = {.record = nts[i].fields};
        if (lr_crm_map(m, nts[i].obj, lr_crm_json_get, &ctx, i, json_incref(nts[i].fields), NULL,
                       &items[i], errors) == 0)
            snprintf(items[i].key, sizeof items[i].key, "salesforce:%s", nts[i].id);
    }
    free(m);
    if (items == NULL) {
        json_decref(errors);
        fault(resp, 500, "out of memory");
        return;
    }
    if (json_array_size(errors) == 0)
        s = lr_crm_prepare(app, LR_CRM_SALESFORCE, items, n, errors);
    if (s != LR_DB_OK) {
        log_failure("salesforce message not committed", nts, n, 503);
        fault(resp, s == LR_DB_UNAVAILABLE ? 503 : 500, "the database is unavailable; retry");
        resp->retry_after = app->cfg.retry_after_sec;
    } else if (json_array_size(errors) != 0) {
        log_failure("salesforce message cannot be mapped", nts, n, 422);
        errors_fault(resp, errors, nts);
    } else {
        lr_crm_run(app, items, n);
        long conflict;
        s = lr_crm_outcome(items, n, &conflict);
        if (s != LR_DB_OK) {
            log_failure("salesforce message not committed", nts, n, 503);
            fault(resp, s == LR_DB_UNAVAILABLE ? 503 : 500,
                  "not every notification was committed; retry (committed ones replay)");
            resp->retry_after = app->cfg.retry_after_sec;
        } else if (conflict >= 0) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "notification %s was already delivered with a different record",
                     nts[conflict].id);
            log_failure("salesforce notification id reused", nts, n, 409);
            fault(resp, 409, msg);
        } else {
            free(resp->body);
            resp->body = strdup(ACK);
            resp->status = resp->body ? 200 : 500;
            resp->body_len = resp->body ? strlen(ACK) : 0;
            resp->content_type = "text/xml; charset=utf-8";
        }
    }
    json_decref(errors);
    lr_crm_items_free(items, n);
    free(items);
}

void lr_api_crm_salesforce(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    if (app->cfg.salesforce_org_id[0] == '\0' || app->cfg.salesforce_token[0] == '\0') {
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND,
                          "no such endpoint: the Salesforce adapter is not configured", NULL);
        return;
    }
    if (!lr_crm_secret_equal(lr_req_query(req, "token"), app->cfg.salesforce_token)) {
        fault(resp, 401, "the token query parameter does not match");
        return;
    }
    if (!is_xml(lr_req_header(req, "Content-Type"))) {
        fault(resp, 415, "outbound messages are sent as text/xml");
        return;
    }
    /* Cheaper than any parser: no outbound message carries a DTD. */
    if (contains(req->body, req->body_len, "<!DOCTYPE") ||
        contains(req->body, req->body_len, "<!ENTITY")) {
        fault(resp, 400, "a DOCTYPE or ENTITY declaration is not accepted");
        return;
    }
    pthread_once(&xml_once, xml_init);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        fault(resp, 500, "out of memory");
        return;
    }
    struct parse_guard guard = {false};
    ctxt->_private = &guard;
    ctxt->sax->internalSubset = refuse_dtd;
    ctxt->sax->externalSubset = refuse_dtd;
    /* No XML_PARSE_NOENT (no substitution), no DTDLOAD/DTDATTR, no HUGE (libxml2's own
     * size limits hold), NONET (no fetch), and errors are returned, not printed. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDoc *doc =
        xmlCtxtReadMemory(ctxt, req->body, (int)req->body_len, "outbound-message.xml", NULL, opts);
    bool dtd = guard.saw_dtd;
    xmlFreeParserCtxt(ctxt);
    if (doc == NULL || dtd) {
        xmlFreeDoc(doc);
        fault(resp, 400, dtd ? "a DOCTYPE is not accepted" : "the body is not well-formed XML");
        return;
    }
    char org[128];
    struct notification *nts = calloc(LR_CRM_MAX_RECORDS, sizeof *nts);
    size_t n = 0;
    const char *why = nts ? read_message(doc, org, sizeof org, nts, &n) : "out of memory";
    xmlFreeDoc(doc);
    if (why != NULL) {
        fault(resp, 400, why);
    } else if (!lr_crm_secret_equal(org, app->cfg.salesforce_org_id)) {
        log_failure("salesforce message from another organization", nts, n, 401);
        fault(resp, 401, "the OrganizationId is not the configured organization");
    } else {
        run_message(app, resp, nts, n);
    }
    for (size_t i = 0; nts != NULL && i < n; i++)
        json_decref(nts[i].fields);
    free(nts);
}
