/* SPDX-License-Identifier: MIT */
/*
 * Spool on an unlinked mkstemp file. tmpfile(3) would do the same, but musl
 * always puts it in /tmp; a caller can honour TMPDIR through dir, which
 * matters when a million records do not fit in /tmp.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "spool.h"

enum { SPOOL_BUFSIZE = 1 << 16 };

int
spool_open(struct spool *s, const char *dir)
{
	struct buf path;
	int fd, saved;

	s->f = NULL;
	s->lines = 0;
	buf_init(&path);
	buf_printf(&path, "%s/cpo-spool.XXXXXX", dir != NULL && *dir != '\0' ?
	    dir : "/tmp");
	fd = mkstemp(path.data);
	saved = errno;
	if (fd >= 0) {
		unlink(path.data);
		if ((s->f = fdopen(fd, "w+")) == NULL) {
			saved = errno;
			close(fd);
		}
	}
	buf_release(&path);
	errno = saved;
	if (s->f == NULL)
		return -1;
	setvbuf(s->f, NULL, _IOFBF, SPOOL_BUFSIZE);
	return 0;
}

int
spool_add(struct spool *s, const char *line, size_t len)
{
	if (fwrite(line, 1, len, s->f) != len || putc('\n', s->f) == EOF)
		return -1;
	s->lines++;
	return 0;
}

int
spool_rewind(struct spool *s)
{
	if (fflush(s->f) == EOF || ferror(s->f))
		return -1;
	if (lseek(fileno(s->f), 0, SEEK_SET) < 0)
		return -1;
	return fileno(s->f);
}

void
spool_close(struct spool *s)
{
	if (s->f != NULL)
		fclose(s->f);
	s->f = NULL;
}
