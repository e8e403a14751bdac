/*
 * ledger_db.h - what the gateway's users asked of partners, and what came
 * back (SQLite): caseworker locate requests, interstate transactions sent
 * and received, the responses matched to them (and those that matched
 * nothing), and the counters that number batches and transactions.
 *
 * A response keeps the fixed-width lines of its record, so that it can be
 * shown again through the policy (csgw locate show); requests keep the
 * subject's keyed hash and masked SSN, never the SSN.  The file is 0600.
 *
 * Functions return 0, or -1 with a one-line reason in 'why' (the database
 * named); the lookups return 1 when there is no such row.
 */
#ifndef CSGW_IO_LEDGER_DB_H
#define CSGW_IO_LEDGER_DB_H

#include <stdbool.h>
#include <stddef.h>

struct ledger_db;

struct ledger_request {
	char id[32];       /* L-000001 (locate) or the 12-digit serial (referral) */
	char kind[16];     /* "locate" or "referral" */
	char direction[8]; /* "out" (we asked) or "in" (a partner asked us) */
	char partner[64];  /* whom we asked, or who asked */
	char case_id[32];  /* our case id (the partner's, for "in") */
	char other_case[32];
	char serial[16]; /* 12 digits; "" for a request to the FPLS */
	char function[8], action[4], reason[8];
	char purpose[32], requester[32]; /* requester: the class the answer is for */
	char subject_key[65], subject_mask[16], member_id[32];
	char status[16];      /* pending, answered, prohibited, acknowledged, closed */
	char actor[64];       /* the person who asked, or the partner for "in" */
	long long actor_uid;  /* their uid; -1 for a partner's or an older row */
	char court_order[64]; /* the order a supervisor acted under (42 U.S.C. 663) */
	char entry[48];       /* the spool entry that carries it */
	long long created, due, answered;
};

struct ledger_response {
	long long n;
	char request[32]; /* "" when it matched no request */
	char partner[64], family[16];
	char source[8]; /* agency code (FF), FN, or the transaction's action */
	char reason[8]; /* the transaction's reason code */
	char key[64];   /* what it was matched by: serial, or case/member */
	char file[256]; /* the delivered file it came in */
	long long received;
	char *lines; /* the record's fixed-width lines, '\n' between them */
};

struct ledger_filter {
	const char *kind, *direction, *status, *partner, *case_id, *actor; /* NULL: any */
	long long due_before; /* 0: any; else only those still waiting, due before it */
};

int ledger_db_open(const char *path, bool create, struct ledger_db **, char *why, size_t whylen);
void ledger_db_close(struct ledger_db *);

/* The next value of a named counter (the first is 'first'), durably. */
int ledger_next(struct ledger_db *, const char *counter, long long first, long long *value,
                char *why, size_t whylen);

int ledger_request_add(struct ledger_db *, const struct ledger_request *, char *why, size_t whylen);
/* By id.  0, 1 (none), -1. */
int ledger_request_get(struct ledger_db *, const char *id, struct ledger_request *, char *why,
                       size_t whylen);
/* The request with this serial in this direction exchanged with this
 * partner.  0, 1 (none), -1. */
int ledger_request_by_serial(struct ledger_db *, const char *partner, const char *direction,
                             const char *serial, struct ledger_request *, char *why, size_t whylen);
/* The latest pending outbound locate of a case (and member, when given)
 * sent to partner.  0, 1 (none), -1. */
int ledger_request_by_case(struct ledger_db *, const char *partner, const char *case_id,
                           const char *member_id, struct ledger_request *, char *why,
                           size_t whylen);
int ledger_request_set_status(struct ledger_db *, const char *id, const char *status,
                              long long when, char *why, size_t whylen);

typedef int ledger_request_fn(void *ctx, const struct ledger_request *);
/* Requests matching the filter, newest first; a non-zero return stops. */
int ledger_requests(struct ledger_db *, const struct ledger_filter *, ledger_request_fn *,
                    void *ctx, char *why, size_t whylen);

int ledger_response_add(struct ledger_db *, const struct ledger_response *, char *why,
                        size_t whylen);
typedef int ledger_response_fn(void *ctx, const struct ledger_response *);
/* The responses to a request in the order they came, or (request NULL)
 * those that matched none. */
int ledger_responses(struct ledger_db *, const char *request, ledger_response_fn *, void *ctx,
                     char *why, size_t whylen);
/* Marks an answer that matched nothing as seen by a person (it then no
 * longer counts as unmatched).  0, 1 (no such unmatched answer), -1. */
int ledger_response_dismiss(struct ledger_db *, long long n, char *why, size_t whylen);
/* How many responses matched nothing, from partner (NULL: any). */
int ledger_unmatched_count(struct ledger_db *, const char *partner, long long *count, char *why,
                           size_t whylen);

/* Deletes the answers of 'family' received before 'before' (a time_t);
 * *count: how many (with dry_run, how many would be, and nothing
 * changes).  The rows are zeroed where they were stored. */
int ledger_purge_answers(struct ledger_db *, const char *family, long long before, bool dry_run,
                         long long *count, char *why, size_t whylen);

#endif
