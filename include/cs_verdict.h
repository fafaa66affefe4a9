/* The decision on one call, shared by everything that decides: the
 * preloaded shim and the seccomp supervisor of `run --trap`. Whether a
 * rule matches what is known of the call, whether its n-th match injects
 * (counted on the segment's shared counters, chosen by the seed), and what
 * the injected rules add up to. */
#ifndef CS_VERDICT_H
#define CS_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "cs_addr.h"
#include "cs_http.h"
#include "cs_segment.h"
#include "cs_skew.h"
#include "cs_table.h"

/* What the rules see of a call. */
struct cs_match {
	enum cs_family family;
	/* The socket's protocol: CS_PROTO_TCP or CS_PROTO_UDP, else
	 * CS_PROTO_ANY (no socket, not an IP socket, or unknown), which only
	 * a rule without proto matches. */
	uint8_t proto;
	const struct cs_sockaddr *peer;  /* NULL: no peer known */
	const struct cs_sockaddr *local; /* NULL: no local end known */
	const char *host;                /* dns */
	bool monotonic;                  /* clock: a monotonic clock is read */
	bool cert_check;                 /* clock: a certificate check's time */
	/* A TLS session on the program's own BIO, with no socket to see:
	 * taken as the stream it carries by a fault made for TCP. */
	bool unseen_stream;
	/* The HTTP/1.x request whose line this write starts, or NULL: HTTP
	 * faults match only such writes. */
	const struct cs_http_request *http;
};

/* What the injected rules decided, to be applied by the call site. */
struct cs_action {
	uint64_t delay_ns;   /* latency, summed over rules */
	uint32_t max_bytes;  /* slice: 0 = none */
	uint64_t bytes_per_s; /* bandwidth: 0 = none */
	uint64_t limit_bytes; /* limit_data: 0 = none */
	uint8_t limit_end;    /* limit_data: enum cs_limit_end */
	bool duplicate;       /* a datagram sent twice */
	uint32_t corrupt_bits; /* bits flipped in a received datagram */
	uint64_t corrupt_key;  /* which ones */
	uint32_t reorder_after; /* a datagram sent after so many later ones */
	int8_t terminal;     /* enum cs_fault of reset/drop/error/kill, or -1 */
	int32_t error;
	int32_t signal;
	uint32_t hang_ms;
	bool skewed; /* clock_skew: the first matching rule's clock */
	struct cs_skew skew;
	/* http_response: the rule whose response the request gets (it is
	 * not sent); http_delay: how late the response's first byte is. */
	const struct cs_rule *http_response;
	uint64_t http_delay_ns;
};

/* An action that does nothing. */
void cs_action_clear(struct cs_action *action);

/* "*.example.com" matches any name below example.com; otherwise exact. */
bool cs_host_matches(const char *pattern, const char *host);

/* Whether rule (enabled or not) takes a call like m, its request aside:
 * for an HTTP fault, whether the rule watches the connection. Inline: the
 * shim's engine runs it for every rule on its slow path. */
static inline __attribute__((always_inline)) bool
cs_rule_watches(const struct cs_rule *rule, const struct cs_match *m)
{
	if (!rule->enabled || !(rule->calls & CS_BIT(m->family)))
		return false;
	/* A skew applies to the realtime clocks unless the rule also asks
	 * for the monotonic ones, and with scope tls only inside a
	 * certificate check. */
	if (m->family == CS_FAM_CLOCK && rule->fault == CS_FAULT_CLOCK_SKEW &&
	    ((m->monotonic && !rule->monotonic) ||
	     (rule->scope == CS_SCOPE_TLS && !m->cert_check)))
		return false;
	if (rule->proto != CS_PROTO_ANY && rule->proto != m->proto)
		return false;
	/* A fault made for one protocol (an end of stream, a damaged
	 * datagram) leaves the sockets of another alone. */
	enum cs_proto fits = cs_fault_proto((enum cs_fault)rule->fault);
	if (fits != CS_PROTO_ANY && fits != m->proto &&
	    !(fits == CS_PROTO_TCP && m->unseen_stream))
		return false;
	if (rule->has_peer &&
	    (!m->peer || !cs_endpoint_matches(&rule->peer, m->peer)))
		return false;
	if (rule->has_local &&
	    (!m->local || !cs_endpoint_matches(&rule->local, m->local)))
		return false;
	return cs_host_matches(rule->host, m->host);
}

/* Whether rule takes a call like m: an HTTP fault only a write that
 * starts a request its http_method and http_path take. */
static inline __attribute__((always_inline)) bool
cs_rule_matches(const struct cs_rule *rule, const struct cs_match *m)
{
	if (!cs_rule_watches(rule, m))
		return false;
	return !cs_fault_is_http(rule->fault) ||
	       (m->http && cs_http_rule_takes(rule, m->http));
}

/* Whether the rule runs now (CLOCK_MONOTONIC ns): inside its time window,
 * if it has one. A rule out of it does not match and counts nothing. */
bool cs_rule_in_window(const struct cs_rule *rule, int64_t now_ns);

/* Counts one match on the rule's shared counter (*nth gets its number,
 * from 0) and tells whether it injects: chosen by seed and key, within
 * the `count` budget across every process on the segment. */
bool cs_rule_injects(const struct cs_rule *rule, uint64_t seed, uint64_t key,
		     struct cs_seg_counter *counter, uint64_t *nth);

/* Folds the injected rule's n-th match into action; true when it ends the
 * evaluation (a terminal fault, a clock's one skew). *delay_ns gets this
 * rule's own delay, for the event log. stream: the call is on a stream,
 * where a loss is retransmitted; losses: its run of losses so far. */
bool cs_action_add(const struct cs_rule *rule, uint64_t seed, uint64_t key,
		   uint64_t n, bool stream, uint32_t losses,
		   struct cs_action *action, uint64_t *delay_ns);

#endif
