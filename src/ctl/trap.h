/* `run --trap`: programs the preload cannot see (static, Go) run under a
 * seccomp filter whose trapped system calls the CLI decides, with the
 * segment's rules, counters and event log (trap_filter.c, the child's
 * half; trap_supervisor.c, the CLI's). */
#ifndef CS_CTL_TRAP_H
#define CS_CTL_TRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cs_table.h"

/* A trapped system call: its number, the family its rules name, and where
 * its arguments are (the fd is always the first). */
struct cs_trap_call {
	long nr;
	enum cs_family family;
	const char *name;
	int8_t addr_arg;  /* the address it goes to (and its length next), or -1 */
	int8_t msg_arg;   /* a msghdr (a batch's first) whose msg_name is the
			   * address it goes to, or -1 */
	int8_t flags_arg; /* MSG_* flags, or -1 */
	bool batch; /* sendmmsg, recvmmsg: it moves the array of struct
		     * mmsghdr at args 1 (its length at 2) and returns how many
		     * messages it moved, each one's bytes in its msg_len */
};
extern const struct cs_trap_call cs_trap_calls[];
/* Each is a jump of the filter's (trap_filter.c): fewer than 256. */
#define CS_TRAP_CALLS 13

/* Two pipes between `run` and its child, made before the fork. */
struct cs_trap_handover {
	int ready[2]; /* the child's end closes once the filter is in */
	int go[2];    /* run's end closes once it holds the listener */
};
/* Returns 0, or -1 with errno. */
int cs_trap_handover_open(struct cs_trap_handover *h);
/* The child, just before execve: installs the filter and hands its
 * listener over. Returns 0, or -1 after saying why. */
int cs_trap_install(const struct cs_trap_handover *h);
/* `run`, after the fork: the listener (close-on-exec), or -1 when the
 * child ended without installing one. */
int cs_trap_receive(struct cs_trap_handover *h, pid_t child);

/* Why the supervisor cannot apply rule, with what it cannot apply ("fault
 * 'slice'", "calls 'clock'") in what; NULL when it can. */
const char *cs_trap_unreachable(const struct cs_rule *rule, char *what,
				size_t size);

struct cs_trap;
/* Starts supervising the calls trapped by listener (taken: closed by
 * cs_trap_stop) for the command pid, with the rules of segment, writing
 * the event log to log (NULL: the profile's `log`). NULL after saying why. */
struct cs_trap *cs_trap_start(int listener, const char *segment,
			      const char *log, pid_t pid);
/* Stops supervising (the command ended): calls still trapped fail with
 * ENOSYS from then on. Says on stderr what went wrong, if anything. */
void cs_trap_stop(struct cs_trap *trap);

#endif
