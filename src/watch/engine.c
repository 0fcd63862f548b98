/* engine.c - the baseline's state and one path's change (watch_engine.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imscan/baseline.h"
#include "imscan/diff.h"
#include "imscan/error.h"
#include "imscan/file.h"
#include "imscan/select.h"
#include "imscan/walk.h"
#include "imscan/watch_backend.h"
#include "imscan/xalloc.h"
#include "watch_engine_impl.h"

const char *engine_root(const struct engine *e)
{
	return e->root;
}

size_t engine_bases(const struct engine *e, const char *const **bases)
{
	*bases = (const char *const *)e->bases;
	return e->nbases;
}

bool engine_has_poll(const struct engine *e)
{
	return e->npoll > 0;
}

size_t engine_records(const struct engine *e)
{
	return state_count(e->st);
}

bool engine_dirty(const struct engine *e)
{
	return e->dirty;
}

void engine_summary(const struct engine *e, struct event_summary *sum, uint64_t *overflows)
{
	*sum = e->sum;
	sum->entries = state_count(e->st);
	sum->not_read = 0;
	*overflows = e->overflows;
}

/* Whether base lies under (or is) another base of the list. */
static bool covered(char *const *bases, size_t n, const char *base)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(bases[i]);

		if (!strcmp(bases[i], "/") ||
		    (!strncmp(base, bases[i], len) && (base[len] == '/' || !base[len])))
			return true;
	}
	return false;
}

static void add_base(struct engine *e, const char *base)
{
	size_t j = 0;

	if (covered(e->bases, e->nbases, base))
		return;
	/* a wider base replaces the ones it covers */
	for (size_t i = 0; i < e->nbases; i++) {
		if (covered((char *const *)&base, 1, e->bases[i]))
			free(e->bases[i]);
		else
			e->bases[j++] = e->bases[i];
	}
	e->nbases = j;
	e->bases = xreallocarray(e->bases, e->nbases + 1, sizeof(*e->bases));
	e->bases[e->nbases++] = xstrdup(base);
}

/* Which entities are watched, and how; the bases and the polled entities. */
static void classify(struct engine *e)
{
	e->keep = xcalloc(e->rs.nents + 1, sizeof(*e->keep));
	e->exec_only = xcalloc(e->rs.nents + 1, sizeof(*e->exec_only));
	e->poll_ents = xcalloc(e->rs.nents + 1, sizeof(*e->poll_ents));
	for (size_t i = 0; i < e->rs.nents; i++) {
		struct entity *en = e->rs.ents[i];

		if (!en->rule->realtime)
			continue;
		e->keep[i] = true;
		if (en->type != KIND_FILE) {
			e->poll_ents[e->npoll++] = en;
			continue;
		}
		e->exec_only[i] = !strcmp(en->base, "/") && !en->executables_only;
		e->any_exec_only |= e->exec_only[i];
		add_base(e, en->base);
	}
}

static int load_state(struct engine *e, const struct engine_conf *c)
{
	struct baseline_reader *br = NULL;
	struct recstream rs;
	int r = -1;

	if (baseline_reader_open(&br, c->file, NULL, &e->h) < 0)
		return -1;
	e->rs.hash = e->h.hash;
	if (ruleset_load_json(&e->rs, e->h.rules_json, strlen(e->h.rules_json),
			      "baseline rules") < 0)
		goto out;
	if (!(e->root = c->resolve_root(c->root_opt ? c->root_opt : e->h.root)))
		goto out;
	rs = baseline_reader_stream(br);
	r = state_build(e->st, &rs);
out:
	baseline_reader_close(br);
	return r;
}

int engine_load(struct engine **out, const struct engine_conf *c)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	e->conf = *c;
	ruleset_init(&e->rs, ATTR_SHA256);
	e->st = state_new();
	record_init(&e->old);
	record_init(&e->new);
	record_init(&e->fold);
	record_init(&e->fnew);
	if (load_state(e, c) < 0) {
		engine_free(e);
		return -1;
	}
	if (strcmp(e->root, e->h.root))
		warning("watching root '%s' with a baseline of '%s'", e->root, e->h.root);
	classify(e);
	/* As the baseline recorded: owner names, keyed password digests. */
	e->so = (struct source_opts){ .root = e->root, .rules = &e->rs, .jobs = 1,
				      .max_key = BASELINE_MAX_FIELD, .skip = c->skip,
				      .nskip = c->nskip, .names = true,
				      .digest_key = e->h.has_digest_key ? e->h.digest_key : NULL };
	if (!(e->prober = file_prober_new(&e->so))) {
		engine_free(e);
		return -1;
	}
	*out = e;
	return 0;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	engine_async_free(e);
	for (size_t i = 0; i < e->nbases; i++)
		free(e->bases[i]);
	free(e->bases);
	free(e->keep);
	free(e->exec_only);
	free(e->poll_ents);
	file_prober_free(e->prober);
	state_free(e->st);
	record_release(&e->old);
	record_release(&e->new);
	record_release(&e->fold);
	record_release(&e->fnew);
	ruleset_release(&e->rs);
	baseline_header_release(&e->h);
	free(e->root);
	free(e);
}

/* imscan's own files: the name, or a mkstemp pattern ending in XXXXXX. */
bool engine_own_file(const struct engine *e, const char *path)
{
	size_t rootlen = strcmp(e->root, "/") ? strlen(e->root) : 0;
	size_t plen = strlen(path);

	for (size_t i = 0; i < e->conf.nskip; i++) {
		const char *s = e->conf.skip[i];
		size_t slen = strlen(s);
		size_t fixed = slen >= 6 && !strcmp(s + slen - 6, "XXXXXX") ? slen - 6 : slen;

		if (rootlen + plen != slen || strncmp(s, e->root, rootlen))
			continue;
		if (!strncmp(s + rootlen, path, fixed - rootlen))
			return true;
	}
	return false;
}

static bool all_watched(const struct engine *e, const struct record *in, bool exec)
{
	for (uint32_t i = 0; i < in->nents; i++) {
		uint32_t x = in->ents[i];

		if (x >= e->rs.nents || !e->keep[x] || (!exec && e->exec_only[x]))
			return false;
	}
	return in->nents > 0;
}

const struct record *engine_watched(const struct engine *e, const struct record *in,
				     bool script, struct record *out)
{
	bool exec;

	if (!in)
		return NULL;
	exec = record_int(in, ATTR_TYPE) == FT_REGULAR &&
	       (script || (record_int(in, ATTR_MODE) & 0111));
	if (all_watched(e, in, exec))
		return in;	/* the usual case: no copy */
	record_copy(out, in);
	out->nents = 0;
	for (uint32_t i = 0; i < in->nents; i++) {
		uint32_t x = in->ents[i];

		if (x < e->rs.nents && e->keep[x] && (exec || !e->exec_only[x]))
			record_add_entity(out, x);
	}
	return out->nents ? out : NULL;
}

/*
 * For a rule on "/": whether the regular file key without an execute bit
 * is a "#!" script now (opened inside the root, never following its last
 * component), which then counts on both sides of the change.
 */
static bool is_script(const struct engine *e, const struct record *r)
{
	int rootfd, fd;
	bool yes = false;

	if (!e->any_exec_only || record_int(r, ATTR_TYPE) != FT_REGULAR ||
	    (record_int(r, ATTR_MODE) & 0111))
		return false;
	rootfd = open(e->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return false;
	fd = walk_open_in_root(rootfd, record_key(r), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd >= 0) {
		yes = select_is_script(fd);
		close(fd);
	}
	close(rootfd);
	return yes;
}

static int on_event(void *ctx, const struct event *ev)
{
	struct engine *e = ctx;
	struct event x = *ev;

	x.process = e->proc;
	return sink_list_emit(e->conf.sinks, &x);
}

static struct diff_opts diff_opts_of(struct engine *e)
{
	return (struct diff_opts){ .rules = &e->rs, .host = e->conf.host, .source = "watch",
				   .time = engine_now(), .on_event = on_event, .ctx = e };
}

int engine_diff(struct engine *e, const struct record *old, const struct record *new)
{
	struct diff_opts d = diff_opts_of(e);
	bool script = (new || old) && is_script(e, new ? new : old);
	const struct record *o = engine_watched(e, old, script, &e->fold);
	const struct record *n = engine_watched(e, new, script, &e->fnew);

	return o || n ? diff_one(&d, o, n, &e->sum) : 0;
}

int engine_apply(struct engine *e, const struct record *old, const struct record *new)
{
	if (engine_diff(e, old, new) < 0)
		return -1;
	if (new) {
		if (state_put(e->st, new) < 0)
			return -1;
	} else if (old) {
		state_remove(e->st, old->kind, record_key(old), old->keylen);
	} else {
		return 0;
	}
	e->dirty = true;
	return 0;
}

/* Probes key and compares it with the store: 0 or -1. */
int engine_probe(struct engine *e, const char *key)
{
	int rc;

	if (engine_own_file(e, key))
		return 0;
	rc = file_prober_probe(e->prober, key, &e->new);
	return rc < 0 ? -1 : engine_apply_probed(e, key, rc ? &e->new : NULL);
}

int engine_apply_probed(struct engine *e, const char *key, const struct record *new)
{
	int had = state_get(e->st, KIND_FILE, key, strlen(key), &e->old);

	return engine_apply(e, had ? &e->old : NULL, new);
}

int engine_path(struct engine *e, const char *path, unsigned what, bool isdir,
		const struct procinfo *proc)
{
	int r;

	e->proc = proc;
	if (!isdir && (what & WEV_STRUCTURE) &&
	    state_get(e->st, KIND_FILE, path, strlen(path), &e->old))
		isdir = record_int(&e->old, ATTR_TYPE) == FT_DIR;
	if (isdir && (what & WEV_STRUCTURE)) {
		/* a kept directory descriptor may name what moved */
		engine_settle(e);
		r = engine_rescan(e, path);
		engine_settle(e);
	} else {
		r = engine_probe(e, path);
	}
	e->proc = NULL;
	return r;
}

static bool same_file(const struct record *a, const struct record *b)
{
	return record_has(a, ATTR_INODE) && record_has(b, ATTR_INODE) &&
	       record_has(a, ATTR_DEVICE) && record_has(b, ATTR_DEVICE) &&
	       record_int(a, ATTR_INODE) == record_int(b, ATTR_INODE) &&
	       record_int(a, ATTR_DEVICE) == record_int(b, ATTR_DEVICE) &&
	       record_int(a, ATTR_TYPE) == record_int(b, ATTR_TYPE);
}

static bool same_entities(const struct record *a, const struct record *b)
{
	return a->nents == b->nents && !memcmp(a->ents, b->ents, a->nents * sizeof(*a->ents));
}

/* The `renamed` event of from -> to, if the store and the file prove it: 1, 0 or -1. */
static int try_renamed(struct engine *e, const char *from, const char *to)
{
	struct diff_opts d = diff_opts_of(e);
	const struct record *o, *n;
	bool script;
	int rc;

	if (engine_own_file(e, from) || engine_own_file(e, to) ||
	    state_get(e->st, KIND_FILE, to, strlen(to), &e->old) ||
	    !state_get(e->st, KIND_FILE, from, strlen(from), &e->old) ||
	    record_int(&e->old, ATTR_TYPE) == FT_DIR)
		return 0;
	if ((rc = file_prober_probe(e->prober, to, &e->new)) <= 0 || !same_file(&e->old, &e->new))
		return rc;
	script = is_script(e, &e->new);
	o = engine_watched(e, &e->old, script, &e->fold);
	n = engine_watched(e, &e->new, script, &e->fnew);
	if (!o || !n || !same_entities(o, n))
		return 0;
	if (diff_renamed(&d, o, n, &e->sum) < 0 || state_put(e->st, &e->new) < 0)
		return -1;
	state_remove(e->st, KIND_FILE, from, strlen(from));
	e->dirty = true;
	return 1;
}

int engine_rename(struct engine *e, const char *from, const char *to, unsigned what,
		  const struct procinfo *proc)
{
	int r;

	if (engine_sync(e) < 0)
		return -1;
	e->proc = proc;
	r = try_renamed(e, from, to);
	e->proc = NULL;
	if (r)
		return r < 0 ? -1 : 0;
	/* each name on its own: the old one gone, the new one as it is */
	if (engine_path(e, from, WEV_MOVED_FROM, false, proc) < 0)
		return -1;
	return engine_path(e, to, what | WEV_MOVED_TO, false, proc);
}

void engine_settle(struct engine *e)
{
	engine_async_settle(e);
	file_prober_settle(e->prober);
}
