/*
 * fuzz_common.c - what the libFuzzer targets share.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuzz_common.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/mapping_load.h"
#include "io/xml_safe.h"

const struct mapping_set *fuzz_mappings(void)
{
	static struct mapping_set *set;
	const char *dir = getenv("CSGW_MAPPINGS");

	if (set)
		return set;
	xml_safe_init();
	if (mapping_load(dir ? dir : "mappings", &set, stderr) < 0)
		abort();
	return set;
}

int fuzz_file(const uint8_t *data, size_t size, char *path, size_t path_size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		abort();
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	snprintf(path, path_size, "/proc/self/fd/%d", fd);
	return fd;
}

FILE *fuzz_sink(void)
{
	static FILE *sink;
	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	return sink;
}
