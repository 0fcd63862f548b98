/*
 * The watch engine's probe thread (engine_async.c): probes submitted in a
 * burst come out as events in the order submitted, with their process; a
 * removal waits for what was submitted before it; a finished probe wakes a
 * watcher that waits in poll().
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/baseline.h"
#include "imscan/error.h"
#include "imscan/sink.h"
#include "imscan/strbuf.h"
#include "imscan/watch_backend.h"
#include "imscan/watch_engine.h"
#include "imscan/xalloc.h"
#include "unit.h"

#define RULES "[{\"id\": \"9\", \"name\": \"t\", \"severity\": \"low\", \"realtime\": true," \
	      " \"entities\": [{\"type\": \"file\", \"base\": \"/data\", \"attributes\": [\"STANDARD\"]}]}]"

struct fixture {
	char *dir, *root, *file;
	char *out;
	size_t outlen;
	FILE *f;
	struct sink_list *sinks;
	struct engine *e;
	struct procinfo who;
};

static char *same_root(const char *root)
{
	return xstrdup(root);
}

static void fixture_open(struct fixture *x)
{
	struct baseline_spec h = { .created = 1, .host = "t", .hash = ATTR_SHA256,
				   .tool = "imscan test", .rules_json = RULES };
	struct baseline_writer *w;
	struct engine_conf c = { .resolve_root = same_root, .host = "t" };

	x->dir = unit_tmpdir();
	x->root = xmalloc(strlen(x->dir) + 6);
	sprintf(x->root, "%s/root", x->dir);
	x->file = xmalloc(strlen(x->dir) + 16);
	sprintf(x->file, "%s/b.imdb", x->dir);
	ck_assert_int_eq(mkdir(x->root, 0755), 0);
	sprintf(x->file, "%s/data", x->root);
	ck_assert_int_eq(mkdir(x->file, 0755), 0);
	sprintf(x->file, "%s/b.imdb", x->dir);
	h.root = x->root;
	ck_assert_msg(baseline_writer_open(&w, x->file, &h) == 0, "%s", error_last());
	ck_assert_msg(baseline_writer_commit(w, NULL) == 0, "%s", error_last());
	x->f = open_memstream(&x->out, &x->outlen);
	x->sinks = sink_list_new();
	ck_assert_int_eq(sink_list_add(x->sinks, &sink_json_ops, &(struct sink_conf){ x->f }, "json"), 0);
	c.file = x->file;
	c.sinks = x->sinks;
	ck_assert_msg(engine_load(&x->e, &c) == 0, "%s", error_last());
	x->who = (struct procinfo){ .pid = 4242, .have = PROCINFO_COMM, .comm = "tproc" };
}

static void fixture_close(struct fixture *x)
{
	engine_free(x->e);
	sink_list_close(x->sinks);
	fclose(x->f);
	free(x->out);
	unit_rmtree(x->dir);
	free(x->dir);
	free(x->root);
	free(x->file);
}

/* "action key pid" of every event line so far, one per line. */
static char *events(struct fixture *x)
{
	struct strbuf sb;
	const char *p;

	fflush(x->f);
	strbuf_init(&sb);
	for (p = x->out; p && *p; p = strchr(p, '\n') + 1) {
		char action[16], key[64];
		const char *pid = strstr(p, "\"pid\":");

		ck_assert_int_eq(sscanf(p, "{\"time\":\"%*[^\"]\",\"host\":\"t\",\"source\":\"watch\","
					"\"action\":\"%15[^\"]\",\"kind\":\"file\",\"key\":\"%63[^\"]\"",
				       action, key), 2);
		strbuf_addf(&sb, "%s %s %d\n", action, key,
			    pid && pid < strchr(p, '\n') ? atoi(pid + 6) : 0);
	}
	return strbuf_detach(&sb, NULL);
}

static void touch(struct fixture *x, const char *rel)
{
	unit_write(x->root, rel, "x\n");
}

START_TEST(test_burst_in_order)
{
	struct fixture x;
	struct strbuf want;
	char key[32], path[4096], *got;

	fixture_open(&x);
	strbuf_init(&want);
	/* more than the ring holds: submit waits for room, in order */
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "/data/f%04d", i);
		touch(&x, key + 1);
		ck_assert_msg(engine_submit(x.e, key, WEV_CREATE, false, i % 2 ? &x.who : NULL) == 0,
			      "%s", error_last());
		strbuf_addf(&want, "added %s %d\n", key, i % 2 ? 4242 : 0);
	}
	/* a removal first applies everything submitted before it, the
	 * creation of what it removes too */
	unit_write(x.root, "data/f0000", "longer\n");
	ck_assert_int_eq(engine_submit(x.e, "/data/f0000", WEV_MODIFY, false, NULL), 0);
	snprintf(path, sizeof(path), "%s/data/f0001", x.root);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(engine_submit(x.e, "/data/f0001", WEV_DELETE, false, &x.who), 0);
	ck_assert_int_eq(engine_sync(x.e), 0);
	got = events(&x);
	strbuf_adds(&want, "modified /data/f0000 0\nremoved /data/f0001 4242\n");
	ck_assert_str_eq(got, want.buf);
	ck_assert_uint_eq(engine_records(x.e), 999);
	free(got);
	strbuf_release(&want);
	fixture_close(&x);
}
END_TEST

START_TEST(test_done_wakes_poll)
{
	struct fixture x;
	struct pollfd p;
	char *got;
	bool ready = false;

	fixture_open(&x);
	ck_assert_int_eq(engine_async_fd(x.e), -1);
	touch(&x, "data/new");
	ck_assert_int_eq(engine_submit(x.e, "/data/new", WEV_CREATE, false, &x.who), 0);
	engine_kick(x.e);
	ck_assert_int_ge(engine_async_fd(x.e), 0);
	/* as the watcher's loop: say so, then sleep unless it is done already */
	for (int i = 0; i < 100 && !ready; i++) {
		p = (struct pollfd){ engine_async_fd(x.e), POLLIN, 0 };
		ready = engine_wait_begin(x.e) || poll(&p, 1, 100) == 1;
		engine_wait_end(x.e);
	}
	ck_assert(ready);
	ck_assert_int_eq(engine_collect(x.e), 0);
	got = events(&x);
	ck_assert_str_eq(got, "added /data/new 4242\n");
	free(got);
	fixture_close(&x);
}
END_TEST

/* The probe thread keeps the last directory open between probes; settle
 * (the watcher's loop calls it after each run of due entries, and a moved
 * directory does) makes it look the path up again. */
START_TEST(test_settle_after_dir_move)
{
	struct fixture x;
	char a[4096], b[4096], *got;

	fixture_open(&x);
	snprintf(a, sizeof(a), "%s/data/d", x.root);
	ck_assert_int_eq(mkdir(a, 0755), 0);
	touch(&x, "data/d/f1");
	ck_assert_int_eq(engine_submit(x.e, "/data/d/f1", WEV_CREATE, false, NULL), 0);
	ck_assert_int_eq(engine_sync(x.e), 0);
	snprintf(b, sizeof(b), "%s/data/e", x.root);
	ck_assert_int_eq(rename(a, b), 0);
	ck_assert_int_eq(mkdir(a, 0755), 0);
	touch(&x, "data/d/f2");
	engine_settle(x.e);
	ck_assert_int_eq(engine_submit(x.e, "/data/d/f2", WEV_CREATE, false, NULL), 0);
	ck_assert_int_eq(engine_sync(x.e), 0);
	got = events(&x);
	ck_assert_str_eq(got, "added /data/d/f1 0\nadded /data/d/f2 0\n");
	free(got);
	fixture_close(&x);
}
END_TEST

Suite *make_watch_engine_suite(void)
{
	Suite *s = suite_create("watch_engine");
	TCase *tc = tcase_create("async");

	tcase_add_test(tc, test_burst_in_order);
	tcase_add_test(tc, test_done_wakes_poll);
	tcase_add_test(tc, test_settle_after_dir_move);
	suite_add_tcase(s, tc);
	return s;
}
