/* The batches of `run --trap` (sendmmsg, recvmmsg): a batch meets the
 * rules once, as the preload's does, and is answered in messages. A sent
 * batch that vanishes on its way (a UDP drop, a partition) reports every
 * message sent whole, as the preload does: each msg_len is set in the
 * caller's array. */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "ctl/trap_supervisor.h"

/* The caller's messages read (and their lengths written) at a time. */
#define BATCH_STEP 64u

uint64_t cs_trap_iov_bytes(pid_t tid, uint64_t addr, uint64_t cnt)
{
	struct iovec iov[64];
	uint64_t total = 0;

	if (cnt > UIO_MAXIOV) /* the kernel refuses more */
		cnt = UIO_MAXIOV;
	while (cnt) {
		size_t n = cnt < 64 ? (size_t)cnt : 64;
		if (!cs_trap_read_caller(tid, addr, iov, n * sizeof(iov[0])))
			break;
		for (size_t i = 0; i < n; i++)
			total += iov[i].iov_len;
		addr += n * sizeof(iov[0]);
		cnt -= n;
	}
	return total;
}

uint64_t cs_trap_batch_sent(const struct seccomp_notif *req, pid_t tid,
			    struct cs_trap_answer *a)
{
	uint64_t vec = req->data.args[1], vlen = req->data.args[2], total = 0;
	struct mmsghdr msgs[BATCH_STEP];
	unsigned lens[BATCH_STEP];
	struct iovec local[BATCH_STEP], remote[BATCH_STEP];

	if (vlen > UIO_MAXIOV) /* the kernel moves no more */
		vlen = UIO_MAXIOV;
	for (uint64_t done = 0; done < vlen;) {
		size_t n = vlen - done < BATCH_STEP ? (size_t)(vlen - done)
						     : BATCH_STEP;
		uint64_t at = vec + done * sizeof(msgs[0]);
		if (!cs_trap_read_caller(tid, at, msgs, n * sizeof(msgs[0]))) {
			*a = (struct cs_trap_answer){.error = EFAULT};
			return total;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t len = cs_trap_iov_bytes(
				tid, (uint64_t)(uintptr_t)msgs[i].msg_hdr.msg_iov,
				msgs[i].msg_hdr.msg_iovlen);
			total += len;
			lens[i] = (unsigned)len;
			local[i] = (struct iovec){&lens[i], sizeof(lens[i])};
			remote[i] = (struct iovec){
				(void *)(uintptr_t)(at + i * sizeof(msgs[0]) +
						    offsetof(struct mmsghdr, msg_len)),
				sizeof(lens[i])};
		}
		if (process_vm_writev(tid, local, n, remote, n, 0) !=
		    (ssize_t)(n * sizeof(lens[0]))) {
			*a = (struct cs_trap_answer){.error = EFAULT};
			return total;
		}
		done += n;
	}
	*a = (struct cs_trap_answer){.done = true, .value = (int64_t)vlen};
	return total;
}
