/* The cycle of turns for weighted round robin. Each rep's turns are spread as evenly
 * as the cycle allows: the k-th of a weight-w rep's turns aims at slot
 * floor((2k + 1) * W / 2w), heaviest reps placed first, and a rep whose aim is taken
 * moves to the next free slot (cyclically). The cycle is then rotated so that the
 * lowest rep id takes the first turn, which makes equal weights plain id order.
 * Because the cycle repeats, the spreading holds across its end too: weights 1,1,2
 * give 0,2,1,2 — never 2,2. */
#include "routing/roundrobin.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t lr_rr_cycle(const int *weights, size_t n, size_t *slots, size_t cap)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (weights[i] < 1)
            return 0;
        total += (size_t)weights[i];
    }
    if (n == 0 || total > cap)
        return 0;
    bool *taken = calloc(total, sizeof *taken);
    size_t *order = calloc(n, sizeof *order);
    if (taken == NULL || order == NULL) {
        free(taken);
        free(order);
        return 0;
    }
    /* heaviest first; equal weights in id order (stable insertion sort) */
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && weights[order[j - 1]] < weights[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    size_t first_of_lowest = 0;
    for (size_t o = 0; o < n; o++) {
        size_t rep = order[o];
        uint64_t w = (uint64_t)weights[rep];
        for (uint64_t k = 0; k < w; k++) {
            size_t slot = (size_t)(((2 * k + 1) * total) / (2 * w));
            while (taken[slot])
                slot = (slot + 1) % total;
            taken[slot] = true;
            slots[slot] = rep;
        }
    }
    for (size_t s = 0; s < total; s++) {
        if (slots[s] == 0) {
            first_of_lowest = s;
            break;
        }
    }
    /* rotate left by first_of_lowest */
    size_t *copy = malloc(total * sizeof *copy);
    if (copy != NULL) {
        memcpy(copy, slots, total * sizeof *copy);
        for (size_t s = 0; s < total; s++)
            slots[s] = copy[(s + first_of_lowest) % total];
        free(copy);
    }
    free(taken);
    free(order);
    return copy != NULL ? total : 0;
}
