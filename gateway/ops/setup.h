/*
 * setup.h - the gateway an operation works on: gateway.conf, the mappings,
 * and the stores that gateway.conf names (audit log, ledger, signing key,
 * subject key, the lock of a partner's exchange).
 *
 * Every operation, whether a person asked through the control socket or a
 * command ran directly, starts from a struct setup.  Functions that return
 * an int return 0, or a sysexits.h code after printing one line to stderr
 * saying why.
 */
#ifndef CSGW_OPS_SETUP_H
#define CSGW_OPS_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/conf.h"
#include "core/mapping.h"

/* Loaded configuration and mappings. */
struct setup {
	struct conf conf;
	struct mapping_set *set;
	char *mappings_dir; /* where set came from; the policy lives there too */
	bool test_env;
};

/* Loads gateway.conf ('conf_file', else where core/conf.h looks) and the
 * mappings ('mappings', else [gateway] mappings, $CSGW_MAPPINGS or the
 * installed ones); 'environment' ("test" or "production", or NULL)
 * overrides the file's. */
int setup_load(const char *conf_file, const char *environment, const char *mappings,
               bool conf_required, struct setup *);
void setup_free(struct setup *);

/* For messages: the configuration file's path, or that there is none. */
const char *setup_conf_name(const struct setup *);
/* A value of [partner NAME], and a path value resolved (caller frees). */
const char *setup_partner_value(const struct setup *, const char *partner, const char *key);
char *setup_partner_path(const struct setup *, const char *partner, const char *key);

/* The partner of class federal-office that takes 'family' (the FPLS for
 * locate, OCSE's offset program for offset); NULL when none. */
const char *setup_federal_partner(const struct setup *, const char *family);

/* The database of [gateway] 'key', else 'name' beside audit_db; NULL when
 * neither is configured (caller frees). */
char *setup_db_path(const struct setup *, const char *key, const char *name);

/* The name of a state's audit log in its checkpoints: "csgw/06/audit". */
char *setup_audit_origin(const char *state);

/* The text of the subject_key file of [gateway], which keys the SSN's
 * hash in the audit log and the registry. */
int setup_subject_key(const struct setup *, char *key, size_t size);

/* This gateway's signing certificate and key: the options when given, else
 * gateway.conf. */
struct cms_signer;
int setup_signer(const struct setup *, const char *cert_opt, const char *key_opt,
                 const char *pass_opt, struct cms_signer **);

/* Opens the audit log ('create' makes a missing one), with this gateway's
 * signer for checkpoints when 'signer_needed'. */
struct audit;
int setup_audit_open(const struct setup *, int create, bool signer_needed, struct audit **,
                     struct cms_signer **);

/* The ledger ([gateway] ledger_db, else ledger.db beside audit_db); with
 * !create and no ledger yet, 0 and *db NULL. */
struct ledger_db;
int setup_ledger_open(const struct setup *, bool create, struct ledger_db **);

/* One exchange with a partner at a time (send, fetch, run): they share
 * .part files.  0 with the lock's descriptor in *fd (EX_TEMPFAIL while
 * someone else holds it). */
int setup_lock_partner(const struct setup *, const char *name, int *fd);

/* FILE.p7s, the detached signature beside FILE (caller frees). */
char *signature_path(const char *file);

#endif
