/* SPDX-License-Identifier: MIT */
/*
 * Opening an input and looking at its first bytes before choosing a reader,
 * for programs that accept more than one format. The bytes looked at are
 * handed to the reader, so this works on pipes as well as files.
 */
#ifndef CPO_INPUT_H
#define CPO_INPUT_H

#include <stddef.h>

#include "buf.h"

/* Opens path for reading ("-" is standard input). Returns fd, or -1. */
int input_open(const char *path);

/*
 * Reads from fd into pre until it holds a byte other than blanks and line
 * endings (after an optional UTF-8 byte order mark), or input ends. Returns
 * that byte, 0 at end of input, or -1 with errno set on a read error.
 */
int input_sniff(int fd, struct buf *pre);

/* Returns the name to use in messages: path, or "<stdin>" for "-". */
const char *input_name(const char *path);

#endif
