/*
 * bench/entities.c - the non-file sources on their own (issue 12).
 *
 *   entities            times collecting every entity of the live machine
 *                       (each source, all keys, STANDARD attributes) and
 *                       parsing a synthetic 5,000-package dpkg status file
 *   entities -v KIND    prints the records of one source (ROOT: -r DIR)
 *
 * Built by `make bench-entities` against the project's objects; no Check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imscan/error.h"
#include "imscan/source_parse.h"
#include "imscan/strbuf.h"

static const struct source *const all[] = {
	&source_user, &source_group, &source_package, &source_port, &source_process,
	&source_service, &source_module, &source_mount,
};
#define NALL (sizeof(all) / sizeof(all[0]))

static double clock_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Wall time, and CPU time, which a busy machine disturbs less. */
static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static double cpu_ms(void)
{
	return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static void print_record(const struct record *r)
{
	struct strbuf sb;
	unsigned a;

	strbuf_init(&sb);
	strbuf_addf(&sb, "%s %s", kind_name(r->kind), record_key(r));
	ATTRSET_FOREACH(a, &r->present) {
		strbuf_addf(&sb, " %s=", attr_name((enum attr_id)a));
		attr_format(&sb, r, (enum attr_id)a, ATTR_STYLE_TEXT);
	}
	puts(sb.buf);
	strbuf_release(&sb);
}

/* Runs one source; prints its records when verbose. -1 on error. */
static int run(const struct source *s, const struct source_opts *o, bool verbose,
	       unsigned long *count)
{
	const struct record *r;
	void *st;
	int ret;

	*count = 0;
	if (s->open(&st, o) < 0) {
		fprintf(stderr, "entities: %s: %s\n", s->name, error_last());
		return -1;
	}
	while ((ret = s->next(st, &r)) > 0) {
		++*count;
		if (verbose)
			print_record(r);
	}
	s->close(st);
	return ret;
}

static char *synthetic_status(size_t npkg, size_t *len)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (size_t i = 0; i < npkg; i++)
		strbuf_addf(&sb, "Package: pkg%05zu\nStatus: install ok installed\n"
			    "Priority: optional\nSection: libs\nInstalled-Size: %zu\n"
			    "Maintainer: Someone <someone@example.org>\n"
			    "Architecture: %s\n%sVersion: 1.%zu-%zu\n"
			    "Depends: libc6 (>= 2.34), pkg%05zu\n"
			    "Description: synthetic package %zu\n a longer description\n .\n"
			    " over several lines\n\n",
			    i, 100 + i, i % 3 ? "amd64" : "all",
			    i % 2 ? "Multi-Arch: same\n" : "", i, i % 7, (i + 1) % npkg, i);
	return strbuf_detach(&sb, len);
}

static void bench_status(void)
{
	size_t len;
	char *text = synthetic_status(5000, &len);
	double best = 1e9, best_cpu = 1e9;

	for (int k = 0; k < 5; k++) {
		struct source_list l;
		double t0 = now_ms(), c0 = cpu_ms();

		source_list_init(&l, KIND_PACKAGE, NULL);
		parse_dpkg_status(&l, "status", text, len);
		source_list_sort(&l);
		if (now_ms() - t0 < best)
			best = now_ms() - t0;
		if (cpu_ms() - c0 < best_cpu)
			best_cpu = cpu_ms() - c0;
		if (l.n != 5000)
			fprintf(stderr, "entities: synthetic status: %zu packages\n", l.n);
		source_list_release(&l);
	}
	printf("dpkg status, 5000 packages (%zu bytes): %.2f ms wall, %.2f ms CPU "
	       "(best of 5)\n", len, best, best_cpu);
	free(text);
}

int main(int argc, char **argv)
{
	static const unsigned char key[32] = { 1 };
	struct source_opts o = { .root = "/", .digest_key = key };
	double total = 0, total_cpu = 0;

	if (argc >= 3 && !strcmp(argv[1], "-v")) {
		unsigned long n;

		if (argc == 5 && !strcmp(argv[3], "-r"))
			o.root = argv[4];
		for (size_t i = 0; i < NALL; i++)
			if (!strcmp(all[i]->name, argv[2]))
				return run(all[i], &o, true, &n) < 0;
		fprintf(stderr, "entities: unknown kind '%s'\n", argv[2]);
		return 2;
	}
	for (size_t i = 0; i < NALL; i++) {
		unsigned long n;
		double t0 = now_ms(), c0 = cpu_ms(), dt, dc;

		if (run(all[i], &o, false, &n) < 0)
			return 1;
		dt = now_ms() - t0;
		dc = cpu_ms() - c0;
		total += dt;
		total_cpu += dc;
		printf("%-8s %6lu entities %8.2f ms wall %8.2f ms CPU\n", all[i]->name, n, dt, dc);
	}
	printf("all      %24.2f ms wall %8.2f ms CPU\n", total, total_cpu);
	bench_status();
	return 0;
}
