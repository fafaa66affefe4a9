/* The child's half of `run --trap`: just before execve, it forbids itself
 * new privileges and installs a seccomp filter that hands the network
 * system calls to a supervisor (SECCOMP_RET_USER_NOTIF), then hands the
 * filter's listener over to `run`. The program and every
 * process it starts inherit the filter; none of them holds the listener. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "ctl/trap.h"

#if defined(__x86_64__)
#define TRAP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TRAP_ARCH AUDIT_ARCH_AARCH64
#else
#error "run --trap knows the system call numbers of x86_64 and aarch64 only"
#endif

_Static_assert(CS_TRAP_CALLS < 256,
	       "a conditional jump of the filter skips 255 instructions at most");

/* Every trapped call returns SECCOMP_RET_USER_NOTIF; the rest, and calls
 * of another architecture (32-bit calls on a 64-bit kernel), are allowed. */
static int install_filter(void)
{
	struct sock_filter code[4 + CS_TRAP_CALLS + 2];
	size_t n = 0;

	code[n++] = (struct sock_filter)BPF_STMT(
		BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						 TRAP_ARCH, 1, 0);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						 SECCOMP_RET_ALLOW);
	code[n++] = (struct sock_filter)BPF_STMT(
		BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < CS_TRAP_CALLS; i++)
		code[n++] = (struct sock_filter)BPF_JUMP(
			BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)cs_trap_calls[i].nr,
			(uint8_t)(CS_TRAP_CALLS - i), 0);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						 SECCOMP_RET_ALLOW);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						 SECCOMP_RET_USER_NOTIF);
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = code};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

int cs_trap_handover_open(struct cs_trap_handover *h)
{
	if (pipe2(h->ready, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(h->go, O_CLOEXEC) == 0)
		return 0;
	close(h->ready[0]);
	close(h->ready[1]);
	return -1;
}

/* The listener cannot be sent: sendmsg, write and read are trapped once
 * the filter is in, and nobody would answer them yet. It is put in place
 * of the ready pipe's write end, whose closing tells `run` to take it with
 * pidfd_getfd; the child then waits (ppoll is not trapped) until `run`
 * closes the go pipe, and executes the command without it. */
int cs_trap_install(const struct cs_trap_handover *h)
{
	struct pollfd go = {.fd = h->go[0], .events = POLLIN};

	close(h->ready[0]);
	close(h->go[1]);
	int listener = install_filter();
	if (listener < 0) {
		cs_ctl_error("cannot install the seccomp filter: %s",
			     strerror(errno));
		return -1;
	}
	if (dup3(listener, h->ready[1], O_CLOEXEC) < 0) {
		close(listener); /* first: trapped calls now fail, never hang */
		cs_ctl_error("cannot hand the seccomp listener over: %s",
			     strerror(errno));
		return -1;
	}
	close(listener);
	while (ppoll(&go, 1, NULL, NULL) < 0 && errno == EINTR)
		;
	close(h->ready[1]);
	close(h->go[0]);
	return 0;
}

int cs_trap_receive(struct cs_trap_handover *h, pid_t child)
{
	struct pollfd ready = {.fd = h->ready[0], .events = POLLIN};
	int listener = -1;

	close(h->ready[1]);
	close(h->go[0]);
	while (poll(&ready, 1, -1) < 0 && errno == EINTR)
		;
	int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (pidfd >= 0) {
		listener = (int)syscall(SYS_pidfd_getfd, pidfd, h->ready[1], 0);
		close(pidfd);
	}
	close(h->ready[0]);
	close(h->go[1]); /* the child goes on */
	return listener;
}
