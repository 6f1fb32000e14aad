/* SPDX-License-Identifier: MIT */
/*
 * Loading the content library: checking each document, then cutting its
 * content into passages (rules in content.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "diag.h"
#include "embed.h"
#include "jsonfile.h"
#include "timefmt.h"
#include "xalloc.h"

/* Where the compiled-in library sits among the embedded files. */
#define BUILTIN_PREFIX "content/approved_content/"

static const char *const category_names[CONTENT_NCATEGORIES] = {
	"Product", "Promotion", "Support", "General"
};

void
content_init(struct content_library *lib)
{
	memset(lib, 0, sizeof(*lib));
}

void
content_release(struct content_library *lib)
{
	size_t i;

	for (i = 0; i < lib->ndocs; i++) {
		free(lib->docs[i].id);
		free(lib->docs[i].title);
		free(lib->docs[i].audience);
		free(lib->docs[i].keywords);
		free(lib->docs[i].file);
	}
	for (i = 0; i < lib->npassages; i++)
		free(lib->passages[i].text);
	free(lib->docs);
	free(lib->passages);
	content_init(lib);
}

int
content_category_parse(const char *name, size_t len)
{
	int c;

	for (c = 0; c < CONTENT_NCATEGORIES; c++)
		if (strlen(category_names[c]) == len &&
		    memcmp(category_names[c], name, len) == 0)
			return c;
	return -1;
}

const char *
content_category_name(enum content_category c)
{
	return category_names[c];
}

/* Counts characters (UTF-8 sequences), not bytes. */
static size_t
count_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/*
 * A passage in the making: a paragraph's text with blanks squeezed, and
 * where each of its words starts and which ones end a sentence.
 */
struct para {
	struct buf text;
	size_t *word;		/* start offsets */
	unsigned char *ends;	/* ends[i]: word i ends a sentence */
	size_t nwords, cap;
};

/*
 * Does the word ending at text[end] (exclusive) close a sentence? It must
 * end in . ! or ?, perhaps followed by closing quotes or brackets, and the
 * next word (at next, or none) must start with a capital, a digit or an
 * opening quote: "e.g. the" is not a sentence end, "costs $5. Then" is.
 */
static int
sentence_end(const char *text, size_t start, size_t end, const char *next)
{
	while (end > start && strchr("\"')]", text[end - 1]) != NULL)
		end--;
	if (end == start || strchr(".!?", text[end - 1]) == NULL)
		return 0;
	return next == NULL || (*next >= 'A' && *next <= 'Z') ||
	    (*next >= '0' && *next <= '9') || *next == '"' || *next == '\'' ||
	    (unsigned char)*next >= 0x80;
}

static void
para_add_passage(struct content_library *lib, size_t doc, size_t paragraph,
    const struct para *p, size_t from, size_t to)
{
	struct content_passage *ps;
	size_t start = p->word[from];
	size_t end = to < p->nwords ? p->word[to] - 1 : p->text.len;

	if (lib->npassages == lib->passages_cap) {
		lib->passages_cap = lib->passages_cap ? lib->passages_cap * 2 :
		    64;
		lib->passages = xreallocarray(lib->passages, lib->passages_cap,
		    sizeof(*lib->passages));
	}
	ps = &lib->passages[lib->npassages++];
	ps->doc = doc;
	ps->paragraph = paragraph;
	ps->text = xstrndup(p->text.data + start, end - start);
}

/*
 * Cuts paragraph p into passages. With n words and k = ceil(n / 200)
 * passages needed, each passage takes whole sentences until it has at least
 * n / k words, or until the next sentence would take it past 200. A single
 * sentence of over 200 words is cut between words.
 */
static void
para_split(struct content_library *lib, size_t doc, size_t paragraph,
    const struct para *p)
{
	size_t k, target, from = 0, i, next = 0, len;

	if (p->nwords <= CONTENT_PASSAGE_MAX) {
		para_add_passage(lib, doc, paragraph, p, 0, p->nwords);
		return;
	}
	k = (p->nwords + CONTENT_PASSAGE_MAX - 1) / CONTENT_PASSAGE_MAX;
	target = (p->nwords + k - 1) / k;
	while (from < p->nwords) {
		/* i is the end of the passage so far, at a sentence end. */
		for (i = from; i < p->nwords; i = next) {
			for (next = i; next < p->nwords && !p->ends[next];)
				next++;
			if (next < p->nwords)
				next++;
			len = next - from;
			if (i > from && (len > CONTENT_PASSAGE_MAX ||
			    i - from >= target))
				break;
			if (i == from && len > CONTENT_PASSAGE_MAX) {
				next = from + target;
				break;
			}
		}
		if (i == from)
			i = next;
		para_add_passage(lib, doc, paragraph, p, from, i);
		from = i;
	}
}

static void
para_push_word(struct para *p, size_t start)
{
	if (p->nwords == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->word = xreallocarray(p->word, p->cap, sizeof(*p->word));
		p->ends = xreallocarray(p->ends, p->cap, sizeof(*p->ends));
	}
	p->word[p->nwords] = start;
	p->ends[p->nwords++] = 0;
}

/* Splits content into paragraphs and those into passages of document doc. */
static void
add_passages(struct content_library *lib, size_t doc, const char *content)
{
	struct para p;
	const char *s = content, *line, *nl;
	size_t paragraph = 0, i, len, wstart, end;
	int blank;

	memset(&p, 0, sizeof(p));
	buf_init(&p.text);
	while (*s != '\0') {
		/* Gather the lines up to a blank one (or the end). */
		buf_reset(&p.text);
		p.nwords = 0;
		for (; *s != '\0'; s = *nl != '\0' ? nl + 1 : nl) {
			line = s;
			nl = strchr(line, '\n');
			if (nl == NULL)
				nl = line + strlen(line);
			for (blank = 1, i = 0; line + i < nl; i++)
				if (!is_blank(line[i]))
					blank = 0;
			if (blank) {
				if (p.text.len > 0) {
					s = *nl != '\0' ? nl + 1 : nl;
					break;
				}
				continue;
			}
			for (i = 0; line + i < nl;) {
				while (line + i < nl && is_blank(line[i]))
					i++;
				for (len = 0; line + i + len < nl &&
				    !is_blank(line[i + len]);)
					len++;
				if (len == 0)
					break;
				if (p.text.len > 0)
					buf_putc(&p.text, ' ');
				para_push_word(&p, p.text.len);
				buf_add(&p.text, line + i, len);
				i += len;
			}
		}
		if (p.nwords == 0)
			break;
		for (i = 0; i < p.nwords; i++) {
			wstart = p.word[i];
			end = i + 1 < p.nwords ? p.word[i + 1] - 1 : p.text.len;
			p.ends[i] = sentence_end(p.text.data, wstart, end,
			    i + 1 < p.nwords ? p.text.data + p.word[i + 1] :
			    NULL);
		}
		para_split(lib, doc, paragraph++, &p);
	}
	buf_release(&p.text);
	free(p.word);
	free(p.ends);
}

/* Gets member key of doc as a string; appends the problem to why if not. */
static const char *
string_field(const cJSON *doc, const char *key, int required,
    struct buf *why)
{
	const cJSON *v = json_get(doc, key);

	if (v == NULL && !required)
		return NULL;
	if (v == NULL) {
		buf_printf(why, "field '%s': missing", key);
		return NULL;
	}
	if (!cJSON_IsString(v)) {
		buf_printf(why, "field '%s': expected a string, got %s", key,
		    json_type_name(v));
		return NULL;
	}
	return v->valuestring;
}

/* Joins the keywords array with spaces into kw. */
static int
keywords(const cJSON *doc, struct buf *kw, struct buf *why)
{
	const cJSON *v = json_get(doc, "keywords"), *k;

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v)) {
		buf_printf(why, "field 'keywords': expected an array of "
		    "strings, got %s", json_type_name(v));
		return -1;
	}
	for (k = v->child; k != NULL; k = k->next) {
		if (!cJSON_IsString(k)) {
			buf_printf(why, "field 'keywords': expected an array "
			    "of strings, got an element of type %s",
			    json_type_name(k));
			return -1;
		}
		if (kw->len > 0)
			buf_putc(kw, ' ');
		buf_puts(kw, k->valuestring);
	}
	return 0;
}

/* Checks doc; on success fills d (strings borrowed from doc). */
static int
check(const struct content_library *lib, const cJSON *doc,
    struct content_doc *d, const char **content, struct buf *kw,
    struct buf *why)
{
	const char *id, *title, *category, *audience, *date;
	size_t i, n, start = why->len;
	int c;

	if (!cJSON_IsObject(doc)) {
		buf_printf(why, "expected a JSON object, got %s",
		    json_type_name(doc));
		return -1;
	}
	if ((id = string_field(doc, "document_id", 1, why)) == NULL ||
	    (title = string_field(doc, "title", 1, why)) == NULL ||
	    (category = string_field(doc, "category", 1, why)) == NULL ||
	    (*content = string_field(doc, "content", 1, why)) == NULL)
		return -1;
	if (*id == '\0') {
		buf_puts(why, "field 'document_id': empty");
		return -1;
	}
	if ((n = count_chars(*content)) < CONTENT_MIN_CHARS) {
		buf_printf(why, "field 'content': expected at least %d "
		    "characters, got %zu", CONTENT_MIN_CHARS, n);
		return -1;
	}
	if ((c = content_category_parse(category, strlen(category))) < 0) {
		buf_puts(why, "field 'category': expected Product, Promotion, "
		    "Support or General, got ");
		diag_quote(why, category, strlen(category));
		return -1;
	}
	if ((date = string_field(doc, "approval_date", 1, why)) == NULL)
		return -1;
	if (timefmt_parse_iso(date, &d->approved) < 0) {
		buf_puts(why, "field 'approval_date': expected an ISO 8601 "
		    "date and time, got ");
		diag_quote(why, date, strlen(date));
		return -1;
	}
	audience = string_field(doc, "audience", 0, why);
	if (why->len > start || keywords(doc, kw, why) < 0)
		return -1;
	for (i = 0; i < lib->ndocs; i++) {
		if (strcmp(lib->docs[i].id, id) == 0) {
			buf_puts(why, "field 'document_id': duplicate value ");
			diag_quote(why, id, strlen(id));
			buf_printf(why, ", first in %s", lib->docs[i].file);
			return -1;
		}
	}
	d->id = (char *)id;
	d->title = (char *)title;
	d->audience = (char *)(audience != NULL ? audience : "All");
	d->category = (enum content_category)c;
	return 0;
}

int
content_add(struct content_library *lib, const char *name, const char *text,
    size_t len, struct buf *why)
{
	struct content_doc d, *nd;
	const char *content;
	struct buf kw;
	cJSON *doc;
	int rc = -1;

	if ((doc = jsonfile_parse(text, len, why)) == NULL) {
		lib->nrejected++;
		return -1;
	}
	buf_init(&kw);
	memset(&d, 0, sizeof(d));
	if (check(lib, doc, &d, &content, &kw, why) == 0) {
		if (lib->ndocs == lib->docs_cap) {
			lib->docs_cap = lib->docs_cap ? lib->docs_cap * 2 : 64;
			lib->docs = xreallocarray(lib->docs, lib->docs_cap,
			    sizeof(*lib->docs));
		}
		nd = &lib->docs[lib->ndocs];
		nd->id = xstrdup(d.id);
		nd->title = xstrdup(d.title);
		nd->audience = xstrdup(d.audience);
		nd->keywords = xstrdup(buf_str(&kw));
		nd->file = xstrdup(name);
		nd->category = d.category;
		nd->approved = d.approved;
		add_passages(lib, lib->ndocs, content);
		lib->ndocs++;
		rc = 0;
	} else
		lib->nrejected++;
	buf_release(&kw);
	json_free(doc);
	return rc;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds one file, reporting the problem if there is one. */
static void
load_one(struct content_library *lib, const char *name, const char *text,
    size_t len, content_report_fn *report, void *arg)
{
	struct buf why;

	buf_init(&why);
	if (content_add(lib, name, text, len, &why) < 0)
		report(arg, name, buf_str(&why));
	buf_release(&why);
}

int
content_load_dir(struct content_library *lib, const char *dir,
    content_report_fn *report, void *arg)
{
	struct dirent *e;
	struct buf path, text, why;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !ends_with(e->d_name, ".json"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	/* readdir's order depends on the file system; names do not. */
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	buf_init(&path);
	buf_init(&text);
	buf_init(&why);
	for (i = 0; i < n; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, names[i]);
		buf_reset(&text);
		if (jsonfile_read(path.data, &text) < 0) {
			buf_reset(&why);
			buf_puts(&why, strerror(errno));
			report(arg, path.data, why.data);
			lib->nrejected++;
		} else
			load_one(lib, path.data, text.data != NULL ?
			    text.data : "", text.len, report, arg);
		free(names[i]);
	}
	free(names);
	buf_release(&path);
	buf_release(&text);
	buf_release(&why);
	return 0;
}

void
content_load_builtin(struct content_library *lib, content_report_fn *report,
    void *arg)
{
	size_t i, n = strlen(BUILTIN_PREFIX);
	const struct embed_file *f;

	for (i = 0; i < embed_nfiles; i++) {
		f = &embed_files[i];
		if (strncmp(f->name, BUILTIN_PREFIX, n) == 0 &&
		    ends_with(f->name, ".json"))
			load_one(lib, f->name, f->data, f->len, report, arg);
	}
}
