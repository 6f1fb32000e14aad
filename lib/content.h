/* SPDX-License-Identifier: MIT */
/*
 * The approved content library: documents in the seed's Content Document
 * Schema, one JSON document per file, checked and cut into passages for
 * search.
 *
 * A document is valid when it is a JSON object whose document_id, title,
 * category and content are strings, document_id is not empty and not used
 * by an earlier document, content has at least 100 characters, category is
 * Product, Promotion, Support or General, and approval_date is an ISO 8601
 * date or date and time. audience (default "All"), keywords (an array of
 * strings) and the other fields are optional.
 *
 * Passages: the content's paragraphs are its blank-line separated blocks,
 * numbered from 0 (paragraph_index); blanks inside one are squeezed to
 * single spaces. A paragraph of over 200 words is cut at sentence ends
 * into passages of about 150 to 200 words, which keep its paragraph_index.
 */
#ifndef CPO_CONTENT_H
#define CPO_CONTENT_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

enum content_category {
	CONTENT_PRODUCT,
	CONTENT_PROMOTION,
	CONTENT_SUPPORT,
	CONTENT_GENERAL,
	CONTENT_NCATEGORIES
};

/* Passage sizes, in words (blank-separated). */
#define CONTENT_PASSAGE_MAX 200
#define CONTENT_MIN_CHARS 100

struct content_doc {
	char *id;
	char *title;
	char *audience;
	char *keywords;		/* joined with spaces, "" when none */
	char *file;		/* the name it was loaded under */
	enum content_category category;
	time_t approved;	/* approval_date */
};

struct content_passage {
	size_t doc;		/* index in docs */
	size_t paragraph;	/* paragraph_index */
	char *text;
};

struct content_library {
	struct content_doc *docs;
	size_t ndocs, docs_cap;
	struct content_passage *passages;
	size_t npassages, passages_cap;
	size_t nrejected;	/* invalid documents left out */
};

/*
 * Called for each file that is left out: name is the file's path (or the
 * compiled-in name), message says why in the form "field 'x': ...".
 */
typedef void content_report_fn(void *arg, const char *name,
    const char *message);

/* Initializes an empty library; allocates nothing. */
void content_init(struct content_library *lib);

/* Frees the library's documents and passages. */
void content_release(struct content_library *lib);

/*
 * Checks the document text (len bytes) loaded under name and adds it with
 * its passages. Returns 0; or -1, adding nothing, after appending the
 * reason to why.
 */
int content_add(struct content_library *lib, const char *name,
    const char *text, size_t len, struct buf *why);

/*
 * Adds the documents of every *.json file in dir, in file name order,
 * reporting each one that cannot be read or is invalid through report and
 * going on. Returns 0, or -1 with errno set when dir cannot be read.
 */
int content_load_dir(struct content_library *lib, const char *dir,
    content_report_fn *report, void *arg);

/*
 * Adds the compiled-in library (data/content/approved_content of the
 * source tree), reporting as content_load_dir does. Can't fail.
 */
void content_load_builtin(struct content_library *lib,
    content_report_fn *report, void *arg);

/*
 * Returns the category named name (exact spelling), or -1 when there is
 * none.
 */
int content_category_parse(const char *name, size_t len);

/* Returns the name of category c. */
const char *content_category_name(enum content_category c);

#endif
