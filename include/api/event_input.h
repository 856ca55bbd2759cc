/* A CRM event, validated (SPEC 3.1 field rules). */
#ifndef LR_API_EVENT_INPUT_H
#define LR_API_EVENT_INPUT_H

#include <jansson.h>
#include <stdbool.h>

#include "service/event.h"

/* Parses and validates. Returns 0; or 400 (malformed JSON: errors untouched, detail
 * written) or 422 (one entry per bad field appended to errors). */
int lr_event_parse(const char *body, size_t len, struct lr_event *ev, json_t *errors, char *detail,
                   size_t detail_len);
void lr_event_free(struct lr_event *ev);

#endif
