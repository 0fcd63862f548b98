/* cmd_check.c - imscan check: scan again and report differences from the baseline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imscan/baseline.h"
#include "imscan/cmd.h"
#include "imscan/diff.h"
#include "imscan/error.h"
#include "imscan/escape.h"
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
	"                    [--portable[=ATTR,...]] [--jobs N] [--quick] [-q] [-v]\n"
	"                    [--no-sandbox]\n"
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
	"      --portable[=ATTR,...]\n"
	"                        compare files only in what a copy keeps (type, mode,\n"
	"                        owner and group names, size, content, target, xattrs,\n"
	"                        ACL, capabilities, flags, rdev) and in the attributes\n"
	"                        listed, e.g. --portable=mtime (imscan(1), PORTABLE\n"
	"                        COMPARISONS)\n"
	"  -j, --jobs N          hashing threads (default: online CPUs)\n"
	"      --quick           do not re-read an entry whose type, size, mtime, ctime,\n"
	"                        inode and device match the baseline (see imscan(1),\n"
	"                        QUICK CHECKS, for what that trusts)\n"
	"  -q, --quiet           no summary line on stderr\n"
	"  -v, --verbose         name on stderr each entry that could not be read\n"
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
	bool verbose;
	bool no_sandbox;
	bool portable;
	struct attrset portable_attrs;
	unsigned jobs;
};

/* --portable=mtime,nlink: file attributes compared beside the portable set. */
static int parse_portable(const char *s, struct attrset *out)
{
	char *list = xstrdup(s ? s : ""), *save = NULL;
	int r = 0;

	*out = attr_portable();
	for (char *t = strtok_r(list, ",", &save); t && !r; t = strtok_r(NULL, ",", &save)) {
		enum attr_id a;

		if (attr_lookup(t, &a) < 0 || !(attr_table[a].kinds & KINDBIT(KIND_FILE)) ||
		    (attr_table[a].flags & ATTRF_INTERNAL))
			r = error("--portable: '%s' is not an attribute of files", t);
		else
			attrset_add(out, a);
	}
	if (!r && s && !*s)
		r = error("--portable=: expected attribute names, such as mtime");
	free(list);
	return r;
}

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
		{ "verbose", no_argument, NULL, 'v' },
		{ "portable", optional_argument, NULL, 'P' },
		{ "no-sandbox", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, r = 0;

	o->format = cmd_default_format();
	opterr = 0;
	optind = 1;
	*status = EXIT_TROUBLE;
	while (!r && (c = getopt_long(argc, argv, ":b:f:uj:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o->file = optarg; break;
		case 'R': o->root = optarg; break;
		case 'f': r = cmd_parse_format(optarg, &o->format); break;
		case 'u': o->update = true; break;
		case 'j': r = cmd_parse_uint("--jobs", optarg, 1, 1024, &o->jobs); break;
		case 'q': o->quiet = true; break;
		case 'Q': o->quick = true; break;
		case 'v': o->verbose = true; break;
		case 'P':
			o->portable = true;
			r = parse_portable(optarg, &o->portable_attrs);
			break;
		case 'S': o->no_sandbox = true; break;
		case 'h': fputs(usage_text, stdout); *status = EXIT_SAME; return -1;
		default: cmd_getopt_error("check", c, argv, longopts); return -1;
		}
	}
	return cmd_parse_done("check", r, argc, argv, 0);
}

struct check_ctx {
	const struct check_opts *o;
	const char *file;
	struct sink_list *sinks;
	struct baseline_writer *update;
	struct baseline_reader *br;
	struct recstream olds;		/* br's records, for the tee */
	struct tee *tee;		/* started by start_reading() */
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

/* -v: "imscan: not read: /root: Permission denied", one line per entry. */
static int on_not_read(void *ctx, const struct record *r)
{
	struct strbuf line;
	size_t n;
	const unsigned char *why = record_bytes(r, ATTR_ERROR, &n);

	(void)ctx;
	strbuf_init(&line);
	text_add_escaped(&line, record_key(r), r->keylen);
	strbuf_adds(&line, ": ");
	text_add_escaped(&line, why, n);
	fprintf(stderr, "imscan: not read: %s\n", line.buf);
	strbuf_release(&line);
	return 0;
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
	struct check_ctx *c = ctx;
	int rc = tee_find(c->tee, kind, key, keylen, out);

	return rc == TEE_LATER ? SOURCE_LOOKUP_LATER : rc;
}
/*
 * Locked before the read, so that no baseline written meanwhile is lost;
 * a missing one is left to the reader's message (and no lock file made).
 */
static int lock_update(const char *file, struct baseline_lock **lock)
{
	if (access(file, F_OK) < 0)
		return 0;
	*lock = baseline_lock_acquire(file);
	return *lock ? 0 : -1;
}

/* The new state is of this host and root, made now; the lock taken
 * before the read goes to the writer. */
static int open_update(struct check_ctx *c, struct baseline_lock **lock,
			const struct baseline_header *h, const char *file, const char *root)
{
	struct baseline_spec spec = { cmd_now(), cmd_hostname(), root, h->hash, h->tool,
				      h->rules_json, h->origin.recorded ? &h->origin : NULL,
				      h->has_digest_key ? h->digest_key : NULL };
	/* No lock only if the file appeared after the first look. */
	int rc = *lock ? baseline_writer_open_locked(&c->update, *lock, &spec)
		       : baseline_writer_open(&c->update, file, &spec);

	*lock = NULL;	/* the writer's, whatever the outcome */
	return rc;
}

/* Commits --update's baseline and closes the sinks; each is gone after. */
static int finish(struct check_ctx *c)
{
	int rc = c->update ? baseline_writer_commit(c->update, NULL) : 0;

	c->update = NULL;
	if (sink_list_close(c->sinks) < 0)
		rc = -1;
	c->sinks = NULL;
	return rc;
}

/*
 * Between the live sources and the others (source.h): Landlock, now that
 * the live sources have read other processes' /proc entries, which it
 * would deny (the seccomp filter is on since before the header was read);
 * then the threads that verify and decode the baseline, so that they run
 * under it too (Landlock confines only the threads started after it).
 * The baseline is decoded once, for the diff and --quick's lookups.
 */
static void start_reading(void *ctx)
{
	struct check_ctx *c = ctx;

	if (!c->o->no_sandbox)
		cmd_sandbox(true, c->o->update ? c->file : NULL, SANDBOX_LANDLOCK);
	if (baseline_reader_start(c->br, NULL) < 0)
		return;		/* no tee: run() stops with the reader's message */
	c->olds = baseline_reader_stream(c->br);
	c->tee = tee_new(&c->olds, c->o->quick ? CHECK_TEE_MAX : CHECK_TEE_PLAIN);
}

/* The sources of the baseline's rules; --quick looks in the tee. */
static struct source_run *open_sources(struct check_ctx *c, const char *root,
				       const struct ruleset *rs, char **own,
				       const struct baseline_header *h)
{
	struct source_opts so = { 0 };
	struct source_run *sc;

	so.digest_key = h->has_digest_key ? h->digest_key : NULL;
	so.root = root;
	so.rules = rs;
	so.jobs = c->o->jobs;
	so.max_key = BASELINE_MAX_FIELD;
	so.skip = (const char *const *)own;
	so.nskip = CMD_OWN_FILES;
	/* what --portable compares, and what an updated baseline keeps */
	so.names = c->o->portable || c->o->update;
	if (c->o->quick) {
		so.lookup = lookup;
		so.lookup_ctx = c;
	}
	so.confine = start_reading;
	so.confine_ctx = c;
	sc = sources_open(&so);
	if (sc && !c->tee) {
		sources_close(sc);
		return NULL;
	}
	return sc;
}

static struct diff_opts diff_opts_for(const struct check_opts *o, const struct ruleset *rs,
				      struct check_ctx *ctx)
{
	return (struct diff_opts){
		.rules = rs, .host = cmd_hostname(), .source = "check", .time = cmd_now(),
		.on_event = on_event, .on_record = on_record,
		.on_not_read = o->verbose ? on_not_read : NULL, .ctx = ctx,
		.portable = o->portable ? &o->portable_attrs : NULL,
	};
}

static int run(const struct check_opts *o, const char *file)
{
	struct baseline_lock *lock = NULL;
	struct baseline_reader *br = NULL;
	struct recstream teed;
	struct baseline_header h = { 0 };
	struct ruleset rs;
	struct source_run *sc = NULL;
	char *own[CMD_OWN_FILES] = { 0 };
	struct check_ctx ctx = { 0 };
	struct diff_opts d = { 0 };
	struct event_summary sum = { 0 };
	struct recstream news;
	char *root = NULL;
	int64_t t0 = cmd_clock();
	int status = EXIT_TROUBLE;

	ruleset_init(&rs, ATTR_SHA256);
	if (o->update && lock_update(file, &lock) < 0)
		goto cleanup;
	/* Before the reader, which verifies a file that may be hostile;
	 * Landlock only once the live sources have read (confine()). */
	cmd_sandbox(!o->no_sandbox, o->update ? file : NULL, SANDBOX_SECCOMP);
	/* The header now; verified on a second thread while the scan runs
	 * (see on_event), started by start_reading(). */
	if (baseline_reader_open_header(&br, file, &h) < 0)
		goto cleanup;
	ctx.o = o;
	ctx.file = file;
	ctx.br = br;
	rs.hash = h.hash;
	if (ruleset_load_json(&rs, h.rules_json, strlen(h.rules_json), "baseline rules") < 0 ||
	    !(root = cmd_resolve_root(o->root ? o->root : h.root)))
		goto cleanup;
	/* --portable says another root is meant */
	if (strcmp(root, h.root) && !o->portable)
		warning("checking root '%s' against a baseline of '%s'", root, h.root);
	if (cmd_own_files(file, own) < 0 || !(sc = open_sources(&ctx, root, &rs, own, &h)))
		goto cleanup;
	if (o->update && open_update(&ctx, &lock, &h, file, root) < 0)
		goto cleanup;
	if (!(ctx.sinks = sink_list_new()) ||
	    sink_list_add(ctx.sinks, o->format, &(struct sink_conf){ .out = stdout }, "stdout") < 0)
		goto cleanup;
	d = diff_opts_for(o, &rs, &ctx);
	teed = tee_main(ctx.tee);
	news = sources_stream(sc);
	if (diff_run(&d, &teed, &news, &sum) < 0)
		goto cleanup;
	if (verified(&ctx) < 0)
		goto cleanup;
	if (finish(&ctx) < 0)
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
	tee_free(ctx.tee);
	baseline_reader_close(br);
	baseline_lock_release(lock);
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
