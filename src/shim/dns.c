/* Interposers of the dns family: getaddrinfo, and the older gethostbyname
 * and gethostbyname2 that some programs (getent hosts) still call. */
#include <netdb.h>

#include "shim/shim.h"

/* Returns the EAI_* code to fail with, or 0 to resolve for real. */
static int dns_fault(const char *host, const char *name)
{
	struct cs_call call = {.family = CS_FAM_DNS,
			       .name = name,
			       .fd = -1,
			       .host = host};
	struct cs_action action;
	if (!cs_engine_decide(&call, &action) ||
	    cs_apply_common(&action) != CS_FAULT_ERROR)
		return 0;
	if (action.error == EAI_SYSTEM)
		errno = EIO;
	return action.error;
}

static CS_SLOW_PATH int getaddrinfo_slow(const char *node, const char *service,
					 const struct addrinfo *hints,
					 struct addrinfo **res)
{
	int fail = dns_fault(node, "getaddrinfo");
	return fail ? fail : cs_real_getaddrinfo(node, service, hints, res);
}

CS_EXPORT int getaddrinfo(const char *node, const char *service,
			  const struct addrinfo *hints, struct addrinfo **res)
{
	if (cs_likely(!cs_armed(CS_FAM_DNS)))
		return cs_real_getaddrinfo(node, service, hints, res);
	return getaddrinfo_slow(node, service, hints, res);
}

/* The resolver's h_errno for a getaddrinfo error. */
static int herror_of(int eai)
{
	switch (eai) {
	case EAI_NONAME:
		return HOST_NOT_FOUND;
	case EAI_AGAIN:
		return TRY_AGAIN;
	case EAI_NODATA:
		return NO_DATA;
	default:
		return NO_RECOVERY;
	}
}

/* The old interfaces' slow path: true when the lookup must fail, with
 * h_errno set as the resolver would. */
static CS_SLOW_PATH bool hostent_fails(const char *name, const char *call)
{
	int fail = dns_fault(name, call);
	if (fail)
		h_errno = herror_of(fail);
	return fail != 0;
}

CS_EXPORT struct hostent *gethostbyname(const char *name)
{
	if (cs_likely(!cs_armed(CS_FAM_DNS)) ||
	    !hostent_fails(name, "gethostbyname"))
		return cs_real_gethostbyname(name);
	return NULL;
}

CS_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	if (cs_likely(!cs_armed(CS_FAM_DNS)) ||
	    !hostent_fails(name, "gethostbyname2"))
		return cs_real_gethostbyname2(name, af);
	return NULL;
}
