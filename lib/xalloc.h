/* SPDX-License-Identifier: MIT */
/*
 * The one place cpo allocates memory. These wrappers are the only functions
 * in lib/ allowed to exit: running out of memory is not a per-record error.
 */
#ifndef CPO_XALLOC_H
#define CPO_XALLOC_H

#include <stddef.h>

/* Like malloc, but prints "cpo: out of memory" and exits 3 on failure. */
void *xmalloc(size_t size);

/* Like calloc(n, size), with the multiplication checked for overflow. */
void *xcalloc(size_t n, size_t size);

/* Like realloc; ptr may be NULL. Never returns NULL. */
void *xrealloc(void *ptr, size_t size);

/* Like reallocarray: resizes to n * size bytes, checking the product. */
void *xreallocarray(void *ptr, size_t n, size_t size);

/* Returns a malloc'ed copy of the NUL-terminated string s. */
char *xstrdup(const char *s);

/* Returns a malloc'ed, NUL-terminated copy of the first len bytes of s. */
char *xstrndup(const char *s, size_t len);

#endif
