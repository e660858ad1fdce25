/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * Unit tests of lib/failover: the device argument parser, the failover
 * policy and the statistics folding. Plain C, no EAL, no test framework.
 *
 * The counts printed on the last line, "N passed, N failed", are counts of
 * individual checks (CHECK() and the checks done by the helpers below), not
 * of test functions. Every failing check prints one line with the file, the
 * line of the test that made it and the expression that did not hold.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_devargs.h"
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
};

static const enum fo_action fo_actions[] = {
	FO_ACT_NONE, FO_ACT_REPATH, FO_ACT_RELEASE_DEFERRED, FO_ACT_FORGET_NOW,
};

/* The expected fo_event_action(), written out independently. */
static enum fo_action
fo_want_action(enum fo_sub_state st, enum fo_event ev)
{
	if (st == FO_SUB_ABSENT || st == FO_SUB_REMOVING)
		return FO_ACT_NONE;
	if (ev == FO_EV_INTR_RMV || ev == FO_EV_DEV_REMOVE)
		return FO_ACT_RELEASE_DEFERRED;
	if (ev == FO_EV_DESTROY)
		return FO_ACT_FORGET_NOW;
	return st == FO_SUB_STARTED ? FO_ACT_REPATH : FO_ACT_NONE;
}

static void
test_policy_event_action(void)
{
	char what[64];
	size_t s, e;

	for (s = 0; s < DIM(fo_states); s++) {
		for (e = 0; e < DIM(fo_events); e++) {
			snprintf(what, sizeof(what), "%s, %s",
				fo_state_name(fo_states[s]),
				fo_event_name(fo_events[e]));
			CHECK_AT(__LINE__, what,
				fo_event_action(fo_states[s], fo_events[e]) ==
				fo_want_action(fo_states[s], fo_events[e]));
		}
	}

	/* The rules spelled out, for the reader. */
	CHECK(fo_event_action(FO_SUB_ABSENT, FO_EV_DESTROY) == FO_ACT_NONE);
	CHECK(fo_event_action(FO_SUB_REMOVING, FO_EV_DEV_REMOVE) ==
		FO_ACT_NONE);
	CHECK(fo_event_action(FO_SUB_REMOVING, FO_EV_DESTROY) == FO_ACT_NONE);
	CHECK(fo_event_action(FO_SUB_OWNED, FO_EV_INTR_RMV) ==
		FO_ACT_RELEASE_DEFERRED);
	CHECK(fo_event_action(FO_SUB_STARTED, FO_EV_DEV_REMOVE) ==
		FO_ACT_RELEASE_DEFERRED);
	CHECK(fo_event_action(FO_SUB_CONFIGURED, FO_EV_DESTROY) ==
		FO_ACT_FORGET_NOW);
	CHECK(fo_event_action(FO_SUB_STARTED, FO_EV_LINK) == FO_ACT_REPATH);
	CHECK(fo_event_action(FO_SUB_CONFIGURED, FO_EV_LINK) == FO_ACT_NONE);
	CHECK(fo_event_action(FO_SUB_OWNED, FO_EV_LINK) == FO_ACT_NONE);
}

static void
test_policy_action_state(void)
{
	enum fo_sub_state want;
	char what[64];
	size_t s, a;

	for (s = 0; s < DIM(fo_states); s++) {
		for (a = 0; a < DIM(fo_actions); a++) {
			if (fo_actions[a] == FO_ACT_RELEASE_DEFERRED)
				want = FO_SUB_REMOVING;
			else if (fo_actions[a] == FO_ACT_FORGET_NOW)
				want = FO_SUB_ABSENT;
			else
				want = fo_states[s];
			snprintf(what, sizeof(what), "%s, action %d",
				fo_state_name(fo_states[s]), (int)fo_actions[a]);
			CHECK_AT(__LINE__, what,
				fo_action_state(fo_states[s], fo_actions[a]) ==
				want);
		}
	}
}

/* Events applied in turn: a second removal of a leaving device is a no-op. */
static void
test_policy_event_sequence(void)
{
	enum fo_sub_state st = FO_SUB_STARTED;
	enum fo_action act;

	act = fo_event_action(st, FO_EV_LINK);
	CHECK(act == FO_ACT_REPATH);
	st = fo_action_state(st, act);
	CHECK(st == FO_SUB_STARTED);

	act = fo_event_action(st, FO_EV_DEV_REMOVE);
	CHECK(act == FO_ACT_RELEASE_DEFERRED);
	st = fo_action_state(st, act);
	CHECK(st == FO_SUB_REMOVING);

	act = fo_event_action(st, FO_EV_DEV_REMOVE);
	CHECK(act == FO_ACT_NONE);
	CHECK(fo_action_state(st, act) == FO_SUB_REMOVING);
	CHECK(fo_event_action(st, FO_EV_INTR_RMV) == FO_ACT_NONE);
	CHECK(fo_event_action(st, FO_EV_LINK) == FO_ACT_NONE);

	st = FO_SUB_CONFIGURED;
	act = fo_event_action(st, FO_EV_DESTROY);
	CHECK(act == FO_ACT_FORGET_NOW);
	st = fo_action_state(st, act);
	CHECK(st == FO_SUB_ABSENT);
	CHECK(fo_event_action(st, FO_EV_DESTROY) == FO_ACT_NONE);
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
	CHECK(fo_event_name((enum fo_event)(FO_EV_LINK + 1)) != NULL);
	CHECK(STREQ(fo_event_name((enum fo_event)(FO_EV_LINK + 1)),
		"unknown"));
	CHECK(STREQ(fo_event_name((enum fo_event)1000), "unknown"));
	CHECK(STREQ(fo_event_name((enum fo_event)-1), "unknown"));
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
	FO_TEST(test_mac_parse),
	FO_TEST(test_policy_event_action),
	FO_TEST(test_policy_action_state),
	FO_TEST(test_policy_event_sequence),
	FO_TEST(test_policy_tx_role),
	FO_TEST(test_policy_rx_polled),
	FO_TEST(test_policy_names),
	FO_TEST(test_stats_init),
	FO_TEST(test_stats_clamp),
	FO_TEST(test_stats_update_total),
	FO_TEST(test_stats_backwards),
	FO_TEST(test_stats_retire),
	FO_TEST(test_stats_reset),
	FO_TEST(test_stats_monotonic_random),
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
