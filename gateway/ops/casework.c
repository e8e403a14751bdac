/*
 * casework.c - transactions people start, and what comes back for them
 * (casework.h).
 */
#include "ops/casework.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/caller.h"
#include "core/field.h"
#include "core/isolated.h"
#include "core/map.h"
#include "core/unmap.h"
#include "io/fs.h"
#include "ops/offset.h"
#include "util/alloc.h"
#include "util/log.h"

static int next(struct exchange *x, const char *counter, long long *v)
{
	char why[1024];
	if (ledger_next(x->ledger, counter, 1, v, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		return EX_IOERR;
	}
	return 0;
}

int casework_serial(struct exchange *x, char serial[13])
{
	const char *ours = conf_value(&x->s->conf, "gateway", "state");
	long long v = 0;
	int rc = next(x, "serial", &v);
	char text[40];
	snprintf(text, sizeof text, "%.2s%010llu", ours, (unsigned long long)v % 10000000000ULL);
	if (rc == 0)
		snprintf(serial, 13, "%.12s", text);
	return rc;
}

int casework_batch_number(struct exchange *x, const char *partner, const char *family,
                          char batch[7])
{
	char *counter = xasprintf("batch:%s:%s", partner, family);
	long long v = 0;
	int rc = next(x, counter, &v);
	free(counter);
	char text[32];
	snprintf(text, sizeof text, "%06llu", (unsigned long long)v % 1000000ULL);
	if (rc == 0)
		snprintf(batch, 7, "%.6s", text);
	return rc;
}

void casework_today(char date[11])
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(date, 11, "%Y-%m-%d", &tm);
}

int casework_transaction(struct exchange *x, const struct casework_txn *t, struct compose *c,
                         char serial[13])
{
	const char *ours = conf_value(&x->s->conf, "gateway", "state");
	const char *theirs = setup_partner_value(x->s, t->partner, "state");
	const char *families = setup_partner_value(x->s, t->partner, "families");
	const struct batch_type *bt = mapping_batch(x->s->set, "referral");
	char batch[7], date[11], err[512];
	int rc;

	if (setup_partner_value(x->s, t->partner, "class") == NULL) {
		fprintf(stderr, "csgw: no [partner %s] in %s\n", t->partner, setup_conf_name(x->s));
		return EX_USAGE;
	}
	if (theirs == NULL || bt == NULL || !conf_list_has(families, "referral")) {
		fprintf(stderr,
		        "csgw: partner %s takes no interstate transactions (it needs a state and "
		        "'referral' in its families)\n",
		        t->partner);
		return EX_USAGE;
	}
	if (t->serial)
		snprintf(serial, 13, "%s", t->serial);
	else if ((rc = casework_serial(x, serial)) != 0)
		return rc;
	if ((rc = casework_batch_number(x, t->partner, "referral", batch)) != 0)
		return rc;
	casework_today(date);
	compose_begin(c, bt, x->s->test_env);
	size_t h = (size_t)compose_add(c, "RH"), lead = (size_t)compose_add(c, "TH");
	compose_add(c, "RT");
	const char *set[][3] = {
	    {"H", "sendingState", ours},
	    {"H", "receivingState", theirs},
	    {"H", "batchNumber", batch},
	    {"H", "fileDate", date},
	    {"T", "localFipsState", ours},
	    {"T", "partnerFipsState", theirs},
	    {"T", "transactionSerialNumber", serial},
	    {"T", "transactionDate", date},
	    {"T", "functionCode", t->function},
	    {"T", "actionCode", t->action},
	    {"T", "reasonCode", t->reason},
	    {"T", "localCaseId", t->case_id},
	    {"T", "otherCaseId", t->other_case ? t->other_case : ""},
	};
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		if (set[i][2] && compose_set(c, set[i][0][0] == 'H' ? h : lead, set[i][1],
		                             set[i][2], err, sizeof err) < 0) {
			fprintf(stderr, "csgw: %s\n", err);
			return EX_DATAERR;
		}
	for (size_t i = 0; i < t->nblocks; i++)
		if (compose_add_child(c, lead, t->blocks[i]) < 0) {
			fprintf(stderr,
			        "csgw: block %zu (%.2s) is not a data block of a transaction\n",
			        i + 1, t->blocks[i]);
			return EX_DATAERR;
		}
	for (size_t i = 0; i < t->nfields; i++)
		if (compose_assign(c, lead, t->fields[i], err, sizeof err) < 0) {
			fprintf(stderr, "csgw: %s\n", err);
			return EX_DATAERR;
		}
	compose_counts(c);
	return 0;
}

/* Says why the policy let nothing of a composed batch go: each record's
 * rule and citation (disclose_batch has logged the decisions). */
static void explain(struct exchange *x, const struct compose *c, const char *partner,
                    const char *purpose, const char *label)
{
	struct policy_request req;
	exchange_request(x, partner, purpose, &req);
	if (registry_read(&x->reg) != 0)
		return;
	struct policy_registry pr = registry_for_policy(&x->reg);
	req.registry = &pr;
	const char *header = c->records[0] == c->bt->header ? c->lines[0] : NULL;
	for (size_t i = 0; i < c->n; i++) {
		if (!mapping_batch_has_record(c->bt, c->records[i]))
			continue;
		size_t end = i + 1;
		while (end < c->n && !mapping_batch_has_record(c->bt, c->records[end]) &&
		       c->records[end] != c->bt->trailer)
			end++;
		struct policy_record rec = {
		    .family = c->bt->family,
		    .records = c->records + i,
		    .lines = (const char *const *)c->lines + i,
		    .nlines = end - i,
		    .header = header ? c->bt->header : NULL,
		    .header_line = header,
		};
		struct policy_decision d = {0};
		policy_decide(x->policy, &req, &rec, &d);
		if (d.effect == POLICY_DENY || d.effect == POLICY_PROHIBIT)
			fprintf(stderr, "csgw: %s: %s by %s (%s): %s\n", label,
			        d.effect == POLICY_DENY ? "denied" : "prohibited", d.rule_id,
			        d.citation, d.reason);
		policy_decision_free(&d);
	}
	registry_snapshot_free(x->reg.snap);
	x->reg.snap = NULL;
}

int casework_stage(struct exchange *x, struct compose *c, const char *partner, const char *purpose,
                   const char *label, const char *stage, struct spool_entry *e)
{
	char *src = NULL, *out = NULL, *problems = NULL;
	struct disclose_counts n = {0};
	struct batch_counts counts = {0};
	int rc = EX_IOERR;

	src = xasprintf("%s/source", stage);
	out = xasprintf("%s/disclosed.xml", stage);
	/* Durable like every file of an entry (temp, fsync, rename). */
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int written = mem && compose_write(c, mem) == 0 ? 0 : -1;
	if (mem)
		fclose(mem);
	if (written < 0 || fs_write_text(src, text) < 0) {
		fprintf(stderr, "csgw: cannot write %s: %s\n", src, strerror(errno));
		free(text);
		goto out;
	}
	free(text);
	/* Every rule of csgw map: required fields, blocks, counts. */
	struct report rep = {.out = stderr, .file = label, .max = 10};
	enum map_status ms = map_to_xml(c->bt, src, NULL, x->s->test_env, &rep, &counts);
	report_finish(&rep);
	if (ms != MAP_OK) {
		rc = ms == MAP_BAD_DATA ? EX_DATAERR : EX_IOERR;
		goto out;
	}
	switch (exchange_decide(x, partner, purpose, src, c->bt, out, &n, &problems)) {
	case DISCLOSE_OK:
		break;
	case DISCLOSE_NOTHING:
		explain(x, c, partner, purpose, label);
		fprintf(stderr,
		        "csgw: %s: nothing of it may go to %s for %s; not sent (the decision is "
		        "in the audit log)\n",
		        label, partner, purpose);
		rc = EX_NOPERM;
		goto out;
	case DISCLOSE_BAD_DATA:
		fprintf(stderr, "csgw: %s: %s\n", label, problems ? problems : "not a good batch");
		rc = EX_DATAERR;
		goto out;
	default:
		fprintf(stderr, "csgw: %s: cannot decide it: %s\n", label,
		        problems && *problems ? problems : "see above");
		goto out;
	}
	*e = (struct spool_entry){.records = n.records - n.denied};
	snprintf(e->partner, sizeof e->partner, "%s", partner);
	snprintf(e->kind, sizeof e->kind, "batch");
	snprintf(e->type, sizeof e->type, "%s", c->bt->name);
	snprintf(e->family, sizeof e->family, "%s", n.family);
	snprintf(e->batch, sizeof e->batch, "%s", n.batch);
	snprintf(e->source, sizeof e->source, "%s", label);
	rc = 0;
out:
	free(src);
	free(out);
	free(problems);
	batch_counts_free(&counts);
	return rc;
}

int casework_submit(struct exchange *x, struct compose *c, const char *partner, const char *purpose,
                    const char *label, char entry[SPOOL_ID_MAX])
{
	char *stage = spool_stage(x->spool);
	struct spool_entry e;
	if (stage == NULL) {
		fprintf(stderr, "csgw: cannot stage in %s: %s\n", x->spool, strerror(errno));
		return EX_CANTCREAT;
	}
	int rc = casework_stage(x, c, partner, purpose, label, stage, &e);
	if (rc == 0 && spool_submit(x->spool, &e, stage) < 0) {
		fprintf(stderr, "csgw: %s: cannot queue it in %s: %s\n", label, x->spool,
		        strerror(errno));
		rc = EX_IOERR;
	}
	if (rc == 0)
		snprintf(entry, SPOOL_ID_MAX, "%s", e.id);
	else
		spool_unstage(stage);
	free(stage);
	return rc;
}

int casework_remember(struct exchange *x, struct ledger_request *r)
{
	char why[1024];
	r->created = time(NULL);
	if (r->due == 0 && strcmp(r->status, "pending") == 0)
		r->due = r->created + exchange_duration(x->s, "answer_within", 5 * 86400);
	snprintf(r->actor, sizeof r->actor, "%s", x->who->user);
	r->actor_uid = x->who->uid;
	if (ledger_request_add(x->ledger, r, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s: sent, but not recorded: %s\n", r->id, why);
		return EX_IOERR;
	}
	return 0;
}

int casework_remember_txn(struct exchange *x, const struct casework_txn *t, const char *serial,
                          const char *purpose, const char *entry, struct ledger_request *r)
{
	snprintf(r->id, sizeof r->id, "%s", serial);
	snprintf(r->kind, sizeof r->kind, "%s",
	         strcmp(t->function, "LO1") == 0 ? "locate" : "referral");
	snprintf(r->direction, sizeof r->direction, "out");
	snprintf(r->partner, sizeof r->partner, "%s", t->partner);
	snprintf(r->case_id, sizeof r->case_id, "%s", t->case_id);
	snprintf(r->other_case, sizeof r->other_case, "%s", t->other_case ? t->other_case : "");
	snprintf(r->serial, sizeof r->serial, "%s", serial);
	snprintf(r->function, sizeof r->function, "%s", t->function);
	snprintf(r->action, sizeof r->action, "%s", t->action);
	snprintf(r->reason, sizeof r->reason, "%s", t->reason);
	snprintf(r->purpose, sizeof r->purpose, "%s", purpose);
	snprintf(r->requester, sizeof r->requester, "iv-d-agency");
	snprintf(r->status, sizeof r->status, "%s",
	         strcmp(t->action, "R") == 0 ? "pending" : "sent");
	snprintf(r->entry, sizeof r->entry, "%s", entry);
	return casework_remember(x, r);
}

/* ---- inbound ---- */

/* A record OCSE rejected, as people read it (no SSN). */
struct offset_rj {
	char case_id[16], type, tx;
	bool error; /* else a warning only: accepted */
	char line[160];
};

struct inbound {
	struct exchange *x;
	const char *partner, *family, *target;
	const struct family *fam;
	const struct batch_type *bt;
	char *group; /* the record's lines, '\n' after each */
	size_t glen;
	const struct record *lead;
	struct registry_snapshot *snap; /* protections, for the status of an answer */
	char header_batch[16];          /* the batch number of the header read last */
	/* Federal acknowledgements (FD, FS, R4) of one of our batches. */
	char acked[16];
	bool offset_answer;   /* an offset reject file (its control record read) */
	struct offset_rj *rj; /* the rejected records of an offset reject file */
	size_t nrj;
	unsigned long ack_records, ack_rejected, ack_held;
	char *ack_details; /* one line per rejected record or batch error */
	size_t ack_len;
	struct out_file fixed; /* inbox_format = fixed */
	bool write_fixed;
	int failed;
	char why[1024];
};

/* A field of a line, trimmed, into out. */
static void value(const struct record *r, const char *line, const char *name, char *out,
                  size_t size)
{
	const struct field *f = mapping_field(r, name);
	const char *start = NULL;
	size_t n = f ? field_trimmed(f, line, &start) : 0;
	snprintf(out, size, "%.*s", (int)n, n ? start : "");
}

/* One line of the log, with its priority (util/log.h). */
static void say(struct inbound *in, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct inbound *in, int priority, const char *fmt, ...)
{
	FILE *log = in->x->log ? in->x->log : stderr;
	va_list ap;
	va_start(ap, fmt);
	log_begin(log, priority);
	fprintf(log, "%s: ", in->target);
	vfprintf(log, fmt, ap);
	fputc('\n', log);
	va_end(ap);
}

static void record_response(struct inbound *in, const char *request, const char *source,
                            const char *reason, const char *key)
{
	struct ledger_response r = {.received = time(NULL), .lines = in->group};
	snprintf(r.request, sizeof r.request, "%s", request);
	snprintf(r.partner, sizeof r.partner, "%s", in->partner);
	snprintf(r.family, sizeof r.family, "%s", in->family);
	snprintf(r.source, sizeof r.source, "%s", source);
	snprintf(r.reason, sizeof r.reason, "%s", reason);
	snprintf(r.key, sizeof r.key, "%s", key);
	snprintf(r.file, sizeof r.file, "%s", in->target);
	if (ledger_response_add(in->x->ledger, &r, in->why, sizeof in->why) < 0)
		in->failed = -1;
}

static void set_status(struct inbound *in, const char *id, const char *status)
{
	if (ledger_request_set_status(in->x->ledger, id, status, time(NULL), in->why,
	                              sizeof in->why) < 0)
		in->failed = -1;
}

/* An answered locate whose subject has the family violence indicator
 * here is "prohibited": its requester (unless a court) sees only the
 * notice (csgw locate show decides that again, field by field). */
static const char *answered_status(struct inbound *in, const struct ledger_request *req)
{
	const struct registry_snapshot *snap = in->snap;
	if (strcmp(req->kind, "locate") == 0 && snap && req->subject_key[0] &&
	    strcmp(req->requester, "court") != 0 &&
	    (registry_snapshot_protections(snap, req->subject_key, req->case_id) &
	     POLICY_FAMILY_VIOLENCE))
		return "prohibited";
	return "answered";
}

/* A locate response (FF) or notice (FN) from the FPLS. */
static void locate_response(struct inbound *in)
{
	char case_id[32], member[32], agency[8], key[64];
	struct ledger_request req;
	value(in->lead, in->group, "caseId", case_id, sizeof case_id);
	value(in->lead, in->group, "memberId", member, sizeof member);
	value(in->lead, in->group, "agencyCode", agency, sizeof agency);
	bool notice = strcmp(in->lead->id, "FN") == 0;
	snprintf(key, sizeof key, "%s/%s", case_id, member);
	int found = ledger_request_by_case(in->x->ledger, in->partner, case_id, member, &req,
	                                   in->why, sizeof in->why);
	if (found < 0) {
		in->failed = -1;
		return;
	}
	if (found == 1) {
		say(in, LOG_WARNING,
		    "WARN: a locate %s for case %s matches no locate request sent to %s; kept "
		    "as unmatched",
		    notice ? "notice" : "response", case_id, in->partner);
		record_response(in, "", notice ? "FN" : agency, "", key);
		return;
	}
	record_response(in, req.id, notice ? "FN" : agency, "", key);
	if (notice && strcmp(req.status, "pending") == 0)
		set_status(in, req.id, "prohibited");
	else if (!notice)
		set_status(in, req.id, answered_status(in, &req));
	say(in, LOG_INFO, "%s for %s (case %s)",
	    notice ? "disclosure-prohibited notice" : "locate response", req.id, case_id);
}

/* Our acknowledgement (action A) of a partner's request. */
static void acknowledge(struct inbound *in, const struct ledger_request *theirs)
{
	struct exchange *x = in->x;
	struct casework_txn t = {
	    .partner = in->partner,
	    .function = theirs->function,
	    .action = "A",
	    .reason = theirs->reason,
	    .case_id = theirs->other_case[0] ? theirs->other_case : theirs->case_id,
	    .other_case = theirs->case_id,
	    .serial = theirs->serial,
	};
	char serial[13], entry[SPOOL_ID_MAX];
	struct compose c = {0};
	char *label = xasprintf("acknowledgement of %s %s", in->partner, theirs->serial);
	if (casework_transaction(x, &t, &c, serial) == 0 &&
	    casework_submit(x, &c, in->partner, exchange_purpose(x->s, in->partner), label,
	                    entry) == 0)
		say(in, LOG_INFO, "%s %s: acknowledgement (A) queued as %s", theirs->function,
		    theirs->serial, entry);
	else
		say(in, LOG_ERR, "%s %s: no acknowledgement (above)", theirs->function,
		    theirs->serial);
	free(label);
	compose_free(&c);
}

/* The NCP's SSN of a transaction, as its keyed hash and its mask. */
static void subject_of(struct inbound *in, struct ledger_request *r)
{
	for (const char *line = in->group; *line;) {
		const char *end = strchr(line, '\n');
		const struct record *rec = mapping_record_of_line(
		    in->fam, line, end ? (size_t)(end - line) : strlen(line));
		const struct field *f =
		    rec && strcmp(rec->id, "NI") == 0 ? mapping_field(rec, "ssn") : NULL;
		if (f && !field_is_blank(f, line + f->at - 1)) {
			char ssn[10];
			memcpy(ssn, line + f->at - 1, 9);
			ssn[9] = '\0';
			audit_subject_key(in->x->reg.key, ssn, r->subject_key);
			field_value_for_message(f, ssn, 9, r->subject_mask, sizeof r->subject_mask);
			memset(ssn, 0, sizeof ssn);
			return;
		}
		if (end == NULL)
			break;
		line = end + 1;
	}
}

/* A transaction from another state: an answer to one of ours (A, P), or
 * something asked of us (R, U, M, C). */
static void transaction(struct inbound *in)
{
	char serial[16], function[8], action[4], reason[8], local[32], other[32], key[64];
	struct ledger_request req;
	value(in->lead, in->group, "transactionSerialNumber", serial, sizeof serial);
	value(in->lead, in->group, "functionCode", function, sizeof function);
	value(in->lead, in->group, "actionCode", action, sizeof action);
	value(in->lead, in->group, "reasonCode", reason, sizeof reason);
	value(in->lead, in->group, "localCaseId", local, sizeof local);
	value(in->lead, in->group, "otherCaseId", other, sizeof other);
	snprintf(key, sizeof key, "%s", serial);

	if (strcmp(action, "A") == 0 || strcmp(action, "P") == 0) {
		int found = ledger_request_by_serial(in->x->ledger, in->partner, "out", serial,
		                                     &req, in->why, sizeof in->why);
		if (found < 0) {
			in->failed = -1;
		} else if (found == 1) {
			say(in, LOG_WARNING,
			    "WARN: %s %s %s serial %s answers no transaction we sent to %s; kept "
			    "as unmatched",
			    function, action, reason, serial, in->partner);
			record_response(in, "", action, reason, key);
		} else {
			record_response(in, req.id, action, reason, key);
			if (strcmp(action, "P") == 0)
				set_status(in, req.id, answered_status(in, &req));
			else if (strcmp(req.status, "pending") == 0)
				set_status(in, req.id, "acknowledged");
			say(in, LOG_INFO, "%s %s %s answers %s (case %s)", function, action, reason,
			    req.id, req.case_id);
		}
		return;
	}
	/* Asked of us: one request per partner and serial. */
	struct ledger_request r = {.created = time(NULL)};
	snprintf(r.id, sizeof r.id, "%.18s-%.12s", in->partner, serial);
	int known = ledger_request_get(in->x->ledger, r.id, &req, in->why, sizeof in->why);
	if (known < 0) {
		in->failed = -1;
		return;
	}
	if (known == 0) {
		/* A reminder, update or cancel of what they asked before. */
		record_response(in, r.id, action, reason, key);
		if (strcmp(action, "C") == 0)
			set_status(in, r.id, "cancelled");
		say(in, LOG_INFO, "%s %s %s for %s", function, action, reason, r.id);
		return;
	}
	snprintf(r.kind, sizeof r.kind, "%s", strcmp(function, "LO1") == 0 ? "locate" : "referral");
	snprintf(r.direction, sizeof r.direction, "in");
	snprintf(r.partner, sizeof r.partner, "%s", in->partner);
	snprintf(r.case_id, sizeof r.case_id, "%s", local);
	snprintf(r.other_case, sizeof r.other_case, "%s", other);
	snprintf(r.serial, sizeof r.serial, "%s", serial);
	snprintf(r.function, sizeof r.function, "%s", function);
	snprintf(r.action, sizeof r.action, "%s", action);
	snprintf(r.reason, sizeof r.reason, "%s", reason);
	snprintf(r.purpose, sizeof r.purpose, "child-support");
	snprintf(r.requester, sizeof r.requester, "%s",
	         setup_partner_value(in->x->s, in->partner, "class"));
	snprintf(r.status, sizeof r.status, "received");
	snprintf(r.actor, sizeof r.actor, "%s", in->partner);
	r.actor_uid = -1;
	subject_of(in, &r);
	snprintf(r.entry, sizeof r.entry, "%s", in->target);
	if (ledger_request_add(in->x->ledger, &r, in->why, sizeof in->why) < 0) {
		in->failed = -1;
		return;
	}
	record_response(in, r.id, action, reason, key);
	say(in, LOG_INFO, "%s %s %s from %s: recorded as %s (case %s)", function, action, reason,
	    in->partner, r.id, local);
	const char *ack = setup_partner_value(in->x->s, in->partner, "acknowledge");
	if (in->failed == 0 && ack && strcmp(ack, "yes") == 0 && strcmp(action, "R") == 0)
		acknowledge(in, &r);
}

static void ack_line(struct inbound *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ack_line(struct inbound *in, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = strlen(line);
	in->ack_details = xreallocarray(in->ack_details, in->ack_len + len + 2, 1);
	memcpy(in->ack_details + in->ack_len, line, len);
	in->ack_len += len;
	in->ack_details[in->ack_len++] = '\n';
	in->ack_details[in->ack_len] = '\0';
}

/* An FCR acknowledgement (FD case, FS person): accepted, held for SSN
 * identification, or rejected with up to five error codes. */
static void fcr_ack(struct inbound *in)
{
	char ack[8], case_id[32], member[32] = "", codes[400] = "";
	value(in->lead, in->group, "ackCode", ack, sizeof ack);
	value(in->lead, in->group, "caseId", case_id, sizeof case_id);
	if (strcmp(in->lead->id, "FS") == 0)
		value(in->lead, in->group, "memberId", member, sizeof member);
	snprintf(in->acked, sizeof in->acked, "%s", in->header_batch);
	in->ack_records++;
	for (int i = 1; i <= 5; i++) {
		char name[16], code[8], message[64];
		snprintf(name, sizeof name, "errorCode%d", i);
		value(in->lead, in->group, name, code, sizeof code);
		snprintf(name, sizeof name, "errorMessage%d", i);
		value(in->lead, in->group, name, message, sizeof message);
		if (code[0]) {
			size_t o = strlen(codes);
			snprintf(codes + o, sizeof codes - o, "%s%s %s", o ? "; " : "", code,
			         message);
		}
	}
	if (strcmp(ack, "REJCT") == 0)
		in->ack_rejected++;
	else if (strcmp(ack, "HOLDS") == 0)
		in->ack_held++;
	if (strcmp(ack, "AAAAA") != 0 || codes[0])
		ack_line(in, "%s %s case %s%s%s: %s", in->lead->id, ack, case_id,
		         member[0] ? " member " : "", member, codes[0] ? codes : "(no error code)");
}

/* An NDNH control record (R4): the counts of one report batch. */
static void ndnh_control(struct inbound *in)
{
	char batch[16], type[4], n[5][16], error[8];
	static const char *const names[] = {"recordsReceived", "recordsRejected",
	                                    "errorRecordsReturned", "recordsPosted",
	                                    "recordsPostedUnverified"};
	value(in->lead, in->group, "batchNumber", batch, sizeof batch);
	value(in->lead, in->group, "transmissionType", type, sizeof type);
	value(in->lead, in->group, "batchErrorCode", error, sizeof error);
	for (int i = 0; i < 5; i++)
		value(in->lead, in->group, names[i], n[i], sizeof n[i]);
	snprintf(in->acked, sizeof in->acked, "%s", batch);
	unsigned long v[5];
	for (int i = 0; i < 5; i++)
		v[i] = strtoul(n[i], NULL, 10);
	in->ack_records += v[0];
	in->ack_rejected += v[1];
	if (v[1] > 0 || error[0])
		ack_line(in,
		         "R4 %s batch %s: %lu received, %lu rejected, %lu error records returned, "
		         "%lu posted, %lu posted unverified%s%s",
		         type, batch, v[0], v[1], v[2], v[3], v[4],
		         error[0] ? "; batch error code " : "", error);
}

/* A rejected offset submission (RJ): up to three error codes; a record
 * with a warning code only was accepted.  No SSN in what is kept. */
static void offset_reject(struct inbound *in)
{
	char case_id[32], type[4], tx[4], codes[64] = "", warning[8];
	value(in->lead, in->group, "caseId", case_id, sizeof case_id);
	value(in->lead, in->group, "caseType", type, sizeof type);
	value(in->lead, in->group, "transactionType", tx, sizeof tx);
	value(in->lead, in->group, "warningCode", warning, sizeof warning);
	for (int i = 1; i <= 3; i++) {
		char name[16], code[8];
		snprintf(name, sizeof name, "errorCode%d", i);
		value(in->lead, in->group, name, code, sizeof code);
		if (code[0]) {
			size_t o = strlen(codes);
			snprintf(codes + o, sizeof codes - o, "%s%s", o ? " " : "", code);
		}
	}
	in->rj = xreallocarray(in->rj, in->nrj + 1, sizeof *in->rj);
	struct offset_rj *r = &in->rj[in->nrj++];
	snprintf(r->case_id, sizeof r->case_id, "%.15s", case_id);
	r->error = codes[0] != '\0';
	r->type = type[0];
	r->tx = tx[0];
	snprintf(r->line, sizeof r->line, "RJ case %s type %s transaction %s:%s%s%s%s",
	         case_id[0] ? case_id : "(none)", type, tx, codes[0] ? " error " : "", codes,
	         warning[0] ? " warning " : "", warning);
}

/* The reject control record (RC, CTL): the counts of OCSE's run. */
static void offset_control(struct inbound *in, const struct record *r, const char *line)
{
	static const char *const names[] = {"tanfAccepted", "tanfRejected", "nonTanfAccepted",
	                                    "nonTanfRejected"};
	unsigned long v[4];
	for (int i = 0; i < 4; i++) {
		char n[16];
		value(r, line, names[i], n, sizeof n);
		v[i] = strtoul(n, NULL, 10);
	}
	in->offset_answer = true;
	in->ack_records += v[0] + v[1] + v[2] + v[3];
	in->ack_rejected += v[1] + v[3];
}

/* One offset batch a reject file answers: held when a rejected record
 * (an error code) is one of its cases, else done.  A marker keeps it from
 * being answered twice. */
static void answer_offset(struct inbound *in, struct spool_entry *e)
{
	struct exchange *x = in->x;
	char *xml_path = spool_path(x->spool, e, e->file); /* the batch as sent */
	char *answered = spool_path(x->spool, e, "offset-answered");
	char *xml = NULL, *details = xstrdup("");
	size_t len = 0;
	unsigned long rejected = 0;
	FILE *f = fs_read_regular(xml_path);
	if (f == NULL || getdelim(&xml, &len, '\0', f) < 0)
		in->failed = -1;
	if (f)
		fclose(f);
	for (size_t i = 0; !in->failed && i < in->nrj; i++) {
		char tag[48];
		snprintf(tag, sizeof tag, "<caseId>%s</caseId>", in->rj[i].case_id);
		if (!in->rj[i].case_id[0] || strstr(xml, tag) == NULL)
			continue;
		rejected += in->rj[i].error;
		/* What OCSE holds is not what we sent: the certification says so. */
		if (in->rj[i].error &&
		    offset_rejected(x->s, x->spool, e->id, in->rj[i].case_id, in->rj[i].type,
		                    in->rj[i].tx, in->why, sizeof in->why) < 0)
			in->failed = -1;
		char *more = xasprintf("%s%s%s", details, details[0] ? " | " : "", in->rj[i].line);
		free(details);
		details = more;
	}
	if (!in->failed && fs_write_text(answered, in->target) < 0)
		in->failed = -1;
	if (in->failed) {
		snprintf(in->why, sizeof in->why, "%s: %s", e->id, strerror(errno));
	} else if (rejected > 0) {
		char *reason =
		    xasprintf("%s rejected %lu of the %lu records of offset batch %s (%s): %s",
		              in->partner, rejected, e->records, e->id, in->target, details);
		if (e->state != SPOOL_HOLD && spool_move(x->spool, e, SPOOL_HOLD, reason) < 0)
			in->failed = -1;
		say(in, LOG_WARNING,
		    "%s: offset batch: %lu of %lu records rejected; held for a person "
		    "(csgw queue show %s)",
		    e->id, rejected, e->records, e->id);
		free(reason);
	} else {
		if (e->state == SPOOL_SENT && spool_move(x->spool, e, SPOOL_DONE, "") < 0)
			in->failed = -1;
		say(in, LOG_INFO, "%s: offset batch acknowledged: %lu records, none rejected%s%s",
		    e->id, e->records, details[0] ? "; " : "", details);
	}
	free(xml);
	free(details);
	free(answered);
	free(xml_path);
}

/* FOP files carry no batch number, and one OCSE run answers everything
 * submitted since the last: a reject file answers every offset batch sent
 * to the partner that no reject file answered yet. */
static void settle_offset(struct inbound *in)
{
	static const enum spool_state where[] = {SPOOL_SENT, SPOOL_DONE, SPOOL_HOLD};
	struct exchange *x = in->x;
	unsigned answered = 0;
	for (size_t w = 0; w < 3 && !in->failed; w++) {
		struct spool_entry *e = NULL;
		size_t n = 0;
		spool_list(x->spool, where[w], &e, &n);
		for (size_t i = 0; i < n && !in->failed; i++) {
			char *marker = spool_path(x->spool, &e[i], "offset-answered");
			bool done = access(marker, F_OK) == 0;
			free(marker);
			if (!done && strcmp(e[i].partner, in->partner) == 0 &&
			    strcmp(e[i].family, "offset") == 0 && strcmp(e[i].kind, "batch") == 0) {
				answer_offset(in, &e[i]);
				answered++;
			}
		}
		free(e);
	}
	if (answered == 0 && !in->failed) {
		say(in, LOG_WARNING,
		    "WARN: answers offset batches, but none we sent to %s waits for an answer; "
		    "kept "
		    "as unmatched",
		    in->partner);
		record_response(in, "", "ACK", "", "offset");
	}
}

/* Our entry for the batch a federal acknowledgement answers: done, or
 * held with the federal codes when records were rejected. */
static void settle_federal(struct inbound *in)
{
	const char *family = strcmp(in->family, "ndnh") == 0 ? "ndnh" : "fcr";
	static const enum spool_state where[] = {SPOOL_SENT, SPOOL_DONE, SPOOL_HOLD};
	struct exchange *x = in->x;
	struct spool_entry found = {0};
	bool have = false;

	for (size_t w = 0; w < 3 && !have; w++) {
		struct spool_entry *e = NULL;
		size_t n = 0;
		spool_list(x->spool, where[w], &e, &n);
		for (size_t i = n; i-- > 0 && !have;)
			if (strcmp(e[i].partner, in->partner) == 0 &&
			    strcmp(e[i].family, family) == 0 && strcmp(e[i].kind, "batch") == 0 &&
			    strcmp(e[i].batch, in->acked) == 0)
				found = e[i], have = true;
		free(e);
	}
	if (!have) {
		say(in, LOG_WARNING,
		    "WARN: acknowledges %s batch %s, which we did not send to %s; kept as "
		    "unmatched",
		    family, in->acked, in->partner);
		free(in->group);
		in->group = xstrdup(in->ack_details ? in->ack_details : "");
		record_response(in, "", "ACK", "", in->acked);
		return;
	}
	/* The codes, one line per rejected record, beside the entry. */
	char *name = xasprintf("federal-ack-%s.txt", in->target);
	char *path = spool_path(x->spool, &found, name);
	if (fs_write_text(path, in->ack_details ? in->ack_details : "accepted\n") < 0)
		in->failed = -1;
	free(path);
	free(name);
	if (in->failed)
		return;
	if (in->ack_rejected > 0) {
		char reason[1024];
		snprintf(reason, sizeof reason,
		         "%s rejected %lu of %lu records of %s batch %s (%s): %s", in->partner,
		         in->ack_rejected, in->ack_records, family, in->acked, in->target,
		         in->ack_details ? in->ack_details : "");
		/* One line: the records it names, separated by " | ". */
		for (char *c = reason; *c; c++)
			if (*c == '\n')
				*c = c[1] ? '|' : '\0';
		if (found.state != SPOOL_HOLD &&
		    spool_move(x->spool, &found, SPOOL_HOLD, reason) < 0)
			in->failed = -1;
		say(in, LOG_WARNING,
		    "%s: %s batch %s: %lu of %lu records rejected; held for a person (csgw queue "
		    "show %s)",
		    found.id, family, in->acked, in->ack_rejected, in->ack_records, found.id);
	} else {
		if (found.state == SPOOL_SENT && spool_move(x->spool, &found, SPOOL_DONE, "") < 0)
			in->failed = -1;
		say(in, LOG_INFO, "%s: %s batch %s acknowledged: %lu records, none rejected%s",
		    found.id, family, in->acked, in->ack_records,
		    in->ack_held ? " (some held for SSN identification)" : "");
	}
}

static void flush_group(struct inbound *in)
{
	if (in->lead == NULL || in->failed)
		goto out;
	if (strcmp(in->family, "locate") == 0 &&
	    (strcmp(in->lead->id, "FF") == 0 || strcmp(in->lead->id, "FN") == 0))
		locate_response(in);
	else if (strcmp(in->family, "referral") == 0 && strcmp(in->lead->id, "TH") == 0)
		transaction(in);
	else if (strcmp(in->family, "fcr") == 0 &&
	         (strcmp(in->lead->id, "FD") == 0 || strcmp(in->lead->id, "FS") == 0))
		fcr_ack(in);
	else if (strcmp(in->family, "ndnh") == 0 && strcmp(in->lead->id, "R4") == 0)
		ndnh_control(in);
	else if (strcmp(in->family, "offset") == 0 && strcmp(in->lead->id, "RJ") == 0)
		offset_reject(in);
out:
	in->lead = NULL;
	in->glen = 0;
	if (in->group)
		in->group[0] = '\0';
}

/* A data record of some batch of the family (not a header, trailer or
 * block). */
static bool is_lead(const struct family *fam, const struct record *r)
{
	for (size_t b = 0; b < fam->nbatches; b++)
		if (mapping_batch_has_record(&fam->batches[b], r))
			return true;
	return false;
}

/* A header or trailer of some batch of the family. */
static bool is_edge(const struct family *fam, const struct record *r)
{
	for (size_t b = 0; b < fam->nbatches; b++)
		if (fam->batches[b].header == r || fam->batches[b].trailer == r)
			return true;
	return false;
}

static int on_line(void *ctx, const char *line, size_t len)
{
	struct inbound *in = ctx;
	const struct record *r = mapping_batch_record_of_line(in->bt, line, len);

	if (in->write_fixed &&
	    (out_write(&in->fixed, line, len) < 0 || out_write(&in->fixed, "\n", 1) < 0))
		in->failed = -1;
	if (r == NULL)
		return 0;
	bool lead = is_lead(in->fam, r);
	if (lead || is_edge(in->fam, r)) {
		/* A header, trailer or data record ends the record before. */
		flush_group(in);
		if (!lead) {
			if (strcmp(r->id, "RC") == 0 && strcmp(in->family, "offset") == 0)
				offset_control(in, r, line);
			if (mapping_field(r, "batchNumber"))
				value(r, line, "batchNumber", in->header_batch,
				      sizeof in->header_batch);
			return 0;
		}
		in->lead = r;
	}
	in->group = xreallocarray(in->group, in->glen + len + 2, 1);
	memcpy(in->group + in->glen, line, len);
	in->glen += len;
	in->group[in->glen++] = '\n';
	in->group[in->glen] = '\0';
	return 0;
}

/* A batch whose records answer or ask something of ours. */
static bool worth_reading(const struct batch_type *bt)
{
	static const char *const ids[] = {"FF", "FN", "TH", "FD", "FS", "R4", "RJ"};
	for (size_t i = 0; i < bt->nrecords; i++)
		for (size_t k = 0; k < sizeof ids / sizeof *ids; k++)
			if (strcmp(bt->records[i]->id, ids[k]) == 0)
				return true;
	return false;
}

int casework_inbound(struct exchange *x, const char *partner, const struct batch_type *bt,
                     const char *path, const char *inbox, const char *target)
{
	const char *family = bt->family->name;
	struct inbound in = {.x = x, .partner = partner, .family = family, .target = target};
	const char *format = setup_partner_value(x->s, partner, "inbox_format");
	if (format == NULL)
		format = conf_value(&x->s->conf, "gateway", "inbox_format");
	in.fam = bt->family;
	in.bt = bt;
	bool match = worth_reading(bt);
	bool fixed = format && strcmp(format, "fixed") == 0;
	if (in.fam == NULL || (!match && !fixed))
		return 0;
	char *txt = xasprintf("%s/%s.txt", inbox, target);
	if (fixed) {
		if (out_open(&in.fixed, txt) < 0) {
			fprintf(stderr, "%s: cannot write %s: %s\n", target, txt, strerror(errno));
			free(txt);
			return -1;
		}
		in.write_fixed = true;
	}
	struct batch_counts counts = {0};
	struct report rep = {.out = stderr, .file = target, .max = 5};
	struct unmap_limits lim = {0};
	/* Its own copy: acknowledging submits, which reads the registry too. */
	if (registry_read(&x->reg) != 0)
		in.failed = -1;
	in.snap = x->reg.snap;
	x->reg.snap = NULL;
	enum map_status st =
	    isolated_unmap_read(x->s->set, path, x->s->test_env, &lim, &rep, on_line, &in, &counts);
	flush_group(&in);
	batch_counts_free(&counts);
	if (st != MAP_OK)
		in.failed = -1;
	if (in.failed == 0 && in.acked[0])
		settle_federal(&in);
	if (in.failed == 0 && in.offset_answer)
		settle_offset(&in);
	free(in.rj);
	registry_snapshot_free(in.snap);
	free(in.ack_details);
	if (in.write_fixed && (in.failed || out_commit(&in.fixed) < 0)) {
		out_abort(&in.fixed);
		in.failed = -1;
	}
	if (in.failed)
		fprintf(stderr, "%s: cannot record what it answers: %s\n", target,
		        in.why[0] ? in.why : strerror(errno));
	free(in.group);
	free(txt);
	return in.failed;
}

static int count_one(void *ctx, const struct ledger_request *r)
{
	(void)r;
	(*(long long *)ctx)++;
	return 0;
}

int casework_counts(struct ledger_db *db, const char *partner, struct casework_counts *n)
{
	char why[1024];
	struct ledger_filter pending = {
	    .direction = "out", .status = "pending", .partner = partner};
	struct ledger_filter overdue = {
	    .direction = "out", .partner = partner, .due_before = (long long)time(NULL)};
	memset(n, 0, sizeof *n);
	if (db == NULL)
		return 0;
	if (ledger_requests(db, &pending, count_one, &n->pending, why, sizeof why) < 0 ||
	    ledger_requests(db, &overdue, count_one, &n->overdue, why, sizeof why) < 0 ||
	    ledger_unmatched_count(db, partner, &n->unmatched, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		return -1;
	}
	return 0;
}

int casework_name_fields(const char *name, const char *element, char *out[3])
{
	const char *comma = strchr(name, ',');
	if (comma == NULL || comma == name) {
		fprintf(stderr,
		        "csgw: --name '%s': expected \"LAST, FIRST\" (or \"LAST, FIRST "
		        "MIDDLE\")\n",
		        name);
		return EX_USAGE;
	}
	char *first = xstrdup(comma + 1), *p = first;
	while (*p == ' ')
		p++;
	char *space = strchr(p, ' ');
	const char *middle = "";
	if (space) {
		*space = '\0';
		middle = space + 1;
		while (*middle == ' ')
			middle++;
	}
	out[0] = xasprintf("%s.lastName=%.*s", element, (int)(comma - name), name);
	out[1] = xasprintf("%s.firstName=%s", element, p);
	out[2] = middle[0] ? xasprintf("%s.middleName=%s", element, middle) : NULL;
	free(first);
	for (int i = 0; i < 3; i++)
		for (char *c = out[i]; c && *c; c++)
			if (c > strchr(out[i], '=') && *c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
	return 0;
}
