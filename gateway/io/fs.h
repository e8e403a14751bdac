/*
 * fs.h - output files that appear whole or not at all.
 *
 * out_open() creates a hidden temporary file next to the destination;
 * out_write() buffers; out_commit() flushes, fsyncs, renames onto the
 * destination and fsyncs the directory, so that after a crash the
 * destination is either the old file (or absent) or the complete new one.
 * out_abort() removes the temporary file.  Destination "-" is standard
 * output: the output is staged in an unlinked temporary file and copied
 * out at commit, so nothing reaches it unless all of it is good.  Files
 * are created 0600: batches hold personal data.
 *
 * Every function returns 0 or -1 with errno set; after the first failure
 * the file stays failed and out_commit() refuses, so callers may check once.
 */
#ifndef CSGW_IO_FS_H
#define CSGW_IO_FS_H

#include <stddef.h>
#include <stdio.h>

struct digest_sha256;

struct out_file {
	int fd;
	char *dest;
	char *tmp; /* NULL for standard output (staged in an unlinked file) */
	char *buf;
	size_t used;
	int error;                    /* first errno, 0 if none */
	struct digest_sha256 *sha256; /* when set (after out_open): fed every byte written */
};

int out_open(struct out_file *, const char *dest);
int out_write(struct out_file *, const void *data, size_t len);
int out_commit(struct out_file *);
void out_abort(struct out_file *);

/* Renames a complete, synced file onto 'to' and fsyncs the directory: for
 * a file that must be finished (signed) before it appears.  0 or -1. */
int fs_publish(const char *from, const char *to);

/* Renames a file or folder to 'to' (which must not be a folder that
 * exists) and fsyncs both folders, so that after a crash it is in one
 * place or the other, never gone.  0 or -1 with errno. */
int fs_move(const char *from, const char *to);

/* For files written piece by piece (downloads): all of buf at offset, 0 or
 * -1 with errno.  Writes go through fs_sys like the rest. */
int fs_pwrite_all(int fd, const void *buf, size_t n, unsigned long long offset);
/* Starts writing [offset, offset+len) to disk without waiting, so that the
 * final fsync has little left to do.  Advisory: errors show at fsync. */
void fs_writeback(int fd, unsigned long long offset, unsigned long long len);
/* fsync of a file, and of the folder that holds 'path'.  0 or -1. */
int fs_fsync(int fd);
int fs_fsync_dir(const char *path);

/* Creates a folder (0700, whatever the umask), and the folders above it
 * that are missing, and fsyncs the folder that holds each, so that it and
 * what goes into it survive a crash; one that exists is fine.  0, or -1
 * with errno. */
int fs_make_dir(const char *path);
/* The same for the folder a file will be created in. */
int fs_make_parent(const char *path);
/* Writes a small file whole (out_open, out_write, out_commit): after a
 * crash it is the old file or the new one.  0 or -1 with errno. */
int fs_write_text(const char *path, const char *text);
/* Appends one line to a log file (created 0600) and fsyncs it.  0 or -1. */
int fs_append_line(const char *path, const char *line);

/* What a state folder holds under a name it uses is a regular file or
 * nothing: never a link, a FIFO, a device.  fs_not_regular: 0 when 'path'
 * is a regular file or absent; 1 with 'what' ("a symbolic link to /x", "a
 * FIFO", ...) when it is something else; -1 with errno.  Nothing followed. */
int fs_not_regular(const char *path, char *what, size_t size);
/* open() of a regular file, never through a link at its last name
 * (O_NOFOLLOW, close-on-exec, no wait on a FIFO): a descriptor, or -1 with
 * errno (ELOOP for a link, EINVAL for anything else not a regular file). */
int fs_open_regular(const char *path, int flags, unsigned mode);
/* fopen(path, "r") through fs_open_regular: NULL with errno. */
FILE *fs_read_regular(const char *path);
/* Moves 'path' as it is (a link moves as a link) into 'dir' as NAME, or
 * NAME.1, NAME.2, ... when taken, beside NAME.reason holding 'why'.  The
 * new path (malloc'd), or NULL with errno. */
char *fs_move_aside(const char *path, const char *dir, const char *name, const char *why);

/* Takes an exclusive lock on 'path' (created 0600), without waiting: the
 * lock holds until the returned descriptor is closed or the process ends.
 * The descriptor, or -1 with errno (EWOULDBLOCK: someone else holds it). */
int fs_lock(const char *path);

/* Test hook (SQLite's os_unix.c idea): every system call the durable layer
 * makes goes through this table, so tests can inject EIO, ENOSPC, short
 * writes.  NULL entries mean the real call. */
struct fs_syscalls {
	long (*write)(int fd, const void *buf, size_t n);
	int (*fsync)(int fd);
	int (*rename)(const char *from, const char *to);
};
extern struct fs_syscalls fs_sys;

#endif
