/*
 * user.c - the user source: ROOT/etc/passwd, shadow and group.
 *
 * The password hash itself is never recorded: "password" is a BLAKE2b
 * digest of it keyed with the baseline's key (source_opts.digest_key), so
 * a change is seen but the baseline gives nothing to crack offline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "imscan/error.h"
#include "imscan/source_parse.h"
#include "imscan/xalloc.h"

static const char *password_state(struct span pw)
{
	if (!pw.len)
		return "empty";
	if (pw.p[0] == '!' || pw.p[0] == '*')
		return "locked";
	return "set";
}

/* Sets password and password_state from the hash field pw. */
static void set_password(struct record *r, struct span pw, const unsigned char *key)
{
	unsigned char d[SOURCE_DIGEST_LEN];

	record_set_str(r, ATTR_PASSWORD_STATE, password_state(pw));
	if (!key) {
		record_unset(r, ATTR_PASSWORD);
		return;
	}
	source_digest(pw.p, pw.len, key, d);
	record_set_bytes(r, ATTR_PASSWORD, d, sizeof(d));
}

void parse_passwd(struct source_list *l, const char *file, const char *buf, size_t len,
		  const unsigned char *key)
{
	struct source_fields sf;

	source_fields_init(&sf, file, buf, len, ':', 7, 7);
	while (source_fields_next(&sf)) {
		const struct span *f = sf.f;
		int64_t uid, gid;
		struct record *r;

		if (source_parse_u64(f[2], &uid) < 0 || source_parse_u64(f[3], &gid) < 0) {
			warning("%s: uid or gid is not a number", sf.where);
			continue;
		}
		source_check_text(sf.where, "name", f[0].p, f[0].len);
		r = source_list_add(l, f[0].p, f[0].len, sf.where);
		if (!r)
			continue;
		record_set_int(r, ATTR_UID, uid);
		record_set_int(r, ATTR_GID, gid);
		record_set_bytes(r, ATTR_GECOS, f[4].p, f[4].len);
		record_set_bytes(r, ATTR_HOME, f[5].p, f[5].len);
		record_set_bytes(r, ATTR_SHELL, f[6].p, f[6].len);
		/* An old-style hash in passwd itself; shadow overrides it. */
		if (!(f[1].len == 1 && f[1].p[0] == 'x'))
			set_password(r, f[1], key);
	}
}

static const enum attr_id shadow_days[] = {
	ATTR_LAST_CHANGE, ATTR_MIN_DAYS, ATTR_MAX_DAYS, ATTR_WARN_DAYS, ATTR_INACTIVE_DAYS,
	ATTR_EXPIRE,
};

void parse_shadow(struct source_list *l, const char *file, const char *buf, size_t len,
		  const unsigned char *key)
{
	struct source_fields sf;

	source_fields_init(&sf, file, buf, len, ':', 9, 9);
	while (source_fields_next(&sf)) {
		const struct span *f = sf.f;
		struct record *r = source_list_find(l, f[0].p, f[0].len);

		if (!r)
			continue;
		set_password(r, f[1], key);
		for (size_t i = 0; i < sizeof(shadow_days) / sizeof(shadow_days[0]); i++) {
			int64_t v;

			if (!f[2 + i].len)
				continue;
			if (source_parse_u64(f[2 + i], &v) < 0) {
				warning("%s: field %zu is not a number", sf.where, i + 3);
				continue;
			}
			record_set_int(r, shadow_days[i], v);
		}
	}
}

void finish_users(struct source_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct record *r = l->recs[i];

		if (!record_has(r, ATTR_PASSWORD_STATE))
			record_set_str(r, ATTR_PASSWORD_STATE, "none");
		if (record_has(r, ATTR_GROUPS)) {
			/* Sorted only now: group lines come in file order. */
			size_t len;
			const unsigned char *p = record_bytes(r, ATTR_GROUPS, &len);
			char *g = xmemdup(p, len + 1);	/* names may hold NUL bytes */

			source_set_sorted_list(r, ATTR_GROUPS, g, len);
			free(g);
		}
	}
}

void parse_user_groups(struct source_list *l, const char *file, const char *buf, size_t len)
{
	struct source_fields sf;

	source_fields_init(&sf, file, buf, len, ':', 4, 4);
	sf.quiet = true;	/* the group source warns about malformed lines */
	while (source_fields_next(&sf)) {
		const struct span *f = sf.f;
		size_t nm = source_split(f[3].p, f[3].len, ',', NULL, 0);
		struct span *m = xreallocarray(NULL, nm, sizeof(*m));

		source_split(f[3].p, f[3].len, ',', m, nm);
		for (size_t i = 0; f[0].len && i < nm; i++) {
			struct record *r = source_list_find(l, m[i].p, m[i].len);

			if (r)
				source_append_item(r, ATTR_GROUPS, f[0].p, f[0].len);
		}
		free(m);
	}
}

static int user_open(void **state, const struct source_opts *o)
{
	struct source_list *l = source_list_new(KIND_USER, o);
	char *pw = NULL, *sh = NULL, *gr = NULL;
	size_t npw, nsh, ngr;
	int ret = -1;

	if (source_read_opt(o->root, "/etc/passwd", &pw, &npw) < 0 || source_read_opt(o->root, "/etc/shadow", &sh, &nsh) < 0 ||
	    source_read_opt(o->root, "/etc/group", &gr, &ngr) < 0)
		goto cleanup;
	parse_passwd(l, "/etc/passwd", pw ? pw : "", npw, o->digest_key);
	source_list_sort(l);
	parse_shadow(l, "/etc/shadow", sh ? sh : "", nsh, o->digest_key);
	parse_user_groups(l, "/etc/group", gr ? gr : "", ngr);
	finish_users(l);
	*state = l;
	l = NULL;
	ret = 0;
cleanup:
	if (sh)
		sodium_memzero(sh, nsh);
	free(pw);
	free(sh);
	free(gr);
	source_list_close(l);
	return ret;
}

const struct source source_user = {
	.kind = KIND_USER, .name = "user", .open = user_open, SOURCE_LIST_OPS
};
