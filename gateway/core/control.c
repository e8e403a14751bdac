/*
 * control.c - the control protocol's requests and answers.
 */
#include "core/control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number of at most 'digits' digits ending at the byte 'end';
 * -1 otherwise.  *at moves past the end byte. */
static long number(const char **at, const char *limit, char end, int digits)
{
	const char *p = *at;
	long n = 0;
	int count = 0;
	while (p < limit && *p >= '0' && *p <= '9' && count < digits) {
		n = n * 10 + (*p++ - '0');
		count++;
	}
	if (count == 0 || p >= limit || *p != end)
		return -1;
	*at = p + 1;
	return n;
}

int control_request_parse(char *msg, size_t len, struct control_request *r, char *why,
                          size_t whylen)
{
	const size_t magic = sizeof CONTROL_MAGIC - 1;
	const char *at = msg, *limit = msg + len;

	memset(r, 0, sizeof *r);
	if (len > CONTROL_MAX) {
		snprintf(why, whylen, "request longer than %d bytes", CONTROL_MAX);
		return -1;
	}
	if (len < magic || memcmp(msg, CONTROL_MAGIC, magic) != 0) {
		snprintf(why, whylen, "not a csgw-control version 1 request");
		return -1;
	}
	at += magic;
	long argc = number(&at, limit, ' ', 3);
	long nfiles = number(&at, limit, '\n', 2);
	if (argc < 1 || argc > CONTROL_MAX_ARGS || nfiles < 0 || nfiles > CONTROL_MAX_FILES) {
		snprintf(why, whylen, "bad header: expected 1 to %d arguments and 0 to %d files",
		         CONTROL_MAX_ARGS, CONTROL_MAX_FILES);
		return -1;
	}
	for (long i = 0; i < argc; i++) {
		const char *nul = memchr(at, '\0', (size_t)(limit - at));
		if (nul == NULL) {
			snprintf(why, whylen, "argument %ld is not ended (truncated request)", i);
			return -1;
		}
		if (nul - at > CONTROL_MAX_ARG || (i == 0 && nul == at)) {
			snprintf(why, whylen, "argument %ld is empty or longer than %d bytes", i,
			         CONTROL_MAX_ARG);
			return -1;
		}
		r->argv[i] = msg + (at - msg);
		at = nul + 1;
	}
	for (long i = 0; i < nfiles; i++) {
		long k = number(&at, limit, '\0', 3);
		if (k < 1 || k >= argc) {
			snprintf(why, whylen, "file %ld names no argument", i);
			return -1;
		}
		for (long j = 0; j < i; j++)
			if (r->file_arg[j] == k) {
				snprintf(why, whylen, "argument %ld is passed twice", k);
				return -1;
			}
		r->file_arg[i] = (int)k;
	}
	if (at != limit) {
		snprintf(why, whylen, "%zu bytes after the request", (size_t)(limit - at));
		return -1;
	}
	r->argc = (int)argc;
	r->argv[argc] = NULL;
	r->nfiles = (int)nfiles;
	return 0;
}

long control_request_format(int argc, char *const *argv, int nfiles, const int *file_arg, char *buf,
                            size_t size, char *why, size_t whylen)
{
	if (argc < 1 || argc > CONTROL_MAX_ARGS || nfiles < 0 || nfiles > CONTROL_MAX_FILES) {
		snprintf(why, whylen, "at most %d arguments and %d files", CONTROL_MAX_ARGS,
		         CONTROL_MAX_FILES);
		return -1;
	}
	if (size > CONTROL_MAX)
		size = CONTROL_MAX;
	int o = snprintf(buf, size, CONTROL_MAGIC "%d %d\n", argc, nfiles);
	size_t n = (size_t)o;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (l > CONTROL_MAX_ARG || n + l + 1 > size) {
			snprintf(why, whylen,
			         "argument %d is longer than %d bytes, or all are "
			         "longer than %d",
			         i, CONTROL_MAX_ARG, CONTROL_MAX);
			return -1;
		}
		memcpy(buf + n, argv[i], l + 1);
		n += l + 1;
	}
	for (int i = 0; i < nfiles; i++) {
		char k[8];
		int l = snprintf(k, sizeof k, "%d", file_arg[i]);
		if (n + (size_t)l + 1 > size) {
			snprintf(why, whylen, "request longer than %d bytes", CONTROL_MAX);
			return -1;
		}
		memcpy(buf + n, k, (size_t)l + 1);
		n += (size_t)l + 1;
	}
	return (long)n;
}

size_t control_answer_format(int code, const char *why, char *buf, size_t size)
{
	int n = why ? snprintf(buf, size, CONTROL_MAGIC "error %s", why)
	            : snprintf(buf, size, CONTROL_MAGIC "exit %d", code);
	size_t len = n < 0 ? 0 : (size_t)n < size - 1 ? (size_t)n : size - 2;
	for (size_t i = sizeof CONTROL_MAGIC - 1; i < len; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	buf[len++] = '\n';
	buf[len] = '\0';
	return len;
}

int control_answer_parse(const char *msg, size_t len, int *code, char *why, size_t whylen)
{
	const size_t magic = sizeof CONTROL_MAGIC - 1;
	if (len < magic + 2 || len > 4096 || memcmp(msg, CONTROL_MAGIC, magic) != 0 ||
	    msg[len - 1] != '\n')
		return -1;
	const char *rest = msg + magic, *limit = msg + len;
	if (limit - rest > 5 && memcmp(rest, "exit ", 5) == 0) {
		const char *at = rest + 5;
		long n = number(&at, limit, '\n', 3);
		if (n < 0 || n > 255 || at != limit)
			return -1;
		*code = (int)n;
		return 0;
	}
	if (limit - rest > 6 && memcmp(rest, "error ", 6) == 0) {
		size_t l = (size_t)(limit - rest - 7);
		if (l >= whylen)
			l = whylen - 1;
		memcpy(why, rest + 6, l);
		why[l] = '\0';
		return 1;
	}
	return -1;
}
