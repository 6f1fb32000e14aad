/* SPDX-License-Identifier: MIT */
/*
 * What every libFuzzer target shares: the entry point's prototype (the
 * library is built with -Wmissing-prototypes) and a reader over bytes in
 * memory, for the readers that take a file descriptor.
 */
#ifndef CPO_FUZZ_H
#define CPO_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The readers take bytes already read (pre) before their descriptor; with
 * /dev/null as the descriptor, the input is exactly those bytes.
 */
static inline int
fuzz_empty_fd(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = open("/dev/null", O_RDONLY);
	return fd;
}

#endif
