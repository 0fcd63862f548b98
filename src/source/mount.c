/*
 * mount.c - the mount source (live only): /proc/self/mountinfo, keyed by
 * mount point, with what is mounted, the file system type and the options
 * (per-mount and super block ones as one sorted set, so a remount rw or a
 * dropped noexec is seen). Where mounts are stacked on one point, the top
 * one (the last listed) counts: it is what paths resolve to.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/source_parse.h"
#include "imscan/strbuf.h"

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
	struct source_fields sf;
	struct strbuf sb;

	l->merge = mount_merge;
	strbuf_init(&sb);
	source_fields_init(&sf, file, buf, len, 0, 1, SIZE_MAX);
	while (source_fields_next(&sf)) {
		size_t sep = sf.n <= SOURCE_MAX_FIELDS ? separator(sf.f, sf.n) : 0;
		struct record *r;

		if (!sep || sf.n != sep + 4) {
			warning("%s: not a mountinfo line", sf.where);
			continue;
		}
		unescape(&sb, sf.f[4]);
		source_check_text(sf.where, "mount point", sb.buf, sb.len);
		r = source_list_add(l, sb.buf, sb.len, sf.where);
		if (r)
			set_mount(r, sf.f, sep, &sb);
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
	.kind = KIND_MOUNT, .name = "mount", .live_only = true, .open = mount_open,
	SOURCE_LIST_OPS
};
