/* Internal interface of the preloaded shim: the armed-mask fast path, the
 * real functions, the per-fd socket cache, the decision engine, the faults
 * and the event log. Grouped by the file that defines each part. */
#ifndef CS_SHIM_H
#define CS_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <netdb.h>
#include <signal.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "cs_segment.h"
#include "cs_skew.h"
#include "cs_table.h"

/* Everything declared here stays inside the library, which also lets the
 * compiler reach it without going through the GOT. */
#pragma GCC visibility push(hidden)

#define CS_EXPORT __attribute__((visibility("default")))
#define cs_likely(x) __builtin_expect(!!(x), 1)
#define cs_unlikely(x) __builtin_expect(!!(x), 0)
#define CS_TLS __thread __attribute__((tls_model("initial-exec")))
/* Keeps a slow path out of its interposer, so that the interposer's fast
 * path is a load, a test, a branch and a jump, with no stack frame. */
#define CS_SLOW_PATH __attribute__((noinline))

/* ---- init.c: attach, fork, the armed mask ---------------------------- */

/* Points at a static zero until a segment is attached and valid, then at
 * the segment's armed mask; back to the zero for good if the segment turns
 * out corrupt. One relaxed load of it is the whole idle cost of a call. */
extern const uint32_t *cs_armed_word;
extern struct cs_segment *cs_seg;

static inline bool cs_armed_bits(uint32_t bits)
{
	return __atomic_load_n(cs_armed_word, __ATOMIC_RELAXED) & bits;
}

static inline bool cs_armed(enum cs_family family)
{
	return cs_armed_bits(CS_BIT(family));
}

/* What clock_gettime tests instead: the armed mask, until a monotonic
 * reading was skewed ahead of the truth; from then on a word with the
 * clock bit always set, so that every monotonic read holds the floor
 * (clock.c) at the same idle cost. */
extern const uint32_t *cs_clock_reads_word;

static inline bool cs_clock_reads_armed(void)
{
	return __atomic_load_n(cs_clock_reads_word, __ATOMIC_RELAXED) &
	       CS_BIT(CS_FAM_CLOCK);
}

/* Sends every clock_gettime of this process to its slow path for good. */
void cs_clock_reads_hold(void);

/* Stops all injection in this process and says why, once, on stderr. */
void cs_detach(const char *reason);

/* inherit.c: one private segment for a CHAOS_SHIM_PROFILE process tree.
 * attach returns 1 when this process attached to the segment its parent
 * handed down for the same profile, else 0 (said on stderr when one was
 * handed down but cannot be used); pass_down makes handle's memfd
 * inheritable across exec and names it in the environment. */
int cs_inherit_attach(const char *profile, struct cs_seg_handle *handle);
void cs_inherit_pass_down(const char *profile, struct cs_seg_handle *handle);

/* sigbus.c: survive a segment file truncated under the program. */
void cs_sigbus_guard(void *segment, size_t len);

/* Writes a line "chaos-shim: <msg>\n" to stderr with one real write. */
void cs_say(const char *msg);

/* ---- real.c: the functions the shim wraps ----------------------------- */

/* Each starts as a resolver that looks the symbol up on first use (falling
 * back to the raw system call if the loader is not ready) and replaces
 * itself. The shim never calls the interposed names itself. */
extern int (*cs_real_connect)(int, const struct sockaddr *, socklen_t);
extern int (*cs_real_accept)(int, struct sockaddr *, socklen_t *);
extern int (*cs_real_accept4)(int, struct sockaddr *, socklen_t *, int);
extern ssize_t (*cs_real_send)(int, const void *, size_t, int);
extern ssize_t (*cs_real_sendto)(int, const void *, size_t, int,
				 const struct sockaddr *, socklen_t);
extern ssize_t (*cs_real_sendmsg)(int, const struct msghdr *, int);
extern ssize_t (*cs_real_write)(int, const void *, size_t);
extern ssize_t (*cs_real_writev)(int, const struct iovec *, int);
extern ssize_t (*cs_real_recv)(int, void *, size_t, int);
extern ssize_t (*cs_real_recvfrom)(int, void *, size_t, int, struct sockaddr *,
				   socklen_t *);
extern ssize_t (*cs_real_recvmsg)(int, struct msghdr *, int);
extern ssize_t (*cs_real_read)(int, void *, size_t);
extern ssize_t (*cs_real_readv)(int, const struct iovec *, int);
extern int (*cs_real_close)(int);
extern int (*cs_real_dup2)(int, int);
extern int (*cs_real_dup3)(int, int, int);
extern int (*cs_real_close_range)(unsigned int, unsigned int, int);
extern void (*cs_real_closefrom)(int);
extern int (*cs_real_socket)(int, int, int);
extern int (*cs_real_socketpair)(int, int, int, int[2]);
extern int (*cs_real_sigaction)(int, const struct sigaction *,
				struct sigaction *);
extern sighandler_t (*cs_real_signal)(int, sighandler_t);
extern int (*cs_real_clock_gettime)(clockid_t, struct timespec *);
extern int (*cs_real_gettimeofday)(struct timeval *, void *);
extern time_t (*cs_real_time)(time_t *);
extern int (*cs_real_timespec_get)(struct timespec *, int);
extern int (*cs_real_getaddrinfo)(const char *, const char *,
				  const struct addrinfo *, struct addrinfo **);
extern struct hostent *(*cs_real_gethostbyname)(const char *);
extern struct hostent *(*cs_real_gethostbyname2)(const char *, int);

/* OpenSSL, resolved from wherever the program loaded it (RTLD_NEXT, or a
 * libssl/libcrypto that python3 opened with RTLD_LOCAL). A program that
 * never loaded OpenSSL never calls these. */
extern int (*cs_real_SSL_read)(SSL *, void *, int);
extern int (*cs_real_SSL_read_ex)(SSL *, void *, size_t, size_t *);
extern int (*cs_real_SSL_write)(SSL *, const void *, int);
extern int (*cs_real_SSL_write_ex)(SSL *, const void *, size_t, size_t *);
extern int (*cs_real_SSL_connect)(SSL *);
extern int (*cs_real_SSL_accept)(SSL *);
extern int (*cs_real_SSL_do_handshake)(SSL *);
extern int (*cs_real_SSL_get_fd)(const SSL *);
extern int (*cs_real_X509_verify_cert)(X509_STORE_CTX *);
extern void (*cs_real_X509_STORE_CTX_set_time)(X509_STORE_CTX *,
					       unsigned long, time_t);

/* ---- skewlane.c: an always-on realtime skew without the engine --------- */

/* The refresher's: the lane for table (a rule index, or none). */
void cs_skewlane_update(const struct cs_table *table, uint64_t generation);
/* Skews a realtime reading through the lane; false when the lane does not
 * hold for the current generation (the engine then decides). */
bool cs_skewlane_apply(struct timespec *ts);
/* The engine skewed a realtime read, and so logged the rule: from now on
 * the lane may serve this generation. */
void cs_skewlane_logged(void);
/* Makes the key whose destructor flushes a thread's batch when it exits. */
void cs_skewlane_init(void);
/* Adds this thread's batched counts to the segment (exit, table change). */
void cs_skewlane_flush(void);
void cs_skewlane_after_fork_child(void);

/* ---- pace.c: bandwidth caps, a virtual link per fd and direction ------- */

/* How long to wait after moving bytes at rate on fd (dir 0 send, 1 recv),
 * charging them to the fd's link. Idle time gives back at most one
 * second's worth of credit, and a new link starts with none. */
uint64_t cs_pace_charge(int fd, int dir, uint64_t bytes, uint64_t rate);
/* The largest single transfer worth pacing as one: 100 ms at rate. */
size_t cs_pace_chunk(uint64_t rate);

/* ---- fdinfo.c: what kind of socket an fd is, cached ------------------- */

enum cs_fd_kind {
	CS_FD_NOT_SOCKET = 1,
	CS_FD_TCP,
	CS_FD_UDP,
	CS_FD_OTHER_SOCKET /* unix, raw, netlink... */
};

struct cs_fdinfo {
	uint8_t kind; /* enum cs_fd_kind */
	uint64_t ino; /* the socket's inode: which socket the number held */
	struct cs_sockaddr peer;
	struct cs_sockaddr local;
};

/* Fills info for fd, from the cache or from the kernel. Keeps errno. */
void cs_fdinfo_get(int fd, struct cs_fdinfo *info);


/* How many times fd's number was forgotten: per-fd state elsewhere (the
 * bandwidth links) compares it to know it belongs to the same socket. */
uint32_t cs_fdinfo_epoch(int fd);
#define CS_FD_CACHE 16384

/* A slot of the cache. The info is kept and copied a word at a time with
 * atomic accesses: a reader that races a writer reads torn words that the
 * sequence check then throws away, without a data race in the C sense
 * (which ThreadSanitizer checks), and with acquire loads instead of a fence
 * it cannot see. */
#define CS_FD_INFO_WORDS ((sizeof(struct cs_fdinfo) + 7) / 8)
struct cs_fd_slot {
	uint32_t seq;    /* odd while a writer fills the slot; 0: never */
	uint32_t closes; /* bumped by every close of this fd number */
	uint32_t epoch;  /* the closes value the info was read under */
	uint64_t info[CS_FD_INFO_WORDS];
};
extern struct cs_fd_slot cs_fd_slots[CS_FD_CACHE];

/* Forgets fd (close, dup2 target, a new socket that reuses the number).
 * Inline: every close pays it, a load and a branch for an uncached fd. */
static inline void cs_fdinfo_forget(int fd)
{
	if ((unsigned)fd < CS_FD_CACHE &&
	    __atomic_load_n(&cs_fd_slots[fd].seq, __ATOMIC_RELAXED))
		__atomic_fetch_add(&cs_fd_slots[fd].closes, 1,
				   __ATOMIC_RELEASE);
}

/* Whether fd is still the very socket the cache said (its inode). The
 * engine asks at the first rule that matches, before anything is counted,
 * logged or applied (latency included): a number closed behind the shim's
 * back (a raw system call, glibc's own closes) and handed to another socket
 * or a file is forgotten, and the call passes through. */
bool cs_fdinfo_confirm(int fd, const struct cs_fdinfo *info);

/* ---- engine.c: match rules, decide, log ------------------------------- */

/* One intercepted call, as the rules see it. */
struct cs_call {
	enum cs_family family;
	const char *name; /* "recv", "read", ... for the event log */
	int fd;           /* -1 when not about an fd */
	const struct cs_fdinfo *sock;
	const struct cs_sockaddr *peer; /* overrides sock->peer (sendto) */
	const char *host;               /* dns */
	bool monotonic;                 /* clock: a monotonic clock is read */
	bool cert_check;                /* clock: a certificate check's time */
};

/* What the matching rules decided, to be applied by the call site. */
struct cs_action {
	uint64_t delay_ns;   /* latency, summed over rules */
	uint32_t max_bytes;  /* slice: 0 = none */
	uint64_t bytes_per_s; /* bandwidth: 0 = none */
	int8_t terminal;     /* enum cs_fault of reset/drop/error/kill, or -1 */
	int32_t error;
	int32_t signal;
	uint32_t hang_ms;
	bool skewed; /* clock_skew: the first matching rule's clock */
	struct cs_skew skew;
};

/* Conditions shared by every enabled rule of a family: a call that fails
 * one of them cannot match any rule, and skips the engine altogether. */
enum cs_needs {
	CS_NEEDS_IP = 1,       /* an IPv4 or IPv6 socket (proto, an address) */
	CS_NEEDS_REALTIME = 2, /* clock: only skews of the realtime clocks */
};

/* Fills needs[family] with the CS_NEEDS_* of table's enabled rules. */
void cs_engine_summarize(const struct cs_table *table,
			 uint8_t needs[CS_FAM_COUNT]);

/* Whether a call with these traits fails a condition every enabled rule of
 * its family has (so no rule can match it). */
bool cs_engine_skips(enum cs_family family, const struct cs_fdinfo *sock,
		     bool monotonic);

/* Runs the rules for call; returns true when anything is to be done. Never
 * recurses: a call made from inside the shim (or its signal handlers while
 * it works) passes through. Keeps errno. */
bool cs_engine_decide(const struct cs_call *call, struct cs_action *action);

/* ---- program.c: the program, for `process` patterns ------------------- */

/* Reads the paths of this program; the constructor calls it once. */
void cs_program_init(void);
/* The rules (bit i: rule i) whose `process` patterns leave this program out. */
uint64_t cs_program_left_out(const struct cs_table *table);

/* ---- snapshot.c: the validated private copy of the rule table ---------- */

struct cs_snapshot {
	uint64_t generation;
	bool valid;
	struct cs_table table;
	uint64_t rule_keys[CS_MAX_RULES];
	uint64_t left_out; /* bit i: rule i does not run in this program */
	uint8_t clock_logged[CS_MAX_RULES]; /* clock_skew rules already logged */
};

int cs_snapshot_init(void);
/* What every enabled rule of a family needs, as of the current generation
 * (0, nothing known, when the snapshot is behind the segment). */
uint8_t cs_snapshot_needs(enum cs_family family);
/* Refreshes the private copy if the segment moved on; never blocks. */
void cs_snapshot_refresh(void);
void cs_snapshot_after_fork_child(void);
/* Between read_lock and read_unlock the returned snapshot stays valid. */
const struct cs_snapshot *cs_snapshot_read_lock(void);
void cs_snapshot_read_unlock(void);

/* ---- faults.c: making the decision real ------------------------------- */

/* CLOCK_MONOTONIC now, in nanoseconds: the clock of every deadline. */
uint64_t cs_now_ns(void);
/* Sleeps the calling thread, resuming after signal handlers. */
void cs_sleep_ns(uint64_t ns);
/* Resets a connection for real: an RST for TCP, a shutdown otherwise. */
void cs_reset_socket(int fd, const struct cs_fdinfo *info);
/* Raises sig in the calling thread. */
void cs_raise(int sig);
/* How long a blackholed call hangs: the rule's hang_ms, else the socket's
 * timeout for that direction, else the default. Sets *has_timeout when the
 * socket had its own timeout (the call then ends in EAGAIN). */
uint64_t cs_hang_ns(int fd, uint32_t hang_ms, int timeout_opt,
		    bool *has_timeout);
/* Whether a call must not block: O_NONBLOCK on fd or MSG_DONTWAIT. */
bool cs_nonblocking(int fd, int flags);
/* Sleeps the action's delay and raises its signal if any; returns the
 * terminal fault left for the call site to apply, or -1. */
int cs_apply_common(const struct cs_action *action);
/* Truncates an iovec array to at most max bytes into out (of outcap). */
int cs_iov_truncate(const struct iovec *iov, int iovcnt, size_t max,
		    struct iovec *out, int outcap);

#define CS_DEFAULT_HANG_MS 30000u

/* ---- eventlog.c: one JSON line per injected fault ---------------------- */

void cs_eventlog_set_override(const char *path); /* CHAOS_SHIM_LOG */
/* Opens (or switches to) the log the snapshot names; refresh path only. */
void cs_eventlog_update(const struct cs_table *table);
void cs_eventlog_write(const struct cs_call *call, const struct cs_rule *rule,
		       uint64_t delay_ns);
void cs_eventlog_after_fork_child(void);

/* ---- sockio.c: the data calls of the send and recv families ------------ */

/* One data call on an fd, whichever of the many spellings the program used
 * (send, sendto, sendmsg, write, writev and their recv twins). */
struct cs_io {
	enum cs_family family; /* CS_FAM_SEND or CS_FAM_RECV */
	const char *name;
	int fd;
	int flags;
	struct iovec *iov; /* the data, as one array */
	int iovcnt;
	struct msghdr *msg; /* sendmsg/recvmsg: the program's header */
	const struct sockaddr *to; /* sendto */
	socklen_t tolen;
	struct sockaddr *from; /* recvfrom */
	socklen_t *fromlen;
	ssize_t (*real)(const struct cs_io *io, struct iovec *iov, int iovcnt);
};

/* The first buffer of a (possibly truncated) one-buffer call. */
static inline void *cs_iov_base(const struct iovec *iov, int iovcnt)
{
	return iovcnt ? iov[0].iov_base : NULL;
}

static inline size_t cs_iov_len(const struct iovec *iov, int iovcnt)
{
	return iovcnt ? iov[0].iov_len : 0;
}

/* Declares `io` for a call with one buffer (send, recv, read, write...). */
#define CS_ONE_BUFFER_IO(fam, fn, nm, b, n, fl)                                \
	struct iovec one = {.iov_base = (void *)(b), .iov_len = (n)};          \
	struct cs_io io = {.family = (fam),                                    \
			   .name = (nm),                                       \
			   .fd = fd,                                           \
			   .flags = (fl),                                      \
			   .iov = &one,                                        \
			   .iovcnt = 1,                                        \
			   .real = (fn)}

/* The slow path shared by every data call: passes non-sockets through,
 * matches the rules, applies the faults, and calls io->real. */
ssize_t cs_sockio(const struct cs_io *io);

#pragma GCC visibility pop

#endif
