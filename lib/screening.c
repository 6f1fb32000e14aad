/* SPDX-License-Identifier: MIT */
/*
 * cpo-safety's record loop. A batch holds whole records: all their texts
 * are screened together (lib/screen sends them in parallel), then the
 * records leave in the order they came.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "screening.h"
#include "xalloc.h"

/* A record read and waiting for its texts to be screened. */
struct screening_slot {
	cJSON *rec;		/* NULL when rejected */
	char *raw;		/* a rejected record's text */
	size_t rawlen, first;	/* first: its first text in the batch */
	unsigned long line;
	struct reasons why;
};

/* Reads up to j->window records into j->slots and queues their texts. */
static int
fill(struct screening *j)
{
	enum ndjson_status st;
	struct screening_slot *s;
	cJSON *rec, *variants, *v;
	size_t i;

	for (j->nslots = 0; j->nslots < j->window;) {
		s = &j->slots[j->nslots];
		reasons_reset(&s->why);
		buf_reset(&j->text);
		if ((st = ndjson_next(j->in, &rec, &j->text)) == NDJSON_EOF)
			return 0;
		if (st == NDJSON_IOERR)
			return -1;
		run_read(j->run);
		j->nslots++;
		s->line = j->in->in.lineno;
		s->rec = NULL;
		if (st == NDJSON_BAD)
			reasons_add_buf(&s->why, &j->text);
		else if (safety_variants(rec, &variants, &s->why) < 0)
			json_free(rec);
		else
			s->rec = rec;
		if (s->rec == NULL) {
			s->raw = xstrndup(j->in->line, j->in->len);
			s->rawlen = j->in->len;
			continue;
		}
		s->first = SIZE_MAX;
		for (v = variants->child; v != NULL; v = v->next) {
			buf_reset(&j->text);
			safety_variant_text(v, &j->text);
			i = screen_add(j->screen, j->text.data, j->text.len);
			if (s->first == SIZE_MAX)
				s->first = i;
		}
	}
	return 0;
}

/* What --explain collects for one text. */
struct explanation {
	cJSON *list;
	const char *text;
};

static void
explain(void *arg, const struct lexicon_match *m)
{
	struct explanation *x = arg;
	cJSON *o = json_new_object();
	char *span = xstrndup(x->text + m->start, m->end - m->start);
	struct buf rule;

	buf_init(&rule);
	buf_printf(&rule, "%s:%u", m->file, m->line);
	json_set(o, "category", json_new_string(safety_names[m->category]));
	json_set(o, "severity", json_new_number(m->severity));
	json_set(o, "rule", json_new_string(rule.data));
	json_set(o, "text", json_new_string(span));
	json_append(x->list, o);
	buf_release(&rule);
	free(span);
}

/*
 * Decides variant v, text i of the batch: adds its Safety Result and its
 * audit row, and reports a screening failure.
 */
static void
decide(struct screening *j, const struct screening_slot *s, cJSON *v, size_t i)
{
	const struct screen_result *r = screen_result(j->screen, i);
	struct safety_check c;
	struct explanation x;
	cJSON *result;

	safety_check_init(&c);
	safety_check_identify(&c, v, s->rec);
	c.checked_at = j->checked_at;
	c.backend = j->backend;
	c.v = r->v;
	memcpy(c.sha256, r->sha256, sizeof(c.sha256));
	safety_check_decide(&c, j->policy);
	result = safety_check_json(&c);
	if (j->explain) {
		x.list = json_new_array();
		buf_reset(&j->text);
		safety_variant_text(v, &j->text);
		x.text = j->text.data;
		screen_explain(j->screen, i, explain, &x);
		json_set(result, "matches", x.list);
	}
	json_set(v, "safety", result);
	audit_add(j->audit, &c);
	if (r->v.error != NULL) {
		j->failed++;
		if (j->on_failure != NULL)
			j->on_failure(j->arg, s->line, c.variant_id,
			    r->v.error);
	}
	safety_check_release(&c);
}

/*
 * Writes the batch out in input order; returns 1 to stop, -1 when the
 * audit log could not be written.
 */
static int
drain(struct screening *j)
{
	struct screening_slot *s;
	cJSON *v;
	size_t k, i;
	int stop = 0;

	for (k = 0; k < j->nslots && !stop; k++) {
		s = &j->slots[k];
		if (s->rec == NULL) {
			stop = run_reject(j->run, j->name, s->line, s->raw,
			    s->rawlen, &s->why);
			free(s->raw);
			continue;
		}
		i = s->first;
		for (v = json_get(s->rec, "variants")->child; v != NULL;
		    v = v->next)
			decide(j, s, v, i++);
		/* The audit rows go first: no message leaves unaudited. */
		if (audit_flush(j->audit) < 0) {
			j->run->write_error = 1;
			stop = -1;
		} else {
			buf_reset(&j->out);
			json_write(&j->out, s->rec);
			stop = run_write(j->run, j->out.data, j->out.len) < 0;
		}
	}
	for (; k < j->nslots; k++)
		if (j->slots[k].rec == NULL)
			free(j->slots[k].raw);
	/*
	 * The records are freed only after the next batch is read: musl's
	 * allocator unmaps a group of blocks as soon as its last block is
	 * free, so freeing each record before parsing the next costs two
	 * mmap and munmap calls a record, a third of the run's time.
	 */
	for (k = 0; k < j->nslots; k++)
		j->done[k] = j->slots[k].rec;
	j->ndone = j->nslots;
	screen_clear(j->screen);
	return stop;
}


static void
free_done(struct screening *j)
{
	size_t k;

	for (k = 0; k < j->ndone; k++)
		json_free(j->done[k]);
	j->ndone = 0;
}

void
screening_init(struct screening *j)
{
	size_t k;

	if (j->window < 1)
		j->window = 1;
	j->slots = xcalloc(j->window, sizeof(*j->slots));
	j->done = xcalloc(j->window, sizeof(*j->done));
	j->ndone = 0;
	for (k = 0; k < j->window; k++)
		reasons_init(&j->slots[k].why);
	j->nslots = 0;
	j->failed = 0;
	buf_init(&j->text);
	buf_init(&j->out);
}

void
screening_release(struct screening *j)
{
	size_t k;

	if (j->slots != NULL)
		free_done(j);
	for (k = 0; j->slots != NULL && k < j->window; k++)
		reasons_release(&j->slots[k].why);
	free(j->slots);
	free(j->done);
	j->slots = NULL;
	j->done = NULL;
	buf_release(&j->text);
	buf_release(&j->out);
}

int
screening_loop(struct screening *j)
{
	int rc, stop;

	do {
		rc = fill(j);
		free_done(j);
		screen_run(j->screen);
		stop = drain(j);
	} while (!stop && rc == 0 && j->nslots == j->window);
	if (rc < 0)
		return -1;
	return stop != 0;
}
