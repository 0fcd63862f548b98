/*
 * gen.c - tree generator for the benchmarks (bench/corpus.sh compiles it
 * into the bench directory; it is not part of imscan).
 *
 *   gen flat DIR NDIRS PERDIR
 *       DIR/dNNNN/fNNNN: NDIRS directories of PERDIR files of a few bytes
 *       each (the memory-scaling trees: 1M = 1000 x 1000). Every directory
 *       is the same size, so the largest directory does not grow with the
 *       tree and neither should memory.
 *
 *   gen mix DIR SEED NFILES
 *       A seeded, reproducible stand-in for /usr + /etc: about NFILES/12
 *       directories in a random tree (depth ~ ln n, a few "hot" directories
 *       holding thousands of entries like /usr/bin), and NFILES entries
 *       with a realistic size mix: 2% empty, 78% 16 B - 16 KiB, 19.5%
 *       16 KiB - 256 KiB, 0.48% 256 KiB - 8 MiB, 0.02% 8 - 64 MiB (all
 *       log-uniform; mean about 38 KiB, like the real corpus), 4% symlinks.
 *       Content is pseudo-random, so nothing compresses or deduplicates.
 *
 * Exit status 0, or 1 with a message. Existing files are overwritten.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RBUF (4u << 20)

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static double unif(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static uint64_t loguniform(double lo, double hi)
{
	return (uint64_t)exp(log(lo) + unif() * (log(hi) - log(lo)));
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "gen: %s '%s': %s\n", what, path, strerror(errno));
	exit(1);
}

static void mkdir_p(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("cannot create directory", path);
}

static void write_file(int dirfd, const char *name, const char *shown,
		       const unsigned char *buf, size_t buflen, uint64_t size)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die("cannot create", shown);
	while (size) {
		size_t off = (size_t)(rnd() % (buflen / 2));
		size_t n = size < buflen - off ? (size_t)size : buflen - off;
		ssize_t w = write(fd, buf + off, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("cannot write", shown);
		}
		size -= (uint64_t)w;
	}
	if (close(fd) < 0)
		die("cannot close", shown);
}

static int gen_flat(const char *dir, unsigned long ndirs, unsigned long perdir)
{
	char name[64], content[64];

	mkdir_p(dir);
	for (unsigned long d = 0; d < ndirs; d++) {
		char *path;
		int dfd;

		if (asprintf(&path, "%s/d%04lu", dir, d) < 0)
			die("out of memory", dir);
		mkdir_p(path);
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			die("cannot open", path);
		for (unsigned long f = 0; f < perdir; f++) {
			int len = snprintf(content, sizeof(content), "imscan bench %lu/%lu\n", d, f);
			int fd;

			snprintf(name, sizeof(name), "f%04lu", f);
			fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0 || write(fd, content, (size_t)len) != len || close(fd) < 0)
				die("cannot write in", path);
		}
		close(dfd);
		free(path);
	}
	return 0;
}

/* A name like the ones under /usr: letters, digits, dashes, a suffix. */
static void make_name(char *out, size_t cap, unsigned long idx, int is_dir)
{
	static const char *const suffixes[] = {
		"", ".so", ".h", ".py", ".conf", ".txt", ".gz", ".png", ".mo", ".pm", ".json", ".1.gz",
	};
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t len = 3 + (size_t)(rnd() % 14), i;
	const char *suf = is_dir ? "" : suffixes[rnd() % (sizeof(suffixes) / sizeof(suffixes[0]))];

	for (i = 0; i < len && i + 1 < cap; i++)
		out[i] = alpha[rnd() % (i ? sizeof(alpha) - 1 : 26)];
	snprintf(out + i, cap - i, "-%lx%s", idx, suf);
}

static uint64_t pick_size(void)
{
	double u = unif();

	if (u < 0.02)
		return 0;
	if (u < 0.80)
		return loguniform(16, 16 << 10);
	if (u < 0.995)
		return loguniform(16 << 10, 256 << 10);
	if (u < 0.9998)
		return loguniform(256 << 10, 8 << 20);
	return loguniform(8 << 20, 64 << 20);
}

static int gen_mix(const char *dir, uint64_t seed, unsigned long nfiles)
{
	unsigned long ndirs = nfiles / 12 + 1;
	char **paths = calloc(ndirs, sizeof(*paths));
	unsigned char *buf = malloc(RBUF);
	char name[96];

	if (!paths || !buf)
		die("out of memory", dir);
	rng_state = seed ? seed : 1;
	for (size_t i = 0; i < RBUF; i += 8) {
		uint64_t v = rnd();

		memcpy(buf + i, &v, 8);
	}
	mkdir_p(dir);
	paths[0] = strdup(dir);
	for (unsigned long d = 1; d < ndirs; d++) {
		/* A uniform random earlier directory as parent: depth ~ ln(d). */
		unsigned long parent = (unsigned long)(rnd() % d);

		make_name(name, sizeof(name), d, 1);
		if (asprintf(&paths[d], "%s/%s", paths[parent], name) < 0)
			die("out of memory", dir);
		mkdir_p(paths[d]);
	}
	for (unsigned long f = 0; f < nfiles; f++) {
		/* 3% of the entries land in 8 hot directories, like /usr/bin. */
		unsigned long d = rnd() % 100 < 3 && ndirs > 9 ? 1 + (unsigned long)(rnd() % 8)
							   : (unsigned long)(rnd() % ndirs);
		int dfd = open(paths[d], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd < 0)
			die("cannot open", paths[d]);
		make_name(name, sizeof(name), f, 0);
		if (rnd() % 100 < 4) {
			char target[96];

			make_name(target, sizeof(target), f + 1, 0);
			if (symlinkat(target, dfd, name) < 0 && errno != EEXIST)
				die("cannot create symlink in", paths[d]);
		} else {
			write_file(dfd, name, paths[d], buf, RBUF, pick_size());
		}
		close(dfd);
	}
	for (unsigned long d = 0; d < ndirs; d++)
		free(paths[d]);
	free(paths);
	free(buf);
	return 0;
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "gen: not a number: '%s'\n", s);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "flat"))
		return gen_flat(argv[2], num(argv[3]), num(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "mix"))
		return gen_mix(argv[2], num(argv[3]), num(argv[4]));
	fprintf(stderr, "usage: gen flat DIR NDIRS PERDIR | gen mix DIR SEED NFILES\n");
	return 1;
}
