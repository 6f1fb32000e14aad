/* SPDX-License-Identifier: MIT */
/*
 * Looking up compiled-in files. The table itself is generated
 * (build/gen/embed-data.c); this part is ordinary code so that it is
 * compiled with the same warnings as the rest of lib/.
 */
#include <stdlib.h>
#include <string.h>

#include "embed.h"

static int
by_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct embed_file *)elem)->name);
}

const struct embed_file *
embed_find(const char *name)
{
	return bsearch(name, embed_files, embed_nfiles, sizeof(embed_files[0]),
	    by_name);
}
