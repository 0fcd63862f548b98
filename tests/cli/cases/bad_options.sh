# The command line misused: no command or an unknown one, unknown options
# and actions, missing or bad option values, extra arguments, and
# arguments that are the wrong kind of file. Each exits 2 with a message
# naming the command, the option or the file and the problem (with the
# usage where no command was named), and nothing waits on a FIFO. Help
# and --version still work.
. "$TESTS_CLI/lib.sh"
imscan; echo "no command: $?"
imscan frobnicate; echo "unknown command: $?"
imscan check --bogus; echo "unknown option: $?"
imscan check --jobs 0; echo "jobs 0: $?"
imscan baseline --jobs lots; echo "jobs word: $?"
imscan check --format xml; echo "format: $?"
imscan baseline --hash md5; echo "hash: $?"
imscan baseline -r; echo "missing value: $?"
imscan baseline --root /nonexistent -r x.json; echo "root: $?"
imscan rules show; echo "show without id: $?"
imscan rules frob; echo "rules action: $?"
imscan show a b; echo "show two files: $?"
imscan help check > help.txt; echo "help check: $? $(head -n 1 help.txt)"
imscan --version | sed 's/[0-9][0-9.]*/V/'
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
