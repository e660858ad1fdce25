/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * libFuzzer target: fo_mac_parse() on any bytes, given with their length
 * and no NUL after them (ASan sees a read past @len).
 *
 * Contract checked: the return value is 0 or -EINVAL; on success the input
 * was exactly "xx:xx:xx:xx:xx:xx" in hex digits of either case, and the six
 * bytes written are those digits; on error nothing past @mac[5] is written.
 *
 * Built by devtools/fuzz (clang -fsanitize=fuzzer,address,undefined).
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_devargs.h"

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_mac: invariant broken at %s:%d: %s\n", \
			__FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mac[6 + 2];
	char text[18];
	char *str;
	size_t i;
	int ret;

	/* Exactly the input, no NUL: a read past @size is a heap overflow. */
	str = malloc(size > 0 ? size : 1);
	FUZZ_CHECK(str != NULL);
	if (size > 0)
		memcpy(str, data, size);

	memset(mac, 0xa5, sizeof(mac));
	ret = fo_mac_parse(str, size, mac);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	FUZZ_CHECK(mac[6] == 0xa5 && mac[7] == 0xa5);
	if (ret == 0) {
		FUZZ_CHECK(size == 17);
		snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x",
			mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		for (i = 0; i < 17; i++)
			FUZZ_CHECK(tolower((unsigned char)str[i]) == text[i]);
	}
	free(str);
	return 0;
}
