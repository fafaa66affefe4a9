/* reorder: UDP datagrams that reach the peer out of order. A datagram a
 * reorder rule picks is kept back and sent right after the program's k-th
 * later datagram on its socket (k seeded, 1 to `window`; a later one kept
 * back itself goes later still), or CS_REORDER_WAIT_NS after it was sent
 * when fewer come. What is kept goes at once when the socket is closed
 * and at exit; a forked child drops its copies (the parent sends them).
 * Up to CS_REORDER_HELD datagrams per socket, in a block mapped on first
 * use, guarded by the fd's hold lock; the send queue's helper thread
 * sends those that wait too long. */
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "shim/shim.h"

#define RETRY_NS (2 * CS_NS_PER_MS) /* a socket busy in another thread */

struct kept_datagram {
	bool used;
	uint64_t order;         /* the socket's count of kept datagrams then */
	uint64_t release_after; /* it goes once r->sent reaches it */
	uint64_t due;           /* it goes then at the latest */
	uint32_t len;
	socklen_t namelen; /* 0: to the connected peer */
	struct sockaddr_storage name;
	unsigned char data[CS_SENDQ_MESSAGE_MAX];
};

struct cs_reorder {
	uint64_t sent; /* datagrams the program sent, kept back or not */
	uint64_t kept;
	unsigned count;
	struct kept_datagram held[CS_REORDER_HELD];
};

/* Puts d on the wire; one the kernel refuses (a full socket buffer, no
 * such peer any more) is lost, as it would be on the way. */
static void send_kept(int fd, struct cs_reorder *r, struct kept_datagram *d)
{
	struct iovec iov = {.iov_base = d->data, .iov_len = d->len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (d->namelen) {
		msg.msg_name = &d->name;
		msg.msg_namelen = d->namelen;
	}
	int saved = errno;
	cs_real_sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	errno = saved;
	d->used = false;
	r->count--;
}

/* The earliest kept datagram that may go now (any, with all), or NULL. */
static struct kept_datagram *first_due(struct cs_reorder *r, uint64_t now,
				       bool all)
{
	struct kept_datagram *first = NULL;
	for (int i = 0; i < CS_REORDER_HELD; i++) {
		struct kept_datagram *d = &r->held[i];
		if (d->used && (all || r->sent >= d->release_after || d->due <= now) &&
		    (!first || d->order < first->order))
			first = d;
	}
	return first;
}

/* Sends what is due on h's socket, in the order it was kept; returns when
 * the next one is due at the latest (0: none is kept). With h locked. */
static uint64_t send_due(struct cs_hold *h, uint64_t now, bool all)
{
	struct cs_reorder *r = h->reorder;
	if (!r)
		return 0;
	for (struct kept_datagram *d; (d = first_due(r, now, all));)
		send_kept(h->fd, r, d);
	uint64_t wake = 0;
	for (int i = 0; i < CS_REORDER_HELD; i++)
		if (r->held[i].used)
			wake = cs_deadline_min(wake, r->held[i].due);
	return wake;
}

ssize_t cs_reorder_keep(const struct cs_io *io, const struct cs_fdinfo *sock,
			uint32_t after)
{
	size_t len = 0;
	for (int i = 0; i < io->iovcnt; i++)
		len += io->iov[i].iov_len;
	/* Nothing may be kept that no helper thread would send (a signal
	 * handler's send), nor what the kernel would refuse at once. */
	if (sock->kind != CS_FD_UDP || len > CS_SENDQ_MESSAGE_MAX ||
	    (io->to ? io->tolen > sizeof(struct sockaddr_storage)
		    : !sock->peer.family) ||
	    !cs_sendq_flusher_ready())
		return -2;
	struct cs_hold *h = cs_hold_lock(io->fd, true);
	if (!h)
		return -2;
	cs_hold_claim(h, sock->ino);
	uint64_t now = cs_now_ns();
	if (!h->reorder) {
		int saved = errno; /* a failed map is a passthrough */
		void *mem = mmap(NULL, sizeof *h->reorder, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		errno = saved;
		if (mem == MAP_FAILED) {
			cs_hold_unlock(h, now);
			return -2;
		}
		cs_send_hold(); /* later sends must count, even once disarmed */
		__atomic_store_n(&h->reorder, (struct cs_reorder *)mem,
				 __ATOMIC_RELEASE);
	}
	struct cs_reorder *r = h->reorder;
	if (r->count == CS_REORDER_HELD) /* full: the oldest goes first */
		send_kept(io->fd, r, first_due(r, now, true));
	struct kept_datagram *d = r->held;
	while (d->used)
		d++;
	d->used = true;
	d->order = r->kept++;
	d->release_after = ++r->sent + after;
	d->due = cs_deadline_add(now, CS_REORDER_WAIT_NS);
	d->len = 0;
	for (int i = 0; i < io->iovcnt; i++) {
		memcpy(d->data + d->len, io->iov[i].iov_base, io->iov[i].iov_len);
		d->len += (uint32_t)io->iov[i].iov_len;
	}
	d->namelen = io->to ? io->tolen : 0;
	if (d->namelen)
		memcpy(&d->name, io->to, d->namelen);
	r->count++;
	send_due(h, now, false); /* those this one was the last to wait for */
	cs_hold_unlock(h, now);
	cs_sendq_kick();
	return (ssize_t)len;
}

void cs_reorder_passed(int fd)
{
	if (!cs_hold_active_fd(fd))
		return;
	struct cs_hold *h = cs_hold_lock(fd, false);
	if (!h)
		return;
	if (h->reorder && h->reorder->count) {
		h->reorder->sent++;
		send_due(h, cs_now_ns(), false);
	}
	cs_hold_unlock(h, cs_now_ns());
}

bool cs_reorder_pending(const struct cs_hold *h)
{
	return h->reorder && h->reorder->count;
}

/* Sends what is due on every socket (all of it with all); returns the
 * next moment to look again, or 0 when nothing is kept. */
static uint64_t send_due_everywhere(uint64_t now, bool all)
{
	uint64_t wake = 0;
	for (int fd = cs_hold_next(CS_HOLD_ACTIVE, 0); fd >= 0;
	     fd = cs_hold_next(CS_HOLD_ACTIVE, fd + 1)) {
		struct cs_hold *h = cs_hold_slot(fd, false);
		if (!h || !__atomic_load_n(&h->reorder, __ATOMIC_ACQUIRE))
			continue;
		h = cs_hold_lock(fd, false);
		if (!h) {
			wake = cs_deadline_min(wake, now + RETRY_NS);
			continue;
		}
		wake = cs_deadline_min(wake, send_due(h, now, all));
		cs_hold_unlock(h, now);
	}
	return wake;
}

uint64_t cs_reorder_round(uint64_t now)
{
	return send_due_everywhere(now, false);
}

void cs_reorder_at_exit(void)
{
	send_due_everywhere(cs_now_ns(), true);
}

void cs_reorder_close(struct cs_hold *h, bool flush)
{
	struct cs_reorder *r = h->reorder;
	if (!r)
		return;
	if (flush)
		send_due(h, 0, true);
	__atomic_store_n(&h->reorder, NULL, __ATOMIC_RELEASE);
	munmap(r, sizeof *r);
}
