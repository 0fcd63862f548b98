/* cmd_show.c - imscan show: a baseline as JSON lines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/baseline.h"
#include "imscan/cmd.h"
#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/xalloc.h"

static const char usage_text[] =
	"usage: imscan show [FILE]\n"
	"\n"
	"Verify a baseline and print it as JSON lines: the header object first, then\n"
	"one object per record with kind, key, the ids of the rules that selected it,\n"
	"and its attributes, named and valued as in events. FILE defaults to the\n"
	"default baseline (see 'imscan baseline --help').\n";

static void print_header(const struct baseline_header *h, uint64_t count, struct strbuf *sb)
{
	strbuf_reset(sb);
	strbuf_adds(sb, "{\"format\":1,\"created\":\"");
	attr_format_time(sb, h->created);
	strbuf_adds(sb, "\",");
	json_add_member_bytes(sb, "host", h->host, strlen(h->host));
	strbuf_addc(sb, ',');
	json_add_member_bytes(sb, "root", h->root, strlen(h->root));
	strbuf_addf(sb, ",\"hash\":\"%s\",", attr_name(h->hash));
	json_add_member_bytes(sb, "tool", h->tool, strlen(h->tool));
	strbuf_addf(sb, ",\"count\":%llu,\"rules\":%s}\n", (unsigned long long)count, h->rules_json);
	fwrite(sb->buf, 1, sb->len, stdout);
}

static void print_record(const struct record *r, const struct ruleset *rs, struct strbuf *sb)
{
	const struct rule *last = NULL;
	const char *sep = "";
	int a;

	strbuf_reset(sb);
	strbuf_addf(sb, "{\"kind\":\"%s\",", kind_name(r->kind));
	json_add_member_bytes(sb, "key", record_key(r), r->keylen);
	strbuf_adds(sb, ",\"rules\":[");
	for (uint32_t i = 0; i < r->nents; i++) {
		const struct rule *ru = r->ents[i] < rs->nents ? rs->ents[r->ents[i]]->rule : NULL;

		if (!ru || ru == last)
			continue;
		strbuf_adds(sb, sep);
		json_add_string(sb, ru->id, strlen(ru->id));
		sep = ",";
		last = ru;
	}
	strbuf_addc(sb, ']');
	ATTRSET_FOREACH(a, &r->present) {
		strbuf_addc(sb, ',');
		attr_json_member(sb, r, (enum attr_id)a);
	}
	strbuf_adds(sb, "}\n");
	fwrite(sb->buf, 1, sb->len, stdout);
}

static int show(const char *file)
{
	struct baseline_reader *br = NULL;
	struct baseline_header h = { 0 };
	struct ruleset rs;
	const struct record *r;
	struct strbuf sb;
	int rc, status = EXIT_TROUBLE;

	strbuf_init(&sb);
	ruleset_init(&rs, ATTR_SHA256);
	if (baseline_reader_open(&br, file, NULL, &h) < 0)
		goto cleanup;
	rs.hash = h.hash;
	if (ruleset_load_json(&rs, h.rules_json, strlen(h.rules_json), "baseline rules") < 0)
		goto cleanup;
	print_header(&h, baseline_reader_count(br), &sb);
	while ((rc = baseline_reader_next(br, &r)) > 0)
		print_record(r, &rs, &sb);
	if (rc == 0)
		status = EXIT_SAME;
cleanup:
	if (status != EXIT_SAME)
		cmd_error(NULL);
	if (br)
		baseline_reader_close(br);
	baseline_header_release(&h);
	ruleset_release(&rs);
	strbuf_release(&sb);
	return status;
}

int cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *file;
	int c, status;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return EXIT_SAME;
		}
		return cmd_usage_error("show", "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind > 1)
		return cmd_usage_error("show", "unexpected argument '%s'", argv[optind + 1]);
	file = optind < argc ? xstrdup(argv[optind]) : cmd_default_baseline();
	if (!file)
		return cmd_error(NULL);
	status = show(file);
	free(file);
	return status;
}
