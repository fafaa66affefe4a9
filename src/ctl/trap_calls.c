/* The system calls `run --trap` hands to its supervisor, by family. libc's
 * send and recv are sendto and recvfrom in the kernel. The filter tests
 * them in this order: the batches, the rarest, come last. */
#include <sys/syscall.h>

#include "ctl/trap.h"

const struct cs_trap_call cs_trap_calls[] = {
	{SYS_connect, CS_FAM_CONNECT, "connect", 1, -1, -1, false},
	{SYS_accept, CS_FAM_ACCEPT, "accept", -1, -1, -1, false},
	{SYS_accept4, CS_FAM_ACCEPT, "accept4", -1, -1, -1, false},
	{SYS_sendto, CS_FAM_SEND, "sendto", 4, -1, 3, false},
	{SYS_sendmsg, CS_FAM_SEND, "sendmsg", -1, 1, 2, false},
	{SYS_write, CS_FAM_SEND, "write", -1, -1, -1, false},
	{SYS_writev, CS_FAM_SEND, "writev", -1, -1, -1, false},
	{SYS_recvfrom, CS_FAM_RECV, "recvfrom", -1, -1, 3, false},
	{SYS_recvmsg, CS_FAM_RECV, "recvmsg", -1, -1, 2, false},
	{SYS_read, CS_FAM_RECV, "read", -1, -1, -1, false},
	{SYS_readv, CS_FAM_RECV, "readv", -1, -1, -1, false},
	{SYS_sendmmsg, CS_FAM_SEND, "sendmmsg", -1, 1, 3, true},
	{SYS_recvmmsg, CS_FAM_RECV, "recvmmsg", -1, -1, 3, true},
};
_Static_assert(sizeof(cs_trap_calls) / sizeof(cs_trap_calls[0]) == CS_TRAP_CALLS,
	       "CS_TRAP_CALLS is the number of trapped calls");
