/* SPDX-License-Identifier: MIT */
/*
 * Files of data/ compiled into the programs, so that one static binary
 * works anywhere (design.md: defaults are compiled in, files under data/
 * override them). The table is generated at build time by scripts/embed
 * from the files the Makefile lists in EMBED; see there.
 */
#ifndef CPO_EMBED_H
#define CPO_EMBED_H

#include <stddef.h>

struct embed_file {
	const char *name;	/* below data/: "retrieve/queries.json" */
	const char *data;	/* the bytes, NUL-terminated */
	size_t len;
};

/* The files, sorted by name (strcmp), and their number. */
extern const struct embed_file embed_files[];
extern const size_t embed_nfiles;

/* Returns the compiled-in file called name, or NULL. */
const struct embed_file *embed_find(const char *name);

#endif
