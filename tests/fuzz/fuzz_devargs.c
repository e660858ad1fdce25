/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * libFuzzer target: fo_devargs_parse() on any string.
 *
 * Besides the sanitizers' own checks (every byte read past the input or
 * past a field is caught: the input is copied into a heap buffer of
 * exactly its length plus the NUL), it aborts on a broken contract:
 *
 *  - the return value is 0 or -EINVAL;
 *  - on success: the standby name is non-empty, standby != primary, every
 *    name and device string is NUL-terminated inside its field
 *    (names shorter than FO_DEV_NAME_LEN), a name given in parentheses is
 *    the device string up to its first comma, a MAC is unicast, the ms
 *    values are at most a day, the enums in range, err is empty;
 *  - on error: out is all zero (it was filled with junk before the call),
 *    err is non-empty and NUL-terminated inside FO_ERR_LEN;
 *  - the same input parses the same way twice;
 *  - what was accepted, written back as a devargs string with every key,
 *    is accepted again and gives the same struct (the round trip).
 *
 * Built by devtools/fuzz (clang -fsanitize=fuzzer,address,undefined).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_devargs.h"

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_devargs: invariant broken at %s:%d: %s\n", \
			__FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static int
nul_inside(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int
all_zero(const void *p, size_t size)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (c[i] != 0)
			return 0;
	return 1;
}

static void
check_spec(const struct fo_subdev_spec *spec, int mandatory)
{
	size_t nlen;

	FUZZ_CHECK(nul_inside(spec->name, sizeof(spec->name)));
	FUZZ_CHECK(nul_inside(spec->probe, sizeof(spec->probe)));
	nlen = strlen(spec->name);
	FUZZ_CHECK(nlen < FO_DEV_NAME_LEN);
	if (mandatory)
		FUZZ_CHECK(nlen > 0);
	if (nlen == 0) {
		/* A sub-device not given has nothing. */
		FUZZ_CHECK(spec->probe[0] == '\0');
		return;
	}
	if (spec->probe[0] != '\0') {
		/* The name is the device string up to its first comma. */
		FUZZ_CHECK(strncmp(spec->probe, spec->name, nlen) == 0);
		FUZZ_CHECK(spec->probe[nlen] == '\0' || spec->probe[nlen] == ',');
	} else {
		/* A bare name never holds a parenthesis or a comma. */
		FUZZ_CHECK(strpbrk(spec->name, "(),") == NULL);
	}
}

/* Append the key=value of @spec to @buf; the size is checked by the caller. */
static size_t
put_spec(char *buf, size_t size, const char *key,
		const struct fo_subdev_spec *spec)
{
	if (spec->probe[0] != '\0')
		return (size_t)snprintf(buf, size, "%s=(%s),", key, spec->probe);
	return (size_t)snprintf(buf, size, "%s=%s,", key, spec->name);
}

/* The accepted arguments written back with every key; NULL if no room. */
static char *
unparse(const struct fo_devargs *da)
{
	/* two device strings, their keys and the rest fit with room to spare */
	size_t size = 2 * FO_DEV_ARGS_LEN + 512, n = 0;
	char *buf = malloc(size);

	FUZZ_CHECK(buf != NULL);
	n += put_spec(buf + n, size - n, "standby", &da->standby);
	if (da->primary.name[0] != '\0')
		n += put_spec(buf + n, size - n, "primary", &da->primary);
	if (da->has_mac)
		n += (size_t)snprintf(buf + n, size - n,
			"mac=%02x:%02x:%02x:%02x:%02x:%02x,", da->mac[0],
			da->mac[1], da->mac[2], da->mac[3], da->mac[4],
			da->mac[5]);
	n += (size_t)snprintf(buf + n, size - n,
		"hotplug_poll=%" PRIu32 ",warmup_ms=%" PRIu32
		",drain_ms=%" PRIu32 ",standby_rx=%s,no_path=%s,probe_any=%d",
		da->hotplug_poll_ms, da->warmup_ms, da->drain_ms,
		da->standby_rx == FO_STANDBY_RX_ABSENT ? "absent" : "always",
		da->no_path == FO_NO_PATH_HOLD ? "hold" : "drop",
		da->probe_any ? 1 : 0);
	FUZZ_CHECK(n < size);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fo_devargs da, again;
	char err[FO_ERR_LEN], err2[FO_ERR_LEN];
	char *str, *back;
	int ret, ret2;

	/* Exactly the input and its NUL: ASan sees any read past it. */
	str = malloc(size + 1);
	FUZZ_CHECK(str != NULL);
	memcpy(str, data, size);
	str[size] = '\0';

	/* Junk first, so that "left zeroed" and "NUL-terminated" mean it. */
	memset(&da, 0xa5, sizeof(da));
	memset(err, 0xa5, sizeof(err));
	ret = fo_devargs_parse(str, &da, err);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	FUZZ_CHECK(nul_inside(err, sizeof(err)));

	memset(&again, 0x5a, sizeof(again));
	memset(err2, 0x5a, sizeof(err2));
	ret2 = fo_devargs_parse(str, &again, err2);
	FUZZ_CHECK(ret2 == ret);
	FUZZ_CHECK(memcmp(&da, &again, sizeof(da)) == 0);
	FUZZ_CHECK(strcmp(err, err2) == 0);

	if (ret != 0) {
		FUZZ_CHECK(all_zero(&da, sizeof(da)));
		FUZZ_CHECK(err[0] != '\0');
		free(str);
		return 0;
	}

	FUZZ_CHECK(err[0] == '\0');
	check_spec(&da.standby, 1);
	check_spec(&da.primary, 0);
	FUZZ_CHECK(strcmp(da.standby.name, da.primary.name) != 0);
	if (da.has_mac)
		FUZZ_CHECK((da.mac[0] & 1) == 0);
	else
		FUZZ_CHECK(all_zero(da.mac, sizeof(da.mac)));
	FUZZ_CHECK(da.hotplug_poll_ms <= 86400000);
	FUZZ_CHECK(da.warmup_ms <= 86400000);
	FUZZ_CHECK(da.drain_ms <= 86400000);
	FUZZ_CHECK(da.standby_rx == FO_STANDBY_RX_ALWAYS ||
		da.standby_rx == FO_STANDBY_RX_ABSENT);
	FUZZ_CHECK(da.no_path == FO_NO_PATH_DROP ||
		da.no_path == FO_NO_PATH_HOLD);
	/* Every name that was accepted was in the input. */
	FUZZ_CHECK(strstr(str, da.standby.name) != NULL);
	FUZZ_CHECK(strstr(str, da.primary.name) != NULL);

	/* The round trip: the same arguments said in full. */
	back = unparse(&da);
	memset(&again, 0x5a, sizeof(again));
	ret2 = fo_devargs_parse(back, &again, err2);
	if (ret2 != 0)
		fprintf(stderr, "fuzz_devargs: \"%s\" refused: %s\n", back, err2);
	FUZZ_CHECK(ret2 == 0);
	FUZZ_CHECK(memcmp(&da, &again, sizeof(da)) == 0);
	free(back);
	free(str);
	return 0;
}
