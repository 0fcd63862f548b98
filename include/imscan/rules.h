/*
 * rules.h - JSON rule files to a validated ruleset.
 *
 * The language is documented in imscan-rules(5) and DESIGN.md. Loading is
 * strict: an unknown field, a wrong type, a duplicate id or a bad pattern
 * fails with a message naming the file, the rule id and the field:
 *   rules/x.json: rule 1003513: field "atributes": unknown field
 * A typo must never silently widen or narrow monitoring.
 *
 * Every entity of every rule gets one global index (ruleset.ents[i]); records
 * carry the indexes of the entities that selected them, baselines store
 * them, and a baseline embeds the rules (ruleset_to_json) so that check
 * rebuilds exactly the same indexes with ruleset_load_json().
 *
 * Error messages, exactly (origin is the file name, or what the caller
 * passed to ruleset_load_json()):
 *   <origin>: invalid JSON near line <L>
 *   <origin>: rule <id>: field "<name>": <reason>
 *   <origin>: rule <id>: entities[<i>]: field "<name>": <reason>
 *   <origin>: rule #<n>: field "id": <reason>   (id missing or invalid; n
 *                                               counts rules from 1)
 *   <origin>: rule <id>: duplicate id (first defined in <other origin>)
 * Control characters and invalid UTF-8 in them are escaped (escape.h).
 */
#ifndef IMSCAN_RULES_H
#define IMSCAN_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imscan/attr.h"

struct pattern;
struct rule;

enum severity { SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };
const char *severity_name(enum severity s);

struct entity {
	enum kind type;
	char *base;		/* files: absolute, normalised ("/etc", "/"), no trailing '/';
				 * NULL for other kinds */
	struct pattern **include;	/* empty means everything ("**") */
	size_t ninclude;
	struct pattern **exclude;
	size_t nexclude;
	struct attrset attrs;	/* resolved: STANDARD expanded, "-x" removed */
	bool executables_only;
	struct rule *rule;	/* owner */
	uint32_t index;		/* position in ruleset.ents */
};

struct rule {
	char *id, *name, *description;	/* description: "" if none */
	char *origin;		/* file it came from, or "baseline" */
	enum severity severity;
	bool realtime;
	char **tags;
	size_t ntags;
	struct entity *entities;
	size_t nentities;
	/*
	 * The rule object as loaded, compact, with params substituted in its
	 * entities (a literal "${" there is written "$${", so loading it again
	 * gives the same strings).
	 */
	char *json;
	bool recommended;	/* its "recommend" condition held (ruleset_recommend) */
	char *recommend_json;	/* the "recommend" object, or NULL */
};

struct rule_param {
	char *name, *value;
	bool declared;		/* some rule loaded since declares it */
};

struct rule_index;		/* ids to rules, hashed (ruleset.c) */

struct ruleset {
	struct rule **rules;	/* in load order */
	size_t nrules;
	struct entity **ents;	/* all entities, in rule then entity order */
	size_t nents;
	enum attr_id hash;	/* the content hash STANDARD stands for */
	struct rule_param *params;	/* ruleset_set_param() */
	size_t nparams;
	struct rule_index *index;	/* every rule by id: duplicates and lookups in O(1) */
};

/* hash: what STANDARD's content hash is (ATTR_SHA256 by default). */
void ruleset_init(struct ruleset *rs, enum attr_id hash);
void ruleset_release(struct ruleset *rs);

/*
 * Loads a rule file, or every "*.json" file of a directory in name order
 * (not recursive; names starting with '.' are left out). Appends to rs.
 * Rules whose required params are unset are skipped with a warning() that
 * says which param and how to set it:
 *   rule 1009999: skipped: param "web_root" is not set (set it with --param web_root=VALUE)
 * Files over 16 MiB, a missing path and a directory without rule files are
 * errors. Each file loads whole or not at all, but on error the files of a
 * directory before the bad one stay loaded.
 */
int ruleset_load_path(struct ruleset *rs, const char *path);

/*
 * Loads rules from JSON text: one rule object or an array of them. All or
 * nothing: on error rs is unchanged.
 */
int ruleset_load_json(struct ruleset *rs, const char *text, size_t len, const char *origin);

/*
 * Parameter values for ${name} in rules; set before loading. name is
 * letters, digits and '_', not starting with a digit; setting it again
 * replaces the value.
 */
int ruleset_set_param(struct ruleset *rs, const char *name, const char *value);

/* Whether name is a valid param name (as above), for option parsing. */
bool ruleset_param_name_ok(const char *name);

/* The rule with that id, or NULL. */
const struct rule *ruleset_find(const struct ruleset *rs, const char *id);

/*
 * Id comparisons made by lookups so far: loading n rules makes O(n) of
 * them, whatever n (tests bound the work with it, not with a clock).
 */
size_t ruleset_id_probes(const struct ruleset *rs);

/* The first param set with ruleset_set_param() that no rule loaded since
 * declares in its "params", or NULL. Borrowed. */
const char *ruleset_undeclared_param(const struct ruleset *rs);

/*
 * The rule file names of a directory ("*.json", not starting with '.'),
 * sorted; 0 or -1 with a message. Caller frees each name and *names.
 */
int ruleset_list_dir(const char *path, char ***names, size_t *n);

/*
 * Evaluates each rule's "recommend" condition and sets rule.recommended. A
 * rule without one is recommended. path_exists asks exists(ctx, path),
 * path absolute and free of "." and "..": the caller decides what a root
 * is (the command layer resolves inside --root as a base is, never on the
 * host; core knows nothing of walking).
 */
typedef bool (*rules_exists_fn)(void *ctx, const char *path);
void ruleset_recommend(struct ruleset *rs, rules_exists_fn exists, void *ctx);

/* Drops every rule that is not recommended; entity indexes are renumbered. */
void ruleset_keep_recommended(struct ruleset *rs);

/* The rules as one JSON array (embedded in baselines). Caller frees. */
char *ruleset_to_json(const struct ruleset *rs);

/* The union of attributes of all entities of one kind. */
struct attrset ruleset_attrs(const struct ruleset *rs, enum kind k);

/*
 * Entity-level matching for a walk. rel is the path relative to e->base
 * without leading '/' ("" for the base itself).
 *  RULES_SELECT:  the entry is selected by e (included, not excluded);
 *  RULES_DESCEND: for a directory, e may select something below it (not
 *                 excluded; an excluded directory is not descended, nor
 *                 is one below which no include pattern can match, per
 *                 pattern_may_match_below()).
 * The base itself is always RULES_SELECT | RULES_DESCEND. Include patterns
 * select the entries they match, not their contents ("dir/" "**" does that);
 * an exclude that matches a directory cuts off its whole subtree.
 */
#define RULES_SELECT	0x1
#define RULES_DESCEND	0x2
int entity_match(const struct entity *e, const char *rel, size_t len, bool is_dir);

#endif
