/* The CLI's half of `run --trap`: one thread receives every trapped system
 * call of the command's process tree, decides it with the segment's rules
 * and shared counters (cs_verdict.h, as the shim does), logs what it
 * injects, and answers: CONTINUE (the call runs as it is), an error, a
 * result (a connection handed in, the count of a call it made itself), or
 * any of these later, from a thread of its own per delayed or waiting
 * call so that one such call never holds the others. The accept family,
 * slices and partitions are in trap_accept.c, trap_slice.c and
 * trap_partition.c. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cs_decide.h"
#include "cs_deadline.h"
#include "cs_event_line.h"
#include "cs_schedule.h"
#include "cs_socket_reset.h"
#include "cs_verdict.h"
#include "ctl/ctl.h"
#include "ctl/trap.h"
#include "ctl/trap_supervisor.h"

int64_t cs_trap_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the caller's memory */

static bool move_caller(pid_t tid, uint64_t addr, void *buf, size_t len,
			bool writing)
{
	struct iovec local = {.iov_base = buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr,
			       .iov_len = len};
	ssize_t n = writing ? process_vm_writev(tid, &local, 1, &remote, 1, 0)
			    : process_vm_readv(tid, &local, 1, &remote, 1, 0);
	return n == (ssize_t)len;
}

bool cs_trap_read_caller(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	return move_caller(tid, addr, buf, len, false);
}

bool cs_trap_write_caller(pid_t tid, uint64_t addr, const void *buf,
			  size_t len)
{
	return !len || move_caller(tid, addr, (void *)buf, len, true);
}

/* Gives the caller the connection accepted for it: the peer's address
 * where it asked for it, then the new fd as the call's result
 * (SECCOMP_ADDFD_FLAG_SEND, Linux 5.14; before it, the fd then the
 * result). False when the caller cannot get it (it went away). */
static bool hand_over(int listener, uint64_t id, struct cs_trap_answer *a,
		      pid_t tid)
{
	const struct cs_trap_handoff *h = &a->handoff;
	struct seccomp_notif_addfd addfd = {
		.id = id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)h->conn,
		.newfd_flags = h->cloexec ? O_CLOEXEC : 0};

	if (h->addr && h->addr_len) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss), room;
		if (getpeername(h->conn, (struct sockaddr *)&ss, &len) < 0)
			len = 0;
		if (!cs_trap_read_caller(tid, h->addr_len, &room, sizeof(room)) ||
		    !cs_trap_write_caller(tid, h->addr, &ss, room < len ? room : len) ||
		    !cs_trap_write_caller(tid, h->addr_len, &len, sizeof(len))) {
			/* As the kernel's accept: the connection is lost. */
			a->hand_over = false;
			a->error = EFAULT;
			return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
		}
	}
	int fd = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	if (fd < 0 && errno == EINVAL) {
		addfd.flags = 0;
		fd = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
		if (fd >= 0) {
			struct seccomp_notif_resp resp = {.id = id, .val = fd};
			return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0;
		}
	}
	if (fd >= 0)
		return true;
	/* No room in the caller (EMFILE at its RLIMIT_NOFILE): the call
	 * fails with that errno, as the kernel's accept, and the connection
	 * is lost; unanswered, the call would wait for ever. */
	a->hand_over = false;
	a->error = errno;
	return errno != ENOENT &&
	       ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

void cs_trap_respond(int listener, uint64_t id, struct cs_trap_answer *a,
		     pid_t tid)
{
	struct seccomp_notif_resp resp = {.id = id};

	if (a->hand_over) {
		int conn = a->handoff.conn;
		bool given = hand_over(listener, id, a, tid);
		if (!given) /* nobody will read it: the client sees a reset */
			cs_socket_reset(conn, true);
		close(conn);
		if (a->hand_over || !given)
			return;
	}
	if (a->error)
		resp.error = -a->error;
	else if (a->done)
		resp.val = a->value;
	else
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	/* ENOENT: the call went away (a signal, the thread's death). */
	while (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 &&
	       errno == EINTR)
		;
}

/* ---- answers given later */

struct later {
	struct cs_trap *trap;
	uint64_t id;
	struct cs_trap_answer answer;
	uint64_t due; /* CLOCK_MONOTONIC ns */
	pid_t tgid, tid;
	struct seccomp_data call; /* what was called, to know it again */
	struct later *next, **prev;
};

static void raise_in(pid_t tgid, pid_t tid, int sig)
{
	if (sig)
		syscall(SYS_tgkill, tgid, tid, sig);
}

static void unlist(struct later *l)
{
	pthread_mutex_lock(&l->trap->lock);
	if (l->next)
		l->next->prev = l->prev;
	*l->prev = l->next;
	pthread_mutex_unlock(&l->trap->lock);
}

/* Waits until due, or until nobody can be answered any more (the process
 * tree is gone, or `run` stops), then answers. */
static void *answer_later(void *arg)
{
	struct later *l = arg;
	struct pollfd p[2] = {{.fd = l->trap->listener, .events = 0},
			      {.fd = l->trap->stop[0], .events = POLLIN}};

	for (;;) {
		int64_t left = (int64_t)l->due - cs_trap_now_ns();
		if (left <= 0)
			break;
		struct timespec ts = {left / 1000000000, left % 1000000000};
		if (ppoll(p, 2, &ts, NULL) > 0)
			break;
	}
	/* Out of the list first: once answered, the same call made again is
	 * a new one, not this one resumed. */
	unlist(l);
	cs_trap_respond(l->trap->listener, l->id, &l->answer, l->tid);
	raise_in(l->tgid, l->tid, l->answer.signal);
	cs_trap_spawned_end(l->trap);
	free(l);
	return NULL;
}

/* A signal handled with SA_RESTART interrupts a delayed call, and the
 * kernel makes it again after the handler: the same thread, call and
 * arguments, under a new id while the old one is gone. It is the same
 * call still on its way: it keeps its answer and its due time, and is not
 * matched and counted again. Returns whether req is one. */
static bool resumed(struct cs_trap *t, const struct seccomp_notif *req,
		    struct later *out)
{
	bool found = false;

	pthread_mutex_lock(&t->lock);
	for (struct later *l = t->later; l && !found; l = l->next) {
		found = l->tid == (pid_t)req->pid &&
			memcmp(&l->call, &req->data, sizeof(req->data)) == 0 &&
			ioctl(t->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &l->id) < 0;
		if (found) {
			*out = *l;
			l->call.nr = -1; /* taken over, with its connection */
			l->answer.hand_over = false;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

/* Starts a thread that answers the call req at due; false when none can
 * be started (the caller answers at once). */
static bool defer(struct cs_trap *trap, const struct seccomp_notif *req,
		  const struct cs_trap_caller *c, const struct cs_trap_answer *a, uint64_t due)
{
	struct later *l = malloc(sizeof(*l));

	if (!l)
		return false;
	*l = (struct later){.trap = trap,
			    .id = req->id,
			    .answer = *a,
			    .due = due,
			    .tgid = c->tgid,
			    .tid = c->tid,
			    .call = req->data};
	pthread_mutex_lock(&trap->lock);
	l->next = trap->later;
	l->prev = &trap->later;
	if (l->next)
		l->next->prev = &l->next;
	trap->later = l;
	pthread_mutex_unlock(&trap->lock);
	if (cs_trap_spawn(trap, answer_later, l))
		return true;
	unlist(l);
	free(l);
	return false;
}

bool cs_trap_spawn(struct cs_trap *t, void *(*run)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t thread;

	__atomic_fetch_add(&t->delayed, 1, __ATOMIC_ACQUIRE);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Room for deciding there (an accept's, a slice's: the executable's
	 * path, an event line), under the sanitizers too. */
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int rc = pthread_create(&thread, &attr, run, arg);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		__atomic_fetch_sub(&t->delayed, 1, __ATOMIC_RELEASE);
	return rc == 0;
}

void cs_trap_spawned_end(struct cs_trap *t)
{
	__atomic_fetch_sub(&t->delayed, 1, __ATOMIC_RELEASE);
}

/* How often a waiting thread makes sure its call still waits. */
#define STILL_WAITING_NS 100000000

enum cs_trap_wait cs_trap_wait(struct cs_trap *t, uint64_t id, int sock,
			       short events, int64_t end)
{
	struct pollfd p[2] = {{.fd = sock, .events = events},
			      {.fd = t->stop[0], .events = POLLIN}};

	for (;;) {
		if (ioctl(t->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
			return CS_TRAP_GONE;
		int64_t left = end - cs_trap_now_ns();
		if (left <= 0)
			return CS_TRAP_DUE;
		if (left > STILL_WAITING_NS)
			left = STILL_WAITING_NS;
		struct timespec ts = {0, left};
		int n = ppoll(p, 2, &ts, NULL);
		if (n > 0 && p[1].revents)
			return CS_TRAP_STOPPING;
		if (n > 0 && p[0].revents)
			return CS_TRAP_READY;
	}
}

int64_t cs_trap_timeout_end(int sock, int option)
{
	struct timeval tv = {0};
	socklen_t len = sizeof(tv);

	if (getsockopt(sock, SOL_SOCKET, option, &tv, &len) < 0 ||
	    (!tv.tv_sec && !tv.tv_usec))
		return INT64_MAX;
	return cs_trap_now_ns() + (int64_t)tv.tv_sec * 1000000000 +
	       (int64_t)tv.tv_usec * 1000;
}

/* ---- the calling process */

/* The number after "key:" in /proc/PID/status, or -1 (base 10 or 16). */
static long long status_field(pid_t pid, const char *key, int base)
{
	char path[64], line[256];
	size_t len = strlen(key);
	long long value = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, len) == 0 && line[len] == ':') {
			value = strtoll(line + len + 1, NULL, base);
			break;
		}
	fclose(f);
	return value;
}

/* The calling thread's process, read once it is needed. */
static pid_t tgid_of(struct cs_trap_caller *c)
{
	if (!c->tgid)
		c->tgid = (pid_t)status_field(c->tid, "Tgid", 10);
	return c->tgid;
}

/* Whether the process has a handler for sig. */
static bool catches(pid_t tgid, int sig)
{
	long long caught = status_field(tgid, "SigCgt", 16);
	return caught > 0 && ((unsigned long long)caught >> (sig - 1) & 1);
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* A copy of the caller's fd in this process, or -1: through a pidfd of
 * the thread (Linux 6.9), else of its process. */
int cs_trap_take_fd(struct cs_trap_caller *c)
{
	int pidfd = (int)syscall(SYS_pidfd_open, c->tid, PIDFD_THREAD);
	if (pidfd < 0 && tgid_of(c) > 0)
		pidfd = (int)syscall(SYS_pidfd_open, c->tgid, 0);
	if (pidfd < 0)
		return -1;
	int copy = (int)syscall(SYS_pidfd_getfd, pidfd, c->fd, 0);
	close(pidfd);
	return copy;
}

void cs_trap_describe_socket(int sock, struct cs_trap_caller *c)
{
	int domain = 0, type = 0;
	socklen_t len = sizeof(int);
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct stat st;

	c->is_socket = getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
	c->ino = fstat(sock, &st) == 0 ? (uint64_t)st.st_ino : 0;
	c->stream = type == SOCK_STREAM;
	len = sizeof(int);
	if (!c->is_socket ||
	    getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return;
	if (domain == AF_INET || domain == AF_INET6)
		c->proto = type == SOCK_STREAM  ? CS_PROTO_TCP
			   : type == SOCK_DGRAM ? CS_PROTO_UDP
						: CS_PROTO_ANY;
	if (getsockname(sock, (struct sockaddr *)&ss, &sslen) == 0)
		cs_sockaddr_from((struct sockaddr *)&ss, sslen, &c->local);
}

/* Where the call sends to, as the program gives it: its address argument,
 * or the msg_name of its message (a batch's first), and its length; 0
 * when it gives none. False when the caller's memory cannot be read. */
static bool address_of(const struct seccomp_notif *req,
		       const struct cs_trap_call *call, pid_t tid,
		       uint64_t *addr, uint64_t *len)
{
	struct msghdr msg;

	*addr = *len = 0;
	if (call->addr_arg >= 0) {
		*addr = req->data.args[call->addr_arg];
		*len = req->data.args[call->addr_arg + 1];
	} else if (call->msg_arg >= 0) {
		if (!cs_trap_read_caller(tid, req->data.args[call->msg_arg],
					 &msg, sizeof(msg)))
			return false;
		*addr = (uint64_t)(uintptr_t)msg.msg_name;
		*len = msg.msg_namelen;
	}
	return true;
}

/* The socket the call is on, its ends and its blocking mode. False when
 * it is not about a socket (a file's read or write) or cannot be known:
 * it passes untouched. */
static bool know_call(const struct seccomp_notif *req,
		      const struct cs_trap_call *call, struct cs_trap_caller *c)
{
	c->sock = cs_trap_take_fd(c);
	if (c->sock < 0)
		return false;
	cs_trap_describe_socket(c->sock, c);
	uint64_t addr, len;
	if (!c->is_socket || !address_of(req, call, c->tid, &addr, &len))
		return false;
	struct sockaddr_storage ss;
	if (!addr || len > sizeof(ss))
		len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (addr && len && !cs_trap_read_caller(c->tid, addr, &ss, len))
		return false;
	socklen_t sslen = (socklen_t)len;
	if (addr || getpeername(c->sock, (struct sockaddr *)&ss, &sslen) == 0)
		cs_sockaddr_from((struct sockaddr *)&ss, sslen, &c->peer);
	int fl = fcntl(c->sock, F_GETFL);
	c->nonblocking = (fl >= 0 && (fl & O_NONBLOCK)) ||
			 (call->flags_arg >= 0 &&
			  (req->data.args[call->flags_arg] & MSG_DONTWAIT));
	return true;
}

/* ---- deciding */

/* Brings the copy of the table up to the segment's state; false when the
 * segment holds nothing usable now. */
static bool refresh(struct cs_trap *t)
{
	uint64_t generation =
		__atomic_load_n(&t->seg.seg->hdr.generation, __ATOMIC_ACQUIRE);
	char err[256];

	if (t->valid && generation == t->generation)
		return true;
	t->valid = false;
	if (cs_segment_snapshot(t->seg.seg, &t->table, &t->generation) < 0)
		return false; /* torn by a writer: the next call tries again */
	if (cs_table_validate(&t->table, err, sizeof(err)) < 0)
		return false;
	for (uint32_t i = 0; i < t->table.nrules; i++)
		t->keys[i] = cs_rule_key(t->table.rules[i].name);
	t->valid = true;
	return true;
}

/* Opens the log the profile or --log names, when it changed. */
static void update_log(struct cs_trap *t)
{
	const char *path = t->log_override[0] ? t->log_override
					      : t->table.log_path;

	if (strcmp(path, t->log_path) == 0)
		return;
	if (t->log_fd >= 0)
		close(t->log_fd);
	t->log_fd = -1;
	snprintf(t->log_path, sizeof(t->log_path), "%s", path);
	if (!path[0])
		return;
	t->log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
				       O_NOFOLLOW | O_NOCTTY,
			 0600);
	if (t->log_fd < 0)
		cs_ctl_error("cannot open the event log '%s': %s", path,
			     strerror(errno));
}

static void log_event(struct cs_trap *t, const struct cs_trap_call *call,
		      struct cs_trap_caller *c, const struct cs_rule *rule,
		      uint64_t delay_ns)
{
	struct cs_event ev = {.pid = tgid_of(c),
			      .tid = c->tid,
			      .rule = rule,
			      .call = call->name,
			      .fd = c->fd,
			      .peer = &c->peer,
			      .local = &c->local,
			      .family = call->family,
			      .delay_ns = delay_ns};
	char buf[CS_EVENT_LINE_MAX];

	if (t->log_fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ev.ts);
	size_t len = cs_event_line(&ev, buf, sizeof(buf));
	if (write(t->log_fd, buf, len) != (ssize_t)len)
		__atomic_fetch_add(&t->seg.seg->hdr.log_lost, 1,
				   __ATOMIC_RELAXED);
}

/* The rules' action on the call; true when any injected. */
static bool run_rules(struct cs_trap *t, const struct cs_trap_call *call,
		      struct cs_trap_caller *c, struct cs_action *action)
{
	struct cs_match m = {.family = call->family,
			     .proto = c->proto,
			     .peer = &c->peer,
			     .local = &c->local};
	char exe[PATH_MAX] = "";
	bool any = false;
	int64_t now = cs_trap_now_ns(); /* CLOCK_MONOTONIC, the windows' clock */

	cs_action_clear(action);
	for (uint32_t i = 0; i < t->table.nrules; i++) {
		const struct cs_rule *rule = &t->table.rules[i];
		uint64_t n, delay_ns;
		if (!cs_rule_matches(rule, &m) || !cs_rule_in_window(rule, now))
			continue;
		if (rule->process[0]) {
			char link[64];
			snprintf(link, sizeof(link), "/proc/%d/exe", (int)tgid_of(c));
			ssize_t len = exe[0] ? 0 : readlink(link, exe, sizeof(exe) - 1);
			if (len > 0)
				exe[len] = 0;
			if (!cs_process_matches(rule, NULL, exe[0] ? exe : NULL))
				continue;
		}
		if (!cs_rule_injects(rule, t->table.seed, t->keys[i],
				     &t->seg.seg->counters[i], &n))
			continue;
		any = true;
		bool last = cs_action_add(rule, t->table.seed, t->keys[i], n,
					  c->proto != CS_PROTO_UDP, 0, action,
					  &delay_ns);
		log_event(t, call, c, rule, delay_ns);
		if (last)
			break;
	}
	return any;
}

bool cs_trap_decide(struct cs_trap *t, const struct cs_trap_call *call,
		    struct cs_trap_caller *c, struct cs_action *action)
{
	bool any = false;

	pthread_mutex_lock(&t->decide_lock);
	if (refresh(t)) {
		update_log(t);
		any = run_rules(t, call, c, action);
	}
	pthread_mutex_unlock(&t->decide_lock);
	return any;
}

/* What the call is answered, as the shim would behave, as far as one
 * answer can: a delay is spent in the call, and a TCP drop is a hang that
 * times out on a blocking socket (and connect), a partition on a
 * non-blocking one. */
static struct cs_trap_answer answer_of(struct cs_trap *t,
				       const struct cs_trap_call *call,
				       const struct cs_action *action,
				       const struct seccomp_notif *req,
				       const struct cs_trap_caller *c)
{
	bool connecting = call->family == CS_FAM_CONNECT;
	struct cs_trap_answer a = {.delay_ns = action->delay_ns};

	switch (action->terminal) {
	case CS_FAULT_RESET:
		if (!connecting)
			cs_socket_reset(c->sock, c->proto == CS_PROTO_TCP);
		a.error = connecting ? ECONNREFUSED : ECONNRESET;
		a.delay_ns = 0;
		break;
	case CS_FAULT_ERROR:
		a.error = action->error;
		a.delay_ns = 0;
		break;
	case CS_FAULT_KILL:
		a.signal = action->signal;
		break;
	case CS_FAULT_DROP:
		if (c->proto == CS_PROTO_UDP && call->family == CS_FAM_SEND &&
		    call->batch) {
			/* A batch of datagrams lost on the way: sent whole. */
			cs_trap_batch_sent(req, c->tid, &a);
			a.delay_ns = action->delay_ns;
		} else if (c->proto == CS_PROTO_UDP) {
			/* A datagram sent by sendto or write is lost on the
			 * way: it seems sent. */
			a.done = call->family == CS_FAM_SEND &&
				 call->msg_arg < 0 && call->nr != SYS_writev;
			a.value = (int64_t)req->data.args[2];
		} else if (connecting || !c->nonblocking) {
			a.error = ETIMEDOUT;
			a.delay_ns = (action->hang_ms ? action->hang_ms : 30000u) *
				     1000000ull;
		} else {
			cs_trap_partition(t, c, action->hang_ms);
			cs_trap_partitioned(t, req, call, c, &a);
		}
		break;
	default:
		break;
	}
	return a;
}

static const struct cs_trap_call *call_of(int nr)
{
	for (size_t i = 0; i < CS_TRAP_CALLS; i++)
		if (cs_trap_calls[i].nr == nr)
			return &cs_trap_calls[i];
	return NULL;
}

/* Decides one received call: false when its answer is given elsewhere
 * (a thread waiting for a connection), else its answer in *a. */
static bool decide(struct cs_trap *t, const struct seccomp_notif *req,
		   struct cs_trap_caller *c, struct cs_trap_answer *a)
{
	const struct cs_trap_call *call = call_of(req->data.nr);
	struct cs_action action;
	struct cs_seg_state state;

	memset(a, 0, sizeof(*a));
	cs_segment_state(t->seg.seg, &state);
	if (!(state.armed & CS_SOCKET_FAMILIES) && t->next_partition)
		cs_trap_heal(t); /* as the preload lets its holds go */
	if (!call || !(state.armed & CS_BIT(call->family)) ||
	    (call->batch && !req->data.args[2]) || /* no message: as the preload */
	    !know_call(req, call, c) ||
	    /* What was read belongs to this very call, still waiting. */
	    ioctl(t->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return true;
	if (call->family == CS_FAM_ACCEPT)
		return !cs_trap_accept(t, req, call, c, a);
	if (cs_trap_partitioned(t, req, call, c, a) ||
	    !cs_trap_decide(t, call, c, &action))
		return true;
	*a = answer_of(t, call, &action, req, c);
	/* A slice on a datagram socket passes: the datagram's address would
	 * not reach the program. */
	if (action.max_bytes && action.terminal < 0 && c->stream)
		return !cs_trap_slice(t, req, call, c, action.max_bytes, a);
	return true;
}

void cs_trap_conclude(struct cs_trap *t, const struct seccomp_notif *req,
		      struct cs_trap_caller *c, struct cs_trap_answer *a)
{
	/* A signal raised while the call waits ends the program before the
	 * call returns, as the preload's does, unless it is handled: the
	 * call would then be interrupted and made again, and counted twice,
	 * so a handled one comes once the call is answered. */
	if (a->signal && tgid_of(c) > 0 && !catches(c->tgid, a->signal)) {
		raise_in(c->tgid, c->tid, a->signal);
		a->signal = 0;
	}
	if (a->delay_ns &&
	    defer(t, req, c, a,
		  cs_deadline_add((uint64_t)cs_trap_now_ns(), a->delay_ns)))
		return;
	cs_trap_respond(t->listener, req->id, a, c->tid);
	if (a->signal && c->tgid > 0)
		raise_in(c->tgid, c->tid, a->signal);
}

static void handle(struct cs_trap *t)
{
	struct seccomp_notif req;

	memset(&req, 0, sizeof(req));
	if (ioctl(t->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
		if (errno != ENOENT && errno != EINTR)
			__atomic_store_n(&t->failure, errno, __ATOMIC_RELAXED);
		return; /* ENOENT: the caller went away meanwhile */
	}
	struct cs_trap_caller c = {.tid = (pid_t)req.pid,
				   .fd = (int)req.data.args[0],
				   .sock = -1};
	struct later before;
	if (resumed(t, &req, &before)) {
		c.tgid = before.tgid;
		if (!defer(t, &req, &c, &before.answer, before.due))
			cs_trap_respond(t->listener, req.id, &before.answer, c.tid);
		return;
	}
	struct cs_trap_answer a;
	bool mine = decide(t, &req, &c, &a);
	if (c.sock >= 0)
		close(c.sock);
	if (mine)
		cs_trap_conclude(t, &req, &c, &a);
}

static void *supervise(void *arg)
{
	struct cs_trap *t = arg;
	struct pollfd p[2] = {{.fd = t->listener, .events = POLLIN},
			      {.fd = t->stop[0], .events = POLLIN}};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			__atomic_store_n(&t->failure, errno, __ATOMIC_RELAXED);
			break;
		}
		if (p[1].revents)
			break; /* run stops */
		if (p[0].revents & POLLIN)
			handle(t);
		else if (p[0].revents)
			break; /* no process holds the filter any more */
		if (__atomic_load_n(&t->failure, __ATOMIC_RELAXED))
			break;
	}
	return NULL;
}

struct cs_trap *cs_trap_start(int listener, const char *segment,
			      const char *log, pid_t pid)
{
	struct cs_trap *t = calloc(1, sizeof(*t));
	char err[512];
	sigset_t all, old;

	if (!t) {
		cs_ctl_error("out of memory");
		close(listener);
		return NULL;
	}
	t->listener = listener;
	t->pid = pid;
	pthread_mutex_init(&t->lock, NULL);
	pthread_mutex_init(&t->decide_lock, NULL);
	t->log_fd = -1;
	if (log && snprintf(t->log_override, sizeof(t->log_override), "%s",
			    log) >= (int)sizeof(t->log_override)) {
		cs_ctl_error("event log path '%s' is too long", log);
		goto fail;
	}
	if (pipe2(t->stop, O_CLOEXEC) < 0) {
		cs_ctl_error("cannot supervise: %s", strerror(errno));
		goto fail;
	}
	if (cs_segment_open_as(cs_ctl_owner(), segment, CS_SEG_EXISTING,
			       &t->seg, NULL, err, sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		goto fail_pipe;
	}
	cs_segment_register_pid(t->seg.seg, pid);
	/* Signals are for run's main thread, which passes them on. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&t->thread, NULL, supervise, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		return t;
	cs_ctl_error("cannot start the supervisor: %s", strerror(rc));
	cs_segment_close(&t->seg);
fail_pipe:
	close(t->stop[0]);
	close(t->stop[1]);
fail:
	close(listener);
	free(t);
	return NULL;
}

void cs_trap_stop(struct cs_trap *t)
{
	if (!t)
		return;
	close(t->stop[1]);
	pthread_join(t->thread, NULL);
	/* Each answers at once now; one still inside a blocking accept
	 * (another thread of the program took its connection first) is
	 * left with what it uses to the end of `run`. */
	for (int i = 0; i < 2000 && __atomic_load_n(&t->delayed, __ATOMIC_ACQUIRE); i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	int failure = __atomic_load_n(&t->failure, __ATOMIC_RELAXED);
	if (failure)
		cs_ctl_error("the seccomp supervisor stopped early (%s): the "
			     "program's trapped calls failed with ENOSYS from then on",
			     strerror(failure));
	cs_segment_unregister_pid(t->seg.seg, t->pid);
	if (__atomic_load_n(&t->delayed, __ATOMIC_ACQUIRE))
		return;
	cs_segment_close(&t->seg);
	if (t->log_fd >= 0)
		close(t->log_fd);
	close(t->stop[0]);
	close(t->listener);
	pthread_mutex_destroy(&t->lock);
	pthread_mutex_destroy(&t->decide_lock);
	free(t);
}
