/* SPDX-License-Identifier: MIT */
/*
 * The k-means segmentation model: naming clusters with the rules, labelling
 * customers, and the JSON form. Numbers are written in their shortest
 * round-trip form, so a saved and reloaded model labels every customer
 * exactly as the fitted one did.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonfile.h"
#include "jsonw.h"
#include "segmodel.h"
#include "xalloc.h"

static const char model_tag[] = "cpo-segment kmeans";

void
segmodel_init(struct segmodel *m)
{
	memset(m, 0, sizeof(*m));
}

void
segmodel_release(struct segmodel *m)
{
	size_t i;

	for (i = 0; m->cluster != NULL && i < m->k; i++) {
		free(m->cluster[i].segment);
		free(m->cluster[i].definition);
	}
	free(m->cluster);
	free(m->centre);
	free(m->silhouette);
	segmodel_init(m);
}

/* Allocates room for k clusters. */
static void
alloc_clusters(struct segmodel *m, size_t k)
{
	m->k = k;
	m->centre = xcalloc(k * SEGF_NRAW, sizeof(double));
	m->cluster = xcalloc(k, sizeof(struct segcluster));
}

static int
name_taken(const struct segmodel *m, size_t upto, const char *name)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (strcmp(m->cluster[i].segment, name) == 0)
			return 1;
	return 0;
}

/* Names cluster c (all before it are named) and writes its definition. */
static void
name_cluster(struct segmodel *m, size_t c, const struct segrules *rules)
{
	double f[SEGF_N];
	struct buf b;
	size_t i, j, first = rules->n;
	unsigned suffix;

	for (j = 0; j < SEGF_NRAW; j++)
		f[j] = m->centre[c * SEGF_NRAW + j] * m->scale[j] + m->mean[j];
	segfield_derive(f);
	for (i = 0; i < rules->n; i++) {
		if (!segrules_holds(rules, i, f))
			continue;
		if (first == rules->n)
			first = i;
		if (!name_taken(m, c, rules->rule[i].segment))
			break;
	}
	buf_init(&b);
	if (i < rules->n)
		buf_puts(&b, rules->rule[i].segment);
	else {
		for (suffix = 2;; suffix++) {
			buf_reset(&b);
			buf_printf(&b, "%s %u", rules->rule[first].segment,
			    suffix);
			if (!name_taken(m, c, b.data))
				break;
		}
		i = first;
	}
	m->cluster[c].segment = xstrdup(b.data);
	buf_reset(&b);
	buf_puts(&b, "customers around");
	for (j = 0; j < SEGF_NRAW; j++)
		buf_printf(&b, "%s %s %.4g", j > 0 ? "," : "", segfield_names[j],
		    f[j]);
	buf_printf(&b, "; named by rule %zu (", i + 1);
	segrules_describe(rules, i, &b);
	buf_putc(&b, ')');
	if (strcmp(m->cluster[c].segment, rules->rule[i].segment) != 0)
		buf_printf(&b, ", whose name '%s' a larger cluster took",
		    rules->rule[i].segment);
	m->cluster[c].definition = xstrdup(b.data);
	buf_release(&b);
}

void
segmodel_from_fit(struct segmodel *m, const double *mean, const double *scale,
    const struct kmeans_fit *fit, const struct segrules *rules,
    unsigned long n)
{
	size_t *order, i, j, t;

	segmodel_init(m);
	memcpy(m->mean, mean, sizeof(m->mean));
	memcpy(m->scale, scale, sizeof(m->scale));
	alloc_clusters(m, fit->k);
	m->customers = n;
	m->inertia = fit->inertia;
	m->iterations = fit->iterations;
	m->variance = n > 0 ? fit->inertia / ((double)n * SEGF_NRAW) : 0;
	/* Insertion sort by size, largest first; stable, so ties keep order. */
	order = xcalloc(fit->k, sizeof(size_t));
	for (i = 0; i < fit->k; i++) {
		for (j = i; j > 0 && fit->size[order[j - 1]] < fit->size[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (i = 0; i < fit->k; i++) {
		t = order[i];
		memcpy(m->centre + i * SEGF_NRAW, fit->centre + t * fit->d,
		    SEGF_NRAW * sizeof(double));
		m->cluster[i].segment_id = (int)i;
		m->cluster[i].size = fit->size[t];
		name_cluster(m, i, rules);
	}
	free(order);
}

size_t
segmodel_classify(const struct segmodel *m, const double f[SEGF_N],
    double *confidence)
{
	double z[SEGF_NRAW], d2[SEGMODEL_K_MAX];
	size_t j, at;

	for (j = 0; j < SEGF_NRAW; j++)
		z[j] = (f[j] - m->mean[j]) / m->scale[j];
	at = kmeans_nearest(m->centre, m->k, SEGF_NRAW, z, d2);
	*confidence = kmeans_soft(d2, m->k, at, m->variance);
	return at;
}

static void
write_numbers(struct buf *out, const char *key, const double *v, size_t n)
{
	size_t i;

	jsonw_key(out, key);
	buf_putc(out, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		jsonw_double(out, v[i]);
	}
	buf_add(out, "],", 2);
}

void
segmodel_write(const struct segmodel *m, struct buf *out)
{
	const struct segcluster *c;
	size_t i;

	buf_putc(out, '{');
	jsonw_key(out, "model");
	jsonw_string(out, model_tag, strlen(model_tag));
	buf_putc(out, ',');
	jsonw_key(out, "version");
	jsonw_int(out, 1);
	buf_putc(out, ',');
	jsonw_key(out, "fields");
	buf_putc(out, '[');
	for (i = 0; i < SEGF_NRAW; i++) {
		if (i > 0)
			buf_putc(out, ',');
		jsonw_string(out, segfield_names[i], strlen(segfield_names[i]));
	}
	buf_add(out, "],", 2);
	write_numbers(out, "mean", m->mean, SEGF_NRAW);
	write_numbers(out, "scale", m->scale, SEGF_NRAW);
	jsonw_key(out, "variance");
	jsonw_double(out, m->variance);
	buf_putc(out, ',');
	jsonw_key(out, "customers");
	jsonw_int(out, (long long)m->customers);
	buf_putc(out, ',');
	jsonw_key(out, "inertia");
	jsonw_double(out, m->inertia);
	buf_putc(out, ',');
	jsonw_key(out, "seed");
	jsonw_int(out, (long long)m->seed);
	buf_putc(out, ',');
	jsonw_key(out, "restarts");
	jsonw_int(out, m->restarts);
	buf_putc(out, ',');
	jsonw_key(out, "iterations");
	jsonw_int(out, m->iterations);
	buf_putc(out, ',');
	if (m->auto_n > 0) {
		jsonw_key(out, "silhouette");
		buf_putc(out, '[');
		for (i = 0; i < m->auto_n; i++) {
			buf_printf(out, "%s{\"k\":%zu,\"score\":", i > 0 ?
			    "," : "", m->auto_kmin + i);
			jsonw_double(out, m->silhouette[i]);
			buf_putc(out, '}');
		}
		buf_add(out, "],", 2);
	}
	jsonw_key(out, "clusters");
	buf_putc(out, '[');
	for (i = 0; i < m->k; i++) {
		c = &m->cluster[i];
		buf_puts(out, i > 0 ? ",{" : "{");
		jsonw_key(out, "segment_id");
		jsonw_int(out, c->segment_id);
		buf_putc(out, ',');
		jsonw_key(out, "segment");
		jsonw_string(out, c->segment, strlen(c->segment));
		buf_putc(out, ',');
		jsonw_key(out, "size");
		jsonw_int(out, (long long)c->size);
		buf_putc(out, ',');
		write_numbers(out, "centre", m->centre + i * SEGF_NRAW,
		    SEGF_NRAW);
		jsonw_key(out, "definition");
		jsonw_string(out, c->definition, strlen(c->definition));
		buf_putc(out, '}');
	}
	buf_add(out, "]}\n", 3);
}

/* Reads member key of obj as exactly n finite numbers (positive if pos). */
static int
get_numbers(const cJSON *obj, const char *key, double *v, size_t n, int pos,
    struct buf *err)
{
	const cJSON *arr = json_get(obj, key), *e = NULL;
	size_t i = 0;

	if (cJSON_IsArray(arr)) {
		for (e = arr->child; e != NULL && i < n; e = e->next, i++) {
			if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) ||
			    (pos && !(e->valuedouble > 0)))
				break;
			v[i] = e->valuedouble;
		}
		if (i == n && e == NULL)
			return 0;
	}
	buf_printf(err, "member '%s': expected an array of %zu %snumbers, "
	    "got ", key, n, pos ? "positive " : "");
	jsonfile_show(err, arr);
	return -1;
}

static int
get_string(const cJSON *obj, const char *key, char **out, struct buf *err)
{
	const cJSON *v = json_get(obj, key);

	if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
		buf_printf(err, "member '%s': expected a non-empty string, got ",
		    key);
		jsonfile_show(err, v);
		return -1;
	}
	*out = xstrdup(v->valuestring);
	return 0;
}

static int
parse_cluster(struct segmodel *m, size_t i, const cJSON *v, struct buf *err)
{
	struct segcluster *c = &m->cluster[i];
	const cJSON *id = json_get(v, "segment_id"), *size = json_get(v,
	    "size");
	size_t j;

	buf_printf(err, "cluster %zu: ", i + 1);
	if (!cJSON_IsObject(v)) {
		buf_puts(err, "expected an object, got ");
		jsonfile_show(err, v);
		return -1;
	}
	if (!cJSON_IsNumber(id) || id->valuedouble != floor(id->valuedouble) ||
	    id->valuedouble < 0 || id->valuedouble > 999) {
		buf_puts(err, "member 'segment_id': expected an integer from 0 "
		    "to 999, got ");
		jsonfile_show(err, id);
		return -1;
	}
	c->segment_id = (int)id->valuedouble;
	if (get_string(v, "segment", &c->segment, err) < 0 ||
	    get_numbers(v, "centre", m->centre + i * SEGF_NRAW, SEGF_NRAW, 0,
	    err) < 0)
		return -1;
	if (json_get(v, "definition") != NULL &&
	    get_string(v, "definition", &c->definition, err) < 0)
		return -1;
	if (c->definition == NULL)
		c->definition = xstrdup("");
	if (cJSON_IsNumber(size) && size->valuedouble >= 0)
		c->size = (unsigned long)size->valuedouble;
	for (j = 0; j < i; j++) {
		if (m->cluster[j].segment_id == c->segment_id) {
			buf_printf(err, "segment_id %d is also cluster %zu's",
			    c->segment_id, j + 1);
			return -1;
		}
		if (strcmp(m->cluster[j].segment, c->segment) == 0) {
			buf_printf(err, "segment '%s' is also cluster %zu's",
			    c->segment, j + 1);
			return -1;
		}
	}
	buf_reset(err);
	return 0;
}

/* Checks the header members: the tag, the version and the field list. */
static int
parse_header(const cJSON *doc, struct buf *err)
{
	const cJSON *tag = json_get(doc, "model"), *ver = json_get(doc,
	    "version"), *fields = json_get(doc, "fields"), *e;
	size_t i = 0;

	if (!cJSON_IsString(tag) || strcmp(tag->valuestring, model_tag) != 0) {
		buf_printf(err, "member 'model': expected \"%s\", got ",
		    model_tag);
		jsonfile_show(err, tag);
		return -1;
	}
	if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
		buf_puts(err, "member 'version': expected 1, got ");
		jsonfile_show(err, ver);
		return -1;
	}
	if (cJSON_IsArray(fields))
		for (e = fields->child; e != NULL && i < SEGF_NRAW; e = e->next,
		    i++)
			if (!cJSON_IsString(e) ||
			    strcmp(e->valuestring, segfield_names[i]) != 0)
				break;
	if (!cJSON_IsArray(fields) || i != SEGF_NRAW ||
	    cJSON_GetArraySize(fields) != SEGF_NRAW) {
		buf_puts(err, "member 'fields': expected [\"age\", "
		    "\"purchase_frequency\", \"avg_order_value\", "
		    "\"last_engagement_days\", \"historical_open_rate\", "
		    "\"historical_click_rate\"], got ");
		jsonfile_show(err, fields);
		return -1;
	}
	return 0;
}

static int
parse_doc(struct segmodel *m, const cJSON *doc, struct buf *err)
{
	const cJSON *var, *clusters, *v;
	size_t i;
	int k;

	if (!cJSON_IsObject(doc)) {
		buf_puts(err, "expected a model object, got ");
		jsonfile_show(err, doc);
		return -1;
	}
	if (parse_header(doc, err) < 0 ||
	    get_numbers(doc, "mean", m->mean, SEGF_NRAW, 0, err) < 0 ||
	    get_numbers(doc, "scale", m->scale, SEGF_NRAW, 1, err) < 0)
		return -1;
	var = json_get(doc, "variance");
	if (!cJSON_IsNumber(var) || !(var->valuedouble >= 0) ||
	    !isfinite(var->valuedouble)) {
		buf_puts(err, "member 'variance': expected a number >= 0, got ");
		jsonfile_show(err, var);
		return -1;
	}
	m->variance = var->valuedouble;
	clusters = json_get(doc, "clusters");
	k = cJSON_IsArray(clusters) ? cJSON_GetArraySize(clusters) : 0;
	if (k < 1 || k > SEGMODEL_K_MAX) {
		buf_printf(err, "member 'clusters': expected an array of 1 to "
		    "%d clusters, got ", SEGMODEL_K_MAX);
		jsonfile_show(err, clusters);
		return -1;
	}
	alloc_clusters(m, (size_t)k);
	for (i = 0, v = clusters->child; v != NULL; v = v->next, i++)
		if (parse_cluster(m, i, v, err) < 0)
			return -1;
	return 0;
}

int
segmodel_parse(struct segmodel *m, const char *text, size_t len,
    struct buf *err)
{
	cJSON *doc;
	int rc;

	segmodel_init(m);
	if ((doc = jsonfile_parse(text, len, err)) == NULL)
		return -1;
	rc = parse_doc(m, doc, err);
	json_free(doc);
	if (rc < 0)
		segmodel_release(m);
	return rc;
}
