/* A TCP `drop` on a non-blocking socket under `run --trap`: the preload
 * partitions the connection and keeps its readiness back; the supervisor
 * cannot see readiness, so it partitions the connection in its answers
 * alone. From the drop on, until the socket is closed (known by its
 * inode), a send vanishes and reports success until 64 KiB are in the
 * void, then says EAGAIN, and a receive says EAGAIN: nothing comes
 * through either way, the data the kernel holds stays unread. An event
 * loop woken by edges (epoll with EPOLLET, as Go's) waits for an edge that
 * never comes: silence. One woken by levels (poll, select) sees the data
 * the kernel holds as readable again and again: it would spin, so an
 * EAGAIN that comes right after the last one on the connection is given
 * a few milliseconds late, and such a loop wakes a few hundred times a
 * second instead of without pause. With `hang_ms` every call times out
 * (ETIMEDOUT) that long after the drop. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "ctl/trap_supervisor.h"

/* What a partitioned connection takes before its sends say EAGAIN, as
 * the preload's. */
#define PARTITION_WINDOW 65536u
/* A blocking call on a partition without an end gives up that late, as
 * after a blocking drop. */
#define BLOCKING_HANG_NS 30000000000ull
/* An EAGAIN this soon after the last one is given this late. */
#define RETRY_PAUSE_NS 5000000ull

static struct cs_trap_partition *find(struct cs_trap *t, uint64_t ino)
{
	for (unsigned i = 0; ino && i < CS_TRAP_PARTITIONS; i++)
		if (t->partitions[i].ino == ino)
			return &t->partitions[i];
	return NULL;
}

/* How many bytes the send asks to send. */
static uint64_t payload(const struct seccomp_notif *req,
			const struct cs_trap_call *call, pid_t tid)
{
	struct msghdr msg;

	switch (call->nr) {
	case SYS_writev:
		return cs_trap_iov_bytes(tid, req->data.args[1], req->data.args[2]);
	case SYS_sendmsg:
		if (!cs_trap_read_caller(tid, req->data.args[1], &msg, sizeof(msg)))
			return 0;
		return cs_trap_iov_bytes(tid, (uint64_t)(uintptr_t)msg.msg_iov,
					 msg.msg_iovlen);
	default: /* write, sendto */
		return req->data.args[2];
	}
}

void cs_trap_partition(struct cs_trap *t, const struct cs_trap_caller *c,
		       uint32_t hang_ms)
{
	if (!c->ino || find(t, c->ino))
		return;
	/* The oldest partition makes room: its socket is most likely closed. */
	struct cs_trap_partition *p =
		&t->partitions[t->next_partition++ % CS_TRAP_PARTITIONS];
	*p = (struct cs_trap_partition){
		.ino = c->ino,
		.until = hang_ms ? (uint64_t)cs_trap_now_ns() + hang_ms * 1000000ull
				 : UINT64_MAX};
}

void cs_trap_heal(struct cs_trap *t)
{
	memset(t->partitions, 0, sizeof(t->partitions));
	t->next_partition = 0;
}

bool cs_trap_partitioned(struct cs_trap *t, const struct seccomp_notif *req,
			 const struct cs_trap_call *call,
			 const struct cs_trap_caller *c,
			 struct cs_trap_answer *a)
{
	struct cs_trap_partition *p;

	if (c->proto != CS_PROTO_TCP || call->family == CS_FAM_CONNECT ||
	    !(p = find(t, c->ino)))
		return false;
	memset(a, 0, sizeof(*a));
	uint64_t now = (uint64_t)cs_trap_now_ns();
	if (now >= p->until) {
		a->error = ETIMEDOUT;
		return true;
	}
	if (call->family == CS_FAM_SEND && p->void_bytes < PARTITION_WINDOW) {
		/* A batch goes whole, as under the preload. */
		uint64_t n = call->batch ? cs_trap_batch_sent(req, c->tid, a)
					 : payload(req, call, c->tid);
		if (n > PARTITION_WINDOW - p->void_bytes)
			n = PARTITION_WINDOW - p->void_bytes;
		p->void_bytes += n;
		if (!call->batch) {
			a->done = true;
			a->value = (int64_t)n;
		}
		return true;
	}
	if (c->nonblocking) {
		a->error = EAGAIN;
		if (p->last_eagain && now < p->last_eagain + RETRY_PAUSE_NS)
			a->delay_ns = RETRY_PAUSE_NS;
		p->last_eagain = now + a->delay_ns;
		return true;
	}
	a->error = ETIMEDOUT;
	a->delay_ns = p->until - now < BLOCKING_HANG_NS ? p->until - now
							: BLOCKING_HANG_NS;
	return true;
}
