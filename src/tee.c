/* tee.c - one record stream, two readers (tee.h). */
#include <stdint.h>
#include <stdlib.h>

#include "imscan/tee.h"
#include "imscan/xalloc.h"

/*
 * Records [start, end) of the stream are kept in a ring, by their number
 * in the stream. The main reader has returned up to main_pos - 1 and that
 * record must stay (its caller holds it); the side reader gets a private
 * copy, so nothing in the ring is held for it.
 */
struct tee {
	const struct recstream *src;
	struct record *ring;
	size_t cap;			/* max + 1: the main reader's held record */
	uint64_t start, end, main_pos, side_pos;
	int src_done;			/* 1 after 0 from src, -1 after an error */
	struct record side;
};

struct tee *tee_new(const struct recstream *src, size_t max)
{
	struct tee *t = xcalloc(1, sizeof(*t));

	t->src = src;
	t->cap = (max ? max : 1) + 1;
	t->ring = xcalloc(t->cap, sizeof(*t->ring));
	for (size_t i = 0; i < t->cap; i++)
		record_init(&t->ring[i]);
	record_init(&t->side);
	return t;
}

void tee_free(struct tee *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		record_release(&t->ring[i]);
	free(t->ring);
	record_release(&t->side);
	free(t);
}

static struct record *at(struct tee *t, uint64_t n)
{
	return &t->ring[n % t->cap];
}

/* Drops what neither reader needs; the side reader loses what it has not
 * read only when the ring is full. */
static void trim(struct tee *t)
{
	uint64_t keep = t->main_pos ? t->main_pos - 1 : 0;

	if (t->side_pos < keep && t->end - t->side_pos < t->cap)
		keep = t->side_pos;
	if (keep > t->start)
		t->start = keep;
	if (t->side_pos < t->start)
		t->side_pos = t->start;
}

/* Appends the next record of src: 1, 0 at its end, -1. The ring has room. */
static int pull(struct tee *t)
{
	const struct record *r;
	int rc;

	if (t->src_done)
		return t->src_done > 0 ? 0 : -1;
	rc = t->src->next(t->src->self, &r);
	if (rc <= 0) {
		t->src_done = rc == 0 ? 1 : -1;
		return rc;
	}
	record_copy(at(t, t->end), r);
	t->end++;
	return 1;
}

static int main_next(void *self, const struct record **out)
{
	struct tee *t = self;
	int rc;

	trim(t);
	if (t->main_pos == t->end) {
		if (t->end - t->start == t->cap)
			t->start++;	/* only the side reader wanted it */
		trim(t);
		if ((rc = pull(t)) <= 0)
			return rc;
	}
	*out = at(t, t->main_pos++);
	return 1;
}

static int side_next(void *self, const struct record **out)
{
	struct tee *t = self;
	int rc;

	trim(t);
	if (t->side_pos == t->end) {
		if (t->end - t->start == t->cap)
			return TEE_LATER;
		if ((rc = pull(t)) <= 0)
			return rc;
	}
	record_copy(&t->side, at(t, t->side_pos++));
	*out = &t->side;
	return 1;
}

struct recstream tee_main(struct tee *t)
{
	return (struct recstream){ main_next, t };
}

struct recstream tee_side(struct tee *t)
{
	return (struct recstream){ side_next, t };
}
