# Names an attacker picks: newlines, ESC sequences, invalid UTF-8, a
# bidirectional override, 255-byte components. Every key comes back exact
# (from show and from check), checking again finds nothing, JSON carries
# no raw control character and stays valid (a lossy key also as base64,
# valid UTF-8 as it is), and the text output no raw control or reordering
# character.
. "$TESTS_CLI/lib.sh"
mktree; data_rule
long=$(printf 'L%.0s' $(seq 255))
wide=$(printf '\303\251%.0s' $(seq 127))x
cd root/data
touch "$(printf 'new\nline')" "$(printf 'esc\033]0;pwned\007title')" "$(printf 'bad\377\300\200')" \
	"$(printf 'cr\rback')" "$(printf 'rlo\342\200\256gnp.exe')" "$(printf 'c1\302\233m')" \
	"$(printf 'back\\slash')" ' ' -- -n "$long" "$wide"
mkdir "${long%??}.d" && touch "${long%??}.d/$long"
cd ../..
base
# Every name, as bytes, from the file system and from the baseline.
esc='s/([^!-~])/sprintf("%%%02x", ord $1)/ge'
(cd root && find data -print0 | perl -0ne "chomp; \$_ = \"/\$_\"; $esc; print \"\$_\\n\"" | sort) > want.txt
imscan show b.imdb | tail -n +2 | jq -r '.key_b64 // (.key | @base64)' |
	perl -MMIME::Base64 -ne "\$_ = decode_base64(\$_); $esc; print \"\$_\\n\"" | sort > got.txt
echo "names: $(wc -l < want.txt) on disk, $(wc -l < got.txt) in the baseline"
cmp want.txt got.txt && echo "every key exact"
# Nor does JSON carry a raw C0 or C1 control: the CSI of c1 is \u009b.
imscan show b.imdb > show.json
LC_ALL=C grep -c "$(printf '[\001-\037\177]\\|\302[\200-\237]')" show.json
grep -o 'c1\\u009bm' show.json
chk
touch "root/data/$(printf 'new\nline')2" "root/data/$(printf '\342\200\256')" \
	"root/data/$(printf 'bad\377name')" "root/data/$(printf 'esc\033[31mred')" "root/data/$(printf 'caf\303\251')"
chk | sed 's/L\{255\}/L{255}/g'
echo "valid JSON lines: $(jq -c . ev.json | wc -l)"
imscan check -b b.imdb -q > ev.json
jq -r '.key_b64 // (.key | @base64)' ev.json |
	perl -MMIME::Base64 -ne "\$_ = decode_base64(\$_); $esc; print \"\$_\\n\""
imscan check -b b.imdb -q --format text > ev.txt; echo "text: $?"
cat ev.txt
LC_ALL=C grep -c "$(printf '[\001-\010\013-\037\177]')" ev.txt
grep -c "$(printf '\342\200\256')" ev.txt
