/* One runner for every suite; exits non-zero when any check fails. */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
    SRunner *sr = srunner_create(lead_suite());
    srunner_add_suite(sr, roundrobin_suite());
    srunner_add_suite(sr, domain_suite());
    srunner_add_suite(sr, period_suite());
    srunner_add_suite(sr, rules_suite());
    srunner_add_suite(sr, money_suite());
    srunner_add_suite(sr, json_suite());
    srunner_add_suite(sr, time_suite());
    srunner_add_suite(sr, utf8_suite());
    srunner_add_suite(sr, webhook_suite());
    srunner_add_suite(sr, csv_suite());
    srunner_add_suite(sr, json_array_suite());
    srunner_add_suite(sr, pgarray_suite());
    srunner_add_suite(sr, config_suite());
    srunner_add_suite(sr, event_input_suite());
    srunner_add_suite(sr, types_suite());
    srunner_add_suite(sr, buf_suite());
    srunner_add_suite(sr, strmap_suite());
    srunner_add_suite(sr, opportunity_moves_suite());
    srunner_add_suite(sr, opportunity_credit_suite());
    srunner_add_suite(sr, opportunity_decision_suite());
    srunner_add_suite(sr, rules_validator_suite());
    srunner_add_suite(sr, redecide_suite());
    srunner_add_suite(sr, conns_suite());
    srunner_add_suite(sr, rep_change_suite());
    srunner_add_suite(sr, db_tx_suite());
    srunner_add_suite(sr, db_limits_suite());
    srunner_add_suite(sr, outbox_batch_suite());
    srunner_add_suite(sr, db_pool_suite());
    srunner_add_suite(sr, problem_suite());
    srunner_add_suite(sr, routes_suite());
    srunner_add_suite(sr, batcher_suite());
    srunner_add_suite(sr, crm_mapping_suite());
    srunner_add_suite(sr, writeback_request_suite());
    srunner_add_suite(sr, writeback_handoff_suite());
    srunner_add_suite(sr, cli_suite());
    srunner_add_suite(sr, stats_query_suite());
    srunner_add_suite(sr, web_suite());
    srunner_add_suite(sr, decision_json_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
