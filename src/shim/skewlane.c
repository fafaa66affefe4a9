/* The fast lane of the clock family. The common clock rule is an always-on
 * skew (probability 1, no after, no count): for it the answer to every
 * realtime read is known in advance, so the refresher leaves its
 * parameters here and reads take them with a seqlock, without the engine,
 * the RCU read lock or shared atomics. Its counters are kept per thread
 * and added to the segment in batches (every 256 reads, when the second
 * changes, and when the thread or the process exits). Anything else about
 * the clock takes the engine. */
#include <pthread.h>
#include <string.h>

#include "cs_schedule.h"
#include "shim/shim.h"

#define FLUSH_READS 256
#define NS_PER_S 1000000000ll

/* Written by the refresher only; every field read and written atomically. */
static struct {
	uint32_t seq;        /* odd while the refresher writes */
	uint64_t generation; /* of the table it was made from, plus one */
	int32_t rule;        /* -1: no lane for this table */
	int64_t offset_ns;
	int64_t drift_ns;
	int64_t anchor_ns;
	uint64_t rate_bits;
	/* At rate 1 the shift is a constant, kept split for a timespec. */
	int64_t shift_s;
	int64_t shift_ns; /* 0..999999999 */
	uint32_t constant;
} lane;

/* The generation (plus one) whose event the engine has logged: until then
 * reads take the engine, which logs the skew once. */
static uint64_t logged;

static CS_TLS uint32_t pending;
static CS_TLS int32_t pending_rule;
static CS_TLS int64_t last_flush_s;
static CS_TLS int exit_flush_set;

/* Its destructor adds an exiting thread's batch to the segment. */
static pthread_key_t exit_key;
static int exit_key_made;

void cs_skewlane_update(const struct cs_table *table, uint64_t generation)
{
	int32_t rule = -1;
	for (uint32_t i = 0; i < table->nrules; i++) {
		const struct cs_rule *r = &table->rules[i];
		if (!r->enabled || !(r->calls & CS_BIT(CS_FAM_CLOCK)) ||
		    (r->fault == CS_FAULT_CLOCK_SKEW && r->scope == CS_SCOPE_TLS))
			continue; /* never meets a clock read */
		/* at, process and windows need the engine too. */
		if (r->fault == CS_FAULT_CLOCK_SKEW && r->probability >= 1.0 &&
		    !r->after && !r->count && !cs_has_schedule(r))
			rule = (int32_t)i;
		break; /* the first rule a read meets decides */
	}
	uint32_t seq = __atomic_load_n(&lane.seq, __ATOMIC_RELAXED);
	__atomic_store_n(&lane.seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&lane.generation, generation + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&lane.rule, rule, __ATOMIC_RELAXED);
	if (rule >= 0) {
		const struct cs_rule *r = &table->rules[rule];
		uint64_t bits;
		memcpy(&bits, &r->rate, sizeof bits);
		__atomic_store_n(&lane.offset_ns, r->offset_ns, __ATOMIC_RELAXED);
		__atomic_store_n(&lane.drift_ns, r->drift_ns, __ATOMIC_RELAXED);
		__atomic_store_n(&lane.anchor_ns, r->anchor_ns, __ATOMIC_RELAXED);
		__atomic_store_n(&lane.rate_bits, bits, __ATOMIC_RELAXED);
		int64_t shift;
		bool constant = r->rate == 1.0 &&
				!__builtin_add_overflow(r->offset_ns, r->drift_ns,
							&shift);
		int64_t s = constant ? shift / NS_PER_S : 0,
			n = constant ? shift % NS_PER_S : 0;
		if (n < 0) {
			n += NS_PER_S;
			s--;
		}
		__atomic_store_n(&lane.shift_s, s, __ATOMIC_RELAXED);
		__atomic_store_n(&lane.shift_ns, n, __ATOMIC_RELAXED);
		__atomic_store_n(&lane.constant, constant, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&lane.seq, seq + 2, __ATOMIC_RELEASE);
}

void cs_skewlane_logged(void)
{
	uint64_t now = __atomic_load_n(&cs_seg->hdr.generation, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&lane.generation, __ATOMIC_ACQUIRE) == now + 1)
		__atomic_store_n(&logged, now + 1, __ATOMIC_RELEASE);
}

void cs_skewlane_flush(void)
{
	uint32_t n = pending;
	pending = 0;
	if (!n || !cs_seg || pending_rule < 0 || pending_rule >= CS_MAX_RULES)
		return;
	struct cs_seg_counter *c = &cs_seg->counters[pending_rule];
	__atomic_fetch_add(&c->matched, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->injected, n, __ATOMIC_RELAXED);
}

static void flush_at_thread_exit(void *unused)
{
	(void)unused;
	cs_skewlane_flush();
}

void cs_skewlane_init(void)
{
	exit_key_made = pthread_key_create(&exit_key, flush_at_thread_exit) == 0;
}

void cs_skewlane_after_fork_child(void)
{
	pending = 0; /* the parent counts its own reads */
}

static void count(int32_t rule, int64_t now_s)
{
	if (pending && pending_rule != rule)
		cs_skewlane_flush();
	pending_rule = rule;
	pending++;
	if (!exit_flush_set && exit_key_made) {
		/* Once per thread; the key is one of the first a process makes,
		 * so glibc keeps its value in the thread itself, without malloc. */
		exit_flush_set = 1;
		pthread_setspecific(exit_key, &exit_key);
	}
	if (pending >= FLUSH_READS || now_s != last_flush_s) {
		cs_skewlane_flush();
		last_flush_s = now_s;
	}
}

bool cs_skewlane_apply(struct timespec *ts)
{
	uint64_t generation =
		__atomic_load_n(&cs_seg->hdr.generation, __ATOMIC_ACQUIRE) + 1;
	if (__atomic_load_n(&logged, __ATOMIC_ACQUIRE) != generation)
		return false;
	uint32_t seq = __atomic_load_n(&lane.seq, __ATOMIC_ACQUIRE);
	int32_t rule = __atomic_load_n(&lane.rule, __ATOMIC_ACQUIRE);
	uint64_t made_from = __atomic_load_n(&lane.generation, __ATOMIC_ACQUIRE);
	uint32_t constant = __atomic_load_n(&lane.constant, __ATOMIC_ACQUIRE);
	int64_t shift_s = __atomic_load_n(&lane.shift_s, __ATOMIC_ACQUIRE);
	int64_t shift_ns = __atomic_load_n(&lane.shift_ns, __ATOMIC_ACQUIRE);
	struct cs_skew skew = {
		.offset_ns = __atomic_load_n(&lane.offset_ns, __ATOMIC_ACQUIRE),
		.drift_ns = __atomic_load_n(&lane.drift_ns, __ATOMIC_ACQUIRE),
		.anchor_ns = __atomic_load_n(&lane.anchor_ns, __ATOMIC_ACQUIRE)};
	uint64_t bits = __atomic_load_n(&lane.rate_bits, __ATOMIC_ACQUIRE);
	if ((seq & 1) || __atomic_load_n(&lane.seq, __ATOMIC_RELAXED) != seq ||
	    made_from != generation || rule < 0)
		return false;
	int64_t now_s = ts->tv_sec;
	if (constant) {
		/* The common case, without a division. */
		int64_t sec = ts->tv_sec + shift_s, nsec = ts->tv_nsec + shift_ns;
		if (nsec >= NS_PER_S) {
			nsec -= NS_PER_S;
			sec++;
		}
		if (sec < 0)
			return false; /* before the epoch: keep the truth */
		ts->tv_sec = sec;
		ts->tv_nsec = nsec;
	} else {
		int64_t out;
		memcpy(&skew.rate, &bits, sizeof bits);
		if (cs_skew_time(&skew, ts->tv_sec * NS_PER_S + ts->tv_nsec,
				 &out) < 0)
			return false; /* the engine keeps the truth the same way */
		ts->tv_sec = out / NS_PER_S;
		ts->tv_nsec = out % NS_PER_S;
	}
	count(rule, now_s);
	return true;
}
