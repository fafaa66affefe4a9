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
#include <unistd.h>

#include "cs_socket_reset.h"
#include "ctl/trap_supervisor.h"

/* A blocking accept, waiting for its connection. */
struct waiting {
	struct cs_trap *trap;
	struct seccomp_notif req;
	const struct cs_trap_call *call;
	struct cs_trap_caller caller; /* caller.sock: the listening socket */
	int64_t end; /* when the listening socket's SO_RCVTIMEO runs out */
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

static void *accept_when_ready(void *arg)
{
	struct waiting *w = arg;
	struct cs_trap_answer a = {0};

	/* Gone or stopping: nothing accepted, the call (if still there)
	 * runs itself. */
	switch (cs_trap_wait(w->trap, w->req.id, w->caller.sock, POLLIN, w->end)) {
	case CS_TRAP_READY: {
		int conn = accept_for(w->caller.sock, &w->req, w->call);
		if (conn >= 0)
			a = accepted(w->trap, &w->req, w->call, &w->caller, conn);
		else
			a.error = errno;
		break;
	}
	case CS_TRAP_DUE:
		a.error = EAGAIN;
		break;
	default:
		break;
	}
	close(w->caller.sock);
	w->caller.sock = -1;
	cs_trap_conclude(w->trap, &w->req, &w->caller, &a);
	cs_trap_spawned_end(w->trap);
	free(w);
	return NULL;
}

/* Starts a thread that waits for the blocking accept's connection, and
 * takes c's socket; false when none can be started. */
static bool wait_aside(struct cs_trap *t, const struct seccomp_notif *req,
		       const struct cs_trap_call *call, struct cs_trap_caller *c)
{
	struct waiting *w = malloc(sizeof(*w));

	if (!w)
		return false;
	*w = (struct waiting){.trap = t,
			      .req = *req,
			      .call = call,
			      .caller = *c,
			      .end = cs_trap_timeout_end(c->sock, SO_RCVTIMEO)};
	if (!cs_trap_spawn(t, accept_when_ready, w)) {
		free(w);
		return false;
	}
	c->sock = -1;
	return true;
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
