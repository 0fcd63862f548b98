/*
 * file.c - the file source: one walk over the union of all file entities'
 * bases (walk.c), each entry matched against the entities whose base
 * contains it (select.h), probed once for the union of the selecting
 * entities' attributes (probe_file.c), hashed on the pool's threads
 * (pool.c) while the walk goes on, and yielded in key order.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/file.h"
#include "imscan/linkcache.h"
#include "imscan/pool.h"
#include "imscan/probe_file.h"
#include "imscan/select.h"
#include "imscan/strbuf.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"

/* Slots in flight: enough to keep every worker busy past one large file,
 * few enough to stay far below the default limit of 1024 descriptors. */
#define SCAN_DEPTH 4096
/*
 * ... while there is hashing to keep busy. With none in flight (a --quick
 * check of an unchanged tree) the records are handed over this far
 * behind the walk instead, while they are still in the CPU's caches: the
 * full depth of slots is megabytes, and walking it twice missed them.
 */
#define SCAN_SHALLOW 64

/* A host path no record may be made of (source_opts.skip), as a key. */
struct skip {
	char *dir;		/* key of its directory ("" for "/") */
	size_t dirlen;
	char *name;		/* its name; "XXXXXX" at the end matches any 6 characters */
	size_t namelen;
};

/* Entities still interested in the entries below one directory level. */
struct active {
	uint32_t *v;
	size_t n, cap;
};

struct fsrc {
	const struct ruleset *rules;
	size_t max_key;		/* source_opts.max_key */
	struct walk *walk;
	struct probe *probe;
	struct pool *pool;
	struct linkcache *links;
	struct active *levels;	/* levels[l]: entities active below the dir at walk level l */
	size_t nlevels;
	size_t *baselen;	/* strlen of each file entity's base, else SIZE_MAX */
	struct skip *skip;
	size_t nskip;
	source_lookup_fn lookup;	/* --quick */
	void *lookup_ctx;
	bool names;		/* source_opts.names */
	int have_head;
	int walk_done;
	struct source_stats stats;
};

static void active_push(struct active *a, uint32_t e)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 8;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = e;
}

static struct active *level(struct fsrc *s, size_t d)
{
	if (d >= s->nlevels) {
		size_t n = s->nlevels ? s->nlevels : 16;

		while (n <= d)
			n *= 2;
		s->levels = xreallocarray(s->levels, n, sizeof(*s->levels));
		memset(s->levels + s->nlevels, 0, (n - s->nlevels) * sizeof(*s->levels));
		s->nlevels = n;
	}
	return &s->levels[d];
}

static void consider(struct fsrc *s, const struct entity *en, const struct walk_entry *e,
		     int is_dir, struct active *below, struct record *rec, struct attrset *want)
{
	size_t rlen;
	const char *rel = select_relative(en->base, s->baselen[en->index], e->path, e->pathlen,
					  &rlen);
	int m;

	if (!rel)
		return;
	m = select_match(en, rel, rlen, is_dir);
	if (is_dir && (m & RULES_DESCEND))
		active_push(below, en->index);
	if (!(m & RULES_SELECT))
		return;
	if (en->executables_only && !select_is_executable(e->dirfd, e->name, &e->stx))
		return;
	record_add_entity(rec, en->index);
	attrset_or(want, &en->attrs);
}

/*
 * Matches one walk entry against the entities active at its parent and
 * those based at it; fills the slot's entity list and wanted attributes.
 */
static void select_entry(struct fsrc *s, const struct walk_entry *e, struct pool_slot *slot)
{
	const struct ruleset *rs = s->rules;
	int is_dir = (e->stx.stx_mode & S_IFMT) == S_IFDIR;
	/*
	 * Kept by the walk's level, not depth: a nested base walked on its
	 * own restarts depth at 0 while the walk it suspended still needs
	 * its directories' state. A base walked on its own inherits nothing.
	 */
	struct active *below = level(s, e->level);
	const struct active *parent = e->depth ? level(s, e->level - 1) : NULL;

	below->n = 0;
	if (parent)
		for (size_t i = 0; i < parent->n; i++)
			consider(s, rs->ents[parent->v[i]], e, is_dir, below, &slot->rec, &slot->want);
	for (size_t i = 0; i < rs->nents; i++) {
		const struct entity *en = rs->ents[i];

		if (s->baselen[i] == e->pathlen && !memcmp(en->base, e->path, e->pathlen))
			consider(s, en, e, is_dir, below, &slot->rec, &slot->want);
	}
}

/* What --quick takes from the baseline: reading any of them needs the file
 * opened, and changing any of them moves ctime. */
static const enum attr_id reusable[] = {
	ATTR_SHA256, ATTR_SHA512, ATTR_BLAKE2B, ATTR_XXH128,
	ATTR_XATTRS, ATTR_ACL, ATTR_CAPS, ATTR_SELINUX, ATTR_FLAGS,
};
#define NREUSABLE (sizeof(reusable) / sizeof(reusable[0]))

static int same(const struct record *b, enum attr_id a, int64_t v)
{
	return record_has(b, a) && record_int(b, a) == v;
}

/*
 * The baseline record --quick may take e's unread attributes from, in
 * *out (NULL if none): 0, or -1. A record the lookup cannot give for now
 * (SOURCE_LOOKUP_LATER) is none: e is then simply read in full.
 */
static int reusable_record(struct fsrc *s, const struct walk_entry *e,
			   const struct record **out)
{
	const struct statx *x = &e->stx;
	const struct record *b;
	int ft = ftype_from_mode(x->stx_mode);
	int rc = s->lookup(s->lookup_ctx, KIND_FILE, e->path, e->pathlen, &b);

	*out = NULL;
	if (rc != 1)
		return rc < 0 ? -1 : 0;
	if (record_has(b, ATTR_ERROR) || e->err)
		return 0;
	if (!same(b, ATTR_TYPE, ft) || !same(b, ATTR_INODE, (int64_t)x->stx_ino) ||
	    !same(b, ATTR_CTIME, statx_ns(&x->stx_ctime)) ||
	    !same(b, ATTR_DEVICE, (int64_t)makedev(x->stx_dev_major, x->stx_dev_minor)))
		return 0;
	if (ft == FT_REGULAR && (!same(b, ATTR_SIZE, (int64_t)x->stx_size) ||
				 !same(b, ATTR_MTIME, statx_ns(&x->stx_mtime))))
		return 0;
	*out = b;
	return 0;
}

static void copy_attr(struct record *dst, const struct record *src, enum attr_id a)
{
	const unsigned char *p;
	size_t n;

	if (!record_has(src, a))
		return;
	if (attr_table[a].type == ATTR_T_INT) {
		record_set_int(dst, a, record_int(src, a));
		return;
	}
	p = record_bytes(src, a, &n);
	record_set_bytes(dst, a, p, n);
}

/* The hashes of slot's file from a link hashed before it, if the cache
 * has them: then there is nothing to read. */
static bool take_from_link(struct fsrc *s, struct pool_slot *slot)
{
	if (!linkcache_fill(s->links, &slot->file.stx, &slot->want, &slot->rec))
		return false;
	close(slot->file.fd);
	slot->file.fd = -1;
	s->stats.linked++;
	return true;
}

/*
 * A file with other links: its hashes from the link hashed before it, or
 * from the one still in flight once that is done (the slot is deferred to
 * the head, which comes after), or hashed here as the first.
 */
static void hard_link(struct fsrc *s, struct pool_slot *slot)
{
	switch (linkcache_state(s->links, &slot->file.stx)) {
	case LINKCACHE_PENDING:
		slot->defer = true;
		return;
	case LINKCACHE_READY:
		if (take_from_link(s, slot))
			return;
		break;
	case LINKCACHE_UNKNOWN:
	case LINKCACHE_STALE:
		break;
	}
	linkcache_pend(s->links, &slot->file.stx);
	slot->link_first = true;
}

/* A slot at the head: what its hard links need from it, or need of it. */
static void finish_link(struct fsrc *s, struct pool_slot *head)
{
	if (head->link_first) {
		linkcache_put(s->links, &head->file.stx, &head->rec);
		return;
	}
	/* If the first link failed or the file changed since: read this one. */
	if (head->defer && !take_from_link(s, head))
		pool_hash_now(s->pool, head);
}

/* Probes e into slot, or with --quick only what the baseline cannot vouch for. */
static int probe(struct fsrc *s, const struct walk_entry *e, struct pool_slot *slot)
{
	const struct record *b = NULL;
	struct attrset want = slot->want;

	if (s->lookup && reusable_record(s, e, &b) < 0)
		return -1;
	if (b)
		for (size_t i = 0; i < NREUSABLE; i++)
			attrset_del(&want, reusable[i]);
	if (probe_file_meta(s->probe, e, walk_entry_fd(s->walk), &want, &slot->rec, &slot->file) < 0)
		return -1;
	if (slot->file.fd >= 0 && slot->file.stx.stx_nlink > 1)
		hard_link(s, slot);
	if (!b)
		return 0;
	for (size_t i = 0; i < NREUSABLE; i++)
		if (attrset_has(&slot->want, reusable[i]))
			copy_attr(&slot->rec, b, reusable[i]);
	s->stats.reused++;
	return 0;
}

static bool skip_name(const struct skip *k, const char *name)
{
	size_t fixed = k->namelen;

	if (fixed >= 6 && !memcmp(k->name + fixed - 6, "XXXXXX", 6))
		fixed -= 6;
	return !memcmp(name, k->name, fixed);
}

/* One of the paths no record may be made of: imscan's own files. */
static bool skipped(const struct fsrc *s, const struct walk_entry *e)
{
	for (size_t i = 0; i < s->nskip; i++) {
		const struct skip *k = &s->skip[i];

		if (e->namelen == k->namelen && e->pathlen == k->dirlen + 1 + k->namelen &&
		    !memcmp(e->path, k->dir, k->dirlen) && skip_name(k, e->name))
			return true;
	}
	return false;
}

/*
 * The host path p as a key inside root, in s->skip: its directory
 * resolved (symlinks, "..") and found below root; a path outside root is
 * left out.
 */
static void add_skip(struct fsrc *s, const char *root, const char *p)
{
	const char *slash = strrchr(p, '/');
	char *dir = slash ? xstrndup(p, (size_t)(slash - p)) : NULL;
	char *real = dir ? realpath(*dir ? dir : "/", NULL) : NULL;
	size_t rlen = strlen(root), len;

	if (rlen == 1)
		rlen = 0;	/* "/" */
	if (real && !strncmp(real, root, rlen) && (real[rlen] == '/' || !real[rlen])) {
		struct skip *k;

		s->skip = xreallocarray(s->skip, s->nskip + 1, sizeof(*s->skip));
		k = &s->skip[s->nskip++];
		len = strlen(real + rlen);
		k->dir = xstrdup(len == 1 ? "" : real + rlen);
		k->dirlen = strlen(k->dir);
		k->name = xstrdup(slash + 1);
		k->namelen = strlen(k->name);
	}
	free(real);
	free(dir);
}

/* Walks until one entry is selected into a slot; 1, 0 at the end, -1. */
static int fill_one(struct fsrc *s, struct pool_slot *slot)
{
	const struct walk_entry *e;
	const char *why;
	int r, is_dir, wanted_below;

	for (;;) {
		record_reset(&slot->rec);
		slot->want = ATTRSET_EMPTY;
		r = walk_next(s->walk, &e);
		if (r <= 0)
			return r;
		is_dir = (e->stx.stx_mode & S_IFMT) == S_IFDIR;
		if (s->nskip && skipped(s, e)) {
			if (is_dir)
				walk_prune(s->walk);
			continue;
		}
		select_entry(s, e, slot);
		wanted_below = is_dir && level(s, e->level)->n;
		why = e->err ? strerror(e->err) : NULL;
		if (wanted_below && e->pathlen + NAME_MAX + 1 > s->max_key) {
			/* its entries' keys would not fit in a baseline */
			why = "paths below it are too long; not descended";
			walk_prune(s->walk);
		}
		if (is_dir && !wanted_below)
			walk_prune(s->walk);
		if (slot->rec.nents)
			break;
		/*
		 * A directory we only pass through but could not look into
		 * still matters: without it, check would report everything
		 * the baseline has below it as removed.
		 */
		if (wanted_below && why) {
			record_set_key(&slot->rec, KIND_FILE, e->path, e->pathlen);
			record_set_int(&slot->rec, ATTR_TYPE, FT_DIR);
			record_set_str(&slot->rec, ATTR_ERROR, why);
			return 1;
		}
	}
	record_set_key(&slot->rec, KIND_FILE, e->path, e->pathlen);
	/* Not a rule's attribute, but what --quick needs to trust a record. */
	attrset_add(&slot->want, ATTR_DEVICE);
	if (s->names) {
		if (attrset_has(&slot->want, ATTR_UID))
			attrset_add(&slot->want, ATTR_OWNER);
		if (attrset_has(&slot->want, ATTR_GID))
			attrset_add(&slot->want, ATTR_GROUP);
	}
	if (probe(s, e, slot) < 0)
		return -1;
	if (why && !e->err && !record_has(&slot->rec, ATTR_ERROR))
		record_set_str(&slot->rec, ATTR_ERROR, why);
	return 1;
}

/*
 * Slots in flight each hold an open file: raise the soft limit on
 * descriptors to the hard one, before the walk takes its share of it
 * (walk_fds()).
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Never plan for more files in flight than the limit allows beside the
 * walker's descriptors and the baseline's, so that EMFILE cannot stop the
 * scan. */
static size_t pool_depth(void)
{
	size_t other = walk_fds() + 32;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 16;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > SCAN_DEPTH + other)
		return SCAN_DEPTH;
	return rl.rlim_cur > other + 1 ? rl.rlim_cur - other : 1;
}

/* "rule ID: base /srv/wwww does not exist under ROOT", once per rule and base. */
static void warn_missing_bases(const struct ruleset *rs, const char *root)
{
	const struct entity *last = NULL;
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct strbuf b;

	if (rootfd < 0)
		return;	/* walk_open says why */
	strbuf_init(&b);
	for (size_t i = 0; i < rs->nents; i++) {
		const struct entity *e = rs->ents[i];
		int fd;

		if (e->type != KIND_FILE ||
		    (last && last->rule == e->rule && !strcmp(last->base, e->base)))
			continue;
		last = e;
		fd = walk_open_in_root(rootfd, e->base, O_PATH | O_NOFOLLOW);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (errno != ENOENT && errno != ENOTDIR)
			continue;
		strbuf_reset(&b);
		text_add_escaped(&b, e->base, strlen(e->base));
		warning("rule %s: base %s does not exist under %s", e->rule->id, b.buf, root);
	}
	strbuf_release(&b);
	close(rootfd);
}

static void file_close(void *state);

static int file_open(void **state, const struct source_opts *o)
{
	const struct ruleset *rs = o->rules;
	struct fsrc *s = xcalloc(1, sizeof(*s));
	const char **bases = xcalloc(rs->nents + 1, sizeof(*bases));
	struct attrset all = ruleset_attrs(rs, KIND_FILE);
	size_t nb = 0;

	*state = NULL;
	s->rules = rs;
	s->max_key = o->max_key ? o->max_key : SIZE_MAX / 2;
	s->lookup = o->lookup;
	s->lookup_ctx = o->lookup_ctx;
	s->names = o->names;
	for (size_t i = 0; i < o->nskip; i++)
		add_skip(s, o->root && *o->root ? o->root : "/", o->skip[i]);
	attrset_add(&all, ATTR_DEVICE);
	s->baselen = xcalloc(rs->nents + 1, sizeof(*s->baselen));
	for (size_t i = 0; i < rs->nents; i++) {
		s->baselen[i] = SIZE_MAX;
		if (rs->ents[i]->type != KIND_FILE)
			continue;
		bases[nb++] = rs->ents[i]->base;
		s->baselen[i] = strlen(rs->ents[i]->base);
	}
	s->probe = probe_new(o->root);
	s->links = linkcache_new();
	raise_nofile();
	if (o->warn_missing)
		warn_missing_bases(rs, o->root && *o->root ? o->root : "/");
	s->walk = walk_open(o->root, bases, nb, probe_statx_mask(&all));
	free(bases);
	if (!s->walk)
		goto fail;
	s->pool = pool_new(o->jobs ? o->jobs : file_default_jobs(), pool_depth());
	if (!s->pool)
		goto fail;
	*state = s;
	return 0;
fail:
	file_close(s);
	return -1;
}

unsigned file_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* Fills free slots until the ring is full or the walk ends. */
static int fill(struct fsrc *s)
{
	struct pool_slot *slot;
	int r;

	while (!s->walk_done && (slot = pool_reserve(s->pool))) {
		r = fill_one(s, slot);
		if (r < 0)
			return -1;
		if (r == 0) {
			s->walk_done = 1;
			break;
		}
		if (!pool_submit(s->pool) && pool_inflight(s->pool) >= SCAN_SHALLOW)
			break;
	}
	return 0;
}

static int file_next(void *state, const struct record **out)
{
	struct fsrc *s = state;
	struct pool_slot *head;

	if (s->have_head) {
		pool_release_head(s->pool);
		s->have_head = 0;
	}
	if (fill(s) < 0)
		return -1;
	head = pool_head(s->pool);
	if (!head)
		return 0;
	finish_link(s, head);
	s->have_head = 1;
	s->stats.entries++;
	if (record_has(&head->rec, ATTR_ERROR))
		s->stats.errors++;
	*out = &head->rec;
	return 1;
}

static void file_close(void *state)
{
	struct fsrc *s = state;

	if (!s)
		return;
	pool_free(s->pool);
	walk_free(s->walk);
	probe_free(s->probe);
	linkcache_free(s->links);
	for (size_t i = 0; i < s->nlevels; i++)
		free(s->levels[i].v);
	free(s->levels);
	free(s->baselen);
	for (size_t i = 0; i < s->nskip; i++) {
		free(s->skip[i].dir);
		free(s->skip[i].name);
	}
	free(s->skip);
	free(s);
}

static void file_stats(void *state, struct source_stats *acc)
{
	struct fsrc *s = state;

	acc->entries += s->stats.entries;
	acc->errors += s->stats.errors;
	acc->reused += s->stats.reused;
	acc->linked += s->stats.linked;
	acc->bytes_hashed += s->pool ? pool_bytes(s->pool) : 0;
}

const struct source file_source = {
	.kind = KIND_FILE,
	.name = "file",
	.live_only = false,
	.open = file_open,
	.next = file_next,
	.stats = file_stats,
	.close = file_close,
};
