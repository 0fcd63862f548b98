/*
 * cmd.h - the subcommands and what they share.
 *
 * To add a command: write src/cmd/cmd_<name>.c with
 *   int cmd_<name>(int argc, char **argv)
 * that parses its own options (getopt_long; argv[0] is the command name),
 * prints its own usage on --help, and returns an exit status; declare it
 * here and add one row to the table in main.c. Only this layer prints
 * errors (cmd_error) and picks exit statuses.
 *
 * Every command has the same shape: a parse() that returns 0 to run or -1
 * to stop, with the exit status in *status either way (--help is a stop
 * with EXIT_SAME, a usage error one with EXIT_TROUBLE, already printed);
 * then a run() with one cleanup: path that prints the last error when the
 * status is EXIT_TROUBLE and the failure was not a closed stdout.
 *
 * main() starts every command with descriptors 0, 1 and 2 open (on
 * /dev/null if they were closed) and SIGPIPE ignored: a reader that goes
 * away makes writes fail with EPIPE, and the command ends with
 * EXIT_TROUBLE and no message (imscan(1), EXIT STATUS).
 */
#ifndef IMSCAN_CMD_H
#define IMSCAN_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imscan/baseline.h"
#include "imscan/event.h"
#include "imscan/rules.h"
#include "imscan/sandbox.h"
#include "imscan/sink.h"

/* Exit statuses, as diff(1). */
#define EXIT_SAME	0	/* no differences */
#define EXIT_DIFF	1	/* differences reported */
#define EXIT_TROUBLE	2	/* bad usage, bad rules or baseline, I/O error */

int cmd_rules(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* Prints "imscan: <msg>" (or the last error if fmt is NULL) to stderr;
 * returns EXIT_TROUBLE. */
int cmd_error(const char *fmt, ...) IMSCAN_PRINTF(1, 2);

/* Prints "imscan <cmd>: <msg>" and a hint to run --help; returns EXIT_TROUBLE. */
int cmd_usage_error(const char *cmd, const char *fmt, ...) IMSCAN_PRINTF(2, 3);

/*
 * The trouble a run ends with: the last error, unless stdout is a pipe
 * whose reader has gone (then its EPIPE is the whole story and nothing is
 * printed). Returns EXIT_TROUBLE.
 */
int cmd_fail(void);

/* Whether stdout failed because nobody reads it any more. */
bool cmd_stdout_gone(void);

/*
 * getopt_long's ':' (value missing) and '?' (unknown option) as usage
 * errors of cmd; an unknown long option close to a known one gets a hint:
 *   imscan check: unknown option '--formt': did you mean '--format'?
 * Returns EXIT_TROUBLE.
 */
int cmd_getopt_error(const char *cmd, int c, char *const *argv, const struct option *longopts);

/*
 * The end of a parse() after its getopt loop: r < 0 (an option value was
 * refused, message left) or more than maxargs operands is a usage error,
 * printed. Returns 0 or -1, as parse() does.
 */
int cmd_parse_done(const char *cmd, int r, int argc, char *const *argv, int maxargs);

/* Levenshtein distance of two strings (bytes). */
size_t cmd_edit_distance(const char *a, const char *b);

/*
 * Of n names, the one closest to word if it is close enough to be a typo
 * (at most 2 edits, and fewer edits than word has bytes), else NULL.
 */
const char *cmd_closest(const char *word, const char *const *names, size_t n);

/*
 * The index of name in a table of n rows of stride bytes whose first
 * member is a const char * name (at most 64 rows), or -1 with *hint the
 * closest name (cmd_closest) or NULL.
 */
long cmd_find_name(const void *table, size_t n, size_t stride, const char *name,
		   const char **hint);

/*
 * -b default: $IMSCAN_BASELINE, else /var/lib/imscan/baseline.imdb for
 * root, else $XDG_STATE_HOME/imscan/baseline.imdb (~/.local/state/...).
 * Caller frees; NULL with a message if no home can be found. *from (may
 * be NULL) says where it came from: "$IMSCAN_BASELINE" or "the default".
 */
char *cmd_default_baseline(const char **from);

/* The baseline file of a command and where its name came from. */
struct baseline_path {
	char *file;
	const char *from;	/* "-b", "$IMSCAN_BASELINE", "the default" */
};

/* opt_file (-b, or NULL) or the default. 0, or -1 with a message. */
int baseline_path_init(struct baseline_path *bp, const char *opt_file);
void baseline_path_release(struct baseline_path *bp);

/*
 * For a command about to read the baseline: 0 if bp->file can be
 * stat'ed, else prints (and returns EXIT_TROUBLE)
 *   imscan check: no baseline at '/x' (from -b): run 'imscan baseline -b /x' first
 *   imscan check: no baseline at '/x' (from $IMSCAN_BASELINE): run 'imscan baseline' first
 *   imscan check: no baseline at '/x' (the default): run 'imscan baseline' first
 *   imscan check: cannot read baseline '/x' (from -b): <reason>
 */
int cmd_baseline_readable(const char *cmd, const struct baseline_path *bp);

/*
 * The end of a command that reads the baseline: its file from -b (opt_file,
 * or NULL) or the default, refused as cmd_baseline_readable() says, else
 * run(o, file). Returns the exit status.
 */
int cmd_on_baseline(const char *cmd, const char *opt_file,
		    int (*run)(const void *o, const char *file), const void *o);

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

/*
 * imscan's own files beside the baseline file, which no scan may report
 * (baseline_paths_get: file, file.lock, file.prev, file.prev.new and the
 * temporary files file.XXXXXX), for source_opts.skip. 0, or -1 with a
 * message; frees with cmd_own_files_release().
 */
#define CMD_OWN_FILES 5
int cmd_own_files(const char *file, char *out[CMD_OWN_FILES]);
void cmd_own_files_release(char *out[CMD_OWN_FILES]);

/*
 * Option values. Each returns 0, or -1 with a message naming the option.
 * A value that names a choice (a format, a hash) is case-insensitive.
 */
int cmd_parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out);
int cmd_parse_format(const char *s, const struct sink_ops **out);
int cmd_parse_hash(const char *s, enum attr_id *out);

/*
 * Confines the rest of the command (sandbox.h) unless disabled by
 * --no-sandbox: files may then be written only in the directory of
 * write_file (the baseline being written), and nowhere if it is NULL or
 * that directory does not exist. steps: SANDBOX_ALL, or the steps taken
 * apart (sandbox_confine_steps). Call it before the hashing threads start,
 * from source_opts.confine (which the live sources precede). Never fails
 * the command: a step that should have worked and did not is one warning().
 */
void cmd_sandbox(bool enabled, const char *write_file, unsigned steps);
/* The same for any profile (watch's), unconditionally, with the given steps. */
void cmd_sandbox_profile(enum sandbox_profile profile, const char *write_file, unsigned steps);

/* Default output format: text on a terminal, JSON otherwise. */
const struct sink_ops *cmd_default_format(void);

/* Collected -r PATH and --param NAME=VALUE options. */
struct rule_opts {
	const char **paths;
	size_t npaths;
	const char **params;	/* "NAME=VALUE" */
	size_t nparams;
	/* Loading one file of several (rules lint): a param may be declared
	 * in another file, so an undeclared one is not an error here. */
	bool params_elsewhere;
};
/* Each returns 0, or -1 with a message (out of memory, a bad NAME=VALUE). */
int rule_opts_add_path(struct rule_opts *o, const char *p);
int rule_opts_add_param(struct rule_opts *o, const char *nv);
void rule_opts_release(struct rule_opts *o);

/*
 * Loads the rules of -r options into rs; with none, the installed library,
 * keeping only the rules recommended for root when recommended_only. A
 * --param that no loaded rule declares is an error (a typo must not fall
 * back to a default silently):
 *   --param dri: no loaded rule declares a param named "dri"
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

/*
 * ruleset_recommend() for root (NULL is "/"): path_exists resolved inside
 * root as a base is (walk_open_in_root), so an image whose /etc links to
 * the host's /etc is judged by its own files. A root that cannot be
 * opened holds no path.
 */
void cmd_recommend(struct ruleset *rs, const char *root);

/*
 * Whether path (absolute) exists inside the directory rootfd: the
 * directory above resolved inside the root as a base is, then lstat(2) of
 * the last component there. False if rootfd < 0.
 */
bool cmd_path_in_root(int rootfd, const char *path);

int64_t cmd_now(void);		/* ns since the epoch */
const char *cmd_hostname(void);	/* borrowed */
int64_t cmd_clock(void);	/* monotonic ns, for durations */
double cmd_seconds_since(int64_t clock_start);

#endif
