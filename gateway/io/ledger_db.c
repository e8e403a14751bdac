/*
 * ledger_db.c - requests, responses and counters in SQLite (ledger_db.h).
 */
#include "io/ledger_db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/sqlite_file.h"
#include "util/alloc.h"

struct ledger_db {
	sqlite3 *db;
	char *path;
};

static int fail(struct ledger_db *l, const char *what, char *why, size_t whylen)
{
	snprintf(why, whylen, "%s: %s: %s", l->path, what,
	         l->db ? sqlite3_errmsg(l->db) : "cannot open");
	return -1;
}

#define REQUEST_COLUMNS                                                                            \
	"id, kind, direction, partner, case_id, other_case, serial, function, action, reason, "    \
	"purpose, requester, subject_key, subject_mask, member_id, status, actor, entry, "         \
	"created, due, answered, actor_uid, court_order"

/* A ledger made before requests named the person's uid and the order they
 * acted under gets those columns (-1 and ''). */
static int add_later_columns(struct ledger_db *l)
{
	sqlite3_stmt *st = NULL;
	bool have = false;
	if (sqlite3_prepare_v2(l->db, "PRAGMA table_info(requests)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		have |= strcmp((const char *)sqlite3_column_text(st, 1), "court_order") == 0;
	sqlite3_finalize(st);
	if (have)
		return 0;
	return sqlite3_exec(l->db,
	                    "ALTER TABLE requests ADD COLUMN actor_uid INTEGER NOT NULL DEFAULT -1;"
	                    "ALTER TABLE requests ADD COLUMN court_order TEXT NOT NULL DEFAULT '';",
	                    NULL, NULL, NULL) == SQLITE_OK
	           ? 0
	           : -1;
}

int ledger_db_open(const char *path, bool create, struct ledger_db **out, char *why, size_t whylen)
{
	struct ledger_db *l = xcalloc(1, sizeof *l);
	static const char schema[] =
	    "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;"
	    "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	    "CREATE TABLE IF NOT EXISTS requests(id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
	    "direction TEXT NOT NULL, partner TEXT NOT NULL, case_id TEXT NOT NULL, other_case "
	    "TEXT NOT NULL, serial TEXT NOT NULL, function TEXT NOT NULL, action TEXT NOT NULL, "
	    "reason TEXT NOT NULL, purpose TEXT NOT NULL, requester TEXT NOT NULL, subject_key "
	    "TEXT NOT NULL, subject_mask TEXT NOT NULL, member_id TEXT NOT NULL, status TEXT NOT "
	    "NULL, actor TEXT NOT NULL, entry TEXT NOT NULL, created INTEGER NOT NULL, due "
	    "INTEGER NOT NULL, answered INTEGER NOT NULL, actor_uid INTEGER NOT NULL DEFAULT -1, "
	    "court_order TEXT NOT NULL DEFAULT '');"
	    "CREATE INDEX IF NOT EXISTS requests_serial ON requests(partner, direction, serial);"
	    "CREATE INDEX IF NOT EXISTS requests_case ON requests(partner, case_id);"
	    "CREATE TABLE IF NOT EXISTS responses(n INTEGER PRIMARY KEY, request TEXT NOT NULL, "
	    "partner TEXT NOT NULL, family TEXT NOT NULL, source TEXT NOT NULL, reason TEXT NOT "
	    "NULL, key TEXT NOT NULL, file TEXT NOT NULL, received INTEGER NOT NULL, lines TEXT "
	    "NOT NULL);"
	    "CREATE INDEX IF NOT EXISTS responses_request ON responses(request);"
	    /* A delivery done again after a crash records nothing twice. */
	    "CREATE UNIQUE INDEX IF NOT EXISTS responses_once ON responses(partner, file, lines);";

	*out = NULL;
	l->path = xstrdup(path);
	if (!create && access(path, F_OK) != 0) {
		snprintf(why, whylen, "%s: no request has been made yet", path);
		goto fail;
	}
	if (sqlite_file_open(path, create, &l->db, why, whylen) < 0)
		goto fail;
	sqlite3_busy_timeout(l->db, 10000);
	if (sqlite3_exec(l->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    add_later_columns(l) < 0) {
		fail(l, "cannot set up", why, whylen);
		goto fail;
	}
	*out = l;
	return 0;
fail:
	ledger_db_close(l);
	return -1;
}

void ledger_db_close(struct ledger_db *l)
{
	if (l == NULL)
		return;
	sqlite3_close(l->db);
	free(l->path);
	free(l);
}

static sqlite3_stmt *prepare(struct ledger_db *l, const char *sql, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(l, "cannot prepare", why, whylen);
		return NULL;
	}
	return st;
}

/* Runs a statement that returns no rows. */
static int done(struct ledger_db *l, sqlite3_stmt *st, const char *what, char *why, size_t whylen)
{
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(l, what, why, whylen);
}

static void text(sqlite3_stmt *st, int i, char *out, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(out, size, "%s", t ? (const char *)t : "");
}

int ledger_next(struct ledger_db *l, const char *counter, long long first, long long *value,
                char *why, size_t whylen)
{
	/* One statement: two processes never get the same value. */
	sqlite3_stmt *st =
	    prepare(l,
	            "INSERT INTO counters(name, value) VALUES(?1, ?2) ON CONFLICT(name) "
	            "DO UPDATE SET value = value + 1 RETURNING value",
	            why, whylen);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, counter, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, first);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(st, 0);
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(l, "cannot count", why, whylen);
}

int ledger_request_add(struct ledger_db *l, const struct ledger_request *r, char *why,
                       size_t whylen)
{
	sqlite3_stmt *st = prepare(l,
	                           "INSERT INTO requests(" REQUEST_COLUMNS
	                           ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	                           "?, ?, ?, ?, ?)",
	                           why, whylen);
	if (st == NULL)
		return -1;
	const char *v[] = {
	    r->id,          r->kind,         r->direction, r->partner, r->case_id, r->other_case,
	    r->serial,      r->function,     r->action,    r->reason,  r->purpose, r->requester,
	    r->subject_key, r->subject_mask, r->member_id, r->status,  r->actor,   r->entry};
	int i = 0;
	for (; i < (int)(sizeof v / sizeof v[0]); i++)
		sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, ++i, r->created);
	sqlite3_bind_int64(st, ++i, r->due);
	sqlite3_bind_int64(st, ++i, r->answered);
	sqlite3_bind_int64(st, ++i, r->actor_uid);
	sqlite3_bind_text(st, ++i, r->court_order, -1, SQLITE_STATIC);
	return done(l, st, "cannot record the request", why, whylen);
}

static void read_request(sqlite3_stmt *st, struct ledger_request *r)
{
	memset(r, 0, sizeof *r);
	char *t[] = {r->id,         r->kind,      r->direction,   r->partner,      r->case_id,
	             r->other_case, r->serial,    r->function,    r->action,       r->reason,
	             r->purpose,    r->requester, r->subject_key, r->subject_mask, r->member_id,
	             r->status,     r->actor,     r->entry};
	size_t z[] = {sizeof r->id,          sizeof r->kind,         sizeof r->direction,
	              sizeof r->partner,     sizeof r->case_id,      sizeof r->other_case,
	              sizeof r->serial,      sizeof r->function,     sizeof r->action,
	              sizeof r->reason,      sizeof r->purpose,      sizeof r->requester,
	              sizeof r->subject_key, sizeof r->subject_mask, sizeof r->member_id,
	              sizeof r->status,      sizeof r->actor,        sizeof r->entry};
	int i = 0;
	for (; i < (int)(sizeof t / sizeof t[0]); i++)
		text(st, i, t[i], z[i]);
	r->created = sqlite3_column_int64(st, i++);
	r->due = sqlite3_column_int64(st, i++);
	r->answered = sqlite3_column_int64(st, i++);
	r->actor_uid = sqlite3_column_int64(st, i++);
	text(st, i, r->court_order, sizeof r->court_order);
}

/* The first row of a request query: 0, 1 (none), -1. */
static int one_request(struct ledger_db *l, sqlite3_stmt *st, struct ledger_request *r, char *why,
                       size_t whylen)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_request(st, r);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : fail(l, "cannot read requests", why, whylen);
}

int ledger_request_get(struct ledger_db *l, const char *id, struct ledger_request *r, char *why,
                       size_t whylen)
{
	sqlite3_stmt *st =
	    prepare(l, "SELECT " REQUEST_COLUMNS " FROM requests WHERE id = ?", why, whylen);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return one_request(l, st, r, why, whylen);
}

int ledger_request_by_serial(struct ledger_db *l, const char *partner, const char *direction,
                             const char *serial, struct ledger_request *r, char *why, size_t whylen)
{
	sqlite3_stmt *st = prepare(l,
	                           "SELECT " REQUEST_COLUMNS " FROM requests WHERE partner = ? AND "
	                           "direction = ? AND serial = ? ORDER BY created DESC LIMIT 1",
	                           why, whylen);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, direction, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, serial, -1, SQLITE_STATIC);
	return one_request(l, st, r, why, whylen);
}

int ledger_request_by_case(struct ledger_db *l, const char *partner, const char *case_id,
                           const char *member_id, struct ledger_request *r, char *why,
                           size_t whylen)
{
	sqlite3_stmt *st = prepare(
	    l,
	    "SELECT " REQUEST_COLUMNS " FROM requests WHERE partner = ?1 AND direction = 'out' AND "
	    "kind = 'locate' AND case_id = ?2 AND (?3 = '' OR member_id = ?3) ORDER BY "
	    "status = 'pending' DESC, created DESC, rowid DESC LIMIT 1",
	    why, whylen);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, member_id ? member_id : "", -1, SQLITE_STATIC);
	return one_request(l, st, r, why, whylen);
}

int ledger_request_set_status(struct ledger_db *l, const char *id, const char *status,
                              long long when, char *why, size_t whylen)
{
	sqlite3_stmt *st =
	    prepare(l, "UPDATE requests SET status = ?, answered = ? WHERE id = ?", why, whylen);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, when);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	return done(l, st, "cannot update the request", why, whylen);
}

int ledger_requests(struct ledger_db *l, const struct ledger_filter *f, ledger_request_fn *fn,
                    void *ctx, char *why, size_t whylen)
{
	sqlite3_stmt *st = prepare(
	    l,
	    "SELECT " REQUEST_COLUMNS " FROM requests WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS "
	    "NULL OR direction = ?2) AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR partner = "
	    "?4) AND (?5 IS NULL OR case_id = ?5 OR other_case = ?5) AND (?6 IS NULL OR actor = "
	    "?6) AND (?7 = 0 OR (status IN ('pending', 'acknowledged') AND due > 0 AND due < ?7)) "
	    "ORDER BY created "
	    "DESC, rowid DESC",
	    why, whylen);
	if (st == NULL)
		return -1;
	const char *v[] = {f->kind, f->direction, f->status, f->partner, f->case_id, f->actor};
	for (int i = 0; i < 6; i++)
		if (v[i])
			sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, f->due_before);
	int rc;
	struct ledger_request r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_request(st, &r);
		if (fn(ctx, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(l, "cannot read requests", why, whylen);
}

int ledger_response_add(struct ledger_db *l, const struct ledger_response *r, char *why,
                        size_t whylen)
{
	sqlite3_stmt *st =
	    prepare(l,
	            "INSERT OR IGNORE INTO responses(request, partner, family, source, reason, "
	            "key, file, received, lines) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
	            why, whylen);
	if (st == NULL)
		return -1;
	const char *v[] = {r->request, r->partner, r->family, r->source,
	                   r->reason,  r->key,     r->file};
	for (int i = 0; i < 7; i++)
		sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, r->received);
	sqlite3_bind_text(st, 9, r->lines, -1, SQLITE_STATIC);
	return done(l, st, "cannot record the response", why, whylen);
}

int ledger_responses(struct ledger_db *l, const char *request, ledger_response_fn *fn, void *ctx,
                     char *why, size_t whylen)
{
	sqlite3_stmt *st = prepare(l,
	                           "SELECT n, request, partner, family, source, reason, key, file, "
	                           "received, lines FROM responses WHERE request = ? ORDER BY n",
	                           why, whylen);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, request ? request : "", -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ledger_response r = {.n = sqlite3_column_int64(st, 0)};
		text(st, 1, r.request, sizeof r.request);
		text(st, 2, r.partner, sizeof r.partner);
		text(st, 3, r.family, sizeof r.family);
		text(st, 4, r.source, sizeof r.source);
		text(st, 5, r.reason, sizeof r.reason);
		text(st, 6, r.key, sizeof r.key);
		text(st, 7, r.file, sizeof r.file);
		r.received = sqlite3_column_int64(st, 8);
		r.lines = (char *)sqlite3_column_text(st, 9);
		if (fn(ctx, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(l, "cannot read responses", why, whylen);
}

int ledger_response_dismiss(struct ledger_db *l, long long n, char *why, size_t whylen)
{
	sqlite3_stmt *st =
	    prepare(l, "UPDATE responses SET request = '(dismissed)' WHERE n = ? AND request = ''",
	            why, whylen);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, n);
	if (done(l, st, "cannot update the answer", why, whylen) < 0)
		return -1;
	return sqlite3_changes(l->db) > 0 ? 0 : 1;
}

int ledger_unmatched_count(struct ledger_db *l, const char *partner, long long *count, char *why,
                           size_t whylen)
{
	sqlite3_stmt *st = prepare(
	    l, "SELECT count(*) FROM responses WHERE request = '' AND (?1 IS NULL OR partner = ?1)",
	    why, whylen);
	if (st == NULL)
		return -1;
	if (partner)
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fail(l, "cannot count responses", why, whylen);
}

int ledger_purge_answers(struct ledger_db *l, const char *family, long long before, bool dry_run,
                         long long *count, char *why, size_t whylen)
{
	sqlite3_stmt *st = prepare(
	    l, "SELECT count(*) FROM responses WHERE family = ?1 AND received < ?2", why, whylen);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, family, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before);
	int rc = sqlite3_step(st);
	*count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return fail(l, "cannot count answers", why, whylen);
	if (dry_run)
		return 0;
	if (*count == 0) /* what an earlier purge left in the log goes now */
		return sqlite_file_fold_wal(l->db, l->path, why, whylen);
	/* Zeroed where they were stored, the write-ahead log included. */
	if (sqlite3_exec(l->db, "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK ||
	    (st = prepare(l, "DELETE FROM responses WHERE family = ?1 AND received < ?2", why,
	                  whylen)) == NULL)
		return fail(l, "cannot purge answers", why, whylen);
	sqlite3_bind_text(st, 1, family, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before);
	rc = sqlite3_step(st);
	*count = sqlite3_changes(l->db);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(l, "cannot purge answers", why, whylen);
	return sqlite_file_fold_wal(l->db, l->path, why, whylen);
}
