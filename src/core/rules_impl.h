/*
 * rules_impl.h - what the files of the rule loader share (src/core only):
 * rules.c (one rule object, the message grammar), rules_params.c (params
 * and ${NAME}), rules_recommend.c ("recommend" conditions), ruleset.c (the
 * set, files and directories). Not a contract for anything outside.
 */
#ifndef IMSCAN_RULES_IMPL_H
#define IMSCAN_RULES_IMPL_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "imscan/error.h"
#include "imscan/rules.h"

#define RULES_MAX_FILE	(16u << 20)
#define RULES_MAX_DEPTH	16	/* nesting of "any"/"all" in "recommend" */

/* Where we are in a text, for messages. */
struct ctx {
	struct ruleset *rs;
	const char *origin;
	const char *id;		/* NULL while not known to be valid */
	size_t n;		/* rule's 1-based position in the text */
	long ent;		/* entity index, -1 outside "entities" */
	const cJSON *params;	/* the rule's "params", or NULL */
	char *unset;		/* first param used without a value */
	const cJSON **sorted;	/* the members of params by name, for bsearch */
	size_t nsorted;
};

/* Messages (rules.h gives the grammar); each returns -1. Everything that
 * may come from a file is escaped. */
int rules_ferr(const char *fmt, ...) IMSCAN_PRINTF(1, 2);
int rules_oerr(const char *origin, const char *fmt, ...) IMSCAN_PRINTF(2, 3);
/* "<origin>: rule <id>: [entities[i]: ][field "<field>": ]["<val>": ]<reason>" */
int rules_rerr(const struct ctx *c, const char *field, const char *val, const char *fmt, ...)
	IMSCAN_PRINTF(4, 5);

bool rules_in_list(const char *s, const char *const *list);
/* Absolute, without "." or ".." components (which could climb out of root). */
bool rules_path_ok(const char *p);
const cJSON *rules_get(const cJSON *obj, const char *name);
void rules_rule_free(struct rule *r);

/*
 * Parses the n-th rule object of a text into *out; *out is NULL (and 0
 * returned) when it is skipped for an unset param.
 */
int rules_parse_rule(struct ruleset *rs, cJSON *obj, const char *origin, size_t n,
		     struct rule **out);

/* rules_recommend.c: checks obj's "recommend" and keeps it in r. */
int rules_parse_recommend(const struct ctx *c, const cJSON *obj, struct rule *r);

/* rules_params.c */
int rules_parse_params(struct ctx *c, const cJSON *obj);
typedef int (*rules_map_fn)(struct ctx *c, const char *field, const char *in, char **out);
/* "${name}" is the param's value, "$${" a literal "${", the rest as is. */
int rules_subst_params(struct ctx *c, const char *field, const char *in, char **out);
/* The inverse of rules_subst_params() for a string without params. */
int rules_quote_params(struct ctx *c, const char *field, const char *in, char **out);
/* Rewrites every string of every entity with fn. */
int rules_map_strings(struct ctx *c, cJSON *ents, rules_map_fn fn);

#endif
