# The sandbox (imscan(1), HARDENING) leaves the baseline writer what it
# needs beside the baseline: the lock file, a temporary file, the rename
# over the old baseline, the directory fsync, and removing the temporary
# file a killed writer left. Whether or not the kernel has Landlock and
# seccomp, baseline and check --update write as before and print nothing
# about the sandbox; --no-sandbox is accepted by both.
. "$TESTS_CLI/lib.sh"
mktree; data_rule
st() { echo "$1: $?"; }
files() { (cd "$1" && ls -A | sed 's/\.imdb\.[A-Za-z0-9]\{6\}$/.imdb.TMP/' | tr '\n' ' '); echo; }

# A new directory for the baseline (made before confinement), then the
# baseline written inside it.
imscan baseline -r rule.json --root root -b state/b.imdb 2>>err; st baseline
files state
ls -ld state state/b.imdb state/b.imdb.lock | cut -c1-10
# Several directories made, and the current directory.
imscan baseline -r rule.json --root root -b new/er/b.imdb 2>>err; st "baseline new/er"
files new/er
imscan baseline -r rule.json --root root -b here.imdb 2>>err; st "baseline here"
# A writer killed after creating its temporary file: the next one, confined
# before it even reads the baseline, removes that file.
tmp=state/b.imdb.Zz9Zz9
cp state/b.imdb "$tmp"
printf '999999\nb.imdb.Zz9Zz9\n' > state/b.imdb.lock
echo changed > root/data/b.txt
imscan check -b state/b.imdb --update -q > ev.json 2>>err; st "check --update"
brief < ev.json
files state
imscan check -b state/b.imdb -q 2>>err; st "check after update"
# The same with the sandbox off.
echo again > root/data/b.txt
imscan check -b state/b.imdb --update -q --no-sandbox > ev.json 2>>err; st "check --update --no-sandbox"
brief < ev.json
imscan baseline -r rule.json --root root -b state/b.imdb --no-sandbox 2>>err; st "baseline --no-sandbox"
imscan check -b state/b.imdb --no-sandbox 2>>err; st "check --no-sandbox"
files state
imscan show state/b.imdb | tail -n +2 | jq -r .key
# Only the summaries and the removal of the stale file reach stderr.
sed -e 's/ in [0-9.]*s/ in Ns/' -e 's/ [0-9.]* MB hashed/ N MB hashed/' err
