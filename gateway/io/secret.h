/*
 * secret.h - files that hold secrets: keys and passphrases.
 *
 * A secret file must be a regular file, not a symbolic link, owned by the
 * user running csgw (root may use any owner's: it reads everything
 * anyway), that neither group nor others may read or write (0600, 0400);
 * the refusal names the file and the command that fixes it.  csgw never
 * prompts: an encrypted key's passphrase comes from such a file.
 */
#ifndef CSGW_IO_SECRET_H
#define CSGW_IO_SECRET_H

#include <stddef.h>
#include <stdio.h>

/* Opens 'path' for reading, or NULL with the reason ('what' names it:
 * "private key", "passphrase file"). */
FILE *secret_open(const char *path, const char *what, char *why, size_t whylen);

/* Whether 'path' passes the rules above, for a secret another library
 * opens by its name (libssh2's key).  0, or -1 with the reason. */
int secret_check(const char *path, const char *what, char *why, size_t whylen);

/* The first line of a passphrase file, without its line end, into out.
 * 0, or -1 with the reason (unreadable, too open, empty). */
int secret_read_line(const char *path, char *out, size_t outlen, char *why, size_t whylen);

#endif
