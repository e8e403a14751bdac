/*
 * sandbox.h - a process that parses what a partner chose and holds
 * nothing else (OpenSSH's privilege separation, Postfix's smtpd).
 *
 * sandbox_spawn starts a fresh csgw (execv of /proc/self/exe: no key, no
 * database handle, no memory of the parent) with exactly two descriptors:
 * 0, the file to read, and 1, a pipe the parent reads.  The child sets
 * itself up (its mappings), then calls sandbox_enter: no new privileges,
 * and a seccomp filter that lets it read descriptor 0, write descriptor 1,
 * manage its memory and exit; any other system call kills it (SIGSYS).
 */
#ifndef CSGW_IO_SANDBOX_H
#define CSGW_IO_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A second file to read (the content beside a signature) is descriptor 3
 * in the child. */
#define SANDBOX_EXTRA_FD 3

/* 0 with *pid and *from_child (the pipe's read end, close-on-exec), or -1
 * with the reason.  extra_fd: -1, or a second file for the child to read. */
int sandbox_spawn(char *const argv[], int input_fd, int extra_fd, pid_t *pid, int *from_child,
                  char *why, size_t whylen);

/* In the child, after its setup: closes every descriptor but 0 and 1 (and
 * SANDBOX_EXTRA_FD when 'extra') and enters the filter, which lets it read
 * only those.  0, or -1 with the reason (the child then exits). */
int sandbox_enter(bool extra, char *why, size_t whylen);

/* "was killed by signal 31 (SIGSYS: a system call the sandbox forbids)",
 * "exited with status 3": what became of a child, from waitpid's status. */
void sandbox_describe(int wstatus, char *out, size_t size);

#endif
