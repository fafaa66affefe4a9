/* `slice` under `run --trap`: the kernel cannot be told to move fewer
 * bytes than a call asks for, so the supervisor makes the call itself on
 * its copy of the socket, with at most max_bytes, moves the bytes between
 * the caller's buffers and its own (process_vm_readv, process_vm_writev)
 * and answers the count: a short read or a short write, as the preload
 * makes. A batch (sendmmsg, recvmmsg) moves its first message only, cut
 * to max_bytes, and answers one message. A call that is also delayed, or
 * a blocking one that must wait (nothing to read yet, no room to send),
 * waits in a thread of its own. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ctl/trap_supervisor.h"

/* The caller's buffers looked at, at most; and the bytes moved per call. */
#define SLICE_IOVS 64
#define SLICE_MOST 65536u

/* A sliced call that waits: for its delay, then for its socket. */
struct slicing {
	struct cs_trap *trap;
	struct seccomp_notif req;
	const struct cs_trap_call *call;
	struct cs_trap_caller caller; /* caller.sock: the socket */
	uint32_t max_bytes;
	int64_t due;
};

static bool sends(const struct cs_trap_call *call)
{
	return call->family == CS_FAM_SEND;
}

/* The caller's buffers (up to SLICE_IOVS) and the call's MSG_* flags,
 * its msghdr in *msg (zeroed when it has none); -1 when its memory cannot
 * be read. */
static int buffers_of(const struct seccomp_notif *req,
		      const struct cs_trap_call *call, pid_t tid,
		      struct iovec *iov, int *flags, struct msghdr *msg)
{
	uint64_t addr = req->data.args[1], cnt = req->data.args[2];

	memset(msg, 0, sizeof(*msg));
	*flags = call->flags_arg >= 0 ? (int)req->data.args[call->flags_arg] : 0;
	switch (call->nr) {
	case SYS_recvmsg:
	case SYS_sendmsg:
	case SYS_recvmmsg: /* the batch's first message */
	case SYS_sendmmsg:
		if (!cs_trap_read_caller(tid, addr, msg, sizeof(*msg)))
			return -1;
		addr = (uint64_t)(uintptr_t)msg->msg_iov;
		cnt = msg->msg_iovlen;
		/* fall through */
	case SYS_readv:
	case SYS_writev:
		if (cnt > SLICE_IOVS)
			cnt = SLICE_IOVS;
		if (cnt && !cs_trap_read_caller(tid, addr, iov, cnt * sizeof(*iov)))
			return -1;
		return (int)cnt;
	default: /* read, write, recvfrom, sendto: one buffer */
		iov[0] = (struct iovec){.iov_base = (void *)(uintptr_t)addr,
					.iov_len = cnt};
		return 1;
	}
}

/* Writes what a receive tells besides its bytes into the caller's
 * memory, as the kernel's: the sender's address (name, len) where the
 * call asks for it, and a msghdr's control length (none) and flags.
 * False when that memory cannot be written. */
static bool tell_receiver(const struct seccomp_notif *req,
			  const struct cs_trap_call *call, pid_t tid,
			  const struct msghdr *mine, struct msghdr *msg)
{
	uint64_t name = req->data.args[4], name_len = req->data.args[5];
	socklen_t room;

	if (call->nr == SYS_recvfrom) {
		if (!name || !name_len)
			return true;
		return cs_trap_read_caller(tid, name_len, &room, sizeof(room)) &&
		       cs_trap_write_caller(tid, name, mine->msg_name,
					    room < mine->msg_namelen ? room : mine->msg_namelen) &&
		       cs_trap_write_caller(tid, name_len, &mine->msg_namelen,
					    sizeof(mine->msg_namelen));
	}
	if (call->nr != SYS_recvmsg && call->nr != SYS_recvmmsg)
		return true;
	if (msg->msg_name &&
	    !cs_trap_write_caller(tid, (uint64_t)(uintptr_t)msg->msg_name, mine->msg_name,
				  msg->msg_namelen < mine->msg_namelen ? msg->msg_namelen
								       : mine->msg_namelen))
		return false;
	msg->msg_namelen = msg->msg_name ? mine->msg_namelen : 0;
	msg->msg_controllen = 0;
	msg->msg_flags = mine->msg_flags;
	return cs_trap_write_caller(tid, req->data.args[1], msg, sizeof(*msg));
}

/* Makes the call on sock with at most max_bytes, without waiting;
 * *a is its answer (EAGAIN when it would wait). */
static void cut(int sock, const struct seccomp_notif *req,
		const struct cs_trap_call *call, pid_t tid, uint32_t max_bytes,
		struct cs_trap_answer *a)
{
	struct iovec remote[SLICE_IOVS];
	struct msghdr msg;
	int flags;
	int n = buffers_of(req, call, tid, remote, &flags, &msg);
	size_t want = 0;

	*a = (struct cs_trap_answer){.error = EFAULT};
	if (n < 0)
		return;
	/* Control data (a unix socket's fds) would come to the supervisor:
	 * such a receive runs whole. */
	if (!sends(call) && msg.msg_controllen) {
		*a = (struct cs_trap_answer){0};
		return;
	}
	for (int i = 0; i < n; i++)
		want += remote[i].iov_len;
	want = want < max_bytes ? want : max_bytes;
	want = want < SLICE_MOST ? want : SLICE_MOST;
	char *buf = malloc(want ? want : 1);
	if (!buf) {
		*a = (struct cs_trap_answer){0}; /* the call runs whole */
		return;
	}
	struct iovec local = {.iov_base = buf, .iov_len = want};
	ssize_t done;
	if (sends(call)) {
		done = process_vm_readv(tid, &local, 1, remote, (unsigned long)n, 0);
		if (done >= 0)
			done = send(sock, buf, (size_t)done,
				    flags | MSG_DONTWAIT | MSG_NOSIGNAL);
		if (done < 0 && errno == EPIPE && !(flags & MSG_NOSIGNAL))
			a->signal = SIGPIPE;
	} else {
		struct sockaddr_storage name;
		struct msghdr mine = {.msg_name = &name,
				      .msg_namelen = sizeof(name),
				      .msg_iov = &local,
				      .msg_iovlen = 1};
		done = recvmsg(sock, &mine, flags | MSG_DONTWAIT);
		local.iov_len = done > 0 ? (size_t)done : 0;
		if (done >= 0 &&
		    ((done > 0 && process_vm_writev(tid, &local, 1, remote,
						    (unsigned long)n, 0) != done) ||
		     !tell_receiver(req, call, tid, &mine, &msg))) {
			done = -1; /* the bytes are lost, as a kernel's EFAULT loses them */
			errno = EFAULT;
		}
	}
	if (done < 0) {
		a->error = errno;
	} else if (call->batch) {
		/* One message moved, cut: its msg_len says how much. */
		unsigned len = (unsigned)done;
		*a = (struct cs_trap_answer){.done = true, .value = 1};
		if (!cs_trap_write_caller(tid, req->data.args[1] +
						       offsetof(struct mmsghdr, msg_len),
					  &len, sizeof(len)))
			*a = (struct cs_trap_answer){.error = EFAULT};
	} else {
		a->error = 0;
		a->done = true;
		a->value = done;
	}
	free(buf);
}

static void *slice_when_ready(void *arg)
{
	struct slicing *s = arg;
	struct cs_trap *t = s->trap;
	short events = sends(s->call) ? POLLOUT : POLLIN;
	struct cs_trap_answer a = {0};
	enum cs_trap_wait waited = cs_trap_wait(t, s->req.id, -1, 0, s->due);
	int64_t end = cs_trap_timeout_end(s->caller.sock, sends(s->call)
								 ? SO_SNDTIMEO
								 : SO_RCVTIMEO);

	while (waited == CS_TRAP_DUE || waited == CS_TRAP_READY) {
		cut(s->caller.sock, &s->req, s->call, s->caller.tid,
		    s->max_bytes, &a);
		if (a.error != EAGAIN || s->caller.nonblocking)
			break;
		waited = cs_trap_wait(t, s->req.id, s->caller.sock, events, end);
		if (waited == CS_TRAP_DUE) /* the socket's own timeout */
			break;
	}
	if (waited == CS_TRAP_STOPPING)
		a = (struct cs_trap_answer){0}; /* the call runs itself */
	close(s->caller.sock);
	s->caller.sock = -1;
	cs_trap_conclude(t, &s->req, &s->caller, &a);
	cs_trap_spawned_end(t);
	free(s);
	return NULL;
}

bool cs_trap_slice(struct cs_trap *t, const struct seccomp_notif *req,
		   const struct cs_trap_call *call, struct cs_trap_caller *c,
		   uint32_t max_bytes, struct cs_trap_answer *a)
{
	uint64_t delay_ns = a->delay_ns;

	if (!delay_ns) {
		cut(c->sock, req, call, c->tid, max_bytes, a);
		if (a->error != EAGAIN || c->nonblocking)
			return false;
	}
	struct slicing *s = malloc(sizeof(*s));
	if (!s)
		return false; /* *a: the call made late whole, or EAGAIN */
	*s = (struct slicing){.trap = t,
			      .req = *req,
			      .call = call,
			      .caller = *c,
			      .max_bytes = max_bytes,
			      .due = cs_trap_now_ns() + (int64_t)delay_ns};
	if (!cs_trap_spawn(t, slice_when_ready, s)) {
		free(s);
		return false;
	}
	c->sock = -1;
	return true;
}
