/* cmd_check.c - imscan check: scan again and report differences from the baseline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/baseline.h"
#include "imscan/cmd.h"
#include "imscan/diff.h"
#include "imscan/error.h"
#include "imscan/source.h"
#include "imscan/tee.h"
#include "imscan/xalloc.h"

/*
 * Baseline records decoded ahead of the diff. --quick's lookups run ahead
 * of it by the scan's records in flight (4096), so twice that is rarely
 * short, and it bounds memory at a few MB whatever the trees; without
 * lookups a smaller ring keeps the decoding thread as far ahead.
 */
#define CHECK_TEE_MAX 8192
#define CHECK_TEE_PLAIN 1024

static const char usage_text[] =
	"usage: imscan check [-b FILE] [--root DIR] [--format json|text] [--update]\n"
	"                    [--jobs N] [--quick] [-q] [--no-sandbox]\n"
	"\n"
	"Scan again with the rules embedded in the baseline and print one event per\n"
	"changed entity (imscan(1), EVENTS). Exit status: 0 no differences,\n"
	"1 differences, 2 trouble.\n"
	"\n"
	"  -b, --baseline FILE   baseline to compare with (default as for 'baseline')\n"
	"      --root DIR        scan DIR as if it were / (default: the baseline's root)\n"
	"  -f, --format FMT      json (one object per line; default when stdout is not\n"
	"                        a terminal) or text\n"
	"  -u, --update          after reporting, replace the baseline with the current\n"
	"                        state (atomically; the rules stay those of the baseline)\n"
	"  -j, --jobs N          hashing threads (default: online CPUs)\n"
	"      --quick           do not re-read an entry whose type, size, mtime, ctime,\n"
	"                        inode and device match the baseline (see imscan(1),\n"
	"                        QUICK CHECKS, for what that trusts)\n"
	"  -q, --quiet           no summary line on stderr\n"
	"      --no-sandbox      do not confine the check with Landlock and seccomp\n"
	"                        (see imscan(1), HARDENING)\n"
	"  -h, --help            this help\n";

struct check_opts {
	const char *file;
	const char *root;
	const struct sink_ops *format;
	bool update;
	bool quiet;
	bool quick;
	bool no_sandbox;
	unsigned jobs;
};

/* 0 to run, or -1 to stop; *status is the exit status either way. */
static int parse(int argc, char **argv, struct check_opts *o, int *status)
{
	static const struct option longopts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "root", required_argument, NULL, 'R' },
		{ "format", required_argument, NULL, 'f' },
		{ "update", no_argument, NULL, 'u' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "quick", no_argument, NULL, 'Q' },
		{ "no-sandbox", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, r = 0;

	o->format = cmd_default_format();
	opterr = 0;
	optind = 1;
	*status = EXIT_TROUBLE;
	while (!r && (c = getopt_long(argc, argv, ":b:f:uj:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o->file = optarg; break;
		case 'R': o->root = optarg; break;
		case 'f': r = cmd_parse_format(optarg, &o->format); break;
		case 'u': o->update = true; break;
		case 'j': r = cmd_parse_uint("--jobs", optarg, 1, 1024, &o->jobs); break;
		case 'q': o->quiet = true; break;
		case 'Q': o->quick = true; break;
		case 'S': o->no_sandbox = true; break;
		case 'h': fputs(usage_text, stdout); *status = EXIT_SAME; return -1;
		default: cmd_getopt_error("check", c, argv, longopts); return -1;
		}
	}
	return cmd_parse_done("check", r, argc, argv, 0);
}

struct check_ctx {
	struct sink_list *sinks;
	struct baseline_writer *update;
	struct baseline_reader *br;
	bool verified;
};

/* Nothing is reported from a baseline that is still being verified. */
static int verified(struct check_ctx *c)
{
	if (!c->verified && baseline_reader_wait(c->br) < 0)
		return -1;
	c->verified = true;
	return 0;
}

static int on_event(void *ctx, const struct event *ev)
{
	struct check_ctx *c = ctx;

	return verified(c) < 0 ? -1 : sink_list_emit(c->sinks, ev);
}

static int on_record(void *ctx, const struct record *r)
{
	struct check_ctx *c = ctx;

	return c->update ? baseline_writer_add(c->update, r) : 0;
}

static void summary(const struct event_summary *s, const char *file, bool updated)
{
	struct strbuf line;

	strbuf_init(&line);
	event_summary_format(&line, s);
	fprintf(stderr, "imscan: check: %s%s%s\n", line.buf,
		updated ? "; baseline updated: " : "", updated ? file : "");
	strbuf_release(&line);
}

/* --quick's lookups in the baseline, as the sources ask for them. */
static int lookup(void *ctx, enum kind kind, const char *key, size_t keylen,
		  const struct record **out)
{
	int rc = tee_find(ctx, kind, key, keylen, out);

	return rc == TEE_LATER ? SOURCE_LOOKUP_LATER : rc;
}

/* The new state is of this host and root, made now. */
static int open_update(struct check_ctx *c, struct baseline_header *h, const char *file,
		       const char *root)
{
	free(h->host);
	h->host = xstrdup(cmd_hostname());
	free(h->root);
	h->root = xstrdup(root);
	h->created = cmd_now();
	return baseline_writer_open(&c->update, file, h);
}

static int run(const struct check_opts *o, const char *file)
{
	struct baseline_reader *br = NULL;
	struct tee *tee = NULL;
	struct recstream teed;
	struct baseline_header h = { 0 };
	struct ruleset rs;
	struct source_opts so = { 0 };
	struct source_run *sc = NULL;
	char *own[CMD_OWN_FILES] = { 0 };
	struct check_ctx ctx = { 0 };
	struct diff_opts d = { 0 };
	struct event_summary sum = { 0 };
	struct recstream olds, news;
	char *root = NULL;
	int64_t t0 = cmd_clock();
	int status = EXIT_TROUBLE, rc_sinks;

	ruleset_init(&rs, ATTR_SHA256);
	/* Before the reader, which verifies a file that may be hostile. */
	cmd_sandbox(!o->no_sandbox, o->update ? file : NULL);
	/* Verified on a second thread while the scan runs (see on_event). */
	if (baseline_reader_open_async(&br, file, NULL, &h) < 0)
		goto cleanup;
	ctx.br = br;
	rs.hash = h.hash;
	if (ruleset_load_json(&rs, h.rules_json, strlen(h.rules_json), "baseline rules") < 0 ||
	    !(root = cmd_resolve_root(o->root ? o->root : h.root)))
		goto cleanup;
	if (strcmp(root, h.root))
		warning("checking root '%s' against a baseline of '%s'", root, h.root);
	so.root = root;
	so.rules = &rs;
	so.jobs = o->jobs;
	so.max_key = BASELINE_MAX_FIELD;
	cmd_own_files(file, own);
	so.skip = (const char *const *)own;
	so.nskip = CMD_OWN_FILES;
	/* The baseline is decoded on a thread of its own, once for the diff
	 * and --quick's lookups. */
	olds = baseline_reader_stream(br);
	tee = tee_new(&olds, o->quick ? CHECK_TEE_MAX : CHECK_TEE_PLAIN);
	if (o->quick) {
		so.lookup = lookup;
		so.lookup_ctx = tee;
	}
	if (!(sc = sources_open(&so)))
		goto cleanup;
	if (o->update && open_update(&ctx, &h, file, root) < 0)
		goto cleanup;
	if (!(ctx.sinks = sink_list_new()) ||
	    sink_list_add(ctx.sinks, o->format, &(struct sink_conf){ .out = stdout }, "stdout") < 0)
		goto cleanup;
	d = (struct diff_opts){ &rs, cmd_hostname(), "check", cmd_now(), on_event, on_record, &ctx };
	teed = tee_main(tee);
	news = sources_stream(sc);
	if (diff_run(&d, &teed, &news, &sum) < 0)
		goto cleanup;
	if (verified(&ctx) < 0)
		goto cleanup;
	if (ctx.update) {
		int rc = baseline_writer_commit(ctx.update, NULL);

		ctx.update = NULL;
		if (rc < 0)
			goto cleanup;
	}
	rc_sinks = sink_list_close(ctx.sinks);
	ctx.sinks = NULL;
	if (rc_sinks < 0)
		goto cleanup;
	sum.seconds = cmd_seconds_since(t0);
	if (!o->quiet)
		summary(&sum, file, o->update);
	status = event_summary_events(&sum) ? EXIT_DIFF : EXIT_SAME;
cleanup:
	if (status == EXIT_TROUBLE)
		cmd_fail();
	if (ctx.update)
		baseline_writer_abort(ctx.update);
	sink_list_close(ctx.sinks);
	sources_close(sc);
	cmd_own_files_release(own);
	tee_free(tee);
	baseline_reader_close(br);
	baseline_header_release(&h);
	ruleset_release(&rs);
	free(root);
	return status;
}

/* cmd_on_baseline's run: the options come back as they went. */
static int run_opts(const void *o, const char *file)
{
	return run(o, file);
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o = { 0 };
	int status;

	if (parse(argc, argv, &o, &status) < 0)
		return status;
	return cmd_on_baseline("check", o.file, run_opts, &o);
}
