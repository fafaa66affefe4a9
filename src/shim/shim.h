/* Internal interface of the preloaded shim: the armed-mask fast path, the
 * real functions, the per-fd socket cache, the decision engine, the faults
 * and the event log. Grouped by the file that defines each part. */
#ifndef CS_SHIM_H
#define CS_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <netdb.h>
#include <signal.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "cs_deadline.h"
#include "cs_delayq.h"
#include "cs_epoll_fdinfo.h"
#include "cs_ready.h"
#include "cs_segment.h"
#include "cs_skew.h"
#include "cs_socket_reset.h"
#include "cs_table.h"
#include "cs_verdict.h"

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

/* The word a pointer such as cs_armed_word points at. The pointer itself
 * is loaded atomically too: detaching, or the first hold, moves it while
 * other threads read it (the same two moves on x86). */
static inline uint32_t cs_word(const uint32_t *const *word)
{
	return __atomic_load_n(__atomic_load_n(word, __ATOMIC_RELAXED),
			       __ATOMIC_RELAXED);
}

static inline bool cs_armed_bits(uint32_t bits)
{
	return cs_word(&cs_armed_word) & bits;
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
	return cs_word(&cs_clock_reads_word) & CS_BIT(CS_FAM_CLOCK);
}

/* Sends every clock_gettime of this process to its slow path for good. */
void cs_clock_reads_hold(void);

/* What readiness calls (poll, select, epoll_*) and accept test instead:
 * the armed mask, until a socket first held something back; from then on
 * a word with the socket families always set, so that what is held is
 * shown, and connections kept aside handed over, when a disable, pause or
 * destroy disarms them (hold.c). */
extern const uint32_t *cs_ready_word;

static inline bool cs_ready_armed(uint32_t bits)
{
	return cs_word(&cs_ready_word) & bits;
}

/* Sends every readiness call of this process to its slow path for good. */
void cs_ready_hold(void);

/* What the send family tests instead: the armed mask, until a delayed
 * send was first queued; from then on a word with the send bit always
 * set, so that what is sent after a disable, pause or destroy still goes
 * out behind the queued bytes (sendq.c). */
extern const uint32_t *cs_send_word;

static inline bool cs_send_armed(void)
{
	return cs_word(&cs_send_word) & CS_BIT(CS_FAM_SEND);
}

/* Sends every call of the send family to its slow path for good. */
void cs_send_hold(void);

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
extern ssize_t (*cs_real_sendfile)(int, int, off_t *, size_t);
extern ssize_t (*cs_real_sendfile64)(int, int, off64_t *, size_t);
extern ssize_t (*cs_real_splice)(int, loff_t *, int, loff_t *, size_t,
				 unsigned);
extern ssize_t (*cs_real_copy_file_range)(int, loff_t *, int, loff_t *,
					  size_t, unsigned);
extern int (*cs_real_sendmmsg)(int, struct mmsghdr *, unsigned, int);
extern int (*cs_real_recvmmsg)(int, struct mmsghdr *, unsigned, int,
			       struct timespec *);
extern int (*cs_real_close)(int);
extern int (*cs_real_dup2)(int, int);
extern int (*cs_real_dup3)(int, int, int);
extern int (*cs_real_close_range)(unsigned int, unsigned int, int);
extern void (*cs_real_closefrom)(int);
extern int (*cs_real_socket)(int, int, int);
extern int (*cs_real_shutdown)(int, int);
extern int (*cs_real_socketpair)(int, int, int, int[2]);
extern int (*cs_real_getsockopt)(int, int, int, void *, socklen_t *);
extern int (*cs_real_ioctl)(int, unsigned long, void *);
struct pollfd;
struct epoll_event;
extern int (*cs_real_poll)(struct pollfd *, unsigned long, int);
extern int (*cs_real_ppoll)(struct pollfd *, unsigned long,
			    const struct timespec *, const sigset_t *);
extern int (*cs_real_select)(int, fd_set *, fd_set *, fd_set *,
			     struct timeval *);
extern int (*cs_real_pselect)(int, fd_set *, fd_set *, fd_set *,
			      const struct timespec *, const sigset_t *);
extern int (*cs_real_epoll_ctl)(int, int, int, struct epoll_event *);
extern int (*cs_real_epoll_wait)(int, struct epoll_event *, int, int);
extern int (*cs_real_epoll_pwait)(int, struct epoll_event *, int, int,
				  const sigset_t *);
extern int (*cs_real_epoll_pwait2)(int, struct epoll_event *, int,
				   const struct timespec *, const sigset_t *);
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
extern void (*cs_real_SSL_free)(SSL *);
extern BIO *(*cs_real_SSL_get_rbio)(const SSL *);
extern BIO *(*cs_real_SSL_get_wbio)(const SSL *);
typedef long (*cs_bio_callback_ex)(BIO *, int, const char *, size_t, int, long,
				   int, size_t *);
extern cs_bio_callback_ex (*cs_real_BIO_get_callback_ex)(const BIO *);
extern void *(*cs_real_BIO_get_callback)(const BIO *); /* set or not */
extern void (*cs_real_BIO_set_callback_ex)(BIO *, cs_bio_callback_ex);
extern void (*cs_real_BIO_set_flags)(BIO *, int);
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
/* Until when fd's link in that direction is busy (0: idle or new). */
uint64_t cs_pace_busy_until(int fd, int dir);

/* ---- limit.c: bytes moved per connection, for limit_data --------------- */

/* The bytes fd's connection has moved in direction dir (0 send, 1 recv)
 * since the fd was opened; counting adds to them. */
struct cs_fdinfo;
uint64_t cs_limit_moved(int fd, const struct cs_fdinfo *sock, int dir);
void cs_limit_count(int fd, const struct cs_fdinfo *sock, int dir,
		    uint64_t bytes);

/* ---- fdinfo.c: what kind of socket an fd is, cached ------------------- */

enum cs_fd_kind {
	CS_FD_NOT_SOCKET = 1,
	CS_FD_TCP,
	CS_FD_UDP,
	CS_FD_OTHER_SOCKET /* unix, raw, netlink... */
};

/* How a delayed non-blocking send waits (sendq.c), by the socket's domain
 * and type. */
enum cs_send_queue {
	CS_SENDQ_NONE,      /* not queued: told EAGAIN until due (raw, netlink) */
	CS_SENDQ_STREAM,    /* bytes, in order: TCP, unix SOCK_STREAM */
	CS_SENDQ_RECORDS,   /* whole messages, never lost: unix SOCK_DGRAM and
			     * SOCK_SEQPACKET (a full queue says EAGAIN) */
	CS_SENDQ_DATAGRAMS, /* whole datagrams, lost when the queue is full: UDP */
};

struct cs_fdinfo {
	uint8_t kind; /* enum cs_fd_kind */
	uint8_t send_queue; /* enum cs_send_queue */
	/* The info holds for as long as the fd's close count is epoch (it was
	 * cached, or is final enough to be). */
	bool lasting;
	uint32_t epoch;
	uint64_t ino; /* the socket's inode: which socket the number held */
	struct cs_sockaddr peer;
	struct cs_sockaddr local;
};

/* Fills info for fd, from the cache or from the kernel. Keeps errno. */
void cs_fdinfo_get(int fd, struct cs_fdinfo *info);


/* How many times fd's number was forgotten: per-fd state elsewhere (the
 * bandwidth links) compares it to know it belongs to the same socket. */
uint32_t cs_fdinfo_epoch(int fd);
/* The same, from sock when its info lasts (no lookup), else from the cache. */
static inline uint32_t cs_fd_epoch(int fd, const struct cs_fdinfo *sock)
{
	return sock && sock->lasting ? sock->epoch : cs_fdinfo_epoch(fd);
}
#define CS_FD_CACHE 16384

/* fdblocks.c: per-fd state for fds from CS_FD_CACHE on, in blocks of
 * CS_FD_CACHE fds (up to CS_FD_BLOCKS * CS_FD_CACHE, the kernel's default
 * ceiling of open files). The block of size bytes that holds fd (dir[fd /
 * CS_FD_CACHE]), mapped first when map; NULL below CS_FD_CACHE, past the
 * last block, or without memory. Lock-free and async-signal-safe. */
#define CS_FD_BLOCKS 64
void *cs_fdblock(void **dir, unsigned blocks, int fd, size_t size, bool map);

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
	/* The families no enabled rule can match on this fd, as of a profile
	 * generation and a close count: cs_fd_quiet_key | family bits. */
	uint64_t quiet;
	uint64_t info[CS_FD_INFO_WORDS];
};
extern struct cs_fd_slot cs_fd_slots[CS_FD_CACHE];

/* The quiet lane: the families it can tell about, and the upper bits of a
 * quiet word that must agree: 24 bits of the count of profile publishes
 * (the high half of the segment's state word, whose low half, the armed
 * mask, may stay the same across a publish) and 24 of the close count. */
#define CS_QUIET_FAMILIES (CS_BIT(CS_FAM_SEND) | CS_BIT(CS_FAM_RECV))
static inline uint64_t cs_fd_quiet_key(uint64_t generation, uint32_t closes)
{
	return generation >> 32 << 40 | ((uint64_t)closes << 40 >> 24);
}

/* Whether fd's quiet word was worked out for this generation and info
 * (or there is nothing to work out: the info does not last). */
static inline bool cs_fdinfo_quiet_known(int fd, const struct cs_fdinfo *info,
					 uint64_t generation)
{
	if (!info->lasting || (unsigned)fd >= CS_FD_CACHE)
		return true;
	uint64_t word = __atomic_load_n(&cs_fd_slots[fd].quiet, __ATOMIC_RELAXED);
	return ((word ^ cs_fd_quiet_key(generation, info->epoch)) >> 16) == 0;
}
/* Records the families no rule of generation can match on fd, whose info
 * is lasting. */
void cs_fdinfo_set_quiet(int fd, const struct cs_fdinfo *info,
			 uint64_t generation, uint32_t families);

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
	/* A write that starts an HTTP/1.x request: the request line. */
	const struct cs_http_request *http;
	bool http2; /* an HTTP/2 connection an HTTP fault lets through */
};

/* Conditions shared by every enabled rule of a family: a call that fails
 * one of them cannot match any rule, and skips the engine altogether. */
enum cs_needs {
	CS_NEEDS_IP = 1,       /* an IPv4 or IPv6 socket (proto, an address) */
	CS_NEEDS_REALTIME = 2, /* clock: only skews of the realtime clocks */
	CS_HTTP_WATCHED = 4,   /* not a need: an HTTP fault watches writes */
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

/* Whether an HTTP fault watches writes of family (the snapshot is
 * refreshed first when it is behind). */
bool cs_engine_http_watched(enum cs_family family);

/* Whether an HTTP fault watches the connection of call (a write, before
 * its request is known): its bytes are then followed (http.c). */
bool cs_engine_http_watches(const struct cs_call *call);

/* The requests on call's connection are not followed (not HTTP/1.x, or
 * TLS records): its calls may take the quiet lane when only HTTP faults
 * watch it. */
void cs_engine_http_unfollowed(const struct cs_call *call);

/* The connection of call speaks HTTP/2: every HTTP fault that watches it
 * counts it as let through, and logs it. */
void cs_engine_http2(const struct cs_call *call);

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
/* The one way a blocking socket call waits for a fault (a delay until
 * `until`, or a blackhole: CS_NEVER, which gives up after the default
 * hang): it sleeps, but no longer than the socket's own timeout for that
 * direction (timeout_opt, SO_RCVTIMEO or SO_SNDTIMEO). Returns 0 when the
 * wait ran to its end, -1 with errno EAGAIN when the socket's timeout came
 * first, as with a slow real peer. */
int cs_wait_blocking(int fd, int timeout_opt, uint64_t until);
/* A call into a blackhole: EAGAIN at once when it must not block, else it
 * waits for until and fails with ETIMEDOUT (EAGAIN at its own timeout). */
int cs_blackhole(int fd, int timeout_opt, bool nonblocking, uint64_t until);
/* When a blackhole that starts at now gives up: hang_ms later, or never. */
uint64_t cs_hang_until(uint32_t hang_ms, uint64_t now);
/* Raises the action's signal if any and returns the terminal fault left
 * for the call site, or -1; the call site applies the delay, blocking or
 * by holding the socket back. */
int cs_apply_signal(const struct cs_action *action);
/* Resets a connection for real: an RST for TCP, a shutdown otherwise. */
void cs_reset_socket(int fd, const struct cs_fdinfo *info);
/* Raises sig in the calling thread. */
void cs_raise(int sig);
/* Whether a call must not block: O_NONBLOCK on fd or MSG_DONTWAIT. */
bool cs_nonblocking(int fd, int flags);
/* Sleeps the action's delay and raises its signal if any; returns the
 * terminal fault left for the call site to apply, or -1. For calls that
 * are not about a socket (clock, DNS). */
int cs_apply_common(const struct cs_action *action);
/* The bytes an iovec array holds. */
size_t cs_iov_total(const struct iovec *iov, int iovcnt);
/* Truncates an iovec array to at most max bytes into out (of outcap). */
int cs_iov_truncate(const struct iovec *iov, int iovcnt, size_t max,
		    struct iovec *out, int outcap);

#define CS_DEFAULT_HANG_MS 30000u

/* ---- hold.c: what is held back on a socket, and readiness ------------- */

#define CS_HOLD_REGS 2 /* epoll sets tracked per fd */
/* How much a partitioned connection accepts before sends block. */
#define CS_PARTITION_WINDOW 65536u

#define CS_ASIDE 8 /* delayed connections kept per listening socket */

struct cs_aside {
	int fd;       /* an accepted connection, not handed over yet */
	uint64_t due; /* when it is */
};

#define CS_SENDQ_BYTES (256u * 1024u) /* in flight per delayed socket */
#define CS_SENDQ_MESSAGES 256u     /* datagrams or records in flight */
#define CS_SENDQ_MESSAGE_MAX 65536u /* a longer one is not queued */

/* A datagram or record not on the wire yet: its bytes in the ring end at
 * `end`; it goes at `due` to `name` (namelen 0: the connected peer). */
struct cs_sendq_message {
	uint64_t end;
	uint64_t due;
	socklen_t namelen;
	struct sockaddr_storage name;
};

/* What a program sent that is not on the wire yet (sendq.c): a ring of
 * bytes by stream offset (q.seen: queued, q.read: sent) and, for a stream,
 * q's batches of due times; for messages, one record each. */
struct cs_sendq {
	uint8_t kind; /* enum cs_send_queue */
	/* A send that could not queue waits: not writable until some of the
	 * queue is out. */
	bool waiting;
	struct cs_delayq q;
	uint16_t message_head, message_count;
	struct cs_sendq_message message[CS_SENDQ_MESSAGES];
	unsigned char data[CS_SENDQ_BYTES];
};

struct cs_hold_reg {
	bool used;
	int epfd;
	uint32_t events; /* what the program asked for */
	uint32_t shown;  /* what the kernel has */
	uint64_t data;
};

/* The per-fd state; the fields from ino on are cleared when fd closes. */
struct cs_hold {
	uintptr_t lock; /* 0, or the thread that holds it (hold.c) */
	uint32_t used;
	int fd;
	/* send latency: mapped on first use; read without the lock by the
	 * flusher, so only ever stored atomically */
	struct cs_sendq *sendq;
	/* reorder: datagrams kept back, mapped on first use (reorder.c);
	 * read without the lock by the flusher, like sendq */
	struct cs_reorder *reorder;
	/* HTTP faults: the connection's requests and a made-up reply
	 * (http.c), mapped on first use */
	struct cs_http_conn *http;
	uint64_t ino;        /* the socket the data calls held it for */
	/* An epoll fd: the segment's state word when its registrations were
	 * read from the kernel, plus one (0: never; epoll_learn.c). */
	uint64_t regs_read;
	struct cs_delayq q;  /* recv latency: bytes not visible yet */
	uint64_t delay_ns;   /* the delay of bytes seen from now on */
	uint64_t in_until;   /* nothing readable until then (CS_NEVER) */
	uint64_t out_until;  /* nothing writable until then */
	int32_t in_errno;    /* once in_until passed, receives fail so */
	int32_t out_errno;   /* once out_until passed, SO_ERROR says so */
	bool out_all;        /* hide the fd altogether until out_until */
	bool partitioned;    /* a TCP drop: a blackhole both ways */
	bool send_later;     /* a send told EAGAIN passes at out_until */
	bool recv_later;     /* a receive told EAGAIN passes at in_until */
	uint64_t void_bytes; /* sent into the partition */
	/* limit_data of the receive that last queued bytes (0: none): the
	 * bytes the delay queue hands over count, and stop at it */
	uint64_t limit_bytes;
	uint8_t aside_head, aside_count;
	struct cs_aside aside[CS_ASIDE];
	struct cs_hold_reg reg[CS_HOLD_REGS];
};

/* Bytes waiting in the kernel's receive queue of a TCP socket fd. */
uint64_t cs_hold_queued(int fd);

/* How many fds hold something back: readiness calls that see 0 pass. */
extern unsigned cs_hold_active;

static inline bool cs_hold_nothing(void)
{
	return !__atomic_load_n(&cs_hold_active, __ATOMIC_ACQUIRE);
}

/* The state of CS_FD_CACHE fds, and two sets of them: the fds that hold
 * something back (what readiness calls sweep: a call on an fd outside it
 * has nothing to wait for) and the fds whose state was taken since their
 * last close (what a fork or the flusher goes over). */
struct cs_hold_block {
	uint64_t active[CS_FD_CACHE / 64];
	uint64_t used[CS_FD_CACHE / 64];
	struct cs_hold hold[CS_FD_CACHE];
};
/* The fds below CS_FD_CACHE; higher ones live in blocks mapped on first
 * use (cs_fdblock). */
extern struct cs_hold_block cs_hold_low;

enum cs_hold_set { CS_HOLD_ACTIVE, CS_HOLD_USED };
/* The first fd from `from` on in set, or -1. */
int cs_hold_next(enum cs_hold_set set, int from);
/* fd's state, its block mapped first when map; NULL for a negative fd,
 * past the last block, or without memory. */
struct cs_hold *cs_hold_slot(int fd, bool map);
bool cs_hold_active_high(int fd);
/* cs_hold_nothing for readiness calls: once the socket families are
 * disarmed, what is held back is let go first (hold.c). */
bool cs_hold_nothing_armed(void);

static inline bool cs_hold_active_fd(int fd)
{
	if ((unsigned)fd < CS_FD_CACHE)
		return __atomic_load_n(&cs_hold_low.active[fd / 64],
				       __ATOMIC_ACQUIRE) &
		       (1ull << (fd % 64));
	return fd >= 0 && cs_hold_active_high(fd);
}

/* Takes fd's state: with create, a new one if need be; without, only when
 * it holds something back. NULL when fd has no slot, there is nothing to
 * take, or the lock stays busy. */
struct cs_hold *cs_hold_lock(int fd, bool create);
/* Applies the state to fd's epoll registrations and lets it go. */
void cs_hold_unlock(struct cs_hold *h, uint64_t now);
/* What h hides at now (CS_HIDE_*), lowering *wake (0: none) to the
 * moment that changes. */
uint32_t cs_hold_hidden(const struct cs_hold *h, uint64_t now, uint64_t *wake);
/* Shows what came due on the fds registered in epfd; returns the next
 * moment one of them changes, or 0. Events the shim must report itself
 * (CS_SHOW_IN) go to shown, at most *n of them; *n is set to their count. */
uint64_t cs_hold_sweep(int epfd, uint64_t now, struct epoll_event *shown,
		       int *n);
/* epoll_ctl, with the registration tracked and narrowed while hidden. */
int cs_hold_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
/* A registration of a socket in epfd as the kernel has it: tracked as if
 * epoll_ctl had been seen, unless the shim's own record agrees with it. */
void cs_hold_epoll_learned(int epfd, const struct cs_epoll_reg *kernel);
/* Partitions fd's connection (socket inode ino; from then on, until
 * hang_ms if set) and returns its state locked, or NULL when fd is out of
 * range. */
struct cs_hold *cs_hold_partition(int fd, uint64_t ino, uint32_t hang_ms);
/* A listening socket with connections kept aside is not readable until the
 * first is due. */
void cs_hold_aside_due(struct cs_hold *h);
void cs_hold_forget_slow(int fd);
/* Ties h to the socket with inode ino; what h held for another socket that
 * had the number before (closed behind the shim's back) is let go. */
void cs_hold_claim(struct cs_hold *h, uint64_t ino);

/* What is still queued on fd goes out now: the end of its sending (shutdown)
 * must not pass them. */
void cs_hold_send_now(int fd);

/* A closed or replaced fd holds nothing back any more. */
static inline void cs_hold_forget(int fd)
{
	if (__builtin_expect((unsigned)fd < CS_FD_CACHE, 1)) {
		if (__atomic_load_n(&cs_hold_low.hold[fd].used, __ATOMIC_RELAXED))
			cs_hold_forget_slow(fd);
	} else if (fd >= 0) {
		cs_hold_forget_slow(fd);
	}
}

/* ---- wait_slack.c: the shim's waits end on time ----------------------- */

/* The time to give the kernel for a readiness wait (poll, select, epoll)
 * that the shim cut short to wake at until: aimed before it by the
 * calling thread's slack, so that the wait ends at until rather than up
 * to the slack later. The program's own deadline is left as it asked. */
uint64_t cs_wait_aim(uint64_t until, uint64_t deadline, uint64_t now);
/* The same for a sleep of the shim's that must end at end. */
uint64_t cs_sleep_aim(uint64_t end, uint64_t now);

/* ---- epoll_learn.c: registrations made while nothing was armed -------- */

/* Tracks the sockets registered in epfd, read from the kernel once per
 * segment state: at the first wait under it that finds anything held back
 * (until then no registration needs narrowing). Keeps errno. */
void cs_epoll_learn(int epfd);

/* ---- fdinfo.c: the quiet lane, which needs the holds ------------------ */

/* Whether no enabled rule of family can match a call on fd, and fd holds
 * nothing back (a delay queue, a partition: those calls belong to the slow
 * path that owns them, even once no rule matches): the data calls test it
 * right after the armed mask and go straight to the real function, a
 * dozen instructions for a socket nothing targets. Lock-free and
 * async-signal-safe: a few relaxed loads. */
static inline bool cs_fd_quiet(int fd, enum cs_family family)
{
	if ((unsigned)fd >= CS_FD_CACHE)
		return false;
	const struct cs_fd_slot *s = &cs_fd_slots[fd];
	uint64_t word = __atomic_load_n(&s->quiet, __ATOMIC_RELAXED);
	uint64_t key = cs_fd_quiet_key(
		__atomic_load_n(&cs_seg->hdr.generation, __ATOMIC_RELAXED),
		__atomic_load_n(&s->closes, __ATOMIC_RELAXED));
	return ((word ^ key) >> 16) == 0 && (word & CS_BIT(family)) &&
	       !cs_hold_active_fd(fd);
}

/* ---- sendq.c: delayed sends on non-blocking sockets ------------------ */

struct cs_io;
/* Queues io's data (its bytes, or its whole message and address) to go out
 * delay_ns from now in a queue of that kind (enum cs_send_queue). Returns
 * what the send returns: the bytes taken (a stream takes what fits; a UDP
 * datagram that does not fit is lost, as on a full link), or -1 with
 * EAGAIN when nothing fits; -2 when it cannot be queued (no memory, a
 * message over CS_SENDQ_MESSAGE_MAX or with an address too long). Called
 * with h locked; once it is let go, cs_sendq_kick. */
ssize_t cs_sendq_put(struct cs_hold *h, const struct cs_io *io, uint8_t kind,
		     uint64_t delay_ns);
/* Whether what is queued now will be flushed: the flusher runs in this
 * process, or this thread may start it (not a signal handler's). */
bool cs_sendq_flusher_ready(void);
/* Wakes the flusher to look again, or starts it; false when it is gone
 * and this thread may not start it (then cs_sendq_flush_now). */
bool cs_sendq_kick(void);
/* Puts everything h's queue holds on the wire now, early rather than
 * never (before a close or a shutdown). Called with h locked. */
void cs_sendq_flush_now(struct cs_hold *h);
/* Whether h's queue holds anything (every later send must queue behind). */
bool cs_sendq_pending(const struct cs_hold *h);
/* A send that cannot queue was told to wait behind h's queue: the socket
 * is not writable until some of the queue is out. */
void cs_sendq_wait_behind(struct cs_hold *h, uint64_t now);
/* Holds writability back while the queue is full or a send waits. */
void cs_sendq_hold_writable(struct cs_hold *h, uint64_t now);
/* The fd closes (flush: what is queued goes now), or is another socket's
 * or a forked child's copy (what is queued is dropped); the queue is
 * unmapped. */
void cs_sendq_close(struct cs_hold *h, bool flush);
/* At exit: what every queue holds goes out now. */
void cs_sendq_at_exit(void);

/* ---- reorder.c: UDP datagrams sent out of order ------------------------ */

#define CS_REORDER_HELD 16 /* datagrams kept back per socket at once */
#define CS_REORDER_WAIT_NS (100 * CS_NS_PER_MS) /* the longest one is kept */

/* Keeps io's datagram back until the program has sent `after` later ones
 * on its socket (or CS_REORDER_WAIT_NS); returns its length, as the send
 * returns, or -2 when it cannot be kept (not UDP, too long, no address,
 * no memory, or no helper thread may run here): then it goes now. */
ssize_t cs_reorder_keep(const struct cs_io *io, const struct cs_fdinfo *sock,
			uint32_t after);
/* A datagram of the program's went out on fd: those kept back that it
 * was the last one to wait for follow it. */
void cs_reorder_passed(int fd);
/* Whether h's socket keeps datagrams back. */
bool cs_reorder_pending(const struct cs_hold *h);
/* The helper thread's: sends what waited too long; returns the next due
 * moment, or 0 when nothing is kept. */
uint64_t cs_reorder_round(uint64_t now);
/* The fd closes (flush: what is kept goes now) or is another socket's or
 * a forked child's copy (it is dropped); the block is unmapped. With h
 * locked. */
void cs_reorder_close(struct cs_hold *h, bool flush);
/* At exit: what every socket keeps goes now. */
void cs_reorder_at_exit(void);

/* ---- slowclose.c: closes that reach the peer late ---------------------- */

/* Keeps fd's socket open on a duplicate of the shim's for delay_ns, so the
 * program's close of fd reaches the peer then; false when it cannot (no
 * free slot or fd number): the close is not delayed. */
bool cs_slowclose_defer(int fd, uint64_t delay_ns);
/* The helper thread's: closes what is due; returns the next due moment,
 * or 0 when nothing waits. */
uint64_t cs_slowclose_round(uint64_t now);
/* Closes every duplicate now (exit; a forked child's copies). */
void cs_slowclose_all(void);

/* ---- tls_gate.c: delays on non-blocking TLS sessions ------------------ */

/* Whether ssl's calls can be held back without waiting: its socket fd is
 * non-blocking and the shim can watch its BIOs. */
bool cs_tls_gate_usable(SSL *ssl, int fd);
/* Whether fd holds something back for this TLS family already (a call
 * then goes to the gate without meeting the rules again). */
bool cs_tls_gate_held(int fd, enum cs_family family);
/* Holds fd back for a TLS family's delay. */
void cs_tls_gate_hold(int fd, enum cs_family family, uint64_t delay_ns);
/* Around a real TLS call on fd: its socket reads and writes are refused
 * with a retry (SSL_ERROR_WANT_READ/WRITE) while fd holds them back. */
void cs_tls_gate_open(SSL *ssl, int fd);
void cs_tls_gate_close(SSL *ssl);

/* ---- http_conn.c: one connection's HTTP requests and fabricated reply -- */

enum cs_http_stage {
	CS_HTTP_AT_LINE,    /* the next byte written starts a request */
	CS_HTTP_IN_REQUEST, /* the rest of a request (its tracker) */
	CS_HTTP_NOT_HTTP,   /* another protocol, or HTTP/2: not followed */
};

/* Where the connection's writes are among its requests. */
struct cs_http_follow {
	uint8_t stage; /* enum cs_http_stage */
	bool swallow;  /* the request under way is answered by the shim */
	struct cs_http_tracker tracker;
};

struct cs_http_conn {
	struct cs_http_follow follow;
	bool reply_close; /* after the reply, the end of the connection */
	bool reply_ready; /* the reply can be read (the request's head is in) */
	bool read_shut;   /* the socket was shut for reading after the reply */
	bool tls;         /* the requests are inside the socket's TLS session */
	uint16_t held;    /* bytes of a begun request line, not sent yet */
	uint32_t reply_len, reply_read; /* what the reply has, what was read */
	uint64_t delay_ns; /* http_delay: the next response's first byte late */
	char line[CS_HTTP_LINE_MAX];
	char reply[CS_HTTP_RESPONSE_MAX];
};

enum cs_http_step {
	CS_HTTP_PASS,      /* no request starts here: len bytes go on */
	CS_HTTP_HELD,      /* all of it joined a begun request line */
	CS_HTTP_SWALLOWED, /* len bytes of a request the shim answers */
	CS_HTTP_REQUEST,   /* it starts req: the rules decide; len bytes */
	CS_HTTP_H2,        /* the HTTP/2 preface: passes, not followed */
};

/* One write, as the connection's requests see it. */
struct cs_http_write {
	struct cs_http_request req;
	size_t len;    /* bytes of the write up to the end of its request */
	uint16_t held; /* request line bytes held back before it */
	struct cs_http_follow before; /* to count what was really sent */
};

/* Follows a write of the program (iov, total bytes) on connection c.
 * A passing write is followed as if all len bytes went out: once the
 * real call has said how many did, cs_http_conn_sent. */
enum cs_http_step cs_http_conn_write(struct cs_http_conn *c,
				     const struct iovec *iov, int iovcnt,
				     struct cs_http_write *w);
/* Only sent bytes of the write went out (or none, for -1). */
void cs_http_conn_sent(struct cs_http_conn *c, const struct cs_http_write *w,
		       const struct iovec *iov, int iovcnt, ssize_t sent);
/* The request w starts gets rule's response instead of the server's:
 * what it wrote, and writes of the rest of it, are taken in. */
void cs_http_conn_answer(struct cs_http_conn *c, const struct cs_rule *rule,
			 const struct cs_http_write *w);
/* Copies what is left of the reply into iov; peek leaves it there. */
size_t cs_http_conn_read(struct cs_http_conn *c, const struct iovec *iov,
			 int iovcnt, bool peek);
/* Whether a reply waits to be read. */
static inline bool cs_http_conn_replying(const struct cs_http_conn *c)
{
	return c && c->reply_ready && c->reply_read < c->reply_len;
}
/* Maps a fresh connection state; NULL without memory. */
struct cs_http_conn *cs_http_conn_new(void);
void cs_http_conn_free(struct cs_http_conn *c);

/* ---- http.c: HTTP faults on plain sockets ----------------------------- */

/* The HTTP connection on socket fd, its hold locked (*h); made, for the
 * family of call, when an HTTP fault watches it. NULL (nothing locked)
 * when there is none. */
struct cs_http_conn *cs_http_conn_locked(int fd, const struct cs_fdinfo *sock,
					 const struct cs_call *call,
					 struct cs_hold **h);
/* Once a reply that ends the connection can be read, the socket is shut
 * for reading, as the server's close would leave it: the kernel reports
 * it readable, and the read after the reply finds the end. */
void cs_http_settle(int fd, struct cs_http_conn *c);

struct cs_io;
/* A send on a TCP socket while an HTTP fault watches sends: follows the
 * connection's requests and runs the rules with the request a write
 * starts. Returns what the send returns. */
ssize_t cs_http_send(const struct cs_io *io, const struct cs_fdinfo *sock);
/* A receive on fd, whose state h holds an HTTP connection: a reply waiting
 * is read (true, *r its result; h let go), and the first byte of a
 * response http_delay makes late is put in the delay queue. */
bool cs_http_recv(const struct cs_io *io, struct cs_hold *h, ssize_t *r);

/* ---- tls_http.c: HTTP faults inside TLS sessions ---------------------- */

/* The session whose handshake or read runs in this thread: the socket
 * calls made meanwhile are its, which gives the socket of a session on
 * the program's own BIO (curl). */
extern CS_TLS SSL *cs_tls_learning;
/* A socket call on fd while cs_tls_learning is set. */
void cs_tls_learn(int fd, const struct cs_fdinfo *sock);
/* Set once a session's socket was learnt: SSL_free then forgets it. */
extern bool cs_tls_learnt_any;
/* ssl is freed: its learnt socket is forgotten, so that a session made
 * later at the same address is not taken for it. */
void cs_tls_forget(const SSL *ssl);

/* An SSL_write followed for its HTTP requests. */
struct cs_tls_http {
	int fd; /* the session's socket; -1: not followed */
	enum cs_http_step step;
	struct cs_http_write w;
	struct iovec iov;
};

/* Follows a write of num bytes on ssl (whose socket is sock, as far as
 * known); CS_HTTP_HELD and CS_HTTP_SWALLOWED take it in whole, and
 * CS_HTTP_REQUEST asks the rules with t->w.req. */
enum cs_http_step cs_tls_http_write(SSL *ssl, const void *buf, size_t num,
				    struct cs_tls_http *t);
/* The rules decided on the request t starts: true when it is answered
 * (the write is taken in); else held line bytes go first (real_write). */
bool cs_tls_http_decided(SSL *ssl, struct cs_tls_http *t,
			 const struct cs_action *action);
/* done bytes of the write went out (or none, for -1). */
void cs_tls_http_sent(struct cs_tls_http *t, ssize_t done);
/* An SSL_read of up to num bytes: true when a made-up reply filled it
 * (*got bytes); else *late_ns is the http_delay the response's first
 * bytes take, if any. */
bool cs_tls_http_read(SSL *ssl, void *buf, size_t num, size_t *got,
		      uint64_t *late_ns);

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
	/* The interposer's own arguments, for its real callback (sendfile's
	 * source and offset, a message batch...). */
	void *args;
	/* iov holds lengths only, with no bytes behind them (a copy between
	 * two fds, a batch of messages): cut it, never read or copy it. */
	bool lengths_only;
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

/* A send that starts an HTTP request (http.c): the rules see the request,
 * and decided answers the call itself (true, *r its result) or lets the
 * faults apply. */
struct cs_sockio_http {
	const struct cs_http_request *req;
	bool (*decided)(const struct cs_io *io, const struct cs_action *action,
			void *arg, ssize_t *r);
	void *arg;
};

/* cs_sockio on a socket, with the HTTP request a send starts (or NULL). */
ssize_t cs_sockio_with(const struct cs_io *io, const struct cs_fdinfo *sock,
		       const struct cs_sockio_http *http);

#pragma GCC visibility pop

#endif
