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

void parse_group(struct source_list *l, const char *file, const char *buf, size_t len)
{
	struct source_fields sf;

	source_fields_init(&sf, file, buf, len, ':', 4, 4);
	while (source_fields_next(&sf)) {
		const struct span *f = sf.f;
		struct record *r;
		int64_t gid;

		if (source_parse_u64(f[2], &gid) < 0) {
			warning("%s: gid is not a number", sf.where);
			continue;
		}
		source_check_text(sf.where, "name", f[0].p, f[0].len);
		r = source_list_add(l, f[0].p, f[0].len, sf.where);
		if (!r)
			continue;
		record_set_int(r, ATTR_GID, gid);
		source_set_sorted_list(r, ATTR_MEMBERS, f[3].p, f[3].len);
	}
}

void parse_gshadow(struct source_list *l, const char *file, const char *buf, size_t len)
{
	struct source_fields sf;

	source_fields_init(&sf, file, buf, len, ':', 4, 4);
	while (source_fields_next(&sf)) {
		struct record *r = source_list_find(l, sf.f[0].p, sf.f[0].len);

		if (r)
			source_set_sorted_list(r, ATTR_ADMINS, sf.f[2].p, sf.f[2].len);
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
	.kind = KIND_GROUP, .name = "group", .open = group_open, SOURCE_LIST_OPS
};
