/* Every unit-test suite; tests/unit/main.c runs them all in one SRunner. */
#ifndef LR_TESTS_UNIT_SUITES_H
#define LR_TESTS_UNIT_SUITES_H

#include <check.h>

Suite *lead_suite(void);
Suite *roundrobin_suite(void);
Suite *domain_suite(void);
Suite *period_suite(void);
Suite *rules_suite(void);
Suite *money_suite(void);
Suite *json_suite(void);
Suite *time_suite(void);
Suite *utf8_suite(void);
Suite *webhook_suite(void);
Suite *csv_suite(void);
Suite *json_array_suite(void);
Suite *pgarray_suite(void);
Suite *config_suite(void);
Suite *event_input_suite(void);
Suite *types_suite(void);
Suite *buf_suite(void);
Suite *strmap_suite(void);
Suite *opportunity_moves_suite(void);
Suite *opportunity_credit_suite(void);
Suite *opportunity_decision_suite(void);
Suite *rules_validator_suite(void);
Suite *redecide_suite(void);
Suite *db_limits_suite(void);
Suite *outbox_batch_suite(void);
Suite *db_pool_suite(void);
Suite *problem_suite(void);

Suite *conns_suite(void);

Suite *rep_change_suite(void);

Suite *routes_suite(void);
Suite *batcher_suite(void);

Suite *db_tx_suite(void);
Suite *crm_mapping_suite(void);
Suite *writeback_request_suite(void);
Suite *writeback_handoff_suite(void);
Suite *cli_suite(void);
Suite *stats_query_suite(void);
Suite *web_suite(void);
Suite *decision_json_suite(void);

#endif
