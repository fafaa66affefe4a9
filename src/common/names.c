/* The names users type in profiles and the numbers the shim works with. */
#include "cs_names.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stddef.h>

struct named {
	int value;
	const char *name;
};

#define NAMED(x) { x, #x }
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Indexed by enum cs_family and enum cs_fault. */
static const char *const family_names[CS_FAM_COUNT] = {
	"connect", "accept", "send", "recv", "ssl_read",
	"ssl_write", "ssl_handshake", "clock", "dns", "close",
};

static const char *const fault_names[CS_FAULT_COUNT] = {
	"latency", "reset", "drop", "error", "slice",
	"bandwidth", "kill", "clock_skew", "loss", "eof", "limit_data",
	"duplicate", "corrupt", "slow_close", "reorder", "http_response",
	"http_delay",
};

const char *const cs_limit_end_names[CS_LIMIT_HANG + 1] = {
	"close", "reset", "hang",
};

/* Aliases follow their canonical name so that number-to-name lookups,
 * which take the first hit, give the canonical one. */
static const struct named errno_names[] = {
	NAMED(EPERM), NAMED(ENOENT), NAMED(ESRCH), NAMED(EINTR), NAMED(EIO),
	NAMED(ENXIO), NAMED(E2BIG), NAMED(ENOEXEC), NAMED(EBADF),
	NAMED(ECHILD), NAMED(EAGAIN), NAMED(EWOULDBLOCK), NAMED(ENOMEM),
	NAMED(EACCES), NAMED(EFAULT), NAMED(ENOTBLK), NAMED(EBUSY),
	NAMED(EEXIST), NAMED(EXDEV), NAMED(ENODEV), NAMED(ENOTDIR),
	NAMED(EISDIR), NAMED(EINVAL), NAMED(ENFILE), NAMED(EMFILE),
	NAMED(ENOTTY), NAMED(ETXTBSY), NAMED(EFBIG), NAMED(ENOSPC),
	NAMED(ESPIPE), NAMED(EROFS), NAMED(EMLINK), NAMED(EPIPE),
	NAMED(EDOM), NAMED(ERANGE), NAMED(EDEADLK), NAMED(EDEADLOCK),
	NAMED(ENAMETOOLONG), NAMED(ENOLCK), NAMED(ENOSYS),
	NAMED(ENOTEMPTY), NAMED(ELOOP), NAMED(ENOMSG), NAMED(EIDRM),
	NAMED(ECHRNG), NAMED(EL2NSYNC), NAMED(EL3HLT), NAMED(EL3RST),
	NAMED(ELNRNG), NAMED(EUNATCH), NAMED(ENOCSI), NAMED(EL2HLT),
	NAMED(EBADE), NAMED(EBADR), NAMED(EXFULL), NAMED(ENOANO),
	NAMED(EBADRQC), NAMED(EBADSLT), NAMED(EBFONT), NAMED(ENOSTR),
	NAMED(ENODATA), NAMED(ETIME), NAMED(ENOSR), NAMED(ENONET),
	NAMED(ENOPKG), NAMED(EREMOTE), NAMED(ENOLINK), NAMED(EADV),
	NAMED(ESRMNT), NAMED(ECOMM), NAMED(EPROTO), NAMED(EMULTIHOP),
	NAMED(EDOTDOT), NAMED(EBADMSG), NAMED(EOVERFLOW), NAMED(ENOTUNIQ),
	NAMED(EBADFD), NAMED(EREMCHG), NAMED(ELIBACC), NAMED(ELIBBAD),
	NAMED(ELIBSCN), NAMED(ELIBMAX), NAMED(ELIBEXEC), NAMED(EILSEQ),
	NAMED(ERESTART), NAMED(ESTRPIPE), NAMED(EUSERS), NAMED(ENOTSOCK),
	NAMED(EDESTADDRREQ), NAMED(EMSGSIZE), NAMED(EPROTOTYPE),
	NAMED(ENOPROTOOPT), NAMED(EPROTONOSUPPORT), NAMED(ESOCKTNOSUPPORT),
	NAMED(EOPNOTSUPP), NAMED(ENOTSUP), NAMED(EPFNOSUPPORT),
	NAMED(EAFNOSUPPORT), NAMED(EADDRINUSE), NAMED(EADDRNOTAVAIL),
	NAMED(ENETDOWN), NAMED(ENETUNREACH), NAMED(ENETRESET),
	NAMED(ECONNABORTED), NAMED(ECONNRESET), NAMED(ENOBUFS),
	NAMED(EISCONN), NAMED(ENOTCONN), NAMED(ESHUTDOWN),
	NAMED(ETOOMANYREFS), NAMED(ETIMEDOUT), NAMED(ECONNREFUSED),
	NAMED(EHOSTDOWN), NAMED(EHOSTUNREACH), NAMED(EALREADY),
	NAMED(EINPROGRESS), NAMED(ESTALE), NAMED(EUCLEAN), NAMED(ENOTNAM),
	NAMED(ENAVAIL), NAMED(EISNAM), NAMED(EREMOTEIO), NAMED(EDQUOT),
	NAMED(ENOMEDIUM), NAMED(EMEDIUMTYPE), NAMED(ECANCELED),
	NAMED(ENOKEY), NAMED(EKEYEXPIRED), NAMED(EKEYREVOKED),
	NAMED(EKEYREJECTED), NAMED(EOWNERDEAD), NAMED(ENOTRECOVERABLE),
	NAMED(ERFKILL), NAMED(EHWPOISON),
};

static const struct named signal_names[] = {
	NAMED(SIGHUP), NAMED(SIGINT), NAMED(SIGQUIT), NAMED(SIGILL),
	NAMED(SIGTRAP), NAMED(SIGABRT), NAMED(SIGIOT), NAMED(SIGBUS),
	NAMED(SIGFPE), NAMED(SIGKILL), NAMED(SIGUSR1), NAMED(SIGSEGV),
	NAMED(SIGUSR2), NAMED(SIGPIPE), NAMED(SIGALRM), NAMED(SIGTERM),
	NAMED(SIGSTKFLT), NAMED(SIGCHLD), NAMED(SIGCLD), NAMED(SIGCONT),
	NAMED(SIGSTOP), NAMED(SIGTSTP), NAMED(SIGTTIN), NAMED(SIGTTOU),
	NAMED(SIGURG), NAMED(SIGXCPU), NAMED(SIGXFSZ), NAMED(SIGVTALRM),
	NAMED(SIGPROF), NAMED(SIGWINCH), NAMED(SIGIO), NAMED(SIGPOLL),
	NAMED(SIGPWR), NAMED(SIGSYS),
};

static const struct named eai_names[] = {
	NAMED(EAI_AGAIN), NAMED(EAI_NONAME), NAMED(EAI_FAIL),
	NAMED(EAI_FAMILY), NAMED(EAI_MEMORY), NAMED(EAI_SERVICE),
	NAMED(EAI_SOCKTYPE), NAMED(EAI_SYSTEM), NAMED(EAI_BADFLAGS),
	NAMED(EAI_OVERFLOW), NAMED(EAI_NODATA), NAMED(EAI_ADDRFAMILY),
};

/* Families and faults are profile keywords and match exactly; errno, signal
 * and getaddrinfo names are C identifiers that people also type in lower
 * case, so those match without regard to ASCII case. */
static int ascii_upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static bool same_ignoring_case(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_upper((unsigned char)*a) != ascii_upper((unsigned char)*b))
			return false;
	return *a == *b;
}

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int index_of(const char *const *names, size_t n, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (same(names[i], name))
			return (int)i;
	return -1;
}

static const char *name_at(const char *const *names, size_t n, int i)
{
	return i >= 0 && (size_t)i < n ? names[i] : NULL;
}

/* skip lets "KILL" match "SIGKILL": that many leading characters of the
 * table's names may be left out by the user. */
static const struct named *lookup_name(const struct named *t, size_t n,
				       const char *name, size_t skip)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (same_ignoring_case(t[i].name, name) ||
		    (skip && same_ignoring_case(t[i].name + skip, name)))
			return &t[i];
	return NULL;
}

static const char *lookup_value(const struct named *t, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return NULL;
}

int cs_family_from_name(const char *name)
{
	return index_of(family_names, COUNT(family_names), name);
}

int cs_fault_from_name(const char *name)
{
	return index_of(fault_names, COUNT(fault_names), name);
}

int cs_errno_from_name(const char *name)
{
	const struct named *e = lookup_name(errno_names, COUNT(errno_names), name, 0);
	return e ? e->value : -1;
}

int cs_signal_from_name(const char *name)
{
	const struct named *e =
		lookup_name(signal_names, COUNT(signal_names), name, 3);
	return e ? e->value : -1;
}

/* EAI codes are negative in glibc, so -1 cannot mean "unknown" here
 * without ambiguity: it is EAI_BADFLAGS. Unknown names give 0 instead,
 * which no EAI code uses. */
int cs_eai_from_name(const char *name)
{
	const struct named *e = lookup_name(eai_names, COUNT(eai_names), name, 0);
	return e ? e->value : 0;
}

const char *cs_family_name(int family)
{
	return name_at(family_names, COUNT(family_names), family);
}

const char *cs_fault_name(int fault)
{
	return name_at(fault_names, COUNT(fault_names), fault);
}

const char *cs_errno_name(int err)
{
	return lookup_value(errno_names, COUNT(errno_names), err);
}

const char *cs_signal_name(int sig)
{
	return lookup_value(signal_names, COUNT(signal_names), sig);
}

const char *cs_eai_name(int code)
{
	return lookup_value(eai_names, COUNT(eai_names), code);
}
