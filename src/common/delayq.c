/* The delay queue of a receiving stream (cs_delayq.h): batches of bytes,
 * each visible from its due time, released strictly in order. */
#include "cs_delayq.h"

void cs_delayq_observe(struct cs_delayq *q, uint64_t queued, uint64_t now,
		       uint64_t delay_ns)
{
	uint64_t end = q->read + queued;
	if (end <= q->seen)
		return;
	uint64_t due = now + delay_ns < now ? UINT64_MAX : now + delay_ns;
	q->seen = end;
	if (q->count == CS_DELAYQ_BATCHES) {
		/* Full: the newest batch grows, its bytes a little early. */
		q->batch[(q->head + q->count - 1) % CS_DELAYQ_BATCHES].end = end;
		return;
	}
	struct cs_delayq_batch *b =
		&q->batch[(q->head + q->count) % CS_DELAYQ_BATCHES];
	b->end = end;
	b->due = due;
	q->count++;
}

uint64_t cs_delayq_visible(struct cs_delayq *q, uint64_t now)
{
	while (q->count && q->batch[q->head].due <= now) {
		q->released = q->batch[q->head].end;
		q->head = (uint8_t)((q->head + 1) % CS_DELAYQ_BATCHES);
		q->count--;
	}
	return q->released > q->read ? q->released - q->read : 0;
}

void cs_delayq_consume(struct cs_delayq *q, uint64_t n)
{
	q->read += n;
	/* Bytes read past what was seen came by a way the queue did not
	 * watch: they are the program's now, and nothing waits before them. */
	if (q->read > q->seen)
		q->seen = q->read;
	if (q->read > q->released)
		q->released = q->read;
	while (q->count && q->batch[q->head].end <= q->read) {
		q->head = (uint8_t)((q->head + 1) % CS_DELAYQ_BATCHES);
		q->count--;
	}
}

uint64_t cs_delayq_next_due(const struct cs_delayq *q)
{
	return q->count ? q->batch[q->head].due : 0;
}

bool cs_delayq_idle(const struct cs_delayq *q)
{
	return !q->count && q->released <= q->read;
}
