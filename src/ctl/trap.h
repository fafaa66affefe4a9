/* `run --trap`: programs the preload cannot see (static, Go) run under a
 * seccomp filter whose trapped system calls the CLI decides, with the
 * segment's rules, counters and event log (trap_filter.c, the child's
 * half; trap_supervisor.c, the CLI's). */
#ifndef CS_CTL_TRAP_H
#define CS_CTL_TRAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "cs_table.h"

/* A trapped system call: its number and the family its rules name. */
struct cs_trap_call {
	long nr;
	enum cs_family family;
	const char *name;
};
extern const struct cs_trap_call cs_trap_calls[];
#define CS_TRAP_CALLS 1

/* The child, just before execve: installs the filter and sends its
 * listener over sock, then closes both. Returns 0, or -1 after saying why. */
int cs_trap_install(int sock);
/* `run`: the listener the child sent over sock (close-on-exec), or -1 when
 * the child ended without sending one. */
int cs_trap_receive(int sock);

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
