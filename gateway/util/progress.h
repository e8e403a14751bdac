/*
 * progress.h - how far a long command has come, on the person's terminal.
 *
 * map, validate, policy apply, send and fetch can take minutes on a
 * million records or a gigabyte.  The command enables the meter (only when
 * stderr is a terminal and --quiet was not given: scripts, pipes, the
 * daemon and its log see nothing) and begins it for its input; the layers
 * that move the bytes count them; one line on stderr is redrawn at most
 * four times a second: bytes done of the total, percent, rate, time left.
 * Every call is a no-op when the meter is off, so the readers pay one
 * branch.
 */
#ifndef CSGW_UTIL_PROGRESS_H
#define CSGW_UTIL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

/* On when stderr is a terminal and not 'quiet'.  Once, by the command. */
void progress_enable(bool quiet);

/* A new piece of work called 'what', 'total' bytes (0: unknown), 'done'
 * of them done already (a resumed transfer). */
void progress_begin(const char *what, unsigned long long total, unsigned long long done);

/* Work on the file at 'path': only reads of that file count (a command
 * that also reads other files, or its own staging copy, is not fooled). */
void progress_file(const char *what, const char *path);

/* A reader read n bytes from fd: counted when fd is the file begun. */
void progress_read(int fd, size_t n);

/* n bytes of the work begun moved (a transfer). */
void progress_add(size_t n);

/* Clears the line, before other output to stderr; the next count redraws. */
void progress_pause(void);

/* The work is over: the line is cleared. */
void progress_end(void);

#endif
