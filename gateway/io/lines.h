/*
 * lines.h - read a text file line by line with a bounded buffer.
 *
 * A line longer than the limit is reported as such (its length counted,
 * its bytes skipped) instead of growing memory: a hostile extract with a
 * 1 GB "line" costs no more than a good one.
 */
#ifndef CSGW_IO_LINES_H
#define CSGW_IO_LINES_H

#include <stdbool.h>
#include <stddef.h>

struct line_reader {
	int fd;
	char *buf;
	size_t cap, start, end;
	size_t max_line;
	bool eof;
	int error; /* errno of a failed read */
	unsigned long lineno;
};

/* path "-" = standard input.  Returns -1 with errno when it cannot open. */
int lines_open(struct line_reader *, const char *path, size_t max_line);

/* Next line without its '\n'.  Returns 1 with *line and *len set (*len may
 * exceed max_line, in which case *line holds only the first max_line
 * bytes), 0 at end of file, -1 on a read error.  *newline tells whether
 * the line ended with '\n' (the last one may not). */
int lines_next(struct line_reader *, const char **line, size_t *len, bool *newline);

void lines_close(struct line_reader *);

#endif
