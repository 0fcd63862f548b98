/*
 * service.c - the service source: systemd units under ROOT.
 *
 * A unit's file is the first of its name in the unit directories, in
 * systemd's order of precedence. Its enabled state is derived the way
 * `systemctl is-enabled` derives it, from files only:
 *   masked(-runtime)   the name in /etc (/run) links to /dev/null
 *   enabled(-runtime)  a *.wants, *.requires or *.upholds link in /etc
 *                      (/run), or an alias link there, names it
 *   alias              the name itself links to a unit of another name
 *   disabled           its [Install] has WantedBy, RequiredBy, UpheldBy
 *                      or Alias, and none of the above holds
 *   indirect           its [Install] has only Also
 *   static             it has no [Install] to enable it with
 * Vendor *.wants links (in /usr/lib) make no difference, as in systemd.
 * "unit" is the digest of the file the name resolves to ("path"),
 * "dropins" the digest over its NAME.d/ *.conf files (by name, the first
 * in precedence order winning, as systemd applies them). "active" (live
 * only, on request) is "active" when the service's cgroup has processes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/source_parse.h"
#include "imscan/strbuf.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"

static const char *const unit_dirs[] = {
	"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
	"/usr/lib/systemd/system", "/lib/systemd/system",
};
#define NDIRS (sizeof(unit_dirs) / sizeof(unit_dirs[0]))
#define DIR_ETC 0
#define DIR_RUN 1

static const char *const suffixes[] = {
	".service", ".socket", ".timer", ".path", ".target", ".mount", ".automount",
	".swap", ".slice",
};

/* A name seen in a directory: a unit file, a link in a .wants, ... */
struct name {
	char *name;
	unsigned dir;
	char *target;	/* symlink target, or NULL */
};

struct names {
	struct name *v;
	size_t n, cap;
};

static void names_add(struct names *s, const char *name, unsigned dir, const char *target)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = (struct name){ xstrdup(name), dir, target ? xstrdup(target) : NULL };
}

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].target);
	}
	free(s->v);
}

static int name_cmp(const void *pa, const void *pb)
{
	const struct name *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	return c ? c : (a->dir > b->dir) - (a->dir < b->dir);
}

static const struct name *names_find(const struct names *s, const char *name)
{
	struct name key = { (char *)name, 0, NULL };
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (name_cmp(&s->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && !strcmp(s->v[lo].name, name) ? &s->v[lo] : NULL;
}

/* Whether s (sorted) has name as seen in directory dir. */
static bool names_has(const struct names *s, const char *name, unsigned dir)
{
	const struct name *x = names_find(s, name);

	for (; x && x < s->v + s->n && !strcmp(x->name, name); x++)
		if (x->dir == dir)
			return true;
	return false;
}

static bool is_unit_name(const char *n)
{
	size_t len = strlen(n);

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t sl = strlen(suffixes[i]);

		if (len > sl && !strcmp(n + len - sl, suffixes[i]))
			return true;
	}
	return false;
}

/* Opens dir (absolute, inside root) as a DIR, or NULL. */
static DIR *open_dir(int rootfd, const char *dir)
{
	int fd = walk_open_in_root(rootfd, dir, O_RDONLY | O_DIRECTORY);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (fd >= 0 && !d)
		close(fd);
	return d;
}

static void entry(DIR *d, const char *name, unsigned di, struct names *s)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd(d), name, target, sizeof(target) - 1);
	struct stat st;

	if (n >= 0) {
		target[n] = '\0';
		names_add(s, name, di, target);
		return;
	}
	if (!fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode))
		names_add(s, name, di, NULL);
}

static void scan_links(int rootfd, const char *dir, unsigned di, struct names *links)
{
	DIR *d = open_dir(rootfd, dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (is_unit_name(de->d_name))
			entry(d, de->d_name, di, links);
	if (d)
		closedir(d);
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

/* Lists the units of dir into units, the links of its *.wants,
 * *.requires and *.upholds directories into links (for /etc and /run),
 * and its NAME.d entries into dropdirs, so that set_dropins opens only
 * the drop-in directories that exist. */
static void scan_dir(int rootfd, unsigned di, struct names *units, struct names *links,
		     struct names *dropdirs)
{
	DIR *d = open_dir(rootfd, unit_dirs[di]);
	struct dirent *de;
	struct strbuf sub;

	if (!d)
		return;
	strbuf_init(&sub);
	while ((de = readdir(d))) {
		if (is_unit_name(de->d_name)) {
			entry(d, de->d_name, di, units);
			continue;
		}
		if (ends_with(de->d_name, ".d"))
			names_add(dropdirs, de->d_name, di, NULL);
		if (di > DIR_RUN || !(ends_with(de->d_name, ".wants") ||
				      ends_with(de->d_name, ".requires") ||
				      ends_with(de->d_name, ".upholds")))
			continue;
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s/%s", unit_dirs[di], de->d_name);
		scan_links(rootfd, sub.buf, di, links);
	}
	strbuf_release(&sub);
	closedir(d);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* What enables units: wants links, and alias links in /etc and /run. An
 * enabled instance ("getty@tty1.service") enables its template too. */
static void collect_enabled(const struct names *units, const struct names *links,
			    struct names *en)
{
	for (size_t i = 0; i < links->n + units->n; i++) {
		const struct name *x = i < links->n ? &links->v[i] : &units->v[i - links->n];
		const char *name = x->name, *at;

		if (i >= links->n) {
			/* An alias: /etc/.../sshd.service -> .../ssh.service */
			if (x->dir > DIR_RUN || !x->target || !strcmp(x->target, "/dev/null") ||
			    !strcmp(base_name(x->target), x->name))
				continue;
			name = base_name(x->target);
		}
		names_add(en, name, x->dir, NULL);
		at = strchr(name, '@');
		if (at && at[1] != '.' && strrchr(at, '.')) {
			struct strbuf t;

			strbuf_init(&t);
			strbuf_addf(&t, "%.*s%s", (int)(at - name + 1), name, strrchr(at, '.'));
			names_add(en, t.buf, x->dir, NULL);
			strbuf_release(&t);
		}
	}
	if (en->n)
		qsort(en->v, en->n, sizeof(*en->v), name_cmp);
}

/* "disabled", "indirect" or "static" from the [Install] section. */
static const char *install_state(const char *buf, size_t len, const char *file)
{
	struct source_lines ln;
	bool in = false, enable = false, also = false;
	const char *s;
	size_t n;

	source_lines_init(&ln, buf, len);
	while (source_lines_next(&ln, file, &s, &n)) {
		const char *eq;

		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (n && *s == '[') {
			in = n >= 9 && !memcmp(s, "[Install]", 9);
			continue;
		}
		eq = memchr(s, '=', n);
		if (!in || !eq || eq + 1 == s + n)
			continue;
		if (!strncmp(s, "WantedBy", 8) || !strncmp(s, "RequiredBy", 10) ||
		    !strncmp(s, "UpheldBy", 8) || !strncmp(s, "Alias", 5))
			enable = true;
		else if (!strncmp(s, "Also", 4))
			also = true;
	}
	return enable ? "disabled" : also ? "indirect" : "static";
}

/* Digest over NAME.d/ *.conf: by file name, the first directory wins. */
static void set_dropins(struct record *r, int rootfd, const char *root,
			const struct names *dropdirs)
{
	struct names confs = { NULL, 0, 0 };
	struct strbuf sb, all;
	unsigned char d[SOURCE_DIGEST_LEN];

	strbuf_init(&sb);
	strbuf_init(&all);
	for (unsigned di = 0; di < NDIRS; di++) {
		DIR *dir;
		struct dirent *de;

		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s.d", record_key(r));
		if (!names_has(dropdirs, sb.buf, di))
			continue;
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/%s.d", unit_dirs[di], record_key(r));
		dir = open_dir(rootfd, sb.buf);
		while (dir && (de = readdir(dir)))
			if (ends_with(de->d_name, ".conf"))
				names_add(&confs, de->d_name, di, NULL);
		if (dir)
			closedir(dir);
	}
	if (confs.n)
		qsort(confs.v, confs.n, sizeof(*confs.v), name_cmp);
	for (size_t i = 0; i < confs.n; i++) {
		char *buf;
		size_t len;

		if (i && !strcmp(confs.v[i].name, confs.v[i - 1].name))
			continue;
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/%s.d/%s", unit_dirs[confs.v[i].dir], record_key(r),
			    confs.v[i].name);
		if (source_read_file(root, sb.buf, &buf, &len) != 0) {
			error_clear();
			continue;
		}
		strbuf_add(&all, sb.buf, sb.len + 1);
		strbuf_addf(&all, "%zu", len);
		strbuf_addc(&all, '\0');
		strbuf_add(&all, buf, len);
		free(buf);
	}
	if (confs.n) {
		source_digest(all.buf, all.len, NULL, d);
		record_set_bytes(r, ATTR_DROPINS, d, sizeof(d));
	}
	names_free(&confs);
	strbuf_release(&sb);
	strbuf_release(&all);
}

/* Live only: a service is active when its cgroup has processes. */
static void set_active(struct record *r)
{
	char path[PATH_MAX], *buf;
	size_t len;

	if (!ends_with(record_key(r), ".service"))
		return;
	snprintf(path, sizeof(path), "/sys/fs/cgroup/system.slice/%s/cgroup.procs",
		 record_key(r));
	if (source_read_file("/", path, &buf, &len) != 0) {
		error_clear();
		record_set_str(r, ATTR_ACTIVE, "inactive");
		return;
	}
	record_set_str(r, ATTR_ACTIVE, len ? "active" : "inactive");
	free(buf);
}

static const char *enabled_state(const struct name *u, const struct names *en, bool masked)
{
	const struct name *e = names_find(en, u->name);

	if (masked)
		return u->dir == DIR_RUN ? "masked-runtime" : "masked";
	if (e)
		return e->dir == DIR_RUN ? "enabled-runtime" : "enabled";
	if (u->target && strcmp(base_name(u->target), u->name))
		return "alias";
	return NULL;
}

static void add_unit(struct source_list *l, const struct source_opts *o, int rootfd,
		     const struct name *u, const struct names *en, const struct names *dropdirs)
{
	struct record *r = source_list_add(l, u->name, strlen(u->name), unit_dirs[u->dir]);
	bool masked = u->target && !strcmp(u->target, "/dev/null");
	const char *state = enabled_state(u, en, masked);
	struct strbuf path;
	char *buf = NULL;
	size_t len = 0;

	if (!r)
		return;
	source_check_text(unit_dirs[u->dir], "unit name", u->name, strlen(u->name));
	strbuf_init(&path);
	if (u->target && u->target[0] == '/')
		strbuf_adds(&path, u->target);
	else
		strbuf_addf(&path, "%s/%s", unit_dirs[u->dir], u->target ? u->target : u->name);
	record_set_bytes(r, ATTR_PATH, path.buf, path.len);
	if (!masked) {
		unsigned char d[SOURCE_DIGEST_LEN];
		int ret = source_read_file(o->root, path.buf, &buf, &len);

		if (ret)
			record_set_str(r, ATTR_ERROR, ret < 0 ? error_last() : "unit file does not exist");
		if (!ret) {
			source_digest(buf, len, NULL, d);
			record_set_bytes(r, ATTR_UNIT, d, sizeof(d));
		}
	}
	record_set_str(r, ATTR_ENABLED, state ? state : install_state(buf ? buf : "", len, path.buf));
	set_dropins(r, rootfd, o->root, dropdirs);
	if (source_list_wants(l, ATTR_ACTIVE) && (!o->root || !strcmp(o->root, "/")))
		set_active(r);
	free(buf);
	strbuf_release(&path);
}

static int service_open(void **state, const struct source_opts *o)
{
	struct source_list *l = source_list_new(KIND_SERVICE, o);
	struct names units = { NULL, 0, 0 }, links = { NULL, 0, 0 }, en = { NULL, 0, 0 };
	struct names dropdirs = { NULL, 0, 0 };
	int rootfd = open(o->root ? o->root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0) {
		source_list_close(l);
		return error("cannot open root '%s': %s", o->root, strerror(errno));
	}
	for (unsigned di = 0; di < NDIRS; di++)
		scan_dir(rootfd, di, &units, &links, &dropdirs);
	if (units.n)
		qsort(units.v, units.n, sizeof(*units.v), name_cmp);
	if (dropdirs.n)
		qsort(dropdirs.v, dropdirs.n, sizeof(*dropdirs.v), name_cmp);
	collect_enabled(&units, &links, &en);
	for (size_t i = 0; i < units.n; i++)
		if (!i || strcmp(units.v[i].name, units.v[i - 1].name))
			add_unit(l, o, rootfd, &units.v[i], &en, &dropdirs);
	close(rootfd);
	names_free(&units);
	names_free(&dropdirs);
	names_free(&links);
	names_free(&en);
	source_list_sort(l);
	*state = l;
	return 0;
}

const struct source source_service = {
	.kind = KIND_SERVICE, .name = "service", .open = service_open,
	SOURCE_LIST_OPS
};
