# Malformed rule constructs, one small file each, through `imscan rules
# lint`: each is refused with exit 2 and a message naming the file, the
# rule and the field. Table: name, then the file's text. Then several
# files at once: lint names every bad file, baseline refuses to start (no
# file written), a duplicate id names both files, and a good file passes.
. "$TESTS_CLI/lib.sh"
mkdir r
ok='"id": "7", "name": "n"'
ent='"entities": [{"type": "file", "base": "/etc"}]'
t() {	# t NAME TEXT: lint NAME.json holding TEXT
	printf '%s\n' "$2" > "r/$1.json"
	imscan rules lint -r "r/$1.json" > /dev/null; echo "$1: $?"
}
t empty ''
t not-json '{"id": "1",}'
t trailing-garbage "{$ok, $ent} x"
t top-level-string '"a rule"'
t top-level-number '42'
t array-of-strings '["a"]'
t nul-escape "{$ok, \"description\": \"a\\u0000b\", $ent}"
t nesting-2000 "$(printf '[%.0s' $(seq 2000))$(printf ']%.0s' $(seq 2000))"
t id-missing "{\"name\": \"n\", $ent}"
t id-empty "{\"id\": \"\", \"name\": \"n\", $ent}"
t id-number "{\"id\": 7, \"name\": \"n\", $ent}"
t id-bad-chars "{\"id\": \"a b/c\", \"name\": \"n\", $ent}"
t id-control "{\"id\": \"a\\u001b[31m\", \"name\": \"n\", $ent}"
t name-missing "{\"id\": \"7\", $ent}"
t name-empty "{\"id\": \"7\", \"name\": \"\", $ent}"
t unknown-field "{$ok, \"severty\": \"high\", $ent}"
t duplicate-field "{$ok, \"name\": \"again\", $ent}"
t severity-bad "{$ok, \"severity\": \"urgent\", $ent}"
t severity-number "{$ok, \"severity\": 3, $ent}"
t realtime-string "{$ok, \"realtime\": \"yes\", $ent}"
t tags-string "{$ok, \"tags\": \"a\", $ent}"
t tags-number "{$ok, \"tags\": [\"a\", 1], $ent}"
t recommend-unknown "{$ok, \"recommend\": {\"path_missing\": \"/x\"}, $ent}"
t recommend-two-keys "{$ok, \"recommend\": {\"any\": [], \"all\": []}, $ent}"
t recommend-empty-any "{$ok, \"recommend\": {\"any\": []}, $ent}"
t recommend-relative "{$ok, \"recommend\": {\"path_exists\": \"etc\"}, $ent}"
t recommend-dotdot "{$ok, \"recommend\": {\"path_exists\": \"/etc/../root\"}, $ent}"
t recommend-deep "{$ok, \"recommend\": $(printf '{"any": [%.0s' $(seq 20)){\"path_exists\": \"/\"}$(printf ']}%.0s' $(seq 20)), $ent}"
t params-array "{$ok, \"params\": [], $ent}"
t param-bad-name "{$ok, \"params\": {\"1x\": {\"description\": \"d\"}}, $ent}"
t param-no-description "{$ok, \"params\": {\"x\": {}}, $ent}"
t param-unknown-field "{$ok, \"params\": {\"x\": {\"description\": \"d\", \"value\": \"v\"}}, $ent}"
t param-default-number "{$ok, \"params\": {\"x\": {\"description\": \"d\", \"default\": 1}}, $ent}"
t param-declared-twice "{$ok, \"params\": {\"x\": {\"description\": \"d\"}, \"x\": {\"description\": \"e\"}}, $ent}"
t param-undeclared "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"\${web_root}\"}]}"
t param-unterminated "{$ok, \"params\": {\"x\": {\"description\": \"d\", \"default\": \"/v\"}}, \"entities\": [{\"type\": \"file\", \"base\": \"\${x\"}]}"
t entities-missing "{$ok}"
t entities-empty "{$ok, \"entities\": []}"
t entities-object "{$ok, \"entities\": {\"type\": \"file\"}}"
t entity-string "{$ok, \"entities\": [\"file\"]}"
t entity-unknown-field "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"recursive\": true}]}"
t entity-growing "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/var/log\", \"growing\": true}]}"
t type-missing "{$ok, \"entities\": [{\"base\": \"/etc\"}]}"
t type-unknown "{$ok, \"entities\": [{\"type\": \"files\", \"base\": \"/etc\"}]}"
t base-missing "{$ok, \"entities\": [{\"type\": \"file\"}]}"
t base-relative "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"etc\"}]}"
t base-dotdot "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc/../root\"}]}"
t base-for-user "{$ok, \"entities\": [{\"type\": \"user\", \"base\": \"/etc\"}]}"
t include-string "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"include\": \"*.conf\"}]}"
t include-empty "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"include\": []}]}"
t include-empty-pattern "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"include\": [\"//\"]}]}"
t include-open-bracket "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"include\": [\"a[bc\"]}]}"
t include-star-star "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"include\": [\"a**\"]}]}"
t include-backslash "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"include\": [\"a\\\\\"]}]}"
t include-class-name "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"include\": [\"[[:alpha:]]\"]}]}"
t exclude-number "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"exclude\": [1]}]}"
t attribute-unknown "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"attributes\": [\"sha257\"]}]}"
t attribute-internal "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"attributes\": [\"error\"]}]}"
t attribute-wrong-kind "{$ok, \"entities\": [{\"type\": \"user\", \"attributes\": [\"sha256\"]}]}"
t attribute-minus-unknown "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"attributes\": [\"STANDARD\", \"-mtim\"]}]}"
t attributes-string "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"attributes\": \"STANDARD\"}]}"
t executables-only-string "{$ok, \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"executables_only\": \"yes\"}]}"
t executables-only-user "{$ok, \"entities\": [{\"type\": \"user\", \"executables_only\": true}]}"
t duplicate-id "[{$ok, $ent}, {$ok, $ent}]"
t second-rule-bad "[{$ok, $ent}, {\"id\": \"8\", \"name\": \"n\", \"entities\": [{\"type\": \"file\", \"base\": \"/etc\", \"atributes\": []}]}]"
# files that are not rule files at all
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' ' > r/huge.json
imscan rules lint -r r/huge.json; echo "huge: $?"
mkfifo r/fifo.json
timeout 10 $IMSCAN_WRAP "$IMSCAN" rules lint -r r/fifo.json; echo "fifo: $?"
mkdir empty
imscan rules lint -r empty; echo "empty directory: $?"
imscan rules lint -r missing.json; echo "missing: $?"
printf '{"id": "1", "name": "n", "\377\033[2J": 1, "entities": []}\n' > r/binary.json
imscan rules lint -r r/binary.json; echo "binary: $?"
# several files
mkdir -p root/etc rules
echo '{"id":"1","name":"typo","entities":[{"type":"file","base":"/etc","atributes":["STANDARD"]}]}' > rules/a.json
echo '{"id":"2","name":"bad attr","entities":[{"type":"file","base":"/etc","attributes":["sha257"]}]}' > rules/b.json
echo '{"id":"3","name":"ok","entities":[{"type":"file","base":"/etc"}]}' > rules/c.json
echo '{"id":"3","name":"dup","entities":[{"type":"file","base":"/etc"}]}' > dup.json
printf '{"id":"4",\n "name": oops}\n' > bad.json
imscan rules lint -r rules; echo "lint: $?"
imscan baseline -r rules/a.json --root root -b b.imdb; echo "baseline: $?"
[ -e b.imdb ] && echo "a baseline was written" || echo "no baseline written"
imscan rules lint -r rules/c.json -r dup.json; echo "dup: $?"
imscan rules lint -r bad.json; echo "syntax: $?"
imscan rules lint -r rules/c.json; echo "good: $?"
