/*
 * rules_recommend.c - a rule's "recommend" condition: checked on loading,
 * judged against a root (ruleset_recommend).
 */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/rules.h"
#include "imscan/xalloc.h"
#include "rules_impl.h"

static int check_cond(const struct ctx *c, const cJSON *cond, int depth)
{
	const cJSON *m = cJSON_IsObject(cond) ? cond->child : NULL, *s;

	if (depth > RULES_MAX_DEPTH)
		return rules_rerr(c, "recommend", NULL, "conditions nested more than %d deep",
			    RULES_MAX_DEPTH);
	if (!m || m->next)
		return rules_rerr(c, "recommend", NULL, "expected {\"any\": [...]}, {\"all\": [...]} "
			    "or {\"path_exists\": \"/path\"}");
	if (!strcmp(m->string, "path_exists")) {
		if (!cJSON_IsString(m) || !rules_path_ok(m->valuestring))
			return rules_rerr(c, "recommend", NULL, "\"path_exists\" expects an absolute path "
				    "without \".\" or \"..\"");
		return 0;
	}
	if (strcmp(m->string, "any") && strcmp(m->string, "all"))
		return rules_rerr(c, "recommend", m->string,
			    "unknown condition (expected \"any\", \"all\" or \"path_exists\")");
	if (!cJSON_IsArray(m) || !m->child)
		return rules_rerr(c, "recommend", NULL, "\"%s\" expects a non-empty array of conditions",
			    m->string);
	cJSON_ArrayForEach(s, m)
		if (check_cond(c, s, depth + 1) < 0)
			return -1;
	return 0;
}

int rules_parse_recommend(const struct ctx *c, const cJSON *obj, struct rule *r)
{
	const cJSON *rec = rules_get(obj, "recommend");
	char *text;

	if (!rec)
		return 0;
	if (check_cond(c, rec, 0) < 0)
		return -1;
	text = cJSON_PrintUnformatted(rec);
	if (!text)
		return rules_rerr(c, "recommend", NULL, "out of memory");
	r->recommend_json = xstrdup(text);
	cJSON_free(text);
	return 0;
}

/* The condition was checked when loaded; stay safe on anything else. */
struct judge {
	rules_exists_fn exists;
	void *ctx;
};

static bool cond_holds(const cJSON *cond, const struct judge *j, int depth)
{
	const cJSON *m = cJSON_IsObject(cond) ? cond->child : NULL, *s;
	bool any;

	if (!m || !m->string || depth > RULES_MAX_DEPTH)
		return false;
	if (!strcmp(m->string, "path_exists"))
		return cJSON_IsString(m) && rules_path_ok(m->valuestring) &&
		       j->exists(j->ctx, m->valuestring);
	any = !strcmp(m->string, "any");
	cJSON_ArrayForEach(s, m)
		if (cond_holds(s, j, depth + 1) == any)
			return any;
	return !any;
}

void ruleset_recommend(struct ruleset *rs, rules_exists_fn exists, void *ctx)
{
	struct judge j = { exists, ctx };

	for (size_t i = 0; i < rs->nrules; i++) {
		struct rule *r = rs->rules[i];
		cJSON *cond;

		if (!r->recommend_json) {
			r->recommended = true;
			continue;
		}
		cond = cJSON_Parse(r->recommend_json);
		r->recommended = cond_holds(cond, &j, 0);
		cJSON_Delete(cond);
	}
}

