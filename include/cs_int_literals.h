/* Integer literals that libconfig 1.5 would wrap: it reads a plain
 * integer as 32 bits (atoi), so `seed = 4503599627370495;` silently
 * becomes another seed. Newer libconfig promotes such literals to 64 bits;
 * chaos-shim does the same on every libconfig by adding the `L` suffix
 * before the text is parsed. */
#ifndef CS_INT_LITERALS_H
#define CS_INT_LITERALS_H

#include <stddef.h>

/* From p, which is outside any string or comment, the next integer
 * literal that does not fit 32 bits and has no L suffix; NULL when there
 * is none. *end gets the end of the literal; *line is advanced by the
 * newlines passed on the way. */
const char *cs_wide_int_next(const char *p, const char **end, unsigned *line);

/* A copy of text (malloc'd) with an L after every such literal; NULL when
 * out of memory. */
char *cs_wide_ints_suffixed(const char *text);

#endif
