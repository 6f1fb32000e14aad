/* SPDX-License-Identifier: MIT */
/*
 * The audit CSV. The header check and write run under an exclusive
 * flock(2), so that two processes starting on one new file write a single
 * header between them.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"

const char audit_header[] = "timestamp,variant_id,customer_id,segment,"
    "status,hate_severity,violence_severity,self_harm_severity,"
    "sexual_severity,max_severity,threshold_used,blocked_categories,"
    "block_reason,backend,text_sha256";

/* Creates the directories above path, as mkdir -p would. */
static int
make_parents(const char *path)
{
	char dir[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, n + 1);
	for (i = 1; i < n; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0777) < 0 && errno != EEXIST)
			return -1;
		dir[i] = '/';
	}
	return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Checks the first line of the open file against the header. */
static int
check_header(int fd, const char *path, struct buf *why)
{
	char line[sizeof(audit_header) + 1];
	size_t n = sizeof(audit_header);
	ssize_t got;

	if ((got = pread(fd, line, n, 0)) < 0)
		return -1;
	if ((size_t)got == n && memcmp(line, audit_header, n - 1) == 0 &&
	    (line[n - 1] == '\n' || line[n - 1] == '\r'))
		return 0;
	buf_printf(why, "%s: not a cpo-safety audit log (its first line is "
	    "not the audit header)", path);
	errno = 0;
	return -1;
}

int
audit_open(struct audit *a, const char *path, struct buf *why)
{
	struct stat st;
	int rc = 0, saved;

	a->fd = -1;
	buf_init(&a->rows);
	if (make_parents(path) < 0)
		return -1;
	if ((a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0666)) < 0)
		return -1;
	/* pread needs read access; a second descriptor is simplest. */
	if (flock(a->fd, LOCK_EX) < 0 || fstat(a->fd, &st) < 0)
		rc = -1;
	else if (st.st_size == 0 && S_ISREG(st.st_mode)) {
		rc = write_all(a->fd, audit_header, sizeof(audit_header) - 1);
		if (rc == 0)
			rc = write_all(a->fd, "\n", 1);
	} else if (S_ISREG(st.st_mode)) {
		int rfd = open(path, O_RDONLY | O_CLOEXEC);

		rc = rfd < 0 ? -1 : check_header(rfd, path, why);
		saved = errno;
		if (rfd >= 0)
			close(rfd);
		errno = saved;
	}
	saved = errno;
	flock(a->fd, LOCK_UN);
	if (rc < 0) {
		close(a->fd);
		a->fd = -1;
	}
	errno = saved;
	return rc;
}

/* Appends s as a CSV field: quoted when it holds , " CR or LF. */
static void
field(struct buf *b, const char *s)
{
	const char *p;

	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

/* Appends s (a severity or threshold, 0 to 9) and a comma. */
static void
severity(struct buf *b, int s)
{
	if (s != SAFETY_UNKNOWN)
		buf_putc(b, (char)('0' + s));
	buf_putc(b, ',');
}

void
audit_add(struct audit *a, const struct safety_check *c)
{
	struct buf *b = &a->rows;
	int i, first = 1;

	field(b, c->checked_at);
	buf_putc(b, ',');
	field(b, c->variant_id);
	buf_putc(b, ',');
	field(b, c->customer_id);
	buf_putc(b, ',');
	field(b, c->segment);
	buf_puts(b, c->status_block ? ",block," : ",pass,");
	for (i = 0; i < SAFETY_NCATEGORIES; i++)
		severity(b, c->v.severity[i]);
	severity(b, safety_max(&c->v));
	severity(b, c->threshold_used);
	for (i = 0; i < SAFETY_NCATEGORIES; i++) {
		if (!c->blocked[i])
			continue;
		if (!first)
			buf_putc(b, ';');
		buf_puts(b, safety_names[i]);
		first = 0;
	}
	buf_putc(b, ',');
	field(b, buf_str(&c->reason));
	buf_putc(b, ',');
	field(b, c->backend);
	buf_putc(b, ',');
	buf_puts(b, c->sha256);
	buf_putc(b, '\n');
}

int
audit_flush(struct audit *a)
{
	int rc = write_all(a->fd, a->rows.data, a->rows.len);

	buf_reset(&a->rows);
	return rc;
}

int
audit_close(struct audit *a)
{
	int rc = 0;

	if (a->fd >= 0)
		rc = close(a->fd);
	a->fd = -1;
	buf_release(&a->rows);
	return rc;
}
