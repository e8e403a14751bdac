/*
 * audit.h - the tamper-evident disclosure audit log.
 *
 * Entries are rows of io/audit_db (SQLite) and the leaves of an RFC 6962
 * hash tree (core/merkle.h): leaf = SHA-256(0x00 || the entry's canonical
 * text, "column=value\n" for every column in order).  The tree's frontier
 * is stored with the rows, in the same transaction.  Checkpoints, notes in
 * the C2SP checkpoint format signed with the gateway's key, go to a folder
 * outside the database:
 *
 *     ORIGIN\n SIZE\n base64(ROOT)\n \n — ORIGIN base64(KEYID || SIGNATURE)\n
 *
 * audit_verify recomputes every leaf and the root at every checkpoint's
 * size, so a changed column, a deleted or reordered row, a cut tail, or an
 * older copy of the database is found, and says where.
 */
#ifndef CSGW_CORE_AUDIT_H
#define CSGW_CORE_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/merkle.h"
#include "io/audit_db.h"
#include "io/cms.h"

/* One entry: values in audit_db_columns order; NULL counts as "".  No
 * value may hold a line end.  An empty time is filled with now (UTC). */
struct audit_entry {
	const char *value[AUDIT_DB_COLUMNS];
	char uid_text[24], role_text[64]; /* what audit_entry_actor() sets them to */
};

/* Sets a column by name; -1 for a name that is not a column. */
int audit_entry_set(struct audit_entry *, const char *column, const char *value);

/* Names who acted: their login name, uid and (for a person) the roles
 * they have.  An entry that names nobody is the process's own caller's
 * (core/caller.h). */
struct caller;
void audit_entry_actor(struct audit_entry *, const struct caller *);

struct audit_config {
	const char *db_path;
	const char *checkpoint_dir;
	const char *origin;              /* names the log in checkpoints: "csgw/06/audit" */
	const struct cms_signer *signer; /* signs checkpoints; NULL when only verifying */
	const char *cert_path;           /* checks them */
};

struct audit;

/* 0, or -1 after printing why.  'create': a missing database is made.
 * The strings of the configuration are copied; the signer is not (it must
 * outlive the audit). */
int audit_open(const struct audit_config *, int create, struct audit **, FILE *err);
void audit_close(struct audit *);

/* Appends entries as one transaction (rows and tree together).  0 or -1
 * after printing why; nothing is appended then. */
int audit_append(struct audit *, const struct audit_entry *, size_t count, FILE *err);

/* The same for entries that come one by one, as many as there are (a
 * batch of a million decisions): 'next' fills the entry (its strings must
 * live until the next call) and returns 1, or 0 when there are no more,
 * or -1 on failure (nothing is appended then).  'next' is called on a
 * thread of its own while this one stores what it gave: it must not use
 * this audit, nor anything the caller's thread changes meanwhile. */
typedef int audit_next_fn(void *ctx, struct audit_entry *);
int audit_append_each(struct audit *, audit_next_fn *next, void *ctx, FILE *err);

/* Writes a signed checkpoint of the log as it is now (none for an empty
 * log, nor twice for one size).  0 or -1 after printing why. */
int audit_checkpoint(struct audit *, FILE *err);

/* How many entries the log holds now (the stored tree head, which other
 * processes may have moved on since this one opened it). */
uint64_t audit_size(struct audit *);

/* A signed tree head: the fields of a checkpoint note. */
struct audit_head {
	char origin[101];
	uint64_t size;
	unsigned char root[MERKLE_HASH];
	char signature[1400]; /* base64 of key id and signature, as in the note */
};

/* The note of a head, byte for byte as the checkpoint folder holds it
 * (caller frees). */
char *audit_head_note(const struct audit_head *);

/* Checks a note as audit_verify reads checkpoints (the C2SP form exactly,
 * its origin unless want_origin is NULL, its signature by the certificate
 * in cert_path; its form only when NULL: a copy we keep ourselves, whose
 * signer may since have a new key) and fills *h.  'name' is for messages.
 * 0, or -1 with the reason. */
int audit_head_check(const char *note, const char *name, const char *want_origin,
                     const char *cert_path, struct audit_head *h, char *why, size_t whylen);

/* The newest signed checkpoint of this log: 0 with *h, 1 when there is
 * none yet, -1 after printing why. */
int audit_latest_head(struct audit *, struct audit_head *h, FILE *err);

/* The RFC 6962 consistency proof from the log's first 'from' entries to
 * its first 'to' (0 < from <= to <= entries): *count hashes into proof.
 * Reads the stored leaf hashes only.  0, or -1 after printing why. */
int audit_consistency(struct audit *, uint64_t from, uint64_t to,
                      unsigned char proof[64][MERKLE_HASH], unsigned *count, FILE *err);

/* 0 when every entry, the stored tree and every checkpoint agree (one
 * summary line to out), 1 with the first problem found (to err), 2 when
 * they agree but no signed checkpoint vouches for the entries (a warning
 * to err; only when checkpoints can be checked: cert_path), -1 when the
 * log cannot be read.  A checkpoint is read as a C2SP note exactly: one
 * signature line, nothing after it. */
int audit_verify(struct audit *, FILE *out, FILE *err);

/* From now on audit_verify also checks the log against the heads of it
 * that partners echoed in their receipts (witness_dir/PARTNER/ours/,
 * core/witness.h): a log cut or rewritten on this machine shows as soon
 * as one partner has seen a later head.  None at all is a warning (2). */
void audit_verify_witnesses(struct audit *, const char *witness_dir);

/* The same check, its findings as data (for a report). */
struct audit_state {
	uint64_t entries;
	uint64_t purged; /* of them, entries whose personal columns were purged */
	char root[65];   /* lower-case hex */
	size_t checkpoints;
	uint64_t latest_size; /* of the latest signed checkpoint; 0: none */
	char latest_file[512];
	time_t latest_time;      /* when it was written */
	char signer[256];        /* the subject of the certificate it was checked with */
	size_t witnessed;        /* heads of this log partners hold, checked too */
	uint64_t witnessed_size; /* the latest of them */
};
int audit_verify_state(struct audit *, struct audit_state *, FILE *err);

/* Clears the personal columns (record id, case id, subject key) of the
 * entries written before 'before' (UTC, "2026-11-24T00:00:00Z"), marking
 * them purged by entry 'by': the purge's own entry, appended first, whose
 * detail says "audit entries before BEFORE" (verify holds every purged
 * entry to it).  Each still verifies, its leaf covering their salted hash.
 * *purged: how many (with dry_run, how many would be); *kept: as old,
 * written before the hash existed, so kept whole.  0, or -1 after
 * printing why. */
int audit_purge(struct audit *, const char *before, uint64_t by, bool dry_run, long long *purged,
                long long *kept, FILE *err);

/* The id of the last entry this handle appended (0: none yet). */
uint64_t audit_last_id(const struct audit *);

/* The subject key of an SSN (9 digits): lower-case hex of HMAC-SHA-256
 * under 'key' (the text of the subject_key file).  The log stores this,
 * never the SSN. */
void audit_subject_key(const char *key, const char ssn[9], char hex[65]);

/* What compliance staff search by; NULL: any.  'since' and 'until' are
 * UTC times in the log's form ("2026-11-24T00:00:00Z"), until exclusive. */
struct audit_query {
	/* decision may list several, space-separated: any one of them */
	const char *subject_key, *case_id, *partner, *decision, *actor;
	const char *direction; /* out, in, request, access, registry, spool */
	const char *file_sha256;
	const char *since, *until;
};
int audit_search(struct audit *, const struct audit_query *, audit_db_row *, void *ctx, FILE *err);

/* One state of the log for what follows, whatever csgw run appends
 * meanwhile: audit_verify_state, audit_count and audit_search read it
 * until audit_snapshot_end.  0, or -1 after printing why. */
int audit_snapshot_begin(struct audit *, FILE *err);
void audit_snapshot_end(struct audit *);

/* How many entries match, grouped as 't' says (io/audit_db.h), counted in
 * SQL: a report over a million entries reads none of them out. */
int audit_count(struct audit *, const struct audit_query *, const struct audit_db_tally *t,
                audit_db_group_row *, void *ctx, FILE *err);

/* Writes the inclusion proof of entry 'id' against the latest signed
 * checkpoint: the entry's text, the RFC 6962 audit path, and the
 * checkpoint note, all in one text.  0, 1 when the entry is not under a
 * checkpoint or not in the signed log, -1 when the log cannot be read. */
int audit_proof(struct audit *, int64_t id, FILE *out, FILE *err);

/* Checks such a proof without the database: the checkpoint's signature by
 * the certificate in cert_path, and the path from the entry to its root.
 * Prints the entry.  0 good, 1 not proven, -1 unreadable. */
int audit_check_proof(const char *proof_path, const char *cert_path, FILE *out, FILE *err);

#endif
