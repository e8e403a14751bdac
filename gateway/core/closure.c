/*
 * closure.c - the rules of a case closure (closure.h).
 */
#include "core/closure.h"

#include <stdio.h>
#include <string.h>

const char *const closure_openers[] = {
    "custodial-party", "noncustodial-parent", "other-state", "court",
    "tanf-referral",   "medicaid-referral",   NULL,
};

const char *const offset_remedy_codes[OFFSET_REMEDIES] = {
    "ADM", "RET", "VEN", "SAL", "TAX", "PAS", "FIN", "INS", "DCK",
};

const char *const offset_remedy_names[OFFSET_REMEDIES] = {
    "administrative offset",       "federal retirement offset", "vendor payment offset",
    "federal salary offset",       "federal tax refund offset", "passport denial",
    "financial institution match", "insurance match",           "debt check",
};

enum { TAX = 4 };

bool closure_is_opener(const char *party)
{
	for (size_t i = 0; party && closure_openers[i]; i++)
		if (strcmp(closure_openers[i], party) == 0)
			return true;
	return false;
}

static bool refused(struct closure_plan *p, enum closure_verdict v, const char *citation)
{
	p->verdict = v;
	p->citation = citation;
	return true;
}

/* Whether the request may not go on; says why in p. */
static bool closure_refused(const struct registry_case *c, const char *requested_by,
                            struct closure_plan *p)
{
	if (strcmp(c->assistance, "tanf") == 0 || strcmp(c->assistance, "medicaid") == 0) {
		snprintf(p->why, sizeof p->why,
		         "the case has current %s, so it may not be closed; it stays open while "
		         "the assistance lasts",
		         strcmp(c->assistance, "tanf") == 0 ? "cash assistance (TANF)"
		                                            : "Medicaid");
		return refused(p, CLOSURE_ASSISTANCE,
		               "45 CFR 303.11; 42 U.S.C. 654(4); DOMAIN.md 5.7");
	}
	/* A referral opens a case but is no party who may ask to close it. */
	bool party = requested_by && strstr(requested_by, "referral") == NULL;
	if (requested_by == NULL || (party && strcmp(requested_by, c->opened_by) == 0))
		return false;
	if (c->opened_by[0] == '\0' || strstr(c->opened_by, "referral"))
		snprintf(p->why, sizeof p->why,
		         "only the party who opened the case may ask to close it, and %s; the "
		         "agency closes it when a closure criterion is met",
		         c->opened_by[0] ? "this case was opened by a referral, not by a party"
		                         : "who opened this case is not recorded");
	else if (strcmp(requested_by, "noncustodial-parent") == 0)
		snprintf(p->why, sizeof p->why,
		         "only the party who opened the case (%s) may ask to close it; a "
		         "noncustodial parent may not, and a private attorney can advise on other "
		         "options",
		         c->opened_by);
	else
		snprintf(p->why, sizeof p->why,
		         "only the party who opened the case (%s) may ask to close it, not %s",
		         c->opened_by, requested_by);
	return refused(p, CLOSURE_NOT_OPENER, "45 CFR 303.11(b)(14); DOMAIN.md 5.7");
}

void closure_plan(const struct closure_case *k, const char *requested_by, struct closure_plan *p)
{
	memset(p, 0, sizeof *p);
	p->citation = "45 CFR 303.11; 45 CFR 303.72; DOMAIN.md 5.7, 5.9";
	if (closure_refused(k->facts, requested_by, p))
		return;
	p->verdict = CLOSURE_OK;
	for (size_t i = 0; i < k->ncerts && p->noffset < 2; i++) {
		const struct offset_cert *c = &k->certs[i];
		if (c->released)
			continue;
		struct closure_offset *o = &p->offset[p->noffset++];
		o->case_type = c->case_type;
		/* Past-due support owed to the state for cash assistance keeps
		 * the tax refund offset, and only that (DOMAIN.md 5.7). */
		if (c->case_type == 'A' &&
		    (k->facts->state_owed_arrears || k->facts->arrears_state > 0)) {
			o->transaction = 'R';
			for (size_t r = 0; r < OFFSET_REMEDIES; r++)
				o->excluded[r] = r != TAX;
			p->tax_offset_continues = true;
		} else {
			o->transaction = 'D';
		}
	}
	p->release_license = k->license_suspended;
	p->release_lien = k->bank_lien;
}

bool closure_passport_due(const struct registry_case *c)
{
	return c->arrears_family + c->arrears_state > PASSPORT_THRESHOLD_DOLLARS;
}

int closure_payment_processing(const char *requested_by, char *why, size_t whylen)
{
	if (requested_by &&
	    (strcmp(requested_by, "court") == 0 || strcmp(requested_by, "agency") == 0))
		return 0;
	snprintf(why, whylen,
	         "payment processing closes only when the obligation ends or a court or another "
	         "agency asks (--requested-by court or agency)%s%s",
	         requested_by ? "; not at the request of " : "", requested_by ? requested_by : "");
	return -1;
}
