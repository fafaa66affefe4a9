/* TCP's retransmission backoff, as the `loss` fault waits it out: the
 * first loss waits the rule's rto_ms, each loss in a row on the same
 * connection twice the one before, up to TCP's ceiling. */
#ifndef CS_BACKOFF_H
#define CS_BACKOFF_H

#include <stdint.h>

/* Linux's TCP_RTO_MAX. */
#define CS_RTO_MAX_MS 120000u

/* The wait, in ns, of a loss after `losses` losses in a row: rto_ms doubled
 * that many times, never above CS_RTO_MAX_MS (an rto_ms already above it
 * stays as it is). */
uint64_t cs_rto_backoff_ns(uint32_t rto_ms, uint32_t losses);

#endif
