/* Unit tests of the name tables: families, faults, errno, signal and
 * getaddrinfo error names, both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <string.h>

#include "cs_names.h"

static void test_families(void **state)
{
	static const char *const names[] = {
		"connect", "accept", "send", "recv", "ssl_read",
		"ssl_write", "ssl_handshake", "clock", "dns", "close",
	};
	assert_int_equal(sizeof(names) / sizeof(names[0]), CS_FAM_COUNT);
	for (int f = 0; f < CS_FAM_COUNT; f++) {
		assert_int_equal(cs_family_from_name(names[f]), f);
		assert_string_equal(cs_family_name(f), names[f]);
	}
	assert_int_equal(cs_family_from_name("CONNECT"), -1);
	assert_int_equal(cs_family_from_name("conn"), -1);
	assert_int_equal(cs_family_from_name(""), -1);
	assert_int_equal(cs_family_from_name(NULL), -1);
	assert_null(cs_family_name(CS_FAM_COUNT));
	assert_null(cs_family_name(-1));
}

static void test_faults(void **state)
{
	static const char *const names[] = {
		"latency", "reset", "drop", "error",
		"slice", "bandwidth", "kill", "clock_skew", "loss", "eof",
		"limit_data", "duplicate", "corrupt", "slow_close", "reorder",
		"http_response", "http_delay",
	};
	assert_int_equal(sizeof(names) / sizeof(names[0]), CS_FAULT_COUNT);
	for (int f = 0; f < CS_FAULT_COUNT; f++) {
		assert_int_equal(cs_fault_from_name(names[f]), f);
		assert_string_equal(cs_fault_name(f), names[f]);
	}
	assert_int_equal(cs_fault_from_name("clock-skew"), -1);
	assert_null(cs_fault_name(CS_FAULT_COUNT));
}

static void test_errno_names(void **state)
{
	assert_int_equal(cs_errno_from_name("ECONNRESET"), ECONNRESET);
	assert_int_equal(cs_errno_from_name("econnreset"), ECONNRESET);
	assert_int_equal(cs_errno_from_name("EINTR"), EINTR);
	assert_int_equal(cs_errno_from_name("EPERM"), EPERM);
	assert_int_equal(cs_errno_from_name("EHWPOISON"), EHWPOISON);
	assert_int_equal(cs_errno_from_name("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(cs_errno_from_name("ENOTSUP"), EOPNOTSUPP);
	assert_int_equal(cs_errno_from_name("EDEADLOCK"), EDEADLK);
	assert_int_equal(cs_errno_from_name("ECONNRESETX"), -1);
	assert_int_equal(cs_errno_from_name("ECONN"), -1);
	assert_int_equal(cs_errno_from_name(""), -1);
	/* Aliases give way to the canonical name. */
	assert_string_equal(cs_errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(cs_errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	assert_string_equal(cs_errno_name(ETIMEDOUT), "ETIMEDOUT");
	assert_null(cs_errno_name(0));
	assert_null(cs_errno_name(4095));
}

/* Every errno value from 1 to the highest Linux defines has a name that
 * reads back to it, except the numbers Linux leaves unused (41, 58). */
static void test_errno_complete(void **state)
{
	for (int e = 1; e <= EHWPOISON; e++) {
		const char *name = cs_errno_name(e);
		if (e == 41 || e == 58) {
			assert_null(name);
			continue;
		}
		assert_non_null(name);
		assert_int_equal(cs_errno_from_name(name), e);
		assert_int_equal(name[0], 'E');
	}
}

static void test_signal_names(void **state)
{
	assert_int_equal(cs_signal_from_name("SIGKILL"), SIGKILL);
	assert_int_equal(cs_signal_from_name("KILL"), SIGKILL);
	assert_int_equal(cs_signal_from_name("kill"), SIGKILL);
	assert_int_equal(cs_signal_from_name("sigterm"), SIGTERM);
	assert_int_equal(cs_signal_from_name("SIGUSR1"), SIGUSR1);
	assert_int_equal(cs_signal_from_name("SEGV"), SIGSEGV);
	assert_int_equal(cs_signal_from_name("SIGIOT"), SIGABRT);
	assert_int_equal(cs_signal_from_name("SIGSIGKILL"), -1);
	assert_int_equal(cs_signal_from_name("SIG"), -1);
	assert_int_equal(cs_signal_from_name("9"), -1);
	assert_string_equal(cs_signal_name(SIGKILL), "SIGKILL");
	assert_string_equal(cs_signal_name(SIGABRT), "SIGABRT");
	assert_null(cs_signal_name(0));
	for (int s = 1; s <= SIGSYS; s++) {
		assert_non_null(cs_signal_name(s));
		assert_int_equal(cs_signal_from_name(cs_signal_name(s)), s);
		assert_int_equal(cs_signal_from_name(cs_signal_name(s) + 3), s);
	}
}

static void test_eai_names(void **state)
{
	static const struct {
		const char *name;
		int code;
	} all[] = {
		{ "EAI_AGAIN", EAI_AGAIN },       { "EAI_NONAME", EAI_NONAME },
		{ "EAI_FAIL", EAI_FAIL },         { "EAI_FAMILY", EAI_FAMILY },
		{ "EAI_MEMORY", EAI_MEMORY },     { "EAI_SERVICE", EAI_SERVICE },
		{ "EAI_SOCKTYPE", EAI_SOCKTYPE }, { "EAI_SYSTEM", EAI_SYSTEM },
		{ "EAI_BADFLAGS", EAI_BADFLAGS }, { "EAI_OVERFLOW", EAI_OVERFLOW },
		{ "EAI_NODATA", EAI_NODATA },     { "EAI_ADDRFAMILY", EAI_ADDRFAMILY },
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_int_equal(cs_eai_from_name(all[i].name), all[i].code);
		assert_string_equal(cs_eai_name(all[i].code), all[i].name);
	}
	assert_int_equal(cs_eai_from_name("eai_again"), EAI_AGAIN);
	assert_int_equal(cs_eai_from_name("EAI_BOGUS"), 0);
	assert_int_equal(cs_eai_from_name("AGAIN"), 0);
	assert_null(cs_eai_name(0));
	assert_null(cs_eai_name(EINTR));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_errno_complete),
		cmocka_unit_test(test_signal_names),
		cmocka_unit_test(test_eai_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
