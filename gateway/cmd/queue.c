/*
 * queue.c - csgw status and csgw queue: the spool as operations see it.
 *
 * What they read and change is ops/queue.h; this prints it.
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

#include "cmd/cmd.h"
#include "core/audit.h"
#include "core/caller.h"
#include "core/schedule.h"
#include "core/spool.h"
#include "io/cms.h"
#include "io/fs.h"
#include "ops/queue.h"
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

static void age_text(time_t since, time_t now, char *buf, size_t size)
{
	if (since == 0)
		snprintf(buf, size, "-");
	else
		duration_format((long)(now - since), buf, size);
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
		printf(",\"quarantined_inbound\":%lu,\"held\":", v->bad_inbound);
		if (v->witness_held)
			cmd_json_string(v->witness_reason);
		else
			printf("null");
		printf(",\"states\":{");
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
		if (s->p[i].witness_held)
			printf("  %s: HELD: %s; %lu received file(s) wait in %s/incoming/%s/ (csgw "
			       "audit witnesses %s)\n",
			       s->p[i].name, s->p[i].witness_reason, s->p[i].incoming, s->spool,
			       s->p[i].name, s->p[i].name);
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
	if ((rc = status_read(&set, &s)) != 0) {
		setup_free(&set);
		return rc;
	}
	if (json)
		print_json(&s);
	else
		print_text(&s);
	rc = s.nattention || status_problems(&s) ? 1 : 0;
	status_free(&s);
	setup_free(&set);
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
		fprintf(stderr, "%s: [gateway] has no spool\n", setup_conf_name(&set));
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
	else {
		struct queue_moved m;
		if ((rc = queue_change(caller_get(), &set, spool, verb, &e, reason, &m)) == 0 &&
		    m.purged)
			printf("%s: purged (was %s)\n", e.id, spool_state_name(m.was));
		else if (rc == 0)
			printf("%s: %s -> %s\n", e.id, spool_state_name(m.was),
			       spool_state_name(m.to));
	}
out:
	free(spool);
	setup_free(&set);
	return rc;
}
