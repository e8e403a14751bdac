/*
 * sqlite_file.c - SQLite files created owner-only, never through a link.
 */
#include "io/sqlite_file.h"

#include <stdio.h>
#include <sys/stat.h>

#include "io/fs.h"

int sqlite_file_open(const char *path, bool create, sqlite3 **db, char *why, size_t whylen)
{
	char what[600];

	*db = NULL;
	/* The check names what is there; SQLITE_OPEN_NOFOLLOW closes the
	 * window between the check and the open. */
	if (fs_not_regular(path, what, sizeof what) > 0) {
		snprintf(why, whylen,
		         "%s: cannot open: %s is there, not a database file; csgw opens none "
		         "through a link (a person must look at it)",
		         path, what);
		return -1;
	}
	mode_t old = umask(077);
	int rc = sqlite3_open_v2(
	    path, db,
	    SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOFOLLOW, NULL);
	umask(old);
	if (rc == SQLITE_OK)
		return 0;
	snprintf(why, whylen, "%s: cannot open: %s", path,
	         *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
	sqlite3_close(*db);
	*db = NULL;
	return -1;
}

int sqlite_file_fold_wal(sqlite3 *db, const char *path, char *why, size_t whylen)
{
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	snprintf(why, whylen,
	         rc == SQLITE_BUSY ? "%s: a reader kept the write-ahead log from being emptied; "
	                             "what was removed may stay in it until the next purge"
	                           : "%s: cannot empty the write-ahead log: %s",
	         path, sqlite3_errmsg(db));
	return -1;
}
