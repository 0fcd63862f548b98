/* cmd_watch.c - imscan watch: report changes as they happen (watch_engine.h). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "imscan/cmd.h"
#include "imscan/error.h"
#include "imscan/sandbox.h"
#include "imscan/watch_procinfo.h"
#include "imscan/watch_backend.h"
#include "imscan/watch_debounce.h"
#include "imscan/watch_engine.h"
#include "imscan/xalloc.h"

static const char usage_text[] =
	"usage: imscan watch [-b FILE] [--root DIR] [--format json|text]\n"
	"                    [--backend auto|fanotify|inotify] [--debounce MS] [--poll SECONDS]\n"
	"                    [--update] [--update-interval SECONDS] [--max-watches N]\n"
	"                    [-q] [--no-sandbox]\n"
	"\n"
	"Watch the entities of the baseline's realtime rules and print one event per\n"
	"change as it happens, with the process that made it where the kernel says\n"
	"(imscan(1), WATCH). Runs until SIGINT or SIGTERM (exit status 0; 2 on\n"
	"trouble); SIGHUP reloads the baseline.\n"
	"\n"
	"  -b, --baseline FILE      baseline to compare with (default as for 'baseline')\n"
	"      --root DIR           watch DIR as if it were / (default: the baseline's root)\n"
	"  -f, --format FMT         json (default when stdout is not a terminal) or text\n"
	"      --backend KIND       fanotify (root), inotify, or auto (default: fanotify,\n"
	"                           else inotify)\n"
	"      --debounce MS        report a file once it has been quiet this long\n"
	"                           (default 200)\n"
	"      --poll SECONDS       how often entities of other kinds, and directories\n"
	"                           inotify could not watch, are read again (default 60)\n"
	"  -u, --update             keep the baseline current: rewrite it at most once\n"
	"                           per --update-interval (default 10 s) and at exit\n"
	"      --max-watches N      inotify: hold at most N watches (default: the\n"
	"                           kernel's max_user_watches)\n"
	"  -q, --quiet              no start line and no summary on stderr\n"
	"      --no-sandbox         do not confine the watcher with Landlock and seccomp\n"
	"  -h, --help               this help\n";

enum backend_choice { BACKEND_AUTO, BACKEND_FANOTIFY, BACKEND_INOTIFY };

struct wcmd_opts {
	const char *file;
	const char *root;
	const struct sink_ops *format;
	enum backend_choice backend;
	unsigned debounce_ms, poll_s, update_s, max_watches;
	bool update;
	bool quiet;
	bool no_sandbox;
};

static int parse_backend(const char *s, enum backend_choice *out)
{
	static const char *const names[] = { "auto", "fanotify", "inotify" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(s, names[i])) {
			*out = (enum backend_choice)i;
			return 0;
		}
	}
	return error("--backend '%s': expected auto, fanotify or inotify", s);
}

/* 0 to run, or -1 to stop; *status is the exit status either way. */
static int parse(int argc, char **argv, struct wcmd_opts *o, int *status)
{
	static const struct option longopts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "root", required_argument, NULL, 'R' },
		{ "format", required_argument, NULL, 'f' },
		{ "backend", required_argument, NULL, 'B' },
		{ "debounce", required_argument, NULL, 'D' },
		{ "poll", required_argument, NULL, 'P' },
		{ "update", no_argument, NULL, 'u' },
		{ "update-interval", required_argument, NULL, 'I' },
		{ "max-watches", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-sandbox", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, r = 0;

	o->format = cmd_default_format();
	o->debounce_ms = 200;
	o->poll_s = 60;
	o->update_s = 10;
	opterr = 0;
	optind = 1;
	*status = EXIT_TROUBLE;
	while (!r && (c = getopt_long(argc, argv, ":b:f:uqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o->file = optarg; break;
		case 'R': o->root = optarg; break;
		case 'f': r = cmd_parse_format(optarg, &o->format); break;
		case 'B': r = parse_backend(optarg, &o->backend); break;
		case 'D': r = cmd_parse_uint("--debounce", optarg, 0, 60000, &o->debounce_ms); break;
		case 'P': r = cmd_parse_uint("--poll", optarg, 1, 86400, &o->poll_s); break;
		case 'u': o->update = true; break;
		case 'I': r = cmd_parse_uint("--update-interval", optarg, 1, 86400, &o->update_s); break;
		case 'M': r = cmd_parse_uint("--max-watches", optarg, 1, 1u << 30, &o->max_watches); break;
		case 'q': o->quiet = true; break;
		case 'S': o->no_sandbox = true; break;
		case 'h': fputs(usage_text, stdout); *status = EXIT_SAME; return -1;
		default: cmd_getopt_error("watch", c, argv, longopts); return -1;
		}
	}
	return cmd_parse_done("watch", r, argc, argv, 0);
}

struct watcher {
	const struct wcmd_opts *o;
	struct engine_conf conf;
	struct engine *eng;
	struct watch_backend *wb;
	struct watch_batch batch;
	struct debounce *db;
	int sfd;
	pid_t self;
	uint64_t next_poll, next_update;
	uint64_t read_ms;	/* when the kernel's queue was last read */
	bool stop;
};

/*
 * After a read, the queue is left to fill for this long: a burst is then
 * read in batches of hundreds, each process named once per batch, and the
 * first event after a quiet spell is still read at once. A change is
 * reported --debounce ms after it anyway; 2 ms at 100,000 events/s is 200
 * events, far below the kernel's queue of 16,384.
 */
#define READ_GAP_MS 2

/* Opens the back end the options ask for; *why says why fanotify was not used. */
static int open_backend(struct watcher *w, char **why)
{
	const char *const *bases;
	size_t n = engine_bases(w->eng, &bases);
	struct watch_opts wo = { .attribute = true, .max_watches = w->o->max_watches };
	const char *root = engine_root(w->eng);

	*why = NULL;
	if (!n)
		return 0;
	if (w->o->backend != BACKEND_INOTIFY) {
		if (!watch_open(&w->wb, WATCH_FANOTIFY, root, bases, n, &wo))
			return 0;
		if (w->o->backend == BACKEND_FANOTIFY)
			return -1;
		*why = xstrdup(error_last());
	}
	return watch_open(&w->wb, WATCH_INOTIFY, root, bases, n, &wo);
}

/* "imscan: watch: fanotify on 2 bases (file-system marks, pidfd); 91 records; ready" */
static void log_start(const struct watcher *w, const char *why)
{
	const char *const *bases;
	size_t n = engine_bases(w->eng, &bases);
	struct watch_stats st = { 0 };
	struct strbuf l;

	if (w->o->quiet)
		return;
	strbuf_init(&l);
	if (w->wb) {
		watch_get_stats(w->wb, &st);
		strbuf_addf(&l, "%s on %zu base%s (", watch_backend_name(w->wb), n, n == 1 ? "" : "s");
		if (!strcmp(watch_backend_name(w->wb), "fanotify"))
			strbuf_addf(&l, "%s%s%s", st.fsmark ? "file-system marks" : "inode marks",
				    st.pidfd ? ", pidfd" : "", st.rename ? ", rename events" : "");
		else
			strbuf_addf(&l, "%zu watches", st.watches);
		if (why)
			strbuf_addf(&l, "; fanotify: %s", why);
		strbuf_adds(&l, "); ");
	}
	if (engine_has_poll(w->eng))
		strbuf_addf(&l, "other kinds polled every %u s; ", w->o->poll_s);
	fprintf(stderr, "imscan: watch: %s%zu records; ready\n", l.buf, engine_records(w->eng));
	strbuf_release(&l);
}

/* One warning for what inotify could not watch. */
static void warn_unwatched(const struct watcher *w)
{
	const char *const *list;
	size_t n = w->wb ? watch_unwatched(w->wb, &list) : 0;

	if (n)
		warning("inotify: %zu director%s not watched (out of watches): re-scanned every %u s",
			n, n == 1 ? "y is" : "ies are", w->o->poll_s);
}

/* Watches what the loaded engine asks for. */
static int begin(struct watcher *w)
{
	char *why = NULL;

	if (open_backend(w, &why) < 0)
		return -1;
	if (!w->wb && !engine_has_poll(w->eng)) {
		free(why);
		return error("no rule of the baseline is realtime: nothing to watch");
	}
	log_start(w, why);
	warn_unwatched(w);
	free(why);
	return 0;
}

static int start(struct watcher *w)
{
	return engine_load(&w->eng, &w->conf) < 0 ? -1 : begin(w);
}

static void stop_backend(struct watcher *w)
{
	watch_close(w->wb);
	w->wb = NULL;
	engine_free(w->eng);
	w->eng = NULL;
}

/* One due entry to the engine: a move as one, the rest to the probe thread. */
static int apply_item(struct watcher *w, const struct debounce_item *it)
{
	const struct procinfo *proc = it->nprocs ? it->procs[0] : NULL;

	if (it->from)
		return engine_rename(w->eng, it->from, it->path, it->what, proc);
	return engine_submit(w->eng, it->path, it->what, it->isdir, proc);
}

/* Everything pending is reported now. */
static int flush(struct watcher *w)
{
	struct debounce_item it;

	while (debounce_drain(w->db, &it))
		if (apply_item(w, &it) < 0)
			return -1;
	engine_settle(w->eng);
	return engine_sync(w->eng);
}

/* SIGHUP: the baseline (and its rules) again; the old one stays if it fails. */
static int reload(struct watcher *w)
{
	struct engine *fresh;

	if (flush(w) < 0)
		return -1;
	if (w->o->update && engine_dirty(w->eng) && engine_write(w->eng) < 0)
		return -1;
	if (engine_load(&fresh, &w->conf) < 0) {
		warning("reload: %s; still watching with the baseline loaded before", error_last());
		return 0;
	}
	stop_backend(w);
	w->eng = fresh;
	return begin(w);
}

/* A new, gone or moved entry changes its directory too. */
static void add_parent(struct watcher *w, const char *path, const struct procinfo *proc,
		       uint64_t now)
{
	const char *slash = strrchr(path, '/');

	if (slash && slash[1]) {
		char *parent = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));

		debounce_add(w->db, parent, WEV_MODIFY, true, proc, now);
		free(parent);
	}
}

static void add(struct watcher *w, const struct watch_event *ev, uint64_t now)
{
	if (ev->what & (WEV_CREATE | WEV_DELETE | WEV_MOVED_FROM | WEV_MOVED_TO | WEV_RENAME))
		add_parent(w, ev->path, ev->proc, now);
	if (!(ev->what & WEV_RENAME)) {
		debounce_add(w->db, ev->path, ev->what, ev->isdir, ev->proc, now);
		return;
	}
	add_parent(w, ev->oldpath, ev->proc, now);
	if (ev->isdir) {
		/* both trees are re-scanned */
		debounce_add(w->db, ev->oldpath, WEV_MOVED_FROM, true, ev->proc, now);
		debounce_add(w->db, ev->path, WEV_MOVED_TO, true, ev->proc, now);
	} else {
		debounce_rename(w->db, ev->oldpath, ev->path, WEV_RENAME, ev->proc, now);
	}
}

static int read_events(struct watcher *w)
{
	int n;

	w->read_ms = debounce_now_ms();
	while ((n = watch_read(w->wb, &w->batch)) > 0) {
		uint64_t now = debounce_now_ms();

		for (size_t i = 0; i < w->batch.n; i++) {
			const struct watch_event *ev = &w->batch.ev[i];

			if (ev->what & WEV_OVERFLOW) {
				if (flush(w) < 0 || engine_overflow(w->eng) < 0)
					return -1;
				continue;
			}
			if (ev->pid == w->self)
				continue;
			add(w, ev, now);
		}
	}
	return n;
}

/* SIGHUP reloads; anything else stops. */
static int read_signal(struct watcher *w)
{
	struct signalfd_siginfo si;

	while (read(w->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGHUP)
			w->stop = true;
		else if (reload(w) < 0)
			return -1;
	}
	return 0;
}

/* --poll: other kinds, and the directories inotify could not watch. */
static int poll_now(struct watcher *w)
{
	const char *const *list;
	size_t n = w->wb ? watch_unwatched(w->wb, &list) : 0;

	if (engine_poll(w->eng) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (engine_rescan(w->eng, list[i]) < 0)
			return -1;
	return 0;
}

static int wait_ms(const struct watcher *w, uint64_t now)
{
	int t = debounce_timeout(w->db, now);
	const char *const *list;
	bool polls = engine_has_poll(w->eng) || (w->wb && watch_unwatched(w->wb, &list));

	if (polls) {
		int p = w->next_poll > now ? (int)(w->next_poll - now) : 0;

		t = t < 0 || p < t ? p : t;
	}
	if (w->o->update && engine_dirty(w->eng)) {
		int u = w->next_update > now ? (int)(w->next_update - now) : 0;

		t = t < 0 || u < t ? u : t;
	}
	return t;
}

/* Due entries probed between two looks at the kernel's queue. */
#define DRAIN_EVERY 256

/* Reads what the back end has queued, if anything, without waiting. */
static int drain_queue(struct watcher *w)
{
	struct pollfd p = { w->wb ? watch_fd(w->wb) : -1, POLLIN, 0 };

	if (!w->wb || poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
		return 0;
	return read_events(w);
}

/* Timers: due events, polls, the --update rewrite. */
static int due(struct watcher *w, uint64_t now)
{
	struct debounce_item it;
	unsigned n = 0;

	while (debounce_pop(w->db, now, &it)) {
		if (apply_item(w, &it) < 0)
			return -1;
		/* a writer faster than the probes must not overflow the queue */
		if (!(++n % DRAIN_EVERY) && drain_queue(w) < 0)
			return -1;
	}
	engine_kick(w->eng);
	engine_settle(w->eng);
	if (now >= w->next_poll) {
		if (poll_now(w) < 0)
			return -1;
		w->next_poll = debounce_now_ms() + w->o->poll_s * 1000ull;
	}
	if (w->o->update && engine_dirty(w->eng) && now >= w->next_update) {
		if (engine_write(w->eng) < 0)
			return -1;
		w->next_update = now + w->o->update_s * 1000ull;
	}
	return 0;
}

/* Sleeps in poll() until a signal, an event, a finished probe or a timer. */
static int wait_any(struct watcher *w, struct pollfd p[3])
{
	uint64_t now = debounce_now_ms();
	int t = wait_ms(w, now);
	bool gap = now < w->read_ms + READ_GAP_MS;

	if (gap && (t < 0 || t > (int)(w->read_ms + READ_GAP_MS - now)))
		t = (int)(w->read_ms + READ_GAP_MS - now);
	p[0] = (struct pollfd){ w->sfd, POLLIN, 0 };
	p[1] = (struct pollfd){ w->wb && !gap ? watch_fd(w->wb) : -1, POLLIN, 0 };
	p[2] = (struct pollfd){ engine_async_fd(w->eng), POLLIN, 0 };
	if (engine_wait_begin(w->eng))
		t = 0;
	if (poll(p, 3, t) < 0 && errno != EINTR) {
		engine_wait_end(w->eng);
		return error("poll: %s", strerror(errno));
	}
	engine_wait_end(w->eng);
	return 0;
}

static int loop(struct watcher *w)
{
	uint64_t now = debounce_now_ms();

	w->next_poll = now + w->o->poll_s * 1000ull;
	w->next_update = now + w->o->update_s * 1000ull;
	while (!w->stop) {
		struct pollfd p[3];

		if (wait_any(w, p) < 0)
			return -1;
		if ((p[0].revents & POLLIN) && read_signal(w) < 0)
			return -1;
		if (w->stop)
			break;
		if (engine_collect(w->eng) < 0)
			return -1;
		if ((p[1].revents & POLLIN) && read_events(w) < 0)
			return -1;
		if (due(w, debounce_now_ms()) < 0)
			return -1;
	}
	if (flush(w) < 0)
		return -1;
	return w->o->update && engine_dirty(w->eng) ? engine_write(w->eng) : 0;
}

static void summary(const struct watcher *w, double seconds)
{
	struct event_summary s;
	uint64_t overflows;
	struct strbuf line;

	if (w->o->quiet)
		return;
	engine_summary(w->eng, &s, &overflows);
	s.seconds = seconds;
	strbuf_init(&line);
	event_summary_format(&line, &s);
	fprintf(stderr, "imscan: watch: %s", line.buf);
	if (overflows)
		fprintf(stderr, "; %llu overflow%s", (unsigned long long)overflows,
			overflows == 1 ? "" : "s");
	fprintf(stderr, "%s%s\n", w->o->update ? "; baseline updated: " : "",
		w->o->update ? w->conf.file : "");
	strbuf_release(&line);
}

/* SIGINT, SIGTERM and SIGHUP arrive through a descriptor the loop polls. */
static int signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return error("sigprocmask: %s", strerror(errno));
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/*
 * After the back end is open: seccomp then knows what the watcher calls.
 * With --update, the writer's calls too, and writes beneath the
 * baseline's directory only.
 */
static void confine(const struct wcmd_opts *o, const char *file)
{
	if (o->no_sandbox)
		return;
	cmd_sandbox_profile(o->update ? SANDBOX_WATCH_WRITE : SANDBOX_WATCH,
			    o->update ? file : NULL, SANDBOX_ALL);
}

/* The exe reader's own confinement: the watch filter, no Landlock (it
 * must read other processes' /proc/PID/exe). */
static void confine_exe_reader(void)
{
	cmd_sandbox_profile(SANDBOX_WATCH, NULL, SANDBOX_SECCOMP);
}

static int run(const struct wcmd_opts *o, const char *file)
{
	struct watcher w = { .o = o, .sfd = -1, .self = getpid() };
	char *own[CMD_OWN_FILES] = { 0 };
	sigset_t oldmask;
	int64_t t0 = cmd_clock();
	int status = EXIT_TROUBLE;

	/* Before anything is open or confined (watch_procinfo.h). */
	if (!o->no_sandbox && procinfo_exe_reader_start(confine_exe_reader) < 0)
		warning("%s: a confined watch names no executables", error_last());
	if (cmd_own_files(file, own) < 0)
		goto cleanup;
	w.conf = (struct engine_conf){ file, o->root, cmd_resolve_root, cmd_hostname(), NULL,
				       (const char *const *)own, CMD_OWN_FILES };
	watch_batch_init(&w.batch);
	w.db = debounce_new(o->debounce_ms, o->debounce_ms * 5 > 1000 ? o->debounce_ms * 5 : 1000);
	if ((w.sfd = signals(&oldmask)) < 0)
		goto cleanup;
	if (!(w.conf.sinks = sink_list_new()) ||
	    sink_list_add(w.conf.sinks, o->format, &(struct sink_conf){ .out = stdout }, "stdout") < 0)
		goto cleanup;
	if (start(&w) < 0)
		goto cleanup;
	confine(o, file);
	if (loop(&w) < 0)
		goto cleanup;
	summary(&w, cmd_seconds_since(t0));
	status = EXIT_SAME;
cleanup:
	if (sink_list_close(w.conf.sinks) < 0 && status == EXIT_SAME)
		status = EXIT_TROUBLE;
	if (status == EXIT_TROUBLE)
		cmd_fail();
	stop_backend(&w);
	debounce_free(w.db);
	watch_batch_release(&w.batch);
	if (w.sfd >= 0) {
		close(w.sfd);
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
	}
	cmd_own_files_release(own);
	procinfo_exe_reader_stop();
	return status;
}

/* cmd_on_baseline's run: the options come back as they went. */
static int run_opts(const void *o, const char *file)
{
	return run(o, file);
}

int cmd_watch(int argc, char **argv)
{
	struct wcmd_opts o = { 0 };
	int status;

	if (parse(argc, argv, &o, &status) < 0)
		return status;
	return cmd_on_baseline("watch", o.file, run_opts, &o);
}
