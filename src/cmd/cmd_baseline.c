/* cmd_baseline.c - imscan baseline: scan what the rules select, write the file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "imscan/baseline.h"
#include "imscan/cmd.h"
#include "imscan/error.h"
#include "imscan/source.h"
#include "imscan/xalloc.h"

static const char usage_text[] =
	"usage: imscan baseline [-r PATH]... [-b FILE] [--root DIR] [--hash ALG]\n"
	"                       [--jobs N] [--param NAME=VALUE]... [--no-sandbox]\n"
	"\n"
	"Scan what the rules select and write the baseline file (atomically, mode 0600);\n"
	"the file it replaces is kept as FILE.prev.\n"
	"\n"
	"  -r, --rules PATH      rule file or directory of *.json rules (repeatable);\n"
	"                        default: the choice recorded in the baseline replaced\n"
	"                        (its -r paths, re-read, and --param values), else the\n"
	"                        recommended rules of the installed library\n"
	"  -b, --baseline FILE   baseline to write (default: $IMSCAN_BASELINE, else\n"
	"                        /var/lib/imscan/baseline.imdb as root,\n"
	"                        $XDG_STATE_HOME/imscan/baseline.imdb otherwise)\n"
	"      --root DIR        scan DIR as if it were / (images, chroots)\n"
	"      --hash ALG        content hash of STANDARD: sha256 (default), sha512,\n"
	"                        blake2b, xxh128 (fast, not cryptographic)\n"
	"  -j, --jobs N          hashing threads (default: online CPUs)\n"
	"      --param NAME=VALUE  value for a rule's ${NAME} parameter (repeatable)\n"
	"      --no-sandbox      do not confine the scan with Landlock and seccomp\n"
	"                        (see imscan(1), HARDENING)\n"
	"  -h, --help            this help\n";

struct baseline_opts {
	struct rule_opts rules;
	const char *file;
	const char *root;
	enum attr_id hash;
	unsigned jobs;
	bool no_sandbox;
};

/* 0 to run, or -1 to stop; *status is the exit status either way. */
static int parse(int argc, char **argv, struct baseline_opts *o, int *status)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "root", required_argument, NULL, 'R' },
		{ "hash", required_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "param", required_argument, NULL, 'P' },
		{ "no-sandbox", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, r = 0;

	o->hash = ATTR_SHA256;
	opterr = 0;
	optind = 1;
	*status = EXIT_TROUBLE;
	while (!r && (c = getopt_long(argc, argv, ":r:b:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': r = rule_opts_add_path(&o->rules, optarg); break;
		case 'b': o->file = optarg; break;
		case 'R': o->root = optarg; break;
		case 'H': r = cmd_parse_hash(optarg, &o->hash); break;
		case 'j': r = cmd_parse_uint("--jobs", optarg, 1, 1024, &o->jobs); break;
		case 'P': r = rule_opts_add_param(&o->rules, optarg); break;
		case 'S': o->no_sandbox = true; break;
		case 'h': fputs(usage_text, stdout); *status = EXIT_SAME; return -1;
		default: cmd_getopt_error("baseline", c, argv, longopts); return -1;
		}
	}
	return cmd_parse_done("baseline", r, argc, argv, 0);
}

/* Scans into an open writer; returns the number of records or -1. */
static long long write_records(struct source_run *sc, struct baseline_writer *w)
{
	struct recstream st = sources_stream(sc);
	const struct record *r;
	long long n = 0;
	int rc;

	while ((rc = st.next(st.self, &r)) > 0) {
		if (baseline_writer_add(w, r) < 0)
			return -1;
		n++;
	}
	return rc < 0 ? -1 : n;
}

/* A fresh key for the digests of secrets: they compare only within the
 * baselines that share it (check --update keeps it). */
static int new_key(unsigned char key[BASELINE_KEY_LEN])
{
	if (sodium_init() < 0)
		return error("cannot initialise libsodium");
	randombytes_buf(key, BASELINE_KEY_LEN);
	return 0;
}

/* After the live sources read other processes' /proc entries (source.h). */
static void confine(void *file)
{
	cmd_sandbox(true, file, SANDBOX_ALL);
}

/* What the sources need but the key: own is imscan's files to skip. */
static void source_setup(struct source_opts *so, const struct baseline_opts *o, const char *root,
			 const struct ruleset *rs, char **own)
{
	so->root = root;
	so->rules = rs;
	so->jobs = o->jobs;
	so->max_key = BASELINE_MAX_FIELD;
	so->skip = (const char *const *)own;
	so->nskip = CMD_OWN_FILES;
	so->warn_missing = true;
	so->names = true;	/* for check --portable */
	so->confine = o->no_sandbox ? NULL : confine;
}

static int run(struct baseline_opts *o, const char *root, const char *file)
{
	struct ruleset rs;
	struct baseline_spec h = { 0 };
	char *rules_json = NULL;
	struct source_opts so = { 0 };
	struct baseline_writer *w = NULL;
	struct baseline_lock *lock = NULL;
	struct rebaseline rb = { 0 };
	struct source_run *sc = NULL;
	struct source_stats st;
	char *own[CMD_OWN_FILES] = { 0 };
	unsigned char key[BASELINE_KEY_LEN];
	int64_t t0 = cmd_clock();
	long long n = -1;
	int status = EXIT_TROUBLE;

	ruleset_init(&rs, o->hash);
	/* Held from the read of the old baseline (its choice of rules) on. */
	if (new_key(key) < 0 || !(lock = baseline_lock_acquire(file)) ||
	    rebaseline_prepare(&rb, file, &o->rules) < 0 ||
	    cmd_load_rules(&rs, &o->rules, root, true) < 0)
		goto cleanup;
	if (!rs.nrules) {
		error("no rules to baseline with: give -r PATH, or see 'imscan rules recommend'");
		goto cleanup;
	}
	h.created = cmd_now();
	h.host = cmd_hostname();
	h.root = root;
	h.hash = o->hash;
	h.tool = "imscan " IMSCAN_VERSION;
	h.rules_json = rules_json = ruleset_to_json(&rs);
	h.origin = rebaseline_origin(&rb, &o->rules);
	h.digest_key = so.digest_key = key;
	if (cmd_own_files(file, own) < 0)
		goto cleanup;
	source_setup(&so, o, root, &rs, own);
	n = baseline_writer_open_locked(&w, lock, &h);
	lock = NULL;	/* the writer's, whatever the outcome */
	if (n < 0)
		goto cleanup;
	baseline_writer_keep_prev(w);
	so.confine_ctx = (void *)file;
	if (!(sc = sources_open(&so)))
		goto cleanup;
	n = write_records(sc, w);
	if (n < 0 || baseline_writer_commit(w, NULL) < 0) {
		if (n < 0)
			baseline_writer_abort(w);
		w = NULL;
		goto cleanup;
	}
	w = NULL;
	rebaseline_report(&rb, rules_json);
	sources_stats(sc, &st);
	fprintf(stderr, "imscan: baseline: %lld entries (%llu unreadable), %zu rules, "
		"%.1f MB hashed, written to %s in %.1fs\n", n, (unsigned long long)st.errors,
		rs.nrules, (double)st.bytes_hashed / 1e6, file, cmd_seconds_since(t0));
	status = EXIT_SAME;
cleanup:
	if (status == EXIT_TROUBLE)
		cmd_fail();
	if (w)
		baseline_writer_abort(w);
	baseline_lock_release(lock);
	rebaseline_release(&rb);
	sources_close(sc);
	cmd_own_files_release(own);
	free(rules_json);
	sodium_memzero(key, sizeof(key));
	ruleset_release(&rs);
	return status;
}

int cmd_baseline(int argc, char **argv)
{
	struct baseline_opts o = { 0 };
	struct baseline_path bp = { 0 };
	char *root = NULL;
	int status;

	if (parse(argc, argv, &o, &status) < 0)
		goto cleanup;
	if (!(root = cmd_resolve_root(o.root)) || baseline_path_init(&bp, o.file) < 0)
		status = cmd_fail();
	else
		status = run(&o, root, bp.file);
cleanup:
	free(root);
	baseline_path_release(&bp);
	rule_opts_release(&o.rules);
	return status;
}
