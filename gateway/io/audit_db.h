/*
 * audit_db.h - where the disclosure audit log is stored (SQLite, WAL).
 *
 * One table of entries, each a row of text columns (audit_db_columns, in
 * this order) and its leaf hash; ids run 1, 2, 3... in append order.  A
 * meta table holds the hash tree's frontier, written in the same
 * transaction as the rows it covers, so a crash leaves both or neither.
 * The tamper evidence itself is core/audit.c's: this module only stores.
 *
 * Functions return 0, or -1 with a one-line reason in 'why' (the database
 * named).
 */
#ifndef CSGW_IO_AUDIT_DB_H
#define CSGW_IO_AUDIT_DB_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_DB_COLUMNS 23
extern const char *const audit_db_columns[AUDIT_DB_COLUMNS];
/* Columns from this one on were added later (who acted: uid and role, a
 * detail such as a reason or an order, and the hash of the personal
 * columns); an entry's text names them only when set, so entries written
 * before they existed verify as they are. */
#define AUDIT_DB_OPTIONAL_FROM 17
/* The columns an entry's leaf covers; the others (the salt of the
 * personal hash, when the personal columns were purged) are not part of
 * what was logged. */
#define AUDIT_DB_LEAF_COLUMNS 21
/* The columns people see in searches and exports, in order (what was
 * logged, and when its personal columns were purged). */
#define AUDIT_DB_SHOWN_COLUMNS 21
extern const int audit_db_shown[AUDIT_DB_SHOWN_COLUMNS];
enum {
	AUDIT_COL_TIME = 0,
	AUDIT_COL_RECORD_TYPE = 6,
	AUDIT_COL_RECORD_ID,
	AUDIT_COL_CASE_ID,
	AUDIT_COL_SUBJECT_KEY,
	AUDIT_COL_CATEGORIES,
	AUDIT_COL_DECISION,
	AUDIT_COL_RULE_ID,
	AUDIT_COL_CITATION,
	AUDIT_COL_ACTOR = 16,
	AUDIT_COL_ACTOR_UID,
	AUDIT_COL_ROLE,
	AUDIT_COL_DETAIL,
	AUDIT_COL_PERSONAL, /* hex SHA-256 of the salt and the personal columns */
	AUDIT_COL_SALT,
	AUDIT_COL_PURGED /* when the personal columns and the salt were cleared */
};

struct audit_db;

/* Opens (creating it, mode 0600, when 'create') the database at path. */
int audit_db_open(const char *path, int create, struct audit_db **, char *why, size_t whylen);
void audit_db_close(struct audit_db *);

int audit_db_begin(struct audit_db *, char *why, size_t whylen);
/* A read transaction: what is read until the rollback is one state of the
 * log, whatever other writers commit meanwhile (WAL). */
int audit_db_begin_read(struct audit_db *, char *why, size_t whylen);
int audit_db_commit(struct audit_db *, char *why, size_t whylen);
void audit_db_rollback(struct audit_db *);

/* Appends a row; *id is its id. */
int audit_db_append(struct audit_db *, const char *const values[AUDIT_DB_COLUMNS],
                    const unsigned char leaf[32], int64_t *id, char *why, size_t whylen);

/* The stored frontier (opaque text), or "" for a new log; caller frees. */
int audit_db_get_frontier(struct audit_db *, char **text, char *why, size_t whylen);
int audit_db_set_frontier(struct audit_db *, const char *text, char *why, size_t whylen);

/* Calls 'row' for every entry in id order; stops early when it returns
 * non-zero (that value is returned).  A row whose values are not plain
 * text stops it with AUDIT_DB_TAMPERED and the reason in 'why'. */
#define AUDIT_DB_TAMPERED 2
typedef int audit_db_row(void *ctx, int64_t id, const char *const values[AUDIT_DB_COLUMNS],
                         const unsigned char *leaf, size_t leaf_len);
int audit_db_scan(struct audit_db *, audit_db_row *, void *ctx, char *why, size_t whylen);

/* Calls 'leaf' with the stored leaf hash of entries 1 to 'upto', in id
 * order (the hashes only: a consistency proof reads nothing else).  The
 * ids must run without a gap; stops as audit_db_scan does. */
typedef int audit_db_leaf(void *ctx, int64_t id, const unsigned char *leaf, size_t leaf_len);
int audit_db_scan_leaves(struct audit_db *, int64_t upto, audit_db_leaf *leaf, void *ctx, char *why,
                         size_t whylen);

/* Entries whose columns equal the given values (NULL: any; subject_key: one
 * of the space-separated keys it holds; a filter whose bit is set in
 * any_word: the column is any one of the value's space-separated words),
 * with time in [since, until) when given (ISO 8601 text compares in time
 * order), in id order.  Columns are named as in audit_db_columns. */
#define AUDIT_DB_FILTERS 8
struct audit_db_filter {
	const char *column[AUDIT_DB_FILTERS];
	const char *value[AUDIT_DB_FILTERS];
	unsigned count;
	unsigned any_word; /* bit i: filter i is a word list */
	const char *since, *until;
};
int audit_db_search(struct audit_db *, const struct audit_db_filter *, audit_db_row *, void *ctx,
                    char *why, size_t whylen);

/* How many entries match the filter, by the values of the 'group' columns
 * ("day": the date of time, YYYY-MM-DD), counted by SQLite without reading
 * the rows out: one call of 'group_row' per group, in key order, or most
 * first when 'most_first' (at most 'limit' groups; 0: all).  No group
 * column: one call, the total. */
#define AUDIT_DB_GROUPS 4
struct audit_db_tally {
	const char *group[AUDIT_DB_GROUPS];
	unsigned count;
	unsigned limit;
	int most_first;
};
typedef int audit_db_group_row(void *ctx, const char *const keys[], long long count);
int audit_db_count(struct audit_db *, const struct audit_db_filter *, const struct audit_db_tally *,
                   audit_db_group_row *, void *ctx, char *why, size_t whylen);

/* Clears the personal columns (record_id, case_id, subject_key) and the
 * salt of the entries written before 'before' (ISO 8601) whose leaf
 * commits to their hash and that come before entry 'by' (the purge's own;
 * 0 when only counting), and marks them purged by it: one statement, so
 * all of them or none; the values are zeroed where they were stored, the
 * write-ahead log included.  *purged: how many (with dry_run, how many
 * would be, and nothing changes); *kept: entries as old whose leaf covers
 * the columns themselves (written before the hash existed), left alone. */
int audit_db_purge(struct audit_db *, const char *before, int64_t by, int dry_run,
                   long long *purged, long long *kept, char *why, size_t whylen);

#endif
