# A file 200 levels deep.
. "$TESTS_CLI/lib.sh"
mktree
d=root/data; i=0
while [ $i -lt 200 ]; do d=$d/d; i=$((i + 1)); done
mkdir -p "$d"; echo deep > "$d/f"
data_rule; base
echo deeper > "$d/f"
chk | sed 's/\(\/d\)\{200\}/\/d{x200}/'
