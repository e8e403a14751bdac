/*
 * control.h - the control protocol: what a person's csgw asks of the
 * daemon, and its answer.  Pure text handling, no I/O (io/control_socket.h
 * carries the messages; cmd/control.c acts on them).
 *
 * One request is one SOCK_SEQPACKET message of at most CONTROL_MAX bytes:
 *
 *     "csgw-control 1 ARGC NFILES\n"  then ARGC arguments, each ended by a
 *     NUL byte (argv[0] is the command name), then NFILES argument indexes,
 *     each a decimal number ended by a NUL: those arguments name files the
 *     caller opened, passed with the message (SCM_RIGHTS) after its standard
 *     output and standard error, in the same order.
 *
 * The answer is one message: "csgw-control 1 exit N\n" (the command's exit
 * code) or "csgw-control 1 error TEXT\n" (the request was not taken).
 * Version 1 is the only one; anything else is refused, never guessed.
 */
#ifndef CSGW_CORE_CONTROL_H
#define CSGW_CORE_CONTROL_H

#include <stddef.h>

#define CONTROL_MAX 65536   /* bytes in one message */
#define CONTROL_MAX_ARGS 64 /* arguments, the command name included */
#define CONTROL_MAX_ARG 4096
#define CONTROL_MAX_FILES 4

struct control_request {
	int argc;
	char *argv[CONTROL_MAX_ARGS + 1]; /* point into the message; NULL-ended */
	int nfiles;
	int file_arg[CONTROL_MAX_FILES]; /* argument index of each passed file */
};

/* Parses a request in place (msg[0..len) is modified: the arguments stay
 * in it).  0, or -1 with why (no message byte in it) when it is not a
 * version 1 request within the limits. */
int control_request_parse(char *msg, size_t len, struct control_request *, char *why,
                          size_t whylen);

/* Writes a request into buf; its length, or -1 when it does not fit the
 * limits (why says which). */
long control_request_format(int argc, char *const *argv, int nfiles, const int *file_arg, char *buf,
                            size_t size, char *why, size_t whylen);

/* Writes the answer into buf: "exit CODE", or "error WHY" when why is
 * not NULL (a line end in it becomes a space).  Its length. */
size_t control_answer_format(int code, const char *why, char *buf, size_t size);

/* The answer: *code set for "exit N" (returns 0), or the text of "error
 * TEXT" into why (returns 1); -1 for a message that is neither. */
int control_answer_parse(const char *msg, size_t len, int *code, char *why, size_t whylen);

#define CONTROL_MAGIC "csgw-control 1 "

#endif
