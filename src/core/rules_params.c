/*
 * rules_params.c - a rule's "params" and ${NAME} in its entities: values
 * from --param (ruleset_set_param), else the declared default.
 */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/rules.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"
#include "rules_impl.h"

static const char *const param_fields[] = { "description", "default", NULL };

static int check_param(const struct ctx *c, const cJSON *m)
{
	const cJSON *desc = rules_get(m, "description"), *def = rules_get(m, "default");

	if (!ruleset_param_name_ok(m->string))
		return rules_rerr(c, "params", m->string,
			    "a param name is letters, digits and '_', not starting with a digit");
	if (!cJSON_IsObject(m))
		return rules_rerr(c, "params", m->string,
			    "expected {\"description\": \"...\", \"default\": \"...\"}");
	for (const cJSON *f = m->child; f; f = f->next)
		if (!rules_in_list(f->string, param_fields))
			return rules_rerr(c, "params", m->string, "unknown field \"%s\"", f->string);
	if (!cJSON_IsString(desc))
		return rules_rerr(c, "params", m->string, "\"description\": %s",
			    desc ? "expected a string" : "missing");
	if (def && !cJSON_IsString(def))
		return rules_rerr(c, "params", m->string, "\"default\": expected a string");
	return 0;
}

/* A --param that some rule declares is no typo (ruleset_undeclared_param). */
static void declare(struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nparams; i++)
		if (!strcmp(rs->params[i].name, name))
			rs->params[i].declared = true;
}

static int cmp_members(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/*
 * Sorted, so that a repeated name and each ${name} are found in O(log n):
 * a rule may declare as many params as 16 MiB holds.
 */
int rules_parse_params(struct ctx *c, const cJSON *obj)
{
	const cJSON *p = rules_get(obj, "params"), *m;
	size_t n = 0;

	if (!p)
		return 0;
	if (!cJSON_IsObject(p))
		return rules_rerr(c, "params", NULL, "expected an object");
	for (m = p->child; m; m = m->next, n++) {
		if (check_param(c, m) < 0)
			return -1;
		declare(c->rs, m->string);
	}
	c->sorted = xcalloc(n, sizeof(*c->sorted));
	for (m = p->child; m; m = m->next)
		c->sorted[c->nsorted++] = m;
	qsort(c->sorted, n, sizeof(*c->sorted), cmp_members);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(c->sorted[i - 1]->string, c->sorted[i]->string))
			return rules_rerr(c, "params", c->sorted[i]->string, "declared twice");
	c->params = p;
	return 0;
}

/* The declaration of param name, or NULL. */
static const cJSON *declared(const struct ctx *c, const char *name)
{
	size_t lo = 0, hi = c->nsorted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(name, c->sorted[mid]->string);

		if (!d)
			return c->sorted[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const char *param_value(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nparams; i++)
		if (!strcmp(rs->params[i].name, name))
			return rs->params[i].value;
	return NULL;
}

int ruleset_set_param(struct ruleset *rs, const char *name, const char *value)
{
	struct rule_param *p;

	if (!ruleset_param_name_ok(name))
		return error("invalid param name '%s': use letters, digits and '_', "
			     "not starting with a digit", name);
	for (size_t i = 0; i < rs->nparams; i++) {
		if (!strcmp(rs->params[i].name, name)) {
			free(rs->params[i].value);
			rs->params[i].value = xstrdup(value);
			return 0;
		}
	}
	rs->params = xreallocarray(rs->params, rs->nparams + 1, sizeof(*rs->params));
	p = &rs->params[rs->nparams++];
	p->name = xstrdup(name);
	p->value = xstrdup(value);
	p->declared = false;
	return 0;
}

/*
 * The value of ${name}: ruleset_set_param(), else the declared default.
 * *val is NULL (and c->unset set) when there is neither.
 */
static int lookup(struct ctx *c, const char *field, const char *in, const char *name,
		  const char **val)
{
	const cJSON *decl = c->params ? declared(c, name) : NULL;
	const cJSON *def;

	if (!decl)
		return rules_rerr(c, field, in, "param \"%s\" is not declared in \"params\"", name);
	def = rules_get(decl, "default");
	*val = param_value(c->rs, name);
	if (!*val && cJSON_IsString(def))
		*val = def->valuestring;
	if (!*val && !c->unset)
		c->unset = xstrdup(name);
	return 0;
}

/* "${name}" is the param's value, "$${" a literal "${", the rest as is. */
int rules_subst_params(struct ctx *c, const char *field, const char *in, char **out)
{
	struct strbuf sb;
	const char *s = in;

	strbuf_init(&sb);
	while (*s) {
		const char *end, *val = NULL;
		char *name;
		int r;

		if (s[0] == '$' && s[1] == '$' && s[2] == '{') {
			strbuf_adds(&sb, "${");
			s += 3;
			continue;
		}
		if (s[0] != '$' || s[1] != '{') {
			strbuf_addc(&sb, *s++);
			continue;
		}
		if (!(end = strchr(s + 2, '}'))) {
			strbuf_release(&sb);
			return rules_rerr(c, field, in, "unterminated \"${\"");
		}
		name = xstrndup(s + 2, (size_t)(end - (s + 2)));
		r = lookup(c, field, in, name, &val);
		free(name);
		if (r < 0) {
			strbuf_release(&sb);
			return -1;
		}
		strbuf_adds(&sb, val ? val : "");
		s = end + 1;
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;
}

/* The inverse of rules_subst_params() for a string without params: "${" -> "$${". */
int rules_quote_params(struct ctx *c, const char *field, const char *in, char **out)
{
	struct strbuf sb;

	(void)c;
	(void)field;
	strbuf_init(&sb);
	for (const char *s = in; *s; s++) {
		if (s[0] == '$' && s[1] == '{')
			strbuf_addc(&sb, '$');
		strbuf_addc(&sb, *s);
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;
}


static int map_one(struct ctx *c, cJSON *item, const char *field, rules_map_fn fn)
{
	char *s, *copy;
	size_t n;

	if (fn(c, field, item->valuestring, &s) < 0)
		return -1;
	n = strlen(s) + 1;
	if (!(copy = cJSON_malloc(n))) {
		free(s);
		return rules_rerr(c, field, NULL, "out of memory");
	}
	memcpy(copy, s, n);
	free(s);
	cJSON_free(item->valuestring);
	item->valuestring = copy;
	return 0;
}

/* Rewrites every string of one entity (members and array elements). */
static int map_entity(struct ctx *c, cJSON *e, rules_map_fn fn)
{
	cJSON *m, *s;

	for (m = e->child; m; m = m->next) {
		if (cJSON_IsString(m) && map_one(c, m, m->string, fn) < 0)
			return -1;
		if (!cJSON_IsArray(m))
			continue;
		for (s = m->child; s; s = s->next)
			if (cJSON_IsString(s) && map_one(c, s, m->string, fn) < 0)
				return -1;
	}
	return 0;
}

int rules_map_strings(struct ctx *c, cJSON *ents, rules_map_fn fn)
{
	cJSON *e;

	c->ent = 0;
	for (e = ents->child; e; e = e->next, c->ent++)
		if (map_entity(c, e, fn) < 0)
			return -1;
	c->ent = -1;
	return 0;
}

