/*
 * watch_bare - how fast can files be created while someone watches?
 *
 *   watch_bare writer   DIR N            the writer alone
 *   watch_bare bare     DIR N [pidfd]    a bare fanotify FID reader that only counts
 *   watch_bare fanotify DIR N [attr]     imscan's fanotify back end (attr: read procinfo)
 *   watch_bare inotify  DIR N            imscan's inotify back end
 *
 * A forked writer creates N empty files in DIR (open O_CREAT + close: one
 * create and one close-write each); the reader in this process reads until
 * the writer is done and the queue has been quiet for 300 ms, or for at
 * most 5 s after the writer: the bare reader marks the whole file system,
 * which on a busy root file system need never be quiet. Printed: files/s
 * of the writer, events read, creates among them (N when none is lost,
 * more when others create files on the same file system), whether the
 * queue overflowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/watch_backend.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The child: creates the files, then reports its own rate through a pipe. */
static pid_t start_writer(const char *dir, long n, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid != 0) {
		close(p[1]);
		*rfd = p[0];
		return pid;
	}
	close(p[0]);
	{
		char path[4096];
		double t0 = now(), rate;

		for (long i = 0; i < n; i++) {
			int fd;

			snprintf(path, sizeof(path), "%s/f%ld", dir, i);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0)
				_exit(1);
			close(fd);
		}
		rate = (double)n / (now() - t0);
		if (write(p[1], &rate, sizeof(rate)) != sizeof(rate))
			_exit(1);
		_exit(0);
	}
}

struct counts {
	long events, overflows, creates;
};

static int bare_read(int fd, struct counts *c)
{
	static char buf[256 * 1024] __attribute__((aligned(8)));
	ssize_t n = read(fd, buf, sizeof(buf));
	struct fanotify_event_metadata m;

	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	/* Headers are only 4-byte aligned: copy each out. */
	for (size_t pos = 0; pos + sizeof(m) <= (size_t)n; pos += m.event_len) {
		const char *p, *end;

		memcpy(&m, buf + pos, sizeof(m));
		if (m.event_len < sizeof(m))
			break;
		p = buf + pos + m.metadata_len;
		end = buf + pos + m.event_len;
		c->events++;
		if (m.mask & FAN_Q_OVERFLOW)
			c->overflows++;
		if (m.mask & FAN_CREATE)
			c->creates++;
		while (p + sizeof(struct fanotify_event_info_header) <= end) {
			const struct fanotify_event_info_header *h = (const void *)p;

			if (h->info_type == FAN_EVENT_INFO_TYPE_PIDFD) {
				int pfd = ((const struct fanotify_event_info_pidfd *)(const void *)h)->pidfd;

				if (pfd >= 0)
					close(pfd);
			}
			if (h->len == 0)
				break;
			p += h->len;
		}
	}
	return 1;
}

static int backend_read(struct watch_backend *w, struct watch_batch *b, struct counts *c)
{
	int n = watch_read(w, b);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		c->events++;
		if (b->ev[i].what & WEV_OVERFLOW)
			c->overflows++;
		if (b->ev[i].what & WEV_CREATE)
			c->creates++;
	}
	return n > 0;
}

static int open_bare(const char *dir, int pidfd)
{
	unsigned fl = FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_NONBLOCK | (pidfd ? FAN_REPORT_PIDFD : 0);
	int fd = fanotify_init(fl, O_RDONLY);

	if (fd < 0 || fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				    FAN_CREATE | FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD | FAN_ONDIR,
				    AT_FDCWD, dir) < 0) {
		perror("fanotify");
		return -1;
	}
	return fd;
}

static int run(const char *mode, const char *dir, long n, const char *opt)
{
	struct watch_backend *w = NULL;
	struct watch_batch b;
	struct counts c = { 0, 0, 0 };
	int fd = -1, rfd, status;
	double rate = 0, t0, end = 0;
	pid_t pid;
	bool done = false;

	watch_batch_init(&b);
	if (strcmp(mode, "bare") == 0) {
		fd = open_bare(dir, opt && strcmp(opt, "pidfd") == 0);
	} else if (strcmp(mode, "writer") != 0) {
		struct watch_opts o = { .attribute = opt && strcmp(opt, "attr") == 0 };
		const char *bases[] = { dir };

		if (watch_open(&w, strcmp(mode, "inotify") == 0 ? WATCH_INOTIFY : WATCH_FANOTIFY,
			       NULL, bases, 1, &o) < 0) {
			fprintf(stderr, "watch_bare: %s\n", error_last());
			return 1;
		}
		fd = watch_fd(w);
	}
	if (strcmp(mode, "writer") != 0 && fd < 0)
		return 1;
	t0 = now();
	pid = start_writer(dir, n, &rfd);
	for (double quiet = now(); !done || (now() - quiet < 0.3 && now() < end);) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = rfd, .events = POLLIN } };

		if (poll(p, 2, 100) < 0)
			break;
		if (p[1].revents) {
			if (read(rfd, &rate, sizeof(rate)) != sizeof(rate))
				rate = 0;
			close(rfd);
			rfd = -1;
			done = true;
			end = now() + 5;
		}
		if (fd >= 0 && (p[0].revents & POLLIN) &&
		    (w ? backend_read(w, &b, &c) : bare_read(fd, &c)) > 0)
			quiet = now();
	}
	waitpid(pid, &status, 0);
	printf("%-8s %-6s files=%ld writer_files_per_s=%.0f events=%ld creates=%ld overflow=%ld wall=%.2fs\n",
	       mode, opt ? opt : "-", n, rate, c.events, c.creates, c.overflows, now() - t0);
	if (w)
		watch_close(w);
	else if (fd >= 0)
		close(fd);
	watch_batch_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: watch_bare writer|bare|fanotify|inotify DIR N [pidfd|attr]\n");
		return 2;
	}
	return run(argv[1], argv[2], atol(argv[3]), argc > 4 ? argv[4] : NULL);
}
