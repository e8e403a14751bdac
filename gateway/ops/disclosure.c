/*
 * disclosure.c - the disclosure policy run over a batch (disclosure.h).
 */
#include "ops/disclosure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "core/audit.h"
#include "core/policy_load.h"
#include "core/unmap.h"
#include "io/cms.h"
#include "ops/registry.h"
#include "util/alloc.h"

int disclosure_policy(const struct setup *s, struct policy **p)
{
	if (policy_load(s->mappings_dir, s->set, p, stderr) < 0) {
		fprintf(stderr,
		        "csgw: the disclosure policy has problems (above); nothing was done\n");
		return EX_CONFIG;
	}
	return 0;
}

struct batch_lines {
	char **line;
	size_t n;
};

static int keep_line(void *ctx, const char *line, size_t len)
{
	struct batch_lines *b = ctx;
	b->line = xreallocarray(b->line, b->n + 1, sizeof *b->line);
	b->line[b->n++] = xmemdup(line, len);
	return 0;
}

/* What the caller states must be something the policy and mappings know:
 * a misspelt field or kind would quietly change the decision. */
static int check_facts(const struct setup *s, const struct policy *p,
                       const struct disclosure_ask *x)
{
	if (x->req.transaction && !policy_words_has(&p->declared, x->req.transaction)) {
		fprintf(stderr, "csgw: --transaction %s: expected a kind the record cannot show:",
		        x->req.transaction);
		for (size_t i = 0; i < p->declared.n; i++)
			fprintf(stderr, " %s", p->declared.w[i]);
		fputs(" (the others are read from the record)\n", stderr);
		return EX_USAGE;
	}
	unsigned ndnh = 1u << mapping_category_bit("ndnh");
	for (size_t t = 0; t < x->req.ntags; t++) {
		bool known = false;
		for (size_t f = 0; f < s->set->nfamilies && !known; f++)
			for (size_t r = 0; r < s->set->families[f].nrecords && !known; r++)
				known = mapping_field(&s->set->families[f].records[r],
				                      x->req.tag_field[t]) != NULL;
		if (!known) {
			fprintf(stderr, "csgw: --tag %s: no record of any family has that field\n",
			        x->req.tag_field[t]);
			return EX_USAGE;
		}
		if ((x->req.tag_categories[t] & ndnh) && x->req.entered == 0) {
			fprintf(stderr,
			        "csgw: --tag %s=ndnh needs --entered: when the data entered "
			        "the directory decides whether it may still be used\n",
			        x->req.tag_field[t]);
			return EX_USAGE;
		}
	}
	return 0;
}

int disclosure_prepare(const struct setup *s, struct disclosure_ask *x, struct policy **p)
{
	int rc;
	*p = NULL;
	if (x->partner) {
		x->req.class = setup_partner_value(s, x->partner, "class");
		const char *theirs = setup_partner_value(s, x->partner, "state");
		const char *ours = conf_value(&s->conf, "gateway", "state");
		if (x->req.class == NULL) {
			fprintf(stderr, "%s: no [partner %s] with a class\n", setup_conf_name(s),
			        x->partner);
			return EX_CONFIG;
		}
		/* A partner not known to be this state is another one (fail closed). */
		x->req.interstate = !(theirs && ours && strcmp(theirs, ours) == 0);
	}
	if ((rc = disclosure_policy(s, p)) != 0 || (rc = check_facts(s, *p, x)) != 0)
		return rc;
	if (policy_class(*p, x->req.class) == NULL ||
	    !policy_words_has(&(*p)->purposes, x->req.purpose))
		fprintf(stderr, "csgw: note: %s '%s' is not in the policy: everything is denied\n",
		        policy_class(*p, x->req.class) ? "purpose" : "class",
		        policy_class(*p, x->req.class) ? x->req.purpose : x->req.class);
	return 0;
}

/* The first pass over the batch, which a <most-recent> limit needs (the
 * records of one person may be anywhere in it); NULL when none may apply. */
static const struct record *line_record(const struct batch_type *bt, const char *line)
{
	return mapping_batch_record_of_line(bt, line, strlen(line));
}

static struct policy_batch *scan_batch(const struct policy *p, const struct disclosure_ask *x,
                                       const struct batch_type *bt, const struct batch_lines *lines)
{
	if (!policy_batch_needed(p, &x->req, bt->family))
		return NULL;
	struct policy_batch *batch = policy_batch_new(p);
	for (size_t i = 0; i < lines->n; i++) {
		const struct record *recs[POLICY_MAX_LINES];
		size_t n = 0;
		if (!mapping_batch_has_record(bt, line_record(bt, lines->line[i])))
			continue;
		recs[n++] = line_record(bt, lines->line[i]);
		for (size_t k = i + 1; k < lines->n && n < POLICY_MAX_LINES; k++) {
			const struct record *r = line_record(bt, lines->line[k]);
			if (mapping_batch_has_record(bt, r) || r == bt->trailer)
				break;
			recs[n++] = r;
		}
		struct policy_record rec = {.family = bt->family,
		                            .records = recs,
		                            .lines = (const char *const *)&lines->line[i],
		                            .nlines = n};
		policy_batch_add(batch, &rec);
	}
	return batch;
}

/* Decides every record of the batch (or record x->only). */
int disclosure_explain(struct setup *s, const struct policy *p, struct disclosure_ask *x,
                       disclosure_fn *fn, void *ctx)
{
	struct batch_lines lines = {NULL, 0};
	struct batch_counts counts = {0};
	struct report rep = {.out = stderr, .file = x->file, .max = 20};
	struct registry reg;
	struct policy_batch *batch = NULL;
	int rc = registry_open(s, false, &reg);
	if (rc == 0)
		rc = registry_read(&reg);
	if (rc) {
		registry_close(&reg);
		return rc;
	}
	struct policy_registry pr = registry_for_policy(&reg);
	x->req.registry = &pr;

	enum map_status st =
	    unmap_read(s->set, x->file, s->test_env, NULL, &rep, keep_line, &lines, &counts);
	if (st != MAP_OK) {
		report_finish(&rep);
		rc = st == MAP_NO_INPUT ? EX_NOINPUT : EX_DATAERR;
		goto out;
	}
	const struct batch_type *bt = counts.batch;
	unsigned long number = 0, shown = 0;
	batch = scan_batch(p, x, bt, &lines);
	for (size_t i = 0; i < lines.n; i++) {
		if (!mapping_batch_has_record(bt, line_record(bt, lines.line[i])))
			continue;
		number++;
		size_t end = i + 1;
		while (end < lines.n &&
		       !mapping_batch_has_record(bt, line_record(bt, lines.line[end])) &&
		       line_record(bt, lines.line[end]) != bt->trailer)
			end++;
		if (x->only && number != x->only)
			continue;
		if (end - i > POLICY_MAX_LINES) {
			fprintf(stderr, "csgw: %s: record %lu has more than %d lines\n", x->file,
			        number, POLICY_MAX_LINES);
			rc = EX_DATAERR;
			goto out;
		}
		const struct record *recs[POLICY_MAX_LINES];
		size_t n = 0;
		for (size_t k = i; k < end; k++)
			recs[n++] = line_record(bt, lines.line[k]);
		struct policy_record rec = {.family = bt->family,
		                            .records = recs,
		                            .lines = (const char *const *)&lines.line[i],
		                            .nlines = n,
		                            .header = bt->header,
		                            .header_line = lines.line[0],
		                            .batch = batch,
		                            .number = number};
		struct policy_decision d;
		policy_decide(p, &x->req, &rec, &d);
		if (reg.failed) {
			fprintf(stderr, "csgw: %s: record %lu: the registry cannot be read: %s\n",
			        x->file, number, reg.why);
			policy_decision_free(&d);
			rc = EX_IOERR;
			goto out;
		}
		shown++;
		fn(ctx, number, &rec, &d);
		policy_decision_free(&d);
	}
	if (x->only && shown == 0) {
		fprintf(stderr, "csgw: %s: there is no record %lu (the batch has %lu)\n", x->file,
		        x->only, number);
		rc = EX_USAGE;
	}
out:
	policy_batch_free(batch);
	for (size_t i = 0; i < lines.n; i++)
		free(lines.line[i]);
	free(lines.line);
	batch_counts_free(&counts);
	registry_close(&reg);
	return rc;
}

/* Writes what of the batch may go to the partner, and logs every decision. */
int disclosure_apply(const struct caller *who, struct setup *s, const struct policy *p,
                     struct disclosure_ask *x, struct disclose_counts *result)
{
	struct report rep = {.out = stderr, .file = x->file, .max = 20};
	struct disclose_counts n;
	struct registry reg;
	struct audit *audit = NULL;
	struct cms_signer *signer = NULL;
	/* Created when missing, so that from then on its absence is an error. */
	int rc = registry_open(s, true, &reg);

	if (rc == 0)
		rc = registry_read(&reg);
	if (rc) {
		registry_close(&reg);
		return rc;
	}
	if ((rc = setup_audit_open(s, 1, true, &audit, &signer)) != 0)
		goto out;
	struct policy_registry pr = registry_for_policy(&reg);
	x->req.registry = &pr;
	struct disclose_plan plan = {
	    .set = s->set,
	    .policy = p,
	    .request = &x->req,
	    .test_env = s->test_env,
	    .audit = audit,
	    .subject_secret = reg.key,
	    .partner = x->partner,
	    .who = who,
	    .registry_failed = &reg.failed,
	};
	switch (disclose_batch(&plan, x->file, x->output, &rep, &n, stderr)) {
	case DISCLOSE_OK:
	case DISCLOSE_NOTHING:
		*result = n;
		break;
	case DISCLOSE_BAD_DATA:
		rc = EX_DATAERR;
		break;
	case DISCLOSE_NO_INPUT:
		rc = EX_NOINPUT;
		break;
	case DISCLOSE_FAILED:
		rc = EX_IOERR;
		break;
	}
out:
	audit_close(audit);
	cms_signer_free(signer);
	registry_close(&reg);
	return rc;
}
