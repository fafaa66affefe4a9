/* Unit tests of endpoint patterns: parsing, matching (with IPv4-mapped
 * IPv6), and formatting without libc's formatters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "cs_addr.h"

static char err[256];

static struct cs_endpoint parse_ok(const char *text)
{
	struct cs_endpoint e;
	if (cs_endpoint_parse(text, &e, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", text, err);
	return e;
}

static struct cs_sockaddr v4(const char *a, uint16_t port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct cs_sockaddr out;
	assert_int_equal(inet_pton(AF_INET, a, &in.sin_addr), 1);
	cs_sockaddr_from((struct sockaddr *)&in, sizeof(in), &out);
	return out;
}

static struct cs_sockaddr v6(const char *a, uint16_t port)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct cs_sockaddr out;
	assert_int_equal(inet_pton(AF_INET6, a, &in6.sin6_addr), 1);
	cs_sockaddr_from((struct sockaddr *)&in6, sizeof(in6), &out);
	return out;
}

static bool matches(const char *pattern, struct cs_sockaddr addr)
{
	struct cs_endpoint e = parse_ok(pattern);
	return cs_endpoint_matches(&e, &addr);
}

static void test_parse_forms(void **state)
{
	struct cs_endpoint e;

	e = parse_ok("127.0.0.1:5432");
	assert_int_equal(e.family, AF_INET);
	assert_int_equal(e.prefix_len, 32);
	assert_int_equal(e.port_lo, 5432);
	assert_int_equal(e.port_hi, 5432);
	assert_memory_equal(e.addr, "\x7f\0\0\x01", 4);

	e = parse_ok("10.1.2.3/8");
	assert_int_equal(e.prefix_len, 8);
	assert_memory_equal(e.addr, "\x0a\0\0\0", 4); /* host bits cleared */
	assert_int_equal(e.port_lo, 0);
	assert_int_equal(e.port_hi, 65535);

	e = parse_ok("[::1]:443");
	assert_int_equal(e.family, AF_INET6);
	assert_int_equal(e.prefix_len, 128);
	assert_int_equal(e.port_lo, 443);

	e = parse_ok("[2001:db8::/32]:1000-2000");
	assert_int_equal(e.family, AF_INET6);
	assert_int_equal(e.prefix_len, 32);
	assert_int_equal(e.port_lo, 1000);
	assert_int_equal(e.port_hi, 2000);

	e = parse_ok("[2001:db8::]/32:80");
	assert_int_equal(e.prefix_len, 32);
	assert_int_equal(e.port_lo, 80);

	e = parse_ok("::1");
	assert_int_equal(e.family, AF_INET6);
	assert_int_equal(e.port_hi, 65535);
	e = parse_ok("fe80::/10");
	assert_int_equal(e.prefix_len, 10);

	e = parse_ok("*");
	assert_int_equal(e.family, 0);
	assert_int_equal(e.port_lo, 0);
	assert_int_equal(e.port_hi, 65535);
	e = parse_ok("*:8080");
	assert_int_equal(e.family, 0);
	assert_int_equal(e.port_lo, 8080);
	e = parse_ok(":80");
	assert_int_equal(e.family, 0);
	assert_int_equal(e.port_hi, 80);
	e = parse_ok("10.0.0.1:*");
	assert_int_equal(e.port_hi, 65535);
	e = parse_ok("0.0.0.0/0:0-1023");
	assert_int_equal(e.prefix_len, 0);
	assert_int_equal(e.port_hi, 1023);

	/* A mapped pattern is the IPv4 pattern it stands for. */
	e = parse_ok("::ffff:192.0.2.1");
	assert_int_equal(e.family, AF_INET);
	assert_int_equal(e.prefix_len, 32);
	assert_memory_equal(e.addr, "\xc0\x00\x02\x01", 4);
	e = parse_ok("[::ffff:10.0.0.0/104]:22");
	assert_int_equal(e.family, AF_INET);
	assert_int_equal(e.prefix_len, 8);
}

static void expect_bad(const char *text, const char *message)
{
	struct cs_endpoint e;
	assert_int_equal(cs_endpoint_parse(text, &e, err, sizeof(err)), -1);
	assert_string_equal(err, message);
}

static void test_parse_errors(void **state)
{
	expect_bad("", "empty endpoint");
	expect_bad("1.2.3:80", "'1.2.3' is not an IP address");
	expect_bad("localhost:80", "'localhost' is not an IP address");
	expect_bad("1.2.3.4:", "missing port after ':' in '1.2.3.4:'");
	expect_bad("1.2.3.4:65536", "bad port '65536', expected 0..65535");
	expect_bad("1.2.3.4:-5", "bad port '-5', expected 0..65535");
	expect_bad("1.2.3.4:80-", "bad port range '80-', expected LOW-HIGH within 0..65535");
	expect_bad("1.2.3.4:80x", "bad port '80x', expected PORT or LOW-HIGH");
	expect_bad("*:2000-1000", "port range '2000-1000' runs backwards");
	expect_bad("1.2.3.4/33", "bad prefix '/33', expected 0..32");
	expect_bad("::1/129", "bad prefix '/129', expected 0..128");
	expect_bad("1.2.3.4/", "bad prefix '/', expected 0..32");
	expect_bad("*/8", "'*' takes no prefix");
	expect_bad("[::1:80", "missing ']' in '[::1:80'");
	expect_bad("[::1]80", "unexpected '80' after ']'");
	expect_bad("[1.2.3.4]:80", "brackets hold an IPv6 address, not '1.2.3.4'");
	expect_bad("[::1/64]/64:80", "two prefixes in '[::1/64]/64:80'");
	expect_bad("1.2.3.4 :80", "'1.2.3.4 ' is not an IP address");
	expect_bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		   "endpoint 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is too long");
}

static void test_match_ipv4(void **state)
{
	assert_true(matches("127.0.0.1:5432", v4("127.0.0.1", 5432)));
	assert_false(matches("127.0.0.1:5432", v4("127.0.0.1", 5433)));
	assert_false(matches("127.0.0.1:5432", v4("127.0.0.2", 5432)));
	assert_true(matches("10.0.0.0/8", v4("10.255.1.2", 1)));
	assert_false(matches("10.0.0.0/8", v4("11.0.0.0", 1)));
	assert_true(matches("192.168.0.0/23", v4("192.168.1.77", 9)));
	assert_false(matches("192.168.0.0/23", v4("192.168.2.1", 9)));
	assert_true(matches("*:1000-2000", v4("8.8.8.8", 1000)));
	assert_true(matches("*:1000-2000", v4("8.8.8.8", 2000)));
	assert_false(matches("*:1000-2000", v4("8.8.8.8", 2001)));
	assert_true(matches("0.0.0.0/0", v4("1.2.3.4", 0)));
	assert_false(matches("[::1]:80", v4("127.0.0.1", 80)));
}

static void test_match_ipv6_and_mapped(void **state)
{
	assert_true(matches("[::1]:443", v6("::1", 443)));
	assert_false(matches("[::1]:443", v6("::2", 443)));
	assert_true(matches("[2001:db8::/32]:1000-2000", v6("2001:db8:ffff::1", 1500)));
	assert_false(matches("[2001:db8::/32]:1000-2000", v6("2001:db9::1", 1500)));
	assert_true(matches("fe80::/10", v6("febf::1", 7)));
	assert_false(matches("fe80::/10", v6("fec0::1", 7)));
	/* IPv4-mapped addresses are IPv4 to the matcher. */
	assert_true(matches("127.0.0.1:80", v6("::ffff:127.0.0.1", 80)));
	assert_true(matches("127.0.0.0/8", v6("::ffff:127.9.9.9", 80)));
	assert_false(matches("127.0.0.1:80", v6("::ffff:127.0.0.2", 80)));
	assert_true(matches("::ffff:127.0.0.1", v4("127.0.0.1", 80)));
	assert_false(matches("::/0", v6("::ffff:1.2.3.4", 80)));
	assert_true(matches("::/0", v6("2001:db8::1", 80)));
}

static void test_match_unknown_family(void **state)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/tmp/s" };
	struct cs_sockaddr a;
	cs_sockaddr_from((struct sockaddr *)&un, sizeof(un), &a);
	assert_int_equal(a.family, 0);
	assert_true(matches("*", a));
	assert_false(matches("*:80", a));
	assert_false(matches("127.0.0.1", a));
	assert_false(matches("::/0", a));

	cs_sockaddr_from(NULL, 0, &a);
	assert_int_equal(a.family, 0);
	struct sockaddr_in in = { .sin_family = AF_INET };
	cs_sockaddr_from((struct sockaddr *)&in, sizeof(in) - 1, &a); /* too short */
	assert_int_equal(a.family, 0);
}

static void expect_sockaddr_text(struct cs_sockaddr a, const char *text)
{
	char buf[64];
	assert_int_equal(cs_sockaddr_format(&a, buf, sizeof(buf)), strlen(text));
	assert_string_equal(buf, text);
}

static void test_format_sockaddr(void **state)
{
	struct cs_sockaddr none = { 0 };
	expect_sockaddr_text(v4("127.0.0.1", 8080), "127.0.0.1:8080");
	expect_sockaddr_text(v4("255.255.255.255", 65535), "255.255.255.255:65535");
	expect_sockaddr_text(v4("0.0.0.0", 0), "0.0.0.0:0");
	expect_sockaddr_text(v6("::1", 443), "[::1]:443");
	expect_sockaddr_text(v6("::", 1), "[::]:1");
	expect_sockaddr_text(v6("2001:db8::1", 80), "[2001:db8::1]:80");
	expect_sockaddr_text(v6("2001:db8:0:0:1:0:0:1", 80), "[2001:db8::1:0:0:1]:80");
	expect_sockaddr_text(v6("2001:0:0:1:0:0:0:1", 80), "[2001:0:0:1::1]:80");
	expect_sockaddr_text(v6("2001:db8:0:1:1:1:1:1", 80), "[2001:db8:0:1:1:1:1:1]:80");
	expect_sockaddr_text(v6("fe80::", 80), "[fe80::]:80");
	expect_sockaddr_text(v6("ABCD:EF01::", 80), "[abcd:ef01::]:80");
	expect_sockaddr_text(v6("::ffff:10.1.2.3", 80), "[::ffff:10.1.2.3]:80");
	expect_sockaddr_text(none, "");
}

/* The formatter agrees with inet_ntop on many addresses (RFC 5952). */
static void test_format_matches_inet_ntop(void **state)
{
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 20000; i++) {
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
		struct cs_sockaddr a;
		char want[INET6_ADDRSTRLEN + 16], ntop[INET6_ADDRSTRLEN], got[64];
		for (int g = 0; g < 8; g++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* Plenty of zero groups, so that runs are exercised. */
			uint16_t v = (x & 3) ? 0 : (uint16_t)(x >> 20);
			in6.sin6_addr.s6_addr[2 * g] = (uint8_t)(v >> 8);
			in6.sin6_addr.s6_addr[2 * g + 1] = (uint8_t)v;
		}
		cs_sockaddr_from((struct sockaddr *)&in6, sizeof(in6), &a);
		assert_non_null(inet_ntop(AF_INET6, &in6.sin6_addr, ntop, sizeof(ntop)));
		/* glibc prints ::a.b.c.d for the deprecated compatible form. */
		if (strchr(ntop, '.') && strncmp(ntop, "::ffff:", 7) != 0)
			continue;
		strcpy(want, "[");
		strcat(want, ntop);
		strcat(want, "]:0");
		cs_sockaddr_format(&a, got, sizeof(got));
		assert_string_equal(got, want);
	}
}

static void test_format_truncates_safely(void **state)
{
	char buf[8];
	struct cs_sockaddr a = v4("192.168.100.200", 65535);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(cs_sockaddr_format(&a, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "192.168");
	assert_int_equal(cs_sockaddr_format(&a, buf, 1), 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(cs_sockaddr_format(&a, NULL, 0), 0);
}

static void test_endpoint_format_round_trip(void **state)
{
	static const char *const forms[] = {
		"*", "*:8080", "*:1000-2000", "127.0.0.1", "127.0.0.1:5432",
		"10.0.0.0/8", "10.0.0.0/8:22", "::1", "fe80::/10", "[::1]:443",
		"[2001:db8::/32]:1000-2000", "0.0.0.0/0", "::/0",
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct cs_endpoint e = parse_ok(forms[i]), again;
		char buf[80];
		cs_endpoint_format(&e, buf, sizeof(buf));
		assert_string_equal(buf, forms[i]);
		again = parse_ok(buf);
		assert_memory_equal(&e, &again, sizeof(e));
	}
	struct cs_endpoint e = parse_ok(":80");
	char buf[80];
	cs_endpoint_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "*:80");
	e = parse_ok("10.9.8.7/16");
	cs_endpoint_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "10.9.0.0/16");
	e = parse_ok("[::ffff:1.2.3.4]:9");
	cs_endpoint_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "1.2.3.4:9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_match_ipv4),
		cmocka_unit_test(test_match_ipv6_and_mapped),
		cmocka_unit_test(test_match_unknown_family),
		cmocka_unit_test(test_format_sockaddr),
		cmocka_unit_test(test_format_matches_inet_ntop),
		cmocka_unit_test(test_format_truncates_safely),
		cmocka_unit_test(test_endpoint_format_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
