# A path longer than 4096 bytes: 25 directories of 200 bytes each. Built
# with perl, whose chdir is relative; the shell's cd refuses such paths.
. "$TESTS_CLI/lib.sh"
mktree
deep() {	# writes $1 to f in the 25th directory, creating them as needed
	perl -e '$n = "n" x 200; chdir "root/data" or die;
		for (1..25) { -d $n or mkdir $n or die "mkdir: $!"; chdir $n or die "chdir: $!" }
		open(F, ">", "f") or die; print F $ARGV[0], "\n"; close F' "$1"
}
deep long
data_rule; base
deep longer
chk | sed 's/n\{200\}/N/g'
jq -r '.key | length' ev.json
