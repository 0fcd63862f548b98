# Bad option values, and arguments that are the wrong kind of file: each
# exits 2 with a message naming the option or the file and the problem,
# and nothing waits on a FIFO.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
mkfifo fifo; mkdir dir; echo x > plain
o() {	# o LABEL ARGS...: run imscan ARGS, print the label and the status
	label=$1; shift
	timeout 10 $IMSCAN_WRAP "$IMSCAN" "$@" > /dev/null; echo "$label: $?"
}
o "jobs negative" check -b b.imdb --jobs -1
o "jobs too many" baseline -r rule.json --root root -b n.imdb --jobs 1025
o "jobs 2^64" check -b b.imdb --jobs 18446744073709551617
o "jobs trailing junk" check -b b.imdb --jobs 4x
o "jobs empty" check -b b.imdb --jobs ''
o "format empty" check -b b.imdb --format ''
o "hash empty" baseline -r rule.json --root root -b n.imdb --hash ''
o "hash unknown" baseline -r rule.json --root root -b n.imdb --hash MD5
o "root a file" baseline -r rule.json --root plain -b n.imdb
o "root a fifo" baseline -r rule.json --root fifo -b n.imdb
o "param no value" baseline -r rule.json --root root -b n.imdb --param web_root
o "param bad name" baseline -r rule.json --root root -b n.imdb --param '1x=/srv'
o "param empty name" baseline -r rule.json --root root -b n.imdb --param '=/srv'
o "rules missing" baseline -r missing.json --root root -b n.imdb
o "rules a fifo" baseline -r fifo --root root -b n.imdb
o "rules empty dir" baseline -r dir --root root -b n.imdb
o "baseline a fifo" check -b fifo
o "baseline a directory" check -b dir
o "baseline /dev/zero" check -b /dev/zero
o "show a fifo" show fifo
o "show /dev/null" show /dev/null
o "write over a directory" baseline -r rule.json --root root -b dir
o "write below a file" baseline -r rule.json --root root -b plain/b.imdb
o "write to an empty name" baseline -r rule.json --root root -b ''
o "extra argument" check -b b.imdb extra
o "lint extra argument" rules lint -r rule.json extra
ls n.imdb 2>/dev/null; ls dir
