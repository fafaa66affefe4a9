/* Seeds: one parser for every place a seed is typed (--seed,
 * CHAOS_SHIM_SEED) and one chooser for the order of precedence, so that the
 * CLI and the shim accept the same text and pick seeds the same way. */
#include "cs_seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int cs_seed_parse(const char *text, uint64_t *seed)
{
	uint64_t value = 0;

	if (!text || !*text)
		return -1;
	for (const char *p = text; *p; p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (digit > 9 || __builtin_mul_overflow(value, 10, &value) ||
		    __builtin_add_overflow(value, digit, &value))
			return -1;
	}
	*seed = value;
	return 0;
}

/* getrandom, or, where it is missing, the clock and the pid mixed. */
static uint64_t random_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) ^
		       (uint64_t)getpid() * 0x9e3779b97f4a7c15ull;
	}
	return seed & CS_SEED_RANDOM_MASK;
}

int cs_seed_choose(struct cs_table *table, const char *text,
		   const char *origin, char *err, size_t errlen)
{
	if (!text) {
		text = getenv("CHAOS_SHIM_SEED");
		origin = "CHAOS_SHIM_SEED";
	}
	if (text && *text) {
		if (cs_seed_parse(text, &table->seed) < 0) {
			snprintf(err, errlen,
				 "bad seed '%s' in %s: expected a decimal integer",
				 text, origin);
			return -1;
		}
		table->has_seed = 1;
	} else if (!table->has_seed) {
		table->seed = random_seed();
	}
	return 0;
}
