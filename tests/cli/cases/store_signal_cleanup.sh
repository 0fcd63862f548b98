# SIGTERM, SIGINT or SIGHUP while a baseline is being written removes the
# temporary file, and imscan still ends by that signal (exit 128 + N);
# the old baseline stays byte for byte and no temporary file is left.
# The signal is sent once the temporary file exists, while a 300 MB file
# is being hashed.
. "$TESTS_CLI/lib.sh"
command -v perl > /dev/null || { echo "needs perl" >&2; exit 77; }
mktree; data_rule
head -c 300M /dev/zero | tr '\0' 'z' > root/data/big
base
cp b.imdb good.imdb
for sig in TERM INT HUP; do
	# A shell starts background jobs with SIGINT ignored: undo that.
	perl -e '$SIG{$_} = "DEFAULT" for qw(INT TERM HUP); exec @ARGV' \
		$IMSCAN_WRAP "$IMSCAN" baseline -r rule.json --root root -b b.imdb -j 1 \
		2> "$sig.err" & pid=$!
	n=0
	while ! ls | grep -q '^b\.imdb\.[A-Za-z0-9]\{6\}$' && [ $n -lt 1000 ]; do
		sleep 0.01; n=$((n + 1))
	done
	kill -s "$sig" $pid; wait $pid 2> /dev/null; echo "SIG$sig: exit $?"
	cat "$sig.err"
	echo "left behind: $(ls | grep -c '^b\.imdb\.[A-Za-z0-9]\{6\}$')"
	cmp b.imdb good.imdb && echo "old baseline intact"
done
base
