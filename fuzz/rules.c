/* SPDX-License-Identifier: MIT */
/*
 * The segment rules loader; a table that loads is then matched against a
 * few customers and described, as cpo-segment does.
 */
#include "fuzz.h"
#include "buf.h"
#include "segrules.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double customers[][SEGF_NRAW] = {
		{ 0 }, { 1e9, 1e9, 1e9, 1e9, 1e9, 1e9 },
		{ 40, 3, 200, 10, 0.5, 0.25 }
	};
	struct segrules r;
	struct buf err, text;
	size_t c, i;
	double confidence;

	segrules_init(&r);
	buf_init(&err);
	buf_init(&text);
	if (segrules_parse(&r, (const char *)data, size, &err) == 0) {
		for (c = 0; c < sizeof(customers) / sizeof(customers[0]); c++) {
			double f[SEGF_N];

			for (i = 0; i < SEGF_NRAW; i++)
				f[i] = customers[c][i];
			segfield_derive(f);
			i = segrules_match(&r, f, &confidence);
			segrules_holds(&r, i, f);
			segrules_describe(&r, i, &text);
			buf_reset(&text);
		}
	}
	buf_release(&text);
	buf_release(&err);
	segrules_release(&r);
	return 0;
}
