/*
 * engine_async.c - probes on a second thread (watch_engine.h).
 *
 * Probing a path (stat, open, xattrs, flags, hash) is most of what an
 * event costs, and needs nothing of the store: a worker thread probes
 * submitted paths in order into a ring of slots while the watcher's own
 * thread reads the kernel's queue, diffs, stores and prints. Results are
 * applied on the watcher's thread in the order submitted, so the store and
 * the sinks stay single-threaded and events keep their order.
 *
 * The worker is started on the first submit: a confined watcher has
 * confined itself by then, and Landlock binds only threads started after.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/file.h"
#include "imscan/probe_file.h"
#include "imscan/xalloc.h"
#include "watch_engine_impl.h"

#define RING 256	/* power of two */
#define KICK_EVERY 32	/* probes between two wake-ups of a sleeping watcher */

struct slot {
	char *path;
	size_t cap;
	bool has_proc;
	struct procinfo proc;
	struct record rec;
	int rc;
	char *err;
};

/*
 * A single-producer single-consumer ring: the watcher fills at tail, the
 * worker probes at mid, the watcher applies at head. Neither takes a lock
 * while the other is busy; the mutex and condition variables are only for
 * going to sleep (each side says so in a flag, then re-checks; the other
 * side looks at the flag after its store: sequentially consistent atomics
 * make one of the two see the other).
 */
struct async {
	pthread_t thread;
	bool started;
	atomic_bool stop, worker_sleeps, watcher_waits, watcher_polls, kicked;
	atomic_uint_fast64_t mid, tail;
	atomic_uint_fast64_t wait_until;	/* the mid a waiting watcher needs */
	atomic_uint settle;	/* bumped by engine_settle: the kept directory goes */
	uint64_t head;		/* the watcher's only */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct slot ring[RING];
	struct file_prober *prober;	/* the worker's own */
	int efd;	/* readable when probes are done while the watcher polls */
};

/* The worker sleeps until something is submitted; false: stop. */
static bool worker_wait(struct async *a, uint64_t mid)
{
	bool go = true;

	file_prober_settle(a->prober);	/* caught up: the kept directory goes */
	pthread_mutex_lock(&a->mu);
	atomic_store(&a->worker_sleeps, true);
	while (atomic_load(&a->tail) == mid && !atomic_load(&a->stop))
		pthread_cond_wait(&a->work, &a->mu);
	atomic_store(&a->worker_sleeps, false);
	go = !atomic_load(&a->stop);
	pthread_mutex_unlock(&a->mu);
	return go;
}

/* A probe is done: wakes the watcher if it waits for one. */
static void worker_done(struct async *a, uint64_t mid)
{
	atomic_store(&a->mid, mid);
	if (atomic_load(&a->watcher_waits) && mid >= atomic_load(&a->wait_until)) {
		pthread_mutex_lock(&a->mu);
		pthread_cond_signal(&a->done);
		pthread_mutex_unlock(&a->mu);
	}
	if (atomic_load(&a->watcher_polls) &&
	    (mid == atomic_load(&a->tail) || !(mid % KICK_EVERY)) &&
	    !atomic_exchange(&a->kicked, true)) {
		uint64_t one = 1;

		if (write(a->efd, &one, sizeof(one)) < 0)
			(void)0;	/* counter full: it is readable anyway */
	}
}

static void *worker(void *arg)
{
	struct async *a = arg;
	uint64_t mid = 0;
	unsigned settled = 0;

	for (;;) {
		struct slot *s;

		if (atomic_load(&a->stop))
			break;
		if (mid == atomic_load(&a->tail)) {
			if (!worker_wait(a, mid))
				break;
			continue;
		}
		if (settled != atomic_load(&a->settle)) {
			settled = atomic_load(&a->settle);
			file_prober_settle(a->prober);
		}
		s = &a->ring[mid & (RING - 1)];
		s->rc = file_prober_probe(a->prober, s->path, &s->rec);
		if (s->rc < 0)
			s->err = xstrdup(error_last());
		worker_done(a, ++mid);
	}
	probe_thread_release();	/* the hashing state this thread made */
	return NULL;
}

void engine_async_settle(struct engine *e)
{
	if (e->async)
		atomic_fetch_add(&e->async->settle, 1);
}

int engine_async_fd(const struct engine *e)
{
	return e->async ? e->async->efd : -1;
}

static int async_start(struct engine *e)
{
	struct async *a = xcalloc(1, sizeof(*a));
	int err;

	a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->efd < 0) {
		free(a);
		return error("eventfd: %s", strerror(errno));
	}
	if (!(a->prober = file_prober_new(&e->so))) {
		close(a->efd);
		free(a);
		return -1;
	}
	for (size_t i = 0; i < RING; i++)
		record_init(&a->ring[i].rec);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->done, NULL);
	e->async = a;
	if ((err = pthread_create(&a->thread, NULL, worker, a)) != 0)
		return error("cannot start the probe thread: %s", strerror(err));
	a->started = true;
	return 0;
}

/* Applies the oldest slot, probed: 0 or -1. */
static int apply_one(struct engine *e, struct slot *s)
{
	int rc;

	if (s->rc < 0)
		return error("%s", s->err);
	e->proc = s->has_proc ? &s->proc : NULL;
	rc = engine_apply_probed(e, s->path, s->rc ? &s->rec : NULL);
	e->proc = NULL;
	return rc;
}

/* The watcher sleeps until the worker's mid passes until (or stop). */
static void watcher_wait(struct async *a, uint64_t until)
{
	pthread_mutex_lock(&a->mu);
	atomic_store(&a->wait_until, until);
	atomic_store(&a->watcher_waits, true);
	while (atomic_load(&a->mid) < until)
		pthread_cond_wait(&a->done, &a->mu);
	atomic_store(&a->watcher_waits, false);
	pthread_mutex_unlock(&a->mu);
}

/* Applies what is probed; with wait, first waits until all is. */
static int collect(struct engine *e, bool wait)
{
	struct async *a = e->async;
	uint64_t ready;
	int rc = 0;

	if (!a)
		return 0;
	if (wait) {
		engine_kick(e);
		watcher_wait(a, atomic_load(&a->tail));
	}
	ready = atomic_load(&a->mid);
	for (; a->head < ready; a->head++) {
		struct slot *s = &a->ring[a->head & (RING - 1)];

		if (!rc)
			rc = apply_one(e, s);
		free(s->err);
		s->err = NULL;
	}
	return rc;
}

int engine_collect(struct engine *e)
{
	return collect(e, false);
}

int engine_sync(struct engine *e)
{
	return collect(e, true);
}

bool engine_wait_begin(struct engine *e)
{
	struct async *a = e->async;
	uint64_t n;

	if (!a)
		return false;
	if (atomic_exchange(&a->kicked, false) && read(a->efd, &n, sizeof(n)) < 0)
		(void)0;	/* already read */
	atomic_store(&a->watcher_polls, true);
	return atomic_load(&a->mid) != a->head;
}

void engine_wait_end(struct engine *e)
{
	if (e->async)
		atomic_store(&e->async->watcher_polls, false);
}

void engine_kick(struct engine *e)
{
	struct async *a = e->async;

	if (a && atomic_load(&a->worker_sleeps)) {
		pthread_mutex_lock(&a->mu);
		pthread_cond_signal(&a->work);
		pthread_mutex_unlock(&a->mu);
	}
}

/* Waits for room in the ring, applying what was probed meanwhile. */
static int make_room(struct engine *e)
{
	struct async *a = e->async;

	while (atomic_load(&a->tail) - a->head == RING) {
		engine_kick(e);
		/* a quarter of the ring at a time: one wake-up, not one per probe */
		watcher_wait(a, a->head + RING / 4);
		if (collect(e, false) < 0)
			return -1;
	}
	return 0;
}

int engine_submit(struct engine *e, const char *path, unsigned what, bool isdir,
		  const struct procinfo *proc)
{
	struct async *a;
	struct slot *s;
	size_t len = strlen(path);

	/* A move or a removal may be a directory's: done in order, here. */
	if ((what & WEV_STRUCTURE) || engine_own_file(e, path))
		return engine_sync(e) < 0 ? -1 : engine_path(e, path, what, isdir, proc);
	if (!e->async && async_start(e) < 0)
		return -1;
	if (make_room(e) < 0)
		return -1;
	a = e->async;
	s = &a->ring[atomic_load(&a->tail) & (RING - 1)];
	if (s->cap < len + 1) {
		s->cap = len + 1;
		s->path = xrealloc(s->path, s->cap);
	}
	memcpy(s->path, path, len + 1);
	s->has_proc = proc != NULL;
	if (proc)
		s->proc = *proc;
	atomic_store(&a->tail, atomic_load(&a->tail) + 1);
	/* a sleeping worker is woken for a batch, or by engine_kick */
	if (atomic_load(&a->tail) - atomic_load(&a->mid) >= KICK_EVERY)
		engine_kick(e);
	return collect(e, false);
}

void engine_async_free(struct engine *e)
{
	struct async *a = e->async;

	if (!a)
		return;
	if (a->started) {
		pthread_mutex_lock(&a->mu);
		atomic_store(&a->stop, true);
		pthread_cond_signal(&a->work);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->thread, NULL);
	}
	for (size_t i = 0; i < RING; i++) {
		free(a->ring[i].path);
		free(a->ring[i].err);
		record_release(&a->ring[i].rec);
	}
	file_prober_free(a->prober);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->work);
	pthread_cond_destroy(&a->done);
	close(a->efd);
	free(a);
	e->async = NULL;
}
