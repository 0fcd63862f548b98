/*
 * fuzz_passwd.c - the user and group parsers: passwd, shadow, group,
 * gshadow. Input: passwd NUL shadow NUL group (gshadow is the shadow part
 * again for the group list).
 */
#include "fuzz_entities.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[32] = { 7 };
	const uint8_t *sh, *gr;
	size_t nsh, ngr, npw = fuzz_split(data, size, &sh, &nsh);
	struct source_list l;

	nsh = fuzz_split(sh, nsh, &gr, &ngr);
	warning_set_handler(fuzz_no_warning, NULL);
	source_list_init(&l, KIND_USER, NULL);
	parse_passwd(&l, "passwd", (const char *)data, npw, key);
	source_list_sort(&l);
	parse_shadow(&l, "shadow", (const char *)sh, nsh, key);
	parse_user_groups(&l, "group", (const char *)gr, ngr);
	finish_users(&l);
	fuzz_check_list(&l);
	source_list_init(&l, KIND_GROUP, NULL);
	parse_group(&l, "group", (const char *)gr, ngr);
	source_list_sort(&l);
	parse_gshadow(&l, "gshadow", (const char *)sh, nsh);
	fuzz_check_list(&l);
	return 0;
}
