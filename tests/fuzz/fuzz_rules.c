/*
 * fuzz_rules.c - ruleset_load_json and the round trip through
 * ruleset_to_json, which is how a baseline embeds its rules: whatever
 * loads must dump to JSON that loads again, into exactly the same JSON.
 */
#include "imscan/rules.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	warning_set_handler(fuzz_no_warning, NULL);
	return 0;
}

static const char *const paths[] = { "", "a", "etc/ssh", "x/y/z.conf", "a/b/c/d" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset rs, again;
	char *j1, *j2;

	ruleset_init(&rs, ATTR_SHA256);
	/* A set param and one whose value holds what substitution reacts to. */
	ruleset_set_param(&rs, "p", "/srv");
	ruleset_set_param(&rs, "q", "$${x}${p}");
	if (ruleset_load_json(&rs, (const char *)data, size, "fuzz.json") < 0) {
		FUZZ_ASSERT(*error_last(), "load failed without a message");
		FUZZ_ASSERT(rs.nrules == 0, "a failed load left rules behind");
		ruleset_release(&rs);
		return 0;
	}
	/* Every id is found by the hashed index, and a second load of the
	 * same text is refused as duplicates without changing anything. */
	for (size_t i = 0; i < rs.nrules; i++)
		FUZZ_ASSERT(ruleset_find(&rs, rs.rules[i]->id) == rs.rules[i], "rule %zu not found", i);
	if (rs.nrules) {
		size_t n = rs.nrules;

		FUZZ_ASSERT(ruleset_load_json(&rs, (const char *)data, size, "again.json") < 0 &&
			    rs.nrules == n, "a second load of the same rules was accepted");
	}
	for (size_t i = 0; i < rs.nents; i++) {
		FUZZ_ASSERT(rs.ents[i]->index == i, "entity index %zu", i);
		for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
			(void)entity_match(rs.ents[i], paths[k], strlen(paths[k]), k & 1);
	}
	j1 = ruleset_to_json(&rs);
	ruleset_init(&again, rs.hash);
	FUZZ_ASSERT(ruleset_load_json(&again, j1, strlen(j1), "baseline rules") == 0,
		    "dumped rules do not load again: %s\n%s", error_last(), j1);
	FUZZ_ASSERT(again.nrules == rs.nrules && again.nents == rs.nents,
		    "reloaded %zu rules/%zu entities, had %zu/%zu", again.nrules, again.nents,
		    rs.nrules, rs.nents);
	for (size_t i = 0; i < rs.nents; i++)
		FUZZ_ASSERT(attrset_eq(&rs.ents[i]->attrs, &again.ents[i]->attrs) &&
			    !strcmp(rs.ents[i]->base ? rs.ents[i]->base : "",
				    again.ents[i]->base ? again.ents[i]->base : ""),
			    "entity %zu differs after reload", i);
	j2 = ruleset_to_json(&again);
	FUZZ_ASSERT(!strcmp(j1, j2), "round trip differs:\n%s\n%s", j1, j2);
	free(j1);
	free(j2);
	ruleset_release(&again);
	ruleset_release(&rs);
	return 0;
}
