. "$TESTS_CLI/lib.sh"
. "$TESTS_CLI/watch_lib.sh"
WATCH_BACKEND=inotify
. "$TESTS_CLI/watch_overflow.sh"
