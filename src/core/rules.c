/*
 * rules.c - one JSON rule object to a validated struct rule (see rules.h
 * and imscan-rules(5)), and the message grammar of every rule error.
 *
 * Params are substituted on a copy of the "entities" array before it is
 * read (rules_params.c), so every check below sees the final strings and
 * every message quotes them. The set of rules, files and directories is
 * ruleset.c; "recommend" conditions are rules_recommend.c.
 */
#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/pattern.h"
#include "imscan/rules.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"
#include "rules_impl.h"

static const char *const rule_fields[] = {
	"id", "name", "description", "severity", "realtime", "tags", "recommend",
	"params", "entities", NULL
};

static const char *const entity_fields[] = {
	"type", "base", "include", "exclude", "attributes", "executables_only",
	"growing", NULL
};

static const char *const severity_names[] = { "low", "medium", "high", "critical" };

const char *severity_name(enum severity s)
{
	return (unsigned)s <= SEV_CRITICAL ? severity_names[s] : "unknown";
}

/* ---- messages ------------------------------------------------------- */

/*
 * Everything in a message may come from the file: escape it as a whole.
 * Our own wording holds no backslash or control character, so only the
 * quoted parts change.
 */
static int verr(struct strbuf *raw, const char *fmt, va_list ap)
{
	struct strbuf out;

	strbuf_vaddf(raw, fmt, ap);
	strbuf_init(&out);
	text_add_escaped(&out, raw->buf, raw->len);
	error("%s", out.buf);
	strbuf_release(&out);
	strbuf_release(raw);
	return -1;
}

/* For file and directory names, which may hold any byte. */
int rules_ferr(const char *fmt, ...)
{
	struct strbuf raw;
	va_list ap;

	strbuf_init(&raw);
	va_start(ap, fmt);
	verr(&raw, fmt, ap);
	va_end(ap);
	return -1;
}

int rules_oerr(const char *origin, const char *fmt, ...)
{
	struct strbuf raw;
	va_list ap;

	strbuf_init(&raw);
	strbuf_addf(&raw, "%s: ", origin);
	va_start(ap, fmt);
	verr(&raw, fmt, ap);
	va_end(ap);
	return -1;
}

/* "<origin>: rule <id>: [entities[i]: ][field "<field>": ]["<val>": ]<reason>" */
int rules_rerr(const struct ctx *c, const char *field, const char *val,
				    const char *fmt, ...)
{
	struct strbuf raw;
	va_list ap;

	strbuf_init(&raw);
	strbuf_addf(&raw, "%s: rule ", c->origin);
	if (c->id)
		strbuf_adds(&raw, c->id);
	else
		strbuf_addf(&raw, "#%zu", c->n);
	if (c->ent >= 0)
		strbuf_addf(&raw, ": entities[%ld]", c->ent);
	if (field)
		strbuf_addf(&raw, ": field \"%s\"", field);
	if (val)
		strbuf_addf(&raw, ": \"%s\"", val);
	strbuf_adds(&raw, ": ");
	va_start(ap, fmt);
	verr(&raw, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- small checks ---------------------------------------------------- */

bool rules_in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static bool id_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *s))
			return false;
	return true;
}

bool ruleset_param_name_ok(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", *s))
			return false;
	return true;
}

/* Absolute, without "." or ".." components (which could climb out of root). */
bool rules_path_ok(const char *p)
{
	if (*p != '/')
		return false;
	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
	}
	return true;
}

static bool string_array(const cJSON *a)
{
	const cJSON *s;

	if (!cJSON_IsArray(a))
		return false;
	cJSON_ArrayForEach(s, a)
		if (!cJSON_IsString(s))
			return false;
	return true;
}

const cJSON *rules_get(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/*
 * Unknown and repeated members. Only known names rules_get past the first test,
 * so the scan for repeats stops after a handful of members whatever the
 * size of the object.
 */
static int check_fields(const struct ctx *c, const cJSON *obj, const char *const *known)
{
	for (const cJSON *m = obj->child; m; m = m->next) {
		if (!rules_in_list(m->string, known))
			return rules_rerr(c, m->string, NULL, "unknown field");
		for (const cJSON *o = obj->child; o != m; o = o->next)
			if (!strcmp(o->string, m->string))
				return rules_rerr(c, m->string, NULL, "duplicate field");
	}
	return 0;
}

static int get_string(const struct ctx *c, const cJSON *obj, const char *name, bool required,
		      const char **out)
{
	const cJSON *v = rules_get(obj, name);

	*out = NULL;
	if (!v)
		return required ? rules_rerr(c, name, NULL, "missing") : 0;
	if (!cJSON_IsString(v))
		return rules_rerr(c, name, NULL, "expected a string");
	*out = v->valuestring;
	return 0;
}

static int get_bool(const struct ctx *c, const cJSON *obj, const char *name, bool *out)
{
	const cJSON *v = rules_get(obj, name);

	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return rules_rerr(c, name, NULL, "expected true or false");
	*out = cJSON_IsTrue(v);
	return 0;
}

/* ---- freeing ---------------------------------------------------------- */

static void entity_release(struct entity *e)
{
	free(e->base);
	for (size_t i = 0; i < e->ninclude; i++)
		pattern_free(e->include[i]);
	for (size_t i = 0; i < e->nexclude; i++)
		pattern_free(e->exclude[i]);
	free(e->include);
	free(e->exclude);
}

void rules_rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->name);
	free(r->description);
	free(r->origin);
	for (size_t i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	for (size_t i = 0; i < r->nentities; i++)
		entity_release(&r->entities[i]);
	free(r->entities);
	free(r->json);
	free(r->recommend_json);
	free(r);
}

/* ---- rule fields ------------------------------------------------------ */

/* The id if it is valid, so that messages about other fields can name it. */
static const char *peek_id(const cJSON *obj)
{
	const cJSON *v = rules_get(obj, "id");

	return cJSON_IsString(v) && id_ok(v->valuestring) ? v->valuestring : NULL;
}

static int parse_id(const struct ctx *c, const cJSON *obj, struct rule *r)
{
	const char *id;

	if (get_string(c, obj, "id", true, &id) < 0)
		return -1;
	if (!*id)
		return rules_rerr(c, "id", NULL, "expected a non-empty string");
	if (!id_ok(id))
		return rules_rerr(c, "id", id, "only letters, digits, '.', '_' and '-' are allowed");
	r->id = xstrdup(id);
	return 0;
}

static int parse_severity(const struct ctx *c, const cJSON *obj, struct rule *r)
{
	const char *s;

	r->severity = SEV_MEDIUM;
	if (get_string(c, obj, "severity", false, &s) < 0)
		return -1;
	if (!s)
		return 0;
	for (int i = SEV_LOW; i <= SEV_CRITICAL; i++) {
		if (!strcmp(s, severity_names[i])) {
			r->severity = (enum severity)i;
			return 0;
		}
	}
	return rules_rerr(c, "severity", s, "expected low, medium, high or critical");
}

static int parse_tags(const struct ctx *c, const cJSON *obj, struct rule *r)
{
	const cJSON *a = rules_get(obj, "tags"), *s;

	if (!a)
		return 0;
	if (!string_array(a))
		return rules_rerr(c, "tags", NULL, "expected an array of strings");
	r->tags = xcalloc((size_t)cJSON_GetArraySize(a), sizeof(*r->tags));
	cJSON_ArrayForEach(s, a)
		r->tags[r->ntags++] = xstrdup(s->valuestring);
	return 0;
}

static int parse_header(const struct ctx *c, const cJSON *obj, struct rule *r)
{
	const char *name, *desc;

	if (parse_id(c, obj, r) < 0 || get_string(c, obj, "name", true, &name) < 0)
		return -1;
	if (!*name)
		return rules_rerr(c, "name", NULL, "expected a non-empty string");
	if (get_string(c, obj, "description", false, &desc) < 0 ||
	    parse_severity(c, obj, r) < 0 || get_bool(c, obj, "realtime", &r->realtime) < 0 ||
	    parse_tags(c, obj, r) < 0)
		return -1;
	r->name = xstrdup(name);
	r->description = xstrdup(desc ? desc : "");
	return 0;
}

/* ---- entities ----------------------------------------------------------- */

/* Shape only: what can be checked before params are substituted. */
static int check_entities(struct ctx *c, const cJSON *obj, const cJSON **out)
{
	const cJSON *a = rules_get(obj, "entities"), *e;

	*out = a;
	if (!a)
		return rules_rerr(c, "entities", NULL, "missing");
	if (!cJSON_IsArray(a) || !a->child)
		return rules_rerr(c, "entities", NULL, "expected a non-empty array of objects");
	cJSON_ArrayForEach(e, a)
		if (!cJSON_IsObject(e))
			return rules_rerr(c, "entities", NULL, "expected a non-empty array of objects");
	c->ent = 0;
	for (e = a->child; e; e = e->next, c->ent++) {
		if (check_fields(c, e, entity_fields) < 0)
			return -1;
		if (rules_get(e, "growing"))
			return rules_rerr(c, "growing", NULL, "not supported by this version");
	}
	c->ent = -1;
	return 0;
}

static int parse_type(const struct ctx *c, const cJSON *e, struct entity *en)
{
	const char *t;

	if (get_string(c, e, "type", true, &t) < 0)
		return -1;
	if (kind_parse(t, &en->type) < 0)
		return rules_rerr(c, "type", t, "unknown type (expected file, user, group, package, "
			    "port, process, service, module or mount)");
	return 0;
}

/* Absolute, "//" collapsed, no trailing '/', no "." or ".." component. */
static int parse_base(const struct ctx *c, const cJSON *e, struct entity *en)
{
	const char *in, *p;
	struct strbuf sb;

	if (get_string(c, e, "base", en->type == KIND_FILE, &in) < 0)
		return -1;
	if (in && en->type != KIND_FILE)
		return rules_rerr(c, "base", NULL, "not allowed for type \"%s\"", kind_name(en->type));
	if (!in)
		return 0;
	if (in[0] != '/')
		return rules_rerr(c, "base", in, "expected an absolute path");
	if (!rules_path_ok(in))
		return rules_rerr(c, "base", in, "\".\" and \"..\" are not allowed");
	strbuf_init(&sb);
	for (p = in; *p; ) {
		size_t n;

		while (*p == '/')
			p++;
		if (!(n = strcspn(p, "/")))
			break;
		strbuf_addc(&sb, '/');
		strbuf_add(&sb, p, n);
		p += n;
	}
	if (!sb.len)
		strbuf_addc(&sb, '/');
	en->base = strbuf_detach(&sb, NULL);
	return 0;
}

static int parse_patterns(const struct ctx *c, const cJSON *e, const char *field,
			  struct pattern ***out, size_t *n)
{
	const cJSON *a = rules_get(e, field), *s;

	if (!a)
		return 0;
	if (!string_array(a))
		return rules_rerr(c, field, NULL, "expected an array of strings");
	if (!a->child && !strcmp(field, "include"))
		return rules_rerr(c, field, NULL, "expected a non-empty array of strings "
			    "(leave it out to include everything)");
	*out = xcalloc((size_t)cJSON_GetArraySize(a), sizeof(**out));
	cJSON_ArrayForEach(s, a) {
		if (pattern_compile(s->valuestring, &(*out)[*n]) < 0) {
			char *why = xstrdup(error_last());

			rules_rerr(c, field, s->valuestring, "%s", why);
			free(why);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/* One "attributes" item, applied to en->attrs in order. */
static int apply_attr(const struct ctx *c, struct entity *en, const char *item)
{
	bool del = item[0] == '-';
	const char *name = item + del;
	struct attrset std;
	enum attr_id id;

	if (!del && !strcmp(name, "STANDARD")) {
		std = attr_standard(en->type, c->rs->hash);
		attrset_or(&en->attrs, &std);
		return 0;
	}
	if (attr_lookup(name, &id) < 0)
		return rules_rerr(c, "attributes", item, "unknown attribute");
	if (attr_table[id].flags & ATTRF_INTERNAL)
		return rules_rerr(c, "attributes", item, "internal attribute, cannot be selected");
	if (!(attr_table[id].kinds & KINDBIT(en->type)))
		return rules_rerr(c, "attributes", item, "does not apply to type \"%s\"",
			    kind_name(en->type));
	if (del)
		attrset_del(&en->attrs, id);
	else
		attrset_add(&en->attrs, id);
	return 0;
}

static int parse_attrs(const struct ctx *c, const cJSON *e, struct entity *en)
{
	const cJSON *a = rules_get(e, "attributes"), *s;

	en->attrs = attr_standard(en->type, c->rs->hash);
	if (!a)
		return 0;
	if (!string_array(a))
		return rules_rerr(c, "attributes", NULL, "expected an array of strings");
	en->attrs = ATTRSET_EMPTY;
	cJSON_ArrayForEach(s, a)
		if (apply_attr(c, en, s->valuestring) < 0)
			return -1;
	return 0;
}

static int parse_entity(const struct ctx *c, const cJSON *e, struct entity *en)
{
	if (parse_type(c, e, en) < 0 || parse_base(c, e, en) < 0 ||
	    parse_patterns(c, e, "include", &en->include, &en->ninclude) < 0 ||
	    parse_patterns(c, e, "exclude", &en->exclude, &en->nexclude) < 0 ||
	    parse_attrs(c, e, en) < 0 ||
	    get_bool(c, e, "executables_only", &en->executables_only) < 0)
		return -1;
	if (en->executables_only && en->type != KIND_FILE)
		return rules_rerr(c, "executables_only", NULL, "only for type \"file\"");
	return 0;
}

static int parse_entities(struct ctx *c, const cJSON *ents, struct rule *r)
{
	const cJSON *e;

	r->entities = xcalloc((size_t)cJSON_GetArraySize(ents), sizeof(*r->entities));
	c->ent = 0;
	cJSON_ArrayForEach(e, ents) {
		struct entity *en = &r->entities[r->nentities++];

		en->rule = r;
		if (parse_entity(c, e, en) < 0)
			return -1;
		c->ent++;
	}
	c->ent = -1;
	return 0;
}

/* ---- one rule ----------------------------------------------------------- */

/*
 * The rule as it will be stored: obj with its entities replaced by the
 * substituted ones (consumed), re-escaped so that loading it again reads
 * the same strings.
 */
static int set_json(struct ctx *c, cJSON *obj, cJSON *ents, struct rule *r)
{
	struct strbuf sb;
	char *text;

	if (rules_map_strings(c, ents, rules_quote_params) < 0) {
		cJSON_Delete(ents);
		return -1;
	}
	if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, "entities", ents)) {
		cJSON_Delete(ents);
		return rules_rerr(c, NULL, NULL, "out of memory");
	}
	text = cJSON_PrintUnformatted(obj);
	if (!text)
		return rules_rerr(c, NULL, NULL, "out of memory");
	strbuf_init(&sb);
	json_add_json(&sb, text);	/* C1 controls escaped, as in events */
	r->json = strbuf_detach(&sb, NULL);
	cJSON_free(text);
	return 0;
}

int rules_parse_rule(struct ruleset *rs, cJSON *obj, const char *origin, size_t n,
		      struct rule **out)
{
	struct ctx c = { rs, origin, NULL, n, -1, NULL, NULL, NULL, 0 };
	struct rule *r = NULL;
	const cJSON *ents;
	cJSON *vals = NULL;
	int ret = -1;

	*out = NULL;
	if (!cJSON_IsObject(obj))
		return rules_rerr(&c, NULL, NULL, "expected an object");
	c.id = peek_id(obj);
	if (check_fields(&c, obj, rule_fields) < 0)
		return -1;
	r = xcalloc(1, sizeof(*r));
	r->origin = xstrdup(origin);
	if (parse_header(&c, obj, r) < 0 || rules_parse_recommend(&c, obj, r) < 0 ||
	    rules_parse_params(&c, obj) < 0 || check_entities(&c, obj, &ents) < 0)
		goto cleanup;
	vals = cJSON_Duplicate(ents, 1);
	if (!vals) {
		rules_rerr(&c, "entities", NULL, "out of memory");
		goto cleanup;
	}
	if (rules_map_strings(&c, vals, rules_subst_params) < 0)
		goto cleanup;
	if (c.unset) {
		warning("rule %s: skipped: param \"%s\" is not set (set it with --param %s=VALUE)",
			r->id, c.unset, c.unset);
		ret = 0;
		goto cleanup;
	}
	if (parse_entities(&c, vals, r) < 0)
		goto cleanup;
	ret = set_json(&c, obj, vals, r);
	vals = NULL;
	if (!ret) {
		*out = r;
		r = NULL;
	}
cleanup:
	cJSON_Delete(vals);
	rules_rule_free(r);
	free(c.unset);
	free(c.sorted);
	return ret;
}

