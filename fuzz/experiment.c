/* SPDX-License-Identifier: MIT */
/* The experiment configuration loader. */
#include "fuzz.h"
#include "buf.h"
#include "experiment.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct experiment e;
	struct buf err;

	experiment_init(&e);
	buf_init(&err);
	if (experiment_parse(&e, (const char *)data, size, &err) == 0) {
		experiment_arm_index(&e, "control");
		experiment_set_seed(&e, 7);
	}
	buf_release(&err);
	experiment_release(&e);
	return 0;
}
