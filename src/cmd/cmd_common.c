/* cmd_common.c - what the commands share: messages, option values, paths, rules. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "imscan/cmd.h"
#include "imscan/error.h"
#include "imscan/sandbox.h"
#include "imscan/strbuf.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"

int cmd_error(const char *fmt, ...)
{
	va_list ap;

	fputs("imscan: ", stderr);
	if (!fmt) {
		fputs(error_last(), stderr);
	} else {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	return EXIT_TROUBLE;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "imscan %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'imscan %s --help'.\n", cmd);
	return EXIT_TROUBLE;
}

bool cmd_stdout_gone(void)
{
	struct pollfd p = { STDOUT_FILENO, POLLOUT, 0 };

	/* A pipe without readers polls POLLERR; a full disk does not. */
	return ferror(stdout) && poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

int cmd_fail(void)
{
	if (!cmd_stdout_gone())
		cmd_error(NULL);
	return EXIT_TROUBLE;
}

size_t cmd_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *row, d;

	if (la > 64 || lb > 64)	/* a typo of a short name, or nothing */
		return la > lb ? la : lb;
	row = xcalloc(lb + 1, sizeof(*row));
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const char *cmd_closest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, len = strlen(word);

	for (size_t i = 0; i < n; i++) {
		size_t d = cmd_edit_distance(word, names[i]);

		if (d < best_d && d < len) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}

long cmd_find_name(const void *table, size_t n, size_t stride, const char *name,
		   const char **hint)
{
	const char *names[64];

	*hint = NULL;
	for (size_t i = 0; i < n && i < 64; i++) {
		names[i] = *(const char *const *)(const void *)((const char *)table + i * stride);
		if (!strcmp(names[i], name))
			return (long)i;
	}
	*hint = cmd_closest(name, names, n < 64 ? n : 64);
	return -1;
}

/* The long option named by an unknown argument "--name[=value]". */
static const char *closest_option(const char *arg, const struct option *longopts,
				  struct strbuf *name)
{
	const char *names[64];
	size_t n = 0;

	if (strncmp(arg, "--", 2))
		return NULL;
	strbuf_add(name, arg + 2, strcspn(arg + 2, "="));
	for (; longopts[n].name && n < 64; n++)
		names[n] = longopts[n].name;
	return cmd_closest(name->buf, names, n);
}

int cmd_getopt_error(const char *cmd, int c, char *const *argv, const struct option *longopts)
{
	const char *arg = argv[optind - 1], *hint;
	struct strbuf name;

	if (c == ':')
		return cmd_usage_error(cmd, "option '%s' needs a value", arg);
	strbuf_init(&name);
	hint = closest_option(arg, longopts, &name);
	if (hint)
		cmd_usage_error(cmd, "unknown option '--%s': did you mean '--%s'?", name.buf, hint);
	else
		cmd_usage_error(cmd, "unknown option '%s'", arg);
	strbuf_release(&name);
	return EXIT_TROUBLE;
}

int cmd_parse_done(const char *cmd, int r, int argc, char *const *argv, int maxargs)
{
	if (r < 0) {
		cmd_usage_error(cmd, "%s", error_last());
		return -1;
	}
	if (argc - optind > maxargs) {
		cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind + maxargs]);
		return -1;
	}
	return 0;
}

char *cmd_default_baseline(const char **from)
{
	const char *env = getenv("IMSCAN_BASELINE");
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	struct strbuf sb;

	if (from)
		*from = env && *env ? "$IMSCAN_BASELINE" : "the default";
	if (env && *env)
		return xstrdup(env);
	if (geteuid() == 0)
		return xstrdup("/var/lib/imscan/baseline.imdb");
	strbuf_init(&sb);
	if (state && *state == '/')
		strbuf_addf(&sb, "%s/imscan/baseline.imdb", state);
	else if (home && *home == '/')
		strbuf_addf(&sb, "%s/.local/state/imscan/baseline.imdb", home);
	else {
		error("no baseline file: set HOME, XDG_STATE_HOME or IMSCAN_BASELINE, or use -b FILE");
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

int baseline_path_init(struct baseline_path *bp, const char *opt_file)
{
	bp->from = "-b";
	bp->file = opt_file ? xstrdup(opt_file) : cmd_default_baseline(&bp->from);
	return bp->file ? 0 : -1;
}

void baseline_path_release(struct baseline_path *bp)
{
	free(bp->file);
	bp->file = NULL;
}

int cmd_baseline_readable(const char *cmd, const struct baseline_path *bp)
{
	struct stat st;
	bool opt = !strcmp(bp->from, "-b");

	if (stat(bp->file, &st) == 0)
		return 0;
	if (errno != ENOENT) {
		fprintf(stderr, "imscan %s: cannot read baseline '%s' (%s%s): %s\n", cmd, bp->file,
			opt ? "from " : "", opt ? "-b" : bp->from, strerror(errno));
		return EXIT_TROUBLE;
	}
	fprintf(stderr, "imscan %s: no baseline at '%s' (%s%s): run 'imscan baseline%s%s' first\n",
		cmd, bp->file, strcmp(bp->from, "the default") ? "from " : "", bp->from,
		opt ? " -b " : "", opt ? bp->file : "");
	return EXIT_TROUBLE;
}

int cmd_on_baseline(const char *cmd, const char *opt_file,
		    int (*run)(const void *o, const char *file), const void *o)
{
	struct baseline_path bp = { 0 };
	int status;

	if (baseline_path_init(&bp, opt_file) < 0)
		status = cmd_fail();
	else if (!(status = cmd_baseline_readable(cmd, &bp)))
		status = run(o, bp.file);
	baseline_path_release(&bp);
	return status;
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *cmd_rules_library(void)
{
	const char *env = getenv("IMSCAN_RULES");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;
	struct strbuf sb;

	if (env && *env)
		return xstrdup(env);
	if (is_dir(IMSCAN_RULESDIR))
		return xstrdup(IMSCAN_RULESDIR);
	/* a build tree: ./imscan next to ./rules */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			strbuf_init(&sb);
			strbuf_add(&sb, exe, (size_t)(slash - exe));
			strbuf_adds(&sb, "/rules");
			if (is_dir(sb.buf))
				return strbuf_detach(&sb, NULL);
			strbuf_release(&sb);
		}
	}
	return xstrdup(IMSCAN_RULESDIR);
}

char *cmd_resolve_root(const char *root)
{
	char *abs;

	if (!root || !*root)
		root = "/";
	abs = realpath(root, NULL);
	if (!abs) {
		error("--root '%s': %s", root, strerror(errno));
		return NULL;
	}
	if (!is_dir(abs)) {
		error("--root '%s': not a directory", root);
		free(abs);
		return NULL;
	}
	return abs;
}

static char *concat(const char *a, const char *b)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_adds(&sb, a);
	strbuf_adds(&sb, b);
	return strbuf_detach(&sb, NULL);
}

int cmd_own_files(const char *file, char *out[CMD_OWN_FILES])
{
	struct baseline_paths bp;

	if (baseline_paths_get(&bp, file) < 0)
		return -1;
	out[0] = bp.file;
	out[1] = bp.lock;
	out[2] = bp.prev;
	out[3] = concat(bp.prev, ".new");
	out[4] = concat(bp.tmp_prefix, "XXXXXX");
	free(bp.tmp_prefix);
	return 0;
}

void cmd_own_files_release(char *out[CMD_OWN_FILES])
{
	for (int i = 0; i < CMD_OWN_FILES; i++)
		free(out[i]);
}

int cmd_parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || v < min || v > max)
		return error("%s '%s': expected a number from %u to %u", opt, s, min, max);
	*out = (unsigned)v;
	return 0;
}

/* Choices are named in lower case; what the user typed may not be. */
static char *lower(const char *s)
{
	char *l = xstrdup(s);

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

int cmd_parse_format(const char *s, const struct sink_ops **out)
{
	return sink_type_parse("--format", s, out);
}

int cmd_parse_hash(const char *s, enum attr_id *out)
{
	char *l = lower(s);
	int r = attr_lookup(l, out);

	free(l);
	if (r < 0 || !attr_is_hash(*out))
		return error("--hash '%s': expected sha256, sha512, blake2b or xxh128", s);
	return 0;
}

void cmd_sandbox_profile(enum sandbox_profile profile, const char *write_file, unsigned steps)
{
	const char *slash = write_file ? strrchr(write_file, '/') : NULL;
	char *dir = NULL;

	if (slash)
		dir = xstrndup(write_file, slash == write_file ? 1 : (size_t)(slash - write_file));
	else if (write_file)
		dir = xstrdup(".");
	/* Nothing can be written beneath a directory that is not there (check
	 * --update then fails reading the baseline): no writes at all. */
	if (dir && access(dir, F_OK) < 0 && errno == ENOENT) {
		free(dir);
		dir = NULL;
	}
	if (sandbox_confine_steps(profile, dir, steps, NULL) < 0)
		warning("%s", error_last());
	free(dir);
}

void cmd_sandbox(bool enabled, const char *write_file, unsigned steps)
{
	if (enabled)
		cmd_sandbox_profile(write_file ? SANDBOX_WRITE : SANDBOX_CHECK, write_file, steps);
}

const struct sink_ops *cmd_default_format(void)
{
	return isatty(STDOUT_FILENO) ? &sink_text_ops : &sink_json_ops;
}

int rule_opts_add_path(struct rule_opts *o, const char *p)
{
	o->paths = xreallocarray(o->paths, o->npaths + 1, sizeof(*o->paths));
	o->paths[o->npaths++] = p;
	return 0;
}

int rule_opts_add_param(struct rule_opts *o, const char *nv)
{
	const char *eq = strchr(nv, '=');
	char *name;
	bool ok;

	if (!eq || eq == nv)
		return error("--param '%s': expected NAME=VALUE", nv);
	name = xstrndup(nv, (size_t)(eq - nv));
	ok = ruleset_param_name_ok(name);
	free(name);
	if (!ok)
		return error("--param '%s': a param name is letters, digits and '_', "
			     "not starting with a digit", nv);
	o->params = xreallocarray(o->params, o->nparams + 1, sizeof(*o->params));
	o->params[o->nparams++] = nv;
	return 0;
}

void rule_opts_release(struct rule_opts *o)
{
	free(o->paths);
	free(o->params);
	memset(o, 0, sizeof(*o));
}

static int set_params(struct ruleset *rs, const struct rule_opts *o)
{
	for (size_t i = 0; i < o->nparams; i++) {
		const char *eq = strchr(o->params[i], '=');
		char *name = xstrndup(o->params[i], (size_t)(eq - o->params[i]));
		int r = ruleset_set_param(rs, name, eq + 1);

		free(name);
		if (r < 0)
			return -1;
	}
	return 0;
}

bool cmd_path_in_root(int rootfd, const char *path)
{
	int dirfd = -1;
	size_t n = strlen(path);
	char *copy, *name;
	struct stat st;
	bool ok = false;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (rootfd < 0 || n <= 1)	/* "/" is the root itself */
		return rootfd >= 0;
	copy = xstrndup(path, n);
	name = strrchr(copy, '/') + 1;
	*(name - 1) = '\0';
	dirfd = walk_open_in_root(rootfd, *copy ? copy : "/", O_PATH | O_DIRECTORY);
	if (dirfd >= 0) {
		ok = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
		close(dirfd);
	}
	free(copy);
	return ok;
}

static bool exists_in_root(void *ctx, const char *path)
{
	return cmd_path_in_root(*(const int *)ctx, path);
}

void cmd_recommend(struct ruleset *rs, const char *root)
{
	int rootfd = open(root ? root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	ruleset_recommend(rs, exists_in_root, &rootfd);
	if (rootfd >= 0)
		close(rootfd);
}

/* A --param that nothing declares is a typo that would narrow monitoring. */
static int check_params(const struct ruleset *rs, const struct rule_opts *o)
{
	const char *name = o->params_elsewhere ? NULL : ruleset_undeclared_param(rs);

	if (name)
		return error("--param %s: no loaded rule declares a param named \"%s\"", name, name);
	return 0;
}

int cmd_load_rules(struct ruleset *rs, const struct rule_opts *o, const char *root,
		   bool recommended_only)
{
	char *lib;
	int r;

	if (set_params(rs, o) < 0)
		return -1;
	for (size_t i = 0; i < o->npaths; i++)
		if (ruleset_load_path(rs, o->paths[i]) < 0)
			return -1;
	if (o->npaths)
		return check_params(rs, o);
	lib = cmd_rules_library();
	r = ruleset_load_path(rs, lib);
	if (r < 0)
		error_prefix("rule library");
	free(lib);
	if (r < 0 || check_params(rs, o) < 0)
		return -1;
	cmd_recommend(rs, root);
	if (recommended_only)
		ruleset_keep_recommended(rs);
	return 0;
}

int64_t cmd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t cmd_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double cmd_seconds_since(int64_t start)
{
	return (double)(cmd_clock() - start) / 1e9;
}

const char *cmd_hostname(void)
{
	static char host[256];

	if (!host[0] && gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "localhost");
	return host;
}
