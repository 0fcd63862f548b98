/*
 * header.c - the baseline's JSON header, out (from a struct baseline_spec)
 * and in (into a struct baseline_header), as imscan-baseline(5) HEADER
 * describes it. The reader is as strict as the binary part: every known
 * field present with its type, none twice, nothing unknown but "x-".
 */
#include <cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/imdb.h"
#include "imscan/xalloc.h"

#ifndef IMSCAN_VERSION
#define IMSCAN_VERSION "0.1.0"
#endif

static const char *const header_fields[] = {
	"format", "created", "host", "root", "hash", "tool", "rules", "origin",
};

/* The only spelling of "created": UTC, nanoseconds, a four-digit year. */
static const char created_shape[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";

void baseline_header_release(struct baseline_header *h)
{
	free(h->host);
	free(h->root);
	free(h->tool);
	free(h->rules_json);
	baseline_origin_release(&h->origin);
	memset(h, 0, sizeof(*h));
}

/* "2026-11-25T19:20:00.123456789Z" into buf (at least 64 bytes). */

static int has_created_shape(const char *s, size_t len)
{
	if (len != sizeof(created_shape) - 1)
		return 0;
	for (size_t i = 0; created_shape[i]; i++)
		if (created_shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != created_shape[i])
			return 0;
	return 1;
}

/* ns as created_shape into sb (reset first), or -1 if out of its range. */
static int format_created(struct strbuf *sb, int64_t ns)
{
	strbuf_reset(sb);
	attr_format_time_prec(sb, ns, 9);
	return has_created_shape(sb->buf, sb->len) ? 0 : -1;
}

static int parse_digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = 10 * v + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * Parses exactly what format_created() prints. The result is formatted
 * again and compared, which refuses Feb 30, leap seconds and any other
 * spelling of the same instant.
 */
static int parse_created(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	int year = 0, mon = 0, day = 0, frac = 0, ok;
	struct strbuf again;
	time_t t;
	int64_t ns;

	if (!has_created_shape(s, strlen(s)))
		return -1;
	parse_digits(s, 4, &year);
	parse_digits(s + 5, 2, &mon);
	parse_digits(s + 8, 2, &day);
	parse_digits(s + 11, 2, &tm.tm_hour);
	parse_digits(s + 14, 2, &tm.tm_min);
	parse_digits(s + 17, 2, &tm.tm_sec);
	parse_digits(s + 20, 9, &frac);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	t = timegm(&tm);
	if (__builtin_mul_overflow((int64_t)t, (int64_t)1000000000, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)frac, &ns))
		return -1;
	strbuf_init(&again);
	ok = format_created(&again, ns) == 0 && !strcmp(again.buf, s);
	strbuf_release(&again);
	if (!ok)
		return -1;
	*out = ns;
	return 0;
}

/*
 * The entities of the embedded rules, counted as ruleset_load_json
 * numbers them (every rule's "entities" in order): the bound of every
 * record's entity indexes.
 */
static uint32_t count_entities(const cJSON *rules)
{
	uint64_t n = 0;
	const cJSON *r;

	cJSON_ArrayForEach(r, rules) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "entities");

		if (cJSON_IsArray(e))
			n += (uint64_t)cJSON_GetArraySize(e);
	}
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* cJSON writes C1 controls raw; the header escapes them as events do. */
static char *escaped(char *text)
{
	struct strbuf sb;

	if (!text)
		return NULL;
	strbuf_init(&sb);
	json_add_json(&sb, text);
	cJSON_free(text);
	return strbuf_detach(&sb, NULL);
}

char *imdb_header_json(const char *path, const struct baseline_spec *h, uint32_t *nents)
{
	cJSON *o = NULL, *rules = NULL;
	struct strbuf when;
	char *text = NULL;
	const char *rj = h->rules_json ? h->rules_json : "[]";

	strbuf_init(&when);

	if (!((unsigned)h->hash < ATTR__COUNT && attr_is_hash(h->hash))) {
		error("'%s': cannot write: hash %d is not a content hash", path, (int)h->hash);
		goto cleanup;
	}
	if (format_created(&when, h->created) < 0) {
		error("'%s': cannot write: creation time %" PRId64 " out of range",
		      path, h->created);
		goto cleanup;
	}
	rules = cJSON_ParseWithOpts(rj, NULL, 1);
	if (!cJSON_IsArray(rules)) {
		error("'%s': cannot write: the rules are not a JSON array", path);
		goto cleanup;
	}
	*nents = count_entities(rules);
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddNumberToObject(o, "format", BASELINE_VERSION) ||
	    !cJSON_AddStringToObject(o, "created", when.buf) ||
	    !cJSON_AddStringToObject(o, "host", h->host ? h->host : "") ||
	    !cJSON_AddStringToObject(o, "root", h->root ? h->root : "") ||
	    !cJSON_AddStringToObject(o, "hash", attr_name(h->hash)) ||
	    !cJSON_AddStringToObject(o, "tool", h->tool ? h->tool : "imscan " IMSCAN_VERSION) ||
	    !cJSON_AddItemToObject(o, "rules", rules)) {
		error("'%s': cannot write: out of memory", path);
		goto cleanup;
	}
	rules = NULL;	/* owned by o now */
	if (h->origin && !cJSON_AddItemToObject(o, "origin", imdb_origin_json(h->origin))) {
		error("'%s': cannot write: out of memory", path);
		goto cleanup;
	}
	text = escaped(cJSON_PrintUnformatted(o));
	if (!text)
		error("'%s': cannot write: out of memory", path);
	else if (strlen(text) > BASELINE_MAX_HEADER) {
		error("'%s': cannot write: header of %zu bytes exceeds the limit of %u",
		      path, strlen(text), BASELINE_MAX_HEADER);
		free(text);
		text = NULL;
	}
cleanup:
	strbuf_release(&when);
	cJSON_Delete(rules);
	cJSON_Delete(o);
	return text;
}

static int header_field_error(const char *path, const char *field, const char *what)
{
	return error("'%s': bad header: field \"%s\": %s", path, field, what);
}

static int get_string(const char *path, const cJSON *o, const char *field, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);

	if (!v)
		return header_field_error(path, field, "missing");
	if (!cJSON_IsString(v))
		return header_field_error(path, field, "not a string");
	*out = xstrdup(v->valuestring);
	return 0;
}

struct member {
	const char *name;
	size_t idx;
};

static int member_cmp(const void *a, const void *b, void *ctx)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	++*(size_t *)ctx;
	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * Sorting makes this O(n log n): comparing each member with every one
 * before it took 43 s for a 160,000-member header.
 */
size_t imdb_first_duplicate(const char *const *names, size_t n, size_t *compares)
{
	struct member *m = xreallocarray(NULL, n ? n : 1, sizeof(*m));
	size_t first = n;

	*compares = 0;
	for (size_t i = 0; i < n; i++)
		m[i] = (struct member){ names[i], i };
	qsort_r(m, n, sizeof(*m), member_cmp, compares);
	for (size_t i = 1; i < n; i++)
		if (m[i].idx < first && !strcmp(m[i].name, m[i - 1].name))
			first = m[i].idx;
	free(m);
	return first;
}

/*
 * No member twice; none unknown but "x-" ones, which are reserved for
 * extensions that older readers may ignore. Of several problems, the
 * first member that has one is named.
 */
static int check_members(const char *path, const cJSON *o)
{
	size_t n = sizeof(header_fields) / sizeof(header_fields[0]), count = 0, i = 0, dup;
	const char **names;
	const cJSON *v;

	for (v = o->child; v; v = v->next)
		count++;
	names = xreallocarray(NULL, count ? count : 1, sizeof(*names));
	for (v = o->child; v; v = v->next)
		names[i++] = v->string;
	dup = imdb_first_duplicate(names, count, &i);
	free(names);
	for (i = 0, v = o->child; v && i < dup; i++, v = v->next) {
		size_t k = 0;

		while (k < n && strcmp(v->string, header_fields[k]))
			k++;
		if (k == n && strncmp(v->string, "x-", 2))
			return header_field_error(path, v->string, "unknown field");
	}
	return v ? header_field_error(path, v->string, "duplicate field") : 0;
}

static int get_format(const char *path, const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "format");

	if (!v)
		return header_field_error(path, "format", "missing");
	if (!cJSON_IsNumber(v) || v->valuedouble != BASELINE_VERSION)
		return error("'%s': bad header: field \"format\": not %d", path, BASELINE_VERSION);
	return 0;
}

static int get_created(const char *path, const cJSON *o, int64_t *out)
{
	char *created = NULL;
	int ret = get_string(path, o, "created", &created);

	if (!ret && parse_created(created, out) < 0)
		ret = header_field_error(path, "created",
					 "not a UTC time like 2026-11-25T19:20:00.123456789Z");
	free(created);
	return ret;
}

static int check_hash(const char *path, const char *hash, enum attr_id *out)
{
	if (attr_lookup(hash, out) < 0 || !attr_is_hash(*out))
		return error("'%s': bad header: field \"hash\": unknown hash \"%s\"", path, hash);
	return 0;
}

static int get_rules(const char *path, const cJSON *o, char **out, uint32_t *nents)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "rules");

	if (!v)
		return header_field_error(path, "rules", "missing");
	if (!cJSON_IsArray(v))
		return header_field_error(path, "rules", "not an array");
	*out = cJSON_PrintUnformatted(v);
	*nents = count_entities(v);
	if (!*out)
		return error("'%s': out of memory", path);
	return 0;
}

/*
 * Strict, like the binary part: every known field present with its type,
 * checked in the order of header_fields.
 */
int imdb_header_parse(const char *path, const unsigned char *p, size_t len,
		      struct baseline_header *h)
{
	cJSON *o;
	const cJSON *v;
	const char *end = NULL;
	char *hash = NULL;
	int ret = -1;

	if (!len || p[0] != '{')
		return error("'%s': bad header: not a JSON object", path);
	o = cJSON_ParseWithLengthOpts((const char *)p, len, &end, 0);
	if (!o || end != (const char *)p + len || !cJSON_IsObject(o)) {
		error("'%s': bad header: not a JSON object", path);
		goto cleanup;
	}
	if (check_members(path, o) < 0 || get_format(path, o) < 0 ||
	    get_created(path, o, &h->created) < 0 ||
	    get_string(path, o, "host", &h->host) < 0 ||
	    get_string(path, o, "root", &h->root) < 0 ||
	    get_string(path, o, "hash", &hash) < 0 ||
	    get_string(path, o, "tool", &h->tool) < 0 ||
	    check_hash(path, hash, &h->hash) < 0 ||
	    get_rules(path, o, &h->rules_json, &h->nentities) < 0)
		goto cleanup;
	/* Optional: baselines older than it have none. */
	v = cJSON_GetObjectItemCaseSensitive(o, "origin");
	if (v && imdb_origin_parse(path, v, &h->origin) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free(hash);
	cJSON_Delete(o);
	return ret;
}
