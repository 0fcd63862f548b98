#include <errno.h>
#include <limits.h>
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

char *cmd_default_baseline(void)
{
	const char *env = getenv("IMSCAN_BASELINE");
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	struct strbuf sb;

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

void cmd_own_files(const char *file, char *out[CMD_OWN_FILES])
{
	static const char *const suffix[CMD_OWN_FILES] = { "", ".lock", ".XXXXXX" };
	struct strbuf sb;
	char cwd[PATH_MAX];

	strbuf_init(&sb);
	if (file[0] != '/' && getcwd(cwd, sizeof(cwd)))
		strbuf_addf(&sb, "%s/", cwd);
	strbuf_adds(&sb, file);
	for (int i = 0; i < CMD_OWN_FILES; i++) {
		size_t n = strlen(suffix[i]);

		out[i] = xmalloc(sb.len + n + 1);
		memcpy(out[i], sb.buf, sb.len);
		memcpy(out[i] + sb.len, suffix[i], n + 1);
	}
	strbuf_release(&sb);
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

int cmd_parse_format(const char *s, enum sink_format *out)
{
	if (sink_format_parse(s, out) < 0)
		return error("--format '%s': expected json or text", s);
	return 0;
}

int cmd_parse_hash(const char *s, enum attr_id *out)
{
	if (attr_lookup(s, out) < 0 || !attr_is_hash(*out))
		return error("--hash '%s': expected sha256, sha512, blake2b or xxh128", s);
	return 0;
}

void cmd_sandbox(bool enabled, const char *write_file)
{
	const char *slash = write_file ? strrchr(write_file, '/') : NULL;
	char *dir = NULL;

	if (!enabled)
		return;
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
	if (sandbox_confine(write_file ? SANDBOX_WRITE : SANDBOX_CHECK, dir, NULL) < 0)
		warning("%s", error_last());
	free(dir);
}

enum sink_format cmd_default_format(void)
{
	return isatty(STDOUT_FILENO) ? SINK_TEXT : SINK_JSON;
}

void rule_opts_add_path(struct rule_opts *o, const char *p)
{
	o->paths = xreallocarray(o->paths, o->npaths + 1, sizeof(*o->paths));
	o->paths[o->npaths++] = p;
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
		return 0;
	lib = cmd_rules_library();
	r = ruleset_load_path(rs, lib);
	if (r < 0)
		error_prefix("rule library");
	free(lib);
	if (r < 0)
		return -1;
	ruleset_recommend(rs, root);
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
