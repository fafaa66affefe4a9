/* Send latency on non-blocking sockets: what a program sends is accepted
 * at once into a bounded per-socket queue and put on the wire `delay`
 * later, in order, by a flusher thread, as a slow network would carry it;
 * the same thread closes the sockets slow_close keeps open (slowclose.c)
 * and sends the datagrams reorder kept back too long (reorder.c).
 * A stream (TCP, unix SOCK_STREAM) queues bytes; a datagram socket queues
 * each message whole with its destination. The thread exists only while
 * some queue holds something or some close waits (it leaves after a
 * second with nothing to do), blocks every signal, touches no fd but the
 * queued sockets and those closes, and is
 * started again on demand in a forked child, whose inherited queues are
 * dropped (the parent sends them). A full queue makes the socket not
 * writable and the send EAGAIN, as a full socket buffer does; on UDP it
 * loses the datagram instead, as a full link does. What is still queued
 * when the socket is closed or shut down, or the process exits, goes out
 * at once. */
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

/* Sends len bytes from the ring's read offset in one call, to m's address
 * when it has one. */
static ssize_t send_from_ring(int fd, const struct cs_sendq *s, uint64_t len,
			      const struct cs_sendq_message *m)
{
	uint64_t at = s->q.read % CS_SENDQ_BYTES;
	uint64_t first = len < CS_SENDQ_BYTES - at ? len : CS_SENDQ_BYTES - at;
	struct iovec iov[2] = {
		{.iov_base = (void *)(s->data + at), .iov_len = (size_t)first},
		{.iov_base = (void *)s->data, .iov_len = (size_t)(len - first)}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len > first ? 2 : 1};
	if (m && m->namelen) {
		msg.msg_name = (void *)&m->name;
		msg.msg_namelen = m->namelen;
	}
	return cs_real_sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static bool retry_later(ssize_t sent)
{
	return sent < 0 && (errno == EAGAIN || errno == EINTR || errno == ENOBUFS);
}

/* Puts the due bytes of a stream's queue on the wire. */
static uint64_t flush_stream(int fd, struct cs_sendq *s, uint64_t now)
{
	uint64_t due = cs_delayq_visible(&s->q, now);
	while (due) {
		ssize_t sent = send_from_ring(fd, s, due, NULL);
		if (retry_later(sent))
			return cs_deadline_add(now, RETRY_NS);
		if (sent <= 0) { /* the connection is gone: so are the bytes */
			memset(&s->q, 0, sizeof s->q);
			return 0;
		}
		cs_delayq_consume(&s->q, (uint64_t)sent);
		s->waiting = false;
		due -= (uint64_t)sent;
	}
	return cs_delayq_next_due(&s->q);
}

/* Sends the due messages of a datagram socket's queue, in order. One the
 * kernel refuses for good (no such peer any more) is lost, as it would be
 * on the way. */
static uint64_t flush_messages(int fd, struct cs_sendq *s, uint64_t now)
{
	while (s->message_count) {
		const struct cs_sendq_message *m = &s->message[s->message_head];
		if (m->due > now)
			return m->due;
		ssize_t sent = send_from_ring(fd, s, m->end - s->q.read, m);
		if (retry_later(sent))
			return cs_deadline_add(now, RETRY_NS);
		s->q.read = m->end;
		s->message_head = (uint16_t)((s->message_head + 1) %
					     CS_SENDQ_MESSAGES);
		s->message_count--;
		s->waiting = false;
	}
	return 0;
}

/* Puts what is due in h's queue on the wire (all of it with now =
 * CS_NEVER); returns when to come back (0: nothing left). Called with h
 * locked. */
static uint64_t flush_due(struct cs_hold *h, uint64_t now)
{
	struct cs_sendq *s = h->sendq;
	if (s->kind == CS_SENDQ_STREAM)
		return flush_stream(h->fd, s, now);
	return flush_messages(h->fd, s, now);
}

static bool queued(const struct cs_hold *h)
{
	const struct cs_sendq *s = h->sendq;
	return s && (s->message_count || s->q.seen > s->q.read);
}

/* The first socket after *fd that has a send queue, locked (*fd is set
 * to it); NULL when there is none. *busy is set when one that holds
 * something could not be locked (look again soon). */
static struct cs_hold *lock_next_queue(int *fd, bool *busy)
{
	while ((*fd = cs_hold_next(CS_HOLD_USED, *fd + 1)) >= 0) {
		struct cs_hold *h = cs_hold_slot(*fd, false);
		if (!h || !__atomic_load_n(&h->sendq, __ATOMIC_ACQUIRE))
			continue;
		h = cs_hold_lock(*fd, false);
		if (h)
			return h;
		if (cs_hold_active_fd(*fd))
			*busy = true;
	}
	return NULL;
}

/* One round over the queued sockets; returns the next moment to wake, or
 * 0 when no queue holds anything. */
static uint64_t flush_round(void)
{
	uint64_t now = cs_now_ns(), wake = 0;
	struct cs_hold *h;
	bool busy = false;
	for (int fd = -1; (h = lock_next_queue(&fd, &busy));) {
		if (queued(h)) {
			uint64_t next = flush_due(h, now);
			wake = cs_deadline_min(wake, queued(h) && !next
							     ? now + RETRY_NS
							     : next);
			cs_sendq_hold_writable(h, now);
		}
		cs_hold_unlock(h, now);
	}
	return busy ? cs_deadline_min(wake, now + RETRY_NS) : wake;
}

static void *flusher(void *unused)
{
	(void)unused;
	uint64_t idle_since = cs_now_ns();
	for (;;) {
		uint32_t seen = __atomic_load_n(&wakeups, __ATOMIC_ACQUIRE);
		uint64_t wake = flush_round(), now = cs_now_ns();
		wake = cs_deadline_min(wake, cs_slowclose_round(now));
		wake = cs_deadline_min(wake, cs_reorder_round(now));
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

/* Whether this thread may create the flusher. Not in a signal handler,
 * where creating a thread can deadlock (malloc, the loader's locks); a
 * handler runs with its signal blocked, so a thread that blocks any
 * signal is taken for one. */
static bool may_start_flusher(void)
{
	sigset_t mask;
	int saved = errno;
	bool none = pthread_sigmask(SIG_BLOCK, NULL, &mask) == 0 &&
		    sigisemptyset(&mask);
	errno = saved;
	return none;
}

static bool flusher_here(void)
{
	pid_t pid = getpid();
	if (__atomic_load_n(&flusher_pid, __ATOMIC_ACQUIRE) != pid) {
		/* A forked child: its parent's flusher is not here. */
		__atomic_store_n(&flusher_state, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&flusher_pid, pid, __ATOMIC_RELEASE);
	}
	return __atomic_load_n(&flusher_state, __ATOMIC_ACQUIRE);
}

bool cs_sendq_flusher_ready(void)
{
	return flusher_here() || may_start_flusher();
}

bool cs_sendq_kick(void)
{
	flusher_here();
	wake_flusher();
	if (__atomic_exchange_n(&flusher_state, 1, __ATOMIC_ACQ_REL))
		return true; /* running: it saw the wake-up, or looks again */
	if (!may_start_flusher()) {
		__atomic_store_n(&flusher_state, 0, __ATOMIC_RELEASE);
		return false;
	}
	int saved = errno;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_t thread;
	bool started = pthread_create(&thread, &attr, flusher, NULL) == 0;
	if (!started)
		__atomic_store_n(&flusher_state, 0, __ATOMIC_RELEASE);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return started;
}

static uint64_t next_due(const struct cs_sendq *s)
{
	if (s->kind == CS_SENDQ_STREAM)
		return cs_delayq_next_due(&s->q);
	return s->message_count ? s->message[s->message_head].due : 0;
}

/* Whether a send must wait for room: the ring or the batches are used up;
 * a UDP datagram never waits (it is lost instead). */
static bool full(const struct cs_sendq *s)
{
	if (s->kind == CS_SENDQ_DATAGRAMS)
		return false;
	if (s->kind == CS_SENDQ_STREAM)
		return s->q.seen - s->q.read >= CS_SENDQ_BYTES ||
		       s->q.count == CS_DELAYQ_BATCHES;
	return s->q.seen - s->q.read > CS_SENDQ_BYTES - CS_SENDQ_MESSAGE_MAX ||
	       s->message_count == CS_SENDQ_MESSAGES;
}

void cs_sendq_hold_writable(struct cs_hold *h, uint64_t now)
{
	struct cs_sendq *s = h->sendq;
	if (s->waiting && !queued(h))
		s->waiting = false;
	if (full(s) || s->waiting) {
		uint64_t next = next_due(s);
		h->out_until = next > now ? next : now + RETRY_NS;
	} else if (!h->send_later) {
		h->out_until = 0;
	}
}

void cs_sendq_wait_behind(struct cs_hold *h, uint64_t now)
{
	if (!queued(h))
		return;
	h->sendq->waiting = true;
	cs_sendq_hold_writable(h, now);
}

bool cs_sendq_pending(const struct cs_hold *h)
{
	return queued(h);
}

/* Copies up to max bytes of iov into the ring behind what is queued;
 * returns how many. */
static uint64_t ring_put(struct cs_sendq *s, const struct iovec *iov,
			 int iovcnt, uint64_t max)
{
	uint64_t put = 0;
	for (int i = 0; i < iovcnt && put < max; i++) {
		const char *from = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left && put < max) {
			uint64_t at = (s->q.seen + put) % CS_SENDQ_BYTES;
			size_t n = left;
			if (n > CS_SENDQ_BYTES - at)
				n = CS_SENDQ_BYTES - at;
			if (n > max - put)
				n = (size_t)(max - put);
			memcpy(s->data + at, from, n);
			from += n;
			left -= n;
			put += n;
		}
	}
	return put;
}

static ssize_t refuse(struct cs_hold *h, uint64_t now)
{
	h->sendq->waiting = true;
	cs_sendq_hold_writable(h, now);
	errno = EAGAIN;
	return -1;
}

static ssize_t put_bytes(struct cs_hold *h, const struct cs_io *io,
			 uint64_t now, uint64_t delay_ns)
{
	struct cs_sendq *s = h->sendq;
	if (full(s))
		return refuse(h, now);
	uint64_t room = CS_SENDQ_BYTES - (s->q.seen - s->q.read);
	uint64_t put = ring_put(s, io->iov, io->iovcnt, room);
	cs_delayq_observe(&s->q, s->q.seen - s->q.read + put, now, delay_ns);
	cs_sendq_hold_writable(h, now);
	return (ssize_t)put;
}

static ssize_t put_message(struct cs_hold *h, const struct cs_io *io,
			   uint64_t now, uint64_t delay_ns)
{
	struct cs_sendq *s = h->sendq;
	uint64_t len = 0;
	for (int i = 0; i < io->iovcnt; i++)
		len += io->iov[i].iov_len;
	if (len > CS_SENDQ_MESSAGE_MAX ||
	    (io->to && io->tolen > sizeof(struct sockaddr_storage)))
		return -2;
	if (s->kind == CS_SENDQ_DATAGRAMS &&
	    (CS_SENDQ_BYTES - (s->q.seen - s->q.read) < len ||
	     s->message_count == CS_SENDQ_MESSAGES))
		return (ssize_t)len; /* the link is full: the datagram is lost */
	if (full(s))
		return refuse(h, now);
	struct cs_sendq_message *m =
		&s->message[(s->message_head + s->message_count) %
			    CS_SENDQ_MESSAGES];
	m->namelen = io->to ? io->tolen : 0;
	if (m->namelen)
		memcpy(&m->name, io->to, m->namelen);
	s->q.seen += ring_put(s, io->iov, io->iovcnt, len);
	m->end = s->q.seen;
	m->due = cs_deadline_add(now, delay_ns);
	s->message_count++;
	cs_sendq_hold_writable(h, now);
	return (ssize_t)len;
}

ssize_t cs_sendq_put(struct cs_hold *h, const struct cs_io *io, uint8_t kind,
		     uint64_t delay_ns)
{
	uint64_t now = cs_now_ns();
	if (!h->sendq) {
		int saved = errno; /* a failed map is a passthrough */
		void *mem = mmap(NULL, sizeof *h->sendq, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		errno = saved;
		if (mem == MAP_FAILED)
			return -2;
		((struct cs_sendq *)mem)->kind = kind;
		cs_send_hold();
		__atomic_store_n(&h->sendq, (struct cs_sendq *)mem,
				 __ATOMIC_RELEASE);
	}
	if (h->sendq->kind == CS_SENDQ_STREAM)
		return put_bytes(h, io, now, delay_ns);
	return put_message(h, io, now, delay_ns);
}

/* Puts what h's queue holds on the wire now, early rather than never;
 * waits for room in the socket until give_up (0: not at all). */
static void send_now(struct cs_hold *h, uint64_t give_up)
{
	int saved = errno;
	for (;;) {
		flush_due(h, CS_NEVER);
		if (!queued(h) || cs_now_ns() >= give_up)
			break;
		struct pollfd room = {.fd = h->fd, .events = POLLOUT};
		cs_real_poll(&room, 1, 10);
	}
	errno = saved;
}

void cs_sendq_flush_now(struct cs_hold *h)
{
	if (h->sendq)
		send_now(h, 0);
}

void cs_sendq_close(struct cs_hold *h, bool flush)
{
	struct cs_sendq *s = h->sendq;
	if (!s)
		return;
	/* Closed with something still queued: it goes now, early, not never. */
	if (flush)
		cs_sendq_flush_now(h);
	__atomic_store_n(&h->sendq, NULL, __ATOMIC_RELEASE);
	munmap(s, sizeof *s);
}

void cs_sendq_at_exit(void)
{
	/* The process ends with something queued (exit, or main returned):
	 * it goes now, as the kernel would still send it; a peer that takes
	 * nothing gets a second at most. */
	uint64_t give_up = cs_deadline_add(cs_now_ns(), EXIT_PATIENCE_NS);
	struct cs_hold *h;
	bool busy = false;
	for (int fd = -1; (h = lock_next_queue(&fd, &busy));) {
		send_now(h, give_up);
		cs_hold_unlock(h, cs_now_ns());
	}
}
