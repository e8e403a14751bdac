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

#define AUDIT_DB_COLUMNS 20
extern const char *const audit_db_columns[AUDIT_DB_COLUMNS];
/* Columns from this one on were added later (who acted: uid and role, and
 * a detail such as a reason or an order); an entry's text names them only
 * when set, so entries written before they existed verify as they are. */
#define AUDIT_DB_OPTIONAL_FROM 17
enum { AUDIT_COL_ACTOR = 16, AUDIT_COL_ACTOR_UID, AUDIT_COL_ROLE, AUDIT_COL_DETAIL };

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

#endif
