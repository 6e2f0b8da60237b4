/* Unit tests: API request lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "request.h"
#include "rrtype.h"

static api_request req;
static char err[256];

static int
parse(const char *line)
{
	return api_parse_request(line, strlen(line), &req, err, sizeof(err));
}

static void
name_is(const char *want)
{
	char buf[NAME_MAX_STR];
	name_to_str(req.name, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void
test_good(void **state)
{
	assert_int_equal(parse("PING\n"), 0);
	assert_int_equal(req.verb, API_PING);
	assert_int_equal(parse("ping\r\n"), 0);

	assert_int_equal(parse("MX example.com"), 0);
	assert_int_equal(req.verb, API_LOOKUP);
	assert_int_equal(req.qtype, RR_MX);
	name_is("example.com.");
	assert_int_equal(parse("mx Example.COM."), 0);
	name_is("Example.COM.");
	assert_int_equal(parse("A  mx.example.com"), 0);
	assert_int_equal(req.qtype, RR_A);
	assert_int_equal(parse("AAAA\tmx.example.com"), 0);
	assert_int_equal(req.qtype, RR_AAAA);

	assert_int_equal(parse("QUERY txt example.com"), 0);
	assert_int_equal(req.qtype, RR_TXT);
	assert_int_equal(parse("QUERY TYPE65000 example.com"), 0);
	assert_int_equal(req.qtype, 65000);

	/* TLSA: full name, host, host + port (RFC 6698 3). */
	assert_int_equal(parse("TLSA _25._tcp.mx.example.com"), 0);
	assert_int_equal(req.qtype, RR_TLSA);
	name_is("_25._tcp.mx.example.com.");
	assert_int_equal(parse("TLSA mx.example.com"), 0);
	name_is("_25._tcp.mx.example.com.");
	assert_int_equal(parse("TLSA mx.example.com 465"), 0);
	name_is("_465._tcp.mx.example.com.");
	assert_int_equal(req.port, 465);

	assert_int_equal(parse("DANE example.com"), 0);
	assert_int_equal(req.verb, API_DANE);
	assert_int_equal(req.port, 25);
	name_is("example.com.");
	assert_int_equal(parse("dane example.com 587"), 0);
	assert_int_equal(req.port, 587);

	/* The TLS policy verbs. */
	assert_int_equal(parse("STS Example.com"), 0);
	assert_int_equal(req.verb, API_STS);
	name_is("Example.com.");
	assert_int_equal(parse("policy example.com."), 0);
	assert_int_equal(req.verb, API_POLICY);
	name_is("example.com.");
	/* RFC 8460 3: TLSRPT asks for _smtp._tls.domain. */
	assert_int_equal(parse("TLSRPT example.com"), 0);
	assert_int_equal(req.verb, API_TLSRPT);
	name_is("_smtp._tls.example.com.");
	/* RFC 6186, RFC 8314: the six mail services, any case. */
	static const char *const svc[] = { "_submission", "_submissions",
	    "_imap", "_imaps", "_pop3", "_POP3S" };
	for (size_t i = 0; i < sizeof(svc) / sizeof(svc[0]); i++) {
		char line[100];
		snprintf(line, sizeof(line), "SRV %s._TCP.example.com", svc[i]);
		assert_int_equal(parse(line), 0);
		assert_int_equal(req.verb, API_SRV);
	}
	assert_int_equal(parse("srv _submission._tcp.mail.example.com."), 0);
	name_is("_submission._tcp.mail.example.com.");
}

static void
expect_error(const char *line, int code, const char *msg)
{
	assert_int_equal(parse(line), code);
	assert_non_null(strstr(err, msg));
}

static void
test_bad(void **state)
{
	char big[API_LINE_MAX + 10];

	expect_error("", MX_ESYNTAX, "empty request");
	expect_error("   \n", MX_ESYNTAX, "empty request");
	expect_error("HELLO", MX_EINVAL, "unknown request 'HELLO'");
	expect_error("PING extra", MX_ESYNTAX, "wrong number of arguments for PING");
	expect_error("MX", MX_ESYNTAX, "wrong number of arguments for MX");
	expect_error("MX a b", MX_ESYNTAX, "wrong number");
	expect_error("MX a b c d e", MX_ELIMIT, "too many arguments");
	expect_error("MX a..b", MX_ESYNTAX, "bad name 'a..b'");
	expect_error("QUERY FOO example.com", MX_EINVAL, "unknown type 'FOO'");
	expect_error("QUERY AXFR example.com", MX_EINVAL, "cannot be queried");
	expect_error("QUERY OPT example.com", MX_EINVAL, "cannot be queried");
	expect_error("DANE example.com 0", MX_ERANGE, "bad port '0'");
	expect_error("DANE example.com 65536", MX_ERANGE, "bad port");
	expect_error("TLSA mx.example.com 2x", MX_ESYNTAX, "bad port '2x'");
	expect_error("MX exa\001mple.com", MX_ESYNTAX, "control character");
	memset(big, 'a', sizeof(big));
	memcpy(big, "MX ", 3);
	big[sizeof(big) - 1] = 0;
	expect_error(big, MX_ELIMIT, "longer than");
	/* A 63-octet label is fine; 64 is not. */
	char lab[100] = "MX ";
	memset(lab + 3, 'b', 64);
	lab[67] = 0;
	expect_error(lab, MX_ELABEL, "bad name");
	/* A TLSA name that would pass 255 octets. */
	char longname[300] = "TLSA ";
	for (int i = 0; i < 125; i++)
		strcat(longname, "a.");
	expect_error(longname, MX_ENAME, "TLSA name too long");
	char tlsrptname[300] = "TLSRPT ";
	for (int i = 0; i < 123; i++)
		strcat(tlsrptname, "a.");
	expect_error(tlsrptname, MX_ENAME, "TLSRPT name too long");

	expect_error("STS", MX_ESYNTAX, "wrong number of arguments for STS");
	expect_error("POLICY a b", MX_ESYNTAX, "wrong number");
	expect_error("TLSRPT", MX_ESYNTAX, "wrong number");
	expect_error("SRV _smtp._tcp.example.com", MX_EINVAL,
	    "SRV service '_smtp' is not a mail service");
	expect_error("SRV _xmpp-client._tcp.example.com", MX_EINVAL,
	    "not a mail service");
	expect_error("SRV _imap._udp.example.com", MX_EINVAL,
	    "SRV wants _service._tcp.domain");
	expect_error("SRV _imap._tcp", MX_EINVAL, "SRV wants");
	expect_error("SRV _imap._tcp.", MX_EINVAL, "SRV wants");
	expect_error("SRV example.com", MX_EINVAL, "SRV wants");
	expect_error("SRV .", MX_EINVAL, "SRV wants");
	expect_error("SRV _imap._tcp.example.com 993", MX_ESYNTAX, "wrong number");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
