# 5,000 nested directories: paths of 10,000 bytes, far beyond PATH_MAX,
# made with perl's relative mkdir/chdir (the shell's cd refuses them).
# The walk keeps to WALK_MAX_FDS descriptors; baseline, check and a change
# at the bottom work as anywhere else.
. "$TESTS_CLI/lib.sh"
mkdir -p root/data
deep() {	# runs perl code $1 in the 5000th directory, creating them as needed
	perl -e 'chdir "root/data" or die; for (1 .. 5000) { -d "d" or mkdir "d" or die "mkdir: $!";
		chdir "d" or die "chdir: $!" } eval $ARGV[0]; die $@ if $@' "$1"
}
deep 'open(F, ">", "f") or die; print F "bottom\n"; close F'
data_rule; base
imscan show b.imdb > show.json; echo "show: $? records: $(tail -n +2 show.json | wc -l)"
tail -n 1 show.json | jq -r '.key | length'
chk
deep 'open(F, ">>", "f") or die; print F "more\n"; close F'
chk | sed 's/\(\/d\)\{5000\}/\/d{x5000}/'
