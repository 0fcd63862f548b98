# A FIFO in a monitored directory is recorded, never opened: no hang.
. "$TESTS_CLI/lib.sh"
mktree; mkfifo root/data/pipe; data_rule; base
chk
imscan show b.imdb | jq -c 'select(.key == "/data/pipe") | [.type, .size, .sha256]'
mkfifo -m 0600 root/data/pipe2; mv root/data/pipe2 root/data/pipe
chk
