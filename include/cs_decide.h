/* Counter-based decisions: the n-th match of a rule is injected when
 * hash(seed, rule, n) falls below its probability, so a seed and the same
 * sequence of calls reproduce the same faults in every process. */
#ifndef CS_DECIDE_H
#define CS_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

/* A well-mixed 64-bit hash of three words (splitmix64 finaliser chain). */
uint64_t cs_hash3(uint64_t seed, uint64_t rule_key, uint64_t n);

/* A stable key for a rule: FNV-1a of its name. */
uint64_t cs_rule_key(const char *name);

/* A uniform double in [0, 1) from a hash. */
double cs_unit_interval(uint64_t hash);

/* Whether the n-th match (counting from 0) is injected. */
bool cs_decide(uint64_t seed, uint64_t rule_key, uint64_t n, double probability);

/* Jitter for the n-th injection: delay_ms +/- jitter_ms, never negative, in
 * nanoseconds. */
uint64_t cs_delay_ns(uint64_t seed, uint64_t rule_key, uint64_t n,
		     uint32_t delay_ms, uint32_t jitter_ms);

#endif
