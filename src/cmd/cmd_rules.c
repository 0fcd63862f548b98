/* cmd_rules.c - imscan rules: list, show, lint and recommend rules. */
#include <cJSON.h>
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	"  lint        check rule files; every error is printed, exit 2 if any\n"
	"  recommend   the rules whose \"recommend\" condition holds for --root: what\n"
	"              'imscan baseline' uses when given no -r\n"
	"\n"
	"  -r, --rules PATH      rule file or directory of *.json rules (repeatable);\n"
	"                        default: the installed rule library\n"
	"      --root DIR        judge recommendations against DIR as / (default /)\n"
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
	if (!strcmp(s, "text"))
		*out = LIST_TEXT;
	else if (!strcmp(s, "json"))
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
	return EXIT_SAME;
}

static int show(const struct ruleset *rs, const char *id)
{
	const struct rule *r = ruleset_find(rs, id);
	cJSON *j;
	char *text;

	if (!r)
		return cmd_error("rules: no rule with id '%s'", id);
	j = cJSON_Parse(r->json);
	text = j ? cJSON_Print(j) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(j);
	return EXIT_SAME;
}

static int has_json_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && !strcmp(name + n - 5, ".json") && name[0] != '.';
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
	r = cmd_load_rules(&rs, &one, "/", false);
	if (r < 0)
		cmd_error(NULL);
	else
		*nrules += rs.nrules;
	ruleset_release(&rs);
	return r;
}

static int lint_path(const char *path, const struct rule_opts *o, size_t *nrules, size_t *nfiles)
{
	struct dirent **names;
	struct stat st;
	int n, bad = 0;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		(*nfiles)++;
		return lint_file(path, o, nrules);
	}
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return lint_file(path, o, nrules);	/* reports the error */
	for (int i = 0; i < n; i++) {
		if (has_json_suffix(names[i]->d_name)) {
			struct strbuf sb;

			strbuf_init(&sb);
			strbuf_addf(&sb, "%s/%s", path, names[i]->d_name);
			(*nfiles)++;
			bad |= lint_file(sb.buf, o, nrules) < 0;
			strbuf_release(&sb);
		}
		free(names[i]);
	}
	free(names);
	return bad ? -1 : 0;
}

static int lint(const struct rule_opts *o)
{
	struct rule_opts all = *o;
	struct ruleset rs;
	char *lib = NULL;
	size_t nrules = 0, nfiles = 0;
	int bad = 0;

	if (!o->npaths) {
		lib = cmd_rules_library();
		all.paths = (const char **)&lib;
		all.npaths = 1;
	}
	for (size_t i = 0; i < all.npaths; i++)
		bad |= lint_path(all.paths[i], o, &nrules, &nfiles) < 0;
	if (!bad) {
		/* duplicate ids only show when everything is loaded together */
		ruleset_init(&rs, ATTR_SHA256);
		bad = cmd_load_rules(&rs, &all, "/", false) < 0;
		if (bad)
			cmd_error(NULL);
		ruleset_release(&rs);
	}
	free(lib);
	if (bad)
		return EXIT_TROUBLE;
	fprintf(stderr, "imscan: rules: %zu rules in %zu files: no problems found\n", nrules, nfiles);
	return EXIT_SAME;
}

static int parse(int argc, char **argv, struct rules_opts *o)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "root", required_argument, NULL, 'R' },
		{ "format", required_argument, NULL, 'f' },
		{ "param", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	o->format = isatty(STDOUT_FILENO) ? LIST_TEXT : LIST_JSON;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': rule_opts_add_path(&o->rules, optarg); break;
		case 'R': o->root = optarg; break;
		case 'f':
			if (parse_list_format(optarg, &o->format) < 0)
				return cmd_usage_error("rules", "%s", error_last());
			break;
		case 'P':
			if (rule_opts_add_param(&o->rules, optarg) < 0)
				return cmd_usage_error("rules", "%s", error_last());
			break;
		case 'h': fputs(usage_text, stdout); return EXIT_SAME;
		case ':': return cmd_usage_error("rules", "option '%s' needs a value", argv[optind - 1]);
		default: return cmd_usage_error("rules", "unknown option '%s'", argv[optind - 1]);
		}
	}
	return -1;
}

static int dispatch(const struct rules_opts *o, int argc, char **argv)
{
	const char *verb = argc > 0 ? argv[0] : "list";
	int want = !strcmp(verb, "show") ? 2 : 1;
	struct ruleset rs;
	char *root;
	int status;

	if (strcmp(verb, "list") && strcmp(verb, "show") && strcmp(verb, "lint") &&
	    strcmp(verb, "recommend"))
		return cmd_usage_error("rules", "unknown action '%s'", verb);
	if (argc > want || (want == 2 && argc < 2))
		return cmd_usage_error("rules", want == 2 ? "show needs exactly one rule ID" :
				       "unexpected argument '%s'", argv[argc - 1]);
	if (!strcmp(verb, "lint"))
		return lint(&o->rules);
	if (!(root = cmd_resolve_root(o->root)))
		return cmd_error(NULL);
	ruleset_init(&rs, ATTR_SHA256);
	if (cmd_load_rules(&rs, &o->rules, root, false) < 0) {
		status = cmd_error(NULL);
	} else {
		if (o->rules.npaths)	/* the library's were judged on loading */
			ruleset_recommend(&rs, root);
		if (!strcmp(verb, "show"))
			status = show(&rs, argv[1]);
		else
			status = list(&rs, o->format, !strcmp(verb, "recommend"));
	}
	ruleset_release(&rs);
	free(root);
	return status;
}

int cmd_rules(int argc, char **argv)
{
	struct rules_opts o = { 0 };
	int status = parse(argc, argv, &o);

	if (status < 0)
		status = dispatch(&o, argc - optind, argv + optind);
	rule_opts_release(&o.rules);
	return status;
}
