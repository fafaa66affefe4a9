/* Per-fd state past the static tables (fds from CS_FD_CACHE on): a
 * directory of blocks of CS_FD_CACHE fds, each mapped on first use with a
 * raw anonymous mmap (no malloc: the callers run in signal handlers and
 * during start-up) and never unmapped while the process lives, so that a
 * lookup is a load without a lock. A forked child keeps its copies. */
#include <sys/mman.h>

#include "shim/shim.h"

void *cs_fdblock(void **dir, unsigned blocks, int fd, size_t size, bool map)
{
	unsigned b = (unsigned)fd / CS_FD_CACHE;
	if (fd < CS_FD_CACHE || b >= blocks)
		return NULL;
	void *block = __atomic_load_n(&dir[b], __ATOMIC_ACQUIRE);
	if (block || !map)
		return block;
	int saved = errno;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	errno = saved;
	if (mem == MAP_FAILED)
		return NULL;
	if (__atomic_compare_exchange_n(&dir[b], &block, mem, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return mem;
	munmap(mem, size); /* another thread mapped it first */
	errno = saved;
	return block;
}
