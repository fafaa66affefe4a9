/* The program this process runs, as `process` patterns see it: the path
 * it was started as and the executable that path resolved to, read once
 * at start (a fork runs the same program; an exec starts the shim again),
 * and which rules it therefore leaves out. */
#include <fcntl.h>
#include <limits.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cs_schedule.h"
#include "shim/shim.h"

_Static_assert(CS_MAX_RULES <= 64, "one bit of left_out per rule");

static char execfn[PATH_MAX];
static char exe[PATH_MAX];

void cs_program_init(void)
{
	const char *started_as = (const char *)getauxval(AT_EXECFN);
	long n;

	if (started_as)
		for (size_t i = 0; i + 1 < sizeof execfn && started_as[i]; i++)
			execfn[i] = started_as[i];
	n = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", exe,
		    sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
}

uint64_t cs_program_left_out(const struct cs_table *table)
{
	uint64_t mask = 0;
	for (uint32_t i = 0; i < table->nrules && i < CS_MAX_RULES; i++)
		if (!cs_process_matches(&table->rules[i], execfn, exe))
			mask |= 1ull << i;
	return mask;
}
