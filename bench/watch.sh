#!/bin/sh
# bench/watch.sh - imscan watch (issue 13), not in CI. Needs root
# (fanotify, tmpfs mount) and python3 (the driver that times events).
#
# On tmpfs (mounted here), for each back end (fanotify, inotify):
#   latency   a writer creates one file, closes it, and waits for its event
#             line; SAMPLES times (default 200), --debounce 200 (the
#             default) and 50: p50 and p99 from the close to the line.
#   rate      N distinct files (default 200000, so that the last file's
#             --debounce of 200 ms is a small part of the time) created as
#             fast as one process can (watch_bare's writer); files/s from
#             the first create to the last event, and whether each was reported
#             exactly once (added lines, distinct keys, overflows); CPU
#             seconds of the watcher per 10,000 events.
#   idle      the watcher's CPU ticks over 5 s with nothing happening.
# Then watch_bare's own figures on the same tmpfs: the writer alone, and a
# bare fanotify FID reader that only counts (the writer's rate is its limit).
# On disk: the same rate and idle figures for N_DISK files (default 50000;
# no latency: it is the debounce),
# and the same two watch_bare runs, in a scratch directory on the file
# system of TMPDIR, else of /var/tmp (skipped, with the reason, when that is
# tmpfs or ramfs); the watcher's baseline there has its own /data base. Both
# fanotify readers mark the whole file system, so on the root file system
# they also see (and the watcher filters out) whatever else happens on it:
# the bare reader's creates may exceed N, and idle CPU need not be 0. On
# ext4 without a journal, creates near many files deleted in the last 6
# minutes are 10x slower or worse (see below): leave 6 minutes between two runs
# of this script, and read "its writer" in the verdicts (the writer's own
# rate in that run) before blaming the watcher.
# After each medium, one verdict line per back end, from that medium's runs
# above: the goal is files/s >= half the bare reader's writer rate, never
# below 20,000, and no loss (added lines == distinct keys == N, 0 overflows).
# RSS: watching TREE (default /var/tmp/imscan-bench/tree, if there): the
# watcher's VmRSS once ready, per baseline record.
#
# Usage: sh bench/watch.sh   (SAMPLES, N, N_DISK, TREE, TREE_ATTRS in the environment;
# TREE_ATTRS defaults to "STANDARD": hashing the tree's baseline takes a while.)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
IMSCAN=${IMSCAN:-$TOP/imscan}
SAMPLES=${SAMPLES:-200}
N=${N:-200000}
N_DISK=${N_DISK:-50000}
TREE=${TREE:-/var/tmp/imscan-bench/tree}
TREE_ATTRS=${TREE_ATTRS:-STANDARD}
[ "$(id -u)" = 0 ] || { echo "bench/watch: needs root (fanotify, tmpfs mount)" >&2; exit 77; }
command -v python3 >/dev/null || { echo "bench/watch: needs python3" >&2; exit 77; }
D=
W=$(mktemp -d "${TMPDIR:-/tmp}/imscan-watch-bench.XXXXXX")
trap 'umount "$W/mnt" 2>/dev/null || :; rm -rf "$W" ${D:+"$D"}' EXIT INT TERM
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I"$TOP/include" -o "$W/watch_bare" "$HERE/watch_bare.c" \
	"$TOP"/src/watch/backend.c "$TOP"/src/watch/fanotify.c "$TOP"/src/watch/inotify.c \
	"$TOP"/src/watch/procinfo.c "$TOP"/src/watch/exe_reader.c "$TOP"/src/core/error.c "$TOP"/src/core/xalloc.c \
	"$TOP"/src/core/strbuf.c "$TOP"/src/core/record.c -lpthread
mkdir "$W/mnt"
mount -t tmpfs -o size=2g,nr_inodes=2m imscan-watch-bench "$W/mnt"
mkdir -p "$W/mnt/root/data"
# watch_bare MODE writing into the new directory DIR; its line is shown and
# kept in W/rates as "MEDIUM MODE - files/s creates overflows" for the verdicts.
bare() {
	mkdir "$3"
	out=$("$W/watch_bare" "$2" "$3" "$4")
	echo "$out"
	echo "$out" | awk -v m="$1" '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print m, $1, "-", v["writer_files_per_s"], v["creates"], v["overflow"] }' >> "$W/rates"
}
# One line per back end from MEDIUM's figures in W/rates.
verdict() {
	awk -v m="$1" -v n="$2" '$1 != m { next }
		$2 == "bare" { bare = $4 }
		$2 == "watch" { be[++k] = $3; r[k] = $4; l[k] = $5; d[k] = $6; o[k] = $7; wr[k] = $8 }
		END {
			half = int(bare / 2)
			for (i = 1; i <= k; i++)
				printf "goal %s %s: %d files/s (its writer %d) vs bare %d/2 = %d: %s; >= 20000: %s; " \
				       "no loss (%d added lines, %d distinct, %d overflows, N %d): %s\n",
				       m, be[i], r[i], wr[i], bare, half, (r[i] >= half ? "met" : "below"),
				       (r[i] >= 20000 ? "met" : "below"), l[i], d[i], o[i], n,
				       (l[i] == n && d[i] == n && o[i] == 0 ? "met" : "not met")
		}' "$W/rates"
}
cat > "$W/rule.json" <<RULE
{"id": "9100001", "name": "bench", "severity": "low", "realtime": true,
 "entities": [{"type": "file", "base": "/data", "attributes": ["STANDARD"]}]}
RULE
"$IMSCAN" baseline -r "$W/rule.json" --root "$W/mnt/root" -b "$W/b.imdb" 2>/dev/null
echo "bench/watch: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: figures vary)"
for backend in fanotify inotify; do
	python3 "$HERE/watch_driver.py" "$IMSCAN" "$W" "$backend" "$SAMPLES" "$N"
done
for mode in writer bare; do
	bare tmpfs $mode "$W/mnt/d" "$N"
	rm -rf "$W/mnt/d"
done
verdict tmpfs "$N"
for dir in ${TMPDIR:+"$TMPDIR"} /var/tmp; do
	fs=$(df -PT "$dir" | awk 'NR == 2 { print $2 " on " $1 }')
	case $fs in
	tmpfs\ *|ramfs\ *) echo "disk: not $dir: it is $fs" ;;
	*) D=$(mktemp -d "$dir/imscan-watch-disk.XXXXXX"); break ;;
	esac
done
if [ -n "$D" ]; then
	dev=$(basename "${fs##* on }")
	grep -qs '<none>' "/sys/fs/ext4/$dev/journal_task" && fs="$fs, no journal"
	echo "disk: $D ($fs)"
	mkdir -p "$D/root/data"
	"$IMSCAN" baseline -r "$W/rule.json" --root "$D/root" -b "$D/b.imdb" 2>/dev/null
	for backend in fanotify inotify; do
		python3 "$HERE/watch_driver.py" "$IMSCAN" "$W" "$backend" 0 "$N_DISK" disk "$D/root" "$D/b.imdb"
	done
	# The files stay until the last run: ext4 without a journal passes over
	# inodes freed in the last 60 s (360 s while their inode table block is
	# dirty), one buffer look-up each, for every create in their group: a
	# writer that followed an rm -rf of 50,000 files was 10x slower here.
	bare disk writer "$D/writer" "$N_DISK"
	bare disk bare "$D/bare" "$N_DISK"
	verdict disk "$N_DISK"
	rm -rf "$D"
	D=
else
	echo "disk: skipped: no directory on a disk file system (TMPDIR, /var/tmp)"
fi
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
