/* Smooth weighted round robin: each turn every rep gains its weight, the richest rep
 * (lowest index on ties, i.e. lowest rep id) takes the turn and pays the total. Over
 * one cycle each rep takes exactly `weight` turns, spread out rather than in a burst. */
#include "routing/roundrobin.h"

#include <stdint.h>
#include <stdlib.h>

size_t lr_rr_cycle(const int *weights, size_t n, size_t *slots, size_t cap)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += weights[i];
    if (n == 0 || total <= 0 || (size_t)total > cap)
        return 0;
    int64_t *current = calloc(n, sizeof *current);
    if (current == NULL)
        return 0;
    for (int64_t turn = 0; turn < total; turn++) {
        size_t best = 0;
        for (size_t i = 0; i < n; i++) {
            current[i] += weights[i];
            if (current[i] > current[best])
                best = i;
        }
        current[best] -= total;
        slots[turn] = best;
    }
    free(current);
    return (size_t)total;
}
