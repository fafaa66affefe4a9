/* The decision on one call, shared by the shim and the seccomp supervisor
 * (see cs_verdict.h). */
#include <string.h>
#include <strings.h>

#include "cs_backoff.h"
#include "cs_decide.h"
#include "cs_schedule.h"
#include "cs_verdict.h"

void cs_action_clear(struct cs_action *action)
{
	memset(action, 0, sizeof *action);
	action->terminal = -1;
}

/* "*.example.com" matches any name below example.com; otherwise exact. */
bool cs_host_matches(const char *pattern, const char *host)
{
	if (!pattern[0])
		return true;
	if (!host)
		return false;
	if (pattern[0] == '*' && pattern[1] == '.') {
		size_t plen = strlen(pattern + 1), hlen = strlen(host);
		return hlen > plen &&
		       strcasecmp(host + hlen - plen, pattern + 1) == 0;
	}
	return strcasecmp(pattern, host) == 0;
}

bool cs_rule_in_window(const struct cs_rule *rule, int64_t now_ns)
{
	return !cs_has_window(rule) || cs_window_open(rule, now_ns, NULL);
}

/* Takes one injection from the rule's budget; false once count is spent,
 * across every process on the segment. */
static bool take_injection(struct cs_seg_counter *counter, uint64_t count)
{
	uint64_t done = __atomic_load_n(&counter->injected, __ATOMIC_RELAXED);
	do {
		if (count && done >= count)
			return false;
	} while (!__atomic_compare_exchange_n(&counter->injected, &done,
					      done + 1, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

bool cs_rule_injects(const struct cs_rule *rule, uint64_t seed, uint64_t key,
		     struct cs_seg_counter *counter, uint64_t *nth)
{
	uint64_t n = __atomic_fetch_add(&counter->matched, 1, __ATOMIC_RELAXED);
	*nth = n;
	if (!cs_rule_selects(rule, seed, key, n))
		return false;
	return take_injection(counter, rule->count);
}

bool cs_action_add(const struct cs_rule *rule, uint64_t seed, uint64_t key,
		   uint64_t n, bool stream, uint32_t losses,
		   struct cs_action *action, uint64_t *delay_ns)
{
	*delay_ns = 0;
	switch ((enum cs_fault)rule->fault) {
	case CS_FAULT_LATENCY:
	case CS_FAULT_SLOW_CLOSE:
		*delay_ns = cs_delay_ns(seed, key, n, rule->delay_ms,
					rule->jitter_ms);
		action->delay_ns += *delay_ns;
		return false;
	case CS_FAULT_SLICE:
		if (!action->max_bytes || rule->max_bytes < action->max_bytes)
			action->max_bytes = rule->max_bytes;
		return false;
	case CS_FAULT_BANDWIDTH:
		if (!action->bytes_per_s || rule->bytes_per_s < action->bytes_per_s)
			action->bytes_per_s = rule->bytes_per_s;
		return false;
	case CS_FAULT_DUPLICATE:
		action->duplicate = true;
		return false;
	case CS_FAULT_CORRUPT:
		if (rule->corrupt_bits > action->corrupt_bits) {
			action->corrupt_bits = rule->corrupt_bits;
			action->corrupt_key = cs_hash3(seed, key, n);
		}
		return false;
	case CS_FAULT_REORDER:
		/* The first rule's: a datagram is held back once. A second,
		 * independent stream: the decision used key. */
		if (!action->reorder_after)
			action->reorder_after =
				1 + (uint32_t)(cs_hash3(seed, ~key, n) %
					       rule->reorder_window);
		return false;
	case CS_FAULT_LIMIT_DATA:
		if (!action->limit_bytes || rule->limit_bytes < action->limit_bytes) {
			action->limit_bytes = rule->limit_bytes;
			action->limit_end = rule->limit_end;
		}
		return false;
	case CS_FAULT_CLOCK_SKEW:
		action->skewed = true;
		action->skew = cs_skew_of(rule);
		return true; /* one clock, one skew: the first rule wins */
	case CS_FAULT_LOSS:
		if (stream) {
			/* The data arrives, one retransmission timeout late. */
			*delay_ns = cs_rto_backoff_ns(rule->rto_ms, losses);
			action->delay_ns += *delay_ns;
			return false;
		}
		action->terminal = CS_FAULT_DROP; /* a datagram is gone */
		return true;
	case CS_FAULT_HTTP_RESPONSE:
		/* The request never reaches the server: nothing else applies. */
		action->http_response = rule;
		return true;
	case CS_FAULT_HTTP_DELAY:
		*delay_ns = cs_delay_ns(seed, key, n, rule->delay_ms, 0);
		action->http_delay_ns += *delay_ns;
		return false;
	case CS_FAULT_RESET:
	case CS_FAULT_DROP:
	case CS_FAULT_ERROR:
	case CS_FAULT_KILL:
	case CS_FAULT_EOF:
	case CS_FAULT_COUNT:
		break;
	}
	action->terminal = (int8_t)rule->fault;
	action->error = rule->error;
	action->signal = rule->signal;
	action->hang_ms = rule->hang_ms;
	return true;
}
