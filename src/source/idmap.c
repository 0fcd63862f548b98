/*
 * idmap.c - owner and group names from a root's passwd and group files.
 *
 * Read once per scan from <root>/etc/passwd and <root>/etc/group (resolved
 * inside root, never the host's through an image's symlink), sorted by id;
 * the first line for an id wins, as getpwuid() does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/idmap.h"
#include "imscan/strbuf.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"

#define NAMES_MAX_BYTES (64u << 20)	/* bound on a root's passwd or group file */

static int idname_cmp(const void *a, const void *b)
{
	const struct idname *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Opens <root>/<rel> for reading without leaving root, even through
 * absolute symlinks in an image. O_NONBLOCK: a FIFO planted there must not
 * hang the scan. Only regular files are accepted. -1 if absent or unusable.
 */
static int open_root_file(int rootfd, const char *rel)
{
	struct stat st;
	int fd = walk_open_in_root(rootfd, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * passwd and group share the layout that matters: name:x:id:...
 * True for a usable line [p, eol), with the id and the name's length.
 * NIS markers (+, -) and comments are not names.
 */
static bool parse_idline(const char *p, const char *eol, uint32_t *id, size_t *namelen)
{
	const char *c1 = memchr(p, ':', (size_t)(eol - p));
	const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
	uint64_t v = 0;
	const char *q;

	if (!c2 || c1 == p || *p == '+' || *p == '-' || *p == '#')
		return false;
	for (q = c2 + 1; q < eol && *q >= '0' && *q <= '9'; q++) {
		v = v * 10 + (uint64_t)(*q - '0');
		if (v > UINT32_MAX)
			return false;
	}
	if (q == c2 + 1 || (q < eol && *q != ':'))
		return false;
	*id = (uint32_t)v;
	*namelen = (size_t)(c1 - p);
	return true;
}

void idtable_load(struct idtable *t, int rootfd, const char *rel)
{
	struct strbuf sb;
	char buf[65536];
	size_t cap = 0, k = 0;
	uint32_t line = 0;
	int fd = open_root_file(rootfd, rel);

	if (fd < 0)
		return;
	strbuf_init(&sb);
	while (sb.len < NAMES_MAX_BYTES) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_add(&sb, buf, (size_t)n);
	}
	close(fd);
	for (const char *p = sb.buf, *end = sb.buf + sb.len, *eol; p < end; p = eol + 1, line++) {
		uint32_t id;
		size_t namelen;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (!parse_idline(p, eol, &id, &namelen))
			continue;
		if (t->n == cap) {
			cap = cap ? 2 * cap : 64;
			t->v = xreallocarray(t->v, cap, sizeof(*t->v));
		}
		t->v[t->n].id = id;
		t->v[t->n].order = line;
		t->v[t->n].name = xstrndup(p, namelen);
		t->n++;
	}
	strbuf_release(&sb);
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), idname_cmp);
	/* Keep the first line for each id, as getpwuid() does. */
	for (size_t i = 0; i < t->n; i++) {
		if (k && t->v[k - 1].id == t->v[i].id) {
			free(t->v[i].name);
			continue;
		}
		t->v[k++] = t->v[i];
	}
	t->n = k;
}

const char *idtable_find(const struct idtable *t, uint32_t id)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].id == id)
			return t->v[mid].name;
		if (t->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void idtable_release(struct idtable *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
