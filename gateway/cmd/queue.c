/*
 * queue.c - csgw status and csgw queue: the spool as operations see it.
 *
 * status reads the spool (core/spool.h) and the partner state files of
 * csgw run; queue moves entries between states under the partner's lock,
 * so that it never races a cycle of the daemon.  Neither shows content:
 * ids, partners, families, batch numbers, sizes, ages and reasons.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmd/casework.h"
#include "cmd/cmd.h"
#include "cmd/exchange.h"
#include "core/audit.h"
#include "core/caller.h"
#include "core/schedule.h"
#include "core/spool.h"
#include "io/cms.h"
#include "io/fs.h"
#include "util/alloc.h"

static const char status_usage[] =
    "usage: csgw [-c FILE] status [--json]\n"
    "\n"
    "For each partner: the count and oldest age of entries in each spool state\n"
    "(active, deferred, sent, done, hold, quarantine), files waiting in its\n"
    "outgoing folder, files quarantined on receipt, the last and next exchange\n"
    "and the last transport failure, requests waiting for an answer; then\n"
    "everything that needs a person (held and quarantined entries with their\n"
    "reasons, receipts overdue, requests not answered within answer_within,\n"
    "answers that matched no request).\n"
    "--json prints the same as one JSON object.\n"
    "\n"
    "Exit 0 nothing needs a person, 1 something does, 78 configuration.\n";

static const char queue_usage[] =
    "usage: csgw [-c FILE] queue list [--state STATE] [--partner NAME]\n"
    "       csgw [-c FILE] queue show ID\n"
    "       csgw [-c FILE] queue hold|release|retry|purge ID [--reason TEXT]\n"
    "\n"
    "list     entries, oldest first: id, state, partner, family, batch,\n"
    "         attempts, age, reason\n"
    "show     one entry: everything its meta says, and its files\n"
    "hold     park an active or deferred entry (it is not sent until released)\n"
    "release  send a held entry again: back to active, attempts counted afresh\n"
    "retry    send a deferred entry at the next cycle instead of waiting\n"
    "purge    remove a done, held or quarantined entry for good (logged in the\n"
    "         audit log); sent and active entries cannot be purged\n"
    "\n"
    "Exit 0 done, 64 usage, 66 no such entry, 65 the entry is in a state that\n"
    "does not allow it, 75 the daemon is busy with that partner (try again).\n";

struct tally {
	unsigned long count[SPOOL_NSTATES];
	time_t oldest[SPOOL_NSTATES];
};

static void age_text(time_t since, time_t now, char *buf, size_t size)
{
	if (since == 0)
		snprintf(buf, size, "-");
	else
		duration_format((long)(now - since), buf, size);
}

/* Files in a folder (not hidden, not a .p7s or .reason): count and oldest. */
static unsigned long count_files(const char *dir, time_t *oldest)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned long n = 0;

	*oldest = 0;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		size_t len = strlen(de->d_name);
		/* Files, not their signatures and reasons, nor unfinished drops. */
		if (spool_drop_unfinished(de->d_name) ||
		    (len > 4 && strcmp(de->d_name + len - 4, ".p7s") == 0) ||
		    (len > 7 && strcmp(de->d_name + len - 7, ".reason") == 0))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		n++;
		if (*oldest == 0 || st.st_mtime < *oldest)
			*oldest = st.st_mtime;
	}
	closedir(d);
	return n;
}

struct partner_view {
	const char *name;
	struct tally t;
	unsigned long outgoing, bad_inbound;
	time_t outgoing_oldest, bad_inbound_oldest, next_fetch;
	struct partner_state st;
	struct casework_counts cw; /* requests waiting, overdue; answers matching none */
};

struct status {
	char *spool;
	long receipt_timeout;
	struct partner_view p[64];
	size_t np;
	struct spool_entry *attention;
	size_t nattention;
	struct ledger_request *late; /* requests past their due time */
	size_t nlate;
	bool daemon;
};

static struct partner_view *view_of(struct status *s, const char *name)
{
	for (size_t i = 0; i < s->np; i++)
		if (strcmp(s->p[i].name, name) == 0)
			return &s->p[i];
	return NULL;
}

static int add_late(void *ctx, const struct ledger_request *r)
{
	struct status *s = ctx;
	s->late = xreallocarray(s->late, s->nlate + 1, sizeof *s->late);
	s->late[s->nlate++] = *r;
	return 0;
}

static void gather(const struct setup *set, struct status *s)
{
	const struct ini_file *ini = set->conf.ini;
	time_t now = time(NULL);

	for (size_t i = 0; i < ini->nsections && s->np < 64; i++) {
		const char *sec = ini->sections[i].name;
		if (strncmp(sec, "partner ", 8) != 0)
			continue;
		struct partner_view *v = &s->p[s->np++];
		v->name = sec + 8;
		partner_state_load(s->spool, v->name, &v->st);
		struct schedule sch;
		const char *text = conf_value(&set->conf, sec, "schedule");
		if (schedule_parse(text ? text : "every 15m", &sch) == 0)
			v->next_fetch = schedule_next(&sch, v->st.last_fetch, now);
		/* Drops waiting, its TYPE folders included. */
		char *out = xasprintf("%s/outgoing/%s", s->spool, v->name);
		v->outgoing = count_files(out, &v->outgoing_oldest);
		DIR *d = opendir(out);
		struct dirent *de;
		while (d && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			char *sub = xasprintf("%s/%s", out, de->d_name);
			time_t old;
			struct stat st;
			if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
				v->outgoing += count_files(sub, &old);
				if (old && (v->outgoing_oldest == 0 || old < v->outgoing_oldest))
					v->outgoing_oldest = old;
			}
			free(sub);
		}
		if (d)
			closedir(d);
		free(out);
		char *q = xasprintf("%s/quarantine/%s", s->spool, v->name);
		v->bad_inbound = count_files(q, &v->bad_inbound_oldest);
		free(q);
	}
	for (int st = 0; st < SPOOL_NSTATES; st++) {
		struct spool_entry *e = NULL;
		size_t n = 0;
		spool_list(s->spool, (enum spool_state)st, &e, &n);
		for (size_t i = 0; i < n; i++) {
			struct partner_view *v = view_of(s, e[i].partner);
			if (v) {
				v->t.count[st]++;
				time_t since = e[i].created;
				if (v->t.oldest[st] == 0 || since < v->t.oldest[st])
					v->t.oldest[st] = since;
			}
			bool overdue = st == SPOOL_SENT && now - e[i].sent >= s->receipt_timeout;
			if (st == SPOOL_HOLD || st == SPOOL_QUARANTINE || overdue) {
				s->attention = xreallocarray(s->attention, s->nattention + 1,
				                             sizeof *s->attention);
				s->attention[s->nattention] = e[i];
				if (overdue) {
					char d[32];
					duration_format((long)(now - e[i].sent), d, sizeof d);
					snprintf(s->attention[s->nattention].reason,
					         sizeof e[i].reason, "no receipt from %s after %s",
					         e[i].partner, d);
				}
				s->nattention++;
			}
		}
		free(e);
	}
	struct ledger_db *db = NULL;
	if (casework_ledger_open(set, false, &db) == 0 && db) {
		for (size_t i = 0; i < s->np; i++)
			casework_counts(db, s->p[i].name, &s->p[i].cw);
		struct ledger_filter f = {.direction = "out", .due_before = (long long)now};
		char why[256];
		ledger_requests(db, &f, add_late, s, why, sizeof why);
	}
	ledger_db_close(db);
	char *lock = xasprintf("%s/.run.lock", s->spool);
	int fd = fs_lock(lock);
	s->daemon = fd < 0 && errno == EWOULDBLOCK;
	if (fd >= 0)
		close(fd);
	free(lock);
}

static void json_time(const char *key, time_t t, bool comma)
{
	if (t)
		printf("\"%s\":%lld%s", key, (long long)t, comma ? "," : "");
	else
		printf("\"%s\":null%s", key, comma ? "," : "");
}

static void print_json(const struct status *s)
{
	time_t now = time(NULL);
	printf("{\"spool\":");
	cmd_json_string(s->spool);
	printf(",\"now\":%lld,\"daemon_running\":%s,\"partners\":[", (long long)now,
	       s->daemon ? "true" : "false");
	for (size_t i = 0; i < s->np; i++) {
		const struct partner_view *v = &s->p[i];
		printf("%s{\"name\":", i ? "," : "");
		cmd_json_string(v->name);
		putchar(',');
		json_time("last_fetch", v->st.last_fetch, true);
		json_time("next_fetch", v->next_fetch, true);
		json_time("last_ok", v->st.last_ok, true);
		json_time("last_failure", v->st.last_failure, true);
		printf("\"failure\":");
		cmd_json_string(v->st.failure);
		printf(",\"outgoing\":{\"count\":%lu,\"oldest_age\":%lld}", v->outgoing,
		       v->outgoing_oldest ? (long long)(now - v->outgoing_oldest) : 0LL);
		printf(
		    ",\"requests\":{\"waiting\":%lld,\"overdue\":%lld,\"unmatched_answers\":%lld}",
		    v->cw.pending, v->cw.overdue, v->cw.unmatched);
		printf(",\"quarantined_inbound\":%lu,\"states\":{", v->bad_inbound);
		for (int st = 0; st < SPOOL_NSTATES; st++)
			printf("%s\"%s\":{\"count\":%lu,\"oldest_age\":%lld}", st ? "," : "",
			       spool_state_name((enum spool_state)st), v->t.count[st],
			       v->t.oldest[st] ? (long long)(now - v->t.oldest[st]) : 0LL);
		printf("}}");
	}
	printf("],\"attention\":[");
	for (size_t i = 0; i < s->nattention; i++) {
		const struct spool_entry *e = &s->attention[i];
		printf("%s{\"id\":", i ? "," : "");
		cmd_json_string(e->id);
		printf(",\"state\":\"%s\",\"partner\":", spool_state_name(e->state));
		cmd_json_string(e->partner);
		printf(",\"family\":");
		cmd_json_string(e->family);
		printf(",\"reason\":");
		cmd_json_string(e->reason);
		putchar('}');
	}
	printf("],\"overdue_requests\":[");
	for (size_t i = 0; i < s->nlate; i++) {
		const struct ledger_request *r = &s->late[i];
		printf("%s{\"id\":", i ? "," : "");
		cmd_json_string(r->id);
		printf(",\"partner\":");
		cmd_json_string(r->partner);
		printf(",\"case\":");
		cmd_json_string(r->case_id);
		printf(",\"due\":%lld}", r->due);
	}
	printf("]}\n");
}

/* What needs a person besides the spool's entries: received files in
 * quarantine, overdue requests, answers that matched nothing. */
static unsigned long status_problems(const struct status *s)
{
	unsigned long n = s->nlate;
	for (size_t i = 0; i < s->np; i++)
		n += s->p[i].bad_inbound + (unsigned long)s->p[i].cw.unmatched;
	return n;
}

static void print_text(const struct status *s)
{
	time_t now = time(NULL);
	char a[32], b[32];

	printf("spool %s (csgw run %s)\n", s->spool, s->daemon ? "is running" : "is NOT running");
	for (size_t i = 0; i < s->np; i++) {
		const struct partner_view *v = &s->p[i];
		age_text(v->st.last_fetch, now, a, sizeof a);
		if (v->next_fetch > now)
			duration_format((long)(v->next_fetch - now), b, sizeof b);
		else
			snprintf(b, sizeof b, "due now");
		printf("partner %s: last fetch %s%s, next %s%s\n", v->name, a,
		       v->st.last_fetch ? " ago" : "", v->next_fetch > now ? "in " : "", b);
		if (v->st.last_failure > v->st.last_ok) {
			age_text(v->st.last_failure, now, a, sizeof a);
			printf("  last failure %s ago: %s\n", a, v->st.failure);
		}
		printf("  ");
		for (int st = 0; st < SPOOL_NSTATES; st++) {
			printf("%s%s %lu", st ? ", " : "", spool_state_name((enum spool_state)st),
			       v->t.count[st]);
			if (v->t.count[st] && st != SPOOL_DONE) {
				age_text(v->t.oldest[st], now, a, sizeof a);
				printf(" (oldest %s)", a);
			}
		}
		putchar('\n');
		age_text(v->outgoing_oldest, now, a, sizeof a);
		printf("  outgoing %lu file(s) not taken yet%s%s%s; %lu received file(s) "
		       "quarantined\n",
		       v->outgoing, v->outgoing ? " (oldest " : "", v->outgoing ? a : "",
		       v->outgoing ? ")" : "", v->bad_inbound);
		if (v->cw.pending || v->cw.overdue || v->cw.unmatched)
			printf(
			    "  requests: %lld waiting for an answer (%lld overdue); %lld answer(s) "
			    "matched no request\n",
			    v->cw.pending, v->cw.overdue, v->cw.unmatched);
	}
	unsigned long bad = status_problems(s);
	if (s->nattention == 0 && bad == 0) {
		printf("nothing needs a person\n");
		return;
	}
	printf("needs a person:\n");
	for (size_t i = 0; i < s->nattention; i++) {
		const struct spool_entry *e = &s->attention[i];
		printf("  %s  %-10s %-6s %s\n", e->id, spool_state_name(e->state), e->partner,
		       e->reason);
	}
	for (size_t i = 0; i < s->nlate; i++) {
		const struct ledger_request *r = &s->late[i];
		char due[32];
		age_text((time_t)r->due, now, due, sizeof due);
		printf("  %-16s overdue    %-6s %s %s %s for case %s: no answer, due %s ago "
		       "(csgw %s show|close %s)\n",
		       r->id, r->partner, r->serial[0] ? r->function : "FPLS",
		       r->serial[0] ? r->action : "locate", r->serial[0] ? r->reason : "",
		       r->case_id, due, strcmp(r->kind, "locate") == 0 ? "locate" : "refer", r->id);
	}
	for (size_t i = 0; i < s->np; i++)
		if (s->p[i].cw.unmatched)
			printf("  %s: %lld answer(s) matched no request we sent (csgw refer "
			       "unmatched; "
			       "the files are in the inbox)\n",
			       s->p[i].name, s->p[i].cw.unmatched);
	for (size_t i = 0; i < s->np; i++)
		if (s->p[i].bad_inbound)
			printf(
			    "  %s/quarantine/%s/: %lu received file(s), each with a .reason file\n",
			    s->spool, s->p[i].name, s->p[i].bad_inbound);
}

int cmd_status(struct globals *g, int argc, char **argv)
{
	struct setup set;
	struct status s = {0};
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	int rc;

	if (cmd_want_help(argc, argv, status_usage))
		return 0;
	if (argc > 2 || (argc == 2 && !json)) {
		fputs(status_usage, stderr);
		return EX_USAGE;
	}
	if ((rc = cmd_setup(g, true, &set)) != 0)
		return rc;
	s.spool = conf_path(&set.conf, "gateway", "spool");
	if (s.spool == NULL) {
		fprintf(stderr, "%s: [gateway] has no spool\n", cmd_conf_name(&set));
		cmd_teardown(&set);
		return EX_CONFIG;
	}
	s.receipt_timeout = exchange_duration(&set, "receipt_timeout", 4 * 3600);
	gather(&set, &s);
	if (json)
		print_json(&s);
	else
		print_text(&s);
	rc = s.nattention || status_problems(&s) ? 1 : 0;
	free(s.attention);
	free(s.late);
	free(s.spool);
	cmd_teardown(&set);
	return rc;
}

/* ---- queue ---- */

static void print_entry_line(const struct spool_entry *e, time_t now)
{
	char age[32];
	age_text(e->created, now, age, sizeof age);
	printf("%-32s %-10s %-6s %-8s %-6s %2u %8s  %s\n", e->id, spool_state_name(e->state),
	       e->partner, e->family[0] ? e->family : "-", e->batch[0] ? e->batch : "-",
	       e->attempts, age, e->reason);
}

static int queue_list(const char *spool, int argc, char **argv)
{
	const char *only_state = NULL, *only_partner = NULL;
	time_t now = time(NULL);

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
			only_state = argv[++i];
		else if (strcmp(argv[i], "--partner") == 0 && i + 1 < argc)
			only_partner = argv[++i];
		else {
			fputs(queue_usage, stderr);
			return EX_USAGE;
		}
	}
	if (only_state && spool_state_of(only_state) < 0) {
		fprintf(stderr,
		        "csgw queue: --state %s: expected active, deferred, sent, done, "
		        "hold or quarantine\n",
		        only_state);
		return EX_USAGE;
	}
	printf("%-32s %-10s %-6s %-8s %-6s %2s %8s  %s\n", "ID", "STATE", "PARTNER", "FAMILY",
	       "BATCH", "#", "AGE", "REASON");
	for (int st = 0; st < SPOOL_NSTATES; st++) {
		if (only_state && spool_state_of(only_state) != st)
			continue;
		struct spool_entry *e = NULL;
		size_t n = 0;
		spool_list(spool, (enum spool_state)st, &e, &n);
		for (size_t i = 0; i < n; i++)
			if (!only_partner || strcmp(e[i].partner, only_partner) == 0)
				print_entry_line(&e[i], now);
		free(e);
	}
	return 0;
}

static void print_time(const char *label, time_t t)
{
	char buf[64] = "-";
	struct tm tm;
	if (t) {
		localtime_r(&t, &tm);
		strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &tm);
	}
	printf("%-13s %s\n", label, buf);
}

static int queue_show(const char *spool, const struct spool_entry *e)
{
	printf("%-13s %s\n%-13s %s\n%-13s %s\n%-13s %s\n", "id", e->id, "state",
	       spool_state_name(e->state), "partner", e->partner, "kind", e->kind);
	printf("%-13s %s\n%-13s %s\n%-13s %s\n%-13s %s\n", "source", e->source, "family",
	       e->family[0] ? e->family : "-", "batch", e->batch[0] ? e->batch : "-", "file",
	       e->file[0] ? e->file : "- (not prepared yet)");
	printf("%-13s %s\n%-13s %lu\n%-13s %u\n", "sha256", e->sha256[0] ? e->sha256 : "-",
	       "records", e->records, "attempts", e->attempts);
	print_time("created", e->created);
	print_time("sent", e->sent);
	print_time("next attempt", e->state == SPOOL_DEFERRED ? e->next_attempt : 0);
	print_time("changed", e->changed);
	printf("%-13s %s\n", "reason", e->reason[0] ? e->reason : "-");
	char *dir = spool_path(spool, e, NULL);
	printf("%-13s %s\n", "folder", dir);
	free(dir);
	return 0;
}

/* The purge's audit entry, before anything is removed.  0 or -1 (said why). */
static int audit_purge(struct setup *set, const struct spool_entry *e)
{
	struct audit *a = NULL;
	struct cms_signer *signer = NULL;
	int rc = -1;
	if (cmd_audit_open(set, 1, true, &a, &signer) != 0)
		return -1;
	struct audit_entry ae = {{0}};
	audit_entry_set(&ae, "direction", "spool");
	audit_entry_set(&ae, "partner", e->partner);
	audit_entry_set(&ae, "family", e->family);
	audit_entry_set(&ae, "record_type", e->kind);
	audit_entry_set(&ae, "record_id", e->id);
	audit_entry_set(&ae, "decision", "purged");
	audit_entry_set(&ae, "file_sha256", e->sha256);
	audit_entry_set(&ae, "batch", e->batch);
	audit_entry_set(&ae, "actor", caller_get()->user);
	if (audit_append(a, &ae, 1, stderr) == 0 && audit_checkpoint(a, stderr) == 0)
		rc = 0;
	audit_close(a);
	cms_signer_free(signer);
	return rc;
}

/* A released entry goes out again: the partner's earlier receipt (the
 * rejection it was held for) is kept beside it under another name, so
 * that it does not settle the entry again. */
static int set_receipt_aside(const char *spool, const struct spool_entry *e)
{
	char *path = spool_path(spool, e, "receipt.xml");
	int rc = 0;
	for (int n = 1; rc == 0 && access(path, F_OK) == 0 && n < 1000; n++) {
		char name[64];
		snprintf(name, sizeof name, "receipt-%d.xml", n);
		char *aside = spool_path(spool, e, name);
		if (access(aside, F_OK) != 0) {
			char *sig = cmd_signature_path(path),
			     *aside_sig = cmd_signature_path(aside);
			if ((access(sig, F_OK) == 0 && fs_move(sig, aside_sig) < 0) ||
			    fs_move(path, aside) < 0)
				rc = -1;
			free(sig);
			free(aside_sig);
		}
		free(aside);
	}
	free(path);
	return rc;
}

/* hold, release, retry, purge: under the partner's lock, so never in the
 * middle of a cycle of csgw run. */
static int queue_change(struct setup *set, const char *spool, const char *verb,
                        struct spool_entry *e, const char *reason)
{
	int lock = -1, rc = 0;
	for (int tries = 0; tries < 100; tries++) {
		int r = cmd_lock_partner(set, e->partner, &lock);
		if (r == 0)
			break;
		if (r != EX_TEMPFAIL)
			return r;
		usleep(100000);
	}
	if (lock < 0)
		return EX_TEMPFAIL;
	/* Read again under the lock: the daemon may have moved it. */
	char id[SPOOL_ID_MAX];
	snprintf(id, sizeof id, "%s", e->id);
	if (spool_find(spool, id, e) < 0) {
		fprintf(stderr, "csgw queue: %s: gone meanwhile\n", id);
		rc = EX_NOINPUT;
		goto out;
	}
	enum spool_state to = e->state;
	char *why = NULL;
	if (strcmp(verb, "hold") == 0) {
		if (e->state != SPOOL_ACTIVE && e->state != SPOOL_DEFERRED)
			goto wrong;
		to = SPOOL_HOLD;
		why =
		    xasprintf("held by an operator%s%s", reason ? ": " : "", reason ? reason : "");
	} else if (strcmp(verb, "release") == 0) {
		if (e->state != SPOOL_HOLD)
			goto wrong;
		if (set_receipt_aside(spool, e) < 0) {
			fprintf(stderr, "csgw queue: %s: cannot set its receipt aside: %s\n", e->id,
			        strerror(errno));
			rc = EX_IOERR;
			goto out;
		}
		to = SPOOL_ACTIVE;
		e->attempts = 0;
		e->next_attempt = 0;
		/* Counted afresh: a released entry is not held again at once. */
		e->created = time(NULL);
		why = xstrdup("");
	} else if (strcmp(verb, "retry") == 0) {
		if (e->state != SPOOL_DEFERRED)
			goto wrong;
		e->next_attempt = 0;
		to = SPOOL_ACTIVE;
		why = xstrdup("");
	} else { /* purge */
		if (e->state != SPOOL_DONE && e->state != SPOOL_HOLD &&
		    e->state != SPOOL_QUARANTINE)
			goto wrong;
		if (audit_purge(set, e) < 0) {
			fprintf(stderr,
			        "csgw queue: %s: not purged: the audit log cannot take "
			        "the entry (above)\n",
			        e->id);
			rc = EX_IOERR;
			goto out;
		}
		if (spool_remove(spool, e) < 0) {
			fprintf(stderr, "csgw queue: %s: cannot remove: %s\n", e->id,
			        strerror(errno));
			rc = EX_IOERR;
		} else {
			printf("%s: purged (was %s)\n", e->id, spool_state_name(e->state));
		}
		goto out;
	}
	enum spool_state was = e->state;
	if (spool_move(spool, e, to, why) < 0) {
		fprintf(stderr, "csgw queue: %s: %s\n", e->id, strerror(errno));
		rc = EX_IOERR;
	} else {
		printf("%s: %s -> %s\n", e->id, spool_state_name(was), spool_state_name(to));
	}
	free(why);
	goto out;
wrong:
	fprintf(stderr, "csgw queue: %s is %s; %s applies to %s\n", e->id,
	        spool_state_name(e->state), verb,
	        strcmp(verb, "hold") == 0      ? "active or deferred entries"
	        : strcmp(verb, "release") == 0 ? "held entries"
	        : strcmp(verb, "retry") == 0   ? "deferred entries"
	                                       : "done, held or quarantined entries");
	rc = EX_DATAERR;
out:
	close(lock);
	return rc;
}

int cmd_queue(struct globals *g, int argc, char **argv)
{
	struct setup set;
	int rc;

	if (cmd_want_help(argc, argv, queue_usage))
		return 0;
	if (argc < 2) {
		fputs(queue_usage, stderr);
		return EX_USAGE;
	}
	const char *verb = argv[1];
	bool list = strcmp(verb, "list") == 0;
	bool known = list || strcmp(verb, "show") == 0 || strcmp(verb, "hold") == 0 ||
	             strcmp(verb, "release") == 0 || strcmp(verb, "retry") == 0 ||
	             strcmp(verb, "purge") == 0;
	const char *reason = NULL;
	if (!known || (!list && argc != 3 && !(argc == 5 && strcmp(argv[3], "--reason") == 0))) {
		fputs(queue_usage, stderr);
		return EX_USAGE;
	}
	if (argc == 5)
		reason = argv[4];
	if ((rc = cmd_setup(g, true, &set)) != 0)
		return rc;
	char *spool = conf_path(&set.conf, "gateway", "spool");
	if (spool == NULL) {
		fprintf(stderr, "%s: [gateway] has no spool\n", cmd_conf_name(&set));
		rc = EX_CONFIG;
		goto out;
	}
	if (list) {
		rc = queue_list(spool, argc, argv);
		goto out;
	}
	struct spool_entry e;
	if (spool_find(spool, argv[2], &e) < 0) {
		fprintf(stderr, "csgw queue: no entry %s in %s (csgw queue list shows them)\n",
		        argv[2], spool);
		rc = EX_NOINPUT;
		goto out;
	}
	if (strcmp(verb, "show") == 0)
		rc = queue_show(spool, &e);
	else
		rc = queue_change(&set, spool, verb, &e, reason);
out:
	free(spool);
	cmd_teardown(&set);
	return rc;
}
