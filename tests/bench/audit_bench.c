/*
 * audit_bench.c - 'make bench', audit part: append N decisions to a fresh
 * audit log through core/audit (batches of 1000 per transaction, as the
 * daemon will), verify the whole log, and insert the same rows into a
 * plain SQLite table without hashing, in one transaction (the floor).
 *
 * usage: audit_bench DIR N MODE   (MODE: append, verify or plain; each is
 * run as its own process so GNU time measures it alone; mixed: append a
 * varied log, a quarter's worth, for csgw audit report)
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/audit.h"
#include "io/cms.h"

#define BATCH 1000

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What a quarter of an agency's log holds, for the review report: entry i
 * of n falls on one of 90 days, goes to one of four partners, and is
 * mostly an allowed record, with redactions, denials (5%: more than a
 * page holds) and prohibitions; now and then a view of FTI, a change to a
 * protection, a quarantined file. */
static void vary(struct audit_entry *e, char bufs[][80], long i, long n)
{
	static const char *const partners[] = {"TX", "AZ", "OCSE", "NY"};
	time_t day = 1790812800 + (time_t)(i * 90 / (n > 0 ? n : 1)) * 86400; /* 2026-10-01 */
	struct tm tm;
	gmtime_r(&day, &tm);
	strftime(bufs[4], 80, "%Y-%m-%dT10:00:00Z", &tm);
	e->value[0] = bufs[4];
	e->value[2] = partners[i % 4];
	e->value[11] = i % 20 == 0   ? "deny"
	               : i % 20 == 1 ? "redact"
	               : i % 97 == 0 ? "prohibit"
	                             : "allow";
	e->value[12] = i % 20 == 0   ? "PURPOSE-NOT-AUTHORIZED"
	               : i % 20 == 1 ? "L-FTI-INTERSTATE"
	               : i % 97 == 0 ? "L-FAMILY-VIOLENCE"
	                             : "R-IVD-653C1";
	if (i % 1000 == 7) {
		e->value[1] = "access";
		e->value[10] = "fti";
		e->value[11] = "shown";
		e->value[12] = "FTI-ACCESS";
	} else if (i % 5000 == 11) {
		e->value[1] = "registry";
		e->value[11] = "protect-add";
		e->value[12] = "family-violence";
	} else if (i % 3000 == 13) {
		e->value[1] = "in";
		e->value[11] = "quarantined";
	}
}

/* A decision like the policy engine's: column values in audit_db order. */
static void fill(struct audit_entry *e, char bufs[][80], long i)
{
	static const char *const fixed[AUDIT_DB_COLUMNS] = {"2026-11-24T02:00:00Z",
	                                                    "out",
	                                                    "TX",
	                                                    "iv-d-agency",
	                                                    "locate",
	                                                    "ndnh",
	                                                    "W4",
	                                                    NULL,
	                                                    NULL,
	                                                    NULL,
	                                                    "identity,address,employer",
	                                                    "allow",
	                                                    "R-IVD-653C1",
	                                                    "42 U.S.C. 653(c)(1)",
	                                                    "3b1f...",
	                                                    NULL,
	                                                    "schedule TX"};
	for (int c = 0; c < AUDIT_DB_COLUMNS; c++)
		e->value[c] = fixed[c];
	snprintf(bufs[0], 80, "W4-%09ld", i);
	snprintf(bufs[1], 80, "CASE%08ld", i % 50000);
	snprintf(bufs[2], 80, "%064lx", (unsigned long)i * 2654435761UL);
	snprintf(bufs[3], 80, "%06ld", i / BATCH);
	e->value[7] = bufs[0];
	e->value[8] = bufs[1];
	e->value[9] = bufs[2];
	e->value[15] = bufs[3];
}

static int plain(const char *dir, long n)
{
	char path[512], sql[1024];
	sqlite3 *db;
	sqlite3_stmt *st;
	struct audit_entry e;
	char bufs[5][80];
	size_t o = 0;

	snprintf(path, sizeof path, "%s/plain.db", dir);
	remove(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 1;
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL);
	o += (size_t)snprintf(sql + o, sizeof sql - o,
	                      "CREATE TABLE entries(id INTEGER PRIMARY KEY");
	for (int c = 0; c < AUDIT_DB_COLUMNS; c++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, ", %s TEXT NOT NULL",
		                      audit_db_columns[c]);
	snprintf(sql + o, sizeof sql - o, ")");
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	o = (size_t)snprintf(sql, sizeof sql, "INSERT INTO entries VALUES(NULL");
	for (int c = 0; c < AUDIT_DB_COLUMNS; c++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, ", ?");
	snprintf(sql + o, sizeof sql - o, ")");
	sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	double t0 = now();
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (long i = 0; i < n; i++) {
		fill(&e, bufs, i);
		sqlite3_reset(st);
		for (int c = 0; c < AUDIT_DB_COLUMNS; c++)
			sqlite3_bind_text(st, c + 1, e.value[c] ? e.value[c] : "", -1,
			                  SQLITE_STATIC); /* the log's NULL is "" */
		if (sqlite3_step(st) != SQLITE_DONE)
			return 1;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	printf("plain %ld rows %.3f s\n", n, now() - t0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: audit_bench DIR N append|verify|plain|mixed\n");
		return 64;
	}
	const char *dir = argv[1];
	long n = strtol(argv[2], NULL, 10);
	if (strcmp(argv[3], "plain") == 0)
		return plain(dir, n);

	char db[512], cps[512];
	snprintf(db, sizeof db, "%s/audit.db", dir);
	snprintf(cps, sizeof cps, "%s/checkpoints", dir);
	struct audit_config cfg = {.db_path = db, .checkpoint_dir = cps, .origin = "csgw/06/audit"};
	struct audit *a;
	if (strcmp(argv[3], "verify") == 0) {
		snprintf(db, sizeof db, "%s/audit.db", dir);
		cfg.cert_path = getenv("AUDIT_BENCH_CERT");
		if (audit_open(&cfg, 0, &a, stderr) < 0)
			return 1;
		double t0 = now();
		int rc = audit_verify(a, stdout, stderr);
		printf("verify %ld entries %.3f s\n", n, now() - t0);
		audit_close(a);
		return rc != 0;
	}
	bool mixed = strcmp(argv[3], "mixed") == 0;
	remove(db);
	if (audit_open(&cfg, 1, &a, stderr) < 0)
		return 1;
	static struct audit_entry batch[BATCH];
	static char bufs[BATCH][5][80];
	double t0 = now();
	for (long i = 0; i < n; i += BATCH) {
		long k = n - i < BATCH ? n - i : BATCH;
		for (long j = 0; j < k; j++)
			fill(&batch[j], bufs[j], i + j);
		if (mixed)
			for (long j = 0; j < k; j++)
				vary(&batch[j], bufs[j], i + j, n);
		if (audit_append(a, batch, (size_t)k, stderr) < 0)
			return 1;
	}
	printf("append %ld entries %.3f s\n", n, now() - t0);
	audit_close(a);
	return 0;
}
