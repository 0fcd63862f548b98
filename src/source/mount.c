/*
 * mount.c - the mount source (live only): /proc/self/mountinfo, keyed by
 * mount point, with what is mounted, the file system type and the options
 * (per-mount and super block ones as one sorted set, so a remount rw or a
 * dropped noexec is seen). Where mounts are stacked on one point, the top
 * one (the last listed) counts: it is what paths resolve to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/source_parse.h"
#include "imscan/strbuf.h"

#define WHERE_MAX 64

/* mountinfo escapes blank, tab, newline and backslash as \ooo. */
static void unescape(struct strbuf *sb, struct span f)
{
	strbuf_reset(sb);
	for (size_t i = 0; i < f.len; i++) {
		if (f.p[i] == '\\' && i + 3 < f.len &&
		    f.p[i + 1] >= '0' && f.p[i + 1] <= '3' && f.p[i + 2] >= '0' &&
		    f.p[i + 2] <= '7' && f.p[i + 3] >= '0' && f.p[i + 3] <= '7') {
			strbuf_addc(sb, (char)((f.p[i + 1] - '0') * 64 + (f.p[i + 2] - '0') * 8 +
					       (f.p[i + 3] - '0')));
			i += 3;
			continue;
		}
		strbuf_addc(sb, f.p[i]);
	}
}

/* The index of the "-" separator, or 0 if there is none. */
static size_t separator(const struct span *f, size_t nf)
{
	for (size_t i = 6; i < nf; i++)
		if (f[i].len == 1 && f[i].p[0] == '-')
			return i;
	return 0;
}

static void set_mount(struct record *r, const struct span *f, size_t sep, struct strbuf *sb)
{
	unescape(sb, f[sep + 2]);
	record_set_bytes(r, ATTR_SOURCE, sb->buf, sb->len);
	record_set_bytes(r, ATTR_FSTYPE, f[sep + 1].p, f[sep + 1].len);
	strbuf_reset(sb);
	strbuf_add(sb, f[5].p, f[5].len);
	strbuf_addc(sb, ',');
	strbuf_add(sb, f[sep + 3].p, f[sep + 3].len);
	source_set_sorted_list(r, ATTR_OPTIONS, sb->buf, sb->len);
}

/* The later of two mounts on one point covers the earlier. */
static void mount_merge(struct record *keep, const struct record *dup)
{
	record_copy(keep, dup);
}

void parse_mountinfo(struct source_list *l, const char *file, const char *buf, size_t len)
{
	struct source_lines ln;
	struct strbuf sb;
	const char *s;
	size_t n;

	l->merge = mount_merge;
	strbuf_init(&sb);
	source_lines_init(&ln, buf, len);
	while (source_lines_next(&ln, file, &s, &n)) {
		struct span f[32];
		size_t nf = source_split_ws(s, n, f, 32), sep;
		char where[WHERE_MAX + 32];
		struct record *r;

		if (!n)
			continue;
		snprintf(where, sizeof(where), "%.*s:%zu", WHERE_MAX, file, ln.lineno);
		sep = nf <= 32 ? separator(f, nf) : 0;
		if (!sep || nf != sep + 4) {
			warning("%s: not a mountinfo line", where);
			continue;
		}
		unescape(&sb, f[4]);
		source_check_text(where, "mount point", sb.buf, sb.len);
		r = source_list_add(l, sb.buf, sb.len, where);
		if (r)
			set_mount(r, f, sep, &sb);
	}
	strbuf_release(&sb);
}

static int mount_open(void **state, const struct source_opts *o)
{
	struct source_list *l = source_list_new(KIND_MOUNT, o);
	char *buf;
	size_t len;

	if (source_read_opt("/", "/proc/self/mountinfo", &buf, &len) < 0) {
		source_list_close(l);
		return -1;
	}
	parse_mountinfo(l, "/proc/self/mountinfo", buf ? buf : "", len);
	free(buf);
	source_list_sort(l);
	*state = l;
	return 0;
}

const struct source source_mount = {
	.kind = KIND_MOUNT,
	.name = "mount",
	.live_only = true,
	.open = mount_open,
	.next = source_list_next,
	.stats = source_list_stats,
	.close = source_list_close,
};
