# A rule whose name holds a C1 control (U+0085, NEXT LINE): every JSON
# imscan prints escapes it as \u0085, as events do: rules show, the rules
# embedded in the baseline and show's header (issue 11 item 10).
. "$TESTS_CLI/lib.sh"
mkdir -p root/etc && echo h > root/etc/hosts
printf '{"id":"1009900","name":"x\302\205y","entities":[{"type":"file","base":"/etc","include":["hosts"]}]}' > c1.json
imscan rules show 1009900 -r c1.json > show.txt; echo "rules show: $?"
grep -c "$(printf '\302\205')" show.txt
grep '"name"' show.txt
imscan baseline -r c1.json --root root -b b.imdb 2>/dev/null; echo "baseline: $?"
imscan show b.imdb > all.json; echo "show: $?"
grep -c "$(printf '\302\205')" all.json
head -n 1 all.json | jq -r '.rules[0].name' | od -An -c
zcat b.imdb 2>/dev/null | grep -c "$(printf '\302\205')"
