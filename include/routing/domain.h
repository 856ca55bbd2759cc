/* Domain normalisation (SPEC 2.3). */
#ifndef LR_ROUTING_DOMAIN_H
#define LR_ROUTING_DOMAIN_H

#include <stdbool.h>

#include "routing/types.h"

/* The lead's domain: its domain field, else the part of email after the last '@';
 * trimmed, lower-cased, a leading "www." removed. Either input may be NULL. Returns
 * false (out = "") when neither yields a non-empty domain. */
bool lr_domain_normalize(const char *domain, const char *email, char out[LR_DOMAIN_MAX + 1]);

/* A normalised domain: lower-case letters, digits, '-' and '.', with at least one dot
 * and none at either end. Underscores pass too: real DNS names carry them. */
bool lr_domain_valid(const char *d);

#endif
