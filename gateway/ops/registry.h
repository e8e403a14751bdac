/*
 * registry.h - the registry of gateway.conf (registry_db: protections and
 * case status, io/registry_db.h) for policy decisions: opened, read whole
 * into a snapshot once per batch, and asked through struct
 * policy_registry.  Used by policy explain/apply and by csgw run.
 */
#ifndef CSGW_OPS_REGISTRY_H
#define CSGW_OPS_REGISTRY_H

#include <stdbool.h>

#include "core/policy.h"
#include "core/registry_snapshot.h"
#include "io/registry_db.h"
#include "ops/setup.h"

struct registry {
	struct registry_db *db;         /* NULL: none yet, nothing recorded */
	struct registry_snapshot *snap; /* what the decisions of one batch ask */
	char key[256];                  /* subject_key */
	bool failed;
	char why[1024];
};

/* Opens the registry ('create' makes a missing one) and reads the subject
 * key.  0 or an exit code after printing why. */
int registry_open(const struct setup *, bool create, struct registry *);
void registry_close(struct registry *);
/* Reads the whole registry (again) for the decisions of one batch.  0 or
 * EX_IOERR after printing why. */
int registry_read(struct registry *);
struct policy_registry registry_for_policy(struct registry *);

#endif
