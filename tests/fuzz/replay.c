/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * A main() for the fuzz targets without libFuzzer: runs
 * LLVMFuzzerTestOneInput() once on each file given, so that the targets'
 * contract checks run over the seed corpus in every build (gcc, and the
 * sanitized build-asan/). A broken invariant aborts; otherwise it prints
 * "N inputs" and exits 0.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	unsigned char *buf;
	long size;
	FILE *f;
	int i;

	for (i = 1; i < argc; i++) {
		f = fopen(argv[i], "rb");
		if (f == NULL || fseek(f, 0, SEEK_END) != 0 ||
				(size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
			perror(argv[i]);
			return 2;
		}
		buf = malloc(size > 0 ? (size_t)size : 1);
		if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
			perror(argv[i]);
			return 2;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)size);
		free(buf);
	}
	printf("%d inputs\n", argc - 1);
	return 0;
}
