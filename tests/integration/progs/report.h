/* What the C test clients print: an errno's name, and a stopwatch. */
#ifndef PROGS_REPORT_H
#define PROGS_REPORT_H

#include <errno.h>
#include <time.h>

static const char *errno_name(int err)
{
	switch (err) {
	case 0: return "EOF";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case ECONNABORTED: return "ECONNABORTED";
	case EAGAIN: return "EAGAIN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ENETUNREACH: return "ENETUNREACH";
	case EPIPE: return "EPIPE";
	case EIO: return "EIO";
	case EACCES: return "EACCES";
	case ENOSYS: return "ENOSYS";
	case EINTR: return "EINTR";
	default: return "EOTHER";
	}
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif
