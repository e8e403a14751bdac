/*
 * closing.c - a case closure, whole or not at all (closing.h).
 *
 * SPOOL/closing/lock is held by whoever stages, commits, finishes or
 * recovers a closure: one at a time, so none is finished twice or judged on
 * a case another is closing.  SPOOL/closing/ID.part/ while a closure is
 * staged, SPOOL/closing/ID/ once it is:
 *   plan      case, who asked and closed it, the remedies to release
 *   N/        a staged spool entry (source, disclosed.xml), N.entry its meta
 *   N.id      the queue entry it became
 *   release   the release notice, moved to SPOOL/inbox/release/ID.txt
 */
#include "ops/closing.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/closure.h"
#include "core/compose.h"
#include "core/spool.h"
#include "io/fs.h"
#include "io/ledger_db.h"
#include "ops/casework.h"
#include "ops/offset.h"
#include "ops/registry.h"
#include "util/alloc.h"
#include "util/crash.h"

#define MAX_PARTS 64

static void now_text(char *out, size_t size, const char *format)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, size, format, &tm);
}

/* ---- the closure's files ---- */

/* What finishing needs of a staged closure. */
struct plan {
	char case_id[16], actor[64], requested_by[32], reason[256];
	char release[64]; /* state remedies to release, space-separated */
};

static int plan_save(const char *dir, const struct plan *p)
{
	char *path = xasprintf("%s/plan", dir);
	char *text = xasprintf("case=%s\nactor=%s\nrequested_by=%s\nrelease=%s\nreason=%s\n",
	                       p->case_id, p->actor, p->requested_by, p->release, p->reason);
	int rc = fs_write_text(path, text);
	free(text);
	free(path);
	return rc;
}

/* key=value lines of a small file of ours into 'set'. */
static int read_pairs(const char *path, void (*set)(void *, const char *, const char *), void *ctx)
{
	FILE *f = fs_read_regular(path);
	char buf[1024];
	if (f == NULL)
		return -1;
	while (fgets(buf, sizeof buf, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		char *eq = strchr(buf, '=');
		if (eq) {
			*eq = '\0';
			set(ctx, buf, eq + 1);
		}
	}
	fclose(f);
	return 0;
}

#define TAKE(field, key)                                                                           \
	if (strcmp(k, key) == 0)                                                                   \
	snprintf(field, sizeof field, "%.*s", (int)sizeof field - 1, v)

static void plan_pair(void *ctx, const char *k, const char *v)
{
	struct plan *p = ctx;
	TAKE(p->case_id, "case");
	TAKE(p->actor, "actor");
	TAKE(p->requested_by, "requested_by");
	TAKE(p->reason, "reason");
	TAKE(p->release, "release");
}

/* A staged entry and, for an MSC notice, its ledger row. */
struct part {
	struct spool_entry e;
	char serial[13], other_case[32], purpose[32];
};

static void part_pair(void *ctx, const char *k, const char *v)
{
	struct part *p = ctx;
	TAKE(p->e.partner, "partner");
	TAKE(p->e.kind, "kind");
	TAKE(p->e.type, "type");
	TAKE(p->e.family, "family");
	TAKE(p->e.batch, "batch");
	TAKE(p->e.source, "source");
	TAKE(p->serial, "serial");
	TAKE(p->other_case, "other_case");
	TAKE(p->purpose, "purpose");
	if (strcmp(k, "records") == 0)
		p->e.records = strtoul(v, NULL, 10);
}

static int part_save(const char *dir, unsigned n, const struct part *p)
{
	char *path = xasprintf("%s/%u.entry", dir, n);
	char *text = xasprintf("partner=%s\nkind=%s\ntype=%s\nfamily=%s\nbatch=%s\nrecords=%lu\n"
	                       "serial=%s\nother_case=%s\npurpose=%s\nsource=%s\n",
	                       p->e.partner, p->e.kind, p->e.type, p->e.family, p->e.batch,
	                       p->e.records, p->serial, p->other_case, p->purpose, p->e.source);
	int rc = fs_write_text(path, text);
	free(text);
	free(path);
	return rc;
}

/* Removes a closure's folder: its files, then itself (its staged entries
 * are in the queue by then, or are given up with it). */
static void remove_closure(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			spool_unstage(path);
		else
			unlink(path);
		free(path);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- staging ---- */

struct staging {
	struct exchange *x;
	const char *dir;
	unsigned parts;
};

static int stage_part(struct staging *g, struct compose *c, struct part *p, const char *label)
{
	char *sub = xasprintf("%s/%u", g->dir, g->parts + 1);
	int rc = mkdir(sub, 0700) < 0 ? EX_CANTCREAT : 0;
	if (rc)
		fprintf(stderr, "csgw: cannot stage in %s: %s\n", sub, strerror(errno));
	char partner[sizeof p->e.partner];
	snprintf(partner, sizeof partner, "%s", p->e.partner); /* p->e is rewritten */
	if (rc == 0)
		rc = casework_stage(g->x, c, partner, p->purpose, label, sub, &p->e);
	if (rc == 0 && part_save(g->dir, g->parts + 1, p) < 0) {
		fprintf(stderr, "csgw: cannot stage in %s: %s\n", g->dir, strerror(errno));
		rc = EX_IOERR;
	}
	if (rc == 0)
		g->parts++;
	free(sub);
	return rc;
}

/* The Case Submission records that release the case's certifications. */
static int stage_offset(struct staging *g, const char *case_id, const struct offset_held *held,
                        size_t nheld, const struct closure_plan *plan)
{
	struct setup *s = g->x->s;
	const char *ocse = setup_federal_partner(s, "offset");
	const struct batch_type *bt = mapping_batch(s->set, "offset-submission");
	char today[9], why[512];
	if (plan->noffset == 0)
		return 0;
	if (ocse == NULL || bt == NULL) {
		fprintf(stderr,
		        "csgw: case %s has offset certifications, but no partner of class "
		        "federal-office takes the offset family: the closure could not release "
		        "them, so nothing was done\n",
		        case_id);
		return EX_CONFIG;
	}
	now_text(today, sizeof today, "%Y%m%d");
	struct compose c;
	compose_begin(&c, bt, s->test_env);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < plan->noffset; i++) {
		const struct offset_held *h = NULL;
		for (size_t k = 0; k < nheld; k++)
			if (held[k].cert.case_type == plan->offset[i].case_type)
				h = &held[k];
		char line[OFFSET_LINE_MAX];
		long at = compose_add(&c, "CS");
		if (h == NULL || at < 0 ||
		    offset_release_line(s, h, &plan->offset[i], today, line, why, sizeof why) < 0) {
			fprintf(stderr, "csgw: case %s: %s\n", case_id,
			        h ? why : "no certification");
			rc = EX_SOFTWARE;
		} else {
			memcpy(c.lines[at], line, strlen(line));
		}
	}
	struct part p = {0};
	snprintf(p.e.partner, sizeof p.e.partner, "%s", ocse);
	snprintf(p.purpose, sizeof p.purpose, "%s", exchange_purpose(s, ocse));
	char *label = xasprintf("offset release of case %s", case_id);
	if (rc == 0)
		rc = stage_part(g, &c, &p, label);
	free(label);
	compose_free(&c);
	return rc;
}

struct case_partners {
	char (*names)[64];
	char (*cases)[32]; /* the partner's case id, when known */
	size_t n;
};

static int add_partner(void *ctx, const struct ledger_request *r)
{
	struct case_partners *cp = ctx;
	if (strcmp(r->kind, "referral") != 0)
		return 0;
	for (size_t i = 0; i < cp->n; i++)
		if (strcmp(cp->names[i], r->partner) == 0)
			return 0;
	cp->names = xreallocarray(cp->names, cp->n + 1, sizeof *cp->names);
	cp->cases = xreallocarray(cp->cases, cp->n + 1, sizeof *cp->cases);
	snprintf(cp->names[cp->n], sizeof cp->names[cp->n], "%s", r->partner);
	snprintf(cp->cases[cp->n], sizeof cp->cases[cp->n], "%s",
	         strcmp(r->direction, "in") == 0 ? r->case_id : r->other_case);
	cp->n++;
	return 0;
}

static const char *const closed_status[] = {"information.statusChange=C"};

static struct casework_txn msc_txn(const char *case_id, const struct part *p)
{
	return (struct casework_txn){
	    .partner = p->e.partner,
	    .function = "MSC",
	    .action = "U",
	    .reason = "GSCLO",
	    .case_id = case_id,
	    .other_case = p->other_case[0] ? p->other_case : NULL,
	    .fields = closed_status,
	    .nfields = 1,
	};
}

/* An MSC status change C for each partner state on the case
 * (DOMAIN.md 6). */
static int stage_msc(struct staging *g, const char *case_id)
{
	struct exchange *x = g->x;
	struct case_partners cp = {0};
	struct ledger_filter f = {.case_id = case_id};
	char why[1024];
	int rc = 0;

	if (ledger_requests(x->ledger, &f, add_partner, &cp, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	}
	if (g->parts + cp.n > MAX_PARTS) {
		fprintf(stderr,
		        "csgw: case %s: %zu partner states to tell; csgw tells at most %d\n",
		        case_id, cp.n, MAX_PARTS - 1);
		rc = EX_SOFTWARE;
	}
	for (size_t i = 0; rc == 0 && i < cp.n; i++) {
		struct part p = {0};
		struct compose c = {0};
		snprintf(p.e.partner, sizeof p.e.partner, "%s", cp.names[i]);
		snprintf(p.other_case, sizeof p.other_case, "%s", cp.cases[i]);
		snprintf(p.purpose, sizeof p.purpose, "%s", exchange_purpose(x->s, cp.names[i]));
		struct casework_txn t = msc_txn(case_id, &p);
		char *label = xasprintf("closure of case %s for %s", case_id, cp.names[i]);
		rc = casework_transaction(x, &t, &c, p.serial);
		if (rc == 0)
			rc = stage_part(g, &c, &p, label);
		free(label);
		compose_free(&c);
	}
	free(cp.names);
	free(cp.cases);
	return rc;
}

static int stage_release(const char *dir, const char *id, const struct plan *p)
{
	if (p->release[0] == '\0')
		return 0;
	char when[32];
	now_text(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ");
	char *path = xasprintf("%s/release", dir);
	char *text = xasprintf("# csgw release notice: the enforcement case is closed; release "
	                       "these state remedies (45 CFR 303.11; DOMAIN.md 5.7)\n"
	                       "closure=%s\ncase=%s\nclosed=%s\nby=%s\n",
	                       id, p->case_id, when, p->actor);
	char *words = xstrdup(p->release), *save = NULL;
	for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *more = xasprintf("%srelease=%s\n", text, w);
		free(text);
		text = more;
	}
	int rc = fs_write_text(path, text) < 0 ? EX_IOERR : 0;
	if (rc)
		fprintf(stderr, "csgw: cannot write %s: %s\n", path, strerror(errno));
	free(words);
	free(text);
	free(path);
	return rc;
}

/* ---- the audit entry: the commit point ---- */

static int log_closure(struct exchange *x, const struct caller *who, const char *case_id,
                       const char *id, const char *decision, const char *rule, const char *citation,
                       const char *detail)
{
	struct audit_entry e = {0};
	audit_entry_set(&e, "direction", "registry");
	audit_entry_set(&e, "record_type", "case");
	audit_entry_set(&e, "record_id", id);
	audit_entry_set(&e, "case_id", case_id);
	audit_entry_set(&e, "decision", decision);
	audit_entry_set(&e, "rule_id", rule);
	audit_entry_set(&e, "citation", citation);
	audit_entry_actor(&e, who);
	audit_entry_set(&e, "detail", detail);
	if (audit_append(x->audit, &e, 1, stderr) < 0)
		return EX_IOERR;
	/* The entry is in: a checkpoint not signed now is signed by the
	 * next one, which covers it. */
	if (audit_checkpoint(x->audit, stderr) < 0)
		fprintf(stderr,
		        "csgw: warning: the closure is logged, but no checkpoint was signed "
		        "over it now; the next checkpoint covers it\n");
	return 0;
}

struct found {
	const char *id;
	bool logged;
};

static int found_row(void *ctx, int64_t id, const char *const v[AUDIT_DB_COLUMNS],
                     const unsigned char *leaf, size_t leaf_len)
{
	struct found *f = ctx;
	(void)id, (void)leaf, (void)leaf_len;
	for (size_t i = 0; i < AUDIT_DB_COLUMNS; i++)
		if (strcmp(audit_db_columns[i], "record_id") == 0 && v[i] &&
		    strcmp(v[i], f->id) == 0)
			f->logged = true;
	return 0;
}

/* 1 when the closure's entry is in the log, 0 when not, -1. */
static int closure_logged(struct exchange *x, const char *case_id, const char *id)
{
	struct found f = {id, false};
	struct audit_query q = {
	    .case_id = case_id, .decision = "enforcement-closed", .direction = "registry"};
	if (audit_search(x->audit, &q, found_row, &f, stderr) < 0)
		return -1;
	return f.logged;
}

/* ---- finishing: idempotent, so a recovery may run it again ---- */

static int finish(struct exchange *x, const char *dir, const char *id, struct registry_case *now)
{
	struct plan p;
	memset(&p, 0, sizeof p);
	char when[32], why[1024];
	char *plan_path = xasprintf("%s/plan", dir);
	int rc = read_pairs(plan_path, plan_pair, &p) < 0 ? EX_IOERR : 0;
	free(plan_path);
	if (rc) {
		fprintf(stderr, "csgw: %s: cannot read its plan: %s\n", dir, strerror(errno));
		return rc;
	}
	now_text(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ");
	struct registry_case c = {.enforcement = "open"};
	struct registry_db *db = x->reg.db;
	if (db == NULL || registry_case_get(db, p.case_id, &c, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", db ? why : "no registry");
		return EX_IOERR;
	}
	if (strcmp(c.enforcement, "closed") != 0) {
		snprintf(c.enforcement, sizeof c.enforcement, "closed");
		snprintf(c.updated, sizeof c.updated, "%s", when);
		snprintf(c.actor, sizeof c.actor, "%s", p.actor);
		if (registry_case_set(db, p.case_id, &c, why, sizeof why) < 0) {
			fprintf(stderr, "csgw: %s\n", why);
			return EX_IOERR;
		}
	}
	if (now)
		*now = c;
	char *words = xstrdup(p.release), *save = NULL;
	for (char *w = strtok_r(words, " ", &save); w && rc == 0; w = strtok_r(NULL, " ", &save))
		if (registry_remedy_set(db, p.case_id, w, when, when, p.actor, why, sizeof why) <
		    0) {
			fprintf(stderr, "csgw: %s\n", why);
			rc = EX_IOERR;
		}
	free(words);
	for (unsigned n = 1; rc == 0 && n <= MAX_PARTS; n++) {
		char *sub = xasprintf("%s/%u", dir, n), *meta = xasprintf("%s/%u.entry", dir, n);
		char *idf = xasprintf("%s/%u.id", dir, n);
		struct part part = {0};
		char entry[SPOOL_ID_MAX] = "";
		if (read_pairs(meta, part_pair, &part) < 0) {
			free(sub), free(meta), free(idf);
			break; /* no more parts */
		}
		FILE *f = fs_read_regular(idf);
		if (f) {
			if (fgets(entry, sizeof entry, f))
				entry[strcspn(entry, "\n")] = '\0';
			fclose(f);
		}
		if (access(sub, F_OK) == 0) {
			if (spool_submit(x->spool, &part.e, sub) < 0) {
				fprintf(stderr, "csgw: %s: cannot queue it: %s\n", sub,
				        strerror(errno));
				rc = EX_IOERR;
			} else {
				snprintf(entry, sizeof entry, "%s", part.e.id);
				char *text = xasprintf("%s\n", entry);
				fs_write_text(idf, text); /* for the ledger row: best effort */
				free(text);
				crash_point("closure-queued");
			}
		}
		if (rc == 0 && part.serial[0]) {
			struct ledger_request r = {0};
			struct casework_txn t = msc_txn(p.case_id, &part);
			int known = ledger_request_get(x->ledger, part.serial, &r, why, sizeof why);
			if (known < 0)
				fprintf(stderr, "csgw: %s\n", why), rc = EX_IOERR;
			else if (known == 1)
				rc = casework_remember_txn(x, &t, part.serial, part.purpose, entry,
				                           &r);
			printf("case %s: closure (MSC U GSCLO, serial %s) queued for %s as %s\n",
			       p.case_id, part.serial, part.e.partner, entry);
		} else if (rc == 0) {
			printf("case %s: %s queued for %s as %s\n", p.case_id, part.e.source,
			       part.e.partner, entry);
		}
		free(sub), free(meta), free(idf);
	}
	char *release = xasprintf("%s/release", dir);
	if (rc == 0 && access(release, F_OK) == 0) {
		char *to = xasprintf("%s/inbox/release/%s.txt", x->spool, id);
		if (fs_make_parent(to) < 0 || fs_move(release, to) < 0) {
			fprintf(stderr, "csgw: cannot deliver %s: %s\n", to, strerror(errno));
			rc = EX_IOERR;
		} else {
			printf("case %s: release notice (%s) in %s\n", p.case_id, p.release, to);
		}
		free(to);
	}
	free(release);
	if (rc == 0)
		remove_closure(dir);
	return rc;
}

/* The lock every closure and recovery holds; -1 when another holds it
 * (for 'wait' seconds). */
static int closing_lock(const char *root, int wait)
{
	char *path = xasprintf("%s/lock", root);
	int fd = fs_make_dir(root) < 0 ? -1 : fs_lock(path);
	for (int tries = 0; fd < 0 && errno == EWOULDBLOCK && tries < wait * 10; tries++) {
		usleep(100 * 1000);
		fd = fs_lock(path);
	}
	free(path);
	return fd;
}

/* Under the lock: a staged closure (ID.part) was given up by its process;
 * a complete one is finished when its entry is in the log, else removed. */
static int recover_locked(struct exchange *x, const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int done = 0;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "closure-", 8) != 0)
			continue;
		char *dir = xasprintf("%s/%s", root, de->d_name);
		size_t n = strlen(de->d_name);
		bool staged = n > 5 && strcmp(de->d_name + n - 5, ".part") == 0;
		struct plan p;
		memset(&p, 0, sizeof p);
		char *plan_path = xasprintf("%s/plan", dir);
		int logged = staged || read_pairs(plan_path, plan_pair, &p) < 0
		                 ? 0
		                 : closure_logged(x, p.case_id, de->d_name);
		free(plan_path);
		if (logged == 1 && finish(x, dir, de->d_name, NULL) == 0)
			done++;
		else if (logged == 0)
			remove_closure(dir), done++;
		free(dir);
	}
	closedir(d);
	return done;
}

int closing_recover(struct exchange *x)
{
	char *root = xasprintf("%s/closing", x->spool);
	int done = 0, fd = access(root, F_OK) == 0 ? closing_lock(root, 0) : -1;
	if (fd >= 0) {
		done = recover_locked(x, root);
		close(fd);
	}
	free(root);
	return done;
}

/* ---- a closure ---- */

static void remedies_in_force(void *ctx, const char *remedy, const char *since,
                              const char *released, const char *actor)
{
	struct closure_case *k = ctx;
	(void)since, (void)actor;
	if (released[0])
		return;
	if (strcmp(remedy, "license-suspension") == 0)
		k->license_suspended = true;
	else if (strcmp(remedy, "bank-lien") == 0)
		k->bank_lien = true;
}

static void describe(const struct closure_plan *plan, const struct plan *p, char *out, size_t size)
{
	size_t o = (size_t)snprintf(out, size, "requested by %s; reason: %s; queued:",
	                            p->requested_by[0] ? p->requested_by : "the agency", p->reason);
	for (size_t i = 0; i < plan->noffset && o < size; i++)
		o += (size_t)snprintf(
		    out + o, size - o, " offset %c %s%s;", plan->offset[i].transaction,
		    plan->offset[i].case_type == 'A' ? "TANF" : "non-TANF",
		    plan->offset[i].transaction == 'R'
		        ? " (tax refund offset continues, every other remedy excluded)"
		        : "");
	if (o < size)
		snprintf(out + o, size - o, " MSC to the partner states on the case;%s%s",
		         p->release[0] ? " release of " : "", p->release);
}

/* What the records to OCSE do, for the person who closed the case. */
static void say_offsets(const char *case_id, const struct closure_plan *plan,
                        const struct registry_case *c)
{
	for (size_t i = 0; i < plan->noffset; i++) {
		const struct closure_offset *o = &plan->offset[i];
		const char *type = o->case_type == 'A' ? "TANF" : "non-TANF";
		if (o->transaction == 'D')
			printf("case %s: to OCSE: D, delete of the %s certification: every offset "
			       "remedy released%s\n",
			       case_id, type,
			       closure_passport_due(c) ? ", the passport denial with it" : "");
		else
			printf(
			    "case %s: to OCSE: R, the %s certification excluded from every remedy "
			    "but the federal tax refund offset\n",
			    case_id, type);
	}
}

int closing_run(const struct caller *who, struct setup *s, const struct closing_request *rq,
                const struct registry_case *before, struct registry_case *now)
{
	struct exchange x;
	char why[1024], stamp[32], detail[1024];
	struct offset_held held[2];
	size_t nheld = 0;
	int rc = exchange_open(s, who, stderr, NULL, &x);
	if (rc)
		return rc;
	char *root = xasprintf("%s/closing", x.spool);
	int lock_fd = closing_lock(root, 10);
	if (lock_fd < 0) {
		fprintf(stderr, "csgw: case %s: another case closure is under way; try again\n",
		        rq->case_id);
		free(root);
		exchange_close(&x);
		return EX_TEMPFAIL;
	}
	recover_locked(&x, root);
	/* As it stands now: a closure finished just now, or by another. */
	struct registry_case facts = *before;
	if (x.reg.db && registry_case_get(x.reg.db, rq->case_id, &facts, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
		goto out;
	}
	if (strcmp(facts.enforcement, "closed") == 0) {
		*now = facts;
		printf("case %s: enforcement already closed\n", rq->case_id);
		goto out;
	}
	before = &facts;

	struct closure_case k = {.facts = before};
	struct offset_cert certs[2];
	if (offset_held_of(s, x.spool, rq->case_id, held, &nheld, why, sizeof why) < 0 ||
	    (x.reg.db && registry_remedies(x.reg.db, rq->case_id, remedies_in_force, &k, why,
	                                   sizeof why) < 0)) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
		goto out;
	}
	for (size_t i = 0; i < nheld; i++)
		certs[i] = held[i].cert;
	k.certs = certs;
	k.ncerts = nheld;
	struct closure_plan plan;
	closure_plan(&k, rq->requested_by, &plan);

	now_text(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ");
	char *id = xasprintf("closure-%s-%s-%ld", rq->case_id, stamp, (long)getpid());
	if (plan.verdict != CLOSURE_OK) {
		snprintf(detail, sizeof detail, "requested by %s; reason: %s; refused: %s",
		         rq->requested_by ? rq->requested_by : "the agency", rq->reason, plan.why);
		rc = log_closure(&x, who, rq->case_id, id, "closure-refused",
		                 plan.verdict == CLOSURE_ASSISTANCE ? "closure-assistance"
		                                                    : "closure-requester",
		                 plan.citation, detail);
		fprintf(stderr, "csgw: case %s: closure refused: %s (%s)\n", rq->case_id, plan.why,
		        plan.citation);
		rc = rc ? rc : EX_NOPERM;
		free(id);
		goto out;
	}

	struct plan p;
	memset(&p, 0, sizeof p);
	snprintf(p.case_id, sizeof p.case_id, "%s", rq->case_id);
	snprintf(p.actor, sizeof p.actor, "%s", who->user);
	snprintf(p.requested_by, sizeof p.requested_by, "%s",
	         rq->requested_by ? rq->requested_by : "");
	snprintf(p.reason, sizeof p.reason, "%s", rq->reason);
	snprintf(p.release, sizeof p.release, "%s%s%s",
	         plan.release_license ? "license-suspension" : "",
	         plan.release_license && plan.release_lien ? " " : "",
	         plan.release_lien ? "bank-lien" : "");
	char *part = xasprintf("%s/%s.part", root, id), *dir = xasprintf("%s/%s", root, id);
	if (fs_make_dir(part) < 0) {
		fprintf(stderr, "csgw: cannot stage the closure in %s: %s\n", part,
		        strerror(errno));
		rc = EX_CANTCREAT;
	}
	struct staging g = {&x, part, 0};
	if (rc == 0)
		rc = stage_offset(&g, rq->case_id, held, nheld, &plan);
	if (rc == 0)
		rc = stage_msc(&g, rq->case_id);
	if (rc == 0)
		rc = stage_release(part, id, &p);
	if (rc == 0 && plan_save(part, &p) < 0) {
		fprintf(stderr, "csgw: cannot write %s/plan: %s\n", part, strerror(errno));
		rc = EX_IOERR;
	}
	if (rc == 0 && fs_move(part, dir) < 0) {
		fprintf(stderr, "csgw: cannot stage the closure: %s\n", strerror(errno));
		rc = EX_IOERR;
	}
	if (rc) {
		remove_closure(part);
	} else {
		crash_point("closure-staged");
		describe(&plan, &p, detail, sizeof detail);
		/* The commit point: with the entry, the closure happens. */
		rc = log_closure(&x, who, rq->case_id, id, "enforcement-closed", "case-closure",
		                 plan.citation, detail);
		if (rc) {
			fprintf(stderr,
			        "csgw: the closure could not be logged, so nothing was done\n");
			remove_closure(dir);
		} else {
			crash_point("closure-logged");
			if (finish(&x, dir, id, now) != 0) {
				/* Committed: csgw run finishes it (closing_recover). */
				fprintf(stderr,
				        "csgw: case %s: the closure is logged; what it releases is "
				        "queued by the next csgw run cycle\n",
				        rq->case_id);
				rc = EX_TEMPFAIL;
			}
			say_offsets(rq->case_id, &plan, before);
			if (plan.tax_offset_continues)
				printf(
				    "case %s: the federal tax refund offset continues for past-due "
				    "support owed to the state; every other remedy is excluded\n",
				    rq->case_id);
		}
	}
	free(part), free(dir), free(id);
out:
	close(lock_fd);
	free(root);
	exchange_close(&x);
	return rc;
}
