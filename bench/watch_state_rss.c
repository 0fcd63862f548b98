/*
 * watch_state_rss - resident memory of the watch state store for N file
 * records shaped like a scan's (STANDARD attributes and a SHA-256).
 *
 *   watch_state_rss N
 *
 * Prints the RSS growth over the empty process per entry, and the store's
 * own count of its bytes. The goal: <= 150 bytes per entry beyond
 * a fixed 16 MB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/record.h"
#include "imscan/watch_state.h"

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 155000, before = rss_kb(), after;
	struct state *st = state_new();
	struct record r;
	unsigned char sha[32];
	char key[160];

	record_init(&r);
	for (long i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "/usr/share/pkg-%04ld/sub-%02ld/some-file-name-%07ld.ext",
			 i / 400, (i / 40) % 10, i);
		record_reset(&r);
		record_set_key(&r, KIND_FILE, key, strlen(key));
		record_set_int(&r, ATTR_TYPE, 1);
		record_set_int(&r, ATTR_MODE, 0644);
		record_set_int(&r, ATTR_UID, 0);
		record_set_int(&r, ATTR_GID, 0);
		record_set_str(&r, ATTR_OWNER, "root");
		record_set_str(&r, ATTR_GROUP, "root");
		record_set_int(&r, ATTR_SIZE, 4096 + i * 13 % 100000);
		record_set_int(&r, ATTR_MTIME, 1764000000000000000ll + i * 999983);
		record_set_int(&r, ATTR_CTIME, 1764000000000000000ll + i * 999983 + 17);
		record_set_int(&r, ATTR_INODE, 1000000 + i);
		record_set_int(&r, ATTR_DEVICE, 2049);
		record_set_int(&r, ATTR_NLINK, 1);
		record_set_int(&r, ATTR_BLOCKS, 8 + i % 64);
		for (size_t j = 0; j < sizeof(sha); j++)
			sha[j] = (unsigned char)((i * 2654435761u) >> (j % 24));
		record_set_bytes(&r, ATTR_SHA256, sha, sizeof(sha));
		record_add_entity(&r, 0);
		if (state_put(st, &r) < 0)
			return 1;
	}
	after = rss_kb();
	printf("entries=%ld rss_growth=%ld kB (%.1f bytes/entry) store=%zu bytes (%.1f bytes/entry)\n",
	       n, after - before, (after - before) * 1024.0 / (double)n, state_memory(st),
	       (double)state_memory(st) / (double)n);
	record_release(&r);
	state_free(st);
	return 0;
}
