/* tee.c - one record stream, decoded on its own thread, read twice (tee.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "imscan/error.h"
#include "imscan/tee.h"
#include "imscan/xalloc.h"

/*
 * Record n of the stream lives in ring[n % cap] from when the producer
 * publishes end > n until the consumer publishes start > n. The producer
 * writes only slots below start + cap, the consumer reads only slots
 * below end: each side's index, an atomic (sequentially consistent, so
 * also release and acquire), hands the slots over, and the mutex is taken
 * only to sleep and to wake the other side.
 */
struct tee {
	const struct recstream *src;
	struct record *ring;
	size_t cap;			/* max + 1: the main reader's held record */
	_Atomic uint64_t end;		/* records published by the producer */
	_Atomic uint64_t start;		/* records the consumer is done with */
	atomic_bool done;		/* src ended: src_rc and err are set */
	atomic_bool stop;		/* tee_free: the producer must return */
	atomic_bool prod_sleeps, cons_sleeps;
	int src_rc;			/* 0 at the end, -1 on error */
	char *err;			/* src's message for -1 */
	bool threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* the consumer's */
	uint64_t main_pos;		/* the main reader's next record */
	uint64_t side_pos;		/* where the side reader's lookup goes on */
};

/* The producer sleeps until this many slots are free, so that it is not
 * woken for each record the consumer lets go of, or until the consumer
 * waits for a record that fits in fewer. */
static size_t low_water(const struct tee *t)
{
	return t->cap / 8 ? t->cap / 8 : 1;
}

static void wake(struct tee *t)
{
	pthread_mutex_lock(&t->mu);
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

/* Pulls one record of src into the ring: 1, or 0 once src has ended. */
static int produce_one(struct tee *t)
{
	uint64_t e = atomic_load_explicit(&t->end, memory_order_relaxed);
	const struct record *r;
	int rc = t->src->next(t->src->self, &r);

	if (rc <= 0) {
		t->src_rc = rc < 0 ? -1 : 0;
		if (rc < 0)
			t->err = xstrdup(error_last());
		atomic_store(&t->done, true);
		return 0;
	}
	record_copy(&t->ring[e % t->cap], r);
	atomic_store(&t->end, e + 1);
	return 1;
}

static bool ring_full(struct tee *t, size_t room)
{
	return atomic_load(&t->end) + room > atomic_load(&t->start) + t->cap;
}

static void *producer(void *arg)
{
	struct tee *t = arg;

	while (!atomic_load_explicit(&t->stop, memory_order_relaxed)) {
		if (ring_full(t, 1)) {
			pthread_mutex_lock(&t->mu);
			atomic_store(&t->prod_sleeps, true);
			while (!atomic_load(&t->stop) &&
			       (ring_full(t, 1) ||
				(ring_full(t, low_water(t)) && !atomic_load(&t->cons_sleeps))))
				pthread_cond_wait(&t->cv, &t->mu);
			atomic_store(&t->prod_sleeps, false);
			pthread_mutex_unlock(&t->mu);
			continue;
		}
		if (!produce_one(t)) {
			wake(t);
			break;
		}
		if (atomic_load(&t->cons_sleeps))
			wake(t);
	}
	error_thread_release();
	return NULL;
}

struct tee *tee_new(const struct recstream *src, size_t max)
{
	struct tee *t = xcalloc(1, sizeof(*t));

	t->src = src;
	t->cap = (max ? max : 1) + 1;
	t->ring = xcalloc(t->cap, sizeof(*t->ring));
	for (size_t i = 0; i < t->cap; i++)
		record_init(&t->ring[i]);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->threaded = pthread_create(&t->thread, NULL, producer, t) == 0;
	return t;
}

void tee_free(struct tee *t)
{
	if (!t)
		return;
	if (t->threaded) {
		atomic_store(&t->stop, true);
		wake(t);
		pthread_join(t->thread, NULL);
	}
	for (size_t i = 0; i < t->cap; i++)
		record_release(&t->ring[i]);
	free(t->ring);
	free(t->err);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/* Lets go of the records before n; wakes a producer waiting for room. */
static void release_before(struct tee *t, uint64_t n)
{
	if (n <= atomic_load_explicit(&t->start, memory_order_relaxed))
		return;
	atomic_store(&t->start, n);
	if (atomic_load(&t->prod_sleeps) && !ring_full(t, low_water(t)))
		wake(t);
}

/*
 * Makes record n available: 1, 0 if src ended before it, -1 with src's
 * message. Record n must fit in the ring (n < start + cap).
 */
static int await(struct tee *t, uint64_t n)
{
	while (atomic_load(&t->end) <= n) {
		if (atomic_load(&t->done))
			return atomic_load(&t->end) > n ? 1 :
			       t->src_rc < 0 ? error("%s", t->err) : 0;
		if (!t->threaded) {
			produce_one(t);
			continue;
		}
		pthread_mutex_lock(&t->mu);
		atomic_store(&t->cons_sleeps, true);
		while (atomic_load(&t->end) <= n && !atomic_load(&t->done)) {
			/* record n fits: a producer waiting for more room is not to */
			if (atomic_load(&t->prod_sleeps))
				pthread_cond_broadcast(&t->cv);
			pthread_cond_wait(&t->cv, &t->mu);
		}
		atomic_store(&t->cons_sleeps, false);
		pthread_mutex_unlock(&t->mu);
	}
	return 1;
}

static int main_next(void *self, const struct record **out)
{
	struct tee *t = self;
	int rc;

	/* The record returned last is let go of now. */
	release_before(t, t->main_pos);
	if ((rc = await(t, t->main_pos)) <= 0)
		return rc;
	*out = &t->ring[t->main_pos++ % t->cap];
	return 1;
}

struct recstream tee_main(struct tee *t)
{
	return (struct recstream){ main_next, t };
}

int tee_find(struct tee *t, enum kind kind, const char *key, size_t keylen,
	     const struct record **out)
{
	uint64_t start = atomic_load_explicit(&t->start, memory_order_relaxed);

	if (t->side_pos < start)
		t->side_pos = start;	/* the main reader passed it */
	for (;;) {
		const struct record *r;
		int c, rc;

		if (t->side_pos >= start + t->cap)
			return TEE_LATER;
		if ((rc = await(t, t->side_pos)) <= 0)
			return rc;
		r = &t->ring[t->side_pos % t->cap];
		c = r->kind != kind ? (r->kind < kind ? -1 : 1) :
		    key_cmp(record_key(r), r->keylen, key, keylen);
		if (c > 0)
			return 0;
		if (c == 0) {
			*out = r;
			return 1;
		}
		t->side_pos++;
	}
}
