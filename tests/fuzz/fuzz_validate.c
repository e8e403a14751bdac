/*
 * fuzz_validate.c - libFuzzer target: the streaming XML batch reader
 * (csgw validate / unmap) on arbitrary bytes, in the test environment.
 */
#include <stdbool.h>
#include <unistd.h>

#include "core/unmap.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mapping_set *set = fuzz_mappings();
	struct report rep = {.out = fuzz_sink(), .file = "fuzz", .max = 100};
	struct unmap_limits lim = {.max_bytes = 1 << 20};
	struct batch_counts counts;
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof path);

	unmap_read(set, path, true, &lim, &rep, NULL, NULL, &counts);
	batch_counts_free(&counts);
	close(fd);
	return 0;
}
