/*
 * registry_db.h - what the state tells the gateway about people and cases
 * (SQLite): protections (family violence indicator, nondisclosure finding,
 * protective order) keyed by a subject's keyed hash and a case id ("" for
 * every case of that person), each case's enforcement status and the
 * facts its closure turns on, and the state remedies in force on it.  The
 * disclosure policy reads both; csgw protect and csgw case write them.
 * No SSN is stored, only the subject key (core/audit.h).
 *
 * Functions return 0, or -1 with a one-line reason in 'why' (the database
 * named).
 */
#ifndef CSGW_IO_REGISTRY_DB_H
#define CSGW_IO_REGISTRY_DB_H

#include <stdbool.h>
#include <stddef.h>

struct registry_db;

/* Opens (creating it, mode 0600, when 'create') the database at path. */
int registry_db_open(const char *path, bool create, struct registry_db **, char *why,
                     size_t whylen);
void registry_db_close(struct registry_db *);

/* Adds (on) or removes a protection.  Returns 1 when nothing changed (it
 * was already there, or was not), 0 when it did. */
int registry_protect_set(struct registry_db *, const char *subject_key, const char *case_id,
                         const char *flag, bool on, const char *actor, const char *time, char *why,
                         size_t whylen);

/* Protections of a subject (NULL: any) that apply to a case (NULL: any;
 * a case id matches its own rows and the "every case" rows). */
typedef void registry_protection_fn(void *ctx, const char *subject_key, const char *case_id,
                                    const char *flag, const char *since, const char *actor);
int registry_protections(struct registry_db *, const char *subject_key, const char *case_id,
                         registry_protection_fn *, void *ctx, char *why, size_t whylen);

struct registry_case {
	char enforcement[8]; /* "open" or "closed" */
	bool state_owed_arrears;
	char updated[32], actor[64];
	/* Who applied for services (core/closure.h closure_openers); "" unknown. */
	char opened_by[24];
	char assistance[12];                     /* none, tanf, medicaid; "" unknown */
	long long arrears_family, arrears_state; /* whole dollars */
	char payment_processing[8];              /* open or closed */
};

int registry_case_set(struct registry_db *, const char *case_id, const struct registry_case *,
                      char *why, size_t whylen);
/* 0 and *c, 1 when the registry does not know the case, -1. */
int registry_case_get(struct registry_db *, const char *case_id, struct registry_case *, char *why,
                      size_t whylen);

/* A state remedy of a case (license-suspension, bank-lien): in force
 * since 'since', released at 'released' ("" while in force). */
int registry_remedy_set(struct registry_db *, const char *case_id, const char *remedy,
                        const char *since, const char *released, const char *actor, char *why,
                        size_t whylen);
typedef void registry_remedy_fn(void *ctx, const char *remedy, const char *since,
                                const char *released, const char *actor);
int registry_remedies(struct registry_db *, const char *case_id, registry_remedy_fn *, void *ctx,
                      char *why, size_t whylen);

/* Every protection and every case, read in one transaction (one
 * consistent state of the registry). */
typedef void registry_case_fn(void *ctx, const char *case_id, const struct registry_case *);
int registry_read_all(struct registry_db *, registry_protection_fn *, registry_case_fn *, void *ctx,
                      char *why, size_t whylen);

#endif
