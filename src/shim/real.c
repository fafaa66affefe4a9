/* The one place that finds the real functions behind the interposed names.
 * Each pointer starts at a resolver, so a call that arrives before the
 * constructor (from another library's constructor, or the loader) still
 * works; while dlsym itself is busy, the raw system call stands in. */
#include <dlfcn.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

/* Fallbacks that can only fail have no use for their arguments. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

static CS_TLS int resolving;

static void *resolve(const char *name)
{
	if (resolving)
		return NULL;
	resolving = 1;
	int saved = errno;
	void *sym = dlsym(RTLD_NEXT, name);
	errno = saved;
	resolving = 0;
	return sym;
}

/* OpenSSL may sit in a local scope (python3 opens it with RTLD_LOCAL),
 * where RTLD_NEXT does not look: ask the loaded library by name, and never
 * load one that the program did not. */
static void *resolve_openssl(const char *name, const char *const libs[])
{
	void *sym = resolve(name);
	int saved = errno;
	for (int i = 0; !sym && libs[i]; i++) {
		void *lib = dlopen(libs[i], RTLD_NOLOAD | RTLD_LAZY);
		if (lib) {
			sym = dlsym(lib, name);
			dlclose(lib);
		}
	}
	errno = saved;
	return sym;
}

static const char *const libssl[] = {"libssl.so.3", "libssl.so.1.1", NULL};
static const char *const libcrypto[] = {"libcrypto.so.3", "libcrypto.so.1.1",
					NULL};

/* Defines cs_real_NAME, its resolver (the expression lookup) and the
 * fallback used while the symbol cannot be found. */
#define CS_REAL_FROM(lookup, ret, name, params, args, fallback)                \
	static ret fallback_##name params { return (ret)(fallback); }          \
	static ret resolve_##name params;                                      \
	ret(*cs_real_##name) params = resolve_##name;                          \
	static ret(*settle_##name(void)) params                                \
	{                                                                      \
		void *sym = lookup;                                            \
		ret(*fn) params = sym ? (ret(*) params)sym : fallback_##name;  \
		if (sym)                                                       \
			__atomic_store_n(&cs_real_##name, fn,                  \
					 __ATOMIC_RELEASE);                    \
		return fn;                                                     \
	}                                                                      \
	static ret resolve_##name params { return settle_##name() args; }

/* The libc functions are also settled when the library loads, before the
 * program starts threads: the callers read the pointers without atomics,
 * which is a data race with a first call's store in two threads at once.
 * OpenSSL's are not: most programs never load it. */
#define CS_REAL(ret, name, params, args, fallback)                             \
	CS_REAL_FROM(resolve(#name), ret, name, params, args, fallback)        \
	__attribute__((constructor)) static void settle_early_##name(void)     \
	{                                                                      \
		settle_##name();                                               \
	}
#define CS_REAL_SSL(ret, name, params, args)                                   \
	CS_REAL_FROM(resolve_openssl(#name, libssl), ret, name, params, args,  \
		     (errno = ENOSYS, -1))

CS_REAL(int, connect, (int fd, const struct sockaddr *a, socklen_t l),
	(fd, a, l), syscall(SYS_connect, fd, a, l))
CS_REAL(int, accept, (int fd, struct sockaddr *a, socklen_t *l), (fd, a, l),
	syscall(SYS_accept, fd, a, l))
CS_REAL(int, accept4, (int fd, struct sockaddr *a, socklen_t *l, int f),
	(fd, a, l, f), syscall(SYS_accept4, fd, a, l, f))
CS_REAL(ssize_t, send, (int fd, const void *b, size_t n, int f),
	(fd, b, n, f), syscall(SYS_sendto, fd, b, n, f, NULL, 0))
CS_REAL(ssize_t, sendto,
	(int fd, const void *b, size_t n, int f, const struct sockaddr *a,
	 socklen_t l),
	(fd, b, n, f, a, l), syscall(SYS_sendto, fd, b, n, f, a, l))
CS_REAL(ssize_t, sendmsg, (int fd, const struct msghdr *m, int f), (fd, m, f),
	syscall(SYS_sendmsg, fd, m, f))
CS_REAL(ssize_t, write, (int fd, const void *b, size_t n), (fd, b, n),
	syscall(SYS_write, fd, b, n))
CS_REAL(ssize_t, writev, (int fd, const struct iovec *v, int c), (fd, v, c),
	syscall(SYS_writev, fd, v, c))
CS_REAL(ssize_t, recv, (int fd, void *b, size_t n, int f), (fd, b, n, f),
	syscall(SYS_recvfrom, fd, b, n, f, NULL, NULL))
CS_REAL(ssize_t, recvfrom,
	(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l),
	(fd, b, n, f, a, l), syscall(SYS_recvfrom, fd, b, n, f, a, l))
CS_REAL(ssize_t, recvmsg, (int fd, struct msghdr *m, int f), (fd, m, f),
	syscall(SYS_recvmsg, fd, m, f))
CS_REAL(ssize_t, read, (int fd, void *b, size_t n), (fd, b, n),
	syscall(SYS_read, fd, b, n))
CS_REAL(ssize_t, readv, (int fd, const struct iovec *v, int c), (fd, v, c),
	syscall(SYS_readv, fd, v, c))
CS_REAL(ssize_t, sendfile, (int o, int i, off_t *off, size_t n),
	(o, i, off, n), syscall(SYS_sendfile, o, i, off, n))
CS_REAL(ssize_t, sendfile64, (int o, int i, off64_t *off, size_t n),
	(o, i, off, n), syscall(SYS_sendfile, o, i, off, n))
CS_REAL(ssize_t, splice,
	(int i, loff_t *ioff, int o, loff_t *ooff, size_t n, unsigned f),
	(i, ioff, o, ooff, n, f), syscall(SYS_splice, i, ioff, o, ooff, n, f))
CS_REAL(ssize_t, copy_file_range,
	(int i, loff_t *ioff, int o, loff_t *ooff, size_t n, unsigned f),
	(i, ioff, o, ooff, n, f),
	syscall(SYS_copy_file_range, i, ioff, o, ooff, n, f))
CS_REAL(int, sendmmsg, (int fd, struct mmsghdr *v, unsigned n, int f),
	(fd, v, n, f), syscall(SYS_sendmmsg, fd, v, n, f))
CS_REAL(int, recvmmsg,
	(int fd, struct mmsghdr *v, unsigned n, int f, struct timespec *t),
	(fd, v, n, f, t), syscall(SYS_recvmmsg, fd, v, n, f, t))
CS_REAL(int, close, (int fd), (fd), syscall(SYS_close, fd))
CS_REAL(int, close_range, (unsigned int first, unsigned int last, int flags),
	(first, last, flags), syscall(SYS_close_range, first, last, flags))
CS_REAL(void, closefrom, (int low), (low),
	(void)syscall(SYS_close_range, low, ~0u, 0))
CS_REAL(int, dup2, (int o, int n), (o, n), syscall(SYS_dup2, o, n))
CS_REAL(int, dup3, (int o, int n, int f), (o, n, f), syscall(SYS_dup3, o, n, f))
CS_REAL(int, shutdown, (int fd, int how), (fd, how),
	syscall(SYS_shutdown, fd, how))
CS_REAL(int, socket, (int d, int t, int p), (d, t, p),
	syscall(SYS_socket, d, t, p))
CS_REAL(int, socketpair, (int d, int t, int p, int sv[2]), (d, t, p, sv),
	syscall(SYS_socketpair, d, t, p, sv))
CS_REAL(int, getsockopt, (int fd, int l, int o, void *v, socklen_t *n),
	(fd, l, o, v, n), syscall(SYS_getsockopt, fd, l, o, v, n))
CS_REAL(int, ioctl, (int fd, unsigned long r, void *a), (fd, r, a),
	syscall(SYS_ioctl, fd, r, a))
CS_REAL(int, poll, (struct pollfd * f, unsigned long n, int t), (f, n, t),
	syscall(SYS_poll, f, n, t))
CS_REAL(int, ppoll,
	(struct pollfd * f, unsigned long n, const struct timespec *t,
	 const sigset_t *m),
	(f, n, t, m), (errno = ENOSYS, -1))
CS_REAL(int, select,
	(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *t),
	(n, r, w, e, t), syscall(SYS_select, n, r, w, e, t))
CS_REAL(int, pselect,
	(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *t,
	 const sigset_t *m),
	(n, r, w, e, t, m), (errno = ENOSYS, -1))
CS_REAL(int, epoll_ctl, (int e, int op, int fd, struct epoll_event *ev),
	(e, op, fd, ev), syscall(SYS_epoll_ctl, e, op, fd, ev))
CS_REAL(int, epoll_wait, (int e, struct epoll_event *ev, int n, int t),
	(e, ev, n, t), syscall(SYS_epoll_wait, e, ev, n, t))
CS_REAL(int, epoll_pwait,
	(int e, struct epoll_event *ev, int n, int t, const sigset_t *m),
	(e, ev, n, t, m), (errno = ENOSYS, -1))
CS_REAL(int, epoll_pwait2,
	(int e, struct epoll_event *ev, int n, const struct timespec *t,
	 const sigset_t *m),
	(e, ev, n, t, m), (errno = ENOSYS, -1))
CS_REAL(int, sigaction,
	(int sig, const struct sigaction *act, struct sigaction *old),
	(sig, act, old), (errno = ENOSYS, -1))
CS_REAL(sighandler_t, signal, (int sig, sighandler_t handler), (sig, handler),
	(errno = ENOSYS, SIG_ERR))
CS_REAL(int, clock_gettime, (clockid_t c, struct timespec *ts), (c, ts),
	syscall(SYS_clock_gettime, c, ts))
CS_REAL(int, gettimeofday, (struct timeval *tv, void *tz), (tv, tz),
	syscall(SYS_gettimeofday, tv, tz))
CS_REAL(time_t, time, (time_t *t), (t), syscall(SYS_time, t))
CS_REAL(int, timespec_get, (struct timespec *ts, int base), (ts, base),
	(base == TIME_UTC && syscall(SYS_clock_gettime, CLOCK_REALTIME, ts) == 0)
		? base
		: 0)
CS_REAL(int, getaddrinfo,
	(const char *node, const char *service, const struct addrinfo *hints,
	 struct addrinfo **res),
	(node, service, hints, res), EAI_SYSTEM)
CS_REAL(struct hostent *, gethostbyname, (const char *name), (name), NULL)
CS_REAL(struct hostent *, gethostbyname2, (const char *name, int af),
	(name, af), NULL)

CS_REAL_SSL(int, SSL_read, (SSL * s, void *b, int n), (s, b, n))
CS_REAL_SSL(int, SSL_read_ex, (SSL * s, void *b, size_t n, size_t *got),
	    (s, b, n, got))
CS_REAL_SSL(int, SSL_write, (SSL * s, const void *b, int n), (s, b, n))
CS_REAL_SSL(int, SSL_write_ex, (SSL * s, const void *b, size_t n, size_t *put),
	    (s, b, n, put))
CS_REAL_SSL(int, SSL_connect, (SSL * s), (s))
CS_REAL_SSL(int, SSL_accept, (SSL * s), (s))
CS_REAL_SSL(int, SSL_do_handshake, (SSL * s), (s))
CS_REAL_SSL(int, SSL_get_fd, (const SSL *s), (s))
#define CS_REAL_CRYPTO(ret, name, params, args, fallback)                      \
	CS_REAL_FROM(resolve_openssl(#name, libcrypto), ret, name, params,     \
		     args, fallback)
CS_REAL_FROM(resolve_openssl("SSL_free", libssl), void, SSL_free, (SSL * s),
	     (s), (void)0)
CS_REAL_FROM(resolve_openssl("SSL_get_rbio", libssl), BIO *, SSL_get_rbio,
	     (const SSL *s), (s), NULL)
CS_REAL_FROM(resolve_openssl("SSL_get_wbio", libssl), BIO *, SSL_get_wbio,
	     (const SSL *s), (s), NULL)
CS_REAL_CRYPTO(cs_bio_callback_ex, BIO_get_callback_ex, (const BIO *b), (b),
	       NULL)
CS_REAL_CRYPTO(void *, BIO_get_callback, (const BIO *b), (b), NULL)
CS_REAL_CRYPTO(void, BIO_set_callback_ex, (BIO * b, cs_bio_callback_ex cb),
	       (b, cb), (void)0)
CS_REAL_CRYPTO(void, BIO_set_flags, (BIO * b, int flags), (b, flags), (void)0)
CS_REAL_FROM(resolve_openssl("X509_verify_cert", libcrypto), int,
	     X509_verify_cert, (X509_STORE_CTX * ctx), (ctx),
	     (errno = ENOSYS, -1))
CS_REAL_FROM(resolve_openssl("X509_STORE_CTX_set_time", libcrypto), void,
	     X509_STORE_CTX_set_time,
	     (X509_STORE_CTX * ctx, unsigned long flags, time_t t),
	     (ctx, flags, t), (void)0)
