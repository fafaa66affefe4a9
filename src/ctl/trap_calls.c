/* The system calls `run --trap` hands to its supervisor, by family. */
#include <sys/syscall.h>

#include "ctl/trap.h"

const struct cs_trap_call cs_trap_calls[CS_TRAP_CALLS] = {
	{SYS_connect, CS_FAM_CONNECT, "connect"},
};
