#!/bin/sh
# The rate a writer can create files on tmpfs while each watcher reads:
# nobody, a bare fanotify FID reader (with and without pidfds), imscan's
# fanotify back end (with and without attribution) and its inotify back end.
# Needs root (fanotify, mount). Usage: sh bench/watch_bare.sh [N]
# (N files per run, default 300000: a few seconds each).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
N=${1:-300000}
[ "$(id -u)" = 0 ] || { echo "watch_bare: needs root (fanotify, tmpfs mount)" >&2; exit 77; }
W=$(mktemp -d "${TMPDIR:-/tmp}/imscan-watchbench.XXXXXX")
trap 'umount "$W/mnt" 2>/dev/null || :; rm -rf "$W"' EXIT INT TERM
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I"$TOP/include" -o "$W/watch_bare" "$HERE/watch_bare.c" \
	"$TOP"/src/watch/backend.c "$TOP"/src/watch/fanotify.c "$TOP"/src/watch/inotify.c \
	"$TOP"/src/watch/procinfo.c "$TOP"/src/watch/exe_reader.c "$TOP"/src/core/error.c "$TOP"/src/core/xalloc.c \
	"$TOP"/src/core/strbuf.c "$TOP"/src/core/record.c -lpthread
mkdir "$W/mnt"
mount -t tmpfs -o size=2g,nr_inodes=2m imscan-watchbench "$W/mnt"
for run in "writer -" "bare -" "bare pidfd" "fanotify -" "fanotify attr" "inotify -"; do
	set -- $run
	mkdir "$W/mnt/d"
	if [ "$2" = - ]; then "$W/watch_bare" "$1" "$W/mnt/d" "$N"; else "$W/watch_bare" "$1" "$W/mnt/d" "$N" "$2"; fi
	rm -rf "$W/mnt/d"
done
# The state store's resident size for the bench corpus's 155k entries.
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I"$TOP/include" -o "$W/watch_state_rss" "$HERE/watch_state_rss.c" \
	"$TOP"/src/watch/state.c "$TOP"/src/watch/state_iter.c "$TOP"/src/core/record.c \
	"$TOP"/src/core/attr.c "$TOP"/src/core/escape.c "$TOP"/src/core/strbuf.c "$TOP"/src/core/timefmt.c \
	"$TOP"/src/core/xalloc.c "$TOP"/src/core/error.c -lsodium
"$W/watch_state_rss" 155000
