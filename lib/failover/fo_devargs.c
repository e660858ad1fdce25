/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fo_devargs.h"

static const char * const fo_keys = "standby, primary, mac, hotplug_poll, "
	"warmup_ms, standby_rx, drain_ms, no_path, probe_any, negotiate_standby";

static int
fo_fail(char err[FO_ERR_LEN], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, FO_ERR_LEN, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int
fo_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
fo_mac_parse(const char *str, size_t len, uint8_t mac[6])
{
	size_t i;
	int hi, lo;

	/* Exactly six two-digit groups: "a:b:..." is more often a typo. */
	if (len != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		hi = fo_hex((unsigned char)str[i * 3]);
		lo = fo_hex((unsigned char)str[i * 3 + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < 5 && str[i * 3 + 2] != ':')
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Length of the next top-level item: up to a comma outside parentheses. */
static int
fo_item_len(const char *s, size_t *len, char err[FO_ERR_LEN])
{
	int depth = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '(') {
			depth++;
		} else if (s[i] == ')') {
			if (--depth < 0)
				return fo_fail(err, "unbalanced ')' in \"%s\"", s);
		} else if (s[i] == ',' && depth == 0) {
			break;
		}
	}
	if (depth != 0)
		return fo_fail(err, "unbalanced '(' in \"%s\"", s);
	*len = i;
	return 0;
}

/* Index of the ')' closing the '(' at val[0], or len if none. */
static size_t
fo_close_paren(const char *val, size_t len)
{
	size_t i;
	int depth = 0;

	for (i = 0; i < len; i++) {
		if (val[i] == '(')
			depth++;
		else if (val[i] == ')' && --depth == 0)
			return i;
	}
	return len;
}

static int
fo_subdev_parse(const char *key, const char *val, size_t len,
		struct fo_subdev_spec *spec, char err[FO_ERR_LEN])
{
	size_t name_len;

	if (len >= 2 && val[0] == '(') {
		/* The parenthesis that opens must be the one that ends. */
		if (fo_close_paren(val, len) != len - 1)
			return fo_fail(err, "%s: text after ')' in \"%.*s\"",
				key, (int)len, val);
		val++;
		len -= 2;
		if (len >= sizeof(spec->probe))
			return fo_fail(err, "%s: device string longer than %zu",
				key, sizeof(spec->probe) - 1);
		memcpy(spec->probe, val, len);
		spec->probe[len] = '\0';
		name_len = strcspn(spec->probe, ",");
	} else {
		if (memchr(val, '(', len) != NULL ||
				memchr(val, ')', len) != NULL)
			return fo_fail(err, "%s: misplaced parenthesis in \"%.*s\"",
				key, (int)len, val);
		name_len = len;
	}
	if (name_len == 0)
		return fo_fail(err, "%s: empty device name", key);
	if (name_len >= sizeof(spec->name))
		return fo_fail(err, "%s: device name longer than %zu",
			key, sizeof(spec->name) - 1);
	memcpy(spec->name, val, name_len);
	spec->name[name_len] = '\0';
	return 0;
}

/* A decimal count of milliseconds, at most a day. */
static int
fo_ms_parse(const char *key, const char *val, size_t len, uint32_t *ms,
		char err[FO_ERR_LEN])
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (val[i] < '0' || val[i] > '9' || v > 86400000)
			return fo_fail(err, "%s: \"%.*s\" is not a number of "
				"milliseconds (0 to 86400000)", key, (int)len,
				val);
		v = v * 10 + (uint64_t)(val[i] - '0');
	}
	if (v > 86400000)
		return fo_fail(err, "%s: %.*s is more than a day", key,
			(int)len, val);
	*ms = (uint32_t)v;
	return 0;
}

/* One of a few words; *out gets its index. */
static int
fo_word_parse(const char *key, const char *val, size_t len,
		const char * const *words, int *out, char err[FO_ERR_LEN])
{
	int i;

	for (i = 0; words[i] != NULL; i++) {
		if (strlen(words[i]) == len && strncmp(val, words[i], len) == 0) {
			*out = i;
			return 0;
		}
	}
	return fo_fail(err, "%s: \"%.*s\" is not one of %s%s%s", key,
		(int)len, val, words[0], words[1] != NULL ? ", " : "",
		words[1] != NULL ? words[1] : "");
}

static bool
fo_key_is(const char *item, size_t klen, const char *key)
{
	return strlen(key) == klen && strncmp(item, key, klen) == 0;
}

#define RTE_DIM_FO(a) (sizeof(a) / sizeof((a)[0]))

static const char * const fo_policy_keys[] = {
	"hotplug_poll", "warmup_ms", "drain_ms", "standby_rx", "no_path",
	"probe_any", "negotiate_standby",
};

/* A 0|1 key. */
static int
fo_bool_parse(const char *key, const char *val, size_t vlen, bool *out,
		char err[FO_ERR_LEN])
{
	static const char * const w[] = { "0", "1", NULL };
	int v = 0;
	int ret;

	ret = fo_word_parse(key, val, vlen, w, &v, err);
	*out = v == 1;
	return ret;
}

static int
fo_item_parse(const char *item, size_t len, struct fo_devargs *out,
		unsigned int *seen, char err[FO_ERR_LEN])
{
	const char *eq = memchr(item, '=', len);
	size_t klen, vlen;
	const char *val;
	unsigned int k;
	int ret;

	if (eq == NULL)
		return fo_fail(err, "\"%.*s\" is not key=value", (int)len, item);
	klen = (size_t)(eq - item);
	val = eq + 1;
	vlen = len - klen - 1;
	if (vlen == 0)
		return fo_fail(err, "%.*s: empty value", (int)klen, item);

	if (klen == 7 && strncmp(item, "standby", 7) == 0) {
		if (out->standby.name[0] != '\0')
			return fo_fail(err, "standby given twice");
		return fo_subdev_parse("standby", val, vlen, &out->standby, err);
	}
	if (klen == 7 && strncmp(item, "primary", 7) == 0) {
		if (out->primary.name[0] != '\0')
			return fo_fail(err, "primary given twice");
		return fo_subdev_parse("primary", val, vlen, &out->primary, err);
	}
	if (klen == 3 && strncmp(item, "mac", 3) == 0) {
		if (out->has_mac)
			return fo_fail(err, "mac given twice");
		if (fo_mac_parse(val, vlen, out->mac) != 0)
			return fo_fail(err, "mac: \"%.*s\" is not a MAC address "
				"(aa:bb:cc:dd:ee:ff)", (int)vlen, val);
		if (out->mac[0] & 1)
			return fo_fail(err, "mac: %.*s is a multicast address",
				(int)vlen, val);
		out->has_mac = true;
		return 0;
	}
	/* Every key once: a repeated one is more likely a mistake. */
	for (k = 0; k < RTE_DIM_FO(fo_policy_keys); k++) {
		if (fo_key_is(item, klen, fo_policy_keys[k])) {
			if (*seen & (1u << k))
				return fo_fail(err, "%s given twice",
					fo_policy_keys[k]);
			*seen |= 1u << k;
		}
	}
	if (fo_key_is(item, klen, "hotplug_poll"))
		return fo_ms_parse("hotplug_poll", val, vlen,
			&out->hotplug_poll_ms, err);
	if (fo_key_is(item, klen, "warmup_ms"))
		return fo_ms_parse("warmup_ms", val, vlen, &out->warmup_ms,
			err);
	if (fo_key_is(item, klen, "drain_ms"))
		return fo_ms_parse("drain_ms", val, vlen, &out->drain_ms, err);
	if (fo_key_is(item, klen, "standby_rx")) {
		static const char * const w[] = { "always", "absent", NULL };
		int v = 0;

		ret = fo_word_parse("standby_rx", val, vlen, w, &v, err);
		out->standby_rx = (enum fo_standby_rx)v;
		return ret;
	}
	if (fo_key_is(item, klen, "no_path")) {
		static const char * const w[] = { "drop", "hold", NULL };
		int v = 0;

		ret = fo_word_parse("no_path", val, vlen, w, &v, err);
		out->no_path = (enum fo_no_path)v;
		return ret;
	}
	if (fo_key_is(item, klen, "probe_any"))
		return fo_bool_parse("probe_any", val, vlen, &out->probe_any,
			err);
	if (fo_key_is(item, klen, "negotiate_standby"))
		return fo_bool_parse("negotiate_standby", val, vlen,
			&out->negotiate_standby, err);
	return fo_fail(err, "unknown key \"%.*s\" (valid keys: %s)",
		(int)klen, item, fo_keys);
}

int
fo_devargs_parse(const char *str, struct fo_devargs *out,
		char err[FO_ERR_LEN])
{
	unsigned int seen = 0;
	size_t len = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->drain_ms = FO_DRAIN_MS_DEFAULT;
	err[0] = '\0';
	if (str == NULL)
		str = "";
	while (*str != '\0') {
		ret = fo_item_len(str, &len, err);
		if (ret == 0 && len == 0)
			ret = fo_fail(err, "empty argument in \"%s\"", str);
		if (ret == 0)
			ret = fo_item_parse(str, len, out, &seen, err);
		if (ret != 0)
			goto fail;
		str += len;
		if (*str == ',')
			str++;
	}
	if (out->standby.name[0] == '\0') {
		ret = fo_fail(err, "standby=<device> is required (valid keys: %s)",
			fo_keys);
		goto fail;
	}
	if (strcmp(out->standby.name, out->primary.name) == 0) {
		ret = fo_fail(err, "standby and primary are the same device %s",
			out->standby.name);
		goto fail;
	}
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return ret;
}
