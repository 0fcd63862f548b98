/* cmd_rules.c - imscan rules: list, show, lint and recommend rules. */
#include <cJSON.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/cmd.h"
#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"

static const char usage_text[] =
	"usage: imscan rules [list|show ID|lint|recommend] [-r PATH]... [--root DIR]\n"
	"                    [--format text|json] [--param NAME=VALUE]...\n"
	"\n"
	"  list        every rule (default), '*' marks those recommended for --root\n"
	"  show ID     one rule as JSON\n"
	"  lint        check rule files; every error is printed, exit 2 if any;\n"
	"              with --root, a warning for each base missing under DIR\n"
	"  recommend   the rules whose \"recommend\" condition holds for --root: what\n"
	"              'imscan baseline' uses when given no -r\n"
	"\n"
	"  -r, --rules PATH      rule file or directory of *.json rules (repeatable);\n"
	"                        default: the installed rule library\n"
	"      --root DIR        judge recommendations (and lint's bases) against DIR\n"
	"                        as / (default /)\n"
	"  -f, --format FMT      text (default on a terminal) or json (one rule per line)\n"
	"      --param NAME=VALUE  value for a rule's ${NAME} parameter (repeatable)\n"
	"  -h, --help            this help\n";

/* How `list` prints a rule; events have their own formats (sink.h). */
enum list_format { LIST_TEXT, LIST_JSON };

struct rules_opts {
	struct rule_opts rules;
	const char *root;
	enum list_format format;
};

static int parse_list_format(const char *s, enum list_format *out)
{
	if (!strcasecmp(s, "text"))
		*out = LIST_TEXT;
	else if (!strcasecmp(s, "json"))
		*out = LIST_JSON;
	else
		return error("--format '%s': expected json or text", s);
	return 0;
}

static void print_rule(const struct rule *r, enum list_format fmt, struct strbuf *sb)
{
	strbuf_reset(sb);
	if (fmt == LIST_TEXT) {
		strbuf_addf(sb, "%-9s %-8s %c ", r->id, severity_name(r->severity),
			    r->recommended ? '*' : ' ');
		text_add_escaped(sb, r->name, strlen(r->name));
	} else {
		strbuf_adds(sb, "{\"id\":");
		json_add_string(sb, r->id, strlen(r->id));
		strbuf_adds(sb, ",\"name\":");
		json_add_string(sb, r->name, strlen(r->name));
		strbuf_addf(sb, ",\"severity\":\"%s\",\"recommended\":%s,\"realtime\":%s,\"tags\":[",
			    severity_name(r->severity), r->recommended ? "true" : "false",
			    r->realtime ? "true" : "false");
		for (size_t i = 0; i < r->ntags; i++) {
			strbuf_adds(sb, i ? "," : "");
			json_add_string(sb, r->tags[i], strlen(r->tags[i]));
		}
		strbuf_adds(sb, "],\"origin\":");
		json_add_string(sb, r->origin, strlen(r->origin));
		strbuf_addc(sb, '}');
	}
	strbuf_addc(sb, '\n');
	fwrite(sb->buf, 1, sb->len, stdout);
}

static int list(const struct ruleset *rs, enum list_format fmt, bool only_recommended)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (size_t i = 0; i < rs->nrules; i++)
		if (!only_recommended || rs->rules[i]->recommended)
			print_rule(rs->rules[i], fmt, &sb);
	strbuf_release(&sb);
	return 0;
}

static int show(const struct ruleset *rs, const char *id)
{
	const struct rule *r = ruleset_find(rs, id);
	struct strbuf sb;
	cJSON *j;
	char *text;

	if (!r)
		return error("rules: no rule with id '%s'", id);
	j = cJSON_Parse(r->json);
	text = j ? cJSON_Print(j) : NULL;
	cJSON_Delete(j);
	if (!text)
		return error("rules: rule %s: out of memory", id);
	strbuf_init(&sb);
	json_add_json(&sb, text);
	printf("%s\n", sb.buf);
	strbuf_release(&sb);
	free(text);
	return 0;
}

/* Loads one file into a scratch ruleset; prints its error. 0 or -1. */
static int lint_file(const char *path, const struct rule_opts *o, size_t *nrules)
{
	struct ruleset rs;
	struct rule_opts one = *o;
	int r;

	ruleset_init(&rs, ATTR_SHA256);
	one.paths = &path;
	one.npaths = 1;
	one.params_elsewhere = true;
	r = cmd_load_rules(&rs, &one, "/", false);
	if (r < 0)
		cmd_error(NULL);
	else
		*nrules += rs.nrules;
	ruleset_release(&rs);
	return r;
}

/* Each rule file of path on its own, so that every bad one is reported. */
static int lint_path(const char *path, const struct rule_opts *o, size_t *nrules, size_t *nfiles)
{
	struct stat st;
	struct strbuf sb;
	char **names;
	size_t n;
	int bad = 0;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode) || ruleset_list_dir(path, &names, &n) < 0) {
		(*nfiles)++;
		return lint_file(path, o, nrules);	/* reports the error */
	}
	strbuf_init(&sb);
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/%s", path, names[i]);
		(*nfiles)++;
		bad |= lint_file(sb.buf, o, nrules) < 0;
		free(names[i]);
	}
	free(names);
	strbuf_release(&sb);
	return bad ? -1 : 0;
}

/*
 * With --root, a base missing under it is a warning (a mistyped base
 * monitors nothing, forever). Returns the number of warnings.
 */
static size_t lint_bases(const struct ruleset *rs, const char *root)
{
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	size_t n = 0;

	for (size_t i = 0; i < rs->nents; i++) {
		const struct entity *e = rs->ents[i];

		if (!e->base || cmd_path_in_root(rootfd, e->base))
			continue;
		warning("rule %s: base %s does not exist under %s", e->rule->id, e->base, root);
		n++;
	}
	if (rootfd >= 0)
		close(rootfd);
	return n;
}

static int lint(const struct rules_opts *opts, char **args)
{
	const struct rule_opts *o = &opts->rules;
	struct rule_opts all = *o;
	struct ruleset rs;
	char *lib = NULL, *root = NULL;
	size_t nrules = 0, nfiles = 0, nwarn = 0;
	int bad = 0;

	(void)args;
	if (opts->root && !(root = cmd_resolve_root(opts->root)))
		return cmd_fail();
	if (!o->npaths) {
		lib = cmd_rules_library();
		all.paths = (const char **)&lib;
		all.npaths = 1;
	}
	for (size_t i = 0; i < all.npaths; i++)
		bad |= lint_path(all.paths[i], o, &nrules, &nfiles) < 0;
	if (!bad) {
		/* duplicate ids and undeclared params only show when everything
		 * is loaded together */
		ruleset_init(&rs, ATTR_SHA256);
		bad = cmd_load_rules(&rs, &all, "/", false) < 0;
		if (bad)
			cmd_fail();
		else if (root)
			nwarn = lint_bases(&rs, root);
		ruleset_release(&rs);
	}
	free(lib);
	free(root);
	if (bad)
		return EXIT_TROUBLE;
	if (nwarn)
		fprintf(stderr, "imscan: rules: %zu rules in %zu files: %zu warning%s\n", nrules,
			nfiles, nwarn, nwarn == 1 ? "" : "s");
	else
		fprintf(stderr, "imscan: rules: %zu rules in %zu files: no problems found\n",
			nrules, nfiles);
	return EXIT_SAME;
}

/* list, show and recommend: the rules as loaded for --root. */
static int with_rules(const struct rules_opts *o, char **args,
		      int (*fn)(const struct rules_opts *o, const struct ruleset *rs, char **args))
{
	struct ruleset rs;
	char *root;
	int status = EXIT_TROUBLE;

	ruleset_init(&rs, ATTR_SHA256);
	if (!(root = cmd_resolve_root(o->root)) || cmd_load_rules(&rs, &o->rules, root, false) < 0)
		goto cleanup;
	if (o->rules.npaths)	/* the library's were judged on loading */
		cmd_recommend(&rs, root);
	if (fn(o, &rs, args) == 0)
		status = EXIT_SAME;
cleanup:
	if (status == EXIT_TROUBLE)
		cmd_fail();
	ruleset_release(&rs);
	free(root);
	return status;
}

static int do_list(const struct rules_opts *o, const struct ruleset *rs, char **args)
{
	(void)args;
	return list(rs, o->format, false);
}

static int do_recommend(const struct rules_opts *o, const struct ruleset *rs, char **args)
{
	(void)args;
	return list(rs, o->format, true);
}

static int do_show(const struct rules_opts *o, const struct ruleset *rs, char **args)
{
	(void)o;
	return show(rs, args[0]);
}

static int verb_list(const struct rules_opts *o, char **args)
{
	return with_rules(o, args, do_list);
}

static int verb_recommend(const struct rules_opts *o, char **args)
{
	return with_rules(o, args, do_recommend);
}

static int verb_show(const struct rules_opts *o, char **args)
{
	return with_rules(o, args, do_show);
}

static const struct rules_verb {
	const char *name;
	int nargs;		/* operands after the verb */
	const char *usage;	/* when they are missing */
	int (*fn)(const struct rules_opts *o, char **args);
} verbs[] = {
	{ "list", 0, NULL, verb_list },
	{ "show", 1, "show needs exactly one rule ID", verb_show },
	{ "lint", 0, NULL, lint },
	{ "recommend", 0, NULL, verb_recommend },
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

/* 0 to run, or -1 to stop; *status is the exit status either way. */
static int parse(int argc, char **argv, struct rules_opts *o, int *status)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "root", required_argument, NULL, 'R' },
		{ "format", required_argument, NULL, 'f' },
		{ "param", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, r = 0;

	o->format = isatty(STDOUT_FILENO) ? LIST_TEXT : LIST_JSON;
	opterr = 0;
	optind = 1;
	*status = EXIT_TROUBLE;
	while (!r && (c = getopt_long(argc, argv, ":r:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': r = rule_opts_add_path(&o->rules, optarg); break;
		case 'R': o->root = optarg; break;
		case 'f': r = parse_list_format(optarg, &o->format); break;
		case 'P': r = rule_opts_add_param(&o->rules, optarg); break;
		case 'h': fputs(usage_text, stdout); *status = EXIT_SAME; return -1;
		default: cmd_getopt_error("rules", c, argv, longopts); return -1;
		}
	}
	return cmd_parse_done("rules", r, argc, argv, argc);
}

static const struct rules_verb *find_verb(const char *name)
{
	const char *hint;
	long i = cmd_find_name(verbs, NVERBS, sizeof(verbs[0]), name, &hint);

	if (i >= 0)
		return &verbs[i];
	if (hint)
		cmd_usage_error("rules", "unknown action '%s': did you mean '%s'?", name, hint);
	else
		cmd_usage_error("rules", "unknown action '%s'", name);
	return NULL;
}

int cmd_rules(int argc, char **argv)
{
	struct rules_opts o = { 0 };
	const struct rules_verb *v;
	char **args;
	int status, nargs;

	if (parse(argc, argv, &o, &status) < 0)
		goto cleanup;
	args = argv + optind;
	nargs = argc - optind;
	if (!(v = find_verb(nargs ? args[0] : "list")))
		goto cleanup;
	if (nargs)
		args++, nargs--;
	if (nargs < v->nargs)
		cmd_usage_error("rules", "%s", v->usage);
	else if (nargs > v->nargs)
		cmd_usage_error("rules", v->usage ? v->usage : "unexpected argument '%s'",
				args[nargs - 1]);
	else
		status = v->fn(&o, args);
cleanup:
	rule_opts_release(&o.rules);
	return status;
}
