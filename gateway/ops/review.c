/*
 * review.c - the audit log as compliance staff review it (review.h).
 */
#include "ops/review.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include "core/witness.h"
#include "io/cms.h"
#include "util/alloc.h"

int review_search(struct setup *s, struct audit_query *q, const char *ssn_digits, audit_db_row *row,
                  void *ctx)
{
	struct audit *a = NULL;
	struct cms_signer *none = NULL;
	char subject[65];
	int rc = 0;
	if (ssn_digits) {
		char key[256];
		if ((rc = setup_subject_key(s, key, sizeof key)) != 0)
			return rc;
		audit_subject_key(key, ssn_digits, subject);
		memset(key, 0, sizeof key);
		q->subject_key = subject;
	}
	if ((rc = setup_audit_open(s, 0, false, &a, &none)) != 0)
		return rc;
	if (audit_search(a, q, row, ctx, stderr) < 0)
		rc = EX_IOERR;
	audit_close(a);
	return rc;
}

/* verify and proof: 0 good, 1 a problem found (said), 2 a warning
 * (exit 1: not "good", not tampering either), -1 unreadable. */
static int exit_code(int v)
{
	return v == 0 ? 0 : v == 2 ? 1 : v > 0 ? EX_DATAERR : EX_IOERR;
}

int review_verify(struct setup *s, bool witnesses, FILE *out)
{
	struct audit *a = NULL;
	struct cms_signer *none = NULL;
	int rc = setup_audit_open(s, 0, false, &a, &none);
	if (rc == 0 && witnesses) {
		char *dir = setup_db_path(s, "witness_dir", "witnesses");
		audit_verify_witnesses(a, dir);
		free(dir);
	}
	if (rc == 0)
		rc = exit_code(audit_verify(a, out, stderr));
	audit_close(a);
	return rc;
}

/* One line per head: its size, root, and when we kept it. */
static void print_head(FILE *out, const char *what, const char *dir, const char *which)
{
	struct audit_head h;
	char why[1024], hex[2 * MERKLE_HASH + 1], when[32] = "";
	int got = witness_newest(dir, which, &h, why, sizeof why);
	if (got == 1) {
		fprintf(out, "  %s: none yet\n", what);
		return;
	}
	if (got < 0) {
		fprintf(out, "  %s: cannot be read: %s\n", what, why);
		return;
	}
	char *path = xasprintf("%s/%s/%020" PRIu64 ".checkpoint", dir, which, h.size);
	struct stat st;
	if (stat(path, &st) == 0)
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&st.st_mtime));
	digest_hex(h.root, MERKLE_HASH, hex);
	fprintf(out, "  %s: %" PRIu64 " entries, root %s, kept %s (%s)\n", what, h.size, hex, when,
	        path);
	free(path);
}

int review_witnesses(struct setup *s, const char *partner, FILE *out)
{
	const struct ini_file *ini = s->conf.ini;
	char *store = setup_db_path(s, "witness_dir", "witnesses");
	bool found = false, held = false;

	if (store == NULL) {
		fprintf(stderr, "%s: [gateway] needs audit_db (or witness_dir)\n",
		        setup_conf_name(s));
		return EX_CONFIG;
	}
	for (size_t i = 0; i < ini->nsections; i++) {
		const char *sec = ini->sections[i].name;
		if (strncmp(sec, "partner ", 8) != 0 || (partner && strcmp(sec + 8, partner) != 0))
			continue;
		found = true;
		char *dir = xasprintf("%s/%s", store, sec + 8), reason[1200];
		fprintf(out, "partner %s:\n", sec + 8);
		print_head(out, "its audit log, as we hold it", dir, "theirs");
		print_head(out, "our audit log, as it holds it", dir, "ours");
		if (witness_held(dir, reason, sizeof reason)) {
			held = true;
			fprintf(out,
			        "  HELD: %s\n  (after talking to %s: csgw audit witness-release %s "
			        "--reason TEXT)\n",
			        reason, sec + 8, sec + 8);
		}
		free(dir);
	}
	free(store);
	if (!found) {
		fprintf(stderr, "csgw: no partner %s in %s\n", partner ? partner : "at all",
		        setup_conf_name(s));
		return EX_USAGE;
	}
	return held ? 1 : 0;
}

int review_witness_release(struct setup *s, const struct caller *who, const char *partner,
                           const char *reason, FILE *out)
{
	char *store = setup_db_path(s, "witness_dir", "witnesses");
	char held[1200], why[1024];
	struct audit *a = NULL;
	struct cms_signer *signer = NULL;
	int rc = 0;

	if (store == NULL || setup_partner_value(s, partner, "class") == NULL) {
		fprintf(stderr, "csgw: no partner %s in %s\n", partner, setup_conf_name(s));
		free(store);
		return EX_USAGE;
	}
	char *dir = xasprintf("%s/%s", store, partner);
	if (!witness_held(dir, held, sizeof held)) {
		fprintf(stderr, "csgw: %s is not held\n", partner);
		rc = EX_DATAERR;
		goto out;
	}
	/* The entry first: a release nobody can account for must not happen. */
	if ((rc = setup_audit_open(s, 1, true, &a, &signer)) != 0)
		goto out;
	char *detail = xasprintf("%s; was held: %s", reason, held);
	struct audit_entry ae = {0};
	audit_entry_set(&ae, "direction", "registry");
	audit_entry_set(&ae, "partner", partner);
	audit_entry_set(&ae, "decision", "witness-release");
	audit_entry_set(&ae, "detail", detail);
	audit_entry_actor(&ae, who);
	if (audit_append(a, &ae, 1, stderr) < 0 || audit_checkpoint(a, stderr) < 0)
		rc = EX_IOERR;
	else if (witness_release(dir, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	} else
		fprintf(out,
		        "%s: released; the heads kept of its log are set aside, the next one it "
		        "sends is taken as a first sight\n",
		        partner);
	free(detail);
out:
	audit_close(a);
	cms_signer_free(signer);
	free(dir);
	free(store);
	return rc;
}

int review_proof(struct setup *s, int64_t id, FILE *out)
{
	struct audit *a = NULL;
	struct cms_signer *none = NULL;
	int rc = setup_audit_open(s, 0, false, &a, &none);
	if (rc == 0)
		rc = exit_code(audit_proof(a, id, out, stderr));
	audit_close(a);
	return rc;
}

int review_checkpoint(struct setup *s)
{
	struct audit *a = NULL;
	struct cms_signer *signer = NULL;
	int rc = setup_audit_open(s, 1, true, &a, &signer);
	if (rc == 0 && audit_checkpoint(a, stderr) < 0)
		rc = EX_IOERR;
	audit_close(a);
	cms_signer_free(signer);
	return rc;
}
