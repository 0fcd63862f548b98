/*
 * select.c - which entities select a file (select.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "imscan/pattern.h"
#include "imscan/select.h"

const char *select_relative(const char *base, size_t baselen, const char *path, size_t len,
			    size_t *rlen)
{
	if (baselen == 1) {	/* "/" */
		*rlen = len - 1;
		return path + 1;
	}
	if (len < baselen || memcmp(path, base, baselen) || (len > baselen && path[baselen] != '/'))
		return NULL;
	if (len == baselen) {
		*rlen = 0;
		return path + len;
	}
	*rlen = len - baselen - 1;
	return path + baselen + 1;
}

bool select_is_script(int fd)
{
	char b[2];
	ssize_t n;

	do
		n = pread(fd, b, 2, 0);
	while (n < 0 && errno == EINTR);
	return n == 2 && b[0] == '#' && b[1] == '!';
}

bool select_is_executable(int dirfd, const char *name, const struct statx *stx)
{
	struct stat st;
	bool r;
	int fd;

	if ((stx->stx_mode & S_IFMT) != S_IFREG)
		return false;
	if (stx->stx_mode & 0111)
		return true;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* swapped for a FIFO or device since the walk looked: do not read */
	r = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && select_is_script(fd);
	close(fd);
	return r;
}

/* The base itself: selected by an entity without include patterns, or
 * whose include patterns have "." (no entry below it is named "."). */
static bool selects_base(const struct entity *e)
{
	if (!e->ninclude)
		return true;
	for (size_t i = 0; i < e->ninclude; i++)
		if (!strcmp(pattern_text(e->include[i]), "."))
			return true;
	return false;
}

int select_match(const struct entity *e, const char *rel, size_t len, bool is_dir)
{
	if (!len)
		return (selects_base(e) ? RULES_SELECT : 0) | RULES_DESCEND;
	return entity_match(e, rel, len, is_dir);
}

/* Every directory strictly between the base and rel's last component is
 * one e descends. */
static bool reached(const struct entity *e, const char *rel, size_t rlen)
{
	for (size_t i = 0; i < rlen; i++)
		if (rel[i] == '/' && !(entity_match(e, rel, i, true) & RULES_DESCEND))
			return false;
	return true;
}

size_t select_path(const struct ruleset *rs, const char *path, size_t len, bool is_dir,
		   select_exec_fn is_exec, void *ctx, uint32_t *out)
{
	int exec = -1;	/* not asked yet */
	size_t n = 0;

	for (size_t i = 0; i < rs->nents; i++) {
		const struct entity *e = rs->ents[i];
		size_t rlen;
		const char *rel;

		if (e->type != KIND_FILE)
			continue;
		rel = select_relative(e->base, strlen(e->base), path, len, &rlen);
		if (!rel || !reached(e, rel, rlen) ||
		    !(select_match(e, rel, rlen, is_dir) & RULES_SELECT))
			continue;
		if (e->executables_only) {
			if (exec < 0)
				exec = is_exec && is_exec(ctx);
			if (!exec)
				continue;
		}
		out[n++] = e->index;
	}
	return n;
}
