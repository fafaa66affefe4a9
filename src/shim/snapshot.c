/* The shim's private, validated copy of the segment's rule table, published
 * to reader threads with urcu-bp. The shared bytes are never trusted in
 * place: another process may change them at any moment. Two buffers are
 * enough because the refresher waits for a grace period before reusing the
 * old one, and only one thread refreshes at a time (the others keep reading
 * the old copy instead of waiting). */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <urcu/urcu-bp.h>

#include "cs_decide.h"
#include "shim/shim.h"

/* urcu-bp orders readers before a grace period's end with its own barriers,
 * which ThreadSanitizer cannot see (make test-tsan): tell it. */
#ifdef __SANITIZE_THREAD__
#include <sanitizer/tsan_interface.h>
#define tsan_release(addr) __tsan_release(addr)
#define tsan_acquire(addr) __tsan_acquire(addr)
#else
#define tsan_release(addr) ((void)(addr))
#define tsan_acquire(addr) ((void)(addr))
#endif

static struct cs_snapshot *current; /* RCU-protected */
static struct cs_snapshot *spare;   /* owned by the refresher */
static int refreshing;
/* The generation of current, plus one (0: none yet). The check for a new
 * generation reads this, not current->generation: outside a read-side
 * section the buffer behind current may already be refilled. */
static uint64_t fresh_generation;
static char grace; /* what the grace-period annotations synchronise on */
/* What every enabled rule of each family needs (CS_NEEDS_*), of the newest
 * snapshot: read without a read-side section by cs_snapshot_needs. */
static uint8_t family_needs[CS_FAM_COUNT];
static struct cs_snapshot *buffers; /* the two of them */
/* A thread cancelled at a cancellation point inside the shim (the poll of
 * a grace period, the event log's open and write) would leave the refresh
 * flag, urcu's grace-period lock or a read-side section held for good:
 * live changes would stop, and fork would deadlock in urcu's fork hook.
 * Cancellation waits until the thread is out of the shim. */
static CS_TLS int reader_cancel_state;

int cs_snapshot_init(void)
{
	void *mem = mmap(NULL, 2 * sizeof(struct cs_snapshot),
			 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	buffers = spare = mem;
	__atomic_store_n(&current, buffers + 1, __ATOMIC_RELEASE); /* invalid */
	return 0;
}

void cs_snapshot_after_fork_child(void)
{
	/* A thread of the parent may have been mid-refresh: in the child it
	 * no longer exists. It may have published its spare without taking
	 * the old buffer back, and the child's next refresh would then write
	 * into the live snapshot: the spare is whichever buffer is not
	 * current (no other thread reads in the child yet). */
	struct cs_snapshot *now = __atomic_load_n(&current, __ATOMIC_RELAXED);
	spare = now == buffers ? buffers + 1 : buffers;
	__atomic_store_n(&refreshing, 0, __ATOMIC_RELEASE);
}

/* Copies and checks the segment's table into the spare buffer. */
static int fill_spare(void)
{
	char err[256], msg[400];
	if (cs_segment_check_header(cs_seg, err, sizeof err) < 0) {
		cs_detach(err);
		return -1;
	}
	uint64_t generation;
	if (cs_segment_snapshot(cs_seg, &spare->table, &generation) < 0)
		return -1; /* torn by a writer: the next call tries again */
	if (cs_table_validate(&spare->table, err, sizeof err) < 0) {
		/* No stdio: a refresh may run inside a signal handler. */
		strcpy(msg, "segment holds an invalid rule table: ");
		strncat(msg, err, sizeof msg - strlen(msg) - 1);
		cs_detach(msg);
		return -1;
	}
	for (uint32_t i = 0; i < spare->table.nrules; i++)
		spare->rule_keys[i] = cs_rule_key(spare->table.rules[i].name);
	spare->left_out = cs_program_left_out(&spare->table);
	memset(spare->clock_logged, 0, sizeof spare->clock_logged);
	spare->generation = generation;
	spare->valid = true;
	return 0;
}

void cs_snapshot_refresh(void)
{
	uint64_t generation =
		__atomic_load_n(&cs_seg->hdr.generation, __ATOMIC_ACQUIRE);
	if (cs_likely(__atomic_load_n(&fresh_generation, __ATOMIC_ACQUIRE) ==
		      generation + 1))
		return;
	int cancel_state;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	if (__atomic_exchange_n(&refreshing, 1, __ATOMIC_ACQUIRE)) {
		pthread_setcancelstate(cancel_state, NULL);
		return;
	}
	if (fill_spare() == 0) {
		cs_eventlog_update(&spare->table);
		uint64_t published = spare->generation + 1;
		uint8_t needs[CS_FAM_COUNT];
		cs_engine_summarize(&spare->table, needs);
		cs_skewlane_update(&spare->table, spare->generation);
		for (int f = 0; f < CS_FAM_COUNT; f++)
			__atomic_store_n(&family_needs[f], needs[f],
					 __ATOMIC_RELAXED);
		/* What rcu_xchg_pointer does, in a form the sanitizers see. */
		struct cs_snapshot *old =
			__atomic_exchange_n(&current, spare, __ATOMIC_ACQ_REL);
		__atomic_store_n(&fresh_generation, published, __ATOMIC_RELEASE);
		urcu_bp_synchronize_rcu();
		tsan_acquire(&grace);
		spare = old;
	}
	__atomic_store_n(&refreshing, 0, __ATOMIC_RELEASE);
	pthread_setcancelstate(cancel_state, NULL);
}

uint8_t cs_snapshot_needs(enum cs_family family)
{
	uint64_t generation =
		__atomic_load_n(&cs_seg->hdr.generation, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&fresh_generation, __ATOMIC_ACQUIRE) != generation + 1)
		return 0; /* stale: nothing is known, the engine refreshes */
	return __atomic_load_n(&family_needs[family], __ATOMIC_RELAXED);
}

const struct cs_snapshot *cs_snapshot_read_lock(void)
{
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &reader_cancel_state);
	urcu_bp_read_lock();
	return __atomic_load_n(&current, __ATOMIC_ACQUIRE); /* rcu_dereference */
}

void cs_snapshot_read_unlock(void)
{
	tsan_release(&grace);
	urcu_bp_read_unlock();
	pthread_setcancelstate(reader_cancel_state, NULL);
}
