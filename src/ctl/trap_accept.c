/* `accept` and `accept4` under `run --trap`. The peer of a connection is
 * known only once it is accepted, so the supervisor accepts it itself, on
 * its copy of the listening socket, decides it with the rules as the shim
 * does on the accepted socket, and either hands it in as the call's new
 * fd (SECCOMP_IOCTL_NOTIF_ADDFD; a latency hands it in late) or undoes
 * the accept: a reset sends the client an RST and fails the call with
 * ECONNABORTED, an error closes it and fails the call with the errno. A
 * blocking accept waits for its connection in a thread of its own. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cs_socket_reset.h"
#include "ctl/trap_supervisor.h"

/* How often a blocking accept's thread makes sure its call still waits. */
#define STILL_WAITING_NS 100000000

/* A blocking accept, waiting for its connection. */
struct waiting {
	struct cs_trap *trap;
	struct seccomp_notif req;
	const struct cs_trap_call *call;
	struct cs_trap_caller caller; /* caller.sock: the listening socket */
	uint64_t timeout_ns; /* the listening socket's SO_RCVTIMEO, or 0 */
};

static int flags_of(const struct seccomp_notif *req,
		    const struct cs_trap_call *call)
{
	return call->nr == SYS_accept4 ? (int)req->data.args[3] : 0;
}

/* Accepts a connection for the call, as the flags it gives want. */
static int accept_for(int listening, const struct seccomp_notif *req,
		      const struct cs_trap_call *call)
{
	return accept4(listening, NULL, NULL,
		       SOCK_CLOEXEC | (flags_of(req, call) & SOCK_NONBLOCK));
}

/* The answer to the call once conn is accepted for it. */
static struct cs_trap_answer accepted(struct cs_trap *t,
				      const struct seccomp_notif *req,
				      const struct cs_trap_call *call,
				      const struct cs_trap_caller *c, int conn)
{
	struct cs_trap_answer a = {
		.hand_over = true,
		.handoff = {.conn = conn,
			    .cloexec = flags_of(req, call) & SOCK_CLOEXEC,
			    .addr = req->data.args[1],
			    .addr_len = req->data.args[2]}};
	struct cs_trap_caller on = *c;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct cs_action action;

	on.sock = conn;
	cs_trap_describe_socket(conn, &on);
	if (getpeername(conn, (struct sockaddr *)&ss, &len) == 0)
		cs_sockaddr_from((struct sockaddr *)&ss, len, &on.peer);
	if (!cs_trap_decide(t, call, &on, &action))
		return a;
	switch (action.terminal) {
	case CS_FAULT_RESET:
		cs_socket_reset(conn, on.proto == CS_PROTO_TCP);
		close(conn);
		return (struct cs_trap_answer){.error = ECONNABORTED};
	case CS_FAULT_ERROR:
		close(conn);
		return (struct cs_trap_answer){.error = action.error};
	case CS_FAULT_KILL:
		a.signal = action.signal;
		break;
	default:
		break;
	}
	a.delay_ns = action.delay_ns;
	return a;
}

/* Waits until the listening socket has a connection; false when there is
 * nothing to accept for the call any more (it went away, `run` stops) or
 * the socket's own timeout ran out (*a says so). */
static bool wait_connection(struct waiting *w, struct cs_trap_answer *a)
{
	struct cs_trap *t = w->trap;
	struct pollfd p[2] = {{.fd = w->caller.sock, .events = POLLIN},
			      {.fd = t->stop[0], .events = POLLIN}};
	int64_t end = w->timeout_ns ? cs_trap_now_ns() + (int64_t)w->timeout_ns
				    : INT64_MAX;

	for (;;) {
		if (ioctl(t->listener, SECCOMP_IOCTL_NOTIF_ID_VALID,
			  &w->req.id) < 0)
			return false;
		int64_t left = end - cs_trap_now_ns();
		if (left <= 0) {
			a->error = EAGAIN;
			return false;
		}
		if (left > STILL_WAITING_NS)
			left = STILL_WAITING_NS;
		struct timespec ts = {0, left};
		int n = ppoll(p, 2, &ts, NULL);
		if (n > 0 && p[1].revents)
			return false; /* *a: CONTINUE, the call runs itself */
		if (n > 0 && p[0].revents)
			return true;
	}
}

static void *accept_when_ready(void *arg)
{
	struct waiting *w = arg;
	struct cs_trap_answer a = {0};

	if (wait_connection(w, &a)) {
		int conn = accept_for(w->caller.sock, &w->req, w->call);
		if (conn >= 0)
			a = accepted(w->trap, &w->req, w->call, &w->caller, conn);
		else
			a.error = errno;
	}
	close(w->caller.sock);
	w->caller.sock = -1;
	cs_trap_conclude(w->trap, &w->req, &w->caller, &a);
	__atomic_fetch_sub(&w->trap->delayed, 1, __ATOMIC_RELEASE);
	free(w);
	return NULL;
}

/* Starts a thread that waits for the blocking accept's connection, and
 * takes c's socket; false when none can be started. */
static bool wait_aside(struct cs_trap *t, const struct seccomp_notif *req,
		       const struct cs_trap_call *call, struct cs_trap_caller *c)
{
	struct waiting *w = malloc(sizeof(*w));
	struct timeval tv = {0};
	socklen_t len = sizeof(tv);
	pthread_attr_t attr;
	pthread_t thread;

	if (!w)
		return false;
	if (getsockopt(c->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) < 0)
		tv = (struct timeval){0};
	*w = (struct waiting){.trap = t,
			      .req = *req,
			      .call = call,
			      .caller = *c,
			      .timeout_ns = (uint64_t)tv.tv_sec * 1000000000u +
					    (uint64_t)tv.tv_usec * 1000u};
	__atomic_fetch_add(&t->delayed, 1, __ATOMIC_ACQUIRE);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	int rc = pthread_create(&thread, &attr, accept_when_ready, w);
	pthread_attr_destroy(&attr);
	if (rc == 0) {
		c->sock = -1;
		return true;
	}
	__atomic_fetch_sub(&t->delayed, 1, __ATOMIC_RELEASE);
	free(w);
	return false;
}

bool cs_trap_accept(struct cs_trap *t, const struct seccomp_notif *req,
		    const struct cs_trap_call *call, struct cs_trap_caller *c,
		    struct cs_trap_answer *a)
{
	int listening = 0;
	socklen_t len = sizeof(listening);

	/* Not a listening socket, or flags the kernel refuses: the call
	 * runs itself and fails as it would. */
	if (getsockopt(c->sock, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
	    !listening ||
	    (flags_of(req, call) & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)))
		return false;
	if (!c->nonblocking)
		return wait_aside(t, req, call, c);
	int conn = accept_for(c->sock, req, call);
	if (conn < 0)
		a->error = errno; /* EAGAIN: nothing to accept yet */
	else
		*a = accepted(t, req, call, c, conn);
	return false;
}
