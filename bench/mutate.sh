#!/bin/sh
# bench/mutate.sh - 100 deterministic changes to a benchmark tree, and back.
#
#   sh bench/mutate.sh apply TREE STATE     append a line to 50 files, chmod
#                                           25 (toggle o+w), create 25 new files
#   sh bench/mutate.sh restore TREE STATE   undo all of it (content and mtime
#                                           from pristine copies, modes, removal)
#
# The files are chosen evenly spaced in the sorted list of the tree's
# single-linked regular files (a hard-linked one would change under
# several names), so a check must report exactly 100 events: 75 modified,
# 25 added. Directories' mtime and ctime change too, which imscan's
# STANDARD ignores for directories. STATE is a directory holding the
# choice (computed once per tree) and the pristine copies; a restore with
# nothing applied does nothing. Use one STATE per tree.
set -eu

[ $# -eq 3 ] || { echo "usage: mutate.sh apply|restore TREE STATE" >&2; exit 2; }
action=$1 tree=$2 state=$3
list="$state/chosen"

choose() {
	mkdir -p "$state"
	if [ -s "$list" ] && [ "$(cat "$state/tree" 2>/dev/null)" = "$tree" ]; then
		return 0
	fi
	printf '%s\n' "$tree" > "$state/tree"
	# Names with a newline would break the line-based list: leave them out.
	LC_ALL=C find "$tree" -type f -links 1 ! -name '*
*' | LC_ALL=C sort > "$state/all"
	n=$(wc -l < "$state/all")
	[ "$n" -ge 75 ] || { echo "mutate: only $n files in $tree" >&2; exit 2; }
	awk -v n="$n" 'BEGIN { step = int(n / 75) } (NR - 1) % step == 0 && k < 75 { print; k++ }' \
		"$state/all" > "$list.tmp"
	mv "$list.tmp" "$list"
	rm -f "$state/all"
}

apply() {
	[ -f "$state/applied" ] && return 0
	choose
	mkdir -p "$state/orig"
	: > "$state/modes"
	: > "$state/new"
	i=0
	while IFS= read -r f; do
		i=$((i + 1))
		if [ "$i" -le 50 ]; then
			cp -a "$f" "$state/orig/$i"
			echo "imscan bench change $i" >> "$f"
		else
			m=$(stat -c %a "$f")
			printf '%s\n' "$m" >> "$state/modes"
			case $(stat -c %A "$f") in
			????????w?) chmod o-w "$f" ;;
			*) chmod o+w "$f" ;;
			esac
			new="$(dirname "$f")/imscan-bench-new-$i"
			printf '%s\n' "$new" >> "$state/new"
			echo "imscan bench new file $i" > "$new"
		fi
	done < "$list"
	: > "$state/applied"
}

restore() {
	[ -f "$state/applied" ] || return 0
	i=0
	while IFS= read -r f; do
		i=$((i + 1))
		if [ "$i" -le 50 ]; then
			# In place: same inode, old content, old mtime.
			cp -a "$state/orig/$i" "$f"
		else
			m=$(sed -n "$((i - 50))p" "$state/modes")
			chmod "$m" "$f"
		fi
	done < "$list"
	while IFS= read -r f; do
		rm -f "$f"
	done < "$state/new"
	rm -rf "$state/orig" "$state/applied"
}

case $action in
apply) apply ;;
restore) restore ;;
*) echo "usage: mutate.sh apply|restore TREE STATE" >&2; exit 2 ;;
esac
