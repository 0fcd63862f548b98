#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/cmd.h"
#include "imscan/error.h"
#include "imscan/pattern.h"
#include "imscan/rules.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"
#include "unit.h"

#define HEAD "\"id\":\"7\",\"name\":\"n\","
#define ENT "\"entities\":[{\"type\":\"file\",\"base\":\"/etc\"}]"
#define ENTS(x) "\"entities\":[" x "]"
#define FILE_ENT(x) "{\"type\":\"file\",\"base\":\"/etc\"," x "}"
#define PARAM "\"params\":{\"p\":{\"description\":\"d\"}},"
#define E0 "t.json: rule 7: entities[0]: "

static int load(struct ruleset *rs, const char *json)
{
	return ruleset_load_json(rs, json, strlen(json), "t.json");
}

/* Warnings, collected instead of printed. */
static struct strbuf warnings;

static void catch_warning(void *ctx, const char *msg)
{
	(void)ctx;
	strbuf_adds(&warnings, msg);
	strbuf_addc(&warnings, '\n');
}

static void setup(void)
{
	strbuf_init(&warnings);
	warning_set_handler(catch_warning, NULL);
}

static void teardown(void)
{
	warning_set_handler(NULL, NULL);
	strbuf_release(&warnings);
}

static const struct {
	const char *json, *msg;
} bad[] = {
	/* fields of the rule */
	{ "{" HEAD "\"atributes\":[]," ENT "}", "t.json: rule 7: field \"atributes\": unknown field" },
	{ "{" HEAD "\"name\":\"m\"," ENT "}", "t.json: rule 7: field \"name\": duplicate field" },
	{ "{" HEAD "\"a\\nb\":1," ENT "}", "t.json: rule 7: field \"a\\nb\": unknown field" },
	{ "{\"name\":\"n\"," ENT "}", "t.json: rule #1: field \"id\": missing" },
	{ "{\"id\":7,\"name\":\"n\"," ENT "}", "t.json: rule #1: field \"id\": expected a string" },
	{ "{\"id\":\"\",\"name\":\"n\"," ENT "}",
	  "t.json: rule #1: field \"id\": expected a non-empty string" },
	{ "{\"id\":\"a b\",\"name\":\"n\"," ENT "}",
	  "t.json: rule #1: field \"id\": \"a b\": only letters, digits, '.', '_' and '-' are allowed" },
	{ "{\"idd\":\"7\",\"name\":\"n\"," ENT "}", "t.json: rule #1: field \"idd\": unknown field" },
	{ "[{" HEAD ENT "},{\"name\":\"n\"," ENT "}]", "t.json: rule #2: field \"id\": missing" },
	{ "{\"id\":\"7\"," ENT "}", "t.json: rule 7: field \"name\": missing" },
	{ "{\"id\":\"7\",\"name\":1," ENT "}", "t.json: rule 7: field \"name\": expected a string" },
	{ "{\"id\":\"7\",\"name\":\"\"," ENT "}",
	  "t.json: rule 7: field \"name\": expected a non-empty string" },
	{ "{" HEAD "\"description\":5," ENT "}",
	  "t.json: rule 7: field \"description\": expected a string" },
	{ "{" HEAD "\"severity\":\"urgent\"," ENT "}",
	  "t.json: rule 7: field \"severity\": \"urgent\": expected low, medium, high or critical" },
	{ "{" HEAD "\"severity\":3," ENT "}", "t.json: rule 7: field \"severity\": expected a string" },
	{ "{" HEAD "\"realtime\":\"yes\"," ENT "}",
	  "t.json: rule 7: field \"realtime\": expected true or false" },
	{ "{" HEAD "\"tags\":\"x\"," ENT "}", "t.json: rule 7: field \"tags\": expected an array of strings" },
	{ "{" HEAD "\"tags\":[1]," ENT "}", "t.json: rule 7: field \"tags\": expected an array of strings" },
	{ "{" HEAD "\"x\":1}", "t.json: rule 7: field \"x\": unknown field" },
	{ "{\"id\":\"7\",\"name\":\"n\"}", "t.json: rule 7: field \"entities\": missing" },
	{ "{" HEAD "\"entities\":[]}",
	  "t.json: rule 7: field \"entities\": expected a non-empty array of objects" },
	{ "{" HEAD "\"entities\":[1]}",
	  "t.json: rule 7: field \"entities\": expected a non-empty array of objects" },
	{ "{" HEAD "\"entities\":{}}",
	  "t.json: rule 7: field \"entities\": expected a non-empty array of objects" },
	/* fields of an entity */
	{ "{" HEAD ENTS(FILE_ENT("\"inclde\":[\"x\"]")) "}", E0 "field \"inclde\": unknown field" },
	{ "{" HEAD ENTS(FILE_ENT("\"base\":\"/x\"")) "}", E0 "field \"base\": duplicate field" },
	{ "{" HEAD ENTS(FILE_ENT("\"include\":[\"a\"]") "," FILE_ENT("\"exclude\":\"x\"")) "}",
	  "t.json: rule 7: entities[1]: field \"exclude\": expected an array of strings" },
	{ "{" HEAD ENTS(FILE_ENT("\"exclude\":[\"a\",2]")) "}",
	  E0 "field \"exclude\": expected an array of strings" },
	{ "{" HEAD ENTS("{\"base\":\"/etc\"}") "}", E0 "field \"type\": missing" },
	{ "{" HEAD ENTS("{\"type\":\"fiel\",\"base\":\"/etc\"}") "}",
	  E0 "field \"type\": \"fiel\": unknown type (expected file, user, group, package, port, "
	  "process, service, module or mount)" },
	{ "{" HEAD ENTS("{\"type\":\"file\"}") "}", E0 "field \"base\": missing" },
	{ "{" HEAD ENTS("{\"type\":\"file\",\"base\":5}") "}", E0 "field \"base\": expected a string" },
	{ "{" HEAD ENTS("{\"type\":\"file\",\"base\":\"etc\"}") "}",
	  E0 "field \"base\": \"etc\": expected an absolute path" },
	{ "{" HEAD ENTS("{\"type\":\"file\",\"base\":\"\"}") "}",
	  E0 "field \"base\": \"\": expected an absolute path" },
	{ "{" HEAD ENTS("{\"type\":\"file\",\"base\":\"/etc/../x\"}") "}",
	  E0 "field \"base\": \"/etc/../x\": \".\" and \"..\" are not allowed" },
	{ "{" HEAD ENTS("{\"type\":\"file\",\"base\":\"/etc/.\"}") "}",
	  E0 "field \"base\": \"/etc/.\": \".\" and \"..\" are not allowed" },
	{ "{" HEAD ENTS("{\"type\":\"user\",\"base\":\"/etc\"}") "}",
	  E0 "field \"base\": not allowed for type \"user\"" },
	{ "{" HEAD ENTS(FILE_ENT("\"attributes\":[\"sha265\"]")) "}",
	  E0 "field \"attributes\": \"sha265\": unknown attribute" },
	{ "{" HEAD ENTS(FILE_ENT("\"attributes\":[\"STANDARD\",\"-sha265\"]")) "}",
	  E0 "field \"attributes\": \"-sha265\": unknown attribute" },
	{ "{" HEAD ENTS(FILE_ENT("\"attributes\":[\"-STANDARD\"]")) "}",
	  E0 "field \"attributes\": \"-STANDARD\": unknown attribute" },
	{ "{" HEAD ENTS(FILE_ENT("\"attributes\":[\"standard\"]")) "}",
	  E0 "field \"attributes\": \"standard\": unknown attribute" },
	{ "{" HEAD ENTS(FILE_ENT("\"attributes\":[\"error\"]")) "}",
	  E0 "field \"attributes\": \"error\": internal attribute, cannot be selected" },
	{ "{" HEAD ENTS("{\"type\":\"user\",\"attributes\":[\"sha256\"]}") "}",
	  E0 "field \"attributes\": \"sha256\": does not apply to type \"user\"" },
	{ "{" HEAD ENTS(FILE_ENT("\"attributes\":\"STANDARD\"")) "}",
	  E0 "field \"attributes\": expected an array of strings" },
	{ "{" HEAD ENTS(FILE_ENT("\"include\":[\"a**b\"]")) "}",
	  E0 "field \"include\": \"a**b\": '**' must be a whole path section" },
	{ "{" HEAD ENTS(FILE_ENT("\"exclude\":[\"ok\",\"[x\"]")) "}",
	  E0 "field \"exclude\": \"[x\": unterminated '['" },
	{ "{" HEAD ENTS(FILE_ENT("\"exclude\":[\"\"]")) "}", E0 "field \"exclude\": \"\": empty pattern" },
	{ "{" HEAD ENTS(FILE_ENT("\"exclude\":[\"a\\\\\"]")) "}",
	  E0 "field \"exclude\": \"a\\\\\": trailing backslash" },
	{ "{" HEAD ENTS(FILE_ENT("\"include\":[]")) "}",
	  E0 "field \"include\": expected a non-empty array of strings (leave it out to include everything)" },
	{ "{" HEAD ENTS(FILE_ENT("\"growing\":true")) "}", E0 "field \"growing\": not supported by this version" },
	{ "{" HEAD ENTS(FILE_ENT("\"executables_only\":\"yes\"")) "}",
	  E0 "field \"executables_only\": expected true or false" },
	{ "{" HEAD ENTS("{\"type\":\"user\",\"executables_only\":true}") "}",
	  E0 "field \"executables_only\": only for type \"file\"" },
	/* recommend */
	{ "{" HEAD "\"recommend\":{\"path_exist\":\"/etc\"}," ENT "}",
	  "t.json: rule 7: field \"recommend\": \"path_exist\": unknown condition (expected \"any\", "
	  "\"all\" or \"path_exists\")" },
	{ "{" HEAD "\"recommend\":{\"any\":[]}," ENT "}",
	  "t.json: rule 7: field \"recommend\": \"any\" expects a non-empty array of conditions" },
	{ "{" HEAD "\"recommend\":{\"all\":{\"path_exists\":\"/\"}}," ENT "}",
	  "t.json: rule 7: field \"recommend\": \"all\" expects a non-empty array of conditions" },
	{ "{" HEAD "\"recommend\":{\"any\":[{\"path_exists\":\"etc\"}]}," ENT "}",
	  "t.json: rule 7: field \"recommend\": \"path_exists\" expects an absolute path without "
	  "\".\" or \"..\"" },
	{ "{" HEAD "\"recommend\":{\"path_exists\":\"/a/../../x\"}," ENT "}",
	  "t.json: rule 7: field \"recommend\": \"path_exists\" expects an absolute path without "
	  "\".\" or \"..\"" },
	{ "{" HEAD "\"recommend\":{\"any\":[{\"path_exists\":\"/a\"}],\"all\":[{\"path_exists\":\"/a\"}]},"
	  ENT "}",
	  "t.json: rule 7: field \"recommend\": expected {\"any\": [...]}, {\"all\": [...]} or "
	  "{\"path_exists\": \"/path\"}" },
	{ "{" HEAD "\"recommend\":true," ENT "}",
	  "t.json: rule 7: field \"recommend\": expected {\"any\": [...]}, {\"all\": [...]} or "
	  "{\"path_exists\": \"/path\"}" },
	{ "{" HEAD "\"recommend\":{\"any\":[{\"any\":[{\"any\":[{\"any\":[{\"any\":[{\"any\":[{\"any\":["
	  "{\"any\":[{\"any\":[{\"any\":[{\"any\":[{\"any\":[{\"any\":[{\"any\":[{\"any\":[{\"any\":["
	  "{\"any\":[{\"path_exists\":\"/\"}]}]}]}]}]}]}]}]}]}]}]}]}]}]}]}]}]}," ENT "}",
	  "t.json: rule 7: field \"recommend\": conditions nested more than 16 deep" },
	/* params */
	{ "{" HEAD "\"params\":[]," ENT "}", "t.json: rule 7: field \"params\": expected an object" },
	{ "{" HEAD "\"params\":{\"web root\":{\"description\":\"d\"}}," ENT "}",
	  "t.json: rule 7: field \"params\": \"web root\": a param name is letters, digits and '_', "
	  "not starting with a digit" },
	{ "{" HEAD "\"params\":{\"p\":\"x\"}," ENT "}",
	  "t.json: rule 7: field \"params\": \"p\": expected {\"description\": \"...\", \"default\": \"...\"}" },
	{ "{" HEAD "\"params\":{\"p\":{}}," ENT "}",
	  "t.json: rule 7: field \"params\": \"p\": \"description\": missing" },
	{ "{" HEAD "\"params\":{\"p\":{\"description\":1}}," ENT "}",
	  "t.json: rule 7: field \"params\": \"p\": \"description\": expected a string" },
	{ "{" HEAD "\"params\":{\"p\":{\"description\":\"d\",\"defualt\":\"x\"}}," ENT "}",
	  "t.json: rule 7: field \"params\": \"p\": unknown field \"defualt\"" },
	{ "{" HEAD "\"params\":{\"p\":{\"description\":\"d\",\"default\":1}}," ENT "}",
	  "t.json: rule 7: field \"params\": \"p\": \"default\": expected a string" },
	{ "{" HEAD "\"params\":{\"p\":{\"description\":\"d\"},\"p\":{\"description\":\"e\"}}," ENT "}",
	  "t.json: rule 7: field \"params\": \"p\": declared twice" },
	{ "{" HEAD PARAM ENTS("{\"type\":\"file\",\"base\":\"/srv/${x}\"}") "}",
	  E0 "field \"base\": \"/srv/${x}\": param \"x\" is not declared in \"params\"" },
	{ "{" HEAD ENTS("{\"type\":\"file\",\"base\":\"/srv/${x}\"}") "}",
	  E0 "field \"base\": \"/srv/${x}\": param \"x\" is not declared in \"params\"" },
	{ "{" HEAD PARAM ENTS(FILE_ENT("\"exclude\":[\"${p\"]")) "}",
	  E0 "field \"exclude\": \"${p\": unterminated \"${\"" },
	/* the text as a whole */
	{ "5", "t.json: expected a rule object or an array of rule objects" },
	{ "\"x\"", "t.json: expected a rule object or an array of rule objects" },
	{ "[1]", "t.json: rule #1: expected an object" },
	{ "{\n\"id\": \"7\",\n\"name\" \"n\"\n}", "t.json: invalid JSON near line 3" },
	{ "[\n{" HEAD ENT "},\n]\n", "t.json: invalid JSON near line 3" },
	{ "", "t.json: invalid JSON near line 1" },
	{ "{" HEAD ENT "}\n\nx", "t.json: invalid JSON near line 3" },
	{ "{" HEAD ENT "}{}", "t.json: invalid JSON near line 1" },
	{ "{\n\"id\":\"a\\u0000b\"}", "t.json: invalid JSON near line 2: NUL characters are not allowed" },
	{ "{\"id\":\"a\\\\u0000b\"," "\"name\":\"n\"," ENT "}",
	  "t.json: rule #1: field \"id\": \"a\\\\u0000b\": only letters, digits, '.', '_' and '-' are allowed" },
};

START_TEST(test_bad)
{
	struct ruleset rs;

	ruleset_init(&rs, ATTR_SHA256);
	error_clear();
	ck_assert_int_eq(load(&rs, bad[_i].json), -1);
	ck_assert_str_eq(error_last(), bad[_i].msg);
	ck_assert_uint_eq(rs.nrules, 0);
	ck_assert_uint_eq(rs.nents, 0);
	ck_assert_str_eq(warnings.buf, "");
	ruleset_release(&rs);
}
END_TEST

/* A NUL byte in the text itself, which strlen() would hide. */
START_TEST(test_nul_byte)
{
	static const char text[] = "{\"id\":\"7\"\n,\0}";
	struct ruleset rs;

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_load_json(&rs, text, sizeof(text) - 1, "t.json"), -1);
	ck_assert_str_eq(error_last(), "t.json: invalid JSON near line 2: NUL characters are not allowed");
	ruleset_release(&rs);
}
END_TEST

START_TEST(test_defaults)
{
	struct ruleset rs;
	const struct rule *r;
	struct attrset std = attr_standard(KIND_FILE, ATTR_SHA256);

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(load(&rs, "{" HEAD ENT "}"), 0);
	ck_assert_ptr_nonnull(r = ruleset_find(&rs, "7"));
	ck_assert_ptr_null(ruleset_find(&rs, "8"));
	ck_assert_str_eq(r->name, "n");
	ck_assert_str_eq(r->description, "");
	ck_assert_str_eq(r->origin, "t.json");
	ck_assert_int_eq(r->severity, SEV_MEDIUM);
	ck_assert_str_eq(severity_name(r->severity), "medium");
	ck_assert(!r->realtime);
	ck_assert_uint_eq(r->ntags, 0);
	ck_assert_ptr_null(r->recommend_json);
	ck_assert_uint_eq(r->nentities, 1);
	ck_assert_int_eq(r->entities[0].type, KIND_FILE);
	ck_assert_str_eq(r->entities[0].base, "/etc");
	ck_assert_uint_eq(r->entities[0].ninclude, 0);
	ck_assert_uint_eq(r->entities[0].nexclude, 0);
	ck_assert(attrset_eq(&r->entities[0].attrs, &std));
	ck_assert(!r->entities[0].executables_only);
	ck_assert_ptr_eq(r->entities[0].rule, r);
	ck_assert_ptr_eq(rs.ents[0], &r->entities[0]);
	ck_assert_str_eq(r->json, "{" HEAD ENT "}");
	ruleset_release(&rs);
}
END_TEST

START_TEST(test_fields)
{
	struct ruleset rs;
	const struct rule *r;
	const struct entity *e;

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(load(&rs, "{\"id\":\"a.B-9_\",\"name\":\"n\",\"description\":\"d\","
			      "\"severity\":\"critical\",\"realtime\":true,\"tags\":[\"x\",\"y\"],"
			      "\"recommend\":{\"all\":[{\"path_exists\":\"/etc\"}]},"
			      ENTS("{\"type\":\"file\",\"base\":\"//etc//ssh/\",\"include\":[\"a\",\"/b/\"],"
				   "\"exclude\":[\"c\"],\"executables_only\":true},"
				   "{\"type\":\"file\",\"base\":\"///\"},"
				   "{\"type\":\"user\",\"include\":[\"root\"]}") "}"), 0);
	r = rs.rules[0];
	ck_assert_str_eq(r->id, "a.B-9_");
	ck_assert_str_eq(r->description, "d");
	ck_assert_int_eq(r->severity, SEV_CRITICAL);
	ck_assert(r->realtime);
	ck_assert_uint_eq(r->ntags, 2);
	ck_assert_str_eq(r->tags[1], "y");
	ck_assert_str_eq(r->recommend_json, "{\"all\":[{\"path_exists\":\"/etc\"}]}");
	e = &r->entities[0];
	ck_assert_str_eq(e->base, "/etc/ssh");
	ck_assert_uint_eq(e->ninclude, 2);
	ck_assert_str_eq(pattern_text(e->include[1]), "/b/");
	ck_assert_uint_eq(e->nexclude, 1);
	ck_assert(e->executables_only);
	ck_assert_str_eq(r->entities[1].base, "/");
	ck_assert_int_eq(r->entities[2].type, KIND_USER);
	ck_assert_ptr_null(r->entities[2].base);
	ck_assert_uint_eq(rs.nents, 3);
	for (size_t i = 0; i < rs.nents; i++) {
		ck_assert_uint_eq(rs.ents[i]->index, i);
		ck_assert_ptr_eq(rs.ents[i], &r->entities[i]);
	}
	ck_assert_str_eq(severity_name(SEV_LOW), "low");
	ck_assert_str_eq(severity_name(SEV_HIGH), "high");
	ruleset_release(&rs);
}
END_TEST

static const struct {
	const char *attrs;
	enum attr_id hash;
	const char *add, *del;	/* comma-separated, against STANDARD */
	bool from_empty;
} attrs[] = {
	{ NULL, ATTR_SHA256, "", "", false },
	{ "[\"STANDARD\"]", ATTR_SHA256, "", "", false },
	{ "[\"STANDARD\"]", ATTR_BLAKE2B, "blake2b", "sha256", false },
	{ "[\"STANDARD\",\"-inode\",\"sha512\",\"atime\"]", ATTR_SHA256, "sha512,atime", "inode", false },
	{ "[\"sha512\"]", ATTR_SHA256, "sha512", "", true },
	{ "[\"mtime\",\"STANDARD\",\"-mtime\"]", ATTR_SHA256, "", "mtime", false },
	{ "[]", ATTR_SHA256, "", "", true },
};

static void apply_list(struct attrset *s, const char *list, bool add)
{
	char *copy = xstrdup(list), *save = NULL;
	enum attr_id id;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		ck_assert_int_eq(attr_lookup(t, &id), 0);
		if (add)
			attrset_add(s, id);
		else
			attrset_del(s, id);
	}
	free(copy);
}

START_TEST(test_attributes)
{
	struct ruleset rs;
	struct strbuf json;
	struct attrset want = attrs[_i].from_empty ? ATTRSET_EMPTY : attr_standard(KIND_FILE, ATTR_SHA256);
	struct attrset all;

	apply_list(&want, attrs[_i].del, false);
	apply_list(&want, attrs[_i].add, true);
	strbuf_init(&json);
	strbuf_adds(&json, "{" HEAD "\"entities\":[{\"type\":\"file\",\"base\":\"/\"");
	if (attrs[_i].attrs)
		strbuf_addf(&json, ",\"attributes\":%s", attrs[_i].attrs);
	strbuf_adds(&json, "}]}");
	ruleset_init(&rs, attrs[_i].hash);
	ck_assert_msg(load(&rs, json.buf) == 0, "%s", error_last());
	ck_assert(attrset_eq(&rs.ents[0]->attrs, &want));
	all = ruleset_attrs(&rs, KIND_FILE);
	ck_assert(attrset_eq(&all, &want));
	all = ruleset_attrs(&rs, KIND_USER);
	ck_assert(attrset_empty(&all));
	ruleset_release(&rs);
	strbuf_release(&json);
}
END_TEST

START_TEST(test_attrs_union)
{
	struct ruleset rs;
	struct attrset want = ATTRSET_EMPTY, all;

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(load(&rs, "[{\"id\":\"1\",\"name\":\"n\","
			      ENTS(FILE_ENT("\"attributes\":[\"mode\"]")) "},"
			      "{\"id\":\"2\",\"name\":\"n\","
			      ENTS(FILE_ENT("\"attributes\":[\"uid\"]")) "}]"), 0);
	attrset_add(&want, ATTR_MODE);
	attrset_add(&want, ATTR_UID);
	all = ruleset_attrs(&rs, KIND_FILE);
	ck_assert(attrset_eq(&all, &want));
	ruleset_release(&rs);
}
END_TEST

START_TEST(test_duplicate_ids)
{
	struct ruleset rs;
	const char *r7 = "{" HEAD ENT "}";

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_load_json(&rs, r7, strlen(r7), "a.json"), 0);
	ck_assert_int_eq(ruleset_load_json(&rs, r7, strlen(r7), "b.json"), -1);
	ck_assert_str_eq(error_last(), "b.json: rule 7: duplicate id (first defined in a.json)");
	ck_assert_uint_eq(rs.nrules, 1);
	ck_assert_int_eq(load(&rs, "[{\"id\":\"8\",\"name\":\"n\"," ENT "},{\"id\":\"8\",\"name\":\"n\","
			      ENT "}]"), -1);
	ck_assert_str_eq(error_last(), "t.json: rule 8: duplicate id (first defined in t.json)");
	/* All or nothing: the first rule 8 did not stay. */
	ck_assert_uint_eq(rs.nrules, 1);
	ck_assert_uint_eq(rs.nents, 1);
	ck_assert_ptr_null(ruleset_find(&rs, "8"));
	ruleset_release(&rs);
}
END_TEST

/*
 * Issue 11 item 7: 80,000 rules took 88 s, each id compared with every
 * earlier one. The work is counted, not timed: n rules in one text or in
 * many must cost O(n) id comparisons (n^2/2 = 2e8 before).
 */
START_TEST(test_many_rules_linear)
{
	enum { N = 20000, PER = 10 };
	struct ruleset rs;
	struct strbuf sb;

	strbuf_init(&sb);
	ruleset_init(&rs, ATTR_SHA256);
	strbuf_addc(&sb, '[');
	for (int i = 0; i < N; i++)
		strbuf_addf(&sb, "%s{\"id\":\"r%d\",\"name\":\"n\"," ENT "}", i ? "," : "", i);
	strbuf_addc(&sb, ']');
	ck_assert_int_eq(load(&rs, sb.buf), 0);
	ck_assert_uint_eq(rs.nrules, N);
	for (int i = 0; i < N / PER; i++) {	/* many small files */
		strbuf_reset(&sb);
		strbuf_addc(&sb, '[');
		for (int j = 0; j < PER; j++)
			strbuf_addf(&sb, "%s{\"id\":\"s%d\",\"name\":\"n\"," ENT "}", j ? "," : "",
				    i * PER + j);
		strbuf_addc(&sb, ']');
		ck_assert_int_eq(load(&rs, sb.buf), 0);
	}
	ck_assert_uint_eq(rs.nrules, 2 * N);
	ck_assert_uint_le(ruleset_id_probes(&rs), 4 * 2 * N);
	ck_assert_str_eq(ruleset_find(&rs, "s19999")->id, "s19999");
	ck_assert_str_eq(ruleset_find(&rs, "r0")->id, "r0");
	ck_assert_ptr_null(ruleset_find(&rs, "r20000"));
	/* A duplicate is still found, and the failed load leaves no trace. */
	ck_assert_int_eq(load(&rs, "[{\"id\":\"new\",\"name\":\"n\"," ENT "},"
			      "{\"id\":\"r777\",\"name\":\"n\"," ENT "}]"), -1);
	ck_assert_str_eq(error_last(), "t.json: rule r777: duplicate id (first defined in t.json)");
	ck_assert_ptr_null(ruleset_find(&rs, "new"));
	ck_assert_uint_le(ruleset_id_probes(&rs), 4 * 2 * N + 16);
	ruleset_release(&rs);
	strbuf_release(&sb);
}
END_TEST

/* Issue 11 item 8: a --param that no rule declares must be visible. */
START_TEST(test_undeclared_param)
{
	struct ruleset rs;

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_set_param(&rs, "dri", "/srv"), 0);
	ck_assert_int_eq(ruleset_set_param(&rs, "p", "/srv"), 0);
	ck_assert_str_eq(ruleset_undeclared_param(&rs), "dri");
	ck_assert_int_eq(load(&rs, "{" HEAD PARAM ENT "}"), 0);
	ck_assert_str_eq(ruleset_undeclared_param(&rs), "dri");
	ck_assert_int_eq(load(&rs, "{\"id\":\"8\",\"name\":\"n\","
			      "\"params\":{\"dri\":{\"description\":\"d\"}}," ENT "}"), 0);
	ck_assert_ptr_null(ruleset_undeclared_param(&rs));
	ruleset_release(&rs);
}
END_TEST

START_TEST(test_params)
{
	struct ruleset rs;
	const struct entity *e;
	const char *json = "{\"id\":\"1009999\",\"name\":\"web\","
		"\"params\":{\"web_root\":{\"description\":\"document root\"},"
		"\"skip\":{\"description\":\"excluded name\",\"default\":\"cache\"}},"
		ENTS("{\"type\":\"file\",\"base\":\"${web_root}/htdocs\","
		     "\"exclude\":[\"${skip}\",\"*.${skip}\",\"$${skip}\",\"$x$\"]}") "}";

	/* Unset and without default: skipped with a warning, not an error. */
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(load(&rs, json), 0);
	ck_assert_uint_eq(rs.nrules, 0);
	ck_assert_str_eq(warnings.buf, "rule 1009999: skipped: param \"web_root\" is not set "
			 "(set it with --param web_root=VALUE)\n");
	ruleset_release(&rs);

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_set_param(&rs, "web_root", "/tmp"), 0);
	ck_assert_int_eq(ruleset_set_param(&rs, "web_root", "//srv/www"), 0);
	ck_assert_int_eq(load(&rs, json), 0);
	ck_assert_uint_eq(rs.nrules, 1);
	e = rs.ents[0];
	ck_assert_str_eq(e->base, "/srv/www/htdocs");
	ck_assert_uint_eq(e->nexclude, 4);
	ck_assert_str_eq(pattern_text(e->exclude[0]), "cache");
	ck_assert_str_eq(pattern_text(e->exclude[1]), "*.cache");
	ck_assert_str_eq(pattern_text(e->exclude[2]), "${skip}");
	ck_assert_str_eq(pattern_text(e->exclude[3]), "$x$");
	ck_assert_ptr_nonnull(strstr(rs.rules[0]->json, "\"base\":\"//srv/www/htdocs\""));
	ck_assert_ptr_nonnull(strstr(rs.rules[0]->json, "\"exclude\":[\"cache\",\"*.cache\",\"$${skip}\",\"$x$\"]"));
	ruleset_release(&rs);

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_set_param(&rs, "skip", "tmp"), 0);
	ck_assert_int_eq(ruleset_set_param(&rs, "web_root", "/w"), 0);
	ck_assert_int_eq(load(&rs, json), 0);
	ck_assert_str_eq(pattern_text(rs.ents[0]->exclude[1]), "*.tmp");
	ruleset_release(&rs);
	ck_assert_str_eq(warnings.buf, "rule 1009999: skipped: param \"web_root\" is not set "
			 "(set it with --param web_root=VALUE)\n");

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_set_param(&rs, "web root", "/w"), -1);
	ck_assert_str_eq(error_last(), "invalid param name 'web root': use letters, digits and '_', "
			 "not starting with a digit");
	ck_assert_int_eq(ruleset_set_param(&rs, "9a", "/w"), -1);
	ruleset_release(&rs);
}
END_TEST

/* A skipped rule is still checked for what does not depend on params. */
START_TEST(test_params_skip_still_checks)
{
	struct ruleset rs;

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(load(&rs, "{" HEAD PARAM ENTS("{\"type\":\"file\",\"base\":\"${p}\","
						       "\"excl\":[]}") "}"), -1);
	ck_assert_str_eq(error_last(), E0 "field \"excl\": unknown field");
	ck_assert_int_eq(load(&rs, "{" HEAD PARAM ENTS("{\"type\":\"file\",\"base\":\"${p}${q}\"}")
			      "}"), -1);
	ck_assert_str_eq(error_last(), E0 "field \"base\": \"${p}${q}\": param \"q\" is not declared "
			 "in \"params\"");
	ck_assert_str_eq(warnings.buf, "");
	ruleset_release(&rs);
}
END_TEST

static void assert_same_rules(const struct ruleset *a, const struct ruleset *b)
{
	ck_assert_uint_eq(a->nrules, b->nrules);
	ck_assert_uint_eq(a->nents, b->nents);
	for (size_t i = 0; i < a->nrules; i++) {
		const struct rule *x = a->rules[i], *y = b->rules[i];

		ck_assert_str_eq(x->id, y->id);
		ck_assert_str_eq(x->name, y->name);
		ck_assert_str_eq(x->description, y->description);
		ck_assert_int_eq(x->severity, y->severity);
		ck_assert_int_eq(x->realtime, y->realtime);
		ck_assert_uint_eq(x->ntags, y->ntags);
		for (size_t t = 0; t < x->ntags; t++)
			ck_assert_str_eq(x->tags[t], y->tags[t]);
		ck_assert_str_eq(x->json, y->json);
		ck_assert_int_eq(!x->recommend_json, !y->recommend_json);
		if (x->recommend_json)
			ck_assert_str_eq(x->recommend_json, y->recommend_json);
		ck_assert_uint_eq(x->nentities, y->nentities);
	}
	for (size_t i = 0; i < a->nents; i++) {
		const struct entity *x = a->ents[i], *y = b->ents[i];

		ck_assert_uint_eq(x->index, i);
		ck_assert_uint_eq(y->index, i);
		ck_assert_str_eq(x->rule->id, y->rule->id);
		ck_assert_int_eq(x->type, y->type);
		ck_assert_int_eq(!x->base, !y->base);
		if (x->base)
			ck_assert_str_eq(x->base, y->base);
		ck_assert_uint_eq(x->ninclude, y->ninclude);
		for (size_t k = 0; k < x->ninclude; k++)
			ck_assert_str_eq(pattern_text(x->include[k]), pattern_text(y->include[k]));
		ck_assert_uint_eq(x->nexclude, y->nexclude);
		for (size_t k = 0; k < x->nexclude; k++)
			ck_assert_str_eq(pattern_text(x->exclude[k]), pattern_text(y->exclude[k]));
		ck_assert(attrset_eq(&x->attrs, &y->attrs));
		ck_assert_int_eq(x->executables_only, y->executables_only);
	}
}

START_TEST(test_round_trip)
{
	struct ruleset a, b;
	char *ja, *jb;

	ruleset_init(&a, ATTR_BLAKE2B);
	ruleset_init(&b, ATTR_BLAKE2B);
	ck_assert_int_eq(ruleset_set_param(&a, "root", "/srv/${x}$${y}\\\"q\xc3\xa9\x01"), 0);
	ck_assert_int_eq(load(&a, "{\"id\":\"z\",\"name\":\"last \\\"quoted\\\"\",\"severity\":\"low\","
			      "\"tags\":[\"t\\n1\"],\"realtime\":true," ENT "}"), 0);
	ck_assert_int_eq(load(&a, "[{\"id\":\"a\",\"name\":\"n\",\"description\":\"d\","
			      "\"recommend\":{\"any\":[{\"path_exists\":\"/x\"},{\"all\":[{\"path_exists\":\"/\"}]}]},"
			      "\"params\":{\"root\":{\"description\":\"r\"},\"d\":{\"description\":\"r\",\"default\":\"${\"}},"
			      ENTS("{\"type\":\"file\",\"base\":\"${root}/a\",\"include\":[\"/x/**\",\"${d}\",\"$${d}\"],"
				   "\"exclude\":[\"*~\"],\"attributes\":[\"STANDARD\",\"-inode\",\"sha512\"],"
				   "\"executables_only\":true},"
				   "{\"type\":\"package\",\"include\":[\"lib*\"],\"attributes\":[]}") "},"
			      "{\"id\":\"b\",\"name\":\"n\"," ENTS(FILE_ENT("\"exclude\":[\"$${\",\"\\\\[x]\"]")) "}]"), 0);
	ck_assert_str_eq(a.ents[1]->base, "/srv/${x}$${y}\\\"q\xc3\xa9\x01/a");
	ck_assert_str_eq(pattern_text(a.ents[1]->include[1]), "${");
	ck_assert_str_eq(pattern_text(a.ents[1]->include[2]), "${d}");
	ja = ruleset_to_json(&a);
	ck_assert_int_eq(ruleset_load_json(&b, ja, strlen(ja), "baseline"), 0);
	assert_same_rules(&a, &b);
	ck_assert_str_eq(b.rules[0]->origin, "baseline");
	jb = ruleset_to_json(&b);
	ck_assert_str_eq(ja, jb);
	free(ja);
	free(jb);
	ruleset_release(&a);
	ruleset_release(&b);

	ruleset_init(&a, ATTR_SHA256);
	ja = ruleset_to_json(&a);
	ck_assert_str_eq(ja, "[]");
	ck_assert_int_eq(ruleset_load_json(&a, ja, strlen(ja), "baseline"), 0);
	ck_assert_uint_eq(a.nrules, 0);
	free(ja);
	ruleset_release(&a);
}
END_TEST

static const struct {
	int ent;
	const char *rel;
	bool dir;
	int want;
} em[] = {
	/* base /etc, include "**", exclude "mtab", "*.swp", "/ssh/" */
	{ 0, "", true, RULES_SELECT | RULES_DESCEND },
	{ 0, "hosts", false, RULES_SELECT },
	{ 0, "default", true, RULES_SELECT | RULES_DESCEND },
	{ 0, "mtab", false, 0 },
	{ 0, "x/y/mtab", false, 0 },
	{ 0, "x/.a.swp", false, 0 },
	{ 0, "ssh", true, 0 },
	{ 0, "ssh", false, RULES_SELECT },
	{ 0, "x/ssh", true, RULES_SELECT | RULES_DESCEND },
	/* base /etc, include "/passwd" and "/cron.d/" "**" */
	{ 1, "", true, RULES_SELECT | RULES_DESCEND },
	{ 1, "passwd", false, RULES_SELECT },
	{ 1, "passwd", true, RULES_SELECT | RULES_DESCEND },
	{ 1, "group", false, 0 },
	{ 1, "ssh", true, 0 },
	{ 1, "cron.d", true, RULES_DESCEND },
	{ 1, "cron.d/x", false, RULES_SELECT },
	{ 1, "cron.d/x", true, RULES_SELECT | RULES_DESCEND },
	{ 1, "x/passwd", false, 0 },
	/* base /usr/lib, include *.so: unanchored, so every directory is walked */
	{ 2, "x86_64", true, RULES_DESCEND },
	{ 2, "x86_64/libc.so", false, RULES_SELECT },
	{ 2, "x86_64/libc.txt", false, 0 },
	/* exclude "a/" "**": a itself stays, what is below it goes */
	{ 3, "a", true, RULES_SELECT | RULES_DESCEND },
	{ 3, "a/b", false, 0 },
	{ 3, "b", false, RULES_SELECT },
};

START_TEST(test_entity_match)
{
	struct ruleset rs;
	const char *rel = em[_i].rel;

	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(load(&rs, "{" HEAD ENTS(
		"{\"type\":\"file\",\"base\":\"/etc\",\"include\":[\"**\"],"
		"\"exclude\":[\"mtab\",\"*.swp\",\"/ssh/\"]},"
		"{\"type\":\"file\",\"base\":\"/etc\",\"include\":[\"/passwd\",\"/cron.d/**\"]},"
		"{\"type\":\"file\",\"base\":\"/usr/lib\",\"include\":[\"*.so\"]},"
		"{\"type\":\"file\",\"base\":\"/x\",\"exclude\":[\"a/**\"]}") "}"), 0);
	ck_assert_int_eq(entity_match(rs.ents[em[_i].ent], rel, strlen(rel), em[_i].dir), em[_i].want);
	ruleset_release(&rs);
}
END_TEST

static void mkdirs(const char *root, const char *rel)
{
	char *p = xmalloc(strlen(root) + strlen(rel) + 2);

	sprintf(p, "%s/%s", root, rel);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
}

#define REC(id, cond) "{\"id\":\"" id "\",\"name\":\"n\"," cond ENT "}"

START_TEST(test_recommend)
{
	struct ruleset rs;
	char *root = unit_tmpdir(), *slash = xmalloc(strlen(root) + 8);

	mkdirs(root, "etc");
	unit_write(root, "etc/hosts", "");
	sprintf(slash, "%s/dangle", root);
	ck_assert_int_eq(symlink("/nonexistent", slash), 0);
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(load(&rs, "["
		REC("none", "")
		"," REC("etc", "\"recommend\":{\"any\":[{\"path_exists\":\"/etc\"}]},")
		"," REC("nope", "\"recommend\":{\"any\":[{\"path_exists\":\"/nope\"}]},")
		"," REC("all", "\"recommend\":{\"all\":[{\"path_exists\":\"/etc\"},{\"path_exists\":\"/nope\"}]},")
		"," REC("any", "\"recommend\":{\"any\":[{\"path_exists\":\"/nope\"},{\"path_exists\":\"/etc/hosts\"}]},")
		"," REC("nest", "\"recommend\":{\"all\":[{\"any\":[{\"path_exists\":\"/nope\"},"
			"{\"all\":[{\"path_exists\":\"/etc\"}]}]},{\"path_exists\":\"/\"}]},")
		"," REC("top", "\"recommend\":{\"path_exists\":\"/dangle\"},")
		"]"), 0);
	ck_assert_uint_eq(rs.nents, 7);
	cmd_recommend(&rs, root);
	ck_assert(rs.rules[0]->recommended);
	ck_assert(rs.rules[1]->recommended);
	ck_assert(!rs.rules[2]->recommended);
	ck_assert(!rs.rules[3]->recommended);
	ck_assert(rs.rules[4]->recommended);
	ck_assert(rs.rules[5]->recommended);
	ck_assert(rs.rules[6]->recommended);
	/* A trailing '/' on root changes nothing. */
	sprintf(slash, "%s/", root);
	cmd_recommend(&rs, slash);
	ck_assert(rs.rules[1]->recommended);
	ck_assert(!rs.rules[2]->recommended);
	ruleset_keep_recommended(&rs);
	ck_assert_uint_eq(rs.nrules, 5);
	ck_assert_uint_eq(rs.nents, 5);
	ck_assert_ptr_null(ruleset_find(&rs, "nope"));
	ck_assert_str_eq(rs.rules[2]->id, "any");
	for (size_t i = 0; i < rs.nents; i++) {
		ck_assert_uint_eq(rs.ents[i]->index, i);
		ck_assert_ptr_eq(rs.ents[i], &rs.rules[i]->entities[0]);
	}
	cmd_recommend(&rs, "/nonexistent-root");
	ck_assert(rs.rules[0]->recommended);
	ck_assert(!rs.rules[1]->recommended);
	ruleset_release(&rs);
	unit_rmtree(root);
	free(slash);
	free(root);
}
END_TEST

START_TEST(test_load_path)
{
	struct ruleset rs;
	struct strbuf want, p;
	char *dir = unit_tmpdir();
	int fd;

	strbuf_init(&want);
	strbuf_init(&p);
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_load_path(&rs, "/nonexistent/rules"), -1);
	ck_assert_str_eq(error_last(), "cannot open '/nonexistent/rules': No such file or directory");

	mkdirs(dir, "r");
	strbuf_addf(&p, "%s/r", dir);
	ck_assert_int_eq(ruleset_load_path(&rs, p.buf), -1);
	strbuf_addf(&want, "'%s': no rule files (*.json) in directory", p.buf);
	ck_assert_str_eq(error_last(), want.buf);

	unit_write(dir, "r/b.json", REC("b", ""));
	unit_write(dir, "r/a.json", "[" REC("a1", "") "," REC("a2", "") "]");
	unit_write(dir, "r/.hidden.json", "not json");
	unit_write(dir, "r/notes.txt", "not json");
	mkdirs(dir, "r/sub");
	unit_write(dir, "r/sub/c.json", "not json");
	strbuf_addc(&p, '/');
	ck_assert_msg(ruleset_load_path(&rs, p.buf) == 0, "%s", error_last());
	ck_assert_uint_eq(rs.nrules, 3);
	ck_assert_str_eq(rs.rules[0]->id, "a1");
	ck_assert_str_eq(rs.rules[2]->id, "b");
	strbuf_reset(&want);
	strbuf_addf(&want, "%s/r/b.json", dir);
	ck_assert_str_eq(rs.rules[2]->origin, want.buf);

	/* One bad file names itself. */
	unit_write(dir, "r/c.json", "{\n\"id\":\"c\",\n}");
	ruleset_release(&rs);
	ruleset_init(&rs, ATTR_SHA256);
	strbuf_setlen(&p, p.len - 1);
	ck_assert_int_eq(ruleset_load_path(&rs, p.buf), -1);
	strbuf_reset(&want);
	strbuf_addf(&want, "%s/r/c.json: invalid JSON near line 3", dir);
	ck_assert_str_eq(error_last(), want.buf);

	/* A single file. */
	ruleset_release(&rs);
	ruleset_init(&rs, ATTR_SHA256);
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/r/b.json", dir);
	ck_assert_int_eq(ruleset_load_path(&rs, p.buf), 0);
	ck_assert_uint_eq(rs.nrules, 1);

	/* Over 16 MiB. */
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/big.json", dir);
	fd = open(p.buf, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (16 << 20) + 1), 0);
	close(fd);
	ck_assert_int_eq(ruleset_load_path(&rs, p.buf), -1);
	strbuf_reset(&want);
	strbuf_addf(&want, "'%s': larger than 16 MiB", p.buf);
	ck_assert_str_eq(error_last(), want.buf);

	/* A FIFO is refused at once, not waited on. */
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/fifo.json", dir);
	ck_assert_int_eq(mkfifo(p.buf, 0644), 0);
	ck_assert_int_eq(ruleset_load_path(&rs, p.buf), -1);
	strbuf_reset(&want);
	strbuf_addf(&want, "'%s': not a regular file", p.buf);
	ck_assert_str_eq(error_last(), want.buf);
	ck_assert_uint_eq(rs.nrules, 1);

	ruleset_release(&rs);
	strbuf_release(&want);
	strbuf_release(&p);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* The shipped library: every file loads alone, holds one rule named by it. */
START_TEST(test_library)
{
	struct ruleset all, one;
	struct strbuf path;
	struct dirent *de;
	DIR *d = opendir("rules");
	size_t files = 0;

	ck_assert_ptr_nonnull(d);
	strbuf_init(&path);
	ruleset_init(&all, ATTR_SHA256);
	ck_assert_msg(ruleset_load_path(&all, "rules") == 0, "%s", error_last());
	while ((de = readdir(d))) {
		const char *dash = strchr(de->d_name, '-');
		const struct rule *r;

		if (de->d_name[0] == '.')
			continue;
		ck_assert_msg(strlen(de->d_name) > 5 &&
			      !strcmp(de->d_name + strlen(de->d_name) - 5, ".json"),
			      "rules/%s: not a .json file", de->d_name);
		strbuf_reset(&path);
		strbuf_addf(&path, "rules/%s", de->d_name);
		ruleset_init(&one, ATTR_SHA256);
		ck_assert_msg(ruleset_load_path(&one, path.buf) == 0, "%s", error_last());
		ck_assert_uint_eq(one.nrules, 1);
		r = one.rules[0];
		ck_assert_msg(dash && (size_t)(dash - de->d_name) == strlen(r->id) &&
			      !strncmp(de->d_name, r->id, strlen(r->id)),
			      "%s: file name does not start with its id and '-'", path.buf);
		ck_assert_ptr_nonnull(r->recommend_json);
		ck_assert_msg(*r->description, "%s: no description", path.buf);
		for (size_t i = 0; i < r->nentities; i++)
			ck_assert_int_eq(r->entities[i].type, KIND_FILE);
		ruleset_release(&one);
		files++;
	}
	closedir(d);
	ck_assert_uint_ge(files, 10);
	ck_assert_uint_eq(all.nrules, files);
	ck_assert_ptr_nonnull(ruleset_find(&all, "1003513"));
	ck_assert_str_eq(warnings.buf, "");
	ruleset_release(&all);
	strbuf_release(&path);
}
END_TEST

extern Suite *make_rules_suite(void);

Suite *make_rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_fields);
	tcase_add_loop_test(tc, test_attributes, 0, sizeof(attrs) / sizeof(attrs[0]));
	tcase_add_test(tc, test_attrs_union);
	tcase_add_test(tc, test_duplicate_ids);
	tcase_add_test(tc, test_many_rules_linear);
	tcase_add_test(tc, test_undeclared_param);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_params_skip_still_checks);
	tcase_add_test(tc, test_round_trip);
	tcase_add_loop_test(tc, test_entity_match, 0, sizeof(em) / sizeof(em[0]));
	tcase_add_test(tc, test_recommend);
	tcase_add_test(tc, test_load_path);
	tcase_add_test(tc, test_library);
	suite_add_tcase(s, tc);
	return s;
}
