/* SPDX-License-Identifier: MIT */
/*
 * The NDJSON record reader and the JSON writer: every record read is
 * written, and what is written must read back and write the same bytes.
 * And the fast record scanner (jsonscan) must accept nothing that the
 * reader rejects, or a program's fast path would pass on a bad record.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "buf.h"
#include "json.h"
#include "jsonscan.h"
#include "ndjson.h"
#include "reasons.h"

static void
round_trip(const cJSON *rec)
{
	struct buf once, twice;
	cJSON *back;
	size_t col;

	buf_init(&once);
	buf_init(&twice);
	json_write(&once, rec);
	back = json_parse(once.data, once.len, &col);
	if (back == NULL)
		abort();	/* we wrote what we cannot read */
	json_write(&twice, back);
	if (once.len != twice.len || memcmp(once.data, twice.data, once.len))
		abort();	/* not a fixed point */
	json_free(back);
	buf_release(&once);
	buf_release(&twice);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonscan_member members[JSONSCAN_MEMBERS];
	struct ndjson_reader r;
	struct reasons reasons;
	size_t close;
	struct buf why;
	enum ndjson_status st;
	cJSON *rec;

	buf_init(&why);
	ndjson_open_fd(&r, fuzz_empty_fd(), 0, (const char *)data, size);
	while ((st = ndjson_next(&r, &rec, &why)) != NDJSON_EOF &&
	    st != NDJSON_IOERR) {
		if (st == NDJSON_RECORD) {
			round_trip(rec);
			json_free(rec);
		}
		buf_reset(&why);
	}
	ndjson_release(&r);
	buf_release(&why);

	/* The one-line reader the record loop uses, on the whole input. */
	reasons_init(&reasons);
	rec = ndjson_object((const char *)data, size, 1, &reasons);
	if (rec != NULL) {
		round_trip(rec);
		json_free(rec);
	} else if (jsonscan_object((const char *)data, size, members,
	    JSONSCAN_MEMBERS, &close) >= 0)
		abort();	/* the fast path takes what the reader refuses */
	reasons_release(&reasons);
	return 0;
}
