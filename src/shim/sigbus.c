/* A guard against a segment file that is truncated under the program: the
 * mapping would then raise SIGBUS on the next read. The handler replaces
 * the segment's pages with zeros (an armed mask of zero: passthrough),
 * says so once, and lets the read run again.
 *
 * The guard stays first: sigaction and signal are interposed, so a program
 * that sets its own SIGBUS disposition afterwards (a handler, SIG_DFL or
 * SIG_IGN) only changes what the guard forwards to, and reads back what it
 * set. Every SIGBUS that is not the segment's goes to the program's
 * disposition: its handler with its mask and flags, or the default action
 * (the process dies of SIGBUS, exit status 135). */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

static struct sigaction program; /* what the program asked for */
static int guarding;
static char *guarded;
static size_t guarded_len;

/* The default action, now: the handler is reset and the signal sent again
 * to this thread, unblocked, so the process dies as it would have. */
static void die_of(int sig)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t set;
	cs_real_sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

static void forward(int sig, siginfo_t *info, void *context)
{
	struct sigaction p = program;
	/* A fault the kernel raised cannot be ignored: the access would only
	 * fault again (the kernel kills such a process too). */
	bool fault = info && info->si_code > 0;
	if (p.sa_handler == SIG_DFL || (p.sa_handler == SIG_IGN && fault)) {
		die_of(sig);
		return;
	}
	if (p.sa_handler == SIG_IGN)
		return;
	sigset_t mask = p.sa_mask, old;
	if (!(p.sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	if (p.sa_flags & SA_RESETHAND)
		program.sa_handler = SIG_DFL;
	if (p.sa_flags & SA_SIGINFO)
		p.sa_sigaction(sig, info, context);
	else
		p.sa_handler(sig);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void on_sigbus(int sig, siginfo_t *info, void *context)
{
	char *addr = info->si_addr;
	if (info->si_code <= 0 || !guarded || addr < guarded ||
	    addr >= guarded + guarded_len) {
		forward(sig, info, context); /* sent by someone, or not ours */
		return;
	}
	int saved = errno;
	mmap(guarded, guarded_len, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	cs_detach("segment was truncated under the program");
	errno = saved;
}

void cs_sigbus_guard(void *segment, size_t len)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	guarded = segment;
	guarded_len = len;
	if (cs_real_sigaction(SIGBUS, &sa, &program) == 0)
		__atomic_store_n(&guarding, 1, __ATOMIC_RELEASE);
}

/* ThreadSanitizer's runtime calls sigaction as it starts, before it can
 * run instrumented code, and in a program it does not instrument (a shell
 * under make test-tsan) the first call would reach these interposers and
 * their resolver: a TSan build leaves sigaction and signal alone. */
#ifndef __SANITIZE_THREAD__
/* The program's view of SIGBUS while the guard holds it. */
static CS_SLOW_PATH int guarded_sigaction(const struct sigaction *act,
					  struct sigaction *old)
{
	struct sigaction was = program;
	if (act)
		program = *act;
	if (old)
		*old = was;
	return 0;
}

CS_EXPORT int sigaction(int sig, const struct sigaction *act,
			struct sigaction *old)
{
	if (cs_likely(sig != SIGBUS ||
		      !__atomic_load_n(&guarding, __ATOMIC_ACQUIRE)))
		return cs_real_sigaction(sig, act, old);
	return guarded_sigaction(act, old);
}

/* glibc's signal() calls its own sigaction directly: it needs its own
 * interposer. BSD semantics, as glibc gives: the handler stays, and
 * interrupted calls restart. */
CS_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	if (cs_likely(sig != SIGBUS ||
		      !__atomic_load_n(&guarding, __ATOMIC_ACQUIRE)))
		return cs_real_signal(sig, handler);
	struct sigaction act = {.sa_handler = handler, .sa_flags = SA_RESTART},
			 old;
	sigemptyset(&act.sa_mask);
	guarded_sigaction(&act, &old);
	return old.sa_handler;
}
#endif
