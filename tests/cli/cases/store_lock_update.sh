# check --update takes the baseline's lock before it reads the baseline,
# so that a baseline written in between cannot be overwritten unseen:
# while another process holds the lock (here flock(1)), it refuses at
# once, naming the holder's pid as the kernel gives it, and neither
# reports nor writes anything. A plain check, which writes nothing, runs.
. "$TESTS_CLI/lib.sh"
command -v flock > /dev/null || { echo "needs flock(1)" >&2; exit 77; }
mktree; data_rule; base
printf 'new\n' > root/data/new
cp b.imdb before.imdb
flock b.imdb.lock sh -c 'touch held; while [ ! -e done ]; do sleep 0.05; done' & holder=$!
n=0
while [ ! -e held ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
imscan check -b b.imdb -q --update > ev.json 2> err; echo "check --update: $?"
sed "s/(pid $holder,/(pid HOLDER,/" err
echo "events: $(wc -l < ev.json)"
cmp b.imdb before.imdb && echo "baseline untouched"
chk
touch done; wait $holder; echo "holder: $?"
chk --update
chk
