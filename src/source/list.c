/*
 * list.c - the sorted record list, key selection and file reading that
 * every non-file source shares (source_list.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/digest.h"
#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/select.h"
#include "imscan/strbuf.h"
#include "imscan/source_list.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"

void source_list_init(struct source_list *l, enum kind k, const struct source_opts *o)
{
	memset(l, 0, sizeof(*l));
	l->kind = k;
	l->rules = o ? o->rules : NULL;
	l->max_key = o ? o->max_key : 0;
	if (l->rules)
		l->want = ruleset_attrs(l->rules, k);
	else
		l->want = attr_standard(k, ATTR_SHA256);
}

void source_list_release(struct source_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		record_release(l->recs[i]);
		free(l->recs[i]);
	}
	free(l->recs);
	memset(l, 0, sizeof(*l));
}

/* Whether entity e selects key, as select_match does for a path below a
 * base: a key starting with '/' is the path, "/" the base itself (which
 * an include pattern other than "." does not select). */
static bool entity_selects(const struct entity *e, const char *key, size_t len)
{
	if (len && key[0] == '/') {
		key++;
		len--;
	}
	return select_match(e, key, len, false) & RULES_SELECT;
}

bool source_list_selects(const struct source_list *l, const char *key, size_t len)
{
	if (!l->rules)
		return true;
	for (size_t i = 0; i < l->rules->nents; i++) {
		const struct entity *e = l->rules->ents[i];

		if (e->type == l->kind && entity_selects(e, key, len))
			return true;
	}
	return false;
}

struct record *source_list_add(struct source_list *l, const char *key, size_t len,
			       const char *where)
{
	struct record *r;

	if (!len) {
		warning("%s: empty %s name", where, kind_name(l->kind));
		return NULL;
	}
	if (l->max_key && len > l->max_key) {
		warning("%s: %s name of %zu bytes is too long (at most %zu)", where,
			kind_name(l->kind), len, l->max_key);
		return NULL;
	}
	if (!source_list_selects(l, key, len))
		return NULL;
	r = xmalloc(sizeof(*r));
	record_init(r);
	record_set_key(r, l->kind, key, len);
	for (size_t i = 0; l->rules && i < l->rules->nents; i++) {
		const struct entity *e = l->rules->ents[i];

		if (e->type == l->kind && entity_selects(e, key, len))
			record_add_entity(r, e->index);
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->recs = xreallocarray(l->recs, l->cap, sizeof(*l->recs));
	}
	l->recs[l->n++] = r;
	return r;
}

/* qsort is not stable: the read order breaks ties so the first stays. */
struct ordered {
	struct record *r;
	size_t seq;
};

static int ordered_cmp(const void *pa, const void *pb)
{
	const struct ordered *a = pa, *b = pb;
	int c = record_cmp(a->r, b->r);

	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Parsers fill what is cheap to fill; records keep what was asked for. */
static void keep_wanted(struct source_list *l)
{
	struct attrset keep = l->want;

	if (!l->rules)
		return;
	attrset_add(&keep, ATTR_ERROR);
	for (size_t i = 0; i < l->n; i++)
		attrset_and(&l->recs[i]->present, &keep);
}

void source_list_sort(struct source_list *l)
{
	struct ordered *o;
	size_t n = 0;

	keep_wanted(l);
	if (l->n < 2)
		return;
	o = xreallocarray(NULL, l->n, sizeof(*o));
	for (size_t i = 0; i < l->n; i++)
		o[i] = (struct ordered){ l->recs[i], i };
	qsort(o, l->n, sizeof(*o), ordered_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (n && !record_cmp(l->recs[n - 1], o[i].r)) {
			if (l->merge)
				l->merge(l->recs[n - 1], o[i].r);
			else
				warning("%s \"%s\" is listed more than once: the first entry counts",
					kind_name(l->kind), record_key(o[i].r));
			record_release(o[i].r);
			free(o[i].r);
			continue;
		}
		l->recs[n++] = o[i].r;
	}
	l->n = n;
	free(o);
}

struct record *source_list_find(const struct source_list *l, const char *key, size_t len)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct record *r = l->recs[mid];
		int c = key_cmp(record_key(r), r->keylen, key, len);

		if (!c)
			return l->recs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct source_list *source_list_new(enum kind k, const struct source_opts *o)
{
	struct source_list *l = xmalloc(sizeof(*l));

	source_list_init(l, k, o);
	return l;
}

int source_list_next(void *state, const struct record **out)
{
	struct source_list *l = state;

	if (l->pos >= l->n)
		return 0;
	*out = l->recs[l->pos++];
	return 1;
}

void source_list_stats(void *state, struct source_stats *acc)
{
	struct source_list *l = state;

	acc->entries += l->pos;
	for (size_t i = 0; i < l->pos; i++)
		acc->errors += record_has(l->recs[i], ATTR_ERROR);
}

void source_list_close(void *state)
{
	if (!state)
		return;
	source_list_release(state);
	free(state);
}

/* Reads fd to the end, at most SOURCE_MAX_FILE bytes. */
static int read_fd(int fd, const char *path, size_t hint, char **buf, size_t *len)
{
	size_t cap = hint >= 4096 && hint < SOURCE_MAX_FILE ? hint + 1 : 4096, n = 0;
	char *b = xmalloc(cap + 1);

	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= SOURCE_MAX_FILE) {
				free(b);
				return error("cannot read '%s': larger than %u MiB", path,
					     SOURCE_MAX_FILE >> 20);
			}
			cap *= 2;
			b = xrealloc(b, cap + 1);
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(b);
			return error("cannot read '%s': %s", path, strerror(e));
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Unkeyed digests are SHA-256, which CPUs with SHA extensions hash about
 * twice as fast as BLAKE2b; keyed ones (secrets) BLAKE2b. */
static const struct attrset sha256_only = {
	{ [ATTR_SHA256 / 64] = (uint64_t)1 << (ATTR_SHA256 % 64) }
};

/* path opened inside root for reading, as source_read_file says: the
 * descriptor, -2 when it does not exist, -1 with a message. */
static int open_in_root(const char *root, const char *path)
{
	int rootfd, fd;
	struct stat st;

	if (root && strcmp(root, "/")) {
		rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return error("cannot open root '%s': %s", root, strerror(errno));
		fd = walk_open_in_root(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
		close(rootfd);
	} else {
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return -2;
		return error("cannot open '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error("cannot read '%s': not a regular file", path);
	}
	return fd;
}

int source_read_file(const char *root, const char *path, char **buf, size_t *len)
{
	int fd = open_in_root(root, path), ret;
	struct stat st;

	if (fd < 0)
		return fd == -2 ? 1 : -1;
	ret = fstat(fd, &st) < 0 ? error("cannot read '%s': %s", path, strerror(errno))
				 : read_fd(fd, path, (size_t)st.st_size, buf, len);
	close(fd);
	return ret;
}

int source_digest_file(const char *root, const char *path, unsigned char out[SOURCE_DIGEST_LEN])
{
	struct digest_ctx *d;
	unsigned char buf[65536], full[DIGEST_MAX];
	int fd = open_in_root(root, path);
	ssize_t n;

	if (fd < 0)
		return fd == -2 ? 1 : -1;
	d = digest_new(&sha256_only);
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			digest_update(d, buf, (size_t)n);
	close(fd);
	if (n < 0) {
		digest_free(d);
		return error("cannot read '%s': %s", path, strerror(errno));
	}
	digest_final(d, ATTR_SHA256, full);
	digest_free(d);
	memcpy(out, full, SOURCE_DIGEST_LEN);
	return 0;
}

bool source_lines_next(struct source_lines *ln, const char *file, const char **s, size_t *len)
{
	while (ln->p < ln->end) {
		const char *nl = memchr(ln->p, '\n', (size_t)(ln->end - ln->p));
		const char *e = nl ? nl : ln->end;

		ln->lineno++;
		*s = ln->p;
		*len = (size_t)(e - ln->p);
		ln->p = nl ? nl + 1 : ln->end;
		if (*len <= SOURCE_MAX_LINE)
			return true;
		warning("%s:%zu: line of %zu bytes is too long: skipped", file, ln->lineno, *len);
	}
	return false;
}

size_t source_split(const char *s, size_t len, char sep, struct span *out, size_t max)
{
	size_t n = 0;
	const char *end = s + len;

	for (;;) {
		const char *e = memchr(s, sep, (size_t)(end - s));

		if (!e)
			e = end;
		if (n < max)
			out[n] = (struct span){ s, (size_t)(e - s) };
		n++;
		if (e == end)
			return n;
		s = e + 1;
	}
}

size_t source_split_ws(const char *s, size_t len, struct span *out, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t start;

		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (n < max)
			out[n] = (struct span){ s + start, i - start };
		n++;
	}
	return n;
}

int source_parse_u64(struct span f, int64_t *out)
{
	int64_t v = 0;

	if (!f.len || f.len > 18)
		return -1;
	for (size_t i = 0; i < f.len; i++) {
		if (f.p[i] < '0' || f.p[i] > '9')
			return -1;
		v = v * 10 + (f.p[i] - '0');
	}
	*out = v;
	return 0;
}

void source_check_text(const char *where, const char *field, const char *p, size_t n)
{
	bool bad = !utf8_valid(p, n);

	for (size_t i = 0; !bad && i < n; i++)
		bad = (unsigned char)p[i] < 0x20 || p[i] == 0x7f;
	if (bad)
		warning("%s: %s has control characters or invalid UTF-8", where, field);
}

void source_digest(const void *p, size_t n, const unsigned char *key,
		   unsigned char out[SOURCE_DIGEST_LEN])
{
	struct digest_ctx *d;
	unsigned char full[DIGEST_MAX];

	if (key) {
		crypto_generichash(out, SOURCE_DIGEST_LEN, p, n, key, 32);
		return;
	}
	d = digest_new(&sha256_only);
	digest_update(d, p, n);
	digest_final(d, ATTR_SHA256, full);
	digest_free(d);
	memcpy(out, full, SOURCE_DIGEST_LEN);
}

int source_hash_file(const struct source_list *l, struct record *r, const char *path)
{
	static const enum attr_id ids[] = { ATTR_SHA256, ATTR_SHA512, ATTR_BLAKE2B, ATTR_XXH128 };
	struct attrset want = ATTRSET_EMPTY;
	unsigned char buf[65536], out[DIGEST_MAX];
	struct digest_ctx *d;
	ssize_t n;
	int fd;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (source_list_wants(l, ids[i]))
			attrset_add(&want, ids[i]);
	if (attrset_empty(&want))
		return 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return error("cannot open '%s': %s", path, strerror(errno));
	d = digest_new(&want);
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			digest_update(d, buf, (size_t)n);
	if (n < 0) {
		int e = errno;

		digest_free(d);
		close(fd);
		return error("cannot read '%s': %s", path, strerror(e));
	}
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (!attrset_has(&want, ids[i]))
			continue;
		digest_final(d, ids[i], out);
		record_set_bytes(r, ids[i], out, digest_len(ids[i]));
	}
	digest_free(d);
	close(fd);
	return 0;
}

static int span_cmp(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	int c = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

void source_set_sorted_list(struct record *r, enum attr_id a, const char *p, size_t n)
{
	source_set_sorted_items(r, a, p, n, ',');
}

void source_set_sorted_items(struct record *r, enum attr_id a, const char *p, size_t n, char sep)
{
	size_t cnt = source_split(p, n, sep, NULL, 0), m;
	struct span *it = xreallocarray(NULL, cnt, sizeof(*it));
	struct strbuf sb;

	m = source_split(p, n, sep, it, cnt);
	qsort(it, m, sizeof(*it), span_cmp);
	strbuf_init(&sb);
	for (size_t i = 0; i < m; i++) {
		if (!it[i].len || (i && !span_cmp(&it[i - 1], &it[i])))
			continue;
		if (sb.len)
			strbuf_addc(&sb, sep);
		strbuf_add(&sb, it[i].p, it[i].len);
	}
	record_set_bytes(r, a, sb.buf, sb.len);
	strbuf_release(&sb);
	free(it);
}

void source_append_item(struct record *r, enum attr_id a, const char *p, size_t n)
{
	struct strbuf sb;

	strbuf_init(&sb);
	if (record_has(r, a)) {
		size_t len;
		const unsigned char *old = record_bytes(r, a, &len);

		strbuf_add(&sb, old, len);
		strbuf_addc(&sb, ',');
	}
	strbuf_add(&sb, p, n);
	record_set_bytes(r, a, sb.buf, sb.len);
	strbuf_release(&sb);
}

int source_read_opt(const char *root, const char *path, char **buf, size_t *len)
{
	int r = source_read_file(root, path, buf, len);

	if (r == 1) {
		*buf = NULL;
		*len = 0;
		return 0;
	}
	return r;
}

void source_fields_init(struct source_fields *sf, const char *file, const char *buf, size_t len,
			char sep, size_t min, size_t max)
{
	memset(sf, 0, sizeof(*sf));
	source_lines_init(&sf->ln, buf, len);
	sf->file = file;
	sf->sep = sep;
	sf->min = min;
	sf->max = max;	/* SIZE_MAX: no upper bound (f holds the first ones) */
}

bool source_fields_next(struct source_fields *sf)
{
	const char *s;
	size_t n;

	while (source_lines_next(&sf->ln, sf->file, &s, &n)) {
		if (!n)
			continue;
		snprintf(sf->where, sizeof(sf->where), "%.64s:%zu", sf->file, sf->ln.lineno);
		sf->n = sf->sep ? source_split(s, n, sf->sep, sf->f, SOURCE_MAX_FIELDS)
				: source_split_ws(s, n, sf->f, SOURCE_MAX_FIELDS);
		if (sf->n >= sf->min && sf->n <= sf->max)
			return true;
		if (sf->quiet)
			continue;
		if (sf->min == sf->max)
			warning("%s: expected %zu fields, found %zu", sf->where, sf->min, sf->n);
		else if (sf->max == SIZE_MAX)
			warning("%s: expected at least %zu fields", sf->where, sf->min);
		else
			warning("%s: expected %zu %s %zu fields, found %zu", sf->where, sf->min,
				sf->max == sf->min + 1 ? "or" : "to", sf->max, sf->n);
	}
	return false;
}
