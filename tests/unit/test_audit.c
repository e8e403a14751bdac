/*
 * test_audit.c - the audit log's subject keys and search: entries are
 * found by the keyed hash of an SSN, never by the SSN, and the keyed hash
 * is HMAC-SHA-256 (RFC 4231's test vector).
 */
#include "unit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/audit.h"
#include "io/digest.h"

static int count_row(void *ctx, int64_t id, const char *const values[AUDIT_DB_COLUMNS],
                     const unsigned char *leaf, size_t leaf_len)
{
	(void)id, (void)values, (void)leaf, (void)leaf_len;
	(*(int *)ctx)++;
	return 0;
}

/* A new log in a fresh folder under /tmp, and its removal. */
struct scratch {
	char dir[32], db[64], cps[64];
	struct audit_config cfg;
};

static struct audit *scratch_log(struct scratch *s)
{
	struct audit *a;
	snprintf(s->dir, sizeof s->dir, "/tmp/csgw-audit-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->db, sizeof s->db, "%s/audit.db", s->dir);
	snprintf(s->cps, sizeof s->cps, "%s/cp", s->dir);
	s->cfg = (struct audit_config){
	    .db_path = s->db, .checkpoint_dir = s->cps, .origin = "csgw/06/audit"};
	assert_int_equal(audit_open(&s->cfg, 1, &a, stderr), 0);
	return a;
}

static void scratch_remove(const struct scratch *s)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
	assert_int_equal(system(cmd), 0);
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than the block), in an
 * order that makes the cached key change, then come back. */
static void hmac_is_rfc4231(void **state)
{
	unsigned char key1[20], key6[131], md[32];
	char hex[65];
	static const struct {
		const unsigned char *key;
		size_t keylen;
		const char *data, *want;
	} cases[] = {
	    {(const unsigned char *)"Jefe", 4, "what do ya want for nothing?",
	     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	    {NULL, 20, "Hi There",
	     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
	    {NULL, 131, "Test Using Larger Than Block-Size Key - Hash Key First",
	     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	    {(const unsigned char *)"Jefe", 4, "what do ya want for nothing?",
	     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	};
	(void)state;
	memset(key1, 0x0b, sizeof key1);
	memset(key6, 0xaa, sizeof key6);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const unsigned char *key = cases[i].key            ? cases[i].key
		                           : cases[i].keylen == 20 ? key1
		                                                   : key6;
		for (int twice = 0; twice < 2; twice++) {
			digest_hmac_sha256(key, cases[i].keylen, cases[i].data,
			                   strlen(cases[i].data), md);
			digest_hex(md, 32, hex);
			assert_string_equal(hex, cases[i].want);
		}
	}
}

static void search_by_subject(void **state)
{
	char a_key[65], b_key[65];
	struct audit *a;
	int found = 0;
	(void)state;

	struct scratch sc;
	a = scratch_log(&sc);
	audit_subject_key("0123456789abcdef", "900123456", a_key);
	audit_subject_key("0123456789abcdef", "900654321", b_key);
	assert_string_not_equal(a_key, b_key);
	assert_null(strstr(a_key, "900123456"));

	struct audit_entry e[3] = {0};
	const char *subjects[3] = {a_key, b_key, a_key};
	for (int i = 0; i < 3; i++) {
		audit_entry_set(&e[i], "direction", "out");
		audit_entry_set(&e[i], "partner", i == 1 ? "OCSE" : "TX");
		audit_entry_set(&e[i], "subject_key", subjects[i]);
		audit_entry_set(&e[i], "decision", i == 2 ? "deny" : "allow");
		audit_entry_set(&e[i], "actor", "unit");
	}
	assert_int_equal(audit_append(a, e, 3, stderr), 0);

	struct audit_query q = {.subject_key = a_key};
	assert_int_equal(audit_search(a, &q, count_row, &found, stderr), 0);
	assert_int_equal(found, 2);
	found = 0;
	q.decision = "deny";
	assert_int_equal(audit_search(a, &q, count_row, &found, stderr), 0);
	assert_int_equal(found, 1);
	found = 0;
	struct audit_query none = {.partner = "CA"};
	assert_int_equal(audit_search(a, &none, count_row, &found, stderr), 0);
	assert_int_equal(found, 0);
	/* A value with a line end would make two entries' texts ambiguous. */
	audit_entry_set(&e[0], "case_id", "C1\ncase_id=C2");
	assert_int_equal(audit_append(a, e, 1, stderr), -1);

	audit_close(a);
	scratch_remove(&sc);
}

/* Two processes append to one log (csgw run beside csgw locate): each
 * reads the tree head again under the write lock, so neither's entries
 * are refused as "damaged" and the whole log verifies. */
static void two_writers(void **state)
{
	struct audit *a, *b;
	(void)state;

	struct scratch sc;
	a = scratch_log(&sc);
	assert_int_equal(audit_open(&sc.cfg, 1, &b, stderr), 0);
	struct audit_entry e = {0};
	audit_entry_set(&e, "decision", "allow");
	audit_entry_set(&e, "actor", "unit");
	for (int round = 0; round < 3; round++) {
		assert_int_equal(audit_append(a, &e, 1, stderr), 0);
		assert_int_equal(audit_append(b, &e, 1, stderr), 0);
		assert_int_equal(audit_append(b, &e, 1, stderr), 0);
	}
	FILE *out = tmpfile();
	assert_int_equal(audit_verify(a, out, stderr), 0);
	fclose(out);
	audit_close(a);
	audit_close(b);
	scratch_remove(&sc);
}

/* The column indices code may use name the columns they say. */
static void columns_by_index(void **state)
{
	(void)state;
	assert_string_equal(audit_db_columns[AUDIT_COL_TIME], "time");
	assert_string_equal(audit_db_columns[AUDIT_COL_RECORD_TYPE], "record_type");
	assert_string_equal(audit_db_columns[AUDIT_COL_RECORD_ID], "record_id");
	assert_string_equal(audit_db_columns[AUDIT_COL_CASE_ID], "case_id");
	assert_string_equal(audit_db_columns[AUDIT_COL_SUBJECT_KEY], "subject_key");
	assert_string_equal(audit_db_columns[AUDIT_COL_CATEGORIES], "categories");
	assert_string_equal(audit_db_columns[AUDIT_COL_DECISION], "decision");
	assert_string_equal(audit_db_columns[AUDIT_COL_RULE_ID], "rule_id");
	assert_string_equal(audit_db_columns[AUDIT_COL_CITATION], "citation");
	assert_string_equal(audit_db_columns[AUDIT_COL_ACTOR], "actor");
	assert_string_equal(audit_db_columns[AUDIT_COL_ACTOR_UID], "actor_uid");
	assert_string_equal(audit_db_columns[AUDIT_COL_ROLE], "role");
	assert_string_equal(audit_db_columns[AUDIT_COL_DETAIL], "detail");
	assert_string_equal(audit_db_columns[AUDIT_COL_PERSONAL], "personal");
	assert_string_equal(audit_db_columns[AUDIT_COL_SALT], "personal_salt");
	assert_string_equal(audit_db_columns[AUDIT_COL_PURGED], "purged");
}

/* Entries numbered 1..count, the one numbered 'bad' holding a line end
 * (0: none), and a read error after 'broken' (0: none). */
struct numbered {
	int count, bad, broken, given;
	char id[16], case_id[16];
};

static int next_numbered(void *ctx, struct audit_entry *e)
{
	struct numbered *n = ctx;
	if (n->broken && n->given == n->broken)
		return -1;
	if (n->given == n->count)
		return 0;
	n->given++;
	memset(e, 0, sizeof *e);
	snprintf(n->id, sizeof n->id, "%d", n->given);
	snprintf(n->case_id, sizeof n->case_id, n->given == n->bad ? "C%d\n" : "C%d", n->given);
	audit_entry_set(e, "decision", "allow");
	audit_entry_set(e, "record_id", n->id);
	audit_entry_set(e, "case_id", n->case_id);
	return 1;
}

/* Entries are built and stored by two threads in blocks: thousands go in
 * whole and verify; a bad entry or a read error far into the append, past
 * many blocks, leaves nothing of that append, and the log goes on. */
static void append_is_whole_or_nothing(void **state)
{
	(void)state;
	struct scratch sc;
	struct audit *a = scratch_log(&sc);

	struct numbered good = {.count = 3000};
	assert_int_equal(audit_append_each(a, next_numbered, &good, stderr), 0);
	assert_int_equal(audit_size(a), 3000);
	struct numbered bad = {.count = 5000, .bad = 4321};
	assert_int_equal(audit_append_each(a, next_numbered, &bad, stderr), -1);
	assert_int_equal(audit_size(a), 3000);
	struct numbered broken = {.count = 5000, .broken = 2600};
	assert_int_equal(audit_append_each(a, next_numbered, &broken, stderr), -1);
	assert_int_equal(audit_size(a), 3000);
	struct numbered more = {.count = 1};
	assert_int_equal(audit_append_each(a, next_numbered, &more, stderr), 0);
	struct numbered none = {.count = 0};
	assert_int_equal(audit_append_each(a, next_numbered, &none, stderr), 0);
	assert_int_equal(audit_size(a), 3001);
	audit_close(a);
	/* Read again from the file: every entry stored in order, the tree
	 * recomputed from the rows agrees. */
	assert_int_equal(audit_open(&sc.cfg, 0, &a, stderr), 0);
	assert_int_equal(audit_size(a), 3001);
	FILE *out = tmpfile();
	assert_int_equal(audit_verify(a, out, stderr), 0);
	fclose(out);
	audit_close(a);
	scratch_remove(&sc);
}

static void *nothing(void *arg)
{
	return arg;
}

/* Where no thread can be started (a process limit), entries are built and
 * stored on the calling thread: a child limited to one process, as an
 * account of its own, appends 3,000 entries that verify.  Needs root (to
 * become that account); skipped otherwise. */
static void append_without_a_thread(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	struct scratch sc;
	struct audit *a = scratch_log(&sc);
	audit_close(a);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "chown -R 65534:65534 '%s'", sc.dir);
	assert_int_equal(system(cmd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit one = {1, 1};
		if (setgid(65534) < 0 || setuid(65534) < 0 || setrlimit(RLIMIT_NPROC, &one) < 0)
			_exit(70);
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL) == 0)
			_exit(71); /* the limit did not hold: this test would prove nothing */
		struct numbered n = {.count = 3000};
		struct audit *b;
		FILE *out = tmpfile();
		int ok = out && audit_open(&sc.cfg, 0, &b, stderr) == 0 &&
		         audit_append_each(b, next_numbered, &n, stderr) == 0 &&
		         audit_size(b) == 3000 && audit_verify(b, out, stderr) == 0;
		_exit(ok ? 0 : 1);
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
	scratch_remove(&sc);
}

static void root_of_hex(const char *hex, unsigned char out[MERKLE_HASH])
{
	for (int i = 0; i < MERKLE_HASH; i++) {
		unsigned v = 0;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

/* Consistency proofs made from the stored leaves check against the roots
 * the log had at each size, for every pair of sizes. */
static void consistency_from_the_log(void **state)
{
	unsigned char roots[13][MERKLE_HASH], proof[64][MERKLE_HASH];
	unsigned count;
	struct audit *a;
	(void)state;

	struct scratch sc;
	a = scratch_log(&sc);
	for (int n = 1; n <= 12; n++) {
		struct audit_entry e = {0};
		char case_id[16];
		snprintf(case_id, sizeof case_id, "C%d", n);
		audit_entry_set(&e, "case_id", case_id);
		audit_entry_set(&e, "actor", "unit");
		assert_int_equal(audit_append(a, &e, 1, stderr), 0);
		struct audit_state st;
		assert_int_equal(audit_verify_state(a, &st, stderr), 0);
		root_of_hex(st.root, roots[n]);
	}
	for (uint64_t n = 1; n <= 12; n++)
		for (uint64_t m = 1; m <= n; m++) {
			assert_int_equal(audit_consistency(a, m, n, proof, &count, stderr), 0);
			assert_true(
			    merkle_check_consistency(m, n, roots[m], roots[n], proof, count));
			if (m > 1 && m < n)
				assert_false(merkle_check_consistency(m, n, roots[m - 1], roots[n],
				                                      proof, count));
		}
	/* Past the end of the log: no proof, said. */
	FILE *err = tmpfile();
	assert_int_equal(audit_consistency(a, 3, 13, proof, &count, err), -1);
	fclose(err);
	audit_close(a);
	scratch_remove(&sc);
}

struct tally {
	char keys[8][64];
	long long count[8];
	int n;
};

static int tally_row(void *ctx, const char *const keys[], long long count)
{
	struct tally *t = ctx;
	snprintf(t->keys[t->n], sizeof t->keys[0], "%s/%s", keys[0], keys[1]);
	t->count[t->n++] = count;
	return 0;
}

static int total_row(void *ctx, const char *const keys[], long long count)
{
	(void)keys;
	*(long long *)ctx = count;
	return 0;
}

/* Counts made in SQL agree with the rows a search returns: by day and
 * decision, most first with a limit, and a decision that is any one of
 * several words (a value with spaces never matches a single word). */
static void counts_in_sql(void **state)
{
	struct audit *a;
	(void)state;

	struct scratch sc;
	a = scratch_log(&sc);
	static const char *const rows[][3] = {
	    {"2026-10-01T01:00:00Z", "allow", "TX"},  {"2026-10-01T02:00:00Z", "deny", "TX"},
	    {"2026-10-02T01:00:00Z", "deny", "OCSE"}, {"2026-10-02T03:00:00Z", "deny", "TX"},
	    {"2026-10-03T01:00:00Z", "redact", "TX"}, {"2026-10-03T01:00:00Z", "allow deny", "TX"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct audit_entry e = {0};
		audit_entry_set(&e, "time", rows[i][0]);
		audit_entry_set(&e, "direction", "out");
		audit_entry_set(&e, "decision", rows[i][1]);
		audit_entry_set(&e, "partner", rows[i][2]);
		assert_int_equal(audit_append(a, &e, 1, stderr), 0);
	}
	struct audit_query q = {.direction = "out", .decision = "deny redact"};
	struct audit_db_tally by_day = {.group = {"day", "decision"}, .count = 2};
	struct tally t = {.n = 0};
	assert_int_equal(audit_count(a, &q, &by_day, tally_row, &t, stderr), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.keys[0], "2026-10-01/deny");
	assert_string_equal(t.keys[1], "2026-10-02/deny");
	assert_int_equal(t.count[1], 2);
	assert_string_equal(t.keys[2], "2026-10-03/redact");
	int found = 0;
	assert_int_equal(audit_search(a, &q, count_row, &found, stderr), 0);
	assert_int_equal(found, 4);

	struct audit_db_tally top = {
	    .group = {"partner", "decision"}, .count = 2, .limit = 1, .most_first = 1};
	t.n = 0;
	assert_int_equal(audit_count(a, &q, &top, tally_row, &t, stderr), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.keys[0], "TX/deny");
	assert_int_equal(t.count[0], 2);

	/* One word matches only itself; the period is [since, until). */
	struct audit_query one = {.decision = "deny",
	                          .partner = "TX",
	                          .since = "2026-10-01T02:00:00Z",
	                          .until = "2026-10-02T03:00:00Z"};
	struct audit_db_tally none = {0};
	long long total = -1;
	assert_int_equal(audit_count(a, &one, &none, total_row, &total, stderr), 0);
	assert_int_equal(total, 1);
	struct audit_db_tally bad = {.group = {"time; DROP TABLE entries"}, .count = 1};
	FILE *err = tmpfile();
	assert_int_equal(audit_count(a, &q, &bad, tally_row, &t, err), -1);
	fclose(err);
	audit_close(a);
	scratch_remove(&sc);
}

/* A purge clears the personal columns and nothing else: the tree's root
 * is the same before and after, every entry still verifies, and a search
 * by case finds nothing any more. */
static void purge_keeps_the_tree(void **state)
{
	struct audit *a;
	struct audit_state before, after;
	long long purged = -1, kept = -1;
	int found = 0;
	(void)state;

	struct scratch sc;
	a = scratch_log(&sc);
	struct audit_entry e[4] = {0};
	for (int i = 0; i < 4; i++) {
		audit_entry_set(&e[i], "time",
		                i < 3 ? "2019-01-01T00:00:00Z" : "2026-01-01T00:00:00Z");
		audit_entry_set(&e[i], "direction", "out");
		audit_entry_set(&e[i], "case_id", "CASE0001");
		audit_entry_set(&e[i], "record_id", "R1");
		audit_entry_set(&e[i], "subject_key", "ab12");
		audit_entry_set(&e[i], "decision", "allow");
	}
	assert_int_equal(audit_append(a, e, 4, stderr), 0);
	assert_int_equal(audit_verify_state(a, &before, stderr), 0);
	assert_int_equal(before.purged, 0);

	/* The purge's own entry first, saying which entries it clears. */
	struct audit_entry pe = {0};
	audit_entry_set(&pe, "direction", "registry");
	audit_entry_set(&pe, "decision", "purge");
	audit_entry_set(&pe, "detail", "unit; audit entries before 2020-01-01T00:00:00Z");
	assert_int_equal(audit_append(a, &pe, 1, stderr), 0);
	uint64_t by = audit_last_id(a);
	assert_int_equal(by, 5);
	assert_int_equal(audit_verify_state(a, &before, stderr), 0);

	/* Counted, not changed, on a dry run. */
	assert_int_equal(audit_purge(a, "2020-01-01T00:00:00Z", by, true, &purged, &kept, stderr),
	                 0);
	assert_int_equal(purged, 3);
	assert_int_equal(kept, 0);
	struct audit_query q = {.case_id = "CASE0001"};
	assert_int_equal(audit_search(a, &q, count_row, &found, stderr), 0);
	assert_int_equal(found, 4);

	assert_int_equal(audit_purge(a, "2020-01-01T00:00:00Z", by, false, &purged, &kept, stderr),
	                 0);
	assert_int_equal(purged, 3);
	assert_int_equal(audit_verify_state(a, &after, stderr), 0);
	assert_string_equal(after.root, before.root);
	assert_int_equal(after.entries, 5);
	assert_int_equal(after.purged, 3);
	found = 0;
	assert_int_equal(audit_search(a, &q, count_row, &found, stderr), 0);
	assert_int_equal(found, 1); /* the younger entry keeps its case */
	/* Again: nothing more has expired. */
	assert_int_equal(audit_purge(a, "2020-01-01T00:00:00Z", by, false, &purged, &kept, stderr),
	                 0);
	assert_int_equal(purged, 0);
	/* A purge that says it cleared older entries cannot vouch for a
	 * younger one: clearing the 2026 entry with it is named. */
	assert_int_equal(audit_purge(a, "2027-01-01T00:00:00Z", by, false, &purged, &kept, stderr),
	                 0);
	assert_int_equal(purged, 1);
	assert_int_equal(audit_verify_state(a, &after, stderr), 1);

	audit_close(a);
	scratch_remove(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hmac_is_rfc4231),
	    cmocka_unit_test(search_by_subject),
	    cmocka_unit_test(two_writers),
	    cmocka_unit_test(columns_by_index),
	    cmocka_unit_test(append_is_whole_or_nothing),
	    cmocka_unit_test(append_without_a_thread),
	    cmocka_unit_test(counts_in_sql),
	    cmocka_unit_test(consistency_from_the_log),
	    cmocka_unit_test(purge_keeps_the_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
