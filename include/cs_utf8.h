/* UTF-8 checking for the JSON that chaos-shim writes (the CLI's --json
 * outputs and the shim's event log): JSON text must be valid UTF-8. */
#ifndef CS_UTF8_H
#define CS_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1 for ASCII), or 0 when the
 * bytes there are not one: stray continuation bytes, truncated sequences,
 * overlong forms, surrogates, code points past U+10FFFF. Reads no further
 * than a NUL. Pure: safe in a signal handler. */
size_t cs_utf8_length(const unsigned char *s);

#endif
