/*
 * package.c - the package source: ROOT/var/lib/dpkg/status.
 *
 * Names are as dpkg-query's ${binary:Package} prints them: qualified with
 * the architecture when that is needed to tell instances apart (Multi-Arch:
 * same, or an architecture that is neither the native one nor "all"). The
 * native architecture is dpkg's own. Stanzas whose status is not-installed
 * are left out; half-installed, config-files and the like are kept and
 * their status says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/source_parse.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"

#define WHERE_MAX 64

struct stanza {
	size_t line;		/* where it starts */
	struct span package, status, arch, version, multiarch;
};

static bool span_is(struct span s, const char *lit)
{
	return s.len == strlen(lit) && !memcmp(s.p, lit, s.len);
}

/* Trims blanks at both ends. */
static struct span trim(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	return (struct span){ p, n };
}

static void stanza_field(struct stanza *st, const char *s, size_t n)
{
	static const struct { const char *name; size_t off; } fields[] = {
		{ "Package", offsetof(struct stanza, package) },
		{ "Status", offsetof(struct stanza, status) },
		{ "Architecture", offsetof(struct stanza, arch) },
		{ "Version", offsetof(struct stanza, version) },
		{ "Multi-Arch", offsetof(struct stanza, multiarch) },
	};
	const char *colon = memchr(s, ':', n);
	size_t nlen;

	if (!colon)
		return;
	nlen = (size_t)(colon - s);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (nlen == strlen(fields[i].name) && !strncasecmp(s, fields[i].name, nlen)) {
			*(struct span *)((char *)st + fields[i].off) =
				trim(colon + 1, n - nlen - 1);
			return;
		}
	}
}

/* Splits the status file into stanzas (caller frees *out). */
static size_t read_stanzas(const char *file, const char *buf, size_t len, struct stanza **out)
{
	struct source_lines ln;
	struct stanza *v = NULL, cur;
	size_t nv = 0, cap = 0;
	bool open = false;
	const char *s;
	size_t n;

	source_lines_init(&ln, buf, len);
	for (;;) {
		bool more = source_lines_next(&ln, file, &s, &n);

		if (!more || !trim(s, n).len) {
			if (open) {
				if (nv == cap) {
					cap = cap ? 2 * cap : 256;
					v = xreallocarray(v, cap, sizeof(*v));
				}
				v[nv++] = cur;
				open = false;
			}
			if (!more)
				break;
			continue;
		}
		if (!open) {
			memset(&cur, 0, sizeof(cur));
			cur.line = ln.lineno;
			open = true;
		}
		if (s[0] != ' ' && s[0] != '\t')
			stanza_field(&cur, s, n);
	}
	*out = v;
	return nv;
}

/* The architecture of dpkg itself: the native one. */
static struct span native_arch(const struct stanza *v, size_t nv)
{
	for (size_t i = 0; i < nv; i++)
		if (span_is(v[i].package, "dpkg"))
			return v[i].arch;
	return (struct span){ "", 0 };
}

static void add_package(struct source_list *l, const char *file, const struct stanza *st,
			struct span native, struct strbuf *key)
{
	char where[WHERE_MAX + 32];
	struct span w[3];
	struct record *r;

	snprintf(where, sizeof(where), "%.*s:%zu", WHERE_MAX, file, st->line);
	if (!st->package.len) {
		warning("%s: stanza without Package: skipped", where);
		return;
	}
	if (source_split_ws(st->status.p, st->status.len, w, 3) != 3) {
		warning("%s: package \"%.*s\": Status is not \"want flag status\": skipped", where,
			(int)(st->package.len > 64 ? 64 : st->package.len), st->package.p);
		return;
	}
	if (span_is(w[2], "not-installed"))
		return;
	strbuf_reset(key);
	strbuf_add(key, st->package.p, st->package.len);
	if (st->arch.len && (span_is(st->multiarch, "same") ||
			     (!span_is(st->arch, "all") && native.len &&
			      !(st->arch.len == native.len && !memcmp(st->arch.p, native.p, native.len))))) {
		strbuf_addc(key, ':');
		strbuf_add(key, st->arch.p, st->arch.len);
	}
	source_check_text(where, "Package", key->buf, key->len);
	r = source_list_add(l, key->buf, key->len, where);
	if (!r)
		return;
	record_set_bytes(r, ATTR_VERSION, st->version.p, st->version.len);
	record_set_bytes(r, ATTR_ARCH, st->arch.p, st->arch.len);
	record_set_bytes(r, ATTR_STATUS, st->status.p, st->status.len);
}

void parse_dpkg_status(struct source_list *l, const char *file, const char *buf, size_t len)
{
	struct stanza *v;
	size_t nv = read_stanzas(file, buf, len, &v);
	struct span native = native_arch(v, nv);
	struct strbuf key;

	strbuf_init(&key);
	for (size_t i = 0; i < nv; i++)
		add_package(l, file, &v[i], native, &key);
	strbuf_release(&key);
	free(v);
}

/* md5sums of a package: info/<name>.md5sums, qualified (name:arch) only
 * for Multi-Arch: same packages, as dpkg names them. */
static void set_md5sums(struct record *r, const char *root,
		       struct strbuf *path)
{
	const char *key = record_key(r), *colon = strchr(key, ':');
	unsigned char d[SOURCE_DIGEST_LEN];
	int ret;

	strbuf_reset(path);
	strbuf_addf(path, "/var/lib/dpkg/info/%s.md5sums", key);
	ret = source_digest_file(root, path->buf, d);
	if (ret == 1 && colon) {
		strbuf_reset(path);
		strbuf_addf(path, "/var/lib/dpkg/info/%.*s.md5sums", (int)(colon - key), key);
		ret = source_digest_file(root, path->buf, d);
	}
	if (ret < 0)
		record_set_str(r, ATTR_ERROR, error_last());
	else if (!ret)
		record_set_bytes(r, ATTR_MD5SUMS, d, sizeof(d));
}

static int package_open(void **state, const struct source_opts *o)
{
	struct source_list *l = source_list_new(KIND_PACKAGE, o);
	struct strbuf path;
	char *buf = NULL;
	size_t len;

	if (source_read_opt(o->root, "/var/lib/dpkg/status", &buf, &len) < 0) {
		source_list_close(l);
		return -1;
	}
	parse_dpkg_status(l, "/var/lib/dpkg/status", buf ? buf : "", len);
	free(buf);
	source_list_sort(l);
	strbuf_init(&path);
	for (size_t i = 0; source_list_wants(l, ATTR_MD5SUMS) && i < l->n; i++)
		set_md5sums(l->recs[i], o->root, &path);
	strbuf_release(&path);
	*state = l;
	return 0;
}

const struct source source_package = {
	.kind = KIND_PACKAGE, .name = "package", .open = package_open,
	SOURCE_LIST_OPS
};
