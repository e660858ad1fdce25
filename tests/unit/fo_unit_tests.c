/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * Unit tests of lib/failover: the device argument parser, the failover
 * policy, the statistics folding and the configuration journal. Plain C,
 * no EAL, no test framework.
 *
 * The counts printed on the last line, "N passed, N failed", are counts of
 * individual checks (CHECK() and the checks done by the helpers below), not
 * of test functions. Every failing check prints one line with the file, the
 * line of the test that made it and the expression that did not hold.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_devargs.h"
#include "fo_journal.h"
#include "fo_policy.h"
#include "fo_stats.h"

static unsigned int fo_nb_passed;
static unsigned int fo_nb_failed;

static void
fo_check_at(bool ok, const char *file, int line, const char *expr,
		const char *input)
{
	if (ok) {
		fo_nb_passed++;
		return;
	}
	fo_nb_failed++;
	/* Long inputs are cut: enough to tell which one it was. */
	if (input != NULL)
		printf("%s:%d: check failed: %s [input \"%.80s%s\"]\n",
			file, line, expr, input,
			strlen(input) > 80 ? "..." : "");
	else
		printf("%s:%d: check failed: %s\n", file, line, expr);
}

#define CHECK(expr) \
	fo_check_at(!!(expr), __FILE__, __LINE__, #expr, NULL)

/* A check made by a helper on behalf of the test at @p line. */
#define CHECK_AT(line, input, expr) \
	fo_check_at(!!(expr), __FILE__, (line), #expr, (input))

#define STREQ(a, b) (strcmp((a), (b)) == 0)

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* What a failed parse must leave: a zeroed struct. */
static bool
fo_devargs_is_zero(const struct fo_devargs *da)
{
	static const struct fo_devargs zero;

	return memcmp(da, &zero, sizeof(zero)) == 0;
}

/* The error must be one NUL-terminated, non-empty line. */
static bool
fo_err_is_line(const char *err)
{
	size_t len = strnlen(err, FO_ERR_LEN);

	return len > 0 && len < FO_ERR_LEN && strchr(err, '\n') == NULL;
}

/*
 * Parse @p str expecting success; @p da and @p err are filled for the caller
 * to look at the fields. Returns whether the parse succeeded.
 */
static bool
fo_accept_at(int line, const char *str, struct fo_devargs *da,
		char err[FO_ERR_LEN])
{
	int ret;

	/* Garbage in, to see that every field is written. */
	memset(da, 0xa5, sizeof(*da));
	memset(err, 'x', FO_ERR_LEN);
	ret = fo_devargs_parse(str, da, err);
	CHECK_AT(line, str, ret == 0);
	if (ret != 0)
		printf("    error was: %.*s\n", FO_ERR_LEN, err);
	return ret == 0;
}

#define ACCEPT(str, da, err) fo_accept_at(__LINE__, (str), (da), (err))

/*
 * Parse @p str expecting -EINVAL, a zeroed result and an error line
 * containing each of the non-NULL @p needles.
 */
static void
fo_reject_at(int line, const char *str, const char *needle1,
		const char *needle2)
{
	struct fo_devargs da;
	char err[FO_ERR_LEN];
	int ret;

	memset(&da, 0xa5, sizeof(da));
	memset(err, 0, sizeof(err));
	ret = fo_devargs_parse(str, &da, err);
	CHECK_AT(line, str, ret == -EINVAL);
	if (ret == 0) {
		/* Accepted: say what it made of it, skip the error checks. */
		printf("    parsed: standby \"%s\" (\"%.60s\"), "
			"primary \"%s\" (\"%.60s\")\n",
			da.standby.name, da.standby.probe,
			da.primary.name, da.primary.probe);
		return;
	}
	CHECK_AT(line, str, fo_err_is_line(err));
	CHECK_AT(line, str, fo_devargs_is_zero(&da));
	if (needle1 != NULL)
		CHECK_AT(line, str, strstr(err, needle1) != NULL);
	if (needle2 != NULL)
		CHECK_AT(line, str, strstr(err, needle2) != NULL);
	if (needle1 != NULL && strstr(err, needle1) == NULL)
		printf("    error was: %s\n", err);
	else if (needle2 != NULL && strstr(err, needle2) == NULL)
		printf("    error was: %s\n", err);
}

#define REJECT(str) fo_reject_at(__LINE__, (str), NULL, NULL)
#define REJECT1(str, n1) fo_reject_at(__LINE__, (str), (n1), NULL)
#define REJECT2(str, n1, n2) fo_reject_at(__LINE__, (str), (n1), (n2))

/* "x" repeated @p n times after @p head, then @p tail, into @p buf. */
static const char *
fo_long_arg(char *buf, size_t size, const char *head, size_t n,
		const char *tail)
{
	size_t hlen = strlen(head);
	size_t tlen = strlen(tail);

	if (hlen + n + tlen + 1 > size)
		abort();
	memcpy(buf, head, hlen);
	memset(buf + hlen, 'x', n);
	memcpy(buf + hlen + n, tail, tlen + 1);
	return buf;
}

/* --- fo_devargs_parse: accepted strings --- */

static void
test_devargs_standby_only(void)
{
	struct fo_devargs da;
	char err[FO_ERR_LEN];

	if (!ACCEPT("standby=net_ring0", &da, err))
		return;
	CHECK(STREQ(da.standby.name, "net_ring0"));
	CHECK(da.standby.probe[0] == '\0');
	CHECK(da.primary.name[0] == '\0');
	CHECK(da.primary.probe[0] == '\0');
	CHECK(!da.has_mac);

	/* A PCI address: its ':' and '.' are part of the name. */
	if (!ACCEPT("standby=0000:00:04.0", &da, err))
		return;
	CHECK(STREQ(da.standby.name, "0000:00:04.0"));
	CHECK(da.standby.probe[0] == '\0');
	CHECK(da.primary.name[0] == '\0');
}

static void
test_devargs_standby_primary(void)
{
	struct fo_devargs da;
	char err[FO_ERR_LEN];

	if (ACCEPT("standby=net_ring0,primary=0000:00:05.0", &da, err)) {
		CHECK(STREQ(da.standby.name, "net_ring0"));
		CHECK(STREQ(da.primary.name, "0000:00:05.0"));
		CHECK(da.standby.probe[0] == '\0');
		CHECK(da.primary.probe[0] == '\0');
		CHECK(!da.has_mac);
	}
	/* Order of the keys does not matter. */
	if (ACCEPT("primary=net_tap0,standby=net_ring0", &da, err)) {
		CHECK(STREQ(da.standby.name, "net_ring0"));
		CHECK(STREQ(da.primary.name, "net_tap0"));
	}
}

static void
test_devargs_parenthesized(void)
{
	struct fo_devargs da;
	char err[FO_ERR_LEN];

	if (ACCEPT("standby=(net_virtio_user0,path=/tmp/x,queues=2),"
			"primary=(net_tap0,iface=fo0)", &da, err)) {
		CHECK(STREQ(da.standby.name, "net_virtio_user0"));
		CHECK(STREQ(da.standby.probe,
			"net_virtio_user0,path=/tmp/x,queues=2"));
		CHECK(STREQ(da.primary.name, "net_tap0"));
		CHECK(STREQ(da.primary.probe, "net_tap0,iface=fo0"));
		CHECK(!da.has_mac);
	}

	/* A device string alone in parentheses, no arguments of its own. */
	if (ACCEPT("standby=(net_ring0)", &da, err)) {
		CHECK(STREQ(da.standby.name, "net_ring0"));
		CHECK(STREQ(da.standby.probe, "net_ring0"));
	}

	/* Nested parentheses stay inside the device string. */
	if (ACCEPT("standby=(net_x0,a=(b,c),d=(e,(f,g))),primary=net_ring1",
			&da, err)) {
		CHECK(STREQ(da.standby.name, "net_x0"));
		CHECK(STREQ(da.standby.probe, "net_x0,a=(b,c),d=(e,(f,g))"));
		CHECK(STREQ(da.primary.name, "net_ring1"));
		CHECK(da.primary.probe[0] == '\0');
	}

	/* One in parentheses, one named, and a mac after them. */
	if (ACCEPT("primary=0000:00:04.0,standby=(net_tap0,iface=(fo0)),"
			"mac=02:00:00:00:00:01", &da, err)) {
		CHECK(STREQ(da.primary.name, "0000:00:04.0"));
		CHECK(da.primary.probe[0] == '\0');
		CHECK(STREQ(da.standby.name, "net_tap0"));
		CHECK(STREQ(da.standby.probe, "net_tap0,iface=(fo0)"));
		CHECK(da.has_mac);
	}
}

static void
test_devargs_mac(void)
{
	static const uint8_t want[6] = { 0x02, 0x00, 0x5e, 0xaa, 0xbb, 0xcc };
	struct fo_devargs da;
	char err[FO_ERR_LEN];

	if (ACCEPT("standby=net_ring0,mac=02:00:5e:aa:BB:cC", &da, err)) {
		CHECK(da.has_mac);
		CHECK(memcmp(da.mac, want, sizeof(want)) == 0);
		CHECK(STREQ(da.standby.name, "net_ring0"));
	}
	/* mac first, and a locally administered unicast address. */
	if (ACCEPT("mac=fe:ff:ff:ff:ff:ff,standby=net_ring0", &da, err)) {
		CHECK(da.has_mac);
		CHECK(da.mac[0] == 0xfe && da.mac[5] == 0xff);
	}
}

static void
test_devargs_trailing_comma(void)
{
	struct fo_devargs da;
	char err[FO_ERR_LEN];

	if (ACCEPT("standby=net_ring0,", &da, err))
		CHECK(STREQ(da.standby.name, "net_ring0"));
	if (ACCEPT("standby=net_ring0,primary=(net_tap0,iface=fo0),",
			&da, err)) {
		CHECK(STREQ(da.primary.name, "net_tap0"));
		CHECK(STREQ(da.primary.probe, "net_tap0,iface=fo0"));
	}
}

static void
test_devargs_long_names(void)
{
	char buf[FO_DEV_ARGS_LEN + 64];
	struct fo_devargs da;
	char err[FO_ERR_LEN];

	/* The longest name that fits: FO_DEV_NAME_LEN - 1. */
	fo_long_arg(buf, sizeof(buf), "standby=", FO_DEV_NAME_LEN - 1, "");
	if (ACCEPT(buf, &da, err))
		CHECK(strlen(da.standby.name) == FO_DEV_NAME_LEN - 1);
	fo_long_arg(buf, sizeof(buf), "standby=(", FO_DEV_NAME_LEN - 1,
		",a=b)");
	if (ACCEPT(buf, &da, err)) {
		CHECK(strlen(da.standby.name) == FO_DEV_NAME_LEN - 1);
		CHECK(strlen(da.standby.probe) == FO_DEV_NAME_LEN - 1 + 4);
	}
	/* The longest device string that fits: FO_DEV_ARGS_LEN - 1. */
	fo_long_arg(buf, sizeof(buf), "standby=(net_ring0,a=",
		FO_DEV_ARGS_LEN - 1 - strlen("net_ring0,a="), ")");
	if (ACCEPT(buf, &da, err)) {
		CHECK(strlen(da.standby.probe) == FO_DEV_ARGS_LEN - 1);
		CHECK(STREQ(da.standby.name, "net_ring0"));
	}
}

/* --- fo_devargs_parse: rejected strings --- */

static void
test_devargs_reject_unknown_key(void)
{
	REJECT2("standby=net_ring0,foo=bar", "foo", "standby, primary, mac");
	REJECT2("bogus=1,standby=net_ring0", "bogus", "standby, primary, mac");
	/* Keys are exact: no prefix, no case folding. */
	REJECT2("standby=net_ring0,prim=net_ring1", "prim",
		"standby, primary, mac");
	REJECT2("Standby=net_ring0", "Standby", "standby, primary, mac");
	REJECT2("standby=net_ring0,macs=02:00:00:00:00:01", "macs",
		"standby, primary, mac");
}

static void
test_devargs_reject_missing_standby(void)
{
	struct fo_devargs da;
	char err[FO_ERR_LEN];
	int ret;

	REJECT1("primary=net_ring0", "standby");
	REJECT1("mac=02:00:00:00:00:01", "standby");
	REJECT1("", "standby");
	REJECT1(",", NULL);

	/* NULL is the same as "". */
	memset(&da, 0xa5, sizeof(da));
	err[0] = '\0';
	ret = fo_devargs_parse(NULL, &da, err);
	CHECK(ret == -EINVAL);
	CHECK(fo_err_is_line(err));
	CHECK(strstr(err, "standby") != NULL);
	CHECK(fo_devargs_is_zero(&da));
}

static void
test_devargs_reject_empty(void)
{
	REJECT1("standby=", "standby");
	REJECT1("standby=net_ring0,primary=", "primary");
	REJECT1("standby=net_ring0,mac=", "mac");
	/* An empty item between commas, or at the start. */
	REJECT("standby=net_ring0,,primary=net_ring1");
	REJECT(",standby=net_ring0");
	/* Empty parentheses, or an empty name before the first comma. */
	REJECT1("standby=()", "standby");
	REJECT1("standby=(,path=/tmp/x)", "standby");
	REJECT1("standby=net_ring0,primary=()", "primary");
}

static void
test_devargs_reject_no_equal(void)
{
	REJECT1("standby", "standby");
	REJECT1("standby=net_ring0,primary", "primary");
	REJECT1("net_ring0", "net_ring0");
	REJECT("standby=net_ring0,(a=b)");
}

static void
test_devargs_reject_duplicate(void)
{
	REJECT1("standby=net_ring0,standby=net_ring1", "standby");
	REJECT1("standby=net_ring0,primary=net_ring1,primary=net_ring2",
		"primary");
	REJECT1("standby=(net_tap0,iface=a),standby=(net_tap1,iface=b)",
		"standby");
	REJECT1("standby=net_ring0,mac=02:00:00:00:00:01,"
		"mac=02:00:00:00:00:02", "mac");
	/* Even when both give the same value. */
	REJECT1("standby=net_ring0,standby=net_ring0", "standby");
}

static void
test_devargs_reject_parentheses(void)
{
	/* Unbalanced. */
	REJECT1("standby=(net_tap0,iface=fo0", "(");
	REJECT1("standby=((net_tap0,iface=fo0)", "(");
	REJECT1("standby=net_tap0)", ")");
	REJECT1("standby=(net_tap0,iface=fo0))", ")");
	REJECT1("standby=net_ring0,primary=(net_tap0", "(");
	REJECT1("standby=)net_tap0(", ")");
	/* Text after the closing parenthesis. */
	REJECT1("standby=(net_tap0,iface=fo0)x", "standby");
	REJECT1("standby=(net_tap0)x,primary=net_ring0", "standby");
	REJECT1("standby=net_ring0,primary=(net_tap0,iface=fo0)junk",
		"primary");
	REJECT1("standby=(net_tap0,iface=fo0)(net_tap1)", "standby");
	REJECT1("standby=(net_tap0)(x)", "standby");
	/* A parenthesis that does not open the value. */
	REJECT1("standby=net_tap0(iface=fo0)", "standby");
	REJECT1("standby=x(),primary=net_ring0", "standby");
}

static void
test_devargs_reject_mac(void)
{
	static const char * const bad[] = {
		/* short, long */
		"standby=net_ring0,mac=02:00:00:00:00",
		"standby=net_ring0,mac=02:00:00:00:00:0",
		"standby=net_ring0,mac=02:00:00:00:00:001",
		"standby=net_ring0,mac=02:00:00:00:00:01:",
		"standby=net_ring0,mac=02:00:00:00:00:01:02",
		"standby=net_ring0,mac=2:0:0:0:0:1",
		/* non-hex */
		"standby=net_ring0,mac=02:00:00:00:00:0g",
		"standby=net_ring0,mac=zz:00:00:00:00:01",
		"standby=net_ring0,mac=02:00:00: 0:00:01",
		"standby=net_ring0,mac=+2:00:00:00:00:01",
		/* wrong separators */
		"standby=net_ring0,mac=02-00-00-00-00-01",
		"standby=net_ring0,mac=02.00.00.00.00.01",
		"standby=net_ring0,mac=02:00:00:00:00-01",
		"standby=net_ring0,mac=0200:00:00:00:01:",
		"standby=net_ring0,mac=020000000001",
		/* multicast and broadcast */
		"standby=net_ring0,mac=01:00:5e:00:00:01",
		"standby=net_ring0,mac=33:33:00:00:00:01",
		"standby=net_ring0,mac=ff:ff:ff:ff:ff:ff",
		"standby=net_ring0,mac=03:00:00:00:00:00",
	};
	size_t i;

	for (i = 0; i < DIM(bad); i++)
		REJECT1(bad[i], "mac");
}

static void
test_devargs_reject_same_device(void)
{
	REJECT1("standby=net_ring0,primary=net_ring0", "net_ring0");
	REJECT1("primary=0000:00:04.0,standby=0000:00:04.0", "0000:00:04.0");
	/* Same name, different device strings: still one device. */
	REJECT1("standby=(net_tap0,iface=a),primary=net_tap0", "net_tap0");
	REJECT1("standby=(net_tap0,iface=a),primary=(net_tap0,iface=b)",
		"net_tap0");
}

static void
test_devargs_reject_too_long(void)
{
	char buf[FO_DEV_ARGS_LEN + 64];

	fo_long_arg(buf, sizeof(buf), "standby=", FO_DEV_NAME_LEN, "");
	REJECT1(buf, "standby");
	fo_long_arg(buf, sizeof(buf), "standby=net_ring0,primary=",
		FO_DEV_NAME_LEN, "");
	REJECT1(buf, "primary");
	fo_long_arg(buf, sizeof(buf), "standby=(", FO_DEV_NAME_LEN, ",a=b)");
	REJECT1(buf, "standby");
	fo_long_arg(buf, sizeof(buf), "standby=(", FO_DEV_NAME_LEN, ")");
	REJECT1(buf, "standby");
	/* Device string one longer than fits. */
	fo_long_arg(buf, sizeof(buf), "standby=(net_ring0,a=",
		FO_DEV_ARGS_LEN - strlen("net_ring0,a="), ")");
	REJECT1(buf, "standby");
	fo_long_arg(buf, sizeof(buf), "standby=net_ring0,primary=(n,a=",
		FO_DEV_ARGS_LEN - strlen("n,a="), ")");
	REJECT1(buf, "primary");
}

/* --- fo_devargs_parse: the policy keys --- */

/* The policy fields of @p da are all at their defaults. */
static void
fo_policy_defaults_at(int line, const char *str, const struct fo_devargs *da)
{
	CHECK_AT(line, str, da->hotplug_poll_ms == 0);
	CHECK_AT(line, str, da->warmup_ms == 0);
	CHECK_AT(line, str, da->drain_ms == FO_DRAIN_MS_DEFAULT);
	CHECK_AT(line, str, da->standby_rx == FO_STANDBY_RX_ALWAYS);
	CHECK_AT(line, str, da->no_path == FO_NO_PATH_DROP);
	CHECK_AT(line, str, !da->probe_any);
	CHECK_AT(line, str, !da->negotiate_standby);
}

static void
test_devargs_policy_defaults(void)
{
	struct fo_devargs da;
	char err[FO_ERR_LEN];

	if (ACCEPT("standby=net_ring0", &da, err))
		fo_policy_defaults_at(__LINE__, "standby=net_ring0", &da);
	if (ACCEPT("standby=(net_tap0,iface=a),primary=0000:00:04.0,"
			"mac=02:00:00:00:00:01", &da, err))
		fo_policy_defaults_at(__LINE__, "standby,primary,mac", &da);
	/* The default drain is a short, non-zero time. */
	CHECK(FO_DRAIN_MS_DEFAULT > 0 && FO_DRAIN_MS_DEFAULT <= 86400000);
	/* The first enumerators are the defaults a zeroed struct holds. */
	CHECK(FO_STANDBY_RX_ALWAYS == 0);
	CHECK(FO_NO_PATH_DROP == 0);
}

/* One of the millisecond keys and where parse puts it. */
struct fo_ms_key {
	const char *key;
	size_t off;
};

static const struct fo_ms_key fo_ms_keys[] = {
	{ "hotplug_poll", offsetof(struct fo_devargs, hotplug_poll_ms) },
	{ "warmup_ms", offsetof(struct fo_devargs, warmup_ms) },
	{ "drain_ms", offsetof(struct fo_devargs, drain_ms) },
};

static uint32_t
fo_ms_field(const struct fo_devargs *da, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)da + off, sizeof(v));
	return v;
}

static void
test_devargs_policy_ms(void)
{
	static const struct {
		const char *val;
		uint32_t want;
	} good[] = {
		{ "0", 0 }, { "1", 1 }, { "250", 250 }, { "1000", 1000 },
		{ "000100", 100 }, { "86399999", 86399999 },
		{ "86400000", 86400000 },
		{ "0000000000000086400000", 86400000 },
	};
	static const char * const bad[] = {
		/* More than a day, and far past 32 and 64 bits. */
		"86400001", "86400010", "100000000", "4294967295",
		"4294967296", "18446744073709551615", "18446744073709551616",
		"99999999999999999999",
		"999999999999999999999999999999999999999999999999999999999",
		/* Signs, spaces, other bases, units, fractions. */
		"-1", "+5", "-0", " 10", "10 ", "1 0", "0x10", "1e3", "10ms",
		"1.5", "abc", "=5", "5=6", "\t1",
	};
	char str[512];
	struct fo_devargs da;
	char err[FO_ERR_LEN];
	size_t k, i, o;

	for (k = 0; k < DIM(fo_ms_keys); k++) {
		const struct fo_ms_key *mk = &fo_ms_keys[k];

		for (i = 0; i < DIM(good); i++) {
			snprintf(str, sizeof(str), "standby=net_ring0,%s=%s",
				mk->key, good[i].val);
			if (!ACCEPT(str, &da, err))
				continue;
			CHECK_AT(__LINE__, str,
				fo_ms_field(&da, mk->off) == good[i].want);
			/* The other two keep their defaults. */
			for (o = 0; o < DIM(fo_ms_keys); o++) {
				uint32_t def = fo_ms_keys[o].off ==
					offsetof(struct fo_devargs, drain_ms) ?
					FO_DRAIN_MS_DEFAULT : 0;

				if (o != k)
					CHECK_AT(__LINE__, str, fo_ms_field(&da,
						fo_ms_keys[o].off) == def);
			}
			CHECK_AT(__LINE__, str,
				da.standby_rx == FO_STANDBY_RX_ALWAYS);
			CHECK_AT(__LINE__, str, da.no_path == FO_NO_PATH_DROP);
			CHECK_AT(__LINE__, str, !da.probe_any);
			CHECK_AT(__LINE__, str,
				STREQ(da.standby.name, "net_ring0"));
		}
		/* Key first, standby after it. */
		snprintf(str, sizeof(str), "%s=42,standby=net_ring0", mk->key);
		if (ACCEPT(str, &da, err))
			CHECK_AT(__LINE__, str,
				fo_ms_field(&da, mk->off) == 42);

		for (i = 0; i < DIM(bad); i++) {
			snprintf(str, sizeof(str), "standby=net_ring0,%s=%s",
				mk->key, bad[i]);
			fo_reject_at(__LINE__, str, mk->key, NULL);
		}
		/* Empty value, at the end and before another key. */
		snprintf(str, sizeof(str), "standby=net_ring0,%s=", mk->key);
		fo_reject_at(__LINE__, str, mk->key, "empty");
		snprintf(str, sizeof(str), "%s=,standby=net_ring0", mk->key);
		fo_reject_at(__LINE__, str, mk->key, "empty");
		/* No '=' at all. */
		snprintf(str, sizeof(str), "standby=net_ring0,%s", mk->key);
		fo_reject_at(__LINE__, str, mk->key, NULL);
		/* Parentheses are for device strings only. */
		snprintf(str, sizeof(str), "standby=net_ring0,%s=(5)", mk->key);
		fo_reject_at(__LINE__, str, mk->key, NULL);
		/* The error of an out-of-range value names the value. */
		snprintf(str, sizeof(str), "standby=net_ring0,%s=86400001",
			mk->key);
		fo_reject_at(__LINE__, str, mk->key, "86400001");
		snprintf(str, sizeof(str), "standby=net_ring0,%s=1x", mk->key);
		fo_reject_at(__LINE__, str, mk->key, "1x");
	}
}

/* One of the word keys: its words, the value each gives, and bad words. */
static void
test_devargs_policy_words(void)
{
	static const char * const bad_rx[] = {
		"Always", "ABSENT", "alway", "alwaysx", "absent ", " absent",
		"abs", "0", "1", "drop", "(always)", "always;absent",
	};
	static const char * const bad_path[] = {
		"Drop", "HOLD", "dro", "hold2", "holds", "0", "1", "always",
		" drop", "drop ",
	};
	static const char * const bad_any[] = {
		"true", "false", "yes", "no", "on", "off", "2", "-1", "01",
		"00", "10", "1 ", " 0", "+1", "0x1",
	};
	char str[256];
	struct fo_devargs da;
	char err[FO_ERR_LEN];
	size_t i;

	if (ACCEPT("standby=net_ring0,standby_rx=always", &da, err))
		CHECK(da.standby_rx == FO_STANDBY_RX_ALWAYS);
	if (ACCEPT("standby=net_ring0,standby_rx=absent", &da, err)) {
		CHECK(da.standby_rx == FO_STANDBY_RX_ABSENT);
		CHECK(da.no_path == FO_NO_PATH_DROP);
		CHECK(!da.probe_any);
		CHECK(da.drain_ms == FO_DRAIN_MS_DEFAULT);
	}
	if (ACCEPT("standby=net_ring0,no_path=drop", &da, err))
		CHECK(da.no_path == FO_NO_PATH_DROP);
	if (ACCEPT("standby=net_ring0,no_path=hold", &da, err)) {
		CHECK(da.no_path == FO_NO_PATH_HOLD);
		CHECK(da.standby_rx == FO_STANDBY_RX_ALWAYS);
		CHECK(!da.probe_any);
	}
	if (ACCEPT("standby=net_ring0,probe_any=0", &da, err))
		CHECK(!da.probe_any);
	if (ACCEPT("standby=net_ring0,probe_any=1", &da, err)) {
		CHECK(da.probe_any);
		CHECK(da.standby_rx == FO_STANDBY_RX_ALWAYS);
		CHECK(da.no_path == FO_NO_PATH_DROP);
		CHECK(da.hotplug_poll_ms == 0);
	}
	/* The policy key before standby. */
	if (ACCEPT("no_path=hold,standby_rx=absent,probe_any=1,"
			"standby=net_ring0", &da, err)) {
		CHECK(da.no_path == FO_NO_PATH_HOLD);
		CHECK(da.standby_rx == FO_STANDBY_RX_ABSENT);
		CHECK(da.probe_any);
		CHECK(STREQ(da.standby.name, "net_ring0"));
	}

	for (i = 0; i < DIM(bad_rx); i++) {
		snprintf(str, sizeof(str), "standby=net_ring0,standby_rx=%s",
			bad_rx[i]);
		fo_reject_at(__LINE__, str, "standby_rx", "always, absent");
	}
	for (i = 0; i < DIM(bad_path); i++) {
		snprintf(str, sizeof(str), "standby=net_ring0,no_path=%s",
			bad_path[i]);
		fo_reject_at(__LINE__, str, "no_path", "drop, hold");
	}
	for (i = 0; i < DIM(bad_any); i++) {
		snprintf(str, sizeof(str), "standby=net_ring0,probe_any=%s",
			bad_any[i]);
		fo_reject_at(__LINE__, str, "probe_any", "0, 1");
	}
	REJECT2("standby=net_ring0,standby_rx=", "standby_rx", "empty");
	REJECT2("standby=net_ring0,no_path=", "no_path", "empty");
	REJECT2("standby=net_ring0,probe_any=", "probe_any", "empty");
	if (ACCEPT("standby=0000:01:00.0,negotiate_standby=0", &da, err))
		CHECK(!da.negotiate_standby);
	if (ACCEPT("standby=0000:01:00.0,negotiate_standby=1", &da, err)) {
		CHECK(da.negotiate_standby);
		CHECK(!da.probe_any);
		CHECK(da.hotplug_poll_ms == 0);
	}
	for (i = 0; i < DIM(bad_any); i++) {
		snprintf(str, sizeof(str),
			"standby=net_ring0,negotiate_standby=%s", bad_any[i]);
		fo_reject_at(__LINE__, str, "negotiate_standby", "0, 1");
	}
	REJECT2("standby=net_ring0,negotiate_standby=", "negotiate_standby",
		"empty");
	REJECT1("standby=net_ring0,negotiate_standby=1,negotiate_standby=1",
		"negotiate_standby given twice");
	/* A good policy key does not save a missing standby. */
	REJECT1("no_path=hold,probe_any=1,drain_ms=5", "standby");
}

static void
test_devargs_policy_combined(void)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	struct fo_devargs da;
	char err[FO_ERR_LEN];

	if (ACCEPT("standby=(net_tap0,iface=a),primary=0000:00:04.0,"
			"mac=02:00:00:00:00:01,hotplug_poll=500,warmup_ms=200,"
			"standby_rx=absent,drain_ms=0,no_path=hold,probe_any=1",
			&da, err)) {
		CHECK(STREQ(da.standby.name, "net_tap0"));
		CHECK(STREQ(da.standby.probe, "net_tap0,iface=a"));
		CHECK(STREQ(da.primary.name, "0000:00:04.0"));
		CHECK(da.primary.probe[0] == '\0');
		CHECK(da.has_mac && memcmp(da.mac, mac, 6) == 0);
		CHECK(da.hotplug_poll_ms == 500);
		CHECK(da.warmup_ms == 200);
		CHECK(da.standby_rx == FO_STANDBY_RX_ABSENT);
		CHECK(da.drain_ms == 0);
		CHECK(da.no_path == FO_NO_PATH_HOLD);
		CHECK(da.probe_any);
	}
	/* Interleaved with the device keys, and a trailing comma. */
	if (ACCEPT("drain_ms=86400000,primary=(net_tap1,iface=b),"
			"warmup_ms=1,standby=net_ring0,hotplug_poll=86400000,",
			&da, err)) {
		CHECK(STREQ(da.standby.name, "net_ring0"));
		CHECK(STREQ(da.primary.name, "net_tap1"));
		CHECK(STREQ(da.primary.probe, "net_tap1,iface=b"));
		CHECK(da.drain_ms == 86400000);
		CHECK(da.warmup_ms == 1);
		CHECK(da.hotplug_poll_ms == 86400000);
		CHECK(da.standby_rx == FO_STANDBY_RX_ALWAYS);
		CHECK(!da.has_mac);
	}
	/*
	 * A policy key inside a device string belongs to that device: it
	 * does not set the failover port's policy.
	 */
	if (ACCEPT("standby=(net_tap0,drain_ms=5,no_path=hold),"
			"primary=(net_x0,probe_any=1,hotplug_poll=9)",
			&da, err)) {
		CHECK(STREQ(da.standby.probe,
			"net_tap0,drain_ms=5,no_path=hold"));
		CHECK(STREQ(da.primary.probe,
			"net_x0,probe_any=1,hotplug_poll=9"));
		CHECK(da.drain_ms == FO_DRAIN_MS_DEFAULT);
		CHECK(da.no_path == FO_NO_PATH_DROP);
		CHECK(!da.probe_any);
		CHECK(da.hotplug_poll_ms == 0);
	}
	/* One bad policy key fails the whole string, wherever it is. */
	REJECT1("standby=net_ring0,primary=net_ring1,mac=02:00:00:00:00:01,"
		"hotplug_poll=500,no_path=maybe", "no_path");
	REJECT1("warmup_ms=-1,standby=net_ring0,primary=net_ring1",
		"warmup_ms");
	/* A bad device key still fails with good policy keys around. */
	REJECT1("drain_ms=5,standby=net_ring0,primary=net_ring0,probe_any=1",
		"net_ring0");
	REJECT1("probe_any=1,standby=net_ring0,mac=01:00:5e:00:00:01", "mac");
	/* Every key once, policy keys as much as device keys. */
	REJECT1("standby=net_ring0,hotplug_poll=1,hotplug_poll=2",
		"hotplug_poll given twice");
	REJECT1("standby=net_ring0,warmup_ms=1,warmup_ms=1", "warmup_ms");
	REJECT1("standby=net_ring0,drain_ms=1,drain_ms=2", "drain_ms");
	REJECT1("standby_rx=absent,standby=net_ring0,standby_rx=always",
		"standby_rx");
	REJECT1("standby=net_ring0,no_path=hold,no_path=drop", "no_path");
	REJECT1("standby=net_ring0,probe_any=1,probe_any=0", "probe_any");
}

static void
test_devargs_unknown_key_lists_all(void)
{
	static const char * const keys[] = {
		"standby", "primary", "mac", "hotplug_poll", "warmup_ms",
		"standby_rx", "drain_ms", "no_path", "probe_any",
		"negotiate_standby",
	};
	static const char * const strs[] = {
		"standby=net_ring0,foo=1",
		/* Near misses of the new keys. */
		"standby=net_ring0,hotplug_poll_ms=100",
		"standby=net_ring0,hotplug=100",
		"standby=net_ring0,warmup=100",
		"standby=net_ring0,drain=100",
		"standby=net_ring0,Drain_ms=100",
		"standby=net_ring0,standbyrx=absent",
		"standby=net_ring0,nopath=hold",
		"standby=net_ring0,probe_any_=1",
		"standby=net_ring0,probe=1",
		/* The missing-standby error lists them too. */
		"drain_ms=5",
	};
	struct fo_devargs da;
	char err[FO_ERR_LEN];
	size_t i, k;
	int ret;

	for (i = 0; i < DIM(strs); i++) {
		memset(err, 0, sizeof(err));
		ret = fo_devargs_parse(strs[i], &da, err);
		CHECK_AT(__LINE__, strs[i], ret == -EINVAL);
		CHECK_AT(__LINE__, strs[i], fo_err_is_line(err));
		CHECK_AT(__LINE__, strs[i], fo_devargs_is_zero(&da));
		for (k = 0; k < DIM(keys); k++)
			CHECK_AT(__LINE__, strs[i],
				strstr(err, keys[k]) != NULL);
	}
	/* The unknown key itself is named. */
	REJECT1("standby=net_ring0,hotplug_poll_ms=100", "hotplug_poll_ms");
	REJECT1("standby=net_ring0,warmup=100", "\"warmup\"");
}

/* --- fo_mac_parse --- */

static void
test_mac_parse(void)
{
	static const uint8_t want[6] = { 0x00, 0x1b, 0x21, 0xab, 0xcd, 0xef };
	static const char * const bad[] = {
		"", "00:1b:21:ab:cd", "00:1b:21:ab:cd:e", "0:1b:21:ab:cd:ef0",
		"00-1b-21-ab-cd-ef", "00:1b:21:ab:cd:eg", "00:1b:21:ab:cd:e ",
		"00:1b:21:ab:cd;ef", "x0:1b:21:ab:cd:ef", "001b:21:ab:cd:ef:",
		"00:1b:21:ab:cd:ef:", "00:1b:21:ab:cd:ef0",
	};
	const char *s;
	uint8_t mac[6];
	size_t i;

	s = "00:1b:21:ab:cd:ef";
	memset(mac, 0x55, sizeof(mac));
	CHECK(fo_mac_parse(s, strlen(s), mac) == 0);
	CHECK(memcmp(mac, want, sizeof(want)) == 0);

	s = "00:1B:21:AB:Cd:eF";
	memset(mac, 0x55, sizeof(mac));
	CHECK(fo_mac_parse(s, strlen(s), mac) == 0);
	CHECK(memcmp(mac, want, sizeof(want)) == 0);

	/* Only len characters are read: the rest of the devargs follows. */
	s = "00:1b:21:ab:cd:ef,standby=net_ring0";
	memset(mac, 0x55, sizeof(mac));
	CHECK(fo_mac_parse(s, 17, mac) == 0);
	CHECK(memcmp(mac, want, sizeof(want)) == 0);

	/* Multicast is a MAC address; refusing it is the devargs' business. */
	s = "ff:ff:ff:ff:ff:ff";
	CHECK(fo_mac_parse(s, strlen(s), mac) == 0);
	CHECK(mac[0] == 0xff && mac[5] == 0xff);
	s = "00:00:00:00:00:00";
	CHECK(fo_mac_parse(s, strlen(s), mac) == 0);
	CHECK(mac[0] == 0 && mac[5] == 0);

	/* A valid address with the wrong length given. */
	s = "00:1b:21:ab:cd:ef";
	CHECK(fo_mac_parse(s, 16, mac) == -EINVAL);
	CHECK(fo_mac_parse(s, 0, mac) == -EINVAL);
	s = "00:1b:21:ab:cd:ef:";
	CHECK(fo_mac_parse(s, 18, mac) == -EINVAL);

	for (i = 0; i < DIM(bad); i++)
		CHECK_AT(__LINE__, bad[i],
			fo_mac_parse(bad[i], strlen(bad[i]), mac) == -EINVAL);
}

/* --- fo_policy --- */

static const enum fo_sub_state fo_states[] = {
	FO_SUB_ABSENT, FO_SUB_REMOVING, FO_SUB_OWNED, FO_SUB_CONFIGURED,
	FO_SUB_STARTED,
};

static const enum fo_event fo_events[] = {
	FO_EV_INTR_RMV, FO_EV_DEV_REMOVE, FO_EV_DESTROY, FO_EV_LINK,
	FO_EV_ADOPTED, FO_EV_DISOWNED, FO_EV_CONFIGURED, FO_EV_STARTED,
	FO_EV_STOPPED, FO_EV_UNCONFIGURED, FO_EV_RELEASED,
};

/* What raises an event: ethdev or EAL, not the failover port itself. */
static bool
fo_ev_external(enum fo_event ev)
{
	return ev == FO_EV_INTR_RMV || ev == FO_EV_DEV_REMOVE ||
		ev == FO_EV_DESTROY || ev == FO_EV_LINK;
}

/*
 * The expected fo_sub_transition(), written out independently: the
 * action, and the next state through @p next (untouched when invalid).
 */
static enum fo_action
fo_want_transition(enum fo_sub_state st, enum fo_event ev,
		enum fo_sub_state *next)
{
	bool owned = st >= FO_SUB_OWNED;

	*next = st;
	if (fo_ev_external(ev)) {
		if (st == FO_SUB_ABSENT)
			return FO_ACT_NONE;
		/* Leaving: only its destruction matters, and is forgotten. */
		if (st == FO_SUB_REMOVING) {
			if (ev != FO_EV_DESTROY)
				return FO_ACT_NONE;
			*next = FO_SUB_ABSENT;
			return FO_ACT_FORGET_NOW;
		}
		if (ev == FO_EV_INTR_RMV || ev == FO_EV_DEV_REMOVE) {
			*next = FO_SUB_REMOVING;
			return FO_ACT_RELEASE_DEFERRED;
		}
		if (ev == FO_EV_DESTROY) {
			*next = FO_SUB_ABSENT;
			return FO_ACT_FORGET_NOW;
		}
		return st == FO_SUB_STARTED ? FO_ACT_REPATH : FO_ACT_NONE;
	}
	switch (ev) {
	case FO_EV_ADOPTED:
		if (st != FO_SUB_ABSENT)
			return FO_ACT_INVALID;
		*next = FO_SUB_OWNED;
		return FO_ACT_NONE;
	case FO_EV_DISOWNED:
		if (!owned)
			return FO_ACT_INVALID;
		*next = FO_SUB_ABSENT;
		return FO_ACT_NONE;
	case FO_EV_CONFIGURED:
		if (st != FO_SUB_OWNED && st != FO_SUB_CONFIGURED)
			return FO_ACT_INVALID;
		*next = FO_SUB_CONFIGURED;
		return FO_ACT_NONE;
	case FO_EV_STARTED:
		if (st != FO_SUB_CONFIGURED)
			return FO_ACT_INVALID;
		*next = FO_SUB_STARTED;
		return FO_ACT_NONE;
	case FO_EV_STOPPED:
		if (st != FO_SUB_STARTED)
			return FO_ACT_INVALID;
		*next = FO_SUB_CONFIGURED;
		return FO_ACT_NONE;
	case FO_EV_UNCONFIGURED:
		if (!owned)
			return FO_ACT_INVALID;
		*next = FO_SUB_OWNED;
		return FO_ACT_NONE;
	case FO_EV_RELEASED:
		*next = FO_SUB_ABSENT;
		return FO_ACT_NONE;
	default:
		return FO_ACT_INVALID;
	}
}

static void
test_policy_transitions(void)
{
	enum fo_sub_state st, want_next;
	enum fo_action want;
	char what[64];
	size_t s, e;

	for (s = 0; s < DIM(fo_states); s++) {
		for (e = 0; e < DIM(fo_events); e++) {
			snprintf(what, sizeof(what), "%s, %s",
				fo_state_name(fo_states[s]),
				fo_event_name(fo_events[e]));
			want = fo_want_transition(fo_states[s], fo_events[e],
				&want_next);
			st = fo_states[s];
			CHECK_AT(__LINE__, what,
				fo_sub_transition(&st, fo_events[e]) == want);
			CHECK_AT(__LINE__, what, st == want_next);
		}
	}

	/* Out of range: refused, the state left alone. */
	st = FO_SUB_STARTED;
	CHECK(fo_sub_transition(&st, FO_NB_EVENTS) == FO_ACT_INVALID);
	CHECK(st == FO_SUB_STARTED);
	st = (enum fo_sub_state)(FO_SUB_STARTED + 1);
	CHECK(fo_sub_transition(&st, FO_EV_LINK) == FO_ACT_INVALID);
	CHECK(st == (enum fo_sub_state)(FO_SUB_STARTED + 1));

	/* The rules spelled out, for the reader. */
	st = FO_SUB_ABSENT;
	CHECK(fo_sub_transition(&st, FO_EV_DESTROY) == FO_ACT_NONE);
	CHECK(fo_sub_transition(&st, FO_EV_STARTED) == FO_ACT_INVALID);
	CHECK(st == FO_SUB_ABSENT);
	st = FO_SUB_REMOVING;
	CHECK(fo_sub_transition(&st, FO_EV_CONFIGURED) == FO_ACT_INVALID);
	CHECK(fo_sub_transition(&st, FO_EV_ADOPTED) == FO_ACT_INVALID);
	CHECK(st == FO_SUB_REMOVING);
	st = FO_SUB_OWNED;
	CHECK(fo_sub_transition(&st, FO_EV_STARTED) == FO_ACT_INVALID);
	st = FO_SUB_STARTED;
	CHECK(fo_sub_transition(&st, FO_EV_CONFIGURED) == FO_ACT_INVALID);
	CHECK(fo_sub_transition(&st, FO_EV_ADOPTED) == FO_ACT_INVALID);
	CHECK(st == FO_SUB_STARTED);
}

/* A sub-device's life, as the driver walks it. */
static void
test_policy_event_sequence(void)
{
	enum fo_sub_state st = FO_SUB_ABSENT;

	CHECK(fo_sub_transition(&st, FO_EV_ADOPTED) == FO_ACT_NONE);
	CHECK(st == FO_SUB_OWNED);
	CHECK(fo_sub_transition(&st, FO_EV_LINK) == FO_ACT_NONE);
	CHECK(fo_sub_transition(&st, FO_EV_CONFIGURED) == FO_ACT_NONE);
	CHECK(fo_sub_transition(&st, FO_EV_STARTED) == FO_ACT_NONE);
	CHECK(st == FO_SUB_STARTED);
	CHECK(fo_sub_transition(&st, FO_EV_LINK) == FO_ACT_REPATH);
	CHECK(st == FO_SUB_STARTED);

	CHECK(fo_sub_transition(&st, FO_EV_DEV_REMOVE) ==
		FO_ACT_RELEASE_DEFERRED);
	CHECK(st == FO_SUB_REMOVING);
	/* A repeated vfio request, the RMV after it: nothing more. */
	CHECK(fo_sub_transition(&st, FO_EV_DEV_REMOVE) == FO_ACT_NONE);
	CHECK(fo_sub_transition(&st, FO_EV_INTR_RMV) == FO_ACT_NONE);
	CHECK(fo_sub_transition(&st, FO_EV_LINK) == FO_ACT_NONE);
	CHECK(st == FO_SUB_REMOVING);
	CHECK(fo_sub_transition(&st, FO_EV_RELEASED) == FO_ACT_NONE);
	CHECK(st == FO_SUB_ABSENT);

	/* Destroyed before the deferred release ran: forgotten at once. */
	st = FO_SUB_REMOVING;
	CHECK(fo_sub_transition(&st, FO_EV_DESTROY) == FO_ACT_FORGET_NOW);
	CHECK(st == FO_SUB_ABSENT);
	CHECK(fo_sub_transition(&st, FO_EV_DESTROY) == FO_ACT_NONE);

	/* A failed start: owned again, configured from scratch next. */
	st = FO_SUB_CONFIGURED;
	CHECK(fo_sub_transition(&st, FO_EV_UNCONFIGURED) == FO_ACT_NONE);
	CHECK(st == FO_SUB_OWNED);
	CHECK(fo_sub_transition(&st, FO_EV_DISOWNED) == FO_ACT_NONE);
	CHECK(st == FO_SUB_ABSENT);
}

/* --- fo_wait: when the absent primary is probed --- */

static void
test_wait_run_event(void)
{
	int r, p, b, x;

	for (r = 0; r < 2; r++)
		for (p = 0; p < 2; p++)
			for (b = 0; b < 2; b++)
				for (x = 0; x < 2; x++) {
					enum fo_wait_event want;

					if (r)
						want = FO_WEV_RUN_REMOVING;
					else if (p)
						want = FO_WEV_RUN_PRESENT;
					else if (!b && !x)
						want = FO_WEV_RUN_UNBOUND;
					else
						want = FO_WEV_RUN_READY;
					CHECK_AT(__LINE__, "facts",
						fo_wait_run_event(r, p, b, x) ==
						want);
				}
}

/* Feed @p n events from @p st; the actions, and the state left. */
static enum fo_wait_state
fo_wait_feed(enum fo_wait_state st, const enum fo_wait_event *ev,
		enum fo_wait_action *act, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		act[i] = fo_wait_transition(&st, ev[i]);
	return st;
}

static void
test_wait_sequences(void)
{
	enum fo_wait_action act[8];
	enum fo_wait_state st;

	/* Nothing asked: no run probes, whatever it finds. */
	{
		const enum fo_wait_event ev[] = {
			FO_WEV_RUN_READY, FO_WEV_RUN_UNBOUND,
			FO_WEV_RUN_REMOVING, FO_WEV_RUN_PRESENT,
		};
		size_t i;

		st = fo_wait_feed(FO_WAIT_NONE, ev, act, DIM(ev));
		CHECK(st == FO_WAIT_NONE);
		for (i = 0; i < DIM(ev); i++)
			CHECK_AT(__LINE__, "idle", act[i] == FO_WACT_NONE);
	}
	/*
	 * uio: the new device is added while its old self is removed; the
	 * run that removes waits, a run before the bind looks again, the
	 * first after it probes, once.
	 */
	{
		const enum fo_wait_event ev[] = {
			FO_WEV_ADDED_PCI, FO_WEV_RUN_REMOVING,
			FO_WEV_ASKED, FO_WEV_RUN_UNBOUND, FO_WEV_RUN_READY,
			FO_WEV_RUN_READY,
		};

		st = fo_wait_feed(FO_WAIT_NONE, ev, act, DIM(ev));
		CHECK(act[0] == FO_WACT_ARM);
		CHECK(act[1] == FO_WACT_LATER);
		/* A poll does not cut the bind wait short. */
		CHECK(act[2] == FO_WACT_NONE);
		CHECK(act[3] == FO_WACT_LATER);
		CHECK(act[4] == FO_WACT_PROBE);
		CHECK(act[5] == FO_WACT_NONE);
		CHECK(st == FO_WAIT_NONE);
	}
	/* A poll beside a removal: probed right after it, not during. */
	{
		const enum fo_wait_event ev[] = {
			FO_WEV_ASKED, FO_WEV_RUN_REMOVING, FO_WEV_RUN_READY,
		};

		st = fo_wait_feed(FO_WAIT_NONE, ev, act, DIM(ev));
		CHECK(act[0] == FO_WACT_NONE);
		CHECK(act[1] == FO_WACT_LATER);
		CHECK(act[2] == FO_WACT_PROBE);
		CHECK(st == FO_WAIT_NONE);
	}
	/* A poll with no bind wait probes what is there, bound or not. */
	{
		const enum fo_wait_event ev[] = {
			FO_WEV_ASKED, FO_WEV_RUN_UNBOUND,
		};

		st = fo_wait_feed(FO_WAIT_NONE, ev, act, DIM(ev));
		CHECK(act[1] == FO_WACT_PROBE);
		CHECK(st == FO_WAIT_NONE);
	}
	/* Back already (its NEW event adopted it): the wait ends. */
	{
		const enum fo_wait_event ev[] = {
			FO_WEV_ADDED_PCI, FO_WEV_RUN_PRESENT, FO_WEV_RUN_READY,
		};

		st = fo_wait_feed(FO_WAIT_NONE, ev, act, DIM(ev));
		CHECK(act[1] == FO_WACT_NONE);
		CHECK(act[2] == FO_WACT_NONE);
		CHECK(st == FO_WAIT_NONE);
	}
	/* A second ADD restarts the deadline. */
	st = FO_WAIT_BIND;
	CHECK(fo_wait_transition(&st, FO_WEV_ADDED_PCI) == FO_WACT_ARM);
	CHECK(st == FO_WAIT_BIND);
	/* Out of range: nothing. */
	CHECK(fo_wait_transition(&st, FO_NB_WAIT_EVENTS) == FO_WACT_NONE);
	CHECK(st == FO_WAIT_BIND);
	st = (enum fo_wait_state)7;
	CHECK(fo_wait_transition(&st, FO_WEV_ASKED) == FO_WACT_NONE);
	CHECK(st == (enum fo_wait_state)7);
	CHECK(STREQ(fo_wait_name(FO_WAIT_BIND), "bind"));
	CHECK(STREQ(fo_wait_name((enum fo_wait_state)7), "unknown"));
}

static void
test_policy_tx_role(void)
{
	struct fo_sub_view v[FO_NB_ROLES];
	enum fo_role want;
	char what[96];
	size_t i, ps, ss, pl, sl;

	/* Every state and link of both sub-devices: (5 x 2)^2 cases. */
	for (i = 0; i < DIM(fo_states) * 2 * DIM(fo_states) * 2; i++) {
		sl = i % 2;
		ss = i / 2 % DIM(fo_states);
		pl = i / (2 * DIM(fo_states)) % 2;
		ps = i / (4 * DIM(fo_states));
		v[FO_PRIMARY].state = fo_states[ps];
		v[FO_PRIMARY].link_up = pl;
		v[FO_STANDBY].state = fo_states[ss];
		v[FO_STANDBY].link_up = sl;
		if (fo_states[ps] == FO_SUB_STARTED && pl)
			want = FO_PRIMARY;
		else if (fo_states[ss] == FO_SUB_STARTED && sl)
			want = FO_STANDBY;
		else
			want = FO_ROLE_NONE;
		snprintf(what, sizeof(what), "primary %s/%s, standby %s/%s",
			fo_state_name(fo_states[ps]), pl ? "up" : "down",
			fo_state_name(fo_states[ss]), sl ? "up" : "down");
		CHECK_AT(__LINE__, what, fo_tx_role(v) == want);
	}

	/* The main cases spelled out. */
	v[FO_PRIMARY] = (struct fo_sub_view){ FO_SUB_STARTED, true };
	v[FO_STANDBY] = (struct fo_sub_view){ FO_SUB_STARTED, true };
	CHECK(fo_tx_role(v) == FO_PRIMARY);
	v[FO_PRIMARY].link_up = false;
	CHECK(fo_tx_role(v) == FO_STANDBY);
	v[FO_PRIMARY] = (struct fo_sub_view){ FO_SUB_CONFIGURED, true };
	CHECK(fo_tx_role(v) == FO_STANDBY);
	v[FO_STANDBY].link_up = false;
	CHECK(fo_tx_role(v) == FO_ROLE_NONE);
	v[FO_PRIMARY] = (struct fo_sub_view){ FO_SUB_ABSENT, true };
	v[FO_STANDBY] = (struct fo_sub_view){ FO_SUB_REMOVING, true };
	CHECK(fo_tx_role(v) == FO_ROLE_NONE);
}

static void
test_policy_rx_polled(void)
{
	struct fo_sub_view v;
	size_t s;
	int l;

	for (s = 0; s < DIM(fo_states); s++) {
		for (l = 0; l < 2; l++) {
			v.state = fo_states[s];
			v.link_up = l;
			/* Link does not matter: a started device is polled. */
			CHECK_AT(__LINE__, fo_state_name(fo_states[s]),
				fo_rx_polled(&v) ==
				(fo_states[s] == FO_SUB_STARTED));
		}
	}
}

static void
test_policy_names(void)
{
	size_t i, j;

	CHECK(STREQ(fo_role_name(FO_PRIMARY), "primary"));
	CHECK(STREQ(fo_role_name(FO_STANDBY), "standby"));
	CHECK(fo_role_name(FO_ROLE_NONE) != NULL);
	CHECK(STREQ(fo_role_name(FO_ROLE_NONE), "none"));
	/* Out of range: a name, and not one of the real roles. */
	CHECK(fo_role_name(FO_NB_ROLES) != NULL);
	CHECK(!STREQ(fo_role_name(FO_NB_ROLES), "primary"));
	CHECK(!STREQ(fo_role_name(FO_NB_ROLES), "standby"));
	CHECK(fo_role_name((enum fo_role)42) != NULL);
	CHECK(fo_role_name((enum fo_role)-7) != NULL);

	/* Every state and event has its own, real, name. */
	for (i = 0; i < DIM(fo_states); i++) {
		const char *n = fo_state_name(fo_states[i]);

		CHECK_AT(__LINE__, "state", n != NULL && n[0] != '\0' &&
			!STREQ(n, "unknown"));
		for (j = 0; j < i; j++)
			CHECK_AT(__LINE__, n,
				!STREQ(n, fo_state_name(fo_states[j])));
	}
	for (i = 0; i < DIM(fo_events); i++) {
		const char *n = fo_event_name(fo_events[i]);

		CHECK_AT(__LINE__, "event", n != NULL && n[0] != '\0' &&
			!STREQ(n, "unknown"));
		for (j = 0; j < i; j++)
			CHECK_AT(__LINE__, n,
				!STREQ(n, fo_event_name(fo_events[j])));
	}
	CHECK(STREQ(fo_state_name(FO_SUB_ABSENT), "absent"));
	CHECK(STREQ(fo_state_name(FO_SUB_STARTED), "started"));

	/* Out of range, both ends. */
	CHECK(fo_state_name((enum fo_sub_state)(FO_SUB_STARTED + 1)) != NULL);
	CHECK(STREQ(fo_state_name((enum fo_sub_state)(FO_SUB_STARTED + 1)),
		"unknown"));
	CHECK(STREQ(fo_state_name((enum fo_sub_state)1000), "unknown"));
	CHECK(STREQ(fo_state_name((enum fo_sub_state)-1), "unknown"));
	CHECK(fo_event_name((enum fo_event)FO_NB_EVENTS) != NULL);
	CHECK(STREQ(fo_event_name((enum fo_event)FO_NB_EVENTS),
		"unknown"));
	CHECK(STREQ(fo_event_name((enum fo_event)1000), "unknown"));
	CHECK(STREQ(fo_event_name((enum fo_event)-1), "unknown"));
}

/* --- descriptor limits --- */

static bool
fo_lim_is(const struct fo_desc_lim *l, uint16_t min, uint16_t max,
		uint16_t align)
{
	return l->nb_min == min && l->nb_max == max && l->nb_align == align;
}

static void
test_desc_lim(void)
{
	struct fo_desc_lim acc = { 0, UINT16_MAX, 1 };
	const struct fo_desc_lim virtio = { 32, 32768, 1 };
	const struct fo_desc_lim vf = { 64, 4096, 32 };
	const struct fo_desc_lim tiny = { 0, 16, 1 };
	const struct fo_desc_lim odd = { 0, 4096, 3 };
	const struct fo_desc_lim unset = { 0, 0, 0 };
	struct fo_desc_lim saved;

	CHECK(fo_desc_lim_intersect(&acc, &virtio) == 0);
	CHECK(fo_lim_is(&acc, 32, 32768, 1));
	CHECK(fo_desc_lim_intersect(&acc, &vf) == 0);
	CHECK(fo_lim_is(&acc, 64, 4096, 32));
	/* No ring size both take: refused, nothing changed. */
	saved = acc;
	CHECK(fo_desc_lim_intersect(&acc, &tiny) == -ERANGE);
	CHECK(memcmp(&acc, &saved, sizeof(acc)) == 0);
	/* Alignments combine by their least common multiple. */
	CHECK(fo_desc_lim_intersect(&acc, &odd) == 0);
	CHECK(fo_lim_is(&acc, 96, 4032, 96));
	/* A driver that says nothing (all zero) limits nothing. */
	saved = acc;
	CHECK(fo_desc_lim_intersect(&acc, &unset) == 0);
	CHECK(memcmp(&acc, &saved, sizeof(acc)) == 0);
	/* Never a minimum above the maximum, whatever the inputs. */
	acc = (struct fo_desc_lim){ 100, 50, 1 };
	CHECK(fo_desc_lim_intersect(&acc, &virtio) == -ERANGE);
}

/* --- fo_stats --- */

static bool
fo_total_is(const struct fo_stats_fold *f, const uint64_t *want)
{
	uint64_t out[FO_STATS_MAX];

	fo_stats_total(f, out);
	return memcmp(out, want, f->n * sizeof(out[0])) == 0;
}

static uint64_t
fo_total0(const struct fo_stats_fold *f)
{
	uint64_t out[FO_STATS_MAX];

	fo_stats_total(f, out);
	return out[0];
}

static void
test_stats_init(void)
{
	static const uint64_t zero[FO_STATS_MAX];
	struct fo_stats_fold f;

	memset(&f, 0xa5, sizeof(f));
	fo_stats_init(&f, 4);
	CHECK(f.n == 4);
	CHECK(fo_total_is(&f, zero));

	fo_stats_init(&f, FO_STATS_MAX);
	CHECK(f.n == FO_STATS_MAX);
	CHECK(fo_total_is(&f, zero));

	/* rte_eth_stats is 88 counters. */
	fo_stats_init(&f, 88);
	CHECK(f.n == 88);
}

static void
test_stats_clamp(void)
{
	uint64_t now[FO_STATS_MAX + 8];
	uint64_t out[FO_STATS_MAX + 8];
	struct fo_stats_fold f;
	size_t i;

	fo_stats_init(&f, FO_STATS_MAX + 1);
	CHECK(f.n == FO_STATS_MAX);
	fo_stats_init(&f, (size_t)-1);
	CHECK(f.n == FO_STATS_MAX);

	/* Only the first n counters are read and written. */
	for (i = 0; i < DIM(now); i++)
		now[i] = i + 1;
	fo_stats_update(&f, FO_PRIMARY, now);
	for (i = 0; i < DIM(out); i++)
		out[i] = UINT64_MAX;
	fo_stats_total(&f, out);
	CHECK(out[0] == 1);
	CHECK(out[FO_STATS_MAX - 1] == FO_STATS_MAX);
	CHECK(out[FO_STATS_MAX] == UINT64_MAX);

	fo_stats_init(&f, 3);
	out[3] = UINT64_MAX;
	fo_stats_update(&f, FO_STANDBY, now);
	fo_stats_total(&f, out);
	CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3);
	CHECK(out[3] == UINT64_MAX);

	/* n = 0 folds nothing. */
	fo_stats_init(&f, 0);
	CHECK(f.n == 0);
	out[0] = UINT64_MAX;
	fo_stats_update(&f, FO_PRIMARY, now);
	fo_stats_total(&f, out);
	CHECK(out[0] == UINT64_MAX);
}

static void
test_stats_update_total(void)
{
	struct fo_stats_fold f;
	uint64_t p[3] = { 10, 20, 30 };
	uint64_t s[3] = { 1, 2, 3 };
	uint64_t want[3];

	fo_stats_init(&f, 3);
	fo_stats_update(&f, FO_PRIMARY, p);
	CHECK(fo_total_is(&f, p));

	/* Both roles add up. */
	fo_stats_update(&f, FO_STANDBY, s);
	want[0] = 11;
	want[1] = 22;
	want[2] = 33;
	CHECK(fo_total_is(&f, want));

	/* A new reading replaces the last one, it does not add to it. */
	p[0] = 15;
	fo_stats_update(&f, FO_PRIMARY, p);
	want[0] = 16;
	CHECK(fo_total_is(&f, want));

	/* The same reading again changes nothing. */
	fo_stats_update(&f, FO_PRIMARY, p);
	fo_stats_update(&f, FO_STANDBY, s);
	CHECK(fo_total_is(&f, want));
}

static void
test_stats_backwards(void)
{
	struct fo_stats_fold f;
	uint64_t now[2];
	uint64_t want[2];

	fo_stats_init(&f, 2);
	now[0] = 100;
	now[1] = 7;
	fo_stats_update(&f, FO_PRIMARY, now);

	/* The device restarted counter 0 and counted 30 since. */
	now[0] = 30;
	now[1] = 9;
	fo_stats_update(&f, FO_PRIMARY, now);
	want[0] = 130;
	want[1] = 9;
	CHECK(fo_total_is(&f, want));

	now[0] = 50;
	fo_stats_update(&f, FO_PRIMARY, now);
	want[0] = 150;
	CHECK(fo_total_is(&f, want));

	/* Back to zero: the total does not move. */
	now[0] = 0;
	now[1] = 0;
	fo_stats_update(&f, FO_PRIMARY, now);
	want[1] = 9;
	CHECK(fo_total_is(&f, want));

	/* Restart of one role leaves the other's counters alone. */
	now[0] = 5;
	now[1] = 5;
	fo_stats_update(&f, FO_STANDBY, now);
	now[0] = 1;
	now[1] = 1;
	fo_stats_update(&f, FO_STANDBY, now);
	want[0] = 156;
	want[1] = 15;
	CHECK(fo_total_is(&f, want));
}

static void
test_stats_retire(void)
{
	struct fo_stats_fold f;
	uint64_t now[2] = { 100, 200 };
	uint64_t want[2];

	fo_stats_init(&f, 2);
	fo_stats_update(&f, FO_PRIMARY, now);
	now[0] = 1;
	now[1] = 2;
	fo_stats_update(&f, FO_STANDBY, now);

	/* The primary leaves: what it counted stays. */
	fo_stats_retire(&f, FO_PRIMARY);
	want[0] = 101;
	want[1] = 202;
	CHECK(fo_total_is(&f, want));
	CHECK(f.last[FO_PRIMARY][0] == 0 && f.last[FO_PRIMARY][1] == 0);

	/* Retiring again does not count it twice. */
	fo_stats_retire(&f, FO_PRIMARY);
	CHECK(fo_total_is(&f, want));

	/* A new primary starts from its own zero. */
	now[0] = 10;
	now[1] = 0;
	fo_stats_update(&f, FO_PRIMARY, now);
	want[0] = 111;
	CHECK(fo_total_is(&f, want));

	/* Its counter is low but it is not a restart: nothing folded twice. */
	now[0] = 20;
	fo_stats_update(&f, FO_PRIMARY, now);
	want[0] = 121;
	CHECK(fo_total_is(&f, want));

	/* Both gone. */
	fo_stats_retire(&f, FO_PRIMARY);
	fo_stats_retire(&f, FO_STANDBY);
	CHECK(fo_total_is(&f, want));

	/* Retiring a role that never counted changes nothing. */
	fo_stats_init(&f, 2);
	now[0] = 3;
	now[1] = 4;
	fo_stats_update(&f, FO_STANDBY, now);
	fo_stats_retire(&f, FO_PRIMARY);
	CHECK(fo_total_is(&f, now));
}

static void
test_stats_reset(void)
{
	static const uint64_t zero[FO_STATS_MAX];
	struct fo_stats_fold f;
	uint64_t now[3] = { 100, 200, 300 };
	uint64_t want[3];

	fo_stats_init(&f, 3);
	fo_stats_update(&f, FO_PRIMARY, now);
	fo_stats_update(&f, FO_STANDBY, now);
	fo_stats_retire(&f, FO_STANDBY);
	/* The primary restarted: 100 (standby) + 100 + 1 (primary). */
	now[0] = 1;
	fo_stats_update(&f, FO_PRIMARY, now);
	CHECK(fo_total0(&f) == 201);

	fo_stats_reset(&f);
	CHECK(f.n == 3);
	CHECK(fo_total_is(&f, zero));

	/* The sub-devices were reset too: they count from zero again. */
	want[0] = 5;
	want[1] = 6;
	want[2] = 7;
	fo_stats_update(&f, FO_PRIMARY, want);
	CHECK(fo_total_is(&f, want));

	/* Reset keeps a clamped n clamped. */
	fo_stats_init(&f, FO_STATS_MAX + 10);
	fo_stats_reset(&f);
	CHECK(f.n == FO_STATS_MAX);
}

/*
 * A sub-device that did not reset with the failover port (no op, a failure,
 * or leaving): its counts from before the reset never come back, whether
 * it goes on counting, restarts from zero later, or leaves.
 */
static void
test_stats_reset_kept(void)
{
	struct fo_stats_fold f;
	uint64_t p[2] = { 1000, 2000 }, s[2] = { 10, 20 };

	fo_stats_init(&f, 2);
	fo_stats_update(&f, FO_PRIMARY, p);
	fo_stats_update(&f, FO_STANDBY, s);
	CHECK(fo_total0(&f) == 1010);

	/* The standby reset; the primary could not. */
	fo_stats_reset(&f);
	fo_stats_keep(&f, FO_PRIMARY, p);
	CHECK(fo_total0(&f) == 0);
	s[0] = 3;
	fo_stats_update(&f, FO_STANDBY, s);
	p[0] = 1005;
	fo_stats_update(&f, FO_PRIMARY, p);
	CHECK(fo_total0(&f) == 8);

	/* The primary restarts from zero: the 5 since the reset stay. */
	p[0] = 2;
	fo_stats_update(&f, FO_PRIMARY, p);
	CHECK(fo_total0(&f) == 10);

	/* A second reset the primary misses, then it leaves. */
	fo_stats_reset(&f);
	p[0] = 7;
	fo_stats_keep(&f, FO_PRIMARY, p);
	p[0] = 9;
	fo_stats_update(&f, FO_PRIMARY, p);
	fo_stats_retire(&f, FO_PRIMARY);
	CHECK(fo_total0(&f) == 2);
	/* A new primary counts from its own zero. */
	p[0] = 4;
	fo_stats_update(&f, FO_PRIMARY, p);
	CHECK(fo_total0(&f) == 6);
}

/*
 * A long random life of both roles: readings, restarts, departures. The
 * total is exact (every restart is read before the device counts past its
 * old value) and never goes backwards.
 */
static void
test_stats_monotonic_random(void)
{
	enum { N = 5, STEPS = 20000 };
	uint64_t dev[FO_NB_ROLES][N];
	uint64_t truth[N], prev[N], out[N];
	struct fo_stats_fold f;
	bool monotonic = true, exact = true;
	uint32_t seed = 12345;
	unsigned int step, r, i, op;

	fo_stats_init(&f, N);
	memset(dev, 0, sizeof(dev));
	memset(truth, 0, sizeof(truth));
	memset(prev, 0, sizeof(prev));
	for (step = 0; step < STEPS; step++) {
		seed = seed * 1103515245u + 12345u;
		r = (seed >> 16) & 1;
		op = (seed >> 17) % 16;
		if (op == 0) {
			/* The device restarts its counters. */
			memset(dev[r], 0, sizeof(dev[r]));
		} else if (op == 1) {
			/* The device leaves; a new one will come. */
			fo_stats_retire(&f, r);
			memset(dev[r], 0, sizeof(dev[r]));
			continue;
		} else {
			for (i = 0; i < N; i++) {
				uint64_t inc = (seed >> (i * 3)) % 7;

				dev[r][i] += inc;
				truth[i] += inc;
			}
		}
		fo_stats_update(&f, r, dev[r]);
		fo_stats_total(&f, out);
		for (i = 0; i < N; i++) {
			if (out[i] < prev[i])
				monotonic = false;
			if (out[i] != truth[i])
				exact = false;
			prev[i] = out[i];
		}
	}
	CHECK(monotonic);
	CHECK(exact);
}

/* --- fo_journal --- */

static const struct fo_journal fo_journal_zero;

/* An address whose bytes all derive from @p n, distinct for each n < 65536. */
static struct fo_mac
fo_mac_n(unsigned int n)
{
	struct fo_mac m = { { 0x02, 0x00, 0x5e, 0x10, (uint8_t)(n >> 8),
		(uint8_t)n } };

	return m;
}

static void
test_journal_init(void)
{
	struct fo_journal j;

	memset(&j, 0xa5, sizeof(j));
	fo_journal_init(&j);
	CHECK(memcmp(&j, &fo_journal_zero, sizeof(j)) == 0);
	CHECK(!j.has_mtu && !j.has_mac && j.nb_macs == 0);
	CHECK(!j.promisc && !j.allmulti && !j.has_mc && j.nb_mc == 0);
	CHECK(!j.has_vlan_offload && j.nb_vlans == 0);
	CHECK(!j.has_rss && j.rss_key_len == 0 && j.reta_size == 0);
	CHECK(!j.link_down);
	CHECK(!fo_journal_has_vlan(&j, 0));
	CHECK(!fo_journal_has_vlan(&j, 4095));
}

static void
test_journal_setters(void)
{
	static const uint8_t m1[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t m2[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	struct fo_journal j;

	fo_journal_init(&j);
	fo_journal_set_mtu(&j, 9000);
	CHECK(j.has_mtu && j.mtu == 9000);
	fo_journal_set_mtu(&j, 1500);
	CHECK(j.has_mtu && j.mtu == 1500);
	/* 0 is a value like another: it is journaled. */
	fo_journal_set_mtu(&j, 0);
	CHECK(j.has_mtu && j.mtu == 0);

	fo_journal_set_mac(&j, m1);
	CHECK(j.has_mac && memcmp(j.mac.b, m1, 6) == 0);
	fo_journal_set_mac(&j, m2);
	CHECK(j.has_mac && memcmp(j.mac.b, m2, 6) == 0);
	/* The default address is not an extra one. */
	CHECK(j.nb_macs == 0);

	fo_journal_set_promisc(&j, true);
	CHECK(j.promisc);
	fo_journal_set_promisc(&j, false);
	CHECK(!j.promisc);
	fo_journal_set_allmulti(&j, true);
	CHECK(j.allmulti && !j.promisc);
	fo_journal_set_allmulti(&j, false);
	CHECK(!j.allmulti);

	fo_journal_set_vlan_offload(&j, 0x5);
	CHECK(j.has_vlan_offload && j.vlan_offload == 0x5);
	/* Offloads all off is still something to replay. */
	fo_journal_set_vlan_offload(&j, 0);
	CHECK(j.has_vlan_offload && j.vlan_offload == 0);

	fo_journal_set_link_down(&j, true);
	CHECK(j.link_down);
	fo_journal_set_link_down(&j, false);
	CHECK(!j.link_down);

	/* None of these touched the other settings. */
	CHECK(!j.has_mc && !j.has_rss && j.reta_size == 0 && j.nb_vlans == 0);
}

static void
test_journal_mac_add(void)
{
	struct fo_journal j;
	struct fo_mac m;
	unsigned int i;
	bool order_ok = true;

	fo_journal_init(&j);
	m = fo_mac_n(0);
	CHECK(fo_journal_mac_add(&j, m.b) == 0);
	CHECK(j.nb_macs == 1);
	CHECK(memcmp(j.macs[0].b, m.b, 6) == 0);
	/* Already there: 0, and not a second copy. */
	CHECK(fo_journal_mac_add(&j, m.b) == 0);
	CHECK(j.nb_macs == 1);

	for (i = 1; i < FO_JOURNAL_MACS; i++) {
		m = fo_mac_n(i);
		CHECK_AT(__LINE__, NULL, fo_journal_mac_add(&j, m.b) == 0);
	}
	CHECK(j.nb_macs == FO_JOURNAL_MACS);
	for (i = 0; i < FO_JOURNAL_MACS; i++) {
		m = fo_mac_n(i);
		if (memcmp(j.macs[i].b, m.b, 6) != 0)
			order_ok = false;
	}
	CHECK(order_ok);

	/* Full: a new one is refused and nothing changes. */
	m = fo_mac_n(FO_JOURNAL_MACS);
	CHECK(fo_journal_mac_add(&j, m.b) == -ENOSPC);
	CHECK(j.nb_macs == FO_JOURNAL_MACS);
	CHECK(fo_journal_mac_add(&j, m.b) == -ENOSPC);
	CHECK(j.nb_macs == FO_JOURNAL_MACS);
	/* Full, but already there: still 0. */
	m = fo_mac_n(FO_JOURNAL_MACS - 1);
	CHECK(fo_journal_mac_add(&j, m.b) == 0);
	m = fo_mac_n(0);
	CHECK(fo_journal_mac_add(&j, m.b) == 0);
	CHECK(j.nb_macs == FO_JOURNAL_MACS);
	/* After one is removed there is room again, at the end. */
	m = fo_mac_n(3);
	fo_journal_mac_del(&j, m.b);
	CHECK(j.nb_macs == FO_JOURNAL_MACS - 1);
	m = fo_mac_n(FO_JOURNAL_MACS);
	CHECK(fo_journal_mac_add(&j, m.b) == 0);
	CHECK(j.nb_macs == FO_JOURNAL_MACS);
	CHECK(memcmp(j.macs[FO_JOURNAL_MACS - 1].b, m.b, 6) == 0);
}

static void
test_journal_mac_del(void)
{
	struct fo_journal j;
	struct fo_mac a = fo_mac_n(0xa), b = fo_mac_n(0xb), c = fo_mac_n(0xc);
	struct fo_mac d = fo_mac_n(0xd), m;
	unsigned int i;
	bool order_ok = true;

	fo_journal_init(&j);
	/* On an empty journal: nothing. */
	fo_journal_mac_del(&j, a.b);
	CHECK(j.nb_macs == 0);

	CHECK(fo_journal_mac_add(&j, a.b) == 0);
	CHECK(fo_journal_mac_add(&j, b.b) == 0);
	CHECK(fo_journal_mac_add(&j, c.b) == 0);
	CHECK(j.nb_macs == 3);
	fo_journal_mac_del(&j, b.b);
	CHECK(j.nb_macs == 2);
	CHECK(memcmp(j.macs[0].b, a.b, 6) == 0);
	CHECK(memcmp(j.macs[1].b, c.b, 6) == 0);
	/* Absent: a no-op. */
	fo_journal_mac_del(&j, d.b);
	fo_journal_mac_del(&j, b.b);
	CHECK(j.nb_macs == 2);
	CHECK(memcmp(j.macs[0].b, a.b, 6) == 0);
	CHECK(memcmp(j.macs[1].b, c.b, 6) == 0);
	/* The last one, then the first one. */
	fo_journal_mac_del(&j, c.b);
	CHECK(j.nb_macs == 1);
	CHECK(memcmp(j.macs[0].b, a.b, 6) == 0);
	fo_journal_mac_del(&j, a.b);
	CHECK(j.nb_macs == 0);
	fo_journal_mac_del(&j, a.b);
	CHECK(j.nb_macs == 0);
	/* Deleted then added again: at the end, once. */
	CHECK(fo_journal_mac_add(&j, a.b) == 0);
	CHECK(fo_journal_mac_add(&j, b.b) == 0);
	fo_journal_mac_del(&j, a.b);
	CHECK(fo_journal_mac_add(&j, a.b) == 0);
	CHECK(j.nb_macs == 2);
	CHECK(memcmp(j.macs[0].b, b.b, 6) == 0);
	CHECK(memcmp(j.macs[1].b, a.b, 6) == 0);

	/* A full journal: first, middle and last removed, order kept. */
	fo_journal_init(&j);
	for (i = 0; i < FO_JOURNAL_MACS; i++) {
		m = fo_mac_n(i);
		fo_journal_mac_add(&j, m.b);
	}
	m = fo_mac_n(0);
	fo_journal_mac_del(&j, m.b);
	m = fo_mac_n(FO_JOURNAL_MACS / 2);
	fo_journal_mac_del(&j, m.b);
	m = fo_mac_n(FO_JOURNAL_MACS - 1);
	fo_journal_mac_del(&j, m.b);
	CHECK(j.nb_macs == FO_JOURNAL_MACS - 3);
	for (i = 0; i < j.nb_macs; i++) {
		/* Entry i holds the (i+1)th survivor of 1..MACS-2. */
		unsigned int want = i + 1 + (i + 1 >= FO_JOURNAL_MACS / 2);

		m = fo_mac_n(want);
		if (memcmp(j.macs[i].b, m.b, 6) != 0)
			order_ok = false;
	}
	CHECK(order_ok);
	/* None of the removed ones is still found. */
	m = fo_mac_n(0);
	fo_journal_mac_del(&j, m.b);
	m = fo_mac_n(FO_JOURNAL_MACS / 2);
	fo_journal_mac_del(&j, m.b);
	CHECK(j.nb_macs == FO_JOURNAL_MACS - 3);
}

static void
test_journal_mc(void)
{
	struct fo_mac mc[FO_JOURNAL_MC + 1];
	struct fo_journal j;
	unsigned int i;

	for (i = 0; i < DIM(mc); i++) {
		mc[i] = fo_mac_n(i);
		mc[i].b[0] = 0x01;
	}
	fo_journal_init(&j);
	CHECK(fo_journal_set_mc(&j, mc, 3) == 0);
	CHECK(j.has_mc && j.nb_mc == 3);
	CHECK(memcmp(j.mc, mc, 3 * sizeof(mc[0])) == 0);
	/* The bound: FO_JOURNAL_MC is fine, one more is refused. */
	CHECK(fo_journal_set_mc(&j, mc, FO_JOURNAL_MC) == 0);
	CHECK(j.nb_mc == FO_JOURNAL_MC);
	CHECK(memcmp(j.mc, mc, FO_JOURNAL_MC * sizeof(mc[0])) == 0);
	CHECK(fo_journal_set_mc(&j, mc + 1, 2) == 0);
	CHECK(j.nb_mc == 2);
	CHECK(memcmp(j.mc, mc + 1, 2 * sizeof(mc[0])) == 0);
	CHECK(fo_journal_set_mc(&j, mc, FO_JOURNAL_MC + 1) == -ENOSPC);
	CHECK(fo_journal_set_mc(&j, mc, UINT16_MAX) == -ENOSPC);
	/* Refused: the list before stays. */
	CHECK(j.has_mc && j.nb_mc == 2);
	CHECK(memcmp(j.mc, mc + 1, 2 * sizeof(mc[0])) == 0);
	/* n = 0, the list flushed: journaled, as an empty list. */
	CHECK(fo_journal_set_mc(&j, NULL, 0) == 0);
	CHECK(j.has_mc && j.nb_mc == 0);
	fo_journal_init(&j);
	CHECK(fo_journal_set_mc(&j, mc, 0) == 0);
	CHECK(j.has_mc && j.nb_mc == 0);
	/* Refused on a fresh journal: still nothing journaled. */
	fo_journal_init(&j);
	CHECK(fo_journal_set_mc(&j, mc, FO_JOURNAL_MC + 1) == -ENOSPC);
	CHECK(!j.has_mc && j.nb_mc == 0);
}

/* nb_vlans agrees with the bitmap. */
static bool
fo_vlan_count_ok(const struct fo_journal *j)
{
	unsigned int v, n = 0;

	for (v = 0; v < FO_VLAN_IDS; v++)
		n += fo_journal_has_vlan(j, (uint16_t)v);
	return n == j->nb_vlans;
}

static void
test_journal_vlan(void)
{
	struct fo_journal j;
	unsigned int v;
	bool all_ok = true;

	fo_journal_init(&j);
	fo_journal_set_vlan(&j, 0, true);
	fo_journal_set_vlan(&j, 1, true);
	fo_journal_set_vlan(&j, 4095, true);
	CHECK(j.nb_vlans == 3);
	CHECK(fo_journal_has_vlan(&j, 0));
	CHECK(fo_journal_has_vlan(&j, 1));
	CHECK(fo_journal_has_vlan(&j, 4095));
	CHECK(!fo_journal_has_vlan(&j, 2));
	CHECK(!fo_journal_has_vlan(&j, 64));
	CHECK(!fo_journal_has_vlan(&j, 4094));
	/*
	 * Beyond the 12-bit range: false, not read out of bounds (what
	 * follows the bitmap is made non-zero, to catch an off-by-one).
	 */
	CHECK(fo_journal_set_rss(&j, UINT64_MAX, NULL, 0) == 0);
	CHECK(!fo_journal_has_vlan(&j, 4096));
	CHECK(!fo_journal_has_vlan(&j, 4096 + 1));
	CHECK(!fo_journal_has_vlan(&j, UINT16_MAX));
	CHECK(fo_vlan_count_ok(&j));

	/* Set twice: counted once. */
	fo_journal_set_vlan(&j, 1, true);
	CHECK(j.nb_vlans == 3);
	/* Cleared, cleared again, and cleared while never set. */
	fo_journal_set_vlan(&j, 1, false);
	CHECK(j.nb_vlans == 2 && !fo_journal_has_vlan(&j, 1));
	fo_journal_set_vlan(&j, 1, false);
	CHECK(j.nb_vlans == 2);
	fo_journal_set_vlan(&j, 100, false);
	CHECK(j.nb_vlans == 2 && !fo_journal_has_vlan(&j, 100));
	CHECK(fo_journal_has_vlan(&j, 0) && fo_journal_has_vlan(&j, 4095));
	CHECK(fo_vlan_count_ok(&j));

	/* Out of range: ignored, and does not alias id % 64 or % 4096. */
	fo_journal_set_vlan(&j, 4096, true);
	fo_journal_set_vlan(&j, 4096 + 5, true);
	fo_journal_set_vlan(&j, UINT16_MAX, true);
	CHECK(j.nb_vlans == 2);
	CHECK(!fo_journal_has_vlan(&j, 5));
	CHECK(!fo_journal_has_vlan(&j, 4095 - 64));
	fo_journal_set_vlan(&j, 4096, false);
	fo_journal_set_vlan(&j, 4096 + 4095, false);
	CHECK(j.nb_vlans == 2 && fo_journal_has_vlan(&j, 4095));
	CHECK(fo_vlan_count_ok(&j));

	/* Every id on, then every id off. */
	for (v = 0; v < FO_VLAN_IDS; v++)
		fo_journal_set_vlan(&j, (uint16_t)v, true);
	CHECK(j.nb_vlans == FO_VLAN_IDS);
	for (v = 0; v < FO_VLAN_IDS; v++)
		if (!fo_journal_has_vlan(&j, (uint16_t)v))
			all_ok = false;
	CHECK(all_ok);
	for (v = 0; v < FO_VLAN_IDS; v++)
		fo_journal_set_vlan(&j, (uint16_t)v, false);
	CHECK(j.nb_vlans == 0);
	CHECK(memcmp(j.vlans, fo_journal_zero.vlans, sizeof(j.vlans)) == 0);
}

static void
test_journal_rss(void)
{
	uint8_t k1[FO_JOURNAL_RSS_KEY + 1], k2[FO_JOURNAL_RSS_KEY + 1];
	struct fo_journal j;
	unsigned int i;

	for (i = 0; i < sizeof(k1); i++) {
		k1[i] = (uint8_t)(0x10 + i);
		k2[i] = (uint8_t)(0xf0 - i);
	}
	fo_journal_init(&j);
	/* Functions only, never a key: journaled without a key. */
	CHECK(fo_journal_set_rss(&j, 0x1, NULL, 0) == 0);
	CHECK(j.has_rss && j.rss_hf == 0x1 && j.rss_key_len == 0);

	CHECK(fo_journal_set_rss(&j, 0x3, k1, 40) == 0);
	CHECK(j.has_rss && j.rss_hf == 0x3 && j.rss_key_len == 40);
	CHECK(memcmp(j.rss_key, k1, 40) == 0);
	/* No key given later: the functions change, the key stays. */
	CHECK(fo_journal_set_rss(&j, 0x7, NULL, 0) == 0);
	CHECK(j.rss_hf == 0x7 && j.rss_key_len == 40);
	CHECK(memcmp(j.rss_key, k1, 40) == 0);
	CHECK(fo_journal_set_rss(&j, 0xf, NULL, 40) == 0);
	CHECK(j.rss_hf == 0xf && j.rss_key_len == 40);
	CHECK(memcmp(j.rss_key, k1, 40) == 0);
	CHECK(fo_journal_set_rss(&j, 0x1f, k2, 0) == 0);
	CHECK(j.rss_hf == 0x1f && j.rss_key_len == 40);
	CHECK(memcmp(j.rss_key, k1, 40) == 0);
	/* hf 0 (RSS off) is journaled too. */
	CHECK(fo_journal_set_rss(&j, 0, NULL, 0) == 0);
	CHECK(j.has_rss && j.rss_hf == 0 && j.rss_key_len == 40);

	/* A new key replaces it, with its own length. */
	CHECK(fo_journal_set_rss(&j, 0x3, k2, FO_JOURNAL_RSS_KEY) == 0);
	CHECK(j.rss_key_len == FO_JOURNAL_RSS_KEY);
	CHECK(memcmp(j.rss_key, k2, FO_JOURNAL_RSS_KEY) == 0);
	CHECK(fo_journal_set_rss(&j, 0x3, k1, 52) == 0);
	CHECK(j.rss_key_len == 52 && memcmp(j.rss_key, k1, 52) == 0);

	/* Too long: -EINVAL and nothing changes, key or functions. */
	CHECK(fo_journal_set_rss(&j, 0x99, k2, FO_JOURNAL_RSS_KEY + 1) ==
		-EINVAL);
	CHECK(fo_journal_set_rss(&j, 0x99, k2, UINT8_MAX) == -EINVAL);
	CHECK(j.rss_hf == 0x3 && j.rss_key_len == 52);
	CHECK(memcmp(j.rss_key, k1, 52) == 0);
	fo_journal_init(&j);
	CHECK(fo_journal_set_rss(&j, 0x99, k2, FO_JOURNAL_RSS_KEY + 1) ==
		-EINVAL);
	CHECK(!j.has_rss && j.rss_key_len == 0);
}

static void
test_journal_reta(void)
{
	uint16_t reta[FO_JOURNAL_RETA + 1], other[4] = { 3, 2, 1, 0 };
	struct fo_journal j;
	unsigned int i;

	for (i = 0; i < DIM(reta); i++)
		reta[i] = (uint16_t)(i % 7);
	fo_journal_init(&j);
	CHECK(fo_journal_set_reta(&j, reta, 128) == 0);
	CHECK(j.reta_size == 128);
	CHECK(memcmp(j.reta, reta, 128 * sizeof(reta[0])) == 0);
	CHECK(fo_journal_set_reta(&j, reta, FO_JOURNAL_RETA) == 0);
	CHECK(j.reta_size == FO_JOURNAL_RETA);
	CHECK(memcmp(j.reta, reta, sizeof(j.reta)) == 0);
	CHECK(fo_journal_set_reta(&j, other, 4) == 0);
	CHECK(j.reta_size == 4);
	CHECK(memcmp(j.reta, other, sizeof(other)) == 0);
	/* Over the bound: refused, the table before stays. */
	CHECK(fo_journal_set_reta(&j, reta, FO_JOURNAL_RETA + 1) == -EINVAL);
	CHECK(fo_journal_set_reta(&j, reta, UINT16_MAX) == -EINVAL);
	CHECK(j.reta_size == 4);
	CHECK(memcmp(j.reta, other, sizeof(other)) == 0);
}

/*
 * A fake ops table: each call appends "name=args " to a log, and the
 * fail_nth-th call (from 0) of the step named fail_step returns fail_ret.
 */
struct fo_rec {
	char log[8192];
	size_t len;
	bool overflow;
	const char *fail_step;
	unsigned int fail_nth;
	unsigned int seen;
	int fail_ret;
	/* What the pointer arguments pointed to, at the last call. */
	uint16_t mc_n;
	struct fo_mac mc[FO_JOURNAL_MC];
	bool key_null;
	uint8_t key_len;
	uint8_t key[FO_JOURNAL_RSS_KEY];
	uint16_t reta_size;
	uint16_t reta[FO_JOURNAL_RETA];
};

static void
fo_rec_init(struct fo_rec *r)
{
	memset(r, 0, sizeof(*r));
}

static int
fo_rec_call(void *ctx, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fo_rec_call(void *ctx, const char *step, const char *fmt, ...)
{
	struct fo_rec *r = ctx;
	va_list ap;
	int n;

	n = snprintf(r->log + r->len, sizeof(r->log) - r->len, "%s", step);
	if (n > 0 && (size_t)n < sizeof(r->log) - r->len)
		r->len += (size_t)n;
	else
		r->overflow = true;
	if (fmt != NULL && !r->overflow) {
		va_start(ap, fmt);
		n = vsnprintf(r->log + r->len, sizeof(r->log) - r->len, fmt,
			ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < sizeof(r->log) - r->len)
			r->len += (size_t)n;
		else
			r->overflow = true;
	}
	if (!r->overflow && r->len + 1 < sizeof(r->log)) {
		r->log[r->len++] = ' ';
		r->log[r->len] = '\0';
	} else {
		r->overflow = true;
	}
	if (r->fail_step != NULL && strcmp(step, r->fail_step) == 0 &&
			r->seen++ == r->fail_nth)
		return r->fail_ret;
	return 0;
}

static int
fo_rec_mtu(void *ctx, uint16_t mtu)
{
	return fo_rec_call(ctx, "mtu", "=%u", mtu);
}

static int
fo_rec_mac(void *ctx, const struct fo_mac *mac)
{
	return fo_rec_call(ctx, "mac", "=%02x", mac->b[5]);
}

static int
fo_rec_mac_add(void *ctx, const struct fo_mac *mac)
{
	return fo_rec_call(ctx, "mac_add", "=%02x", mac->b[5]);
}

static int
fo_rec_promisc(void *ctx, bool on)
{
	return fo_rec_call(ctx, "promisc", "=%d", on);
}

static int
fo_rec_allmulti(void *ctx, bool on)
{
	return fo_rec_call(ctx, "allmulti", "=%d", on);
}

static int
fo_rec_mc_list(void *ctx, const struct fo_mac *mc, uint16_t n)
{
	struct fo_rec *r = ctx;

	r->mc_n = n;
	if (n <= FO_JOURNAL_MC && n > 0)
		memcpy(r->mc, mc, n * sizeof(*mc));
	return fo_rec_call(ctx, "mc_list", "=%u", n);
}

static int
fo_rec_vlan_offload(void *ctx, int mask)
{
	return fo_rec_call(ctx, "vlan_offload", "=%d", mask);
}

static int
fo_rec_vlan_filter(void *ctx, uint16_t vlan, bool on)
{
	return fo_rec_call(ctx, "vlan_filter", on ? "=%u" : "=%u/off", vlan);
}

static int
fo_rec_rss_hash(void *ctx, uint64_t hf, const uint8_t *key, uint8_t key_len)
{
	struct fo_rec *r = ctx;

	r->key_null = key == NULL;
	r->key_len = key_len;
	if (key != NULL && key_len <= FO_JOURNAL_RSS_KEY)
		memcpy(r->key, key, key_len);
	return fo_rec_call(ctx, "rss_hash", "=%llx/%u",
		(unsigned long long)hf, key_len);
}

static int
fo_rec_rss_reta(void *ctx, const uint16_t *reta, uint16_t size)
{
	struct fo_rec *r = ctx;

	r->reta_size = size;
	if (size <= FO_JOURNAL_RETA)
		memcpy(r->reta, reta, size * sizeof(*reta));
	return fo_rec_call(ctx, "rss_reta", "=%u", size);
}

static int
fo_rec_mac_del(void *ctx, const struct fo_mac *mac)
{
	return fo_rec_call(ctx, "mac_del", "=%02x", mac->b[5]);
}

static int
fo_rec_link(void *ctx, bool up)
{
	return fo_rec_call(ctx, "link", "=%d", up);
}

static const struct fo_journal_ops fo_rec_ops = {
	.mtu = fo_rec_mtu,
	.mac = fo_rec_mac,
	.mac_add = fo_rec_mac_add,
	.mac_del = fo_rec_mac_del,
	.promisc = fo_rec_promisc,
	.allmulti = fo_rec_allmulti,
	.mc_list = fo_rec_mc_list,
	.vlan_offload = fo_rec_vlan_offload,
	.vlan_filter = fo_rec_vlan_filter,
	.rss_hash = fo_rec_rss_hash,
	.rss_reta = fo_rec_rss_reta,
	.link = fo_rec_link,
};

/* Replay @p j into @p r; the return value, with *failed checked sane. */
static int
fo_replay_at(int line, const struct fo_journal *j,
		const struct fo_journal_ops *ops, struct fo_rec *r,
		const char **failed)
{
	int ret;

	*failed = "not written";
	ret = fo_journal_replay(j, ops, r, failed);
	CHECK_AT(line, r->log, !r->overflow);
	if (ret == 0)
		CHECK_AT(line, r->log, *failed == NULL);
	else
		CHECK_AT(line, r->log, *failed != NULL);
	return ret;
}

/* Replay and compare the log with @p want. */
static void
fo_replay_expect_at(int line, const struct fo_journal *j,
		const struct fo_journal_ops *ops, const char *want)
{
	struct fo_rec r;
	const char *failed;
	int ret;

	fo_rec_init(&r);
	ret = fo_replay_at(line, j, ops, &r, &failed);
	CHECK_AT(line, r.log, ret == 0);
	CHECK_AT(line, r.log, STREQ(r.log, want));
	if (!STREQ(r.log, want))
		printf("    want: \"%s\"\n     got: \"%s\"\n", want, r.log);
}

#define REPLAY_EXPECT(j, ops, want) \
	fo_replay_expect_at(__LINE__, (j), (ops), (want))

static const uint8_t fo_rss_key_full[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};
static const uint16_t fo_reta_full[8] = { 0, 1, 2, 3, 3, 2, 1, 0 };

/*
 * A journal with every setting, made in an order unlike the replay's, and
 * the log its replay must give.
 */
static void
fo_journal_full(struct fo_journal *j)
{
	struct fo_mac mc[2] = { fo_mac_n(0x71), fo_mac_n(0x72) };
	struct fo_mac m;

	fo_journal_init(j);
	fo_journal_set_link_down(j, true);
	fo_journal_set_reta(j, fo_reta_full, DIM(fo_reta_full));
	fo_journal_set_rss(j, 0x38d34, fo_rss_key_full,
		sizeof(fo_rss_key_full));
	fo_journal_set_vlan(j, 4095, true);
	fo_journal_set_vlan(j, 7, true);
	fo_journal_set_vlan(j, 0, true);
	fo_journal_set_vlan(j, 100, true);
	fo_journal_set_vlan_offload(j, 5);
	fo_journal_set_mc(j, mc, 2);
	fo_journal_set_allmulti(j, true);
	fo_journal_set_promisc(j, true);
	m = fo_mac_n(0x0c);
	fo_journal_mac_add(j, m.b);
	m = fo_mac_n(0x0a);
	fo_journal_mac_add(j, m.b);
	m = fo_mac_n(0x0b);
	fo_journal_mac_add(j, m.b);
	m = fo_mac_n(0x01);
	fo_journal_set_mac(j, m.b);
	fo_journal_set_mtu(j, 9000);
}

#define FO_FULL_LOG "mtu=9000 mac=01 mac_add=0c mac_add=0a mac_add=0b " \
	"promisc=1 allmulti=1 mc_list=2 vlan_offload=5 vlan_filter=0 " \
	"vlan_filter=7 vlan_filter=100 vlan_filter=4095 rss_hash=38d34/40 " \
	"rss_reta=8 "

static void
test_journal_replay_order(void)
{
	struct fo_journal j;
	struct fo_rec r;
	const char *failed;
	struct fo_mac mc0 = fo_mac_n(0x71), mc1 = fo_mac_n(0x72);

	fo_journal_full(&j);
	fo_rec_init(&r);
	CHECK(fo_replay_at(__LINE__, &j, &fo_rec_ops, &r, &failed) == 0);
	CHECK(STREQ(r.log, FO_FULL_LOG));
	if (!STREQ(r.log, FO_FULL_LOG))
		printf("    want: \"%s\"\n     got: \"%s\"\n", FO_FULL_LOG,
			r.log);
	/* What the pointers carried. */
	CHECK(r.mc_n == 2);
	CHECK(memcmp(r.mc[0].b, mc0.b, 6) == 0);
	CHECK(memcmp(r.mc[1].b, mc1.b, 6) == 0);
	CHECK(!r.key_null && r.key_len == sizeof(fo_rss_key_full));
	CHECK(memcmp(r.key, fo_rss_key_full, sizeof(fo_rss_key_full)) == 0);
	CHECK(r.reta_size == DIM(fo_reta_full));
	CHECK(memcmp(r.reta, fo_reta_full, sizeof(fo_reta_full)) == 0);

	/* Replay is read-only: twice gives the same. */
	REPLAY_EXPECT(&j, &fo_rec_ops, FO_FULL_LOG);
}

static void
test_journal_replay_skip(void)
{
	struct fo_journal j;
	struct fo_rec r;
	const char *failed;
	struct fo_mac m = fo_mac_n(0x0a);
	uint16_t reta[2] = { 0, 1 };

	/* Nothing journaled: promisc and allmulti still run, both off. */
	fo_journal_init(&j);
	REPLAY_EXPECT(&j, &fo_rec_ops, "promisc=0 allmulti=0 ");

	fo_journal_init(&j);
	fo_journal_set_mtu(&j, 1500);
	REPLAY_EXPECT(&j, &fo_rec_ops, "mtu=1500 promisc=0 allmulti=0 ");

	fo_journal_init(&j);
	fo_journal_set_promisc(&j, true);
	REPLAY_EXPECT(&j, &fo_rec_ops, "promisc=1 allmulti=0 ");

	fo_journal_init(&j);
	fo_journal_set_allmulti(&j, true);
	fo_journal_set_link_down(&j, true);
	/* The driver sets the link down after the start, not the replay. */
	REPLAY_EXPECT(&j, &fo_rec_ops, "promisc=0 allmulti=1 ");

	fo_journal_init(&j);
	fo_journal_set_vlan(&j, 5, true);
	REPLAY_EXPECT(&j, &fo_rec_ops, "promisc=0 allmulti=0 vlan_filter=5 ");

	fo_journal_init(&j);
	fo_journal_set_vlan_offload(&j, 0);
	REPLAY_EXPECT(&j, &fo_rec_ops,
		"promisc=0 allmulti=0 vlan_offload=0 ");

	/* An emptied multicast list is replayed, as an empty list. */
	fo_journal_init(&j);
	fo_journal_set_mc(&j, NULL, 0);
	fo_rec_init(&r);
	r.mc_n = 99;
	CHECK(fo_replay_at(__LINE__, &j, &fo_rec_ops, &r, &failed) == 0);
	CHECK(STREQ(r.log, "promisc=0 allmulti=0 mc_list=0 "));
	CHECK(r.mc_n == 0);

	/* RSS without a key: the key is passed as NULL, length 0. */
	fo_journal_init(&j);
	fo_journal_set_rss(&j, 0x4, NULL, 0);
	fo_rec_init(&r);
	CHECK(fo_replay_at(__LINE__, &j, &fo_rec_ops, &r, &failed) == 0);
	CHECK(STREQ(r.log, "promisc=0 allmulti=0 rss_hash=4/0 "));
	CHECK(r.key_null && r.key_len == 0);

	fo_journal_init(&j);
	fo_journal_set_reta(&j, reta, 2);
	REPLAY_EXPECT(&j, &fo_rec_ops, "promisc=0 allmulti=0 rss_reta=2 ");

	/* Set then undone: nothing to replay for them. */
	fo_journal_init(&j);
	fo_journal_mac_add(&j, m.b);
	fo_journal_mac_del(&j, m.b);
	fo_journal_set_vlan(&j, 9, true);
	fo_journal_set_vlan(&j, 9, false);
	fo_journal_set_link_down(&j, true);
	fo_journal_set_link_down(&j, false);
	fo_journal_set_promisc(&j, true);
	fo_journal_set_promisc(&j, false);
	fo_journal_set_reta(&j, reta, 2);
	fo_journal_set_reta(&j, reta, 0);
	REPLAY_EXPECT(&j, &fo_rec_ops, "promisc=0 allmulti=0 ");

	/* Extra addresses without a default one. */
	fo_journal_init(&j);
	fo_journal_mac_add(&j, m.b);
	REPLAY_EXPECT(&j, &fo_rec_ops, "mac_add=0a promisc=0 allmulti=0 ");
}

/*
 * The expected log when the @p nth call of @p step fails: FO_FULL_LOG up to
 * and including that call.
 */
static bool
fo_full_log_cut(char *buf, size_t size, const char *step, unsigned int nth)
{
	const char *p = FO_FULL_LOG;
	size_t slen = strlen(step);
	unsigned int seen = 0;

	while (*p != '\0') {
		const char *end = strchr(p, ' ');

		if (end == NULL)
			return false;
		if (strncmp(p, step, slen) == 0 &&
				(p[slen] == '=' || p[slen] == ' ') &&
				seen++ == nth) {
			if ((size_t)(end + 1 - FO_FULL_LOG) >= size)
				return false;
			memcpy(buf, FO_FULL_LOG, end + 1 - FO_FULL_LOG);
			buf[end + 1 - FO_FULL_LOG] = '\0';
			return true;
		}
		p = end + 1;
	}
	return false;
}

static void
test_journal_replay_fail(void)
{
	static const struct {
		const char *step;
		unsigned int nth;
		int err;
	} cases[] = {
		{ "mtu", 0, -EINVAL },
		{ "mac", 0, -EPERM },
		{ "mac_add", 0, -ENOSPC },
		{ "mac_add", 1, -EIO },
		{ "mac_add", 2, -ENOTSUP },
		{ "promisc", 0, -ENOTSUP },
		{ "allmulti", 0, -EIO },
		{ "mc_list", 0, -ENOMEM },
		{ "vlan_offload", 0, -ENOTSUP },
		{ "vlan_filter", 0, -EINVAL },
		{ "vlan_filter", 2, -ENOSPC },
		{ "vlan_filter", 3, -EIO },
		{ "rss_hash", 0, -EINVAL },
		{ "rss_reta", 0, -ENOTSUP },
	};
	char want[sizeof(FO_FULL_LOG)];
	struct fo_journal j;
	struct fo_rec r;
	const char *failed;
	size_t i;
	int ret;

	fo_journal_full(&j);
	for (i = 0; i < DIM(cases); i++) {
		const char *step = cases[i].step;

		if (!fo_full_log_cut(want, sizeof(want), step, cases[i].nth)) {
			CHECK_AT(__LINE__, step, !"no such step in the log");
			continue;
		}
		fo_rec_init(&r);
		r.fail_step = step;
		r.fail_nth = cases[i].nth;
		r.fail_ret = cases[i].err;
		ret = fo_replay_at(__LINE__, &j, &fo_rec_ops, &r, &failed);
		CHECK_AT(__LINE__, step, ret == cases[i].err);
		CHECK_AT(__LINE__, step, failed != NULL && STREQ(failed, step));
		/* Stopped right there: nothing after the failed call. */
		CHECK_AT(__LINE__, step, STREQ(r.log, want));
		if (!STREQ(r.log, want))
			printf("    want: \"%s\"\n     got: \"%s\"\n", want,
				r.log);
	}

	/* promisc fails even with nothing journaled: it always runs. */
	fo_journal_init(&j);
	fo_rec_init(&r);
	r.fail_step = "promisc";
	r.fail_ret = -EIO;
	CHECK(fo_replay_at(__LINE__, &j, &fo_rec_ops, &r, &failed) == -EIO);
	CHECK(failed != NULL && STREQ(failed, "promisc"));
	CHECK(STREQ(r.log, "promisc=0 "));
	/* A step that is skipped cannot fail. */
	fo_rec_init(&r);
	r.fail_step = "mtu";
	r.fail_ret = -EIO;
	CHECK(fo_replay_at(__LINE__, &j, &fo_rec_ops, &r, &failed) == 0);
	CHECK(failed == NULL);
}

static void
test_journal_replay_null_ops(void)
{
	static const struct fo_journal_ops none;
	struct fo_journal_ops some = fo_rec_ops;
	struct fo_journal j;
	struct fo_rec r;
	const char *failed;

	fo_journal_full(&j);
	/* No op at all: every step skipped, success. */
	fo_rec_init(&r);
	CHECK(fo_replay_at(__LINE__, &j, &none, &r, &failed) == 0);
	CHECK(r.len == 0);

	/* Some missing: the others run, in order. */
	some.mtu = NULL;
	some.mac_add = NULL;
	some.promisc = NULL;
	some.vlan_filter = NULL;
	REPLAY_EXPECT(&j, &some, "mac=01 allmulti=1 mc_list=2 vlan_offload=5 "
		"rss_hash=38d34/40 rss_reta=8 ");
	some = fo_rec_ops;
	some.mac = NULL;
	some.allmulti = NULL;
	some.mc_list = NULL;
	some.vlan_offload = NULL;
	some.rss_hash = NULL;
	some.rss_reta = NULL;
	REPLAY_EXPECT(&j, &some, "mtu=9000 mac_add=0c mac_add=0a mac_add=0b "
		"promisc=1 vlan_filter=0 vlan_filter=7 vlan_filter=100 "
		"vlan_filter=4095 ");

	/* A missing op is not a failure, even where a call would fail. */
	some = fo_rec_ops;
	some.vlan_filter = NULL;
	fo_rec_init(&r);
	r.fail_step = "vlan_filter";
	r.fail_ret = -EIO;
	CHECK(fo_replay_at(__LINE__, &j, &some, &r, &failed) == 0);
	CHECK(failed == NULL);
	CHECK(strstr(r.log, "vlan_filter") == NULL);
	CHECK(strstr(r.log, "rss_reta") != NULL);
}

/*
 * An operation's setting goes through the same ops as the replay: each
 * one calls its op with its value, and says what it is.
 */
static void
test_setting_apply(void)
{
	struct fo_mac m = fo_mac_n(0x0c), mc[2] = { fo_mac_n(0x71),
		fo_mac_n(0x72) };
	static const uint8_t key[4] = { 1, 2, 3, 4 };
	static const uint16_t reta[4] = { 0, 1, 0, 1 };
	const struct {
		struct fo_setting s;
		const char *log;
		const char *what;
	} cases[] = {
		{ { .id = FO_SET_MTU, .mtu = 9000 }, "mtu=9000 ", "mtu" },
		{ { .id = FO_SET_MAC, .mac = &m }, "mac=0c ", "default MAC" },
		{ { .id = FO_SET_MAC_ADD, .mac = &m }, "mac_add=0c ",
			"MAC add" },
		{ { .id = FO_SET_MAC_DEL, .mac = &m }, "mac_del=0c ",
			"MAC remove" },
		{ { .id = FO_SET_PROMISC, .on = true }, "promisc=1 ",
			"promiscuous on" },
		{ { .id = FO_SET_ALLMULTI, .on = false }, "allmulti=0 ",
			"allmulticast off" },
		{ { .id = FO_SET_MC_LIST, .mc = { mc, 2 } }, "mc_list=2 ",
			"multicast list" },
		{ { .id = FO_SET_VLAN_OFFLOAD, .vlan_offload = 3 },
			"vlan_offload=3 ", "VLAN offload" },
		{ { .id = FO_SET_VLAN_FILTER, .vlan = { 100, false } },
			"vlan_filter=100/off ", "VLAN filter" },
		{ { .id = FO_SET_RSS_HASH, .rss = { 0x38d34, key, 4 } },
			"rss_hash=38d34/4 ", "RSS hash" },
		{ { .id = FO_SET_RSS_RETA, .reta = { reta, 4 } },
			"rss_reta=4 ", "RSS RETA" },
		{ { .id = FO_SET_LINK, .on = false }, "link=0 ",
			"link down" },
	};
	struct fo_journal_ops none = { 0 };
	struct fo_setting bad = { .id = FO_NB_SETTINGS };
	struct fo_rec r;
	char what[32];
	size_t i;

	CHECK(DIM(cases) == FO_NB_SETTINGS);
	for (i = 0; i < DIM(cases); i++) {
		fo_rec_init(&r);
		CHECK_AT(__LINE__, cases[i].log,
			fo_setting_apply(&fo_rec_ops, &r, &cases[i].s) == 0);
		CHECK_AT(__LINE__, r.log, STREQ(r.log, cases[i].log));
		fo_setting_describe(&cases[i].s, what, sizeof(what));
		CHECK_AT(__LINE__, what, STREQ(what, cases[i].what));
		/* A failing op's error comes back as it is. */
		fo_rec_init(&r);
		r.fail_step = "mtu";
		r.fail_ret = -EIO;
		if (i == 0)
			CHECK(fo_setting_apply(&fo_rec_ops, &r,
				&cases[i].s) == -EIO);
		/* No op for it: not supported, nothing called. */
		CHECK_AT(__LINE__, cases[i].what,
			fo_setting_apply(&none, &r, &cases[i].s) == -ENOTSUP);
	}
	fo_rec_init(&r);
	CHECK(fo_setting_apply(&fo_rec_ops, &r, &bad) == -EINVAL);
	CHECK(r.len == 0);
	fo_setting_describe(&bad, what, sizeof(what));
	CHECK(strstr(what, "setting") != NULL);
}

typedef void (*fo_test_fn)(void);

static const struct {
	const char *name;
	fo_test_fn fn;
} fo_tests[] = {
#define FO_TEST(fn) { #fn, fn }
	FO_TEST(test_devargs_standby_only),
	FO_TEST(test_devargs_standby_primary),
	FO_TEST(test_devargs_parenthesized),
	FO_TEST(test_devargs_mac),
	FO_TEST(test_devargs_trailing_comma),
	FO_TEST(test_devargs_long_names),
	FO_TEST(test_devargs_reject_unknown_key),
	FO_TEST(test_devargs_reject_missing_standby),
	FO_TEST(test_devargs_reject_empty),
	FO_TEST(test_devargs_reject_no_equal),
	FO_TEST(test_devargs_reject_duplicate),
	FO_TEST(test_devargs_reject_parentheses),
	FO_TEST(test_devargs_reject_mac),
	FO_TEST(test_devargs_reject_same_device),
	FO_TEST(test_devargs_reject_too_long),
	FO_TEST(test_devargs_policy_defaults),
	FO_TEST(test_devargs_policy_ms),
	FO_TEST(test_devargs_policy_words),
	FO_TEST(test_devargs_policy_combined),
	FO_TEST(test_devargs_unknown_key_lists_all),
	FO_TEST(test_mac_parse),
	FO_TEST(test_policy_transitions),
	FO_TEST(test_policy_event_sequence),
	FO_TEST(test_wait_run_event),
	FO_TEST(test_wait_sequences),
	FO_TEST(test_policy_tx_role),
	FO_TEST(test_policy_rx_polled),
	FO_TEST(test_policy_names),
	FO_TEST(test_stats_init),
	FO_TEST(test_stats_clamp),
	FO_TEST(test_stats_update_total),
	FO_TEST(test_stats_backwards),
	FO_TEST(test_stats_retire),
	FO_TEST(test_stats_reset),
	FO_TEST(test_stats_reset_kept),
	FO_TEST(test_desc_lim),
	FO_TEST(test_stats_monotonic_random),
	FO_TEST(test_journal_init),
	FO_TEST(test_journal_setters),
	FO_TEST(test_journal_mac_add),
	FO_TEST(test_journal_mac_del),
	FO_TEST(test_journal_mc),
	FO_TEST(test_journal_vlan),
	FO_TEST(test_journal_rss),
	FO_TEST(test_journal_reta),
	FO_TEST(test_journal_replay_order),
	FO_TEST(test_journal_replay_skip),
	FO_TEST(test_journal_replay_fail),
	FO_TEST(test_journal_replay_null_ops),
	FO_TEST(test_setting_apply),
#undef FO_TEST
};

int
main(void)
{
	unsigned int failed_before;
	size_t i;

	for (i = 0; i < DIM(fo_tests); i++) {
		failed_before = fo_nb_failed;
		fo_tests[i].fn();
		if (fo_nb_failed != failed_before)
			printf("FAIL %s\n", fo_tests[i].name);
	}
	/* The last line, read by tests/test_unit.py. */
	printf("%u passed, %u failed\n", fo_nb_passed, fo_nb_failed);
	return fo_nb_failed == 0 ? 0 : 1;
}
