/*
 * audit_db.c - where the disclosure audit log is stored (SQLite, WAL).
 */
#include "io/audit_db.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/sqlite_file.h"
#include "util/alloc.h"

const char *const audit_db_columns[AUDIT_DB_COLUMNS] = {
    "time",        "direction", "partner",     "partner_class", "purpose",    "family",
    "record_type", "record_id", "case_id",     "subject_key",   "categories", "decision",
    "rule_id",     "citation",  "file_sha256", "batch",         "actor",      "actor_uid",
    "role",        "detail",    "personal",    "personal_salt", "purged",
};

const int audit_db_shown[AUDIT_DB_SHOWN_COLUMNS] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, AUDIT_COL_PURGED,
};

struct audit_db {
	sqlite3 *db;
	sqlite3_stmt *insert;
	char *path;
};

static int fail(struct audit_db *a, const char *what, char *why, size_t whylen)
{
	snprintf(why, whylen, "%s: %s: %s", a->path, what, a->db ? sqlite3_errmsg(a->db) : "");
	return -1;
}

static int exec(struct audit_db *a, const char *sql, char *why, size_t whylen)
{
	return sqlite3_exec(a->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
	                                                               : fail(a, sql, why, whylen);
}

/* A log made before the later columns existed gets them, empty. */
static int add_later_columns(struct audit_db *a, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	bool have[AUDIT_DB_COLUMNS] = {false};

	if (sqlite3_prepare_v2(a->db, "PRAGMA table_info(entries)", -1, &st, NULL) != SQLITE_OK)
		return fail(a, "cannot read the table's columns", why, whylen);
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
			if (strcmp((const char *)sqlite3_column_text(st, 1), audit_db_columns[i]) ==
			    0)
				have[i] = true;
	sqlite3_finalize(st);
	for (int i = AUDIT_DB_OPTIONAL_FROM; i < AUDIT_DB_COLUMNS; i++) {
		char sql[128];
		snprintf(sql, sizeof sql,
		         "ALTER TABLE entries ADD COLUMN %s TEXT NOT NULL DEFAULT ''",
		         audit_db_columns[i]);
		if (!have[i] && exec(a, sql, why, whylen) < 0)
			return -1;
	}
	return 0;
}

int audit_db_open(const char *path, int create, struct audit_db **out, char *why, size_t whylen)
{
	struct audit_db *a = xcalloc(1, sizeof *a);
	char sql[1024];
	size_t o = 0;

	a->path = xstrdup(path);
	if (!create && access(path, F_OK) != 0) {
		snprintf(why, whylen, "%s: no audit log there", path);
		goto fail;
	}
	if (sqlite_file_open(path, create, &a->db, why, whylen) < 0)
		goto fail;
	sqlite3_busy_timeout(a->db, 10000);
	o += (size_t)snprintf(sql + o, sizeof sql - o,
	                      "CREATE TABLE IF NOT EXISTS entries(id INTEGER PRIMARY KEY");
	for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, ", %s TEXT NOT NULL",
		                      audit_db_columns[i]);
	snprintf(sql + o, sizeof sql - o, ", leaf BLOB NOT NULL)");
	if (exec(a, "PRAGMA journal_mode=WAL", why, whylen) < 0 ||
	    exec(a, "PRAGMA synchronous=FULL", why, whylen) < 0 ||
	    exec(a, "PRAGMA wal_autocheckpoint=16384", why, whylen) < 0 ||
	    exec(a, sql, why, whylen) < 0 || add_later_columns(a, why, whylen) < 0 ||
	    exec(a, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	         why, whylen) < 0)
		goto fail;
	o = (size_t)snprintf(sql, sizeof sql, "INSERT INTO entries(");
	for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, "%s, ", audit_db_columns[i]);
	o += (size_t)snprintf(sql + o, sizeof sql - o, "leaf) VALUES(");
	for (int i = 0; i <= AUDIT_DB_COLUMNS; i++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, "%s?", i ? ", " : "");
	snprintf(sql + o, sizeof sql - o, ")");
	if (sqlite3_prepare_v2(a->db, sql, -1, &a->insert, NULL) != SQLITE_OK) {
		fail(a, "cannot prepare an insert", why, whylen);
		goto fail;
	}
	*out = a;
	return 0;
fail:
	audit_db_close(a);
	return -1;
}

void audit_db_close(struct audit_db *a)
{
	if (a == NULL)
		return;
	sqlite3_finalize(a->insert);
	sqlite3_close(a->db);
	free(a->path);
	free(a);
}

int audit_db_begin(struct audit_db *a, char *why, size_t whylen)
{
	return exec(a, "BEGIN IMMEDIATE", why, whylen);
}

int audit_db_begin_read(struct audit_db *a, char *why, size_t whylen)
{
	return exec(a, "BEGIN DEFERRED", why, whylen);
}

int audit_db_commit(struct audit_db *a, char *why, size_t whylen)
{
	return exec(a, "COMMIT", why, whylen);
}

void audit_db_rollback(struct audit_db *a)
{
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
}

int audit_db_append(struct audit_db *a, const char *const values[AUDIT_DB_COLUMNS],
                    const unsigned char leaf[32], int64_t *id, char *why, size_t whylen)
{
	sqlite3_reset(a->insert);
	for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
		sqlite3_bind_text(a->insert, i + 1, values[i], -1, SQLITE_STATIC);
	sqlite3_bind_blob(a->insert, AUDIT_DB_COLUMNS + 1, leaf, 32, SQLITE_STATIC);
	if (sqlite3_step(a->insert) != SQLITE_DONE)
		return fail(a, "cannot append an entry", why, whylen);
	*id = sqlite3_last_insert_rowid(a->db);
	return 0;
}

int audit_db_get_frontier(struct audit_db *a, char **text, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(a->db, "SELECT value FROM meta WHERE key = 'frontier'", -1, &st,
	                       NULL) != SQLITE_OK)
		return fail(a, "cannot read the tree", why, whylen);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*text = xstrdup((const char *)sqlite3_column_text(st, 0));
		rc = 0;
	} else if (step == SQLITE_DONE) {
		*text = xstrdup("");
		rc = 0;
	} else {
		fail(a, "cannot read the tree", why, whylen);
	}
	sqlite3_finalize(st);
	return rc;
}

int audit_db_set_frontier(struct audit_db *a, const char *text, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(a->db,
	                       "INSERT OR REPLACE INTO meta(key, value) VALUES('frontier', ?)", -1,
	                       &st, NULL) != SQLITE_OK)
		return fail(a, "cannot store the tree", why, whylen);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else
		fail(a, "cannot store the tree", why, whylen);
	sqlite3_finalize(st);
	return rc;
}

/* A row's values; AUDIT_DB_TAMPERED when one is not plain text (another
 * type, or a NUL inside, which would hide from the entry's text). */
static int row_values(struct audit_db *a, sqlite3_stmt *st, const char *values[AUDIT_DB_COLUMNS],
                      char *why, size_t whylen)
{
	for (int i = 0; i < AUDIT_DB_COLUMNS; i++) {
		const unsigned char *v = sqlite3_column_text(st, i + 1);
		if (sqlite3_column_type(st, i + 1) != SQLITE_TEXT || v == NULL ||
		    strlen((const char *)v) != (size_t)sqlite3_column_bytes(st, i + 1)) {
			snprintf(why, whylen,
			         "%s: entry %lld: %s is not plain text: changed outside csgw",
			         a->path, (long long)sqlite3_column_int64(st, 0),
			         audit_db_columns[i]);
			return AUDIT_DB_TAMPERED;
		}
		values[i] = (const char *)v;
	}
	return 0;
}

static bool is_column(const char *name)
{
	for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
		if (strcmp(audit_db_columns[i], name) == 0)
			return true;
	return false;
}

/* " AND ..." for the filter into sql at *o, its values bound from 'bind'
 * on by bind_filter.  Column names come from our own list, values are
 * bound. */
static int where_clause(struct audit_db *a, const struct audit_db_filter *f, char *sql, size_t size,
                        size_t *o, char *why, size_t whylen)
{
	for (unsigned i = 0; i < f->count && i < AUDIT_DB_FILTERS; i++) {
		if (!is_column(f->column[i]))
			return fail(a, "search by an unknown column", why, whylen);
		/* subject_key holds every subject of the record, space-separated */
		if (strcmp(f->column[i], "subject_key") == 0)
			*o += (size_t)snprintf(
			    sql + *o, size - *o,
			    " AND instr(' ' || subject_key || ' ', ' ' || ? || ' ') > 0");
		else if (f->any_word & (1u << i))
			*o += (size_t)snprintf(sql + *o, size - *o,
			                       " AND instr(' ' || ? || ' ', ' ' || %s || ' ') > 0",
			                       f->column[i]);
		else
			*o += (size_t)snprintf(sql + *o, size - *o, " AND %s = ?", f->column[i]);
	}
	if (f->since)
		*o += (size_t)snprintf(sql + *o, size - *o, " AND time >= ?");
	if (f->until)
		*o += (size_t)snprintf(sql + *o, size - *o, " AND time < ?");
	return *o < size ? 0 : fail(a, "a search too long to ask", why, whylen);
}

static void bind_filter(sqlite3_stmt *st, const struct audit_db_filter *f)
{
	int bind = 1;
	for (unsigned i = 0; i < f->count && i < AUDIT_DB_FILTERS; i++)
		sqlite3_bind_text(st, bind++, f->value[i], -1, SQLITE_STATIC);
	if (f->since)
		sqlite3_bind_text(st, bind++, f->since, -1, SQLITE_STATIC);
	if (f->until)
		sqlite3_bind_text(st, bind++, f->until, -1, SQLITE_STATIC);
}

int audit_db_search(struct audit_db *a, const struct audit_db_filter *f, audit_db_row *row,
                    void *ctx, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	char sql[1024];
	const char *values[AUDIT_DB_COLUMNS];
	size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT id");
	int rc = 0, step;

	for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, ", %s", audit_db_columns[i]);
	o += (size_t)snprintf(sql + o, sizeof sql - o, ", leaf FROM entries WHERE 1");
	if (where_clause(a, f, sql, sizeof sql, &o, why, whylen) < 0)
		return -1;
	snprintf(sql + o, sizeof sql - o, " ORDER BY id");
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(a, "cannot search", why, whylen);
	bind_filter(st, f);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = row_values(a, st, values, why, whylen)) != 0)
			break;
		rc = row(ctx, sqlite3_column_int64(st, 0), values,
		         sqlite3_column_blob(st, AUDIT_DB_COLUMNS + 1),
		         (size_t)sqlite3_column_bytes(st, AUDIT_DB_COLUMNS + 1));
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail(a, "cannot search", why, whylen);
	sqlite3_finalize(st);
	return rc;
}

int audit_db_count(struct audit_db *a, const struct audit_db_filter *f,
                   const struct audit_db_tally *t, audit_db_group_row *group_row, void *ctx,
                   char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	char sql[1024], keys[256] = "";
	size_t o = 0, k = 0;
	int rc = 0, step;

	for (unsigned i = 0; i < t->count && i < AUDIT_DB_GROUPS; i++) {
		const char *g = t->group[i];
		if (strcmp(g, "day") == 0)
			g = "substr(time, 1, 10)";
		else if (!is_column(g))
			return fail(a, "count by an unknown column", why, whylen);
		k += (size_t)snprintf(keys + k, sizeof keys - k, "%s%s", i ? ", " : "", g);
	}
	o = (size_t)snprintf(sql, sizeof sql, "SELECT %s%scount(*) FROM entries WHERE 1", keys,
	                     k ? ", " : "");
	if (where_clause(a, f, sql, sizeof sql, &o, why, whylen) < 0)
		return -1;
	if (k)
		o += (size_t)snprintf(sql + o, sizeof sql - o, " GROUP BY %s ORDER BY %s%s", keys,
		                      t->most_first ? "count(*) DESC, " : "", keys);
	if (t->limit)
		snprintf(sql + o, sizeof sql - o, " LIMIT %u", t->limit);
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(a, "cannot count", why, whylen);
	bind_filter(st, f);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key[AUDIT_DB_GROUPS];
		unsigned n = t->count < AUDIT_DB_GROUPS ? t->count : AUDIT_DB_GROUPS;
		for (unsigned i = 0; i < n; i++) {
			const unsigned char *v = sqlite3_column_text(st, (int)i);
			key[i] = v ? (const char *)v : "";
		}
		rc = group_row(ctx, key, sqlite3_column_int64(st, (int)n));
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail(a, "cannot count", why, whylen);
	sqlite3_finalize(st);
	return rc;
}

int audit_db_scan(struct audit_db *a, audit_db_row *row, void *ctx, char *why, size_t whylen)
{
	static const struct audit_db_filter all = {0};
	return audit_db_search(a, &all, row, ctx, why, whylen);
}

int audit_db_scan_leaves(struct audit_db *a, int64_t upto, audit_db_leaf *leaf, void *ctx,
                         char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(a->db, "SELECT id, leaf FROM entries WHERE id <= ? ORDER BY id", -1,
	                       &st, NULL) != SQLITE_OK)
		return fail(a, "cannot read the leaves", why, whylen);
	sqlite3_bind_int64(st, 1, upto);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = leaf(ctx, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
		          (size_t)sqlite3_column_bytes(st, 1));
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail(a, "cannot read the leaves", why, whylen);
	sqlite3_finalize(st);
	return rc;
}

/* How many entries match 'where' (bound: 'before'). */
static int count_where(struct audit_db *a, const char *where, const char *before, int64_t by,
                       long long *n, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM entries WHERE %s", where);
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(a, "cannot count the entries to purge", why, whylen);
	sqlite3_bind_text(st, 1, before, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, by);
	int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : fail(a, "cannot count", why, whylen);
	*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

int audit_db_purge(struct audit_db *a, const char *before, int64_t by, int dry_run,
                   long long *purged, long long *kept, char *why, size_t whylen)
{
	/* Entries before the purge's own: it is no older than what it clears. */
	static const char due[] =
	    "time < ?1 AND personal <> '' AND purged = '' AND (?2 = 0 OR id < ?2)";
	sqlite3_stmt *st = NULL;
	char sql[512];

	if (count_where(a, "time < ?1 AND personal = ''", before, by, kept, why, whylen) < 0 ||
	    count_where(a, due, before, by, purged, why, whylen) < 0)
		return -1;
	if (dry_run)
		return 0;
	if (*purged == 0) /* what an earlier purge left in the log goes now */
		return sqlite_file_fold_wal(a->db, a->path, why, whylen);
	/* The cleared values must not stay behind in free space or in the
	 * write-ahead log: zeroed as they are freed, and the log folded into
	 * the database and emptied once they are. */
	if (exec(a, "PRAGMA secure_delete=ON", why, whylen) < 0)
		return -1;
	snprintf(sql, sizeof sql,
	         "UPDATE entries SET record_id = '', case_id = '', subject_key = '', "
	         "personal_salt = '', purged = CAST(?2 AS TEXT) WHERE %s",
	         due);
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(a, "cannot purge", why, whylen);
	sqlite3_bind_text(st, 1, before, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, by);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(a, "cannot purge", why, whylen);
	if (rc == 0)
		*purged = sqlite3_changes(a->db);
	sqlite3_finalize(st);
	if (rc == 0)
		rc = sqlite_file_fold_wal(a->db, a->path, why, whylen);
	return rc;
}
