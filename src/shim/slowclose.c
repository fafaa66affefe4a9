/* slow_close: the program's close of a matched TCP socket reaches the peer
 * late. The close returns at once and frees the program's fd number, but
 * a duplicate the shim owns keeps the socket open, so no FIN goes out
 * until the helper thread of sendq.c closes the duplicate when it is due.
 * A forked child closes its copies at once (the parent's still wait); the
 * process's exit closes what is left. Lock-free slots: async-signal-safe
 * apart from starting the helper. */
#include <fcntl.h>
#include <unistd.h>

#include "shim/shim.h"

#define SLOTS 64
#define DUP_FROM 100 /* out of the way of the numbers programs reuse */

enum { FREE, FILLING, PENDING, CLOSING };

struct deferred {
	uint32_t state;
	int fd;
	uint64_t due;
};

static struct deferred slots[SLOTS];

/* Takes slot i from state from to state to; false when another took it. */
static bool move(int i, uint32_t from, uint32_t to)
{
	return __atomic_compare_exchange_n(&slots[i].state, &from, to, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

bool cs_slowclose_defer(int fd, uint64_t delay_ns)
{
	for (int i = 0; i < SLOTS; i++) {
		if (!move(i, FREE, FILLING))
			continue;
		int saved = errno;
		int dup = fcntl(fd, F_DUPFD_CLOEXEC, DUP_FROM);
		errno = saved;
		if (dup < 0) {
			__atomic_store_n(&slots[i].state, FREE, __ATOMIC_RELEASE);
			return false;
		}
		slots[i].fd = dup;
		slots[i].due = cs_deadline_add(cs_now_ns(), delay_ns);
		__atomic_store_n(&slots[i].state, PENDING, __ATOMIC_RELEASE);
		if (cs_sendq_kick() || !move(i, PENDING, CLOSING))
			return true;
		/* No helper thread to close it later (a signal handler):
		 * the close is not delayed. */
		cs_real_close(dup);
		errno = saved;
		__atomic_store_n(&slots[i].state, FREE, __ATOMIC_RELEASE);
		return false;
	}
	return false; /* all taken: this close is not delayed */
}

/* Closes the duplicates whose time has come (all of them with force);
 * returns the next due moment, or 0 when none is left. */
static uint64_t close_due(uint64_t now, bool force)
{
	uint64_t wake = 0;
	for (int i = 0; i < SLOTS; i++) {
		if (__atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) != PENDING)
			continue;
		if (!force && slots[i].due > now) {
			wake = cs_deadline_min(wake, slots[i].due);
			continue;
		}
		if (!move(i, PENDING, CLOSING))
			continue;
		int saved = errno;
		cs_real_close(slots[i].fd);
		errno = saved;
		__atomic_store_n(&slots[i].state, FREE, __ATOMIC_RELEASE);
	}
	return wake;
}

uint64_t cs_slowclose_round(uint64_t now)
{
	return close_due(now, false);
}

void cs_slowclose_all(void)
{
	close_due(0, true);
}
