/*
 * rules.c - JSON rule files to a validated ruleset (see rules.h and
 * imscan-rules(5)).
 *
 * A text is parsed into a pending list of rules that joins the ruleset
 * only once every rule in it is valid, so a failed load changes nothing.
 * Params are substituted on a copy of the "entities" array before it is
 * read, so every check below sees the final strings and every message
 * quotes them.
 */
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/pattern.h"
#include "imscan/rules.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"

#define RULES_MAX_FILE	(16u << 20)
#define RULES_MAX_DEPTH	16	/* nesting of "any"/"all" in "recommend" */

static const char *const rule_fields[] = {
	"id", "name", "description", "severity", "realtime", "tags", "recommend",
	"params", "entities", NULL
};

static const char *const entity_fields[] = {
	"type", "base", "include", "exclude", "attributes", "executables_only",
	"growing", NULL
};

static const char *const param_fields[] = { "description", "default", NULL };

static const char *const severity_names[] = { "low", "medium", "high", "critical" };

/* Where we are in a text, for messages. */
struct ctx {
	struct ruleset *rs;
	const char *origin;
	const char *id;		/* NULL while not known to be valid */
	size_t n;		/* rule's 1-based position in the text */
	long ent;		/* entity index, -1 outside "entities" */
	const cJSON *params;	/* the rule's "params", or NULL */
	char *unset;		/* first param used without a value */
};

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
static int IMSCAN_PRINTF(1, 2) ferr(const char *fmt, ...)
{
	struct strbuf raw;
	va_list ap;

	strbuf_init(&raw);
	va_start(ap, fmt);
	verr(&raw, fmt, ap);
	va_end(ap);
	return -1;
}

static int IMSCAN_PRINTF(2, 3) oerr(const char *origin, const char *fmt, ...)
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
static int IMSCAN_PRINTF(4, 5) rerr(const struct ctx *c, const char *field, const char *val,
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

static bool in_list(const char *s, const char *const *list)
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
static bool path_ok(const char *p)
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

static const cJSON *get(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/*
 * Unknown and repeated members. Only known names get past the first test,
 * so the scan for repeats stops after a handful of members whatever the
 * size of the object.
 */
static int check_fields(const struct ctx *c, const cJSON *obj, const char *const *known)
{
	for (const cJSON *m = obj->child; m; m = m->next) {
		if (!in_list(m->string, known))
			return rerr(c, m->string, NULL, "unknown field");
		for (const cJSON *o = obj->child; o != m; o = o->next)
			if (!strcmp(o->string, m->string))
				return rerr(c, m->string, NULL, "duplicate field");
	}
	return 0;
}

static int get_string(const struct ctx *c, const cJSON *obj, const char *name, bool required,
		      const char **out)
{
	const cJSON *v = get(obj, name);

	*out = NULL;
	if (!v)
		return required ? rerr(c, name, NULL, "missing") : 0;
	if (!cJSON_IsString(v))
		return rerr(c, name, NULL, "expected a string");
	*out = v->valuestring;
	return 0;
}

static int get_bool(const struct ctx *c, const cJSON *obj, const char *name, bool *out)
{
	const cJSON *v = get(obj, name);

	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return rerr(c, name, NULL, "expected true or false");
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

static void rule_free(struct rule *r)
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
	const cJSON *v = get(obj, "id");

	return cJSON_IsString(v) && id_ok(v->valuestring) ? v->valuestring : NULL;
}

static int parse_id(const struct ctx *c, const cJSON *obj, struct rule *r)
{
	const char *id;

	if (get_string(c, obj, "id", true, &id) < 0)
		return -1;
	if (!*id)
		return rerr(c, "id", NULL, "expected a non-empty string");
	if (!id_ok(id))
		return rerr(c, "id", id, "only letters, digits, '.', '_' and '-' are allowed");
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
	return rerr(c, "severity", s, "expected low, medium, high or critical");
}

static int parse_tags(const struct ctx *c, const cJSON *obj, struct rule *r)
{
	const cJSON *a = get(obj, "tags"), *s;

	if (!a)
		return 0;
	if (!string_array(a))
		return rerr(c, "tags", NULL, "expected an array of strings");
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
		return rerr(c, "name", NULL, "expected a non-empty string");
	if (get_string(c, obj, "description", false, &desc) < 0 ||
	    parse_severity(c, obj, r) < 0 || get_bool(c, obj, "realtime", &r->realtime) < 0 ||
	    parse_tags(c, obj, r) < 0)
		return -1;
	r->name = xstrdup(name);
	r->description = xstrdup(desc ? desc : "");
	return 0;
}

/* ---- recommend ---------------------------------------------------------- */

static int check_cond(const struct ctx *c, const cJSON *cond, int depth)
{
	const cJSON *m = cJSON_IsObject(cond) ? cond->child : NULL, *s;

	if (depth > RULES_MAX_DEPTH)
		return rerr(c, "recommend", NULL, "conditions nested more than %d deep",
			    RULES_MAX_DEPTH);
	if (!m || m->next)
		return rerr(c, "recommend", NULL, "expected {\"any\": [...]}, {\"all\": [...]} "
			    "or {\"path_exists\": \"/path\"}");
	if (!strcmp(m->string, "path_exists")) {
		if (!cJSON_IsString(m) || !path_ok(m->valuestring))
			return rerr(c, "recommend", NULL, "\"path_exists\" expects an absolute path "
				    "without \".\" or \"..\"");
		return 0;
	}
	if (strcmp(m->string, "any") && strcmp(m->string, "all"))
		return rerr(c, "recommend", m->string,
			    "unknown condition (expected \"any\", \"all\" or \"path_exists\")");
	if (!cJSON_IsArray(m) || !m->child)
		return rerr(c, "recommend", NULL, "\"%s\" expects a non-empty array of conditions",
			    m->string);
	cJSON_ArrayForEach(s, m)
		if (check_cond(c, s, depth + 1) < 0)
			return -1;
	return 0;
}

static int parse_recommend(const struct ctx *c, const cJSON *obj, struct rule *r)
{
	const cJSON *rec = get(obj, "recommend");
	char *text;

	if (!rec)
		return 0;
	if (check_cond(c, rec, 0) < 0)
		return -1;
	text = cJSON_PrintUnformatted(rec);
	if (!text)
		return rerr(c, "recommend", NULL, "out of memory");
	r->recommend_json = xstrdup(text);
	cJSON_free(text);
	return 0;
}

static bool path_exists(const char *root, const char *path)
{
	struct strbuf p;
	struct stat st;
	size_t n = root ? strlen(root) : 0;
	bool ok;

	while (n && root[n - 1] == '/')
		n--;
	strbuf_init(&p);
	strbuf_add(&p, root ? root : "", n);
	strbuf_adds(&p, path);
	ok = lstat(p.buf, &st) == 0;
	strbuf_release(&p);
	return ok;
}

/* The condition was checked when loaded; stay safe on anything else. */
static bool cond_holds(const cJSON *cond, const char *root, int depth)
{
	const cJSON *m = cJSON_IsObject(cond) ? cond->child : NULL, *s;
	bool any;

	if (!m || !m->string || depth > RULES_MAX_DEPTH)
		return false;
	if (!strcmp(m->string, "path_exists"))
		return cJSON_IsString(m) && path_ok(m->valuestring) &&
		       path_exists(root, m->valuestring);
	any = !strcmp(m->string, "any");
	cJSON_ArrayForEach(s, m)
		if (cond_holds(s, root, depth + 1) == any)
			return any;
	return !any;
}

void ruleset_recommend(struct ruleset *rs, const char *root)
{
	for (size_t i = 0; i < rs->nrules; i++) {
		struct rule *r = rs->rules[i];
		cJSON *cond;

		if (!r->recommend_json) {
			r->recommended = true;
			continue;
		}
		cond = cJSON_Parse(r->recommend_json);
		r->recommended = cond_holds(cond, root, 0);
		cJSON_Delete(cond);
	}
}

/* ---- params ------------------------------------------------------------- */

static int check_param(const struct ctx *c, const cJSON *m)
{
	const cJSON *desc = get(m, "description"), *def = get(m, "default");

	if (!ruleset_param_name_ok(m->string))
		return rerr(c, "params", m->string,
			    "a param name is letters, digits and '_', not starting with a digit");
	if (!cJSON_IsObject(m))
		return rerr(c, "params", m->string,
			    "expected {\"description\": \"...\", \"default\": \"...\"}");
	for (const cJSON *f = m->child; f; f = f->next)
		if (!in_list(f->string, param_fields))
			return rerr(c, "params", m->string, "unknown field \"%s\"", f->string);
	if (!cJSON_IsString(desc))
		return rerr(c, "params", m->string, "\"description\": %s",
			    desc ? "expected a string" : "missing");
	if (def && !cJSON_IsString(def))
		return rerr(c, "params", m->string, "\"default\": expected a string");
	return 0;
}

static int parse_params(struct ctx *c, const cJSON *obj)
{
	const cJSON *p = get(obj, "params");

	if (!p)
		return 0;
	if (!cJSON_IsObject(p))
		return rerr(c, "params", NULL, "expected an object");
	for (const cJSON *m = p->child; m; m = m->next) {
		if (check_param(c, m) < 0)
			return -1;
		for (const cJSON *o = p->child; o != m; o = o->next)
			if (!strcmp(o->string, m->string))
				return rerr(c, "params", m->string, "declared twice");
	}
	c->params = p;
	return 0;
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
	return 0;
}

/*
 * The value of ${name}: ruleset_set_param(), else the declared default.
 * *val is NULL (and c->unset set) when there is neither.
 */
static int lookup(struct ctx *c, const char *field, const char *in, const char *name,
		  const char **val)
{
	const cJSON *decl = c->params ? get(c->params, name) : NULL;
	const cJSON *def;

	if (!decl)
		return rerr(c, field, in, "param \"%s\" is not declared in \"params\"", name);
	def = get(decl, "default");
	*val = param_value(c->rs, name);
	if (!*val && cJSON_IsString(def))
		*val = def->valuestring;
	if (!*val && !c->unset)
		c->unset = xstrdup(name);
	return 0;
}

/* "${name}" is the param's value, "$${" a literal "${", the rest as is. */
static int subst_params(struct ctx *c, const char *field, const char *in, char **out)
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
			return rerr(c, field, in, "unterminated \"${\"");
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

/* The inverse of subst_params() for a string without params: "${" -> "$${". */
static int quote_params(struct ctx *c, const char *field, const char *in, char **out)
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

typedef int (*map_fn)(struct ctx *c, const char *field, const char *in, char **out);

static int map_one(struct ctx *c, cJSON *item, const char *field, map_fn fn)
{
	char *s, *copy;
	size_t n;

	if (fn(c, field, item->valuestring, &s) < 0)
		return -1;
	n = strlen(s) + 1;
	if (!(copy = cJSON_malloc(n))) {
		free(s);
		return rerr(c, field, NULL, "out of memory");
	}
	memcpy(copy, s, n);
	free(s);
	cJSON_free(item->valuestring);
	item->valuestring = copy;
	return 0;
}

/* Rewrites every string of one entity (members and array elements). */
static int map_entity(struct ctx *c, cJSON *e, map_fn fn)
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

static int map_strings(struct ctx *c, cJSON *ents, map_fn fn)
{
	cJSON *e;

	c->ent = 0;
	for (e = ents->child; e; e = e->next, c->ent++)
		if (map_entity(c, e, fn) < 0)
			return -1;
	c->ent = -1;
	return 0;
}

/* ---- entities ----------------------------------------------------------- */

/* Shape only: what can be checked before params are substituted. */
static int check_entities(struct ctx *c, const cJSON *obj, const cJSON **out)
{
	const cJSON *a = get(obj, "entities"), *e;

	*out = a;
	if (!a)
		return rerr(c, "entities", NULL, "missing");
	if (!cJSON_IsArray(a) || !a->child)
		return rerr(c, "entities", NULL, "expected a non-empty array of objects");
	cJSON_ArrayForEach(e, a)
		if (!cJSON_IsObject(e))
			return rerr(c, "entities", NULL, "expected a non-empty array of objects");
	c->ent = 0;
	for (e = a->child; e; e = e->next, c->ent++) {
		if (check_fields(c, e, entity_fields) < 0)
			return -1;
		if (get(e, "growing"))
			return rerr(c, "growing", NULL, "not supported by this version");
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
		return rerr(c, "type", t, "unknown type (expected file, user, group, package, "
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
		return rerr(c, "base", NULL, "not allowed for type \"%s\"", kind_name(en->type));
	if (!in)
		return 0;
	if (in[0] != '/')
		return rerr(c, "base", in, "expected an absolute path");
	if (!path_ok(in))
		return rerr(c, "base", in, "\".\" and \"..\" are not allowed");
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
	const cJSON *a = get(e, field), *s;

	if (!a)
		return 0;
	if (!string_array(a))
		return rerr(c, field, NULL, "expected an array of strings");
	if (!a->child && !strcmp(field, "include"))
		return rerr(c, field, NULL, "expected a non-empty array of strings "
			    "(leave it out to include everything)");
	*out = xcalloc((size_t)cJSON_GetArraySize(a), sizeof(**out));
	cJSON_ArrayForEach(s, a) {
		if (pattern_compile(s->valuestring, &(*out)[*n]) < 0) {
			char *why = xstrdup(error_last());

			rerr(c, field, s->valuestring, "%s", why);
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
		return rerr(c, "attributes", item, "unknown attribute");
	if (attr_table[id].flags & ATTRF_INTERNAL)
		return rerr(c, "attributes", item, "internal attribute, cannot be selected");
	if (!(attr_table[id].kinds & KINDBIT(en->type)))
		return rerr(c, "attributes", item, "does not apply to type \"%s\"",
			    kind_name(en->type));
	if (del)
		attrset_del(&en->attrs, id);
	else
		attrset_add(&en->attrs, id);
	return 0;
}

static int parse_attrs(const struct ctx *c, const cJSON *e, struct entity *en)
{
	const cJSON *a = get(e, "attributes"), *s;

	en->attrs = attr_standard(en->type, c->rs->hash);
	if (!a)
		return 0;
	if (!string_array(a))
		return rerr(c, "attributes", NULL, "expected an array of strings");
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
		return rerr(c, "executables_only", NULL, "only for type \"file\"");
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
	char *text;

	if (map_strings(c, ents, quote_params) < 0) {
		cJSON_Delete(ents);
		return -1;
	}
	if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, "entities", ents)) {
		cJSON_Delete(ents);
		return rerr(c, NULL, NULL, "out of memory");
	}
	text = cJSON_PrintUnformatted(obj);
	if (!text)
		return rerr(c, NULL, NULL, "out of memory");
	r->json = xstrdup(text);
	cJSON_free(text);
	return 0;
}

/*
 * Parses the n-th rule object of a text into *out; *out is NULL (and 0
 * returned) when it is skipped for an unset param.
 */
static int parse_rule(struct ruleset *rs, cJSON *obj, const char *origin, size_t n,
		      struct rule **out)
{
	struct ctx c = { rs, origin, NULL, n, -1, NULL, NULL };
	struct rule *r = NULL;
	const cJSON *ents;
	cJSON *vals = NULL;
	int ret = -1;

	*out = NULL;
	if (!cJSON_IsObject(obj))
		return rerr(&c, NULL, NULL, "expected an object");
	c.id = peek_id(obj);
	if (check_fields(&c, obj, rule_fields) < 0)
		return -1;
	r = xcalloc(1, sizeof(*r));
	r->origin = xstrdup(origin);
	if (parse_header(&c, obj, r) < 0 || parse_recommend(&c, obj, r) < 0 ||
	    parse_params(&c, obj) < 0 || check_entities(&c, obj, &ents) < 0)
		goto cleanup;
	vals = cJSON_Duplicate(ents, 1);
	if (!vals) {
		rerr(&c, "entities", NULL, "out of memory");
		goto cleanup;
	}
	if (map_strings(&c, vals, subst_params) < 0)
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
	rule_free(r);
	free(c.unset);
	return ret;
}

/* ---- the ruleset -------------------------------------------------------- */

void ruleset_init(struct ruleset *rs, enum attr_id hash)
{
	memset(rs, 0, sizeof(*rs));
	rs->hash = hash;
}

void ruleset_release(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++)
		rule_free(rs->rules[i]);
	free(rs->rules);
	free(rs->ents);
	for (size_t i = 0; i < rs->nparams; i++) {
		free(rs->params[i].name);
		free(rs->params[i].value);
	}
	free(rs->params);
	ruleset_init(rs, rs->hash);
}

/*
 * Room for one more element in an array that only grows by appending:
 * capacity is implied (8, then powers of two), so struct ruleset needs no
 * capacity fields and appends stay amortised O(1).
 */
static void *grow(void *p, size_t n, size_t size)
{
	if (n == 0)
		return xreallocarray(p, 8, size);
	if (n >= 8 && !(n & (n - 1)))
		return xreallocarray(p, 2 * n, size);
	return p;
}

static void add_entities(struct ruleset *rs, struct rule *r)
{
	for (size_t i = 0; i < r->nentities; i++) {
		rs->ents = grow(rs->ents, rs->nents, sizeof(*rs->ents));
		r->entities[i].index = (uint32_t)rs->nents;
		rs->ents[rs->nents++] = &r->entities[i];
	}
}

static void add_rule(struct ruleset *rs, struct rule *r)
{
	rs->rules = grow(rs->rules, rs->nrules, sizeof(*rs->rules));
	rs->rules[rs->nrules++] = r;
	add_entities(rs, r);
}

const struct rule *ruleset_find(const struct ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (!strcmp(rs->rules[i]->id, id))
			return rs->rules[i];
	return NULL;
}

static int check_duplicate(const struct ruleset *rs, struct rule *const *pend, size_t npend,
			   const struct rule *r)
{
	const struct rule *other = ruleset_find(rs, r->id);

	for (size_t i = 0; !other && i < npend; i++)
		if (!strcmp(pend[i]->id, r->id))
			other = pend[i];
	if (!other)
		return 0;
	return oerr(r->origin, "rule %s: duplicate id (first defined in %s)", r->id,
		    other->origin);
}

static size_t line_of(const char *text, const char *at)
{
	size_t line = 1;

	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* cJSON decodes "\u0000" into a NUL that would silently cut a string short. */
static const char *find_nul_escape(const char *t, size_t len)
{
	bool in = false;

	for (size_t i = 0; i < len; i++) {
		if (!in) {
			in = t[i] == '"';
		} else if (t[i] == '"') {
			in = false;
		} else if (t[i] == '\\' && i + 1 < len) {
			if (len - i >= 6 && !memcmp(t + i + 1, "u0000", 5))
				return t + i;
			i++;
		}
	}
	return NULL;
}

static int parse_json(const char *text, size_t len, const char *origin, cJSON **out)
{
	const char *end = NULL, *bad;

	*out = NULL;
	if ((bad = memchr(text, '\0', len)) || (bad = find_nul_escape(text, len)))
		return oerr(origin, "invalid JSON near line %zu: NUL characters are not allowed",
			    line_of(text, bad));
	*out = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (*out && end) {
		/* Trailing garbage is an error too, not something to ignore. */
		while (end < text + len && strchr(" \t\r\n", *end))
			end++;
		if (end < text + len) {
			cJSON_Delete(*out);
			*out = NULL;
		}
	}
	if (!*out)
		return oerr(origin, "invalid JSON near line %zu", line_of(text, end ? end : text));
	return 0;
}

int ruleset_load_json(struct ruleset *rs, const char *text, size_t len, const char *origin)
{
	cJSON *root = NULL, *obj;
	struct rule **pend = NULL, *r;
	size_t npend = 0, n = 0;
	int ret = -1;

	if (parse_json(text, len, origin, &root) < 0)
		return -1;
	if (!cJSON_IsObject(root) && !cJSON_IsArray(root)) {
		oerr(origin, "expected a rule object or an array of rule objects");
		goto cleanup;
	}
	for (obj = cJSON_IsArray(root) ? root->child : root; obj;
	     obj = cJSON_IsArray(root) ? obj->next : NULL) {
		if (parse_rule(rs, obj, origin, ++n, &r) < 0)
			goto cleanup;
		if (r && check_duplicate(rs, pend, npend, r) < 0) {
			rule_free(r);
			goto cleanup;
		}
		if (r) {
			pend = grow(pend, npend, sizeof(*pend));
			pend[npend++] = r;
		}
	}
	for (size_t i = 0; i < npend; i++)
		add_rule(rs, pend[i]);
	npend = 0;
	ret = 0;
cleanup:
	for (size_t i = 0; i < npend; i++)
		rule_free(pend[i]);
	free(pend);
	cJSON_Delete(root);
	return ret;
}

/* Reads a whole regular file of at most RULES_MAX_FILE bytes. Caller frees. */
static int read_file(const char *path, struct strbuf *sb)
{
	struct stat st;
	ssize_t n;
	int fd, ret = -1;

	/* O_NONBLOCK: a FIFO named x.json must not hang us; fstat refuses it. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ferr("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		ferr("cannot stat '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		ferr("'%s': not a regular file", path);
		goto cleanup;
	}
	if (st.st_size > (off_t)RULES_MAX_FILE) {
		ferr("'%s': larger than 16 MiB", path);
		goto cleanup;
	}
	do {
		strbuf_grow(sb, 65536);
		n = read(fd, sb->buf + sb->len, sb->cap - sb->len - 1);
		if (n > 0)
			strbuf_setlen(sb, sb->len + (size_t)n);
	} while ((n > 0 || (n < 0 && errno == EINTR)) && sb->len <= RULES_MAX_FILE);
	if (n < 0) {
		ferr("cannot read '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	if (sb->len > RULES_MAX_FILE) {
		ferr("'%s': larger than 16 MiB", path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	close(fd);
	return ret;
}

static int load_file(struct ruleset *rs, const char *path)
{
	struct strbuf sb;
	int ret;

	strbuf_init(&sb);
	ret = read_file(path, &sb);
	if (!ret)
		ret = ruleset_load_json(rs, sb.buf, sb.len, path);
	strbuf_release(&sb);
	return ret;
}

static bool is_rule_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".json");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rule file names of a directory, sorted. Caller frees. */
static int list_dir(const char *path, char ***names, size_t *n)
{
	DIR *d = opendir(path);
	struct dirent *de;

	*names = NULL;
	*n = 0;
	if (!d)
		return ferr("cannot open '%s': %s", path, strerror(errno));
	errno = 0;
	while ((de = readdir(d))) {
		if (!is_rule_file(de->d_name))
			continue;
		*names = grow(*names, *n, sizeof(**names));
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	if (errno) {
		ferr("cannot read '%s': %s", path, strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_names);
	return 0;
}

static int load_dir(struct ruleset *rs, const char *path)
{
	struct strbuf file;
	char **names;
	size_t n, plen = strlen(path);
	int ret = 0;

	if (list_dir(path, &names, &n) < 0)
		ret = -1;
	else if (!n)
		ret = ferr("'%s': no rule files (*.json) in directory", path);
	while (plen > 1 && path[plen - 1] == '/')
		plen--;
	strbuf_init(&file);
	for (size_t i = 0; i < n && !ret; i++) {
		strbuf_reset(&file);
		strbuf_add(&file, path, plen);
		if (path[plen - 1] != '/')
			strbuf_addc(&file, '/');
		strbuf_adds(&file, names[i]);
		ret = load_file(rs, file.buf);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	strbuf_release(&file);
	return ret;
}

int ruleset_load_path(struct ruleset *rs, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return ferr("cannot open '%s': %s", path, strerror(errno));
	return S_ISDIR(st.st_mode) ? load_dir(rs, path) : load_file(rs, path);
}

void ruleset_keep_recommended(struct ruleset *rs)
{
	size_t k = 0;

	for (size_t i = 0; i < rs->nrules; i++) {
		if (rs->rules[i]->recommended)
			rs->rules[k++] = rs->rules[i];
		else
			rule_free(rs->rules[i]);
	}
	rs->nrules = k;
	/* Indexes are positions in ents: rebuild it from scratch. */
	free(rs->ents);
	rs->ents = NULL;
	rs->nents = 0;
	for (size_t i = 0; i < rs->nrules; i++)
		add_entities(rs, rs->rules[i]);
}

char *ruleset_to_json(const struct ruleset *rs)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addc(&sb, '[');
	for (size_t i = 0; i < rs->nrules; i++) {
		if (i)
			strbuf_addc(&sb, ',');
		strbuf_adds(&sb, rs->rules[i]->json);
	}
	strbuf_addc(&sb, ']');
	return strbuf_detach(&sb, NULL);
}

struct attrset ruleset_attrs(const struct ruleset *rs, enum kind k)
{
	struct attrset s = ATTRSET_EMPTY;

	for (size_t i = 0; i < rs->nents; i++)
		if (rs->ents[i]->type == k)
			attrset_or(&s, &rs->ents[i]->attrs);
	return s;
}

int entity_match(const struct entity *e, const char *rel, size_t len, bool is_dir)
{
	bool included = !e->ninclude;

	if (!len)
		return RULES_SELECT | RULES_DESCEND;
	for (size_t i = 0; i < e->nexclude; i++)
		if (pattern_match(e->exclude[i], rel, len, is_dir))
			return 0;
	for (size_t i = 0; !included && i < e->ninclude; i++)
		included = pattern_match(e->include[i], rel, len, is_dir);
	if (included)
		return RULES_SELECT | (is_dir ? RULES_DESCEND : 0);
	if (!is_dir)
		return 0;
	for (size_t i = 0; i < e->ninclude; i++)
		if (pattern_may_match_below(e->include[i], rel, len))
			return RULES_DESCEND;
	return 0;
}
