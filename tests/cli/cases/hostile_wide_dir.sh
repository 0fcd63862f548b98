# 100,000 entries in one directory: every one is recorded, and one file
# added and one removed among them give exactly those two events.
# (Under a wrapper such as valgrind, 10,000: that run is about memory
# errors, and would take many minutes.)
. "$TESTS_CLI/lib.sh"
n=100000; [ -z "$IMSCAN_WRAP" ] || n=10000
mkdir -p root/data/wide
(cd root/data/wide && perl -e 'for (1 .. $ARGV[0]) { open(F, ">", sprintf("f%06d", $_)) or die "$!"; close F }' $n)
data_rule; base
[ "$(imscan show b.imdb | tail -n +2 | wc -l)" = $((n + 2)) ] && echo "every entry recorded"
touch root/data/wide/new; rm root/data/wide/f005000
chk
