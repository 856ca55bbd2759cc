/* Smooth weighted round robin (SPEC 2.6): the order of turns in one cycle. */
#ifndef LR_ROUTING_ROUNDROBIN_H
#define LR_ROUTING_ROUNDROBIN_H

#include <stddef.h>

#define LR_RR_MAX_WEIGHT 100

/* weights[i] is the weight of the i-th active rep in rep-id order (1..LR_RR_MAX_WEIGHT).
 * Writes the cycle (member indices, length = sum of weights) into slots, which must hold
 * that many. Each rep takes exactly its weight in turns per cycle, spread out rather
 * than in a burst, also across the end of the cycle (it repeats), and the lowest rep
 * id takes the first turn. Returns the cycle length; 0 when n is 0, a weight is below
 * 1, cap is too small or memory runs out. */
size_t lr_rr_cycle(const int *weights, size_t n, size_t *slots, size_t cap);

#endif
