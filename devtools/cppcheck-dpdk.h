/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * Included first by devtools/lint when cppcheck reads the sources.
 *
 * DPDK's container_of() checks the member's type with
 * typeof(((type *)0)->member), which cppcheck takes for a NULL dereference
 * (nullPointer) at every use, RTE_DEV_TO_PCI() too. rte_common.h defines
 * it only #ifndef container_of, so this plain one is what cppcheck sees.
 */
#include <stddef.h>

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
