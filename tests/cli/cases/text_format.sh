. "$TESTS_CLI/lib.sh"
mktree; data_rule; base
echo changed > root/data/b.txt; rm root/data/a.txt; echo new > root/data/n.txt
imscan check -b b.imdb --format text > ev.txt 2> sum.txt
echo "check: $?"
sed 's/[0-9]\{4\}-[0-9T:.-]*Z/TIME/g' ev.txt
sed 's/in [0-9.]*s/in Ts/' sum.txt
