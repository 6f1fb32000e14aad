/* SPDX-License-Identifier: MIT */
/*
 * cJSON wrapper. cJSON's own printer writes numbers with "%1.15g" or
 * "%1.17g", which is neither shortest nor stable across libcs, so output goes
 * through jsonw instead.
 */
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "xalloc.h"

cJSON *
json_parse(const char *text, size_t len, size_t *errcol)
{
	const char *end = NULL;
	cJSON *v;
	size_t i;

	v = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (v == NULL) {
		*errcol = end != NULL && end >= text ?
		    (size_t)(end - text) + 1 : 1;
		return NULL;
	}
	/* cJSON stops after the first value; only blanks may follow it. */
	for (i = (size_t)(end - text); i < len; i++) {
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' &&
		    text[i] != '\n') {
			cJSON_Delete(v);
			*errcol = i + 1;
			return NULL;
		}
	}
	return v;
}

void
json_free(cJSON *v)
{
	cJSON_Delete(v);
}

void
json_write(struct buf *b, const cJSON *v)
{
	const cJSON *c;

	switch (v->type & 0xff) {
	case cJSON_False:
		buf_add(b, "false", 5);
		break;
	case cJSON_True:
		buf_add(b, "true", 4);
		break;
	case cJSON_NULL:
		buf_add(b, "null", 4);
		break;
	case cJSON_Number:
		jsonw_double(b, v->valuedouble);
		break;
	case cJSON_String:
		jsonw_string(b, v->valuestring, strlen(v->valuestring));
		break;
	case cJSON_Raw:
		buf_puts(b, v->valuestring);
		break;
	case cJSON_Array:
		buf_putc(b, '[');
		for (c = v->child; c != NULL; c = c->next) {
			if (c != v->child)
				buf_putc(b, ',');
			json_write(b, c);
		}
		buf_putc(b, ']');
		break;
	case cJSON_Object:
		buf_putc(b, '{');
		for (c = v->child; c != NULL; c = c->next) {
			if (c != v->child)
				buf_putc(b, ',');
			jsonw_key(b, c->string != NULL ? c->string : "");
			json_write(b, c);
		}
		buf_putc(b, '}');
		break;
	default:
		buf_add(b, "null", 4);
	}
}

cJSON *
json_get(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

void
json_set(cJSON *obj, const char *key, cJSON *v)
{
	if (json_get(obj, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
	else
		cJSON_AddItemToObject(obj, key, v);
}

static cJSON *
check(cJSON *v)
{
	/* cJSON returns NULL only when its allocator fails. */
	if (v == NULL)
		xmalloc((size_t)-1);
	return v;
}

cJSON *
json_new_object(void)
{
	return check(cJSON_CreateObject());
}

cJSON *
json_new_array(void)
{
	return check(cJSON_CreateArray());
}

cJSON *
json_new_string(const char *s)
{
	return check(cJSON_CreateString(s));
}

cJSON *
json_new_number(double d)
{
	return check(cJSON_CreateNumber(d));
}

cJSON *
json_new_bool(int v)
{
	return check(cJSON_CreateBool(v));
}

cJSON *
json_new_null(void)
{
	return check(cJSON_CreateNull());
}

void
json_append(cJSON *arr, cJSON *v)
{
	cJSON_AddItemToArray(arr, v);
}

const char *
json_type_name(const cJSON *v)
{
	if (v == NULL)
		return "missing";
	switch (v->type & 0xff) {
	case cJSON_False:
	case cJSON_True:
		return "boolean";
	case cJSON_NULL:
		return "null";
	case cJSON_Number:
		return "number";
	case cJSON_String:
		return "string";
	case cJSON_Array:
		return "array";
	case cJSON_Object:
		return "object";
	default:
		return "value";
	}
}
