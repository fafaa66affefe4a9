/* The system calls `run --trap` hands to its supervisor, by family. libc's
 * send and recv are sendto and recvfrom in the kernel. */
#include <sys/syscall.h>

#include "ctl/trap.h"

const struct cs_trap_call cs_trap_calls[CS_TRAP_CALLS] = {
	{SYS_connect, CS_FAM_CONNECT, "connect", 1, -1},
	{SYS_accept, CS_FAM_ACCEPT, "accept", -1, -1},
	{SYS_accept4, CS_FAM_ACCEPT, "accept4", -1, -1},
	{SYS_sendto, CS_FAM_SEND, "sendto", 4, 3},
	{SYS_sendmsg, CS_FAM_SEND, "sendmsg", -1, 2},
	{SYS_write, CS_FAM_SEND, "write", -1, -1},
	{SYS_writev, CS_FAM_SEND, "writev", -1, -1},
	{SYS_recvfrom, CS_FAM_RECV, "recvfrom", -1, 3},
	{SYS_recvmsg, CS_FAM_RECV, "recvmsg", -1, 2},
	{SYS_read, CS_FAM_RECV, "read", -1, -1},
	{SYS_readv, CS_FAM_RECV, "readv", -1, -1},
};
