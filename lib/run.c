/* SPDX-License-Identifier: MIT */
/*
 * Record accounting and output. Standard output gets a large buffer because
 * the programs write many short lines; write errors are checked on every
 * write and again at close, since a full disk may only show at fflush.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "jsonw.h"
#include "run.h"
#include "status.h"
#include "utf8.h"

enum { OUT_BUFSIZE = 1 << 16 };

void
run_init(struct run *r, const char *prog)
{
	memset(r, 0, sizeof(*r));
	diag_init(&r->diag, prog, stderr);
	r->out = stdout;
	/*
	 * musl ignores setvbuf without a buffer and keeps 1 KiB, which means a
	 * write(2) every few records. The buffer must live as long as stdout,
	 * which is the whole process: a static one, since glibc forgets a
	 * malloc'd one at exit and valgrind then reports it lost. There is
	 * one stdout, so one buffer; a second run_init reuses it.
	 */
	static char out_buf[OUT_BUFSIZE];

	setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
	buf_init(&r->scratch);
}

int
run_open_rejects(struct run *r, const char *path)
{
	r->rejects = fopen(path, "w");
	if (r->rejects == NULL)
		return -1;
	r->rejects_path = path;
	return 0;
}

void
run_read(struct run *r)
{
	r->nread++;
}

static void
write_failed(struct run *r, const char *what)
{
	if (!r->write_error)
		diag_in(&r->diag, what, "write error: %s", strerror(errno));
	r->write_error = 1;
}

int
run_write(struct run *r, const char *rec, size_t len)
{
	if (r->write_error)
		return -1;
	if (fwrite(rec, 1, len, r->out) != len || putc('\n', r->out) == EOF) {
		write_failed(r, "<stdout>");
		return -1;
	}
	r->nwritten++;
	return 0;
}

int
run_write_block(struct run *r, const char *recs, size_t len, size_t n)
{
	if (r->write_error)
		return -1;
	if (fwrite(recs, 1, len, r->out) != len) {
		write_failed(r, "<stdout>");
		return -1;
	}
	r->nwritten += n;
	return 0;
}

/* Appends s as a JSON string, replacing invalid UTF-8 with U+FFFD. */
static void
string_lossy(struct buf *b, const char *s, size_t len)
{
	struct buf clean;
	size_t i = 0, ok;

	if (utf8_valid_prefix(s, len) == len) {
		jsonw_string(b, s, len);
		return;
	}
	buf_init(&clean);
	while (i < len) {
		ok = utf8_valid_prefix(s + i, len - i);
		buf_add(&clean, s + i, ok);
		i += ok;
		if (i < len) {
			buf_add(&clean, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	jsonw_string(b, clean.data, clean.len);
	buf_release(&clean);
}

int
run_reject(struct run *r, const char *file, unsigned long line,
    const char *raw, size_t rawlen, const struct reasons *why)
{
	struct buf *b = &r->scratch;
	size_t i;

	r->nrejected++;
	for (i = 0; i < why->n; i++)
		diag_at(&r->diag, file, line, "%s", reasons_get(why, i));
	if (why->dropped > 0)
		diag_at(&r->diag, file, line, "%zu more problems not shown",
		    why->dropped);
	if (r->rejects != NULL) {
		buf_reset(b);
		buf_putc(b, '{');
		jsonw_key(b, "file");
		jsonw_string(b, file, strlen(file));
		buf_putc(b, ',');
		jsonw_key(b, "line");
		jsonw_int(b, (long long)line);
		buf_putc(b, ',');
		jsonw_key(b, "reasons");
		buf_putc(b, '[');
		for (i = 0; i < why->n; i++) {
			const char *m = reasons_get(why, i);

			if (i > 0)
				buf_putc(b, ',');
			string_lossy(b, m, strlen(m));
		}
		if (why->dropped > 0) {
			char more[64];

			snprintf(more, sizeof(more), "%zu more problems not shown",
			    why->dropped);
			if (why->n > 0)
				buf_putc(b, ',');
			jsonw_string(b, more, strlen(more));
		}
		buf_add(b, "],", 2);
		jsonw_key(b, "input");
		string_lossy(b, raw, rawlen);
		buf_add(b, "}\n", 2);
		if (fwrite(b->data, 1, b->len, r->rejects) != b->len)
			write_failed(r, r->rejects_path);
	}
	return r->strict || r->write_error;
}

int
run_finish(struct run *r)
{
	if (r->nrejected > 0)
		diag_msg(&r->diag, "%lu read, %lu written, %lu rejected",
		    r->nread, r->nwritten, r->nrejected);
	if (r->rejects != NULL && fclose(r->rejects) == EOF)
		write_failed(r, r->rejects_path);
	if (fflush(r->out) == EOF || ferror(r->out))
		write_failed(r, "<stdout>");
	buf_release(&r->scratch);
	if (r->write_error)
		return CPO_EXIT_IO;
	return r->nrejected > 0 ? CPO_EXIT_REJECTED : CPO_EXIT_OK;
}

int
run_lines(struct run *r, struct lineio *in, const char *name,
    run_line_fn *fn, void *ctx)
{
	struct reasons why;
	struct buf out;
	const char *line;
	size_t len;
	int rc, stop = 0;

	reasons_init(&why);
	buf_init(&out);
	while (!stop && (rc = lineio_next(in, &line, &len)) > 0) {
		buf_reset(&out);
		reasons_reset(&why);
		switch (fn(ctx, line, len, in->no_newline, &out, &why)) {
		case 0:
			continue;
		case 1:
			run_read(r);
			stop = run_write(r, out.data, out.len) < 0;
			break;
		default:
			run_read(r);
			stop = run_reject(r, name, in->lineno, line, len, &why);
		}
	}
	reasons_release(&why);
	buf_release(&out);
	if (rc < 0) {
		diag_in(&r->diag, name, "read error: %s", strerror(errno));
		return CPO_EXIT_IO;
	}
	return CPO_EXIT_OK;
}

int
run_open(struct run *r, struct lineio *in, const char *input,
    const char *rejects_path)
{
	if (lineio_open(in, input) < 0) {
		diag_in(&r->diag, input_name(input), "%s", strerror(errno));
		return CPO_EXIT_IO;
	}
	if (rejects_path != NULL && run_open_rejects(r, rejects_path) < 0) {
		diag_in(&r->diag, rejects_path, "%s", strerror(errno));
		lineio_release(in);
		return CPO_EXIT_IO;
	}
	return 0;
}
