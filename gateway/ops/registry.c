/*
 * registry.c - the state's registry (protections, case status) as the
 * policy asks it: one snapshot per batch.
 */
#include "ops/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "core/audit.h"
#include "io/fs.h"
#include "util/alloc.h"

/* Opens the registry and reads the subject key.  0 or an exit code. */
int registry_open(const struct setup *s, bool create, struct registry *r)
{
	char *path = setup_db_path(s, "registry_db", "registry.db");
	int rc = 0;

	memset(r, 0, sizeof *r);
	if (s->conf.ini == NULL && !create) {
		fputs("csgw: note: no gateway.conf, so no registry: protections (csgw protect) and "
		      "case status (csgw case) are not taken into account\n",
		      stderr);
	} else if (path == NULL) {
		fprintf(stderr, "%s: [gateway] needs audit_db (or registry_db)\n",
		        setup_conf_name(s));
		rc = EX_CONFIG;
	} else if ((rc = setup_subject_key(s, r->key, sizeof r->key)) != 0) {
		; /* said why */
	} else if (!create && access(path, F_OK) != 0) {
		fprintf(stderr,
		        "csgw: note: %s does not exist yet: no protection or case status has been "
		        "recorded (csgw protect, csgw case)\n",
		        path);
	} else if (create && fs_make_parent(path) < 0) {
		fprintf(stderr, "csgw: cannot make the folder of %s: %s\n", path, strerror(errno));
		rc = EX_IOERR;
	} else if (registry_db_open(path, create, &r->db, r->why, sizeof r->why) < 0) {
		fprintf(stderr, "csgw: %s\n", r->why);
		rc = EX_IOERR;
	}
	free(path);
	return rc;
}

void registry_close(struct registry *r)
{
	registry_db_close(r->db);
	registry_snapshot_free(r->snap);
	memset(r->key, 0, sizeof r->key);
}

static void snap_protection(void *ctx, const char *subject, const char *case_id, const char *flag,
                            const char *since, const char *actor)
{
	(void)since, (void)actor;
	registry_snapshot_add_protection(ctx, subject, case_id, policy_subject_flag(flag));
}

static void snap_case(void *ctx, const char *case_id, const struct registry_case *c)
{
	registry_snapshot_add_case(ctx, case_id, strcmp(c->enforcement, "closed") == 0,
	                           c->state_owed_arrears);
}

/* Reads the whole registry once, for the decisions of one batch.  0 or
 * EX_IOERR after printing why. */
int registry_read(struct registry *r)
{
	r->snap = registry_snapshot_new();
	if (r->db && registry_read_all(r->db, snap_protection, snap_case, r->snap, r->why,
	                               sizeof r->why) < 0) {
		fprintf(stderr, "csgw: %s\n", r->why);
		return EX_IOERR;
	}
	registry_snapshot_seal(r->snap);
	return 0;
}

static unsigned registry_protections_of(void *ctx, const char *ssn, const char *case_id)
{
	struct registry *r = ctx;

	char subject[65];

	if (ssn == NULL)
		return registry_snapshot_protections(r->snap, NULL, case_id);
	audit_subject_key(r->key, ssn, subject);
	return registry_snapshot_protections(r->snap, subject, case_id);
}

static void registry_case_of(void *ctx, const char *case_id, bool *closed, bool *owed)
{
	struct registry *r = ctx;
	registry_snapshot_case(r->snap, case_id, closed, owed);
}

struct policy_registry registry_for_policy(struct registry *r)
{
	return (struct policy_registry){registry_protections_of, registry_case_of, r};
}
