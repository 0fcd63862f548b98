# Under the sandbox, which denies every metadata write (imscan(1),
# HARDENING), check still reads what it must: xattrs, file capabilities
# and chattr flags (through the FS_IOC_GETFLAGS ioctl, which the filter
# lets through while denying FS_IOC_SETFLAGS), and check --update still
# writes the baseline, mode 0600.
. "$TESTS_CLI/lib.sh"
need_root "file capabilities"
mktree; data_rule '"xattrs", "caps", "flags"'
st() { echo "$1: $?"; }
setfattr -n user.note -v one root/data/a.txt
setcap cap_net_raw+ep root/data/a.txt
chattr +d root/data/b.txt 2>/dev/null || { echo "no chattr flags here" >&2; exit 77; }
imscan baseline -r rule.json --root root -b b.imdb 2>/dev/null; st baseline
chk
setfattr -n user.note -v two root/data/a.txt
setcap cap_net_admin+ep root/data/sub/c.txt
chattr -d root/data/b.txt
imscan check -b b.imdb -q --update > ev.json; st "check --update"
brief < ev.json
ls -l b.imdb | cut -c1-10
chk
imscan check -b b.imdb -q --no-sandbox > ev.json; st "check --no-sandbox"
# Nothing the checks ran over was changed by them.
getfattr -n user.note --only-values root/data/a.txt; echo
getcap root/data/a.txt root/data/sub/c.txt
lsattr -d root/data/b.txt | cut -c1-22
