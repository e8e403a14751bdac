/*
 * test_witness.c - a partner's log heads judged as they arrive in its
 * receipts (core/witness.h): real logs signed with the development PKI
 * of certs/init-dev.sh, every verdict, and the hold a fork leaves.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/witness.h"

static char dir[] = "/tmp/csgw-unit-witness.XXXXXX";
static char cert[512], other_cert[512], store[512];
static struct cms_signer *signer;

static int pki_up(void **state)
{
	const char *top = getenv("CSGW_TOP");
	char cmd[1024], key[512], why[512];
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof cmd, "'%s/certs/init-dev.sh' '%s/pki' >/dev/null", top ? top : ".",
	         dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(cert, sizeof cert, "%s/pki/ca06/local/signing.pem", dir);
	snprintf(other_cert, sizeof other_cert, "%s/pki/tx48/local/signing.pem", dir);
	snprintf(key, sizeof key, "%s/pki/ca06/private/signing.key", dir);
	snprintf(store, sizeof store, "%s/witnesses/CA", dir);
	return cms_signer_load(cert, key, NULL, &signer, why, sizeof why);
}

static int pki_down(void **state)
{
	char cmd[600];
	(void)state;
	cms_signer_free(signer);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A log of CA's (state 06) at 'name', grown to 'size' entries whose case
 * ids start with 'tag', checkpointed. */
static struct audit *grow(const char *name, struct audit *a, uint64_t size, const char *tag)
{
	char db[600], cps[600];
	if (a == NULL) {
		snprintf(db, sizeof db, "%s/%s.db", dir, name);
		snprintf(cps, sizeof cps, "%s/%s-cp", dir, name);
		struct audit_config cfg = {.db_path = db,
		                           .checkpoint_dir = cps,
		                           .origin = "csgw/06/audit",
		                           .signer = signer,
		                           .cert_path = cert};
		assert_int_equal(audit_open(&cfg, 1, &a, stderr), 0);
	}
	while (audit_size(a) < size) {
		struct audit_entry e = {0};
		char case_id[32];
		snprintf(case_id, sizeof case_id, "%s%llu", tag, (unsigned long long)audit_size(a));
		audit_entry_set(&e, "case_id", case_id);
		audit_entry_set(&e, "actor", "unit");
		assert_int_equal(audit_append(a, &e, 1, stderr), 0);
	}
	assert_int_equal(audit_checkpoint(a, stderr), 0);
	return a;
}

/* The head a receipt would carry: the newest, with a proof from 'from'. */
static void carried(struct audit *a, uint64_t from, struct receipt_head *rh)
{
	memset(rh, 0, sizeof *rh);
	rh->present = true;
	assert_int_equal(audit_latest_head(a, &rh->head, stderr), 0);
	if (from) {
		assert_int_equal(
		    audit_consistency(a, from, rh->head.size, rh->proof, &rh->nproof, stderr), 0);
		rh->proof_from = from;
	}
}

static enum witness_verdict judge(const struct receipt_head *rh, const char *with_cert)
{
	char said[1500];
	return witness_take_theirs(store, "csgw/06/audit", with_cert, rh, said, sizeof said);
}

static void verdicts(void **state)
{
	struct receipt_head rh;
	char why[1024], reason[1200];
	(void)state;

	struct audit *a = grow("ca", NULL, 3, "A");
	carried(a, 0, &rh);
	assert_int_equal(judge(&rh, cert), WITNESS_FIRST);
	assert_int_equal(judge(&rh, cert), WITNESS_SAME);
	/* Signed by someone else, or changed on the way: not a head of CA's. */
	assert_int_equal(judge(&rh, other_cert), WITNESS_BAD);
	rh.head.root[0] ^= 1;
	assert_int_equal(judge(&rh, cert), WITNESS_BAD);

	grow("ca", a, 7, "A");
	carried(a, 3, &rh);
	assert_int_equal(judge(&rh, cert), WITNESS_EXTENDS);
	struct receipt_head at7 = rh;
	/* A proof from an older head we hold: true, but not from the newest. */
	grow("ca", a, 10, "A");
	carried(a, 3, &rh);
	assert_int_equal(judge(&rh, cert), WITNESS_UNPROVEN);
	carried(a, 7, &rh);
	assert_int_equal(judge(&rh, cert), WITNESS_EXTENDS);
	/* A receipt that comes late (sent again, or delayed) carries an
	 * older head we kept: no news. */
	assert_int_equal(judge(&at7, cert), WITNESS_SAME);
	assert_false(witness_held(store, NULL, 0));

	/* The same key signs a rewritten history: entries 1-10 replaced, then
	 * grown past the head we hold; its proof cannot bridge the two. */
	struct audit *b = grow("forged", NULL, 14, "B");
	carried(b, 10, &rh);
	assert_int_equal(judge(&rh, cert), WITNESS_FORK);
	assert_true(witness_held(store, reason, sizeof reason));
	assert_non_null(strstr(reason, "REWRITTEN"));
	/* A shorter log than the head we hold, or one of its size with
	 * another root, is a fork too. */
	struct audit *c = grow("short", NULL, 5, "C");
	carried(c, 0, &rh);
	assert_int_equal(judge(&rh, cert), WITNESS_FORK);
	struct audit *d = grow("same-size", NULL, 10, "D");
	carried(d, 0, &rh);
	assert_int_equal(judge(&rh, cert), WITNESS_FORK);
	/* Older than the head we hold, of a size we kept, with another root. */
	struct audit *e = grow("older-other", NULL, 7, "E");
	carried(e, 0, &rh);
	assert_int_equal(judge(&rh, cert), WITNESS_FORK);
	audit_close(e);

	/* A person lifts the hold: the next head is a first sight again. */
	assert_int_equal(witness_release(store, why, sizeof why), 0);
	assert_false(witness_held(store, NULL, 0));
	carried(b, 0, &rh);
	assert_int_equal(judge(&rh, cert), WITNESS_FIRST);

	/* Echoes: kept when newer only. */
	carried(a, 0, &rh);
	assert_int_equal(witness_take_echo(store, "csgw/06/audit", cert, &rh, why, sizeof why), 1);
	assert_int_equal(witness_take_echo(store, "csgw/06/audit", cert, &rh, why, sizeof why), 0);
	assert_int_equal(
	    witness_take_echo(store, "csgw/06/audit", other_cert, &rh, why, sizeof why), -1);
	struct audit_head newest;
	assert_int_equal(witness_newest(store, "ours", &newest, why, sizeof why), 0);
	assert_int_equal(newest.size, 10);

	/* Heads proven from another than the one we hold: waited for while it
	 * is young, a hold once it has been held for a week. */
	grow("forged", b, 16, "B");
	carried(b, 10, &rh);
	assert_int_equal(judge(&rh, cert), WITNESS_UNPROVEN);
	char held_note[600];
	snprintf(held_note, sizeof held_note, "%s/theirs/%020d.checkpoint", store, 14);
	struct timespec week_ago[2] = {{.tv_sec = time(NULL) - 8 * 24 * 60 * 60},
	                               {.tv_sec = time(NULL) - 8 * 24 * 60 * 60}};
	assert_int_equal(utimensat(AT_FDCWD, held_note, week_ago, 0), 0);
	assert_int_equal(judge(&rh, cert), WITNESS_FORK);
	assert_true(witness_held(store, reason, sizeof reason));
	assert_non_null(strstr(reason, "NOT SHOWN to extend the head of 14 entries"));

	audit_close(a);
	audit_close(b);
	audit_close(c);
	audit_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(verdicts),
	};
	return cmocka_run_group_tests(tests, pki_up, pki_down);
}
