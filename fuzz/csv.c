/* SPDX-License-Identifier: MIT */
/* The CSV reader: every record and every field of any bytes. */
#include "fuzz.h"
#include "csv.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_reader r;
	enum csv_status st;
	size_t i, len, sum = 0;

	csv_open_fd(&r, fuzz_empty_fd(), 0, (const char *)data, size);
	while ((st = csv_next(&r)) != CSV_EOF && st != CSV_IOERR) {
		if (st != CSV_RECORD)
			continue;
		for (i = 0; i < r.nfields; i++)
			sum += csv_field(&r, i, &len)[len];
		csv_raw(&r, &len);
	}
	csv_release(&r);
	return sum == (size_t)-1;
}
