/*
 * registry_db.c - protections and case status in SQLite (registry_db.h).
 */
#include "io/registry_db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/sqlite_file.h"
#include "util/alloc.h"

struct registry_db {
	sqlite3 *db;
	char *path;
};

static int fail(struct registry_db *r, const char *what, char *why, size_t whylen)
{
	snprintf(why, whylen, "%s: %s: %s", r->path, what,
	         r->db ? sqlite3_errmsg(r->db) : "cannot open");
	return -1;
}

int registry_db_open(const char *path, bool create, struct registry_db **out, char *why,
                     size_t whylen)
{
	struct registry_db *r = xcalloc(1, sizeof *r);
	static const char schema[] =
	    "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;"
	    "CREATE TABLE IF NOT EXISTS protections(subject_key TEXT NOT NULL, case_id TEXT "
	    "NOT NULL, flag TEXT NOT NULL, since TEXT NOT NULL, actor TEXT NOT NULL, "
	    "PRIMARY KEY(subject_key, case_id, flag));"
	    "CREATE TABLE IF NOT EXISTS cases(case_id TEXT PRIMARY KEY, enforcement TEXT NOT "
	    "NULL, state_owed_arrears INTEGER NOT NULL, updated TEXT NOT NULL, actor TEXT NOT "
	    "NULL);"
	    "CREATE TABLE IF NOT EXISTS remedies(case_id TEXT NOT NULL, remedy TEXT NOT NULL, "
	    "since TEXT NOT NULL, released TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL, "
	    "PRIMARY KEY(case_id, remedy));";
	/* Case facts added later: a registry made before gets the columns. */
	static const char *const added[] = {
	    "opened_by TEXT NOT NULL DEFAULT ''",
	    "assistance TEXT NOT NULL DEFAULT ''",
	    "arrears_family INTEGER NOT NULL DEFAULT 0",
	    "arrears_state INTEGER NOT NULL DEFAULT 0",
	    "payment_processing TEXT NOT NULL DEFAULT 'open'",
	};

	*out = NULL;
	r->path = xstrdup(path);
	if (!create && access(path, F_OK) != 0) {
		snprintf(why, whylen,
		         "%s: no registry there yet (csgw protect or csgw case "
		         "creates it)",
		         path);
		goto fail;
	}
	if (sqlite_file_open(path, create, &r->db, why, whylen) < 0)
		goto fail;
	sqlite3_busy_timeout(r->db, 10000);
	if (sqlite3_exec(r->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		fail(r, "cannot set up", why, whylen);
		goto fail;
	}
	for (size_t i = 0; i < sizeof added / sizeof *added; i++) {
		char *sql = xasprintf("ALTER TABLE cases ADD COLUMN %s", added[i]);
		int rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);
		free(sql);
		if (rc != SQLITE_OK && strstr(sqlite3_errmsg(r->db), "duplicate column") == NULL) {
			fail(r, "cannot add the case facts", why, whylen);
			goto fail;
		}
	}
	*out = r;
	return 0;
fail:
	registry_db_close(r);
	return -1;
}

void registry_db_close(struct registry_db *r)
{
	if (r == NULL)
		return;
	sqlite3_close(r->db);
	free(r->path);
	free(r);
}

/* Prepares sql and binds the texts in order; NULL after 'why' is set. */
static sqlite3_stmt *prepare(struct registry_db *r, const char *sql, const char *const *texts,
                             int ntexts, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(r, "cannot prepare", why, whylen);
		return NULL;
	}
	for (int i = 0; i < ntexts; i++)
		sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_STATIC);
	return st;
}

int registry_protect_set(struct registry_db *r, const char *subject_key, const char *case_id,
                         const char *flag, bool on, const char *actor, const char *time, char *why,
                         size_t whylen)
{
	const char *v[] = {subject_key, case_id, flag, time, actor};
	sqlite3_stmt *st =
	    on ? prepare(r,
	                 "INSERT OR IGNORE INTO protections(subject_key, case_id, flag, since, "
	                 "actor) VALUES(?, ?, ?, ?, ?)",
	                 v, 5, why, whylen)
	       : prepare(r,
	                 "DELETE FROM protections WHERE subject_key = ? AND case_id = ? AND "
	                 "flag = ?",
	                 v, 3, why, whylen);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(r, on ? "cannot add the protection" : "cannot remove the protection",
		            why, whylen);
	return sqlite3_changes(r->db) > 0 ? 0 : 1;
}

static const char *column(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static int each_protection(struct registry_db *r, sqlite3_stmt *st, registry_protection_fn *fn,
                           void *ctx, char *why, size_t whylen)
{
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, column(st, 0), column(st, 1), column(st, 2), column(st, 3), column(st, 4));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(r, "cannot read protections", why, whylen);
}

int registry_protections(struct registry_db *r, const char *subject_key, const char *case_id,
                         registry_protection_fn *fn, void *ctx, char *why, size_t whylen)
{
	const char *v[] = {subject_key, subject_key, case_id, case_id};
	return each_protection(r,
	                       prepare(r,
	                               "SELECT subject_key, case_id, flag, since, actor FROM "
	                               "protections WHERE (?1 IS NULL OR subject_key = ?2) AND "
	                               "(?3 IS NULL OR case_id = ?4 OR case_id = '') ORDER BY "
	                               "since, case_id, flag",
	                               v, 4, why, whylen),
	                       fn, ctx, why, whylen);
}

int registry_case_set(struct registry_db *r, const char *case_id, const struct registry_case *c,
                      char *why, size_t whylen)
{
	char family[32], state[32];
	snprintf(family, sizeof family, "%lld", c->arrears_family);
	snprintf(state, sizeof state, "%lld", c->arrears_state);
	const char *v[] = {case_id,
	                   c->enforcement,
	                   c->state_owed_arrears ? "1" : "0",
	                   c->updated,
	                   c->actor,
	                   c->opened_by,
	                   c->assistance,
	                   family,
	                   state,
	                   c->payment_processing[0] ? c->payment_processing : "open"};
	sqlite3_stmt *st = prepare(r,
	                           "INSERT OR REPLACE INTO cases(case_id, enforcement, "
	                           "state_owed_arrears, updated, actor, opened_by, assistance, "
	                           "arrears_family, arrears_state, payment_processing) "
	                           "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                           v, 10, why, whylen);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(r, "cannot set the case", why, whylen);
}

int registry_case_get(struct registry_db *r, const char *case_id, struct registry_case *c,
                      char *why, size_t whylen)
{
	const char *v[] = {case_id};
	sqlite3_stmt *st = prepare(r,
	                           "SELECT enforcement, state_owed_arrears, updated, actor, "
	                           "opened_by, assistance, arrears_family, arrears_state, "
	                           "payment_processing FROM cases WHERE case_id = ?",
	                           v, 1, why, whylen);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(c, 0, sizeof *c);
		snprintf(c->enforcement, sizeof c->enforcement, "%s", column(st, 0));
		c->state_owed_arrears = sqlite3_column_int(st, 1) != 0;
		snprintf(c->updated, sizeof c->updated, "%s", column(st, 2));
		snprintf(c->actor, sizeof c->actor, "%s", column(st, 3));
		snprintf(c->opened_by, sizeof c->opened_by, "%s", column(st, 4));
		snprintf(c->assistance, sizeof c->assistance, "%s", column(st, 5));
		c->arrears_family = sqlite3_column_int64(st, 6);
		c->arrears_state = sqlite3_column_int64(st, 7);
		snprintf(c->payment_processing, sizeof c->payment_processing, "%s", column(st, 8));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : fail(r, "cannot read the case", why, whylen);
}

int registry_remedy_set(struct registry_db *r, const char *case_id, const char *remedy,
                        const char *since, const char *released, const char *actor, char *why,
                        size_t whylen)
{
	const char *v[] = {case_id, remedy, since, released, actor};
	sqlite3_stmt *st = prepare(r,
	                           "INSERT INTO remedies(case_id, remedy, since, released, actor) "
	                           "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(case_id, remedy) DO "
	                           "UPDATE SET released = ?4, actor = ?5, since = CASE WHEN ?4 = "
	                           "'' THEN ?3 ELSE since END",
	                           v, 5, why, whylen);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(r, "cannot record the remedy", why, whylen);
}

int registry_remedies(struct registry_db *r, const char *case_id, registry_remedy_fn *fn, void *ctx,
                      char *why, size_t whylen)
{
	const char *v[] = {case_id};
	sqlite3_stmt *st = prepare(r,
	                           "SELECT remedy, since, released, actor FROM remedies WHERE "
	                           "case_id = ? ORDER BY remedy",
	                           v, 1, why, whylen);
	int rc;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, column(st, 0), column(st, 1), column(st, 2), column(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(r, "cannot read the remedies", why, whylen);
}

int registry_read_all(struct registry_db *r, registry_protection_fn *pfn, registry_case_fn *cfn,
                      void *ctx, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fail(r, "cannot begin reading", why, whylen);
	if (registry_protections(r, NULL, NULL, pfn, ctx, why, whylen) < 0)
		goto fail;
	st =
	    prepare(r, "SELECT case_id, enforcement, state_owed_arrears, updated, actor FROM cases",
	            NULL, 0, why, whylen);
	if (st == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct registry_case c = {.state_owed_arrears = sqlite3_column_int(st, 2) != 0};
		snprintf(c.enforcement, sizeof c.enforcement, "%s", column(st, 1));
		snprintf(c.updated, sizeof c.updated, "%s", column(st, 3));
		snprintf(c.actor, sizeof c.actor, "%s", column(st, 4));
		cfn(ctx, column(st, 0), &c);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(r, "cannot read the cases", why, whylen);
		goto fail;
	}
	sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	return 0;
fail:
	sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
