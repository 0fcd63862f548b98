# bench/lib.sh - shared by bench/run.sh and bench/cold.sh (sourced, not run).
#
# timeit runs one command under GNU time (-f '%e %U %S %M': wall seconds,
# user and system CPU seconds, peak RSS in KiB, the largest of the process
# and its waited-for children) and appends one tab-separated line
#     label  wall  cpu(user+sys)  rss_kib  user  sys  others
# to $RAW; median reads them back. "others" is the CPU time the rest of the
# machine used meanwhile (/proc/stat busy time less ours): on a shared
# machine, a run with others > 0 competed for the CPUs. Before each run,
# timeit waits (up to BENCH_IDLE_WAIT seconds, default 120) for a second
# in which the machine is idle (< 10% of one CPU busy).
# With WARM_TREE set, timeit re-reads that tree first: some kernels reclaim
# page cache that has not been touched for a minute or so (DAMON's
# proactive reclaim does on this project's VMs), so a cache warmed once at
# the start is not warm ten minutes later.
# Everything lives under $BENCH_DIR.
# shellcheck shell=sh
# Variables set here are used by the scripts that source this file.
# shellcheck disable=SC2034

BENCH_DIR=${BENCH_DIR:-/var/tmp/imscan-bench}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_QUICK=${BENCH_QUICK:-0}
BENCH_IDLE_WAIT=${BENCH_IDLE_WAIT:-120}
export BENCH_DIR BENCH_QUICK
TOP=$(cd "$HERE/.." && pwd)
IMSCAN=${IMSCAN:-$TOP/imscan}
NPROC=$(nproc 2>/dev/null || echo 1)
WORK="$BENCH_DIR/work"
RULES="$HERE/rules/bench.json"
RESULTS="$HERE/results"
HAVE_AIDE=0
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)

say() {
	echo "bench: $*" >&2
}

die() {
	say "$*"
	exit 2
}

# Installs Debian package $2 when command $1 is missing and we may.
need_pkg() {
	command -v "$1" > /dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
		say "installing $2"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" \
			> "$WORK/apt.log" 2>&1 ||
			{ apt-get update -qq > /dev/null 2>&1 &&
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" \
				> "$WORK/apt.log" 2>&1; } || true
	fi
	command -v "$1" > /dev/null 2>&1
}

setup_tools() {
	mkdir -p "$WORK" "$RESULTS"
	[ -x /usr/bin/time ] || need_pkg /usr/bin/time time ||
		die "GNU time (/usr/bin/time) is missing: apt-get install time"
	[ -x "$IMSCAN" ] || die "no imscan binary at $IMSCAN: run 'make' (or set IMSCAN=)"
	[ -f "$RULES" ] || die "missing $RULES"
	if need_pkg aide aide; then
		HAVE_AIDE=1
	else
		say "AIDE is not installed (apt-get install aide): its rows will be n/a"
	fi
	command -v openssl > /dev/null 2>&1 || need_pkg openssl openssl ||
		die "openssl is missing: apt-get install openssl"
}

# Busy (not idle, not iowait) jiffies of the whole machine so far.
busy_jiffies() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# Waits for a quiet second: less than 10% of one CPU busy. After one wait
# in vain, the machine is taken as busy for good: the next waits are short
# until a quiet second is seen again.
IDLE_LIMIT=$BENCH_IDLE_WAIT
wait_idle() {
	w_start=$(date +%s)
	while :; do
		w_a=$(busy_jiffies)
		sleep 1
		w_b=$(busy_jiffies)
		if [ $((w_b - w_a)) -le $((HZ / 10)) ]; then
			IDLE_LIMIT=$BENCH_IDLE_WAIT
			return 0
		fi
		if [ $(($(date +%s) - w_start)) -ge "$IDLE_LIMIT" ]; then
			say "the machine is busy (other processes): measuring anyway, see 'others'"
			IDLE_LIMIT=5
			return 0
		fi
	done
}

# timeit LABEL OK_EXIT_CODES OUTFILE CMD... : one timed run of CMD.
timeit() {
	t_label=$1 t_ok=$2 t_out=$3
	shift 3
	t_rc=0
	[ -n "${WARM_TREE:-}" ] && warm "$WARM_TREE"
	wait_idle
	t_busy0=$(busy_jiffies)
	/usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" > "$t_out" 2> "$WORK/stderr" || t_rc=$?
	t_busy1=$(busy_jiffies)
	case " $t_ok " in
	*" $t_rc "*) ;;
	*)
		say "'$t_label' failed with exit status $t_rc: $*"
		sed 's/^/  /' "$WORK/stderr" >&2
		exit 2
		;;
	esac
	tail -n 1 "$WORK/time" | awk -v l="$t_label" -v b="$((t_busy1 - t_busy0))" -v hz="$HZ" -F' ' \
		'{ o = b / hz - $2 - $3; if (o < 0) o = 0
		   printf "%s\t%.2f\t%.2f\t%d\t%.2f\t%.2f\t%.2f\n", l, $1, $2 + $3, $4, $2, $3, o }' >> "$RAW"
	say "$(tail -n 1 "$RAW" | awk -F'\t' '{ printf "%-34s wall %7.2fs  cpu %7.2fs  rss %7.1f MB  others %6.2fs", $1, $2, $3, $4 / 1024, $7 }')"
}

# median LABEL FIELD: 2 wall, 3 cpu, 4 rss KiB, 7 others' cpu; "n/a" when never run.
median() {
	awk -F'\t' -v l="$1" -v f="$2" '$1 == l { print $f }' "$RAW" | sort -g |
		awk '{ a[NR] = $1 }
		     END { if (!NR) { print "n/a"; exit }
			   if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# Arithmetic on figures that may be "n/a": calc FORMAT EXPR-over-a-b-c A B [C]
calc() {
	awk -v fmt="$1" -v a="$3" -v b="$4" -v c="${5:-0}" -v e="$2" 'BEGIN {
		if (a == "n/a" || b == "n/a" || c == "n/a") { print "n/a"; exit }
		a += 0; b += 0; c += 0
		if (e == "a/b") { if (b == 0) { print "n/a"; exit } v = a / b }
		else if (e == "a/b/c") { if (b == 0 || c == 0) { print "n/a"; exit } v = a / b / c }
		else if (e == "a*1e6/b") { if (b == 0) { print "n/a"; exit } v = a * 1e6 / b }
		else if (e == "a/1024") v = a / 1024
		else if (e == "max") v = (a > b ? a : b) > c ? (a > b ? a : b) : c
		else v = a
		printf fmt "\n", v }'
}

# verdict VALUE OP LIMIT: PASS or FAIL (or n/a).
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "n/a" || l == "n/a") { print "n/a"; exit }
		ok = op == "<=" ? v + 0 <= l + 0 : v + 0 >= l + 0
		print ok ? "PASS" : "FAIL" }'
}

# The AIDE configuration equivalent to bench/rules/bench.json for tree $1.
write_aide_conf() {
	a_attrs="p+i+n+u+g+s+m+c+l+sha256"
	for a in xattrs acl selinux caps e2fsattrs; do
		if aide -v 2>&1 | grep -q "^$a: yes"; then
			a_attrs="$a_attrs+$a"
		fi
	done
	AIDE_ATTRS=$a_attrs
	AIDE_CONF="$WORK/aide.conf"
	AIDE_DB="$WORK/aide.db.gz"
	{
		echo "# written by bench/lib.sh: the whole tree, STANDARD-like attributes"
		echo "database_in=file:$AIDE_DB"
		echo "database_out=file:$WORK/aide.db.new.gz"
		echo "gzip_dbout=yes"
		echo "root_prefix=$1"
		echo "report_url=stdout"
		# One digest of the database, as imscan has (AIDE's default is a dozen).
		echo "database_attrs=sha256"
		# Hashing threads (AIDE 0.18 and later), like imscan --jobs.
		if aide -v 2>&1 | grep -q 'use pthread: yes'; then
			echo "num_workers=$NPROC"
		fi
		echo "BENCH = $a_attrs"
		echo "/ BENCH"
	} > "$AIDE_CONF"
	aide -D -c "$AIDE_CONF" > "$WORK/aide-conf.log" 2>&1 ||
		{ cat "$WORK/aide-conf.log" >&2; die "AIDE rejects $AIDE_CONF"; }
}

aide_version() {
	aide -v 2>&1 | sed -n '1s/^AIDE //p'
}

# Size of the tree $1: "entries files bytes" (bytes of regular files, apparent).
tree_stats() {
	find "$1" -printf '%y %s\n' | awk '{ n++ } $1 == "f" { f++; b += $2 } END { printf "%d %d %.0f\n", n, f, b }'
}

# Reads every file of $1 once, so that every timed run sees a warm cache.
warm() {
	find "$1" -printf '%p %s %T@\n' > /dev/null
	find "$1" -type f -print0 | xargs -0 -r -P"$NPROC" -n 200 cat > /dev/null
}

drop_caches() {
	sync
	echo 3 2>/dev/null > /proc/sys/vm/drop_caches
}

imscan_describe() {
	v=$("$IMSCAN" --version 2>/dev/null || echo "imscan ?")
	g=$(git -C "$(dirname "$IMSCAN")" rev-parse --short HEAD 2>/dev/null || echo "?")
	echo "$v (git $g, $IMSCAN)"
}
