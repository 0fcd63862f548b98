/*
 * group.c - the group source: ROOT/etc/group and gshadow.
 *
 * Member and administrator lists are recorded sorted, so that a tool
 * rewriting the file in another order is no change.
 */
#include <stdio.h>
#include <stdlib.h>

#include "imscan/error.h"
#include "imscan/source_parse.h"

#define WHERE_MAX 64

void parse_group(struct source_list *l, const char *file, const char *buf, size_t len)
{
	struct source_lines ln;
	const char *s;
	size_t n;

	source_lines_init(&ln, buf, len);
	while (source_lines_next(&ln, file, &s, &n)) {
		struct span f[4];
		size_t nf = source_split(s, n, ':', f, 4);
		char where[WHERE_MAX + 32];
		struct record *r;
		int64_t gid;

		if (!n)
			continue;
		snprintf(where, sizeof(where), "%.*s:%zu", WHERE_MAX, file, ln.lineno);
		if (nf != 4) {
			warning("%s: expected 4 fields, found %zu", where, nf);
			continue;
		}
		if (source_parse_u64(f[2], &gid) < 0) {
			warning("%s: gid is not a number", where);
			continue;
		}
		source_check_text(where, "name", f[0].p, f[0].len);
		r = source_list_add(l, f[0].p, f[0].len, where);
		if (!r)
			continue;
		record_set_int(r, ATTR_GID, gid);
		source_set_sorted_list(r, ATTR_MEMBERS, f[3].p, f[3].len);
	}
}

void parse_gshadow(struct source_list *l, const char *file, const char *buf, size_t len)
{
	struct source_lines ln;
	const char *s;
	size_t n;

	source_lines_init(&ln, buf, len);
	while (source_lines_next(&ln, file, &s, &n)) {
		struct span f[4];
		size_t nf = source_split(s, n, ':', f, 4);
		struct record *r;

		if (!n)
			continue;
		if (nf != 4) {
			warning("%.*s:%zu: expected 4 fields, found %zu", WHERE_MAX, file,
				ln.lineno, nf);
			continue;
		}
		r = source_list_find(l, f[0].p, f[0].len);
		if (r)
			source_set_sorted_list(r, ATTR_ADMINS, f[2].p, f[2].len);
	}
}

static int group_open(void **state, const struct source_opts *o)
{
	struct source_list *l = source_list_new(KIND_GROUP, o);
	char *gr = NULL, *gs = NULL;
	size_t ngr, ngs;
	int ret = -1;

	if (source_read_opt(o->root, "/etc/group", &gr, &ngr) < 0 ||
	    source_read_opt(o->root, "/etc/gshadow", &gs, &ngs) < 0)
		goto cleanup;
	parse_group(l, "/etc/group", gr ? gr : "", ngr);
	source_list_sort(l);
	parse_gshadow(l, "/etc/gshadow", gs ? gs : "", ngs);
	for (size_t i = 0; i < l->n; i++)
		if (!record_has(l->recs[i], ATTR_ADMINS))
			record_set_str(l->recs[i], ATTR_ADMINS, "");
	*state = l;
	l = NULL;
	ret = 0;
cleanup:
	free(gr);
	free(gs);
	source_list_close(l);
	return ret;
}

const struct source source_group = {
	.kind = KIND_GROUP,
	.name = "group",
	.live_only = false,
	.open = group_open,
	.next = source_list_next,
	.stats = source_list_stats,
	.close = source_list_close,
};
