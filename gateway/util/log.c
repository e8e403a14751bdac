/*
 * log.c - priority prefixes for journald, through stdio cookie streams.
 *
 * stdout and stderr are replaced (glibc lets a program assign them) by
 * streams that pass every byte on to the original and put a default
 * "<N>" before each line that does not start with one.  Only lines, not
 * bytes, are looked at: a prefix is "<" at the start of a line.
 */
#include "util/log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct journal_stream {
	FILE *to;      /* the original stream */
	char fallback; /* the default priority's digit */
	bool at_start; /* the next byte starts a line */
};

static bool journal;

static ssize_t journal_write(void *cookie, const char *buf, size_t size)
{
	struct journal_stream *j = cookie;
	size_t done = 0;
	while (done < size) {
		if (j->at_start && buf[done] != '<') {
			char prefix[3] = {'<', j->fallback, '>'};
			fwrite(prefix, 1, sizeof prefix, j->to);
		}
		const char *nl = memchr(buf + done, '\n', size - done);
		size_t n = nl ? (size_t)(nl - (buf + done)) + 1 : size - done;
		if (fwrite(buf + done, 1, n, j->to) != n)
			return done ? (ssize_t)done : -1;
		done += n;
		j->at_start = nl != NULL;
	}
	fflush(j->to);
	return (ssize_t)size;
}

/* systemd.exec(5): "DEVICE:INODE" of the stream connected to the journal. */
static bool is_journal(int fd)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (v == NULL || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(fd, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* 'j' lives as long as the process: the two streams below. */
static FILE *wrap(FILE *to, int priority, struct journal_stream *j)
{
	*j =
	    (struct journal_stream){.to = to, .fallback = (char)('0' + priority), .at_start = true};
	FILE *f = fopencookie(j, "w", (cookie_io_functions_t){.write = journal_write});
	if (f == NULL)
		return to;
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

void log_for_journal(void)
{
	static struct journal_stream out, err;
	if (journal)
		return;
	if (is_journal(STDOUT_FILENO)) {
		fflush(stdout);
		stdout = wrap(stdout, LOG_INFO, &out);
		journal = true;
	}
	if (is_journal(STDERR_FILENO)) {
		stderr = wrap(stderr, LOG_ERR, &err);
		journal = true;
	}
}

bool log_journal(void)
{
	return journal;
}

void log_begin(FILE *out, int priority)
{
	if (journal)
		fprintf(out, "<%d>", priority);
}

void log_vline(FILE *out, int priority, const char *fmt, va_list ap)
{
	log_begin(out, priority);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	fflush(out);
}

void log_line(FILE *out, int priority, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vline(out, priority, fmt, ap);
	va_end(ap);
}
