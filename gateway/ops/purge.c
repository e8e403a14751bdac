/*
 * purge.c - removes what has outlived its retention period (purge.h).
 */
#include "ops/purge.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/caller.h"
#include "core/retention.h"
#include "core/spool.h"
#include "io/cms.h"
#include "io/ledger_db.h"
#include "util/alloc.h"

/* One kind of data of one family: its period and what has expired. */
struct expiry {
	const char *data, *family;
	const struct retention_period *period;
	time_t before;
	long long count;
};

struct purge {
	struct setup *s;
	struct retention *r;
	time_t now;
	bool dry_run;
	char *spool;
	struct ledger_db *ledger;
	struct audit *audit;
	struct expiry *e;
	size_t ne;
	long long audit_kept; /* expired entries written before the personal hash */
	uint64_t by;          /* the purge's own audit entry */
	int failed;
};

time_t purge_now(const struct setup *s)
{
	const char *fake = getenv("CSGW_NOW");
	if (fake == NULL || !s->test_env)
		return time(NULL);
	struct tm tm = {0};
	char *end = NULL;
	long long secs = strtoll(fake, &end, 10);
	if (end && *end == '\0' && end != fake)
		return (time_t)secs;
	if (strptime(fake, "%Y-%m-%d", &tm) != NULL)
		return timegm(&tm);
	return time(NULL);
}

static void day_of(time_t t, char *out, size_t size)
{
	struct tm tm;
	strftime(out, size, "%Y-%m-%d", gmtime_r(&t, &tm));
}

static struct expiry *expiry_of(struct purge *p, const char *data, const char *family)
{
	for (size_t i = 0; i < p->ne; i++)
		if (strcmp(p->e[i].data, data) == 0 &&
		    (p->e[i].family == family ||
		     (family && p->e[i].family && strcmp(p->e[i].family, family) == 0)))
			return &p->e[i];
	return NULL;
}

/* Every kind of data of every family with a period, and when it expires. */
static void plan(struct purge *p)
{
	static const char *const per_family[] = {"sent", "inbox", "answers"};
	const struct mapping_set *set = p->s->set;
	p->e = xcalloc(3 * set->nfamilies + 1, sizeof *p->e);
	for (size_t d = 0; d < 3; d++)
		for (size_t f = 0; f < set->nfamilies; f++) {
			const char *family = set->families[f].name;
			const struct retention_period *rp =
			    retention_find(p->r, per_family[d], family);
			if (rp)
				p->e[p->ne++] =
				    (struct expiry){per_family[d], family, rp,
				                    retention_cutoff(p->now, rp->months), 0};
		}
	const struct retention_period *rp = retention_find(p->r, "audit-personal", NULL);
	if (rp)
		p->e[p->ne++] = (struct expiry){"audit-personal", NULL, rp,
		                                retention_cutoff(p->now, rp->months), 0};
}

/* Acknowledged entries of done/ by when they got there. */
static void purge_sent(struct purge *p)
{
	struct spool_entry *entries = NULL;
	size_t n = 0;
	if (spool_list(p->spool, SPOOL_DONE, &entries, &n) < 0) {
		fprintf(stderr, "csgw purge: cannot list %s/done: %s\n", p->spool, strerror(errno));
		p->failed = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct expiry *x = expiry_of(p, "sent", entries[i].family);
		if (x == NULL || entries[i].changed >= x->before)
			continue;
		if (!p->dry_run && spool_remove(p->spool, &entries[i]) < 0) {
			fprintf(stderr, "csgw purge: cannot remove done/%s: %s\n", entries[i].id,
			        strerror(errno));
			p->failed = 1;
			continue;
		}
		x->count++;
	}
	free(entries);
}

/* Files delivered to inbox/FAMILY/, each with its signature, by when they
 * were received (the time the download finished, kept by the rename into
 * the inbox). */
static void purge_inbox(struct purge *p, struct expiry *x)
{
	char *dir = xasprintf("%s/inbox/%s", p->spool, x->family);
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	while (d && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' ||
		    (len > 4 && strcmp(de->d_name + len - 4, ".p7s") == 0) ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_mtime >= x->before)
			continue;
		char *sig = xasprintf("%s.p7s", de->d_name);
		/* The signature first: a file without one is still a delivery. */
		if (!p->dry_run && ((unlinkat(dirfd(d), sig, 0) < 0 && errno != ENOENT) ||
		                    unlinkat(dirfd(d), de->d_name, 0) < 0)) {
			fprintf(stderr, "csgw purge: cannot remove %s/%s: %s\n", dir, de->d_name,
			        strerror(errno));
			p->failed = 1;
		} else
			x->count++;
		free(sig);
	}
	if (d)
		closedir(d);
	free(dir);
}

static void purge_answers(struct purge *p, struct expiry *x)
{
	char why[1024];
	if (p->ledger == NULL)
		return;
	if (ledger_purge_answers(p->ledger, x->family, (long long)x->before, p->dry_run, &x->count,
	                         why, sizeof why) < 0) {
		fprintf(stderr, "csgw purge: %s\n", why);
		p->failed = 1;
	}
}

/* The audit log's cutoff as its entries write time. */
static void audit_time(time_t t, char out[32])
{
	struct tm tm;
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static void purge_audit(struct purge *p, struct expiry *x, bool dry_run)
{
	char before[32];
	audit_time(x->before, before);
	if (audit_purge(p->audit, before, p->by, dry_run, &x->count, &p->audit_kept, stderr) < 0)
		p->failed = 1;
}

/* Every kind of data in turn; with 'dry_run' only counted. */
static void each(struct purge *p, bool dry_run)
{
	bool keep = p->dry_run;
	p->dry_run = dry_run;
	for (size_t i = 0; i < p->ne; i++)
		p->e[i].count = 0;
	purge_sent(p);
	for (size_t i = 0; i < p->ne; i++) {
		if (strcmp(p->e[i].data, "inbox") == 0)
			purge_inbox(p, &p->e[i]);
		else if (strcmp(p->e[i].data, "answers") == 0)
			purge_answers(p, &p->e[i]);
		else if (strcmp(p->e[i].data, "audit-personal") == 0)
			purge_audit(p, &p->e[i], dry_run);
	}
	p->dry_run = keep;
}

static long long total_of(const struct purge *p, const char *data)
{
	long long n = 0;
	for (size_t i = 0; i < p->ne; i++)
		if (strcmp(p->e[i].data, data) == 0)
			n += p->e[i].count;
	return n;
}

/* "2 sent, 3 inbox, 5 answers, 0 audit-personal" */
static void totals_text(const struct purge *p, char *out, size_t size)
{
	snprintf(out, size, "%lld sent, %lld inbox, %lld answers, %lld audit-personal",
	         total_of(p, "sent"), total_of(p, "inbox"), total_of(p, "answers"),
	         total_of(p, "audit-personal"));
}

static void report(const struct purge *p, FILE *out)
{
	for (size_t i = 0; i < p->ne; i++) {
		const struct expiry *x = &p->e[i];
		char day[16];
		if (x->count == 0)
			continue;
		day_of(x->before, day, sizeof day);
		fprintf(out, "  %-15s %-9s %6lld  before %s (%d months: %s)\n", x->data,
		        x->family ? x->family : "", x->count, day, x->period->months,
		        x->period->citation);
	}
	if (p->audit_kept)
		fprintf(out,
		        "  %lld audit entries as old were written before personal columns were "
		        "hashed apart: kept whole\n",
		        p->audit_kept);
}

/* The entry that says what is about to go, before it goes. */
static int log_purge(struct purge *p, const struct caller *who)
{
	char totals[256], *detail;
	char now[16];
	day_of(p->now, now, sizeof now);
	totals_text(p, totals, sizeof totals);
	/* The cutoff as verify reads it: no entry younger may be purged by
	 * this one (core/audit.h audit_purge). */
	const struct expiry *audit = expiry_of(p, "audit-personal", NULL);
	char before[32] = "";
	if (audit)
		audit_time(audit->before, before);
	detail = xasprintf("%s expired on %s (%s)%s%s", totals, now, p->r->path,
	                   audit ? "; audit entries before " : "", before);
	struct audit_entry ae = {0};
	audit_entry_set(&ae, "direction", "registry");
	audit_entry_set(&ae, "decision", "purge");
	audit_entry_set(&ae, "detail", detail);
	audit_entry_actor(&ae, who);
	int rc = audit_append(p->audit, &ae, 1, stderr);
	p->by = audit_last_id(p->audit);
	free(detail);
	return rc;
}

int purge_run(struct setup *s, const struct caller *who, time_t now, bool dry_run, FILE *out)
{
	struct purge p = {.s = s, .now = now, .dry_run = dry_run};
	struct cms_signer *signer = NULL;
	char totals[256], day[16];
	int rc = 0;

	p.spool = conf_path(&s->conf, "gateway", "spool");
	if (retention_load(s->mappings_dir, s->set, &p.r, stderr) < 0) {
		rc = EX_CONFIG;
		goto out;
	}
	if ((rc = setup_audit_open(s, !dry_run, !dry_run, &p.audit, &signer)) != 0 ||
	    (rc = setup_ledger_open(s, false, &p.ledger)) != 0)
		goto out;
	plan(&p);
	day_of(now, day, sizeof day);
	each(&p, true);
	totals_text(&p, totals, sizeof totals);
	if (dry_run || (total_of(&p, "sent") + total_of(&p, "inbox") + total_of(&p, "answers") +
	                total_of(&p, "audit-personal")) == 0) {
		if (dry_run)
			fprintf(out, "csgw purge: would remove %s as of %s\n", totals, day);
		else
			fprintf(out, "csgw purge: nothing has expired as of %s\n", day);
		report(&p, out);
		rc = p.failed ? EX_IOERR : 0;
		goto out;
	}
	if (log_purge(&p, who) < 0) {
		rc = EX_IOERR;
		goto out;
	}
	each(&p, false);
	if (audit_checkpoint(p.audit, stderr) < 0)
		p.failed = 1;
	totals_text(&p, totals, sizeof totals);
	fprintf(out, "csgw purge: removed %s as of %s\n", totals, day);
	report(&p, out);
	rc = p.failed ? EX_IOERR : 0;
out:
	ledger_db_close(p.ledger);
	audit_close(p.audit);
	cms_signer_free(signer);
	retention_free(p.r);
	free(p.e);
	free(p.spool);
	return rc;
}
