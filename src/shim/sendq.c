/* Send latency on non-blocking TCP sockets: the bytes are accepted at once
 * into a bounded per-socket queue and put on the wire `delay` later, in
 * order, by a flusher thread. The thread exists only while some queue
 * holds bytes (it leaves after a second with nothing to do), blocks every
 * signal, touches no fd but the queued sockets, and is started again on
 * demand in a forked child, whose inherited queues are dropped (the parent
 * sends them). A full queue makes the socket not writable and the send
 * EAGAIN, as a full socket buffer does. What is still queued when the
 * socket is closed or the process exits goes out at once. */
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

#define RETRY_NS (2 * CS_NS_PER_MS) /* the peer's window was full */
#define IDLE_EXIT_NS CS_NS_PER_S
#define EXIT_PATIENCE_NS CS_NS_PER_S

static uint32_t wakeups;       /* futex word: bumped by every enqueue */
static pid_t flusher_pid;      /* the process whose flusher runs */
static uint32_t flusher_state; /* 0 none, 1 starting or running */

static void wake_flusher(void)
{
	__atomic_fetch_add(&wakeups, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &wakeups, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Puts the due bytes of h's queue on the wire; returns when to come back
 * (0: nothing left). Called with h locked. */
static uint64_t flush_due(struct cs_hold *h, uint64_t now)
{
	struct cs_sendq *s = h->sendq;
	uint64_t due = cs_delayq_visible(&s->q, now);
	while (due) {
		uint64_t at = s->q.read % CS_SENDQ_BYTES;
		size_t len = (size_t)due;
		if (len > CS_SENDQ_BYTES - at)
			len = CS_SENDQ_BYTES - at; /* up to the ring's end */
		ssize_t sent = cs_real_send(h->fd, s->data + at, len,
					    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent < 0 && (errno == EAGAIN || errno == EINTR))
			return cs_deadline_add(now, RETRY_NS);
		if (sent <= 0) { /* the connection is gone: so are the bytes */
			memset(&s->q, 0, sizeof s->q);
			return 0;
		}
		cs_delayq_consume(&s->q, (uint64_t)sent);
		due -= (uint64_t)sent;
	}
	return cs_delayq_next_due(&s->q);
}

static bool queued(const struct cs_hold *h)
{
	return h->sendq && h->sendq->q.seen > h->sendq->q.read;
}

/* The first socket after *fd that has a send queue, locked (*fd is set
 * to it); NULL when there is none. */
static struct cs_hold *lock_next_queue(int *fd)
{
	while ((*fd = cs_hold_next(cs_hold_used, *fd + 1)) >= 0) {
		if (!__atomic_load_n(&cs_holds[*fd].sendq, __ATOMIC_ACQUIRE))
			continue;
		struct cs_hold *h = cs_hold_lock(*fd, false);
		if (h)
			return h;
	}
	return NULL;
}

/* One round over the queued sockets; returns the next moment to wake, or
 * 0 when no queue holds anything. */
static uint64_t flush_round(void)
{
	uint64_t now = cs_now_ns(), wake = 0;
	struct cs_hold *h;
	for (int fd = -1; (h = lock_next_queue(&fd));) {
		if (queued(h)) {
			uint64_t next = flush_due(h, now);
			wake = cs_deadline_min(wake, queued(h) && !next
							     ? now + RETRY_NS
							     : next);
			cs_sendq_hold_writable(h, now);
		}
		cs_hold_unlock(h, now);
	}
	return wake;
}

static void *flusher(void *unused)
{
	(void)unused;
	uint64_t idle_since = cs_now_ns();
	for (;;) {
		uint32_t seen = __atomic_load_n(&wakeups, __ATOMIC_ACQUIRE);
		uint64_t wake = flush_round(), now = cs_now_ns();
		if (wake) {
			idle_since = now;
		} else if (now - idle_since > IDLE_EXIT_NS) {
			__atomic_store_n(&flusher_state, 0, __ATOMIC_RELEASE);
			/* An enqueue that raced the decision to leave. */
			if (__atomic_load_n(&wakeups, __ATOMIC_ACQUIRE) == seen ||
			    __atomic_exchange_n(&flusher_state, 1,
						__ATOMIC_ACQ_REL))
				return NULL;
			continue;
		}
		struct timespec ts;
		uint64_t until = wake ? wake : cs_deadline_add(now, IDLE_EXIT_NS);
		cs_deadline_to_ts(until, now, &ts);
		syscall(SYS_futex, &wakeups, FUTEX_WAIT_PRIVATE, seen, &ts, NULL,
			0);
	}
}

void cs_sendq_kick(void)
{
	pid_t pid = getpid();
	if (__atomic_load_n(&flusher_pid, __ATOMIC_ACQUIRE) != pid) {
		/* A forked child: its parent's flusher is not here. */
		__atomic_store_n(&flusher_state, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&flusher_pid, pid, __ATOMIC_RELEASE);
	}
	if (__atomic_exchange_n(&flusher_state, 1, __ATOMIC_ACQ_REL))
		return wake_flusher();
	int saved = errno;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_t thread;
	if (pthread_create(&thread, &attr, flusher, NULL) != 0)
		__atomic_store_n(&flusher_state, 0, __ATOMIC_RELEASE);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
}

void cs_sendq_hold_writable(struct cs_hold *h, uint64_t now)
{
	struct cs_sendq *s = h->sendq;
	bool full = s->q.seen - s->q.read >= CS_SENDQ_BYTES ||
		    s->q.count == CS_DELAYQ_BATCHES;
	if (full) {
		uint64_t next = cs_delayq_next_due(&s->q);
		h->out_until = next > now ? next : now + RETRY_NS;
	} else if (!h->send_later) {
		h->out_until = 0;
	}
}

bool cs_sendq_pending(const struct cs_hold *h)
{
	return queued(h);
}

ssize_t cs_sendq_put(struct cs_hold *h, const struct iovec *iov, int iovcnt,
		     uint64_t delay_ns)
{
	uint64_t now = cs_now_ns();
	if (!h->sendq) {
		void *mem = mmap(NULL, sizeof *h->sendq, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			return -2;
		cs_send_hold();
		__atomic_store_n(&h->sendq, (struct cs_sendq *)mem,
				 __ATOMIC_RELEASE);
	}
	struct cs_sendq *s = h->sendq;
	uint64_t room = CS_SENDQ_BYTES - (s->q.seen - s->q.read);
	if (!room || s->q.count == CS_DELAYQ_BATCHES) {
		cs_sendq_hold_writable(h, now);
		errno = EAGAIN;
		return -1;
	}
	uint64_t put = 0;
	for (int i = 0; i < iovcnt && put < room; i++) {
		const char *from = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left && put < room) {
			uint64_t at = (s->q.seen + put) % CS_SENDQ_BYTES;
			size_t n = left;
			if (n > CS_SENDQ_BYTES - at)
				n = CS_SENDQ_BYTES - at;
			if (n > room - put)
				n = room - put;
			memcpy(s->data + at, from, n);
			from += n;
			left -= n;
			put += n;
		}
	}
	cs_delayq_observe(&s->q, s->q.seen - s->q.read + put, now, delay_ns);
	cs_sendq_hold_writable(h, now);
	return (ssize_t)put;
}

/* Puts what h's queue holds on the wire now, early rather than never;
 * waits for room in the socket until give_up (0: not at all). */
static void send_now(struct cs_hold *h, uint64_t give_up)
{
	struct cs_sendq *s = h->sendq;
	int saved = errno;
	while (queued(h)) {
		uint64_t at = s->q.read % CS_SENDQ_BYTES;
		uint64_t len = s->q.seen - s->q.read;
		if (len > CS_SENDQ_BYTES - at)
			len = CS_SENDQ_BYTES - at;
		ssize_t sent = cs_real_send(h->fd, s->data + at, (size_t)len,
					    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent > 0) {
			cs_delayq_consume(&s->q, (uint64_t)sent);
			continue;
		}
		if (sent == 0 || (errno != EAGAIN && errno != EINTR) ||
		    cs_now_ns() >= give_up)
			break;
		struct pollfd room = {.fd = h->fd, .events = POLLOUT};
		cs_real_poll(&room, 1, 10);
	}
	errno = saved;
}

void cs_sendq_send_now(struct cs_hold *h)
{
	if (h->sendq)
		send_now(h, 0);
}

void cs_sendq_close(struct cs_hold *h, bool flush)
{
	struct cs_sendq *s = h->sendq;
	if (!s)
		return;
	/* Closed with bytes still queued: they go now, early, not never. */
	if (flush)
		send_now(h, 0);
	__atomic_store_n(&h->sendq, NULL, __ATOMIC_RELEASE);
	munmap(s, sizeof *s);
}

void cs_sendq_at_exit(void)
{
	/* The process ends with bytes queued (exit, or main returned): they
	 * go now, as the kernel would still send them; a peer that takes
	 * nothing gets a second at most. */
	uint64_t give_up = cs_deadline_add(cs_now_ns(), EXIT_PATIENCE_NS);
	struct cs_hold *h;
	for (int fd = -1; (h = lock_next_queue(&fd));) {
		send_now(h, give_up);
		cs_hold_unlock(h, cs_now_ns());
	}
}

void cs_sendq_after_fork_child(void)
{
	for (int fd = cs_hold_next(cs_hold_used, 0); fd >= 0;
	     fd = cs_hold_next(cs_hold_used, fd + 1)) {
		struct cs_sendq *s = cs_holds[fd].sendq;
		if (!s)
			continue;
		cs_holds[fd].sendq = NULL;
		munmap(s, sizeof *s);
	}
}
