/* Inside the supervisor of `run --trap`: its state, what it knows of a
 * trapped call and what it answers, shared by trap_supervisor.c (receiving,
 * deciding, answering), trap_accept.c (the accept family, performed on the
 * supervisor's side) and trap_partition.c (dropped connections). */
#ifndef CS_CTL_TRAP_SUPERVISOR_H
#define CS_CTL_TRAP_SUPERVISOR_H

#include <linux/seccomp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cs_addr.h"
#include "cs_segment.h"
#include "cs_table.h"
#include "cs_verdict.h"
#include "ctl/trap.h"

/* Connections partitioned by a drop on a non-blocking socket. */
#define CS_TRAP_PARTITIONS 64
struct cs_trap_partition {
	uint64_t ino;    /* the socket's inode; 0: a free slot */
	uint64_t until;  /* CLOCK_MONOTONIC ns when calls time out, or never */
	uint64_t void_bytes; /* sent into the partition */
	uint64_t last_eagain; /* when a call was last told EAGAIN */
};

struct cs_trap {
	int listener;
	int stop[2]; /* closing stop[1] wakes every thread */
	pid_t pid;
	struct cs_seg_handle seg;
	pthread_t thread;
	_Atomic int delayed; /* answer and accept threads still running */
	pthread_mutex_t lock; /* guards the list of delayed calls */
	struct later *later;
	_Atomic int failure; /* errno of what ended supervision early */
	/* The validated copy of the table, and the event log: used by the
	 * supervisor thread and the threads of blocking accepts, one at a
	 * time (decide_lock). */
	pthread_mutex_t decide_lock;
	uint64_t generation;
	bool valid;
	struct cs_table table;
	uint64_t keys[CS_MAX_RULES];
	char log_override[CS_PATH_MAX];
	char log_path[CS_PATH_MAX];
	int log_fd;
	/* The supervisor thread's own. */
	struct cs_trap_partition partitions[CS_TRAP_PARTITIONS];
	unsigned next_partition;
};

/* A connection accepted on the supervisor's side, for the caller. */
struct cs_trap_handoff {
	int conn;          /* the supervisor's socket (closed once answered) */
	bool cloexec;      /* the new fd is close-on-exec */
	uint64_t addr;     /* where the caller wants the peer's address, or 0 */
	uint64_t addr_len; /* and its length (a socklen_t in, then out) */
};

/* What a trapped call is answered: CONTINUE, unless error or done. */
struct cs_trap_answer {
	int error;         /* fail the call with it (0: none) */
	bool done;         /* the call is not made: it returns value */
	int64_t value;
	uint64_t delay_ns; /* answer that late */
	int signal;        /* raised in the calling thread */
	bool hand_over;    /* the call returns handoff's connection as a new fd */
	struct cs_trap_handoff handoff;
};

/* What the supervisor knows of the calling thread and its socket. */
struct cs_trap_caller {
	pid_t tid, tgid; /* tgid: 0 until needed */
	int fd;
	int sock; /* this process's copy of fd, or -1 */
	uint64_t ino; /* the socket's inode */
	uint8_t proto; /* CS_PROTO_TCP, CS_PROTO_UDP or CS_PROTO_ANY */
	bool is_socket, nonblocking;
	bool stream; /* SOCK_STREAM */
	struct cs_sockaddr peer, local;
};

/* From trap_supervisor.c. */
int64_t cs_trap_now_ns(void);
/* A copy of the caller's fd in this process, or -1. */
int cs_trap_take_fd(struct cs_trap_caller *c);
/* Fills c's socket fields from sock (is_socket false: not a socket). */
void cs_trap_describe_socket(int sock, struct cs_trap_caller *c);
/* The rules' action on the call of family (as name); true when any rule
 * injected. Takes decide_lock; false when the segment holds nothing
 * usable now. */
bool cs_trap_decide(struct cs_trap *t, const struct cs_trap_call *call,
		    struct cs_trap_caller *c, struct cs_action *action);
/* Answers the call req with a, now or at its delay, in the calling
 * thread's process (a's signal too). */
void cs_trap_conclude(struct cs_trap *t, const struct seccomp_notif *req,
		      struct cs_trap_caller *c, struct cs_trap_answer *a);
/* Answers at once (a's connection handed over, or reset if it cannot). */
void cs_trap_respond(int listener, uint64_t id, struct cs_trap_answer *a,
		     pid_t tid);
/* Reads len bytes at addr in the memory of the calling thread tid. */
bool cs_trap_read_caller(pid_t tid, uint64_t addr, void *buf, size_t len);
/* Writes len bytes of buf at addr there (true when len is 0). */
bool cs_trap_write_caller(pid_t tid, uint64_t addr, const void *buf,
			  size_t len);

/* Runs run(arg) in a thread of its own, which calls cs_trap_spawned_end
 * last; false when none can be started. */
bool cs_trap_spawn(struct cs_trap *t, void *(*run)(void *), void *arg);
void cs_trap_spawned_end(struct cs_trap *t);
/* What a thread of the supervisor waited for, in cs_trap_wait. */
enum cs_trap_wait {
	CS_TRAP_READY,    /* sock has events */
	CS_TRAP_DUE,      /* end came first */
	CS_TRAP_GONE,     /* the call id went away (a signal) */
	CS_TRAP_STOPPING, /* `run` stops supervising */
};
/* Waits until sock (-1: none) has one of events, or until end
 * (CLOCK_MONOTONIC ns), while the call id still waits. */
enum cs_trap_wait cs_trap_wait(struct cs_trap *t, uint64_t id, int sock,
			       short events, int64_t end);
/* When a blocking call on sock gives up by the socket's own timeout
 * option (SO_RCVTIMEO, SO_SNDTIMEO) if it starts now; INT64_MAX: never. */
int64_t cs_trap_timeout_end(int sock, int option);

/* From trap_accept.c: decides an accept call on a listening socket
 * (c->sock, c->fd). True when req is answered already or a thread of its
 * own will; else *a is its answer. */
bool cs_trap_accept(struct cs_trap *t, const struct seccomp_notif *req,
		    const struct cs_trap_call *call, struct cs_trap_caller *c,
		    struct cs_trap_answer *a);

/* From trap_slice.c: makes the send or receive req on c->sock with at
 * most max_bytes, after a's delay. True when a thread of its own will
 * answer it; else *a is its answer. */
bool cs_trap_slice(struct cs_trap *t, const struct seccomp_notif *req,
		   const struct cs_trap_call *call, struct cs_trap_caller *c,
		   uint32_t max_bytes, struct cs_trap_answer *a);

/* From trap_batch.c: the bytes of the cnt iovecs at addr in the memory
 * of tid (those it can read, up to the kernel's 1024). */
uint64_t cs_trap_iov_bytes(pid_t tid, uint64_t addr, uint64_t cnt);
/* Answers the sendmmsg req in *a as if every message of its batch (up to
 * the kernel's 1024) was sent whole: each msg_len set to its message's
 * bytes, the count of messages; EFAULT when the batch cannot be read or
 * written. Returns the bytes of the messages it saw. */
uint64_t cs_trap_batch_sent(const struct seccomp_notif *req, pid_t tid,
			    struct cs_trap_answer *a);

/* From trap_partition.c: whether c's connection is partitioned, and then
 * the call's answer in *a; call with the supervisor thread only. */
bool cs_trap_partitioned(struct cs_trap *t, const struct seccomp_notif *req,
			 const struct cs_trap_call *call,
			 const struct cs_trap_caller *c,
			 struct cs_trap_answer *a);
/* Partitions c's connection (a drop on a non-blocking TCP socket) until it
 * is closed; calls on it time out hang_ms later (0: never). */
void cs_trap_partition(struct cs_trap *t, const struct cs_trap_caller *c,
		       uint32_t hang_ms);
/* Ends every partition (no socket family is armed any more). */
void cs_trap_heal(struct cs_trap *t);

#endif
