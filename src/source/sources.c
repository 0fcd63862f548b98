/*
 * sources.c - the sources registry and the driver that chains them
 * (source.h).
 *
 * Adding a source: write src/source/<kind>.c with its `struct source`
 * row (and a header declaring it), and list it in sources[] below, in
 * kind order.
 */
#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/file.h"
#include "imscan/source.h"
#include "imscan/source_list.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"

const struct source *const sources[] = {
	&file_source,
	&source_user,
	&source_group,
	&source_package,
	&source_port,
	&source_process,
	&source_service,
	&source_module,
	&source_mount,
	NULL,
};

/* Indexed by kind; src[k] NULL: not opened. */
struct source_run {
	const struct source *src[KIND__COUNT];
	void *state[KIND__COUNT];
	size_t cur;
};

const struct source *source_for(enum kind k)
{
	for (size_t i = 0; sources[i]; i++)
		if (sources[i]->kind == k)
			return sources[i];
	return NULL;
}

static bool wants_kind(const struct ruleset *rs, enum kind k)
{
	for (size_t i = 0; i < rs->nents; i++)
		if (rs->ents[i]->type == k)
			return true;
	return false;
}

/* One line for a live-only source under another root, naming its rules. */
static void warn_live_only(const struct ruleset *rs, enum kind k, const char *root)
{
	struct strbuf ids;
	const struct rule *last = NULL;

	strbuf_init(&ids);
	for (size_t i = 0; i < rs->nents; i++) {
		const struct entity *e = rs->ents[i];

		if (e->type != k || e->rule == last)
			continue;
		strbuf_addf(&ids, "%s%s", ids.len ? ", " : "", e->rule->id);
		last = e->rule;
	}
	warning("type \"%s\" reads the running system: not checked under root '%s' (rules %s)",
		kind_name(k), root, ids.buf);
	strbuf_release(&ids);
}

struct source_run *sources_open(const struct source_opts *o)
{
	struct source_run *r = xcalloc(1, sizeof(*r));
	bool live = !o->root || !strcmp(o->root, "/");

	/* Live sources first, then confine, then the rest (source.h). */
	for (int pass = 0; pass < 2; pass++) {
		if (pass && o->confine)
			o->confine(o->confine_ctx);
		for (int k = 0; k < KIND__COUNT; k++) {
			const struct source *s = source_for((enum kind)k);	/* every kind has one */

			if (!wants_kind(o->rules, (enum kind)k) || s->live_only != !pass)
				continue;
			if (s->live_only && !live) {
				warn_live_only(o->rules, (enum kind)k, o->root);
				continue;
			}
			if (s->open(&r->state[k], o) < 0) {
				sources_close(r);
				return NULL;
			}
			r->src[k] = s;
		}
	}
	return r;
}

static int run_next(void *self, const struct record **out)
{
	struct source_run *r = self;

	for (; r->cur < KIND__COUNT; r->cur++) {
		int rc = r->src[r->cur] ? r->src[r->cur]->next(r->state[r->cur], out) : 0;

		if (rc)
			return rc;
	}
	return 0;
}

struct recstream sources_stream(struct source_run *r)
{
	return (struct recstream){ run_next, r };
}

void sources_stats(struct source_run *r, struct source_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < KIND__COUNT; i++)
		if (r->src[i])
			r->src[i]->stats(r->state[i], out);
}

void sources_close(struct source_run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < KIND__COUNT; i++)
		if (r->src[i])
			r->src[i]->close(r->state[i]);
	free(r);
}
