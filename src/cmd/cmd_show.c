/* cmd_show.c - imscan show: a baseline as JSON lines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/baseline.h"
#include "imscan/cmd.h"
#include "imscan/error.h"
#include "imscan/escape.h"

static const char usage_text[] =
	"usage: imscan show [-b FILE | FILE]\n"
	"\n"
	"Verify a baseline and print it as JSON lines: the header object first, then\n"
	"one object per record with kind, key, the ids of the rules that selected it,\n"
	"and its attributes, named and valued as in events.\n"
	"\n"
	"  -b, --baseline FILE   baseline to print (or FILE; default as for 'baseline')\n"
	"  -h, --help            this help\n";

static void print_header(const struct baseline_header *h, uint64_t count, struct strbuf *sb)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "{\"format\":%d,\"created\":\"", BASELINE_VERSION);
	attr_format_time(sb, h->created);
	strbuf_adds(sb, "\",");
	json_add_member_bytes(sb, "host", h->host, strlen(h->host));
	strbuf_addc(sb, ',');
	json_add_member_bytes(sb, "root", h->root, strlen(h->root));
	strbuf_addf(sb, ",\"hash\":\"%s\",", attr_name(h->hash));
	json_add_member_bytes(sb, "tool", h->tool, strlen(h->tool));
	strbuf_addf(sb, ",\"count\":%llu,\"rules\":", (unsigned long long)count);
	json_add_json(sb, h->rules_json);
	strbuf_adds(sb, "}\n");
	fwrite(sb->buf, 1, sb->len, stdout);
}

static void print_record(const struct record *r, const struct ruleset *rs, struct strbuf *sb)
{
	const struct rule *last = NULL;
	const char *sep = "";
	int a;

	strbuf_reset(sb);
	strbuf_adds(sb, "{\"kind\":\"");
	strbuf_adds(sb, kind_name(r->kind));
	strbuf_add(sb, "\",", 2);
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
	if (status == EXIT_TROUBLE)
		cmd_fail();
	if (br)
		baseline_reader_close(br);
	baseline_header_release(&h);
	ruleset_release(&rs);
	strbuf_release(&sb);
	return status;
}

/* 0 to run, or -1 to stop; *status is the exit status either way. */
static int parse(int argc, char **argv, const char **file, int *status)
{
	static const struct option longopts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	optind = 1;
	*status = EXIT_TROUBLE;
	while ((c = getopt_long(argc, argv, ":b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': *file = optarg; break;
		case 'h': fputs(usage_text, stdout); *status = EXIT_SAME; return -1;
		default: cmd_getopt_error("show", c, argv, longopts); return -1;
		}
	}
	if (optind < argc && *file) {
		cmd_usage_error("show", "give the baseline as -b FILE or as FILE, not both");
		return -1;
	}
	if (optind < argc)
		*file = argv[optind++];
	return cmd_parse_done("show", 0, argc, argv, 0);
}

int cmd_show(int argc, char **argv)
{
	struct baseline_path bp = { 0 };
	const char *file = NULL;
	int status;

	if (parse(argc, argv, &file, &status) < 0)
		return status;
	if (baseline_path_init(&bp, file) < 0)
		status = cmd_fail();
	else if (!(status = cmd_baseline_readable("show", &bp)))
		status = show(bp.file);
	baseline_path_release(&bp);
	return status;
}
