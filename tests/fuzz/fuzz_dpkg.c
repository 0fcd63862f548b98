/* fuzz_dpkg.c - the dpkg status parser of the package source. */
#include "fuzz_entities.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_list l;

	warning_set_handler(fuzz_no_warning, NULL);
	source_list_init(&l, KIND_PACKAGE, NULL);
	parse_dpkg_status(&l, "status", (const char *)data, size);
	fuzz_check_list(&l);
	return 0;
}
