/* Names users type and the numbers the shim uses: families, faults, errno
 * names, signal names and getaddrinfo error names. */
#ifndef CS_NAMES_H
#define CS_NAMES_H

#include "cs_table.h"

/* Each returns the number for a name, or -1 when the name is unknown;
 * cs_eai_from_name returns 0 instead, as EAI codes are negative (-1 is
 * EAI_BADFLAGS). Errno, signal and EAI names ignore ASCII case. */
int cs_family_from_name(const char *name);
int cs_fault_from_name(const char *name);
int cs_errno_from_name(const char *name);  /* "ECONNRESET" -> ECONNRESET */
int cs_signal_from_name(const char *name); /* "SIGKILL" or "KILL" */
int cs_eai_from_name(const char *name);    /* "EAI_AGAIN" -> EAI_AGAIN */

/* Each returns a static name for a number, or NULL when there is none. */
const char *cs_family_name(int family);
const char *cs_fault_name(int fault);
const char *cs_errno_name(int err);
const char *cs_signal_name(int sig);
const char *cs_eai_name(int code);

/* limit_data's `action` values, indexed by enum cs_limit_end. */
extern const char *const cs_limit_end_names[CS_LIMIT_HANG + 1];

#endif
