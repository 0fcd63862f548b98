/*
 * rebaseline.c - what `imscan baseline` keeps from the baseline it
 * replaces: without -r, the recorded choice of rules (the -r paths,
 * re-read so that edits apply, and the --param values unless new ones are
 * given; an old file that cannot be read is then an error, and with -r
 * only a warning); and a word on stderr about every rule id added, dropped or
 * changed. The old file itself is kept as FILE.prev by the writer.
 */
#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "imscan/cmd.h"
#include "imscan/error.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"

void rebaseline_release(struct rebaseline *rb)
{
	baseline_header_release(&rb->old);
	baseline_origin_release(&rb->origin);
	memset(rb, 0, sizeof(*rb));
}

static int repeat_choice(struct rebaseline *rb, const char *file, struct rule_opts *ro)
{
	const struct baseline_origin *o = &rb->old.origin;
	struct stat st;

	for (size_t i = 0; i < o->npaths; i++) {
		if (stat(o->abs_paths[i], &st) < 0)
			return error("rules path '%s' (-r %s) recorded in '%s' is gone: %s",
				     o->abs_paths[i], o->paths[i], file, strerror(errno));
		rule_opts_add_path(ro, o->abs_paths[i]);
	}
	for (size_t i = 0; !ro->nparams && i < o->nparams; i++)
		if (rule_opts_add_param(ro, o->params[i]) < 0)
			return -1;
	rb->repeated = o->npaths > 0;
	return 0;
}

int rebaseline_prepare(struct rebaseline *rb, const char *file, struct rule_opts *ro)
{
	struct baseline_reader *br;
	struct stat st;

	memset(rb, 0, sizeof(*rb));
	if (lstat(file, &st) < 0)
		return errno == ENOENT ? 0 : error("cannot stat '%s': %s", file, strerror(errno));
	if (baseline_reader_open(&br, file, NULL, &rb->old) < 0) {
		/* With -r the old choice is not needed: replace what is broken. */
		if (!ro->npaths)
			return error_prefix("cannot repeat the rules of the baseline it replaces");
		warning("cannot compare the rules with the baseline it replaces: %s", error_last());
		return 0;
	}
	baseline_reader_close(br);
	rb->exists = true;
	if (!ro->npaths && rb->old.origin.recorded)
		return repeat_choice(rb, file, ro);
	return 0;
}

static char **copy_all(const char *const *v, size_t n, bool absolute)
{
	char **out = xcalloc(n ? n : 1, sizeof(*out));

	for (size_t i = 0; i < n; i++) {
		char *real = absolute ? realpath(v[i], NULL) : NULL;

		out[i] = real ? real : xstrdup(v[i]);
	}
	return out;
}

const struct baseline_origin *rebaseline_origin(struct rebaseline *rb, const struct rule_opts *ro)
{
	struct baseline_origin *o = &rb->origin;
	const struct baseline_origin *old = &rb->old.origin;

	baseline_origin_release(o);
	o->npaths = ro->npaths;
	if (rb->repeated) {
		o->paths = copy_all((const char *const *)old->paths, old->npaths, false);
		o->abs_paths = copy_all((const char *const *)old->abs_paths, old->npaths, false);
	} else {
		o->paths = copy_all(ro->paths, ro->npaths, false);
		o->abs_paths = copy_all(ro->paths, ro->npaths, true);
	}
	o->nparams = ro->nparams;
	o->params = copy_all(ro->params, ro->nparams, false);
	return o;
}

struct rule_text {
	const char *id;
	char *json;
};

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct rule_text *)a)->id, ((const struct rule_text *)b)->id);
}

/* The rules of a JSON array, sorted by id (ids are unique in a ruleset). */
static struct rule_text *rule_texts(const cJSON *rules, size_t *n)
{
	struct rule_text *t = xcalloc((size_t)cJSON_GetArraySize(rules) + 1, sizeof(*t));
	const cJSON *r;

	*n = 0;
	cJSON_ArrayForEach(r, rules) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");

		if (!cJSON_IsString(id))
			continue;
		t[*n].id = id->valuestring;
		t[(*n)++].json = cJSON_PrintUnformatted(r);
	}
	qsort(t, *n, sizeof(*t), by_id);
	return t;
}

static void add_id(struct strbuf *sb, const char *id)
{
	strbuf_adds(sb, sb->len ? ", " : "");
	strbuf_adds(sb, id);
}

/* Merges the two sorted lists into the three of ids. */
static void compare(const struct rule_text *a, size_t na, const struct rule_text *b, size_t nb,
		    struct strbuf out[3])
{
	size_t i = 0, j = 0;

	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i].id, b[j].id);

		if (c < 0) {
			add_id(&out[1], a[i++].id);
		} else if (c > 0) {
			add_id(&out[0], b[j++].id);
		} else {
			if (!a[i].json || !b[j].json || strcmp(a[i].json, b[j].json))
				add_id(&out[2], a[i].id);
			i++;
			j++;
		}
	}
}

void rebaseline_report(const struct rebaseline *rb, const char *rules_json)
{
	static const char *const what[3] = { "added", "dropped", "changed" };
	cJSON *old, *new;
	struct rule_text *a, *b;
	size_t na, nb;
	struct strbuf out[3], line;

	if (!rb->exists)
		return;
	old = cJSON_Parse(rb->old.rules_json);
	new = cJSON_Parse(rules_json);
	a = rule_texts(old, &na);
	b = rule_texts(new, &nb);
	strbuf_init(&line);
	for (int k = 0; k < 3; k++)
		strbuf_init(&out[k]);
	compare(a, na, b, nb, out);
	for (int k = 0; k < 3; k++) {
		if (out[k].len)
			strbuf_addf(&line, "%srules %s: %s", line.len ? "; " : "", what[k], out[k].buf);
		strbuf_release(&out[k]);
	}
	if (line.len)
		fprintf(stderr, "imscan: baseline: %s\n", line.buf);
	strbuf_release(&line);
	for (size_t i = 0; i < na; i++)
		free(a[i].json);
	for (size_t i = 0; i < nb; i++)
		free(b[i].json);
	free(a);
	free(b);
	cJSON_Delete(old);
	cJSON_Delete(new);
}
