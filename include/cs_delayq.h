/* The delay queue of one receiving stream: bytes first seen waiting in the
 * kernel become visible to the program a delay later, in order, batch by
 * batch. Pure arithmetic on stream offsets and CLOCK_MONOTONIC
 * nanoseconds; the caller keeps the queue consistent under its own lock. */
#ifndef CS_DELAYQ_H
#define CS_DELAYQ_H

#include <stdbool.h>
#include <stdint.h>

#define CS_DELAYQ_BATCHES 8

struct cs_delayq {
	uint64_t seen;     /* stream offset up to which bytes were seen */
	uint64_t released; /* offset up to which they are visible */
	uint64_t read;     /* offset up to which the program read them */
	uint8_t head, count;
	struct cs_delayq_batch {
		uint64_t end; /* the batch holds the bytes before this offset */
		uint64_t due; /* when they become visible */
	} batch[CS_DELAYQ_BATCHES];
};

/* The kernel holds queued unread bytes at now: those not seen before form a
 * batch due delay_ns later (joining the last one when the queue is full). */
void cs_delayq_observe(struct cs_delayq *q, uint64_t queued, uint64_t now,
		       uint64_t delay_ns);
/* Releases the batches due by now; returns how many bytes are visible. */
uint64_t cs_delayq_visible(struct cs_delayq *q, uint64_t now);
/* The program read n bytes. */
void cs_delayq_consume(struct cs_delayq *q, uint64_t n);
/* When the next batch is due, or 0 when none waits. */
uint64_t cs_delayq_next_due(const struct cs_delayq *q);
/* Nothing waits and nothing is visible: the queue may be forgotten. */
bool cs_delayq_idle(const struct cs_delayq *q);

#endif
