/*
 * origin.c - the header member "origin": how the baseline's rules were
 * chosen (baseline.h, struct baseline_origin). Read as strictly as the
 * rest of the header:
 *   {"rules":"recommended","params":["NAME=VALUE",...]}
 *   {"rules":"paths","paths":[{"given":"rules/","absolute":"/etc/imscan/rules"},...],
 *    "params":[...]}
 * and nothing else: no other member, every string non-empty, a param with
 * its '='.
 */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/imdb.h"
#include "imscan/xalloc.h"

void baseline_origin_release(struct baseline_origin *o)
{
	for (size_t i = 0; i < o->npaths; i++) {
		free(o->paths[i]);
		free(o->abs_paths[i]);
	}
	for (size_t i = 0; i < o->nparams; i++)
		free(o->params[i]);
	free(o->paths);
	free(o->abs_paths);
	free(o->params);
	memset(o, 0, sizeof(*o));
}

static cJSON *path_json(const char *given, const char *absolute)
{
	cJSON *p = cJSON_CreateObject();

	if (p && cJSON_AddStringToObject(p, "given", given) &&
	    cJSON_AddStringToObject(p, "absolute", absolute))
		return p;
	cJSON_Delete(p);
	return NULL;
}

cJSON *imdb_origin_json(const struct baseline_origin *o)
{
	cJSON *j = cJSON_CreateObject(), *paths = NULL, *params;
	bool ok = j && cJSON_AddStringToObject(j, "rules", o->npaths ? "paths" : "recommended");

	if (ok && o->npaths) {
		ok = (paths = cJSON_AddArrayToObject(j, "paths")) != NULL;
		for (size_t i = 0; ok && i < o->npaths; i++) {
			cJSON *p = path_json(o->paths[i], o->abs_paths[i]);

			ok = p && cJSON_AddItemToArray(paths, p);
		}
	}
	ok = ok && (params = cJSON_AddArrayToObject(j, "params")) != NULL;
	for (size_t i = 0; ok && i < o->nparams; i++) {
		cJSON *s = cJSON_CreateString(o->params[i]);

		ok = s && cJSON_AddItemToArray(params, s);
	}
	if (ok)
		return j;
	cJSON_Delete(j);
	return NULL;
}

static int bad(const char *path, const char *what)
{
	return error("'%s': bad header: field \"origin\": %s", path, what);
}

/* A non-empty string, or NULL. */
static const char *text(const cJSON *v)
{
	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

static int parse_paths(const char *path, const cJSON *a, struct baseline_origin *o)
{
	size_t n = 0;
	const cJSON *p;

	cJSON_ArrayForEach(p, a)
		n++;
	if (!cJSON_IsArray(a) || !n)
		return bad(path, "\"paths\" is not a non-empty array");
	o->paths = xcalloc(n, sizeof(*o->paths));
	o->abs_paths = xcalloc(n, sizeof(*o->abs_paths));
	cJSON_ArrayForEach(p, a) {
		const char *g = text(cJSON_GetObjectItemCaseSensitive(p, "given"));
		const char *abs = text(cJSON_GetObjectItemCaseSensitive(p, "absolute"));

		if (!cJSON_IsObject(p) || cJSON_GetArraySize(p) != 2 || !g || !abs || abs[0] != '/')
			return bad(path, "a path is not {\"given\":...,\"absolute\":\"/...\"}");
		o->paths[o->npaths] = xstrdup(g);
		o->abs_paths[o->npaths++] = xstrdup(abs);
	}
	return 0;
}

static int parse_params(const char *path, const cJSON *a, struct baseline_origin *o)
{
	const cJSON *p;

	if (!cJSON_IsArray(a))
		return bad(path, "\"params\" is not an array");
	o->params = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*o->params));
	cJSON_ArrayForEach(p, a) {
		const char *nv = text(p);

		if (!nv || !strchr(nv, '=') || nv[0] == '=')
			return bad(path, "a param is not \"NAME=VALUE\"");
		o->params[o->nparams++] = xstrdup(nv);
	}
	return 0;
}

/* Fills o from v (the member's value); o is released by the caller. */
int imdb_origin_parse(const char *path, const cJSON *v, struct baseline_origin *o)
{
	const char *rules = text(cJSON_GetObjectItemCaseSensitive(v, "rules"));
	const cJSON *paths = cJSON_GetObjectItemCaseSensitive(v, "paths");
	int want;

	if (!cJSON_IsObject(v))
		return bad(path, "not an object");
	if (!rules || (strcmp(rules, "paths") && strcmp(rules, "recommended")))
		return bad(path, "\"rules\" is not \"paths\" or \"recommended\"");
	want = 2 + !strcmp(rules, "paths");
	if (cJSON_GetArraySize(v) != want || (want == 3) != (paths != NULL))
		return bad(path, "unexpected members");
	if (paths && parse_paths(path, paths, o) < 0)
		return -1;
	if (parse_params(path, cJSON_GetObjectItemCaseSensitive(v, "params"), o) < 0)
		return -1;
	o->recorded = true;
	return 0;
}
