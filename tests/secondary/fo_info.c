/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dpdk-failover authors
 */

/*
 * rte_pmd_failover_info_get() from a secondary process, as a monitoring
 * agent beside the application would call it: prints what it answers for
 * the failover port named on the command line, one key=value per line,
 * and what rte_pmd_failover_force_standby() answers there (a secondary
 * may not move the transmit side). tests/test_secondary.py compares it
 * with what the primary says.
 *
 * Usage: fo_info [EAL options, --proc-type=secondary] -- NAME
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "rte_pmd_failover.h"

int
main(int argc, char **argv)
{
	struct rte_pmd_failover_info info;
	uint16_t port;
	int n, ret;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "fo_info: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc != 2) {
		fprintf(stderr, "usage: fo_info [EAL options] -- NAME\n");
		rte_eal_cleanup();
		return 2;
	}
	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		fprintf(stderr, "fo_info: not a secondary process\n");
	ret = rte_eth_dev_get_port_by_name(argv[1], &port);
	if (ret == 0)
		ret = rte_pmd_failover_info_get(port, &info);
	printf("info_get=%d\n", ret);
	if (ret == 0) {
		printf("port=%u\n", port);
		printf("tx_role=%s\n", rte_pmd_failover_role_name(info.tx_role));
		printf("primary_port=%u\n", info.primary_port);
		printf("standby_port=%u\n", info.standby_port);
		printf("primary_present=%d\n", info.primary_present);
		printf("standby_present=%d\n", info.standby_present);
		printf("forced_standby=%d\n", info.forced_standby);
		printf("switchovers=%" PRIu64 "\n", info.switchovers);
		ret = rte_pmd_failover_force_standby(port, true);
		if (ret == -E_RTE_SECONDARY)
			printf("force_standby=refused in a secondary\n");
		else
			printf("force_standby=%d\n", ret);
		ret = 0;
	}
	/* Not a failover port: refused, not answered. */
	printf("info_get_port0=%d\n", rte_pmd_failover_info_get(0, &info));
	rte_eal_cleanup();
	return ret == 0 ? 0 : 1;
}
