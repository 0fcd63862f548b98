#!/bin/sh
# bench/watch.sh - imscan watch (issue 13), not in CI. Needs root
# (fanotify, tmpfs mount) and python3 (the driver that times events).
#
# On tmpfs, for each back end (fanotify, inotify):
#   latency   a writer creates one file, closes it, and waits for its event
#             line; SAMPLES times (default 200), --debounce 200 (the
#             default) and 50: p50 and p99 from the close to the line.
#   rate      N distinct files (default 50000) created as fast as one
#             process can (watch_bare's writer); files/s from the first
#             create to the last event, and whether each was reported
#             exactly once (added lines, distinct keys, overflows); CPU
#             seconds of the watcher per 10,000 events.
#   idle      the watcher's CPU ticks over 5 s with nothing happening.
# Then watch_bare's own figures (writer alone, bare FID reader) to compare.
# RSS: watching TREE (default /var/tmp/imscan-bench/tree, if there): the
# watcher's VmRSS once ready, per baseline record.
#
# Usage: sh bench/watch.sh   (SAMPLES, N, TREE, TREE_ATTRS in the environment;
# TREE_ATTRS defaults to "STANDARD": hashing the tree's baseline takes a while.)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
IMSCAN=${IMSCAN:-$TOP/imscan}
SAMPLES=${SAMPLES:-200}
N=${N:-50000}
TREE=${TREE:-/var/tmp/imscan-bench/tree}
TREE_ATTRS=${TREE_ATTRS:-STANDARD}
[ "$(id -u)" = 0 ] || { echo "bench/watch: needs root (fanotify, tmpfs mount)" >&2; exit 77; }
command -v python3 >/dev/null || { echo "bench/watch: needs python3" >&2; exit 77; }
W=$(mktemp -d "${TMPDIR:-/tmp}/imscan-watch-bench.XXXXXX")
trap 'umount "$W/mnt" 2>/dev/null || :; rm -rf "$W"' EXIT INT TERM
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I"$TOP/include" -o "$W/watch_bare" "$HERE/watch_bare.c" \
	"$TOP"/src/watch/backend.c "$TOP"/src/watch/fanotify.c "$TOP"/src/watch/inotify.c \
	"$TOP"/src/watch/procinfo.c "$TOP"/src/watch/exe_reader.c "$TOP"/src/core/error.c "$TOP"/src/core/xalloc.c \
	"$TOP"/src/core/strbuf.c "$TOP"/src/core/record.c -lpthread
mkdir "$W/mnt"
mount -t tmpfs -o size=2g,nr_inodes=2m imscan-watch-bench "$W/mnt"
mkdir -p "$W/mnt/root/data"
cat > "$W/rule.json" <<RULE
{"id": "9100001", "name": "bench", "severity": "low", "realtime": true,
 "entities": [{"type": "file", "base": "/data", "attributes": ["STANDARD"]}]}
RULE
"$IMSCAN" baseline -r "$W/rule.json" --root "$W/mnt/root" -b "$W/b.imdb" 2>/dev/null
echo "bench/watch: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: figures vary)"
for backend in fanotify inotify; do
	python3 "$HERE/watch_driver.py" "$IMSCAN" "$W" "$backend" "$SAMPLES" "$N"
done
for run in "writer -" "bare -"; do
	set -- $run
	mkdir "$W/mnt/d"
	"$W/watch_bare" "$1" "$W/mnt/d" "$N"
	rm -rf "$W/mnt/d"
done
if [ -d "$TREE" ]; then
	# A base of "/" would watch executables only: the tree's top directories.
	python3 - "$TREE" "$TREE_ATTRS" > "$W/tree.json" <<'PY'
import json, os, sys
tree, attrs = sys.argv[1], sys.argv[2].split(",")
bases = ["/" + d for d in sorted(os.listdir(tree)) if os.path.isdir(os.path.join(tree, d))]
print(json.dumps({"id": "9100002", "name": "bench tree", "severity": "low", "realtime": True,
                  "entities": [{"type": "file", "base": b, "attributes": attrs} for b in bases]}))
PY
	"$IMSCAN" baseline -r "$W/tree.json" --root "$TREE" -b "$W/tree.imdb" 2>/dev/null
	python3 "$HERE/watch_driver.py" "$IMSCAN" "$W" rss "$TREE" "$W/tree.imdb"
fi
