/* The seed of a run: the one parser of its text and the one chooser, shared
 * by chaos-shim-ctl (load, run) and the shim (CHAOS_SHIM_PROFILE). */
#ifndef CS_SEED_H
#define CS_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "cs_table.h"

/* Random seeds keep 53 bits: JSON readers that hold numbers as doubles (jq,
 * JavaScript) read them back exactly, for --seed. */
#define CS_SEED_RANDOM_MASK ((1ull << 53) - 1)

/* Parses a seed: decimal digits only, 0 .. 2^64-1. Returns 0, or -1. */
int cs_seed_parse(const char *text, uint64_t *seed);

/* Sets table's seed: text when not NULL (origin names it in messages, e.g.
 * "--seed"), else $CHAOS_SHIM_SEED, else the profile's own, else a random
 * one masked to 53 bits. An explicit seed sets has_seed. Returns 0, or -1
 * with a one-line reason in err when the text is not a seed. Makes no
 * system call but getrandom, and allocates nothing. */
int cs_seed_choose(struct cs_table *table, const char *text,
		   const char *origin, char *err, size_t errlen);

#endif
