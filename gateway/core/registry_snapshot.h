/*
 * registry_snapshot.h - the state's registry (protections, case status) as
 * one consistent picture in memory, for the decisions of one batch.
 *
 * A batch of a million records asks the registry several questions per
 * record; a database query each would cost more than the decision itself,
 * and a registry changed half-way through would decide records of one
 * batch against two different states.  So the caller reads every row once
 * (io/registry_db.h), adds them here, seals, and asks in memory.
 *
 * Nothing here fails; out of memory is fatal (util/alloc.h).
 */
#ifndef CSGW_CORE_REGISTRY_SNAPSHOT_H
#define CSGW_CORE_REGISTRY_SNAPSHOT_H

#include <stdbool.h>

struct registry_snapshot;

struct registry_snapshot *registry_snapshot_new(void);
void registry_snapshot_free(struct registry_snapshot *);

/* A protection of 'subject_key' (hex) in 'case_id' ("" = every case);
 * flags are the POLICY_* subject flag bits. */
void registry_snapshot_add_protection(struct registry_snapshot *, const char *subject_key,
                                      const char *case_id, unsigned flags);
void registry_snapshot_add_case(struct registry_snapshot *, const char *case_id, bool closed,
                                bool state_owed);
/* Sorts what was added; call once, before asking. */
void registry_snapshot_seal(struct registry_snapshot *);

/* The flags of the subject in every case and in 'case_id' (a subject
 * key); with subject_key NULL, of anyone protected in 'case_id' itself. */
unsigned registry_snapshot_protections(const struct registry_snapshot *, const char *subject_key,
                                       const char *case_id);
/* The case's status; a case not recorded is open, with nothing owed. */
void registry_snapshot_case(const struct registry_snapshot *, const char *case_id, bool *closed,
                            bool *state_owed);

#endif
