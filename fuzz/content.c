/* SPDX-License-Identifier: MIT */
/* The content-document loader: one document of any bytes. */
#include "fuzz.h"
#include "buf.h"
#include "content.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct content_library lib;
	struct buf why;

	content_init(&lib);
	buf_init(&why);
	content_add(&lib, "fuzz.json", (const char *)data, size, &why);
	buf_release(&why);
	content_release(&lib);
	return 0;
}
