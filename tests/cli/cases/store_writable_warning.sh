# A baseline that another user could rewrite, or whose directory lets
# another user rename a file over it, is read with a warning by every
# command that reads it (it proves nothing until signing exists). A
# sticky directory (like /tmp) and a mode 0600 file of our own are fine.
. "$TESTS_CLI/lib.sh"
need_root "files owned by another user"
mktree; data_rule; base
chmod 0666 b.imdb
imscan check -b b.imdb -q; echo "check, mode 0666: $?"
imscan show b.imdb > /dev/null; echo "show, mode 0666: $?"
chmod 0600 b.imdb; chown 65534 b.imdb
imscan check -b b.imdb -q; echo "check, owned by 65534: $?"
chown 0 b.imdb
mkdir shared; chmod 0777 shared; cp b.imdb shared/b.imdb
imscan check -b shared/b.imdb -q; echo "check, directory 0777: $?"
chmod 1777 shared
imscan check -b shared/b.imdb -q; echo "check, directory 1777: $?"
imscan check -b b.imdb -q; echo "check, mode 0600: $?"
