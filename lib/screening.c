/* SPDX-License-Identifier: MIT */
/*
 * cpo-safety's record loop. A batch holds whole records: all their texts
 * are screened together (lib/screen sends them in parallel), then the
 * records leave in the order they came.
 *
 * A record goes one of two ways. The fast way, for a line that is already
 * written as lib/json writes JSON (as every cpo program writes it): lib/
 * jsonscan finds the variants' fields in the line, and each Safety Result
 * is spliced into a copy of the line, which is otherwise written as it
 * came. Other valid lines are first rewritten that way (jsonscan_rewrite,
 * no tree). The rest (broken records, records that nest deeper or have
 * more members than jsonscan takes) are parsed into a cJSON tree, which
 * decides what is wrong or is written back with json_write. Both ways
 * give the same bytes.
 *
 * Records leave in chunks of about OUT_CHUNK bytes, each after the audit
 * rows of all its records: two system calls a chunk rather than a record,
 * and still no record leaves before its audit rows are written.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "jsonw.h"
#include "screening.h"
#include "utf8.h"
#include "xalloc.h"

#define OUT_CHUNK (64 * 1024)

/* Where a variant's Safety Result goes in its record's line. */
struct spot {
	size_t at, cut;		/* line bytes [at, cut) are replaced */
	int member;		/* write ,"safety": first (a new member) */
	size_t id, customer, segment;	/* offsets in strs, or NONE */
};

#define NONE SIZE_MAX

/* A record read and waiting for its texts to be screened. */
struct screening_slot {
	int kind;		/* one of the below */
	cJSON *rec;		/* SLOT_TREE: the record */
	struct buf line;	/* SLOT_FAST: the record's object text;
				 * SLOT_REJECT: its raw line */
	struct buf strs;	/* SLOT_FAST: NUL-terminated identities */
	struct spot *spot;	/* SLOT_FAST: one per variant */
	size_t nspot, capspot;
	size_t first;		/* its first text in the batch */
	unsigned long line_no;
	struct reasons why;
};

enum { SLOT_FAST, SLOT_TREE, SLOT_REJECT };

/* --- The fast way ---------------------------------------------------- */

/* Appends the value of string member m to b, NUL-terminated. */
static void
put_value(struct buf *b, const struct jsonscan_member *m)
{
	buf_grow(b, m->valuelen + 1);
	b->len += jsonscan_unescape(m->value, m->valuelen, b->data + b->len);
	b->data[b->len++] = '\0';
}

/* Appends the value of string member m (or NONE) to strs; its offset. */
static size_t
put_identity(struct buf *strs, const struct jsonscan_member *m)
{
	size_t off = strs->len;

	if (m == NULL)
		return NONE;
	put_value(strs, m);
	return off;
}

/* The members of one variant that screening reads, in this order. */
enum { F_ID, F_SUBJECT, F_BODY, F_CUSTOMER, F_SEGMENT, F_SAFETY, NFIELDS };

static const char *const field_names[NFIELDS] = {
	"variant_id", "subject", "body", "customer_id", "segment", "safety"
};

struct vfields {
	struct jsonscan_member m[NFIELDS];
	int has[NFIELDS];
	size_t close;		/* the offset of the closing brace */
};

/*
 * Finds the fields of variant v (the first of each name, as json_get
 * does), using m for scratch. Returns 0, or -1 when the tree must decide:
 * a field missing or not a string, an escaped key.
 */
static int
variant_fields(const struct jsonscan_member *v, struct jsonscan_member *m,
    struct vfields *f)
{
	int n, i, k;

	memset(f->has, 0, sizeof(f->has));
	if (v->type != JSONSCAN_OBJECT || (n = jsonscan_members(v->value,
	    v->valuelen, m, JSONSCAN_MEMBERS, &f->close)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (m[i].key_escaped)
			return -1;
		for (k = 0; k < NFIELDS; k++)
			if (!f->has[k] && jsonscan_is_key(&m[i],
			    field_names[k])) {
				f->m[k] = m[i];
				f->has[k] = 1;
				break;
			}
	}
	for (k = 0; k < F_SAFETY; k++)
		if ((k <= F_BODY && !f->has[k]) || (f->has[k] &&
		    f->m[k].type != JSONSCAN_STRING))
			return -1;
	return 0;
}

/* Field k of f, or NULL. */
static const struct jsonscan_member *
field(const struct vfields *f, int k)
{
	return f->has[k] ? &f->m[k] : NULL;
}

/*
 * Takes the record in line (len bytes) the fast way into slot s: returns
 * 1 with its texts queued, or 0 (nothing done) when the tree must decide.
 * A line not written as lib/json writes is rewritten so first (rewritten
 * tells that it was).
 */
static int
fast_record(struct screening *j, struct screening_slot *s, const char *line,
    size_t len, int rewritten)
{
	struct jsonscan_member m[JSONSCAN_MEMBERS], el[JSONSCAN_MEMBERS],
	    vm[JSONSCAN_MEMBERS];
	const struct jsonscan_member *variants = NULL, *customer = NULL,
	    *segment = NULL, *safety;
	struct vfields *f;
	struct spot *sp;
	size_t close, start, base;
	int n, nv, i, k;

	if ((n = jsonscan_object(line, len, m, JSONSCAN_MEMBERS, &close)) < 0)
		return 0;
	for (start = 0; line[start] != '{'; start++)
		;
	if (!rewritten && utf8_valid_prefix(line, len) != len)
		return 0;
	if (!rewritten && !jsonscan_canonical(line + start, close + 1 - start)) {
		buf_reset(&j->canon);
		jsonscan_rewrite(line + start, close + 1 - start, &j->canon,
		    &j->safety);
		return fast_record(j, s, j->canon.data, j->canon.len, 1);
	}
	for (i = 0; i < n; i++) {
		if (m[i].key_escaped)
			return 0;
		if (variants == NULL && jsonscan_is_key(&m[i], "variants"))
			variants = &m[i];
		else if (customer == NULL &&
		    jsonscan_is_key(&m[i], "customer_id"))
			customer = &m[i];
		else if (segment == NULL && jsonscan_is_key(&m[i], "segment"))
			segment = &m[i];
	}
	if (variants == NULL || variants->type != JSONSCAN_ARRAY ||
	    (nv = jsonscan_elements(variants->value, variants->valuelen, el,
	    JSONSCAN_MEMBERS)) < 0)
		return 0;
	/* Check every variant before anything is kept. */
	for (k = 0; k < nv; k++)
		if (variant_fields(&el[k], vm, &j->fields[k]) < 0)
			return 0;
	if (customer != NULL && customer->type != JSONSCAN_STRING)
		customer = NULL;
	if (segment != NULL && segment->type != JSONSCAN_STRING)
		segment = NULL;
	s->kind = SLOT_FAST;
	buf_reset(&s->line);
	buf_add(&s->line, line + start, close + 1 - start);
	buf_reset(&s->strs);
	if ((size_t)nv > s->capspot) {
		s->capspot = (size_t)nv;
		s->spot = xreallocarray(s->spot, s->capspot, sizeof(*s->spot));
	}
	s->nspot = (size_t)nv;
	s->first = NONE;
	for (k = 0; k < nv; k++) {
		f = &j->fields[k];
		sp = &s->spot[k];
		base = (size_t)(el[k].value - line) - start;
		safety = field(f, F_SAFETY);
		sp->member = safety == NULL;
		sp->at = sp->cut = base + f->close;
		if (safety != NULL) {
			sp->at = (size_t)(safety->value - line) - start;
			sp->cut = sp->at + safety->valuelen;
		}
		sp->id = put_identity(&s->strs, field(f, F_ID));
		sp->customer = put_identity(&s->strs, f->has[F_CUSTOMER] ?
		    &f->m[F_CUSTOMER] : customer);
		sp->segment = put_identity(&s->strs, f->has[F_SEGMENT] ?
		    &f->m[F_SEGMENT] : segment);
		buf_reset(&j->text);
		put_value(&j->text, &f->m[F_SUBJECT]);
		j->text.data[j->text.len - 1] = '\n';
		buf_putc(&j->text, '\n');
		put_value(&j->text, &f->m[F_BODY]);
		i = (int)screen_add(j->screen, j->text.data, j->text.len - 1);
		if (s->first == NONE)
			s->first = (size_t)i;
	}
	return 1;
}

/* --- The tree ---------------------------------------------------------- */

/*
 * Parses line (len bytes) into s->rec, with the checks and messages of
 * ndjson_next, and checks its variants. Returns 0, or -1 after adding
 * the reasons to s->why.
 */
static int
tree_record(struct screening *j, struct screening_slot *s, const char *line,
    size_t len)
{
	cJSON *rec, *variants, *v;
	size_t col, i, nslash;

	buf_reset(&j->text);
	if ((col = utf8_valid_prefix(line, len)) != len) {
		reasons_add(&s->why, "invalid UTF-8 at column %zu", col + 1);
		return -1;
	}
	if ((rec = json_parse(line, len, &col)) == NULL) {
		reasons_add(&s->why, "invalid JSON at column %zu%s", col,
		    j->in->in.no_newline ? " (last line has no newline: "
		    "input cut short?)" : "");
		return -1;
	}
	/* cJSON would cut a string at an escaped NUL without a word. */
	for (i = 0; i + 6 <= len; i++) {
		if (line[i] != '\\')
			continue;
		for (nslash = 0; i < len && line[i] == '\\'; i++)
			nslash++;
		if (nslash % 2 == 1 && i + 5 <= len &&
		    memcmp(line + i, "u0000", 5) == 0) {
			reasons_add(&s->why, "a string holds an escaped NUL "
			    "(\\u0000) at column %zu", i);
			json_free(rec);
			return -1;
		}
	}
	if (!cJSON_IsObject(rec)) {
		reasons_add(&s->why, "expected a JSON object, got %s",
		    json_type_name(rec));
		json_free(rec);
		return -1;
	}
	if (safety_variants(rec, &variants, &s->why) < 0) {
		json_free(rec);
		return -1;
	}
	s->kind = SLOT_TREE;
	s->rec = rec;
	s->first = NONE;
	for (v = variants->child; v != NULL; v = v->next) {
		buf_reset(&j->text);
		safety_variant_text(v, &j->text);
		i = screen_add(j->screen, j->text.data, j->text.len);
		if (s->first == NONE)
			s->first = i;
	}
	return 0;
}

/* --- Reading ------------------------------------------------------------ */

static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Reads up to j->window records into j->slots and queues their texts. */
static int
fill(struct screening *j)
{
	struct screening_slot *s;
	const char *line;
	size_t len;
	int rc;

	for (j->nslots = 0; j->nslots < j->window;) {
		do
			rc = lineio_next(&j->in->in, &line, &len);
		while (rc > 0 && blank(line, len));
		if (rc <= 0)
			return rc;
		run_read(j->run);
		s = &j->slots[j->nslots++];
		s->line_no = j->in->in.lineno;
		s->rec = NULL;
		reasons_reset(&s->why);
		if (fast_record(j, s, line, len, 0) ||
		    tree_record(j, s, line, len) == 0)
			continue;
		s->kind = SLOT_REJECT;
		buf_reset(&s->line);
		buf_add(&s->line, line, len);
	}
	return 0;
}

/* --- Deciding and writing ---------------------------------------------- */

/* What --explain collects for one text. */
struct explanation {
	struct buf *b, *rule;
	const char *text;
	int n;
};

static void
explain(void *arg, const struct lexicon_match *m)
{
	struct explanation *x = arg;
	struct buf *b = x->b;

	buf_puts(b, x->n++ > 0 ? ",{\"category\":" : "{\"category\":");
	jsonw_string(b, safety_names[m->category],
	    strlen(safety_names[m->category]));
	buf_puts(b, ",\"severity\":");
	jsonw_int(b, m->severity);
	buf_puts(b, ",\"rule\":");
	buf_reset(x->rule);
	buf_printf(x->rule, "%s:%u", m->file, m->line);
	jsonw_string(b, x->rule->data, x->rule->len);
	buf_puts(b, ",\"text\":");
	jsonw_string(b, x->text + m->start, m->end - m->start);
	buf_putc(b, '}');
}

/*
 * Decides text i of the batch for the message c names: writes its Safety
 * Result to j->safety, adds its audit row, and reports a failure.
 */
static void
decide(struct screening *j, const struct screening_slot *s,
    struct safety_check *c, size_t i)
{
	const struct screen_result *r = screen_result(j->screen, i);
	struct explanation x;
	size_t len;

	c->checked_at = j->checked_at;
	c->backend = j->backend;
	c->v = r->v;
	memcpy(c->sha256, r->sha256, sizeof(c->sha256));
	safety_check_decide(c, j->policy);
	buf_reset(&j->safety);
	safety_check_write(c, &j->safety);
	if (j->explain) {
		j->safety.len--;
		buf_puts(&j->safety, ",\"matches\":[");
		x.b = &j->safety;
		x.rule = &j->rule;
		x.text = screen_text(j->screen, i, &len);
		x.n = 0;
		screen_explain(j->screen, i, explain, &x);
		buf_puts(&j->safety, "]}");
	}
	audit_add(j->audit, c);
	if (r->v.error != NULL) {
		j->failed++;
		if (j->on_failure != NULL)
			j->on_failure(j->arg, s->line_no, c->variant_id,
			    r->v.error);
	}
}

static const char *
identity(const struct screening_slot *s, size_t off)
{
	return off == NONE ? NULL : s->strs.data + off;
}

/* Appends the fast record of s, with its Safety Results, to j->out. */
static void
write_fast(struct screening *j, const struct screening_slot *s)
{
	struct safety_check *c = &j->check;
	const struct spot *sp;
	size_t k, done = 0;

	for (k = 0; k < s->nspot; k++) {
		sp = &s->spot[k];
		c->variant_id = identity(s, sp->id);
		c->customer_id = identity(s, sp->customer);
		c->segment = identity(s, sp->segment);
		decide(j, s, c, s->first + k);
		buf_add(&j->out, s->line.data + done, sp->at - done);
		if (sp->member)
			buf_puts(&j->out, ",\"safety\":");
		buf_add(&j->out, j->safety.data, j->safety.len);
		done = sp->cut;
	}
	buf_add(&j->out, s->line.data + done, s->line.len - done);
}

/* Appends the tree record of s, with its Safety Results, to j->out. */
static void
write_tree(struct screening *j, const struct screening_slot *s)
{
	size_t i = s->first, col;
	cJSON *v;

	for (v = json_get(s->rec, "variants")->child; v != NULL; v = v->next) {
		safety_check_identify(&j->check, v, s->rec);
		decide(j, s, &j->check, i++);
		/* The same text as the fast way, as a tree: it is JSON. */
		json_set(v, "safety", json_parse(j->safety.data,
		    j->safety.len, &col));
	}
	json_write(&j->out, s->rec);
}

/*
 * Writes the records in j->out, after their audit rows. Returns 0, 1
 * when stdout failed, -1 when the audit log failed.
 */
static int
flush_out(struct screening *j)
{
	int rc = 0;

	if (j->nout == 0)
		return 0;
	if (audit_flush(j->audit) < 0) {
		j->audit_errno = errno != 0 ? errno : EIO;
		j->run->write_error = 1;
		rc = -1;
	} else if (run_write(j->run, j->out.data, j->out.len - 1) < 0)
		rc = 1;
	else
		/* run_write counted one record; the chunk holds nout. */
		j->run->nwritten += j->nout - 1;
	buf_reset(&j->out);
	j->nout = 0;
	return rc;
}

/*
 * Writes the batch out in input order; returns 1 to stop, -1 when the
 * audit log could not be written.
 */
static int
drain(struct screening *j)
{
	struct screening_slot *s;
	size_t k;
	int stop = 0;

	for (k = 0; k < j->nslots && !stop; k++) {
		s = &j->slots[k];
		if (s->kind == SLOT_REJECT) {
			/* Whatever came before leaves first. */
			if (j->progress != NULL)
				progress_clear(j->progress);
			if ((stop = flush_out(j)) == 0)
				stop = run_reject(j->run, j->name, s->line_no,
				    s->line.data, s->line.len, &s->why);
			continue;
		}
		if (s->kind == SLOT_FAST)
			write_fast(j, s);
		else
			write_tree(j, s);
		buf_putc(&j->out, '\n');
		j->nout++;
		if (j->out.len >= OUT_CHUNK)
			stop = flush_out(j);
	}
	/*
	 * The trees are freed only after the next batch is read: musl's
	 * allocator unmaps a group of blocks as soon as its last block is
	 * free, so freeing each record before parsing the next costs two
	 * mmap and munmap calls a record.
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
	j->fields = xcalloc(JSONSCAN_MEMBERS, sizeof(*j->fields));
	j->ndone = 0;
	for (k = 0; k < j->window; k++) {
		reasons_init(&j->slots[k].why);
		buf_init(&j->slots[k].line);
		buf_init(&j->slots[k].strs);
	}
	j->nslots = 0;
	j->nout = 0;
	j->failed = 0;
	buf_init(&j->text);
	buf_init(&j->out);
	buf_init(&j->safety);
	buf_init(&j->rule);
	buf_init(&j->canon);
	safety_check_init(&j->check);
}

void
screening_release(struct screening *j)
{
	size_t k;

	if (j->slots != NULL)
		free_done(j);
	for (k = 0; j->slots != NULL && k < j->window; k++) {
		reasons_release(&j->slots[k].why);
		buf_release(&j->slots[k].line);
		buf_release(&j->slots[k].strs);
		free(j->slots[k].spot);
	}
	free(j->slots);
	free(j->done);
	free(j->fields);
	j->slots = NULL;
	j->done = NULL;
	buf_release(&j->text);
	buf_release(&j->out);
	buf_release(&j->safety);
	buf_release(&j->rule);
	buf_release(&j->canon);
	safety_check_release(&j->check);
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
		if (j->progress != NULL)
			progress_update(j->progress, j->run->nread);
	} while (!stop && rc == 0 && j->nslots == j->window);
	if (!stop)
		stop = flush_out(j);
	if (rc < 0)
		return -1;
	return stop != 0;
}
