/* The bit flips of the UDP `corrupt` fault: which bits of a datagram a
 * seeded injection damages, distinct, and flipping them in place. */
#ifndef CS_CORRUPT_H
#define CS_CORRUPT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Flips `bits` distinct bits (every bit, when there are fewer) among the
 * first len bytes that iov holds, chosen by key: the same key and length
 * flip the same bits. Flipping again with the same key undoes it. */
void cs_flip_bits(const struct iovec *iov, int iovcnt, size_t len,
		  uint32_t bits, uint64_t key);

#endif
