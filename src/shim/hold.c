/* What the shim holds back on a socket so that a delay or a blackhole is
 * applied as the network applies it, without blocking or spinning a
 * non-blocking caller: per fd, data that arrived but is not visible yet
 * (the delay queue), a connect under way, a partition, connections kept
 * aside by accept, sent bytes not on the wire yet. While something is
 * held, readiness (poll, select, epoll) does not report it: the fd's epoll
 * registrations, tracked through epoll_ctl (or read back from the kernel,
 * epoll_learn.c), are narrowed in the kernel and widened again when it is
 * due, which makes the kernel queue the event (edge-triggered and one-shot
 * included). The state of fds below CS_FD_CACHE is a static table, higher
 * ones are in blocks mapped on first use. Each fd's state has a tiny lock
 * that is only ever tried: a caller that cannot take it (another thread, or
 * a signal handler interrupting its own thread) passes through. Only a
 * close waits for it, so that nothing held for a closed socket is left for
 * the next one with its number. When the socket families are disarmed
 * (disable, pause, destroy), everything held is let go. */
#include <linux/sockios.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include "shim/shim.h"

struct cs_hold_block cs_hold_low;
unsigned cs_hold_active;
/* The blocks of the fds from CS_FD_CACHE on (entry 0 stays empty). */
static void *high_blocks[CS_FD_BLOCKS];

static struct cs_hold_block *block_of(int fd, bool map)
{
	if ((unsigned)fd < CS_FD_CACHE)
		return &cs_hold_low;
	return cs_fdblock(high_blocks, CS_FD_BLOCKS, fd,
			  sizeof(struct cs_hold_block), map);
}

struct cs_hold *cs_hold_slot(int fd, bool map)
{
	struct cs_hold_block *b = fd >= 0 ? block_of(fd, map) : NULL;
	return b ? &b->hold[fd % CS_FD_CACHE] : NULL;
}

static uint64_t *set_word(struct cs_hold_block *b, enum cs_hold_set set,
			  int fd)
{
	uint64_t *words = set == CS_HOLD_ACTIVE ? b->active : b->used;
	return &words[fd % CS_FD_CACHE / 64];
}

bool cs_hold_active_high(int fd)
{
	struct cs_hold_block *b = block_of(fd, false);
	return b && (__atomic_load_n(set_word(b, CS_HOLD_ACTIVE, fd),
				     __ATOMIC_ACQUIRE) &
		     (1ull << (fd % 64)));
}

/* Adds fd to a set, or takes it out; true when that changed it. Called
 * with fd's state locked, so that its bits change one at a time. */
static bool set_bit(enum cs_hold_set set, int fd, bool on)
{
	uint64_t bit = 1ull << (fd % 64);
	uint64_t *word = set_word(block_of(fd, false), set, fd);
	if (!!(__atomic_load_n(word, __ATOMIC_RELAXED) & bit) == on)
		return false;
	if (on)
		__atomic_fetch_or(word, bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(word, ~bit, __ATOMIC_RELEASE);
	return true;
}

int cs_hold_next(enum cs_hold_set set, int from)
{
	for (int fd = from < 0 ? 0 : from; fd / CS_FD_CACHE < CS_FD_BLOCKS;
	     fd = (fd / CS_FD_CACHE + 1) * CS_FD_CACHE) {
		struct cs_hold_block *b = block_of(fd, false);
		if (!b)
			continue;
		for (int at = fd % CS_FD_CACHE; at < CS_FD_CACHE;
		     at = (at / 64 + 1) * 64) {
			uint64_t word = __atomic_load_n(
				set_word(b, set, at), __ATOMIC_ACQUIRE);
			word &= ~0ull << (at % 64);
			if (word)
				return fd - fd % CS_FD_CACHE + at / 64 * 64 +
				       __builtin_ctzll(word);
		}
	}
	return -1;
}

#define LOCK_TRIES 256

/* A per-thread address: who holds a lock. */
static CS_TLS char thread_mark;

/* A thread cancelled while it holds a slot's lock (at a cancellation
 * point the shim calls: recv, send, close) would leave it taken for good,
 * and a close of that fd would wait forever: cancellation is off while a
 * thread holds any. */
static CS_TLS int locks_held;
static CS_TLS int cancel_state;

static void took_lock(void)
{
	if (!locks_held++)
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
}

static void let_lock_go(struct cs_hold *h)
{
	__atomic_store_n(&h->lock, 0, __ATOMIC_RELEASE);
	if (!--locks_held)
		pthread_setcancelstate(cancel_state, NULL);
}

/* Takes h's lock, trying `tries` times (0: until it is free). Never
 * waits for the calling thread itself (a signal handler that interrupted
 * it while it held the lock). */
static bool lock_slot(struct cs_hold *h, int tries)
{
	uintptr_t me = (uintptr_t)&thread_mark;
	for (int i = 0; !tries || i < tries; i++) {
		uintptr_t free_lock = 0;
		if (__atomic_compare_exchange_n(&h->lock, &free_lock, me, false,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			took_lock();
			return true;
		}
		if (free_lock == me)
			return false;
		sched_yield();
	}
	return false;
}

struct cs_hold *cs_hold_lock(int fd, bool create)
{
	if (!create && !cs_hold_active_fd(fd))
		return NULL;
	struct cs_hold *h = cs_hold_slot(fd, create);
	if (!h || !lock_slot(h, LOCK_TRIES))
		return NULL;
	h->fd = fd;
	if (!h->used) {
		__atomic_store_n(&h->used, 1, __ATOMIC_RELEASE);
		set_bit(CS_HOLD_USED, fd, true);
	}
	return h;
}

uint64_t cs_hold_queued(int fd)
{
	int n = 0, saved = errno;
	if (cs_real_ioctl(fd, SIOCINQ, &n) < 0 || n < 0)
		n = 0;
	errno = saved;
	return (uint64_t)n;
}

uint32_t cs_hold_hidden(const struct cs_hold *h, uint64_t now, uint64_t *wake)
{
	struct cs_ready_hold r = {
		.in_until = h->in_until,
		.out_until = h->out_until,
		.out_all = h->out_all,
		.q = &h->q,
		.aside_due = h->aside_count ? h->aside[h->aside_head].due : 0,
		.show_in = cs_http_conn_replying(h->http)};
	return cs_ready_hidden(&r, now, wake);
}

/* Brings the kernel's view of one registration to what it should be. */
static void sync_reg(int fd, struct cs_hold_reg *r, uint32_t hidden)
{
	uint32_t want = cs_ready_epoll_events(r->events, hidden);
	if (want == r->shown)
		return;
	struct epoll_event ev = {.events = want, .data.u64 = r->data};
	int rc;
	if (want == CS_READY_ABSENT) {
		rc = cs_real_epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
	} else if (r->shown == CS_READY_ABSENT) {
		rc = cs_real_epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev);
	} else if (r->events & EPOLLEXCLUSIVE) { /* cannot be modified */
		cs_real_epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
		rc = cs_real_epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev);
	} else {
		rc = cs_real_epoll_ctl(r->epfd, EPOLL_CTL_MOD, fd, &ev);
	}
	if (rc == 0)
		r->shown = want;
	else
		r->used = false; /* the epoll fd is gone: forget it */
}

static bool holds_anything(const struct cs_hold *h)
{
	return h->in_until || h->out_until || h->in_errno || h->out_errno ||
	       h->partitioned || h->aside_count || h->send_later ||
	       h->recv_later || !cs_delayq_idle(&h->q) || cs_sendq_pending(h) ||
	       cs_reorder_pending(h) || cs_http_conn_replying(h->http) ||
	       (h->http && h->http->delay_ns);
}

static void set_active(int fd, bool on)
{
	if (on)
		cs_ready_hold(); /* before readiness calls can see the bit */
	if (set_bit(CS_HOLD_ACTIVE, fd, on))
		__atomic_fetch_add(&cs_hold_active, on ? 1u : -1u,
				   __ATOMIC_RELEASE);
}

void cs_hold_unlock(struct cs_hold *h, uint64_t now)
{
	int saved = errno;
	/* What came due and leaves nothing to report is over. */
	if (h->in_until && h->in_until <= now && !h->in_errno)
		h->in_until = 0;
	if (h->out_until && h->out_until <= now && !h->out_errno) {
		h->out_until = 0;
		h->out_all = false;
	}
	uint32_t hidden = cs_hold_hidden(h, now, NULL);
	for (int i = 0; i < CS_HOLD_REGS; i++)
		if (h->reg[i].used)
			sync_reg(h->fd, &h->reg[i], hidden);
	set_active(h->fd, holds_anything(h));
	let_lock_go(h);
	errno = saved;
}

struct cs_hold *cs_hold_partition(int fd, uint64_t ino, uint32_t hang_ms)
{
	struct cs_hold *h = cs_hold_lock(fd, true);
	if (h)
		cs_hold_claim(h, ino);
	if (h && !h->partitioned) {
		h->partitioned = true;
		h->in_until = cs_hang_until(hang_ms, cs_now_ns());
		h->in_errno = ETIMEDOUT;
	}
	return h;
}

/* The socket and TLS families were disarmed (disable, pause, destroy, a
 * segment gone) while fds held something back. The data calls pass through again
 * and see what the kernel has, so readiness shows it too: held data,
 * partitions and connects under way are let go, connections kept aside
 * by accept are due at once, and each registration is put back as the
 * program made it. Queued sends still go out in order (the flusher runs
 * on). */
static void let_go_all(void)
{
	uint64_t now = cs_now_ns();
	for (int fd = cs_hold_next(CS_HOLD_ACTIVE, 0); fd >= 0;
	     fd = cs_hold_next(CS_HOLD_ACTIVE, fd + 1)) {
		struct cs_hold *h = cs_hold_lock(fd, false);
		if (!h)
			continue;
		memset(&h->q, 0, sizeof h->q);
		h->in_until = h->out_until = 0;
		h->in_errno = h->out_errno = 0;
		h->out_all = h->partitioned = false;
		h->send_later = h->recv_later = false;
		for (int i = 0; i < h->aside_count; i++)
			h->aside[(h->aside_head + i) % CS_ASIDE].due = now;
		cs_hold_aside_due(h);
		if (h->sendq)
			cs_sendq_hold_writable(h, now);
		cs_hold_unlock(h, now);
	}
}

bool cs_hold_nothing_armed(void)
{
	if (cs_hold_nothing())
		return true;
	if (cs_armed_bits(CS_SOCKET_FAMILIES))
		return false;
	if (cs_armed_bits(CS_SSL_FAMILIES))
		return true; /* TLS holds its sockets, readiness is the kernel's */
	let_go_all();
	return cs_hold_nothing();
}

void cs_hold_aside_due(struct cs_hold *h)
{
	h->in_until = h->aside_count ? h->aside[h->aside_head].due : 0;
}

/* Lets go of everything h holds: its fd is closed (bytes still queued go
 * out now), or the number is another socket's now (they are dropped, and
 * the epoll registrations, which follow the number, stay). */
static void release(struct cs_hold *h, bool closing)
{
	cs_sendq_close(h, closing);
	cs_reorder_close(h, closing);
	cs_http_conn_free(h->http);
	h->http = NULL;
	/* Connections kept aside for a closed listener are refused. */
	for (int i = 0; i < h->aside_count; i++)
		cs_real_close(h->aside[(h->aside_head + i) % CS_ASIDE].fd);
	struct cs_hold_reg regs[CS_HOLD_REGS];
	memcpy(regs, h->reg, sizeof regs);
	memset(&h->ino, 0, sizeof *h - offsetof(struct cs_hold, ino));
	/* The kernel drops a closed fd from its epoll sets by itself. */
	if (!closing)
		memcpy(h->reg, regs, sizeof regs);
}

void cs_hold_claim(struct cs_hold *h, uint64_t ino)
{
	if (h->ino && ino && h->ino != ino)
		release(h, false);
	if (ino)
		h->ino = ino;
}

void cs_hold_send_now(int fd)
{
	struct cs_hold *h = cs_hold_lock(fd, false);
	if (!h)
		return;
	cs_sendq_flush_now(h);
	cs_hold_unlock(h, cs_now_ns());
}

void cs_hold_forget_slow(int fd)
{
	struct cs_hold *h = cs_hold_slot(fd, false);
	if (!h || !__atomic_load_n(&h->used, __ATOMIC_RELAXED) ||
	    !lock_slot(h, 0))
		return; /* a signal handler closing an fd its thread is using */
	release(h, true);
	set_active(fd, false);
	__atomic_store_n(&h->used, 0, __ATOMIC_RELEASE);
	set_bit(CS_HOLD_USED, fd, false);
	let_lock_go(h);
}

uint64_t cs_hold_sweep(int epfd, uint64_t now, struct epoll_event *shown,
		       int *n)
{
	uint64_t wake = 0;
	int max = *n;
	*n = 0;
	for (int fd = cs_hold_next(CS_HOLD_ACTIVE, 0); fd >= 0;
	     fd = cs_hold_next(CS_HOLD_ACTIVE, fd + 1)) {
		struct cs_hold *h = cs_hold_lock(fd, false);
		if (!h)
			continue;
		for (int i = 0; i < CS_HOLD_REGS; i++) {
			struct cs_hold_reg *r = &h->reg[i];
			if (!r->used || r->epfd != epfd)
				continue;
			uint32_t hidden = cs_hold_hidden(h, now, &wake);
			if ((hidden & CS_SHOW_IN) && (r->events & EPOLLIN) &&
			    *n < max)
				shown[(*n)++] = (struct epoll_event){
					.events = EPOLLIN, .data.u64 = r->data};
			break;
		}
		cs_hold_unlock(h, now);
	}
	return wake;
}

static struct cs_hold_reg *find_reg(struct cs_hold *h, int epfd, bool create)
{
	struct cs_hold_reg *free_reg = NULL;
	for (int i = 0; i < CS_HOLD_REGS; i++) {
		struct cs_hold_reg *r = &h->reg[i];
		if (r->used && r->epfd == epfd)
			return r;
		if (!r->used && !free_reg)
			free_reg = r;
	}
	if (!create || !free_reg)
		return NULL;
	*free_reg = (struct cs_hold_reg){.used = true, .epfd = epfd};
	return free_reg;
}

int cs_hold_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	/* Disarmed: what was held is let go, and the sets are the program's. */
	if (cs_hold_nothing_armed() && !cs_armed_bits(CS_SOCKET_FAMILIES))
		return cs_real_epoll_ctl(epfd, op, fd, ev);
	struct cs_hold *h = cs_hold_lock(fd, true);
	if (!h)
		return cs_real_epoll_ctl(epfd, op, fd, ev);
	uint64_t now = cs_now_ns();
	bool change = op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD;
	struct cs_hold_reg *r = ev || !change ? find_reg(h, epfd, change) : NULL;
	int rc = 0, err = errno;
	if (!r) { /* untracked (one epoll set too many): as the program says */
		rc = cs_real_epoll_ctl(epfd, op, fd, ev);
		err = errno;
	} else if (change) {
		if (op == EPOLL_CTL_ADD)
			r->shown = CS_READY_ABSENT; /* whatever a closed epfd had */
		r->events = ev->events;
		r->data = ev->data.u64;
		uint32_t want = cs_ready_epoll_events(r->events,
					     cs_hold_hidden(h, now, NULL));
		struct epoll_event shown = {.events = want, .data = ev->data};
		if (want == CS_READY_ABSENT && r->shown != CS_READY_ABSENT)
			rc = cs_real_epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
		else if (want != CS_READY_ABSENT)
			rc = cs_real_epoll_ctl(epfd,
					       r->shown == CS_READY_ABSENT
						       ? EPOLL_CTL_ADD
						       : op,
					       fd, &shown);
		err = errno;
		if (rc == 0)
			r->shown = want;
		else if (op == EPOLL_CTL_ADD)
			r->used = false;
	} else {
		if (r->shown != CS_READY_ABSENT)
			rc = cs_real_epoll_ctl(epfd, op, fd, ev);
		err = errno;
		r->used = false;
	}
	cs_hold_unlock(h, now);
	errno = err;
	return rc;
}

void cs_hold_epoll_learned(int epfd, const struct cs_epoll_reg *kernel)
{
	struct cs_hold *h = cs_hold_lock(kernel->fd, true);
	if (!h)
		return;
	/* The kernel adds these to every registration by itself. */
	const uint32_t added = EPOLLERR | EPOLLHUP;
	struct cs_hold_reg *r = find_reg(h, epfd, false);
	/* Unknown, or changed while the shim was not looking (a one-shot
	 * that fired counts: it is disarmed until the program re-arms it). */
	if (!r || ((r->shown ^ kernel->events) & ~added) ||
	    r->data != kernel->data) {
		if (!r)
			r = find_reg(h, epfd, true);
		if (r) {
			r->events = r->shown = kernel->events;
			r->data = kernel->data;
		}
	}
	cs_hold_unlock(h, cs_now_ns());
}

/* In a forked child the threads that held a lock are gone, and the
 * parent puts its queued bytes and kept datagrams on the wire itself. */
static void after_fork_child(void)
{
	for (int fd = cs_hold_next(CS_HOLD_USED, 0); fd >= 0;
	     fd = cs_hold_next(CS_HOLD_USED, fd + 1)) {
		struct cs_hold *h = cs_hold_slot(fd, false);
		__atomic_store_n(&h->lock, 0, __ATOMIC_RELAXED);
		cs_sendq_close(h, false);
		cs_reorder_close(h, false);
	}
}

__attribute__((constructor)) static void hold_init(void)
{
	pthread_atfork(NULL, NULL, after_fork_child);
}
