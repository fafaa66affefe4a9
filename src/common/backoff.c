/* TCP's retransmission backoff for the `loss` fault (cs_backoff.h). */
#include "cs_backoff.h"

uint64_t cs_rto_backoff_ns(uint32_t rto_ms, uint32_t losses)
{
	uint64_t ms = rto_ms;
	for (uint32_t i = 0; i < losses && ms * 2 <= CS_RTO_MAX_MS; i++)
		ms *= 2;
	return ms * 1000000ull;
}
