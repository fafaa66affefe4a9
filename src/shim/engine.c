/* The shim's decision engine: which rules match a call (in this program,
 * inside their windows), whether each injects this time and what the call
 * site must do, through the decisions shared with the seccomp supervisor
 * (cs_verdict.h). Latency, slice and bandwidth compose; the first rule
 * that resets, drops, fails or kills ends the evaluation. */
#include <string.h>

#include "cs_addr.h"
#include "cs_schedule.h"
#include "shim/shim.h"

static CS_TLS int depth;

/* What the rules see of call. */
static inline __attribute__((always_inline)) struct cs_match
match_of(const struct cs_call *call)
{
	const struct cs_fdinfo *sock = call->sock;
	return (struct cs_match){
		.family = call->family,
		.proto = !sock			 ? CS_PROTO_ANY
			 : sock->kind == CS_FD_TCP ? CS_PROTO_TCP
			 : sock->kind == CS_FD_UDP ? CS_PROTO_UDP
						   : CS_PROTO_ANY,
		.peer = call->peer ? call->peer : sock ? &sock->peer : NULL,
		.local = sock ? &sock->local : NULL,
		.host = call->host,
		.monotonic = call->monotonic,
		.cert_check = call->cert_check,
		.unseen_stream = !sock && (CS_BIT(call->family) & CS_SSL_FAMILIES),
		.http = call->http,
	};
}

/* Whether the rule runs in this program and inside its time window now:
 * when not, the call does not match it and is not counted. */
static bool scheduled(const struct cs_snapshot *snap, uint32_t i)
{
	const struct cs_rule *rule = &snap->table.rules[i];
	if ((snap->left_out >> i) & 1)
		return false;
	/* The writers' clock, read through the vDSO: no system call. */
	return !cs_has_window(rule) ||
	       cs_rule_in_window(rule, (int64_t)cs_now_ns());
}

/* Counts the match; true when this n-th match is injected. A rule out of
 * its program or window does not match: nothing is counted. */
static bool injects(const struct cs_snapshot *snap, uint32_t i, uint64_t *nth)
{
	const struct cs_rule *rule = &snap->table.rules[i];
	if (!scheduled(snap, i))
		return false;
	return cs_rule_injects(rule, snap->table.seed, snap->rule_keys[i],
			       &cs_seg->counters[i], nth);
}

/* Whether a loss on this call is retransmitted (a stream) rather than a
 * datagram gone for good. */
static bool retransmits(const struct cs_call *call)
{
	return !call->sock || call->sock->kind != CS_FD_UDP;
}

/* Consecutive losses per fd, with the close count they belong to:
 * epoch << 32 | losses. */
static uint64_t loss_runs[CS_FD_CACHE];

static uint32_t losses_in_a_row(const struct cs_call *call)
{
	if ((unsigned)call->fd >= CS_FD_CACHE)
		return 0;
	uint64_t run = __atomic_load_n(&loss_runs[call->fd], __ATOMIC_RELAXED);
	bool same = (uint32_t)(run >> 32) == cs_fd_epoch(call->fd, call->sock);
	return same ? (uint32_t)run : 0;
}

static void set_losses_in_a_row(const struct cs_call *call, uint32_t losses)
{
	if ((unsigned)call->fd >= CS_FD_CACHE)
		return;
	uint64_t run = (uint64_t)cs_fd_epoch(call->fd, call->sock) << 32 | losses;
	if (__atomic_load_n(&loss_runs[call->fd], __ATOMIC_RELAXED) != run)
		__atomic_store_n(&loss_runs[call->fd], run, __ATOMIC_RELAXED);
}

/* A skewed clock is read thousands of times a second: its rule is logged
 * once per process and profile generation; every other fault, certificate
 * checks included, each time. */
static bool should_log(const struct cs_snapshot *snap, uint32_t i)
{
	const struct cs_rule *rule = &snap->table.rules[i];
	if (rule->fault != CS_FAULT_CLOCK_SKEW || rule->scope == CS_SCOPE_TLS)
		return true;
	uint8_t *logged = (uint8_t *)&snap->clock_logged[i];
	return !__atomic_exchange_n(logged, 1, __ATOMIC_RELAXED);
}

static bool endpoint_needs_ip(bool has, const struct cs_endpoint *e)
{
	return has && (e->family || e->port_lo != 0 || e->port_hi != 65535);
}

void cs_engine_summarize(const struct cs_table *table,
			 uint8_t needs[CS_FAM_COUNT])
{
	memset(needs, CS_NEEDS_IP | CS_NEEDS_REALTIME, CS_FAM_COUNT);
	for (uint32_t i = 0; i < table->nrules; i++) {
		const struct cs_rule *r = &table->rules[i];
		if (!r->enabled)
			continue;
		bool skew = r->fault == CS_FAULT_CLOCK_SKEW;
		uint8_t clear = 0;
		if (r->proto == CS_PROTO_ANY &&
		    !endpoint_needs_ip(r->has_peer, &r->peer) &&
		    !endpoint_needs_ip(r->has_local, &r->local))
			clear |= CS_NEEDS_IP;
		if (!skew || r->monotonic)
			clear |= CS_NEEDS_REALTIME;
		for (int f = 0; f < CS_FAM_COUNT; f++)
			if (r->calls & CS_BIT(f))
				needs[f] = (uint8_t)((needs[f] & ~clear) |
						     (cs_fault_is_http(r->fault)
							      ? CS_HTTP_WATCHED
							      : 0));
	}
}

bool cs_engine_skips(enum cs_family family, const struct cs_fdinfo *sock,
		     bool monotonic)
{
	uint8_t needs = cs_snapshot_needs(family);
	if ((needs & CS_NEEDS_IP) &&
	    (!sock || (sock->kind != CS_FD_TCP && sock->kind != CS_FD_UDP)))
		return true;
	return (needs & CS_NEEDS_REALTIME) && monotonic;
}

/* Whether rule may act on a call like m. An HTTP fault acts on the
 * writes of a connection until its requests are known not to be followed
 * there (another protocol, HTTP/2, TLS records under a session); its
 * response reaches the receives through the fd's hold, which keeps them
 * off the quiet lane by itself. */
static bool may_act(const struct cs_rule *rule, const struct cs_match *m,
		    bool http_followed)
{
	if (cs_fault_is_http(rule->fault) && !http_followed)
		return false;
	return cs_rule_watches(rule, m);
}

/* The families of the quiet lane that no enabled rule can match on a
 * socket like sock, for a call without an address of its own. Only what
 * stays true until the next generation may make a family quiet. */
static uint32_t quiet_families(const struct cs_snapshot *snap,
			       const struct cs_fdinfo *sock, bool http_followed)
{
	uint32_t quiet = 0;
	for (int f = 0; f < CS_FAM_COUNT; f++) {
		if (!(CS_QUIET_FAMILIES & CS_BIT(f)))
			continue;
		struct cs_call probe = {.family = (enum cs_family)f,
					.sock = sock};
		struct cs_match m = match_of(&probe);
		uint32_t i = 0;
		while (i < snap->table.nrules &&
		       !may_act(&snap->table.rules[i], &m, http_followed))
			i++;
		if (i == snap->table.nrules)
			quiet |= CS_BIT(f);
	}
	return quiet;
}

/* Whether this call's fd has a quiet word to work out. */
static bool learns_quiet(const struct cs_call *call)
{
	return call->sock && call->fd >= 0 &&
	       !cs_fdinfo_quiet_known(call->fd, call->sock,
				      __atomic_load_n(&cs_seg->hdr.generation,
						      __ATOMIC_ACQUIRE));
}

/* Runs the rules of snap for call into action; true when any injected. */
static bool run_rules(const struct cs_snapshot *snap, const struct cs_call *call,
		      struct cs_action *action)
{
	bool any = false, loss_matched = false, lost = false;
	bool confirmed = !call->sock || call->fd < 0;
	uint32_t losses = 0;
	struct cs_match m = match_of(call);
	for (uint32_t i = 0; i < snap->table.nrules; i++) {
		const struct cs_rule *rule = &snap->table.rules[i];
		uint64_t n, delay_ns;
		if (!cs_rule_matches(rule, &m))
			continue;
		/* Before anything is counted, logged or applied. */
		if (!confirmed && !cs_fdinfo_confirm(call->fd, call->sock))
			break;
		confirmed = true;
		bool loss = rule->fault == CS_FAULT_LOSS && retransmits(call);
		if (loss && !loss_matched) {
			losses = losses_in_a_row(call);
			loss_matched = true;
		}
		if (!injects(snap, i, &n))
			continue;
		any = true;
		lost |= loss;
		bool last = cs_action_add(rule, snap->table.seed,
					  snap->rule_keys[i], n,
					  retransmits(call), losses, action,
					  &delay_ns);
		if (should_log(snap, i))
			cs_eventlog_write(call, rule, delay_ns);
		if (last)
			break;
	}
	/* A delivered call ends the run: the next loss waits rto_ms again. */
	if (loss_matched)
		set_losses_in_a_row(call, lost ? losses + 1 : 0);
	return any;
}

/* Runs fn on the current snapshot, refreshed first, unless the shim is
 * inside a call of its own (then false). Keeps errno. */
static bool on_snapshot(bool (*fn)(const struct cs_snapshot *snap, void *arg),
			void *arg)
{
	if (depth)
		return false;
	depth++;
	int saved = errno;
	cs_snapshot_refresh();
	const struct cs_snapshot *snap = cs_snapshot_read_lock();
	bool any = snap->valid && fn(snap, arg);
	cs_snapshot_read_unlock();
	errno = saved;
	depth--;
	return any;
}

struct deciding {
	const struct cs_call *call;
	struct cs_action *action;
	bool learn;
};

static bool decide(const struct cs_snapshot *snap, void *arg)
{
	struct deciding *d = arg;
	if (d->learn)
		cs_fdinfo_set_quiet(d->call->fd, d->call->sock, snap->generation,
				    quiet_families(snap, d->call->sock, true));
	return run_rules(snap, d->call, d->action);
}

bool cs_engine_decide(const struct cs_call *call, struct cs_action *action)
{
	cs_action_clear(action);
	if (depth)
		return false;
	struct deciding d = {call, action, learns_quiet(call)};
	if (!d.learn && cs_engine_skips(call->family, call->sock, call->monotonic))
		return false;
	return on_snapshot(decide, &d);
}

/* Every enabled HTTP fault of the snapshot that watches a call and runs
 * in this program now: fn is run on each (none: only whether there is
 * one). */
struct watchers {
	const struct cs_call *call;
	void (*fn)(const struct cs_snapshot *snap, uint32_t i,
		   const struct cs_call *call);
};

static bool each_http_watcher(const struct cs_snapshot *snap, void *arg)
{
	const struct watchers *w = arg;
	struct cs_match m = match_of(w->call);
	bool any = false;
	for (uint32_t i = 0; i < snap->table.nrules; i++) {
		const struct cs_rule *rule = &snap->table.rules[i];
		if (!cs_fault_is_http(rule->fault) || !cs_rule_watches(rule, &m) ||
		    !scheduled(snap, i))
			continue;
		any = true;
		if (!w->fn)
			break;
		w->fn(snap, i, w->call);
	}
	return any;
}

static bool nothing(const struct cs_snapshot *snap, void *arg)
{
	(void)snap, (void)arg;
	return false;
}

bool cs_engine_http_watched(enum cs_family family)
{
	uint8_t needs = cs_snapshot_needs(family);
	if (!needs) { /* nothing known, or nothing needed */
		on_snapshot(nothing, NULL);
		needs = cs_snapshot_needs(family);
	}
	return needs & CS_HTTP_WATCHED;
}

bool cs_engine_http_watches(const struct cs_call *call)
{
	struct watchers w = {call, NULL};
	return on_snapshot(each_http_watcher, &w);
}

static bool unfollow(const struct cs_snapshot *snap, void *arg)
{
	const struct cs_call *call = arg;
	cs_fdinfo_set_quiet(call->fd, call->sock, snap->generation,
			    quiet_families(snap, call->sock, false));
	return false;
}

void cs_engine_http_unfollowed(const struct cs_call *call)
{
	if (call->sock && call->fd >= 0)
		on_snapshot(unfollow, (void *)call);
}

static void count_http2(const struct cs_snapshot *snap, uint32_t i,
			const struct cs_call *call)
{
	__atomic_fetch_add(&cs_seg->counters[i].http2_passed, 1,
			   __ATOMIC_RELAXED);
	cs_eventlog_write(call, &snap->table.rules[i], 0);
}

void cs_engine_http2(const struct cs_call *call)
{
	struct watchers w = {call, count_http2};
	on_snapshot(each_http_watcher, &w);
}
