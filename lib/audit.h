/* SPDX-License-Identifier: MIT */
/*
 * The safety audit log: one CSV row (RFC 4180) per screened message,
 * appended to a file that is never rewritten. The header is written only
 * to a new (empty) file; a file that starts with another header is
 * refused, so rows never end up under the wrong columns. Each record's
 * rows go out in one write(2) on a file opened with O_APPEND, so several
 * processes may share one log without mixing rows; the caller writes them
 * before the record itself goes downstream, so that no message is ever
 * sent on without its audit row.
 *
 * The columns: timestamp, variant_id, customer_id, segment, status,
 * hate_severity, violence_severity, self_harm_severity, sexual_severity,
 * max_severity, threshold_used, blocked_categories (joined by ;),
 * block_reason, backend, text_sha256. An unknown severity is empty.
 */
#ifndef CPO_AUDIT_H
#define CPO_AUDIT_H

#include "buf.h"
#include "safety.h"

/* The header line, without its line end. */
extern const char audit_header[];

struct audit {
	int fd;
	struct buf rows;	/* rows not written yet */
};

/*
 * Opens path for appending, creating it and its missing directories
 * (mode 0777 and 0666 less the umask), and writes the header if the file
 * is empty. Returns 0; or -1 with errno set, or with errno 0 after
 * appending what is wrong with the file's contents to why.
 */
int audit_open(struct audit *a, const char *path, struct buf *why);

/* Adds the row of c to the rows to write. Can't fail. */
void audit_add(struct audit *a, const struct safety_check *c);

/* Writes the rows added so far. Returns 0, or -1 with errno set. */
int audit_flush(struct audit *a);

/* Closes the file. Returns 0, or -1 with errno set. */
int audit_close(struct audit *a);

#endif
