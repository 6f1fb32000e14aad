/* SPDX-License-Identifier: MIT */
/*
 * cpo-retrieve: adds to each customer record the approved content that a
 * message for the customer's segment may draw on, as a Retrieval Result
 * object under "retrieval". With --query it searches once and prints the
 * result object alone.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "azsearch.h"
#include "cli.h"
#include "content.h"
#include "embed.h"
#include "http.h"
#include "input.h"
#include "jsonfile.h"
#include "ndjson.h"
#include "numparse.h"
#include "querytab.h"
#include "retrieve.h"
#include "run.h"
#include "status.h"
#include "timefmt.h"

#define PROG "cpo-retrieve"
#define DEFAULT_CONTENT "data/content/approved_content"

static const char synopsis[] = PROG " [--content DIR] [--queries FILE] "
    "[--audiences FILE] [--category LIST] [--top K] [--per-document N] "
    "[--min-score X] "
    "[--k1 X] [--b X] [--weights LIST] [--analyzer english|plain] "
    "[--no-rerank] [--depth N] [--backend local|azure-search] "
    "[--timeout S] [--attempts N] [--rejects FILE] "
    "[--strict] [--stats] [--query TEXT [--segment NAME] | FILE]";

static const char help[] =
    "Add approved content for each customer's segment, as \"retrieval\".\n"
    "\n"
    "  -c, --content DIR     content library (default " DEFAULT_CONTENT
    ",\n"
    "                        else the compiled-in copy)\n"
    "      --queries FILE    query table (JSON)\n"
    "      --audiences FILE  segment to audiences map (JSON)\n"
    "  -C, --category LIST   only these categories, comma-separated\n"
    "  -k, --top K           results per record (default 5)\n"
    "      --per-document N  results from one document (default 2)\n"
    "  -m, --min-score X     least BM25 score of a result (default 0)\n"
    "      --k1 X, --b X     BM25 parameters (default 1.2, 0.75)\n"
    "      --weights LIST    field weights (default title=2,keywords=2,"
    "text=1)\n"
    "  -a, --analyzer NAME   english (default) or plain\n"
    "      --no-rerank       BM25 order, no second stage\n"
    "      --depth N         candidates reranked (default 50)\n"
    "      --backend NAME    local (default) or azure-search (settings\n"
    "                        from AZURE_SEARCH_* environment variables)\n"
    "      --timeout S       azure-search: seconds per request "
    "(default 10)\n"
    "      --attempts N      azure-search: tries per search (default 3)\n"
    "  -q, --query TEXT      search TEXT once and print the result\n"
    "  -S, --segment NAME    with --query: filter audiences for NAME\n"
    "  -r, --rejects FILE    write rejected records, with reasons, to FILE\n"
    "  -s, --strict          stop at the first rejected record or "
    "invalid document\n"
    "      --stats           print the searches and cache hits at the end\n"
    "  -h, --help            show this help and exit\n"
    "  -V, --version         show the version and exit\n";

struct options {
	const char *content, *queries, *audiences, *query, *segment;
	const char *backend, *rejects_path, *input;
	int strict, stats;
	struct retrieve_params rp;
	struct http_options http;
};

/* Everything a run holds: the library, the tables and the search. */
struct job {
	struct run run;
	struct content_library lib;
	struct querytab *qt;
	struct azsearch *az;
	struct retriever *r;
	char stamp[TIMEFMT_ISO_SIZE];
	struct buf query, why, out;
};

/* Reads a table from path, or the compiled-in data/NAME when path is NULL. */
static int
load_table(struct job *j, const char *path, const char *name,
    int (*load)(struct querytab *, const char *, size_t, struct buf *))
{
	const struct embed_file *f = embed_find(name);
	struct buf text;
	int rc = CPO_EXIT_OK;

	buf_init(&text);
	buf_reset(&j->why);
	if (path != NULL && jsonfile_read(path, &text) < 0) {
		diag_in(&j->run.diag, path, "%s", strerror(errno));
		rc = CPO_EXIT_IO;
	} else if (path != NULL ? load(j->qt, buf_str(&text), text.len,
	    &j->why) < 0 : load(j->qt, f->data, f->len, &j->why) < 0) {
		diag_in(&j->run.diag, path != NULL ? path : name, "%s",
		    j->why.data);
		rc = CPO_EXIT_USAGE;
	}
	buf_release(&text);
	return rc;
}

static void
report(void *arg, const char *name, const char *message)
{
	diag_in(arg, name, "%s", message);
}

/*
 * Sets up the azure-search backend from the environment: the key is read
 * there only, never from the command line, and never shown.
 */
static int
open_remote(struct job *j, const struct options *opt)
{
	static const char *const need[] = {
		"AZURE_SEARCH_ENDPOINT", "AZURE_SEARCH_INDEX",
		"AZURE_SEARCH_KEY"
	};
	struct azsearch_config c;
	const char *v[3];
	size_t i;

	for (i = 0; i < 3; i++) {
		if ((v[i] = getenv(need[i])) == NULL || *v[i] == '\0') {
			diag_in(&j->run.diag, "--backend", "azure-search needs "
			    "%s in the environment", need[i]);
			return CPO_EXIT_USAGE;
		}
	}
	c.endpoint = v[0];
	c.index = v[1];
	c.key = v[2];
	c.api_version = getenv("AZURE_SEARCH_API_VERSION");
	if (c.api_version == NULL || *c.api_version == '\0')
		c.api_version = "2023-11-01";
	c.semantic = getenv("AZURE_SEARCH_SEMANTIC_CONFIG");
	if (c.semantic != NULL && *c.semantic == '\0')
		c.semantic = NULL;
	if ((j->az = azsearch_new(&c, &opt->http)) == NULL) {
		diag_in(&j->run.diag, "--backend", "cannot set up libcurl");
		return CPO_EXIT_IO;
	}
	j->r = retriever_new_remote(&opt->rp, j->qt, j->az);
	return CPO_EXIT_OK;
}

/* Loads the library and indexes it; returns an exit status. */
static int
open_local(struct job *j, const struct options *opt)
{
	const char *dir = opt->content != NULL ? opt->content : DEFAULT_CONTENT;

	content_init(&j->lib);
	if (content_load_dir(&j->lib, dir, report, &j->run.diag) < 0) {
		if (opt->content != NULL || errno != ENOENT) {
			diag_in(&j->run.diag, dir, "%s", strerror(errno));
			return CPO_EXIT_IO;
		}
		dir = "compiled-in content";
		content_load_builtin(&j->lib, report, &j->run.diag);
	}
	if (j->lib.nrejected > 0)
		diag_in(&j->run.diag, dir, "%zu invalid documents left out, "
		    "%zu indexed", j->lib.nrejected, j->lib.ndocs);
	if (j->lib.ndocs == 0 || (opt->strict && j->lib.nrejected > 0)) {
		if (j->lib.ndocs == 0)
			diag_in(&j->run.diag, dir, "no valid documents");
		return CPO_EXIT_USAGE;
	}
	j->r = retriever_new(&j->lib, &opt->rp, j->qt);
	return CPO_EXIT_OK;
}

/* Loads the tables and sets up the backend; returns an exit status. */
static int
open_all(struct job *j, const struct options *opt)
{
	int rc;

	j->qt = querytab_new();
	if ((rc = load_table(j, opt->queries, "retrieve/queries.json",
	    querytab_load_queries)) != CPO_EXIT_OK ||
	    (rc = load_table(j, opt->audiences, "retrieve/audiences.json",
	    querytab_load_audiences)) != CPO_EXIT_OK)
		return rc;
	if (opt->rejects_path != NULL &&
	    run_open_rejects(&j->run, opt->rejects_path) < 0) {
		diag_in(&j->run.diag, opt->rejects_path, "%s", strerror(errno));
		return CPO_EXIT_IO;
	}
	return strcmp(opt->backend, "local") == 0 ? open_local(j, opt) :
	    open_remote(j, opt);
}

/*
 * Puts rec, with "retrieval" added, in j->out. Returns 0; or -1, or
 * AZSEARCH_FATAL when the run must stop, with the reason in j->why.
 */
static int
retrieve(struct job *j, cJSON *rec)
{
	struct retrieve_result *res;
	const cJSON *seg = json_get(rec, "segment");
	int st;

	buf_reset(&j->query);
	if (seg == NULL) {
		buf_puts(&j->why, "field 'segment': missing (run cpo-segment "
		    "first)");
		return -1;
	}
	if (!cJSON_IsString(seg)) {
		buf_printf(&j->why, "field 'segment': expected a string, got ");
		jsonfile_show(&j->why, seg);
		return -1;
	}
	if (querytab_build(j->qt, seg->valuestring, json_get(rec, "features"),
	    &j->query, &j->why) < 0)
		return -1;
	if ((st = retriever_search(j->r, j->query.data, seg->valuestring,
	    &res, &j->why)) != 0)
		return st == AZSEARCH_FATAL ? st : -1;
	buf_reset(&j->out);
	retrieve_add_to(&j->out, rec, res, j->query.data, seg->valuestring,
	    j->stamp);
	return 0;
}

static int
loop(struct job *j, const char *input)
{
	struct ndjson_reader in;
	struct reasons why;
	enum ndjson_status st;
	const char *name = input_name(input);
	cJSON *rec;
	int rc = 0, stop;

	if (ndjson_open(&in, input) < 0) {
		diag_in(&j->run.diag, name, "%s", strerror(errno));
		return CPO_EXIT_IO;
	}
	reasons_init(&why);
	while ((st = ndjson_next(&in, &rec, &j->why)) != NDJSON_EOF &&
	    st != NDJSON_IOERR) {
		run_read(&j->run);
		reasons_reset(&why);
		if (st == NDJSON_RECORD && (rc = retrieve(j, rec)) == 0) {
			stop = run_write(&j->run, j->out.data, j->out.len) < 0;
		} else {
			reasons_add_buf(&why, &j->why);
			stop = run_reject(&j->run, name, in.in.lineno, in.line,
			    in.len, &why);
		}
		json_free(rec);
		buf_reset(&j->why);
		/* The service refused us: every later record would fail too. */
		if (stop || rc == AZSEARCH_FATAL)
			break;
	}
	if (st == NDJSON_IOERR)
		diag_in(&j->run.diag, name, "read error: %s", strerror(errno));
	ndjson_release(&in);
	reasons_release(&why);
	return st == NDJSON_IOERR || rc == AZSEARCH_FATAL ? CPO_EXIT_IO :
	    CPO_EXIT_OK;
}

/* --query: one search, its result object printed alone. */
static int
search_once(struct job *j, const struct options *opt)
{
	struct retrieve_result *res;
	cJSON *obj;

	if (retriever_search(j->r, opt->query, opt->segment, &res,
	    &j->why) != 0) {
		diag_msg(&j->run.diag, "%s", j->why.data);
		return CPO_EXIT_IO;
	}
	obj = retrieve_result_json(res, opt->query, opt->segment, j->stamp);
	json_write(&j->out, obj);
	json_free(obj);
	run_write(&j->run, j->out.data, j->out.len);
	return CPO_EXIT_OK;
}

/* Parses a number option into *out; returns -1 after the message. */
static int
number(const struct diag *d, const char *name, const char *arg, double min,
    double max, double *out)
{
	if (num_parse_double(arg, strlen(arg), out) == NUM_OK && *out >= min &&
	    *out <= max)
		return 0;
	diag_in(d, name, "expected a number from %g to %g, got '%s'", min, max,
	    arg);
	return -1;
}

static int
count(const struct diag *d, const char *name, const char *arg, size_t *out)
{
	const char *errstr;

	*out = (size_t)cpo_strtonum(arg, 1, 1000, &errstr);
	if (errstr == NULL)
		return 0;
	diag_in(d, name, "expected an integer from 1 to 1000, got '%s'", arg);
	return -1;
}

/* Returns -1 to go on, or the exit status to return now. */
static int
parse_options(int argc, char **argv, const struct diag *d,
    struct options *opt, struct buf *why)
{
	static const struct option longopts[] = {
		{ "content", required_argument, NULL, 'c' },
		{ "queries", required_argument, NULL, 'Q' },
		{ "audiences", required_argument, NULL, 'A' },
		{ "category", required_argument, NULL, 'C' },
		{ "top", required_argument, NULL, 'k' },
		{ "min-score", required_argument, NULL, 'm' },
		{ "per-document", required_argument, NULL, 'P' },
		{ "k1", required_argument, NULL, '1' },
		{ "b", required_argument, NULL, 'B' },
		{ "weights", required_argument, NULL, 'W' },
		{ "analyzer", required_argument, NULL, 'a' },
		{ "no-rerank", no_argument, NULL, 'R' },
		{ "depth", required_argument, NULL, 'D' },
		{ "backend", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "attempts", required_argument, NULL, 'N' },
		{ "query", required_argument, NULL, 'q' },
		{ "segment", required_argument, NULL, 'S' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "stats", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct retrieve_params *rp = &opt->rp;
	const char *analyzer = "english";
	size_t n = 0;
	int c, bad = 0;

	opterr = 0;
	while (!bad && (c = getopt_long(argc, argv, ":c:C:k:m:a:q:S:r:shV",
	    longopts, NULL)) != -1) {
		buf_reset(why);
		switch (c) {
		case 'c':
			opt->content = optarg;
			break;
		case 'Q':
			opt->queries = optarg;
			break;
		case 'A':
			opt->audiences = optarg;
			break;
		case 'a':
			analyzer = optarg;
			break;
		case 'R':
			rp->rerank = 0;
			break;
		case 'b':
			opt->backend = optarg;
			break;
		case 'q':
			opt->query = optarg;
			break;
		case 'S':
			opt->segment = optarg;
			break;
		case 'r':
			opt->rejects_path = optarg;
			break;
		case 's':
			opt->strict = 1;
			break;
		case 'T':
			opt->stats = 1;
			break;
		case 'k':
			bad = count(d, "--top", optarg, &rp->top);
			break;
		case 'D':
			bad = count(d, "--depth", optarg, &rp->depth);
			break;
		case 'P':
			bad = count(d, "--per-document", optarg,
			    &rp->per_document);
			break;
		case 'm':
			bad = number(d, "--min-score", optarg, 0, 1e9,
			    &rp->min_score);
			break;
		case '1':
			bad = number(d, "--k1", optarg, 0.01, 100, &rp->k1);
			break;
		case 'B':
			bad = number(d, "--b", optarg, 0, 1, &rp->b);
			break;
		case 't':
			bad = number(d, "--timeout", optarg, 0.001, 3600,
			    &opt->http.timeout);
			break;
		case 'N':
			bad = count(d, "--attempts", optarg, &n);
			opt->http.attempts = (int)n;
			break;
		case 'C':
			if (retrieve_parse_categories(rp, optarg, why) < 0) {
				diag_in(d, "--category", "%s", why->data);
				bad = 1;
			}
			break;
		case 'W':
			if (retrieve_parse_weights(rp, optarg, why) < 0) {
				diag_in(d, "--weights", "%s", why->data);
				bad = 1;
			}
			break;
		case 'h':
			printf("usage: %s\n\n%s", synopsis, help);
			return CPO_EXIT_OK;
		case 'V':
			cli_version(stdout, PROG);
			return CPO_EXIT_OK;
		default:
			cli_bad_option(d, c, argv, optind, optopt, synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	if (bad)
		return CPO_EXIT_USAGE;
	if (strcmp(analyzer, "english") == 0)
		analyze_init_english(&rp->analyzer);
	else if (strcmp(analyzer, "plain") == 0)
		analyze_init_plain(&rp->analyzer);
	else {
		diag_in(d, "--analyzer", "expected english or plain, got '%s'",
		    analyzer);
		return CPO_EXIT_USAGE;
	}
	if (strcmp(opt->backend, "local") != 0 &&
	    strcmp(opt->backend, "azure-search") != 0) {
		diag_in(d, "--backend", "expected local or azure-search, got "
		    "'%s'", opt->backend);
		return CPO_EXIT_USAGE;
	}
	if (argc - optind > (opt->query != NULL ? 0 : 1)) {
		diag_msg(d, opt->query != NULL ? "options '--query' and FILE "
		    "cannot be used together" : "too many arguments: expected "
		    "one FILE");
		cli_usage(d, synopsis);
		return CPO_EXIT_USAGE;
	}
	if (opt->segment != NULL && opt->query == NULL) {
		diag_in(d, "--segment", "needs --query (records carry their "
		    "own segment)");
		return CPO_EXIT_USAGE;
	}
	if (optind < argc)
		opt->input = argv[optind];
	return -1;
}

/*
 * Options; the clock (SOURCE_DATE_EPOCH or now) for approval dates and
 * retrieved_at; the library, tables and index; then either one --query
 * search or the record loop; the summary.
 */
int
main(int argc, char **argv)
{
	struct options opt;
	struct job j;
	int rc, c;

	memset(&opt, 0, sizeof(opt));
	opt.backend = "local";
	opt.input = "-";
	memset(&j, 0, sizeof(j));
	run_init(&j.run, PROG);
	buf_init(&j.query);
	buf_init(&j.why);
	buf_init(&j.out);
	retrieve_defaults(&opt.rp);
	http_defaults(&opt.http);
	if ((rc = parse_options(argc, argv, &j.run.diag, &opt, &j.why)) >= 0)
		goto out;
	if (cli_clock(&j.run.diag, &opt.rp.now) < 0) {
		rc = CPO_EXIT_USAGE;
		goto out;
	}
	timefmt_iso(opt.rp.now, j.stamp);
	j.run.strict = opt.strict;
	if ((rc = open_all(&j, &opt)) != CPO_EXIT_OK)
		goto out;
	if (opt.query != NULL)
		rc = search_once(&j, &opt);
	else
		rc = loop(&j, opt.input);
	if (opt.stats)
		diag_msg(&j.run.diag, "searches %zu, answered from the cache "
		    "%zu", retriever_searches(j.r), retriever_cache_hits(j.r));
	c = run_finish(&j.run);
	if (rc == CPO_EXIT_OK)
		rc = c;
out:
	retriever_free(j.r);
	azsearch_free(j.az);
	querytab_free(j.qt);
	content_release(&j.lib);
	buf_release(&j.query);
	buf_release(&j.why);
	buf_release(&j.out);
	return rc;
}
