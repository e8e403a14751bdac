/*
 * fuzz_answer.c - libFuzzer target: the daemon's readers of what the
 * sandboxed parser and signature checker answer (core/isolated.h), given
 * any bytes (those starting with 'S' go to the checker's reader).
 * Whatever it reads, each either accepts an answer that agrees with the
 * mappings (a signature's: one line of text, a subject when good) or
 * refuses it with a reason; it never passes on a line longer than a frame
 * may hold.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/isolated.h"
#include "fuzz_common.h"

static int take_line(void *ctx, const char *line, size_t len)
{
	(void)line;
	if (len > ISOLATED_LINE_MAX)
		abort();
	(*(size_t *)ctx)++;
	return 0;
}

static void verdict(int fd)
{
	struct cms_signed_by by;
	char said[1024], why[256] = "";
	int st = isolated_read_verdict(fd, 0, &by, said, sizeof said, why, sizeof why);
	if (st < 0 && (why[0] == '\0' || by.subject[0]))
		abort(); /* refused: with a reason, and nothing half-kept */
	if (st == SIG_OK && (by.subject[0] == '\0' || strlen(by.sha256) != 64))
		abort(); /* good: says who signed, and what */
	if (st > SIG_OK && said[0] == '\0')
		abort(); /* not good: says why */
	for (const char *c = st > SIG_OK ? said : by.subject; *c; c++)
		if ((unsigned char)*c < 0x20)
			abort(); /* one line for the log */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mapping_set *set = fuzz_mappings();
	struct report rep = {.out = fuzz_sink(), .file = "fuzz", .max = 100};
	struct batch_counts counts;
	char path[64], why[256] = "";
	size_t lines = 0;

	int fd = fuzz_file(data, size, path, sizeof path);
	lseek(fd, 0, SEEK_SET); /* read from the start, as from the pipe */
	if (size > 0 && data[0] == 'S') {
		verdict(fd);
		close(fd);
		return 0;
	}
	int st =
	    isolated_read_answer(fd, 0, set, &rep, take_line, &lines, &counts, why, sizeof why);
	if (st < 0 && (why[0] == '\0' || counts.by_record || counts.batch))
		abort(); /* refused: with a reason, and nothing half-kept */
	if (st == MAP_OK && counts.batch == NULL)
		abort(); /* a good batch always names its type */
	if (st >= 0 && counts.batch && counts.nrecords != counts.batch->family->nrecords)
		abort();
	batch_counts_free(&counts);
	close(fd);
	return 0;
}
