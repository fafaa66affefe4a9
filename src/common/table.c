/* The compiled rule table: which faults fit which calls, lookups, and the
 * validation every shim runs on its private copy of the shared table. */
#include "cs_table.h"

#include <string.h>

#include "common/rule_keys.h"


/* The calls each fault can be applied to. */
/* Every family but close, which only slow_close fits (and latency, the
 * fault of a rule whose fault is not read yet: cs_rule_check_use refuses
 * it in a finished rule). */
#define CALL_FAMILIES (CS_ALL_FAMILIES & ~CS_BIT(CS_FAM_CLOSE))

/* The calls each fault can be applied to. */
static const uint32_t fault_families[CS_FAULT_COUNT] = {
	[CS_FAULT_LATENCY] = CS_ALL_FAMILIES,
	[CS_FAULT_RESET] = CS_SOCKET_FAMILIES | CS_SSL_FAMILIES,
	[CS_FAULT_DROP] = (CS_SOCKET_FAMILIES | CS_SSL_FAMILIES) &
			  ~CS_BIT(CS_FAM_ACCEPT),
	[CS_FAULT_ERROR] = CALL_FAMILIES & ~CS_BIT(CS_FAM_CLOCK),
	[CS_FAULT_SLICE] = CS_BIT(CS_FAM_SEND) | CS_BIT(CS_FAM_RECV) |
			   CS_BIT(CS_FAM_SSL_READ) | CS_BIT(CS_FAM_SSL_WRITE),
	[CS_FAULT_BANDWIDTH] = CS_BIT(CS_FAM_SEND) | CS_BIT(CS_FAM_RECV) |
			       CS_BIT(CS_FAM_SSL_READ) | CS_BIT(CS_FAM_SSL_WRITE),
	[CS_FAULT_KILL] = CALL_FAMILIES,
	[CS_FAULT_CLOCK_SKEW] = CS_BIT(CS_FAM_CLOCK),
	[CS_FAULT_LOSS] = CS_BIT(CS_FAM_CONNECT) | CS_BIT(CS_FAM_SEND) |
			  CS_BIT(CS_FAM_RECV) | CS_BIT(CS_FAM_SSL_READ) |
			  CS_BIT(CS_FAM_SSL_WRITE),
	[CS_FAULT_EOF] = CS_BIT(CS_FAM_RECV) | CS_BIT(CS_FAM_SSL_READ),
	[CS_FAULT_LIMIT_DATA] = CS_BIT(CS_FAM_SEND) | CS_BIT(CS_FAM_RECV),
	[CS_FAULT_DUPLICATE] = CS_BIT(CS_FAM_SEND),
	[CS_FAULT_CORRUPT] = CS_BIT(CS_FAM_RECV),
	[CS_FAULT_SLOW_CLOSE] = CS_BIT(CS_FAM_CLOSE),
	[CS_FAULT_REORDER] = CS_BIT(CS_FAM_SEND),
	[CS_FAULT_HTTP_RESPONSE] = CS_HTTP_REQUEST_FAMILIES,
	[CS_FAULT_HTTP_DELAY] = CS_HTTP_REQUEST_FAMILIES,
};

enum cs_proto cs_fault_proto(enum cs_fault fault)
{
	switch (fault) {
	case CS_FAULT_EOF:
	case CS_FAULT_LIMIT_DATA:
	case CS_FAULT_SLOW_CLOSE:
	case CS_FAULT_HTTP_RESPONSE:
	case CS_FAULT_HTTP_DELAY:
		return CS_PROTO_TCP;
	case CS_FAULT_DUPLICATE:
	case CS_FAULT_CORRUPT:
	case CS_FAULT_REORDER:
		return CS_PROTO_UDP;
	default:
		return CS_PROTO_ANY;
	}
}

bool cs_fault_fits_calls(enum cs_fault fault, uint32_t calls)
{
	if ((unsigned)fault >= CS_FAULT_COUNT || (calls & ~fault_families[fault]))
		return false;
	/* An error rule holds one number: a getaddrinfo code for dns, an errno
	 * for every other call. It cannot serve both. */
	if (fault == CS_FAULT_ERROR && (calls & CS_BIT(CS_FAM_DNS)) &&
	    (calls & ~CS_BIT(CS_FAM_DNS)))
		return false;
	return true;
}

static uint32_t rule_count(const struct cs_table *table)
{
	return table->nrules < CS_MAX_RULES ? table->nrules : CS_MAX_RULES;
}

uint32_t cs_table_armed_mask(const struct cs_table *table)
{
	uint32_t mask = 0;
	for (uint32_t i = 0; i < rule_count(table); i++) {
		const struct cs_rule *r = &table->rules[i];
		if (!r->enabled)
			continue;
		if (r->fault == CS_FAULT_CLOCK_SKEW && r->scope == CS_SCOPE_TLS)
			mask |= CS_ARM_CERT_CHECK;
		else
			mask |= r->calls & CS_ALL_FAMILIES;
		/* A request written on a socket or in a TLS session is answered
		 * through the receives, which see the sockets' readiness too;
		 * a TLS session's socket is learnt at its handshake. */
		if (cs_fault_is_http(r->fault))
			mask |= CS_HTTP_RESPONSE_FAMILIES |
				(r->calls & CS_BIT(CS_FAM_SSL_WRITE)
					 ? CS_BIT(CS_FAM_SSL_HANDSHAKE)
					 : 0);
	}
	return mask;
}

int cs_table_find(const struct cs_table *table, const char *name)
{
	if (strnlen(name, CS_NAME_MAX) == CS_NAME_MAX)
		return -1;
	for (uint32_t i = 0; i < rule_count(table); i++)
		if (strncmp(table->rules[i].name, name, CS_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

int cs_table_validate(const struct cs_table *table, char *err, size_t errlen)
{
	const struct cs_where none = { 0 };

	if (table->nrules > CS_MAX_RULES)
		return cs_where_fail(&none, err, errlen,
				     "table holds %u rules, at most %d",
				     table->nrules, CS_MAX_RULES);
	if (table->has_seed > 1)
		return cs_where_fail(&none, err, errlen,
				     "seed flag %u is neither 0 nor 1",
				     table->has_seed);
	if (!memchr(table->log_path, '\0', sizeof(table->log_path)))
		return cs_where_fail(&none, err, errlen,
				     "log path is not terminated");

	for (uint32_t i = 0; i < table->nrules; i++) {
		const struct cs_rule *r = &table->rules[i];
		struct cs_where w = { .index = i + 1 };
		if (cs_rule_check(r, &w, err, errlen) < 0)
			return -1;
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(table->rules[j].name, r->name) == 0)
				return cs_where_fail(&none, err, errlen,
						     "duplicate rule name '%s'",
						     r->name);
	}
	return 0;
}
