/*
 * fuzz_map.c - libFuzzer target: a fixed-width extract of any batch type
 * through csgw map.  The first byte picks the batch type; the output goes
 * to a temporary file that map must remove whenever it refuses the input.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/map.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mapping_set *set = fuzz_mappings();
	struct report rep = {.out = fuzz_sink(), .file = "fuzz", .max = 100};
	struct batch_counts counts;
	char path[64];
	static char out[] = "/tmp/csgw-fuzz-map.xml";
	const struct batch_type *types[64];
	size_t ntypes = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < set->nfamilies; i++)
		for (size_t j = 0; j < set->families[i].nbatches && ntypes < 64; j++)
			types[ntypes++] = &set->families[i].batches[j];
	int fd = fuzz_file(data + 1, size - 1, path, sizeof path);
	enum map_status st = map_to_xml(types[data[0] % ntypes], path, out, true, &rep, &counts);
	/* A refused input leaves no output behind. */
	if (st != MAP_OK && access(out, F_OK) == 0)
		abort();
	unlink(out);
	batch_counts_free(&counts);
	close(fd);
	return 0;
}
