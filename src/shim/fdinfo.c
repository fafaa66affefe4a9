/* What kind of socket each fd is, and its two ends, cached per fd so the
 * slow path of a data call makes no system call once an fd is known. Each
 * slot is a tiny seqlock; a close bumps the slot's close counter, so an
 * entry written from information older than the last close never matches.
 * Everything here is lock-free and async-signal-safe. */
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>

#include "cs_addr.h"
#include "shim/shim.h"

struct cs_fd_slot cs_fd_slots[CS_FD_CACHE];

static bool cached(int fd, struct cs_fdinfo *info)
{
	if (fd < 0 || fd >= CS_FD_CACHE)
		return false;
	struct cs_fd_slot *s = &cs_fd_slots[fd];
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	if (seq == 0 || (seq & 1))
		return false;
	uint32_t epoch = __atomic_load_n(&s->epoch, __ATOMIC_ACQUIRE);
	uint64_t words[CS_FD_INFO_WORDS];
	for (size_t i = 0; i < CS_FD_INFO_WORDS; i++)
		words[i] = __atomic_load_n(&s->info[i], __ATOMIC_ACQUIRE);
	memcpy(info, words, sizeof *info);
	return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq &&
	       __atomic_load_n(&s->closes, __ATOMIC_RELAXED) == epoch;
}

static void store(int fd, uint32_t epoch, const struct cs_fdinfo *info)
{
	if (fd < 0 || fd >= CS_FD_CACHE)
		return;
	struct cs_fd_slot *s = &cs_fd_slots[fd];
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	if ((seq & 1) || !__atomic_compare_exchange_n(&s->seq, &seq, seq + 1,
						      false, __ATOMIC_ACQUIRE,
						      __ATOMIC_RELAXED))
		return; /* another writer is busy: stay uncached this time */
	uint64_t words[CS_FD_INFO_WORDS] = {0};
	memcpy(words, info, sizeof *info);
	/* Release: a reader that sees any of these words also sees the odd
	 * sequence number before them, and so throws the copy away. */
	__atomic_store_n(&s->epoch, epoch, __ATOMIC_RELEASE);
	for (size_t i = 0; i < CS_FD_INFO_WORDS; i++)
		__atomic_store_n(&s->info[i], words[i], __ATOMIC_RELEASE);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

uint32_t cs_fdinfo_epoch(int fd)
{
	return fd >= 0 && fd < CS_FD_CACHE
		       ? __atomic_load_n(&cs_fd_slots[fd].closes, __ATOMIC_ACQUIRE)
		       : 0;
}

static int sock_type(int fd)
{
	int type;
	socklen_t len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -1;
	return type;
}

static uint8_t kind_of(int domain, int type)
{
	if (domain != AF_INET && domain != AF_INET6)
		return CS_FD_OTHER_SOCKET;
	if (type == SOCK_STREAM)
		return CS_FD_TCP;
	if (type == SOCK_DGRAM)
		return CS_FD_UDP;
	return CS_FD_OTHER_SOCKET;
}

static uint8_t send_queue_of(int domain, int type)
{
	bool ip = domain == AF_INET || domain == AF_INET6;
	if ((ip || domain == AF_UNIX) && type == SOCK_STREAM)
		return CS_SENDQ_STREAM;
	if (ip && type == SOCK_DGRAM)
		return CS_SENDQ_DATAGRAMS;
	if (domain == AF_UNIX && (type == SOCK_DGRAM || type == SOCK_SEQPACKET))
		return CS_SENDQ_RECORDS;
	return CS_SENDQ_NONE;
}

/* Asks the kernel; returns whether the answer is final enough to cache (a
 * socket not yet bound or connected will change). */
static bool lookup(int fd, struct cs_fdinfo *info)
{
	memset(info, 0, sizeof *info);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		info->kind = CS_FD_NOT_SOCKET;
		return false; /* not open: whatever comes next is new */
	}
	if (!S_ISSOCK(st.st_mode)) {
		info->kind = CS_FD_NOT_SOCKET;
		return true;
	}
	info->ino = (uint64_t)st.st_ino;
	int type = sock_type(fd);
	if (type < 0) {
		info->kind = CS_FD_NOT_SOCKET;
		return false;
	}
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int domain = AF_UNSPEC;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		domain = ss.ss_family;
		cs_sockaddr_from((struct sockaddr *)&ss, len, &info->local);
	}
	info->kind = kind_of(domain, type);
	info->send_queue = send_queue_of(domain, type);
	if (info->kind == CS_FD_OTHER_SOCKET)
		return true;
	len = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		cs_sockaddr_from((struct sockaddr *)&ss, len, &info->peer);
	bool connected = info->peer.family != 0;
	return info->local.port != 0 && (connected || info->kind == CS_FD_UDP);
}

/* A file or a pipe: the data calls pass it straight through whatever the
 * rules, so every family of the quiet lane is quiet on it. */
static void note_not_socket(int fd, const struct cs_fdinfo *info)
{
	uint64_t generation =
		__atomic_load_n(&cs_seg->hdr.generation, __ATOMIC_ACQUIRE);
	if (!cs_fdinfo_quiet_known(fd, info, generation))
		cs_fdinfo_set_quiet(fd, info, generation, CS_QUIET_FAMILIES);
}

void cs_fdinfo_get(int fd, struct cs_fdinfo *info)
{
	if (!cached(fd, info)) {
		int saved = errno;
		uint32_t epoch = cs_fdinfo_epoch(fd);
		bool lasting = lookup(fd, info);
		info->lasting = lasting;
		info->epoch = epoch;
		if (lasting)
			store(fd, epoch, info);
		errno = saved;
	}
	if (info->kind == CS_FD_NOT_SOCKET && info->lasting)
		note_not_socket(fd, info);
}

void cs_fdinfo_set_quiet(int fd, const struct cs_fdinfo *info,
			 uint64_t generation, uint32_t families)
{
	if (!info->lasting || (unsigned)fd >= CS_FD_CACHE)
		return;
	struct cs_fd_slot *s = &cs_fd_slots[fd];
	/* A slot never written is not told of closes (cs_fdinfo_forget):
	 * its close count cannot vouch for the word. */
	if (!__atomic_load_n(&s->seq, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&s->quiet,
			 cs_fd_quiet_key(generation, info->epoch) |
				 (families & CS_QUIET_FAMILIES),
			 __ATOMIC_RELAXED);
}

bool cs_fdinfo_confirm(int fd, const struct cs_fdinfo *info)
{
	int saved = errno;
	struct stat st;
	bool socket = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
	errno = saved;
	if (info->kind == CS_FD_NOT_SOCKET ? !socket
					   : socket && (uint64_t)st.st_ino == info->ino)
		return true;
	cs_fdinfo_forget(fd);
	return false;
}
