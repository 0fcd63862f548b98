/*
 * fuzz_proc.c - the /proc parsers of the live sources. Input: one byte
 * choosing the parser (net tables by protocol, modules, mountinfo), then
 * the text.
 */
#include "fuzz_entities.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const protos[] = { "tcp", "tcp6", "udp", "udp6", "raw", "raw6" };
	struct source_list l;
	const char *text = (const char *)data + 1;
	unsigned which;

	if (!size)
		return 0;
	which = data[0] % 8;
	size--;
	warning_set_handler(fuzz_no_warning, NULL);
	if (which < 6) {
		source_list_init(&l, KIND_PORT, NULL);
		parse_proc_net(&l, protos[which], "net", text, size, NULL);
	} else if (which == 6) {
		source_list_init(&l, KIND_MODULE, NULL);
		parse_proc_modules(&l, "modules", text, size);
	} else {
		source_list_init(&l, KIND_MOUNT, NULL);
		parse_mountinfo(&l, "mountinfo", text, size);
	}
	fuzz_check_list(&l);
	return 0;
}
