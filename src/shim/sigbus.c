/* A guard against a segment file that is truncated under the program: the
 * mapping would then raise SIGBUS on the next read. The handler replaces
 * the segment's pages with zeros (an armed mask of zero: passthrough),
 * says so once, and lets the read run again; any other SIGBUS goes to the
 * handler that was there before. */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "shim/shim.h"

static struct sigaction previous;
static char *guarded;
static size_t guarded_len;

static void forward(int sig, siginfo_t *info, void *context)
{
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, info, context);
	} else if (previous.sa_handler != SIG_DFL &&
		   previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
	} else {
		/* Default action: the faulting access runs again and the
		 * kernel delivers SIGBUS with nobody left to catch it. */
		struct sigaction dfl = {.sa_handler = SIG_DFL};
		sigaction(SIGBUS, &dfl, NULL);
	}
}

static void on_sigbus(int sig, siginfo_t *info, void *context)
{
	char *addr = info->si_addr;
	if (!guarded || addr < guarded || addr >= guarded + guarded_len) {
		forward(sig, info, context);
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
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	guarded = segment;
	guarded_len = len;
	sigaction(SIGBUS, &sa, &previous);
}
