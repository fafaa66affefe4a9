/* What the seccomp supervisor of `run --trap` cannot apply, and why: for
 * `check --trap` (which refuses it) and `run` (which warns). */
#include <stdio.h>

#include "cs_names.h"
#include "ctl/trap.h"

/* The families no trapped system call carries, and why. */
static const char *family_unreachable(enum cs_family family)
{
	switch (family) {
	case CS_FAM_SSL_READ:
	case CS_FAM_SSL_WRITE:
	case CS_FAM_SSL_HANDSHAKE:
		return "TLS is code inside a static or Go program (Go's crypto/tls), "
		       "not a system call";
	case CS_FAM_CLOCK:
		return "clocks are read through the vDSO, without a system call";
	case CS_FAM_DNS:
		return "name lookups are the program's own code over UDP";
	default:
		return NULL;
	}
}

static const char *fault_unreachable(enum cs_fault fault)
{
	switch (fault) {
	case CS_FAULT_BANDWIDTH:
	case CS_FAULT_LOSS:
		return "the supervisor answers each trapped call once and cannot "
		       "pace what the kernel moves (the preload can, for a "
		       "dynamically linked program)";
	case CS_FAULT_LIMIT_DATA:
		return "the supervisor keeps no count of a connection's bytes, "
		       "and would have to shorten the call that crosses the limit";
	case CS_FAULT_EOF:
		return "the supervisor lets a receive run or fails it, and keeps "
		       "no readiness back for an end of stream it would make up";
	case CS_FAULT_DUPLICATE:
	case CS_FAULT_REORDER:
		return "the supervisor lets a send run once, when it is made: it "
		       "does not repeat one or keep one back";
	case CS_FAULT_CORRUPT:
		return "the supervisor does not touch the bytes the kernel reads "
		       "into the program";
	case CS_FAULT_SLOW_CLOSE:
		return "close is not trapped: the socket is gone when the program "
		       "closes it";
	case CS_FAULT_CLOCK_SKEW:
		return "clocks are read through the vDSO, without a system call";
	case CS_FAULT_HTTP_RESPONSE:
	case CS_FAULT_HTTP_DELAY:
		return "the supervisor sees no decrypted bytes, and cannot hold a "
		       "request back or make up what a read returns";
	default:
		return NULL;
	}
}

const char *cs_trap_unreachable(const struct cs_rule *rule, char *what,
				size_t size)
{
	const char *reason = fault_unreachable((enum cs_fault)rule->fault);
	if (reason) {
		snprintf(what, size, "fault '%s'", cs_fault_name(rule->fault));
		return reason;
	}
	for (int f = 0; f < CS_FAM_COUNT; f++) {
		reason = (rule->calls & CS_BIT(f))
				 ? family_unreachable((enum cs_family)f)
				 : NULL;
		if (reason) {
			snprintf(what, size, "calls '%s'", cs_family_name(f));
			return reason;
		}
	}
	return NULL;
}
