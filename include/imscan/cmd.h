/*
 * cmd.h - the subcommands and what they share.
 *
 * To add a command: write src/cmd_<name>.c with
 *   int cmd_<name>(int argc, char **argv)
 * that parses its own options (getopt_long; argv[0] is the command name),
 * prints its own usage on --help, and returns an exit status; declare it
 * here and add one row to the table in main.c. Only this layer prints
 * errors (cmd_error) and picks exit statuses.
 */
#ifndef IMSCAN_CMD_H
#define IMSCAN_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "imscan/baseline.h"
#include "imscan/event.h"
#include "imscan/rules.h"

/* Exit statuses, as diff(1). */
#define EXIT_SAME	0	/* no differences */
#define EXIT_DIFF	1	/* differences reported */
#define EXIT_TROUBLE	2	/* bad usage, bad rules or baseline, I/O error */

int cmd_rules(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_show(int argc, char **argv);

/* Prints "imscan: <msg>" (or the last error if fmt is NULL) to stderr;
 * returns EXIT_TROUBLE. */
int cmd_error(const char *fmt, ...) IMSCAN_PRINTF(1, 2);

/* Prints "imscan <cmd>: <msg>" and a hint to run --help; returns EXIT_TROUBLE. */
int cmd_usage_error(const char *cmd, const char *fmt, ...) IMSCAN_PRINTF(2, 3);

/*
 * -b default: $IMSCAN_BASELINE, else /var/lib/imscan/baseline.imdb for
 * root, else $XDG_STATE_HOME/imscan/baseline.imdb (~/.local/state/...).
 * Caller frees; NULL with a message if no home can be found.
 */
char *cmd_default_baseline(void);

/*
 * The installed rule library: $IMSCAN_RULES, else IMSCAN_RULESDIR if it
 * exists, else rules/ beside the running binary (a build tree). Caller frees.
 */
char *cmd_rules_library(void);

/*
 * --root: NULL or "" means "/". Checks that it is a directory and returns
 * its absolute form (caller frees), or NULL with a message.
 */
char *cmd_resolve_root(const char *root);

/* Option values. Each returns 0, or -1 with a message naming the option. */
int cmd_parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out);
int cmd_parse_format(const char *s, enum sink_format *out);
int cmd_parse_hash(const char *s, enum attr_id *out);

/*
 * Confines the rest of the command (sandbox.h) unless disabled by
 * --no-sandbox: files may then be written only in the directory of
 * write_file (the baseline being written), and nowhere if it is NULL or
 * that directory does not exist. Call it before scan_open(), which starts
 * the hashing threads. Never fails the command: a step that should have
 * worked and did not is one warning().
 */
void cmd_sandbox(bool enabled, const char *write_file);

/* Default output format: text on a terminal, JSON otherwise. */
enum sink_format cmd_default_format(void);

/* Collected -r PATH and --param NAME=VALUE options. */
struct rule_opts {
	const char **paths;
	size_t npaths;
	const char **params;	/* "NAME=VALUE" */
	size_t nparams;
};
void rule_opts_add_path(struct rule_opts *o, const char *p);
int rule_opts_add_param(struct rule_opts *o, const char *nv);
void rule_opts_release(struct rule_opts *o);

/*
 * Loads the rules of -r options into rs; with none, the installed library,
 * keeping only the rules recommended for root when recommended_only.
 */
int cmd_load_rules(struct ruleset *rs, const struct rule_opts *o, const char *root,
		   bool recommended_only);

/*
 * rebaseline.c: what a baseline keeps from the one it replaces. prepare
 * reads the old file (if any) and, when ro has no -r paths, repeats its
 * recorded choice into ro (the paths re-read; a path that is gone is an
 * error naming it; its params unless ro has some); origin gives the
 * choice to record in the new header (owned by rb); report prints which
 * rule ids were added, dropped or changed, if any.
 */
struct rebaseline {
	bool exists;			/* there is an old baseline */
	bool repeated;			/* its -r paths were repeated */
	struct baseline_header old;
	struct baseline_origin origin;
};
int rebaseline_prepare(struct rebaseline *rb, const char *file, struct rule_opts *ro);
const struct baseline_origin *rebaseline_origin(struct rebaseline *rb, const struct rule_opts *ro);
void rebaseline_report(const struct rebaseline *rb, const char *rules_json);
void rebaseline_release(struct rebaseline *rb);

int64_t cmd_now(void);		/* ns since the epoch */
const char *cmd_hostname(void);	/* borrowed */
int64_t cmd_clock(void);	/* monotonic ns, for durations */
double cmd_seconds_since(int64_t clock_start);

#endif
