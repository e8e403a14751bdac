/*
 * sqlite_file.h - the one way csgw opens its SQLite files (the audit log,
 * the request ledger, the protection registry).
 *
 * Each is created 0600 whatever the umask (they name people and cases),
 * and none is opened through a symbolic link or anything else that is not
 * a regular file: a link planted at the name is refused and named, never
 * followed.  It is not moved aside as a spool file would be: an audit log
 * started afresh beside it would hide the real one.
 */
#ifndef CSGW_IO_SQLITE_FILE_H
#define CSGW_IO_SQLITE_FILE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/* 0 with *db open (read and write; created when 'create'), or -1 with
 * *db NULL and why "PATH: cannot open: REASON". */
int sqlite_file_open(const char *path, bool create, sqlite3 **db, char *why, size_t whylen);

/* Folds the write-ahead log into the database and empties it, so that
 * what was deleted (zeroed with secure_delete) is nowhere else on disk.
 * 0, or -1 with why when a reader kept it from finishing (within the
 * busy timeout) or it failed. */
int sqlite_file_fold_wal(sqlite3 *db, const char *path, char *why, size_t whylen);

#endif
