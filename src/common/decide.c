/* Counter-based, seedable fault decisions (see cs_decide.h). */
#include "cs_decide.h"

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

uint64_t cs_hash3(uint64_t seed, uint64_t rule_key, uint64_t n)
{
	const uint64_t golden = 0x9e3779b97f4a7c15ull;
	uint64_t h = mix64(seed + golden);
	h = mix64(h ^ (rule_key + 2 * golden));
	return mix64(h ^ (n + 3 * golden));
}

uint64_t cs_rule_key(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	return h;
}

double cs_unit_interval(uint64_t hash)
{
	return (double)(hash >> 11) * 0x1.0p-53;
}

bool cs_decide(uint64_t seed, uint64_t rule_key, uint64_t n, double probability)
{
	if (probability >= 1.0)
		return true;
	if (!(probability > 0.0))
		return false;
	return cs_unit_interval(cs_hash3(seed, rule_key, n)) < probability;
}

uint64_t cs_delay_ns(uint64_t seed, uint64_t rule_key, uint64_t n,
		     uint32_t delay_ms, uint32_t jitter_ms)
{
	int64_t ms = delay_ms;
	if (jitter_ms) {
		/* A second, independent stream: the decision used rule_key. */
		uint64_t h = cs_hash3(seed, ~rule_key, n);
		ms += (int64_t)(h % (2ull * jitter_ms + 1)) - (int64_t)jitter_ms;
	}
	return ms > 0 ? (uint64_t)ms * 1000000ull : 0;
}
