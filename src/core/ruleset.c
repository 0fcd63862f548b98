/*
 * ruleset.c - the set of rules: rule files and directories, the
 * all-or-nothing load of a text, ids, the embedded JSON, entity matching.
 *
 * A text is parsed into a pending list of rules that joins the ruleset
 * only once every rule in it is valid, so a failed load changes nothing.
 */
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/pattern.h"
#include "imscan/rules.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"
#include "rules_impl.h"

void ruleset_init(struct ruleset *rs, enum attr_id hash)
{
	memset(rs, 0, sizeof(*rs));
	rs->hash = hash;
}

/*
 * Rules by id, open addressing with linear probing, at most half full: a
 * load of n rules costs O(n) id comparisons where a scan of every earlier
 * rule cost O(n^2) (80,000 rules took 88 s).
 */
struct rule_index {
	const struct rule **slots;
	size_t cap;		/* a power of two, or 0 */
	size_t used;
	size_t probes;		/* ruleset_id_probes() */
};

static size_t id_hash(const char *s)
{
	size_t h = 14695981039346656037u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The slot holding id, or the empty one where it would go. */
static size_t index_slot(struct rule_index *ix, const char *id)
{
	size_t i = id_hash(id) & (ix->cap - 1);

	while (ix->slots[i]) {
		ix->probes++;
		if (!strcmp(ix->slots[i]->id, id))
			break;
		i = (i + 1) & (ix->cap - 1);
	}
	return i;
}

static void index_put(struct rule_index *ix, const struct rule *r);

static void index_grow(struct rule_index *ix)
{
	const struct rule **old = ix->slots;
	size_t n = ix->cap;

	ix->cap = n ? 2 * n : 64;
	ix->slots = xcalloc(ix->cap, sizeof(*ix->slots));
	ix->used = 0;
	for (size_t i = 0; i < n; i++)
		if (old[i])
			index_put(ix, old[i]);
	free(old);
}

static void index_put(struct rule_index *ix, const struct rule *r)
{
	size_t i;

	if (2 * (ix->used + 1) > ix->cap)
		index_grow(ix);
	i = index_slot(ix, r->id);
	if (!ix->slots[i])
		ix->used++;
	ix->slots[i] = r;
}

/* Only the rules of rs: what a failed load or a filter leaves. */
static void index_rebuild(struct ruleset *rs)
{
	struct rule_index *ix = rs->index;

	memset(ix->slots, 0, ix->cap * sizeof(*ix->slots));
	ix->used = 0;
	for (size_t i = 0; i < rs->nrules; i++)
		index_put(ix, rs->rules[i]);
}

size_t ruleset_id_probes(const struct ruleset *rs)
{
	return rs->index ? rs->index->probes : 0;
}

void ruleset_release(struct ruleset *rs)
{
	if (rs->index)
		free(rs->index->slots);
	free(rs->index);
	for (size_t i = 0; i < rs->nrules; i++)
		rules_rule_free(rs->rules[i]);
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
	struct rule_index *ix = rs->index;

	return ix && ix->cap ? ix->slots[index_slot(ix, id)] : NULL;
}

/* Indexes r, pending in a load, unless its id is taken. */
static int check_duplicate(struct ruleset *rs, const struct rule *r)
{
	const struct rule *other;

	if (!rs->index)
		rs->index = xcalloc(1, sizeof(*rs->index));
	other = ruleset_find(rs, r->id);
	if (other)
		return rules_oerr(r->origin, "rule %s: duplicate id (first defined in %s)", r->id,
				  other->origin);
	index_put(rs->index, r);
	return 0;
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
		return rules_oerr(origin, "invalid JSON near line %zu: NUL characters are not allowed",
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
		return rules_oerr(origin, "invalid JSON near line %zu", line_of(text, end ? end : text));
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
		rules_oerr(origin, "expected a rule object or an array of rule objects");
		goto cleanup;
	}
	for (obj = cJSON_IsArray(root) ? root->child : root; obj;
	     obj = cJSON_IsArray(root) ? obj->next : NULL) {
		if (rules_parse_rule(rs, obj, origin, ++n, &r) < 0)
			goto cleanup;
		if (r && check_duplicate(rs, r) < 0) {
			rules_rule_free(r);
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
	if (npend)	/* the pending rules leave the index with the load */
		index_rebuild(rs);
	for (size_t i = 0; i < npend; i++)
		rules_rule_free(pend[i]);
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
		return rules_ferr("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rules_ferr("cannot stat '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		rules_ferr("'%s': not a regular file", path);
		goto cleanup;
	}
	if (st.st_size > (off_t)RULES_MAX_FILE) {
		rules_ferr("'%s': larger than 16 MiB", path);
		goto cleanup;
	}
	do {
		strbuf_grow(sb, 65536);
		n = read(fd, sb->buf + sb->len, sb->cap - sb->len - 1);
		if (n > 0)
			strbuf_setlen(sb, sb->len + (size_t)n);
	} while ((n > 0 || (n < 0 && errno == EINTR)) && sb->len <= RULES_MAX_FILE);
	if (n < 0) {
		rules_ferr("cannot read '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	if (sb->len > RULES_MAX_FILE) {
		rules_ferr("'%s': larger than 16 MiB", path);
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

int ruleset_list_dir(const char *path, char ***names, size_t *n)
{
	DIR *d = opendir(path);
	struct dirent *de;

	*names = NULL;
	*n = 0;
	if (!d)
		return rules_ferr("cannot open '%s': %s", path, strerror(errno));
	errno = 0;
	while ((de = readdir(d))) {
		if (!is_rule_file(de->d_name))
			continue;
		*names = grow(*names, *n, sizeof(**names));
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	if (errno) {
		rules_ferr("cannot read '%s': %s", path, strerror(errno));
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

	if (ruleset_list_dir(path, &names, &n) < 0)
		ret = -1;
	else if (!n)
		ret = rules_ferr("'%s': no rule files (*.json) in directory", path);
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
		return rules_ferr("cannot open '%s': %s", path, strerror(errno));
	return S_ISDIR(st.st_mode) ? load_dir(rs, path) : load_file(rs, path);
}

void ruleset_keep_recommended(struct ruleset *rs)
{
	size_t k = 0;

	for (size_t i = 0; i < rs->nrules; i++) {
		if (rs->rules[i]->recommended)
			rs->rules[k++] = rs->rules[i];
		else
			rules_rule_free(rs->rules[i]);
	}
	rs->nrules = k;
	if (rs->index)
		index_rebuild(rs);
	/* Indexes are positions in ents: rebuild it from scratch. */
	free(rs->ents);
	rs->ents = NULL;
	rs->nents = 0;
	for (size_t i = 0; i < rs->nrules; i++)
		add_entities(rs, rs->rules[i]);
}

const char *ruleset_undeclared_param(const struct ruleset *rs)
{
	for (size_t i = 0; i < rs->nparams; i++)
		if (!rs->params[i].declared)
			return rs->params[i].name;
	return NULL;
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

