# check never changes the baseline; check --update accepts the current state.
. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
echo changed > root/data/b.txt
chk
chk --update
ls -l b.imdb | cut -c1-10
chk
ls b.imdb* | tr '\n' ' '; echo
