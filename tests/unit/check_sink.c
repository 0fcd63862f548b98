#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/event.h"
#include "imscan/record.h"
#include "imscan/rules.h"
#include "imscan/sink.h"
#include "unit.h"

static char id_etc[] = "1003513", name_etc[] = "etc";
static struct rule rule_etc = { .id = id_etc, .name = name_etc, .severity = SEV_MEDIUM };

#define JSON_LINE(act) "{\"time\":\"1970-01-01T00:00:00.000Z\",\"host\":\"h\"," \
	"\"source\":\"check\",\"action\":\"" act "\",\"kind\":\"file\",\"key\":\"/x\"," \
	"\"rule\":{\"id\":\"1003513\",\"name\":\"etc\",\"severity\":\"medium\"}," \
	"\"rules\":[{\"id\":\"1003513\",\"name\":\"etc\",\"severity\":\"medium\"}]," \
	"\"new\":{\"size\":1},\"tags\":[]}\n"

static struct record rec;
static struct event ev;

static void setup(void)
{
	record_init(&rec);
	record_set_key(&rec, KIND_FILE, "/x", 2);
	record_set_int(&rec, ATTR_SIZE, 1);
	memset(&ev, 0, sizeof(ev));
	ev.host = "h";
	ev.source = "check";
	ev.action = ACT_ADDED;
	ev.rule = &rule_etc;
	ev.new = &rec;
	attrset_add(&ev.attrs, ATTR_SIZE);
}

static void teardown(void)
{
	record_release(&rec);
}

static char *slurp(FILE *f)
{
	long n;
	char *buf;

	ck_assert_int_eq(fflush(f), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	return buf;
}

static void expect_file(FILE *f, const char *want)
{
	char *got = slurp(f);

	ck_assert_str_eq(got, want);
	free(got);
	fclose(f);
}

/* Format names come from the one table. */
START_TEST(test_types)
{
	const struct sink_ops *ops = NULL;
	struct strbuf sb;

	ck_assert_ptr_eq(sink_type_find("json"), &sink_json_ops);
	ck_assert_ptr_eq(sink_type_find("text"), &sink_text_ops);
	ck_assert_ptr_eq(sink_type_find("JSON"), &sink_json_ops);	/* choices are case-insensitive */
	ck_assert_int_eq(sink_type_parse("--format", "text", &ops), 0);
	ck_assert_ptr_eq(ops, &sink_text_ops);
	ck_assert_int_eq(sink_type_parse("--format", "xml", &ops), -1);
	ck_assert_str_eq(error_last(), "--format 'xml': expected json or text");
	strbuf_init(&sb);
	sink_type_names(&sb);
	ck_assert_str_eq(sb.buf, "json or text");
	strbuf_release(&sb);
}
END_TEST

/* Two sinks get the same events, each in its own format. */
START_TEST(test_two_sinks)
{
	struct sink_list *l = sink_list_new();
	FILE *a = tmpfile(), *b = tmpfile();

	ck_assert_ptr_nonnull(l);
	ck_assert(a && b);
	ck_assert_int_eq(sink_list_add(l, &sink_json_ops, &(struct sink_conf){ .out = a }, "a"), 0);
	ck_assert_int_eq(sink_list_add(l, &sink_text_ops, &(struct sink_conf){ .out = b }, "b"), 0);
	ck_assert_int_eq(sink_list_emit(l, &ev), 0);
	ev.action = ACT_REMOVED;
	ev.old = &rec;
	ck_assert_int_eq(sink_list_emit(l, &ev), 0);
	ck_assert_int_eq(sink_list_close(l), 0);
	ev.new = NULL;
	expect_file(a, JSON_LINE("added") "{\"time\":\"1970-01-01T00:00:00.000Z\",\"host\":\"h\","
		    "\"source\":\"check\",\"action\":\"removed\",\"kind\":\"file\",\"key\":\"/x\","
		    "\"rule\":{\"id\":\"1003513\",\"name\":\"etc\",\"severity\":\"medium\"},"
		    "\"rules\":[{\"id\":\"1003513\",\"name\":\"etc\",\"severity\":\"medium\"}],"
		    "\"old\":{\"size\":1},\"tags\":[]}\n");
	expect_file(b, "added  /x  [1003513 medium]\nremoved  /x  [1003513 medium]\n");
}
END_TEST

/*
 * A full disk: the failing sink is named, reported once, and gets nothing
 * more; the other sink still gets every event.
 */
START_TEST(test_emit_error_once)
{
	struct sink_list *l = sink_list_new();
	FILE *full = fopen("/dev/full", "w"), *ok = tmpfile();

	ck_assert_msg(full != NULL, "this test needs /dev/full");
	ck_assert_ptr_nonnull(ok);
	ck_assert_int_eq(sink_list_add(l, &sink_json_ops, &(struct sink_conf){ .out = full },
				       "stdout"), 0);
	ck_assert_int_eq(sink_list_add(l, &sink_json_ops, &(struct sink_conf){ .out = ok }, "ok"), 0);
	ck_assert_int_eq(sink_list_emit(l, &ev), -1);
	ck_assert_str_eq(error_last(), "sink 'stdout': cannot write events: No space left on device");
	error_clear();
	ck_assert_int_eq(sink_list_emit(l, &ev), 0);
	ck_assert_int_eq(sink_list_close(l), 0);
	fclose(full);
	expect_file(ok, JSON_LINE("added") JSON_LINE("added"));

	/* the stream sink alone reports without a name */
	full = fopen("/dev/full", "w");
	ck_assert_ptr_nonnull(full);
	for (int i = 0; i < 2; i++) {
		const struct sink_ops *ops = i ? &sink_text_ops : &sink_json_ops;
		void *state;

		ck_assert_int_eq(ops->open(ops, &(struct sink_conf){ .out = full }, &state), 0);
		ck_assert_int_eq(ops->emit(state, &ev), -1);
		ck_assert_str_eq(error_last(), "cannot write events: No space left on device");
		ck_assert_int_eq(ops->close(state), -1);
		clearerr(full);
	}
	fclose(full);
}
END_TEST

/* A sink type that logs its calls, to see the list's order. */
static struct strbuf calls;

static int log_open(const struct sink_ops *ops, const struct sink_conf *conf, void **state)
{
	(void)conf;
	*state = (void *)ops;
	strbuf_addf(&calls, "open %s\n", ops->name);
	return 0;
}

static int log_emit(void *state, const struct event *e)
{
	const struct sink_ops *ops = state;

	strbuf_addf(&calls, "emit %s %s\n", ops->name, action_name(e->action));
	return 0;
}

static int log_close(void *state)
{
	const struct sink_ops *ops = state;

	strbuf_addf(&calls, "close %s\n", ops->name);
	return !strcmp(ops->name, "lossy") ? error("lost 3 events") : 0;
}

static const struct sink_ops log_one = { "one", log_open, log_emit, log_close, NULL };
static const struct sink_ops log_two = { "two", log_open, log_emit, log_close, NULL };
static const struct sink_ops log_lossy = { "lossy", log_open, log_emit, log_close, NULL };

/* Emits and closes go in the order the sinks were added; every sink is
 * closed even when one close fails, and that failure is named. */
START_TEST(test_order)
{
	struct sink_list *l = sink_list_new();
	struct sink_conf conf = { 0 };

	strbuf_init(&calls);
	ck_assert_int_eq(sink_list_add(l, &log_two, &conf, "2"), 0);
	ck_assert_int_eq(sink_list_add(l, &log_lossy, &conf, "L"), 0);
	ck_assert_int_eq(sink_list_add(l, &log_one, &conf, "1"), 0);
	ck_assert_int_eq(sink_list_emit(l, &ev), 0);
	ck_assert_int_eq(sink_list_close(l), -1);
	ck_assert_str_eq(error_last(), "sink 'L': lost 3 events");
	ck_assert_str_eq(calls.buf,
			 "open two\nopen lossy\nopen one\n"
			 "emit two added\nemit lossy added\nemit one added\n"
			 "close two\nclose lossy\nclose one\n");
	strbuf_release(&calls);
	ck_assert_int_eq(sink_list_close(NULL), 0);
}
END_TEST

/* A sink that cannot open is not added: the message names it. */
START_TEST(test_open_error)
{
	struct sink_list *l = sink_list_new();
	FILE *ok = tmpfile();

	ck_assert_int_eq(sink_list_add(l, &sink_json_ops, &(struct sink_conf){ .out = NULL }, "x"), -1);
	ck_assert_str_eq(error_last(), "sink 'x': a json sink needs an output stream");
	ck_assert_int_eq(sink_list_add(l, &sink_json_ops, &(struct sink_conf){ .out = ok }, "y"), 0);
	ck_assert_int_eq(sink_list_emit(l, &ev), 0);
	ck_assert_int_eq(sink_list_close(l), 0);
	expect_file(ok, JSON_LINE("added"));
}
END_TEST

/* the runner finds suites by this line; the declaration keeps
 * -Wmissing-prototypes quiet without a second match */
extern Suite *make_sink_suite(void);

Suite *make_sink_suite(void)
{
	Suite *s = suite_create("sink");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_two_sinks);
	tcase_add_test(tc, test_emit_error_once);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_open_error);
	suite_add_tcase(s, tc);
	return s;
}
