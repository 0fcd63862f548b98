/*
 * module.c - the module source (live only): loaded kernel modules from
 * /proc/modules, with the file each was loaded from where modules.dep of
 * the running kernel names one (its digest shows a replaced .ko).
 *
 * A kernel without loadable modules has no /proc/modules: the source then
 * says so in one warning and yields nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "imscan/error.h"
#include "imscan/source_parse.h"
#include "imscan/xalloc.h"

void parse_proc_modules(struct source_list *l, const char *file, const char *buf, size_t len)
{
	struct source_fields sf;

	source_fields_init(&sf, file, buf, len, 0, 6, 7);
	while (source_fields_next(&sf)) {
		const struct span *f = sf.f;
		struct record *r;
		int64_t size;

		if (source_parse_u64(f[1], &size) < 0) {
			warning("%s: size is not a number", sf.where);
			continue;
		}
		source_check_text(sf.where, "name", f[0].p, f[0].len);
		r = source_list_add(l, f[0].p, f[0].len, sf.where);
		if (!r)
			continue;
		record_set_int(r, ATTR_SIZE, size);
		record_set_bytes(r, ATTR_STATE, f[4].p, f[4].len);
		if (sf.n == 7 && f[6].len >= 2 && f[6].p[0] == '(' && f[6].p[f[6].len - 1] == ')')
			record_set_bytes(r, ATTR_TAINT, f[6].p + 1, f[6].len - 2);
		else
			record_set_str(r, ATTR_TAINT, "");
	}
}

/* The module name of a modules.dep path: basename up to ".ko", with
 * '-' as '_' (as the kernel names it). */
static size_t dep_name(const char *p, size_t n, char *out, size_t outlen)
{
	const char *slash = memrchr(p, '/', n), *b = slash ? slash + 1 : p;
	size_t len = (size_t)(p + n - b), k = 0;
	const char *ko = memmem(b, len, ".ko", 3);

	if (ko)
		len = (size_t)(ko - b);
	for (; k < len && k + 1 < outlen; k++)
		out[k] = b[k] == '-' ? '_' : b[k];
	out[k] = '\0';
	return k;
}

/* Sets path and the content hashes from modules.dep of the running kernel. */
static void module_files(struct source_list *l)
{
	struct utsname u;
	char dir[512], path[1024], name[256], *buf;
	struct source_lines ln;
	const char *s;
	size_t len, n;

	if (uname(&u) < 0)
		return;
	snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	if (source_read_file("/", path, &buf, &len) != 0) {
		error_clear();
		return;
	}
	source_lines_init(&ln, buf, len);
	while (source_lines_next(&ln, path, &s, &n)) {
		const char *colon = memchr(s, ':', n);
		size_t nl;
		struct record *r;
		char file[2048];

		if (!colon)
			continue;
		nl = dep_name(s, (size_t)(colon - s), name, sizeof(name));
		r = source_list_find(l, name, nl);
		if (!r || record_has(r, ATTR_PATH))
			continue;
		snprintf(file, sizeof(file), "%s/%.*s", dir, (int)(colon - s), s);
		record_set_str(r, ATTR_PATH, file);
		if (source_hash_file(l, r, file) < 0)
			record_set_str(r, ATTR_ERROR, error_last());
	}
	free(buf);
}

static int module_open(void **state, const struct source_opts *o)
{
	struct source_list *l = source_list_new(KIND_MODULE, o);
	char *buf;
	size_t len;
	int r = source_read_file("/", "/proc/modules", &buf, &len);

	if (r < 0) {
		source_list_close(l);
		return -1;
	}
	if (r == 1) {
		warning("/proc/modules does not exist: this kernel has no loadable modules");
		*state = l;
		return 0;
	}
	parse_proc_modules(l, "/proc/modules", buf, len);
	free(buf);
	source_list_sort(l);
	module_files(l);
	*state = l;
	return 0;
}

const struct source source_module = {
	.kind = KIND_MODULE, .name = "module", .live_only = true, .open = module_open,
	SOURCE_LIST_OPS
};
