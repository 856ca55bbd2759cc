/* RFC 3339 instants. */
#ifndef LR_UTIL_TIME_H
#define LR_UTIL_TIME_H

#include <stdint.h>

/* RFC 3339 UTC with milliseconds, e.g. 2026-11-23T10:15:00.123Z; out >= 32 bytes. */
void lr_rfc3339_now(char *out);
/* The wall clock in microseconds since the epoch. */
int64_t lr_now_usec(void);
/* CLOCK_MONOTONIC in microseconds: for intervals, which must not move with the wall
 * clock. */
int64_t lr_now_mono_usec(void);
/* Parses RFC 3339 (Z or an offset up to +-15:59, optional fraction, digits past the
 * microsecond dropped) to microseconds since the epoch. Returns -1 for anything
 * PostgreSQL's timestamptz would refuse and for instants outside 0001-01-01T00:00:00Z ..
 * 9999-12-31T23:59:59.999999Z (so that every accepted value can be written back in
 * UTC); a leap second (:60, no fraction) is the next minute's first, as in PostgreSQL. */
int lr_rfc3339_parse(const char *s, int64_t *usec);

/* An instant lr_rfc3339_parse accepted, written for PostgreSQL and for output as
 * 2026-11-23T10:15:00.000000Z; out has LR_RFC3339_UTC_SIZE bytes. -1 outside the range
 * lr_rfc3339_parse accepts. */
#define LR_RFC3339_UTC_SIZE 32
int lr_rfc3339_format_usec(int64_t usec, char *out);

#endif
