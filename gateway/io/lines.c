/*
 * lines.c - read a text file line by line with a bounded buffer.
 */
#include "io/lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/progress.h"

#define READ_SIZE (1024 * 1024)

int lines_open(struct line_reader *lr, const char *path, size_t max_line)
{
	memset(lr, 0, sizeof *lr);
	lr->fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (lr->fd < 0)
		return -1;
	lr->max_line = max_line;
	lr->cap = READ_SIZE + max_line + 1;
	lr->buf = xmalloc(lr->cap);
	return 0;
}

/* Reads more after the unconsumed bytes; 0 at EOF, -1 on error. */
static ssize_t fill(struct line_reader *lr)
{
	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	for (;;) {
		ssize_t n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lr->error = errno;
			return -1;
		}
		if (n == 0)
			lr->eof = true;
		progress_read(lr->fd, (size_t)n);
		lr->end += (size_t)n;
		return n;
	}
}

int lines_next(struct line_reader *lr, const char **line, size_t *len, bool *newline)
{
	size_t scanned = 0, skipped = 0;

	for (;;) {
		char *p = lr->buf + lr->start;
		size_t avail = lr->end - lr->start;
		char *nl = memchr(p + scanned, '\n', avail - scanned);
		if (nl) {
			size_t n = (size_t)(nl - p);
			*line = p;
			*len = n + skipped;
			*newline = true;
			lr->start += n + 1;
			lr->lineno++;
			return 1;
		}
		if (avail > lr->max_line) {
			/* Too long: keep the first max_line bytes, drop the rest. */
			skipped += avail - lr->max_line;
			lr->end = lr->start + lr->max_line;
			avail = lr->max_line;
		}
		scanned = avail;
		if (lr->eof) {
			if (avail == 0 && skipped == 0)
				return 0;
			*line = p;
			*len = avail + skipped;
			*newline = false;
			lr->start = lr->end;
			lr->lineno++;
			return 1;
		}
		if (fill(lr) < 0)
			return -1;
	}
}

void lines_close(struct line_reader *lr)
{
	if (lr->fd >= 0 && lr->fd != STDIN_FILENO)
		close(lr->fd);
	free(lr->buf);
	lr->buf = NULL;
}
