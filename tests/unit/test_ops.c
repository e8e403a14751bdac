/*
 * test_ops.c - the operations of gateway/ops/ called as a library, with a
 * caller given to them, on a real gateway: the development PKI of
 * certs/init-dev.sh, real SQLite files, a real spool.
 *
 * What it shows: the person an operation is given is the one its audit
 * entries and registry rows name (login name, uid, role), whoever the
 * process is; and the results come back to the caller to print.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "core/roles.h"
#include "ops/answers.h"
#include "ops/case.h"
#include "ops/queue.h"
#include "ops/review.h"

static char dir[] = "/tmp/csgw-unit-ops.XXXXXX";
static struct setup s;

/* Someone other than the process: a supervisor acting through the socket. */
static const struct caller alice = {"alice", 4242, ROLE_SUPERVISOR, true};

static int gateway_up(void **state)
{
	const char *top = getenv("CSGW_TOP");
	char cmd[1024], conf[512];
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof cmd, "'%s/certs/init-dev.sh' '%s/pki' >/dev/null", top ? top : ".",
	         dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(conf, sizeof conf, "%s/gateway.conf", dir);
	FILE *f = fopen(conf, "w");
	if (f == NULL)
		return -1;
	fputs("[gateway]\nstate = 06\nenvironment = test\nspool = spool\n"
	      "audit_db = audit/audit.db\ncheckpoint_dir = audit\n"
	      "signing_cert = pki/ca06/local/signing.pem\n"
	      "signing_key = pki/ca06/private/signing.key\n"
	      "ca_bundle = pki/ca06/trusted/ca.pem\n"
	      "subject_key = pki/ca06/private/subject.key\n"
	      "\n[partner OCSE]\nclass = federal-office\nhost = 127.0.0.1\nuser = csgw\n"
	      "ssh_key = pki/ca06/private/ssh_ed25519\nknown_hosts = known_hosts\n"
	      "remote_inbox = /in\nremote_outbox = /out\nfamilies = fcr locate ndnh\n"
	      "cert = pki/ca06/partners/ocse.pem\n",
	      f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/spool' '%s/audit'", dir, dir);
	if (system(cmd) != 0)
		return -1;
	return setup_load(conf, NULL, getenv("CSGW_MAPPINGS"), true, &s) == 0 ? 0 : -1;
}

static int gateway_down(void **state)
{
	char cmd[256];
	(void)state;
	setup_free(&s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The audit entries an actor's search finds: their decisions in order. */
struct found {
	char decisions[256];
	char uid[24], role[64], detail[128];
	int n;
};

static int found_row(void *ctx, int64_t id, const char *const v[AUDIT_DB_COLUMNS],
                     const unsigned char *leaf, size_t leaf_len)
{
	struct found *f = ctx;
	(void)id, (void)leaf, (void)leaf_len;
	size_t used = strlen(f->decisions);
	snprintf(f->decisions + used, sizeof f->decisions - used, "%s%s", used ? " " : "", v[11]);
	snprintf(f->uid, sizeof f->uid, "%s", v[AUDIT_COL_ACTOR_UID]);
	snprintf(f->role, sizeof f->role, "%s", v[AUDIT_COL_ROLE]);
	snprintf(f->detail, sizeof f->detail, "%s", v[AUDIT_COL_DETAIL]);
	f->n++;
	return 0;
}

static struct found search_actor(const char *actor)
{
	struct audit_query q = {.actor = actor};
	struct found f = {0};
	assert_int_equal(review_search(&s, &q, NULL, found_row, &f), 0);
	return f;
}

/* A protection added and removed for alice: each change is an entry that
 * names her, her uid and role, the removal with its reason; a change that
 * is already so writes nothing. */
static void protect_names_the_caller(void **state)
{
	(void)state;
	struct protect_change add = {true, "900112222", "***-**-2222", "family-violence",
	                             NULL, NULL};
	bool changed = false;
	assert_int_equal(protect_set(&alice, &s, &add, &changed), 0);
	assert_true(changed);
	assert_int_equal(protect_set(&alice, &s, &add, &changed), 0);
	assert_false(changed);
	struct protect_change off = add;
	off.add = false;
	off.reason = "order vacated by the court";
	assert_int_equal(protect_set(&alice, &s, &off, &changed), 0);
	assert_true(changed);

	struct found f = search_actor("alice");
	assert_int_equal(f.n, 2);
	assert_string_equal(f.decisions, "protect-add protect-remove");
	assert_string_equal(f.uid, "4242");
	assert_string_equal(f.role, "supervisor");
	assert_string_equal(f.detail, "order vacated by the court");
	/* The process itself acted for nobody: it is named in no entry. */
	char me[64];
	caller_user_name((long)getuid(), me, sizeof me);
	assert_int_equal(search_actor(me).n, 0);
}

/* A case closed by alice reads back as closed by her. */
static void case_set_then_show(void **state)
{
	(void)state;
	struct registry_case now;
	bool known = false, stands = false;
	assert_int_equal(case_show(&s, "C0001", &now, &known), 0);
	assert_false(known);
	assert_string_equal(now.enforcement, "open");

	struct case_change close = {.case_id = "C0001",
	                            .enforcement = "closed",
	                            .state_owed_arrears = 1,
	                            .reason = "support order terminated",
	                            .arrears_family = -1,
	                            .arrears_state = -1};
	assert_int_equal(case_set(&alice, &s, &close, &now, &stands), 0);
	assert_true(stands);
	assert_int_equal(case_show(&s, "C0001", &now, &known), 0);
	assert_true(known);
	assert_string_equal(now.enforcement, "closed");
	assert_true(now.state_owed_arrears);
	assert_string_equal(now.actor, "alice");
}

/* What is not there says so, with the exit code a person's command gives. */
static void unknown_things(void **state)
{
	(void)state;
	struct ledger_request r;
	assert_int_equal(request_find(&s, "L-999999", &r), EX_NOINPUT);
	assert_int_equal(unmatched_dismiss(&s, 7), EX_NOINPUT);
	struct status st;
	assert_int_equal(status_read(&s, &st), 0);
	assert_int_equal(st.np, 1);
	assert_string_equal(st.p[0].name, "OCSE");
	assert_int_equal(st.nattention, 0);
	status_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(protect_names_the_caller),
	    cmocka_unit_test(case_set_then_show),
	    cmocka_unit_test(unknown_things),
	};
	return cmocka_run_group_tests(tests, gateway_up, gateway_down);
}
