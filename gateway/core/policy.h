/*
 * policy.h - the disclosure policy and its decisions (DOMAIN.md section 5).
 *
 * The policy is data (mappings/policy/policy.xml, loaded by
 * core/policy_load.c); this module only decides.  policy_decide() takes one
 * record as it will leave the gateway (a lead line and its child lines, in
 * the fixed-width form of its mapping), the recipient's class, the purpose
 * and the facts the state keeps elsewhere (protections, case status), and
 * decides for every non-blank field: allow, or redact, each with the rule
 * and its citation.  The record as a whole is allowed, redacted, denied, or
 * prohibited (denied, and a notice goes to the requester instead).
 *
 * Order: an unknown class or purpose, or a purpose the class is not
 * authorized for, denies the record.  Then the limits, in file order: the
 * first that takes a field names it.  A limit with <most-recent> applies
 * only to a record that is not the most recent of its subject in its batch
 * (42 U.S.C. 663(c)): that needs the whole batch, a first pass over it
 * (policy_batch_add) before the records are decided.  Then the grants: a field is allowed
 * when one grant for the class and purpose covers all its categories.
 * Anything left is redacted by DEFAULT-DENY.  A required field that is
 * redacted denies the record (it could not be sent without it).
 *
 * Nothing here fails: the policy was checked when it was loaded.
 */
#ifndef CSGW_CORE_POLICY_H
#define CSGW_CORE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/mapping.h"

enum policy_effect { POLICY_ALLOW, POLICY_REDACT, POLICY_DENY, POLICY_PROHIBIT };

/* Subject flags, bits. */
enum {
	POLICY_FAMILY_VIOLENCE = 1,
	POLICY_NONDISCLOSURE = 2,
	POLICY_PROTECTIVE_ORDER = 4,
};

struct policy_words {
	char **w;
	size_t n;
};

/* One condition; every part given must hold.  Tri-states: -1 any. */
struct policy_when {
	struct policy_words class, class_not, purpose, purpose_not, family, record;
	struct policy_words transaction, transaction_not;
	unsigned subject; /* any of these flags; 0: any */
	int interstate, verified, matched, enforcement_closed, state_owed;
	int older_than_months; /* -1: any */
	unsigned line;
};

/* A limit's <most-recent>: of the records of a batch that carry data of
 * the limit's categories and have a line of 'record', those with the same
 * values of the 'per' fields (one subject, one kind of address) compete;
 * the one with the latest 'date' is the most recent (undated is oldest, a
 * tie goes to the first in the batch), and the limit takes the others. */
struct policy_most_recent {
	char *family;
	struct policy_words record;
	char *date;
	struct policy_words per;
	unsigned line;
};

/* The longest key the 'per' fields of a <most-recent> may make. */
#define POLICY_RECENT_KEY_MAX 255

struct policy_rule {
	char *id, *citation, *doc;
	enum policy_effect effect; /* grants allow; limits redact, deny or prohibit */
	unsigned categories;       /* limit: 0 = the record as a whole */
	char *class;               /* grants */
	struct policy_words purposes;
	struct policy_when *when; /* limits: any of them; none = always */
	size_t nwhen;
	struct policy_most_recent *recent; /* limits: only records not the most recent */
	unsigned line;
};

struct policy_class {
	char *id, *citation, *doc;
	struct policy_words purposes;
	unsigned line;
};

/* A fact read from a field of a record: a transaction kind, a subject
 * flag, or a provenance (fields of 'to' in the record gain 'adds').  The
 * same shape names a family's notice record (record, field, values[0]). */
struct policy_source {
	char *name; /* kind, flag name, or provenance rule id */
	char *citation, *doc;
	char *family;
	struct policy_words record, values;
	char *field;
	unsigned flag, to, adds;
	unsigned line;
};

struct policy {
	char *path;
	struct policy_class *classes;
	size_t nclasses;
	struct policy_words purposes;
	char **locate_types; /* per purpose: its FPLS locate request type, or NULL */
	struct policy_words case_fields;
	struct policy_source *kinds, *flags, *provenance, *notices, *entry_dates;
	size_t nkinds, nflags, nprovenance, nnotices, nentry_dates;
	struct policy_words declared; /* kinds the caller may state */
	struct policy_rule *grants, *limits;
	size_t ngrants, nlimits;
	char *notice;
};

void policy_free(struct policy *);

/* The built-in rules' ids. */
#define POLICY_DEFAULT_DENY "DEFAULT-DENY"
#define POLICY_NOT_AUTHORIZED "PURPOSE-NOT-AUTHORIZED"
#define POLICY_DEFAULT_CITATION "45 CFR 303.21(a); 42 U.S.C. 654(26)"

/* The longest case id the registries are asked about, and the most lines
 * (a lead and its children) one record may have. */
#define POLICY_CASE_ID_MAX 32
#define POLICY_MAX_LINES 64

/* The state's registries, asked by the decision.  Both may be NULL. */
struct policy_registry {
	/* Flags set for this subject (9-digit SSN) in every case (case_id
	 * ""), or in this case; with ssn NULL, for anyone in this case. */
	unsigned (*protections)(void *ctx, const char *ssn, const char *case_id);
	/* Whether the case's enforcement is closed, and whether past-due
	 * support owed to the state remains. */
	void (*case_status)(void *ctx, const char *case_id, bool *closed, bool *state_owed);
	void *ctx;
};

/* Facts of the decision that are not in the record. */
struct policy_request {
	const char *class;       /* recipient class */
	const char *purpose;     /* purpose of the disclosure */
	bool interstate;         /* the recipient is another state */
	bool verified;           /* NDNH/FCR data independently verified */
	bool matched;            /* quarterly wage / UI data produced a match */
	int entered, today;      /* YYYYMMDD: when the data entered NDNH (0: the batch's
	                            <entry-date>, else current), and now */
	const char *transaction; /* a kind the record cannot show (tax-refund-offset), or NULL */
	/* Extra categories of named fields (provenance the caller knows). */
	const char *const *tag_field;
	const unsigned *tag_categories;
	size_t ntags;
	const struct policy_registry *registry;
};

struct policy_batch;

/* One record as it leaves: lines[0] is the lead, the rest its children;
 * the batch's header line, when known, may date its data (<entry-date>).
 * 'batch' is the first pass over its batch and 'number' its place there
 * (1, 2, ... in the order policy_batch_add saw the records).  Without a
 * batch, a record that a <most-recent> limit would judge cannot be shown
 * to be the most recent, and the limit takes it (fail closed). */
struct policy_record {
	const struct family *family;
	const struct record *const *records;
	const char *const *lines; /* fixed-width, each records[i]->length long */
	size_t nlines;
	const struct record *header; /* NULL: none */
	const char *header_line;
	const struct policy_batch *batch; /* NULL: decided alone */
	unsigned long number;
};

struct policy_field_decision {
	const struct field *field;
	size_t line;               /* index into the record's lines */
	unsigned categories;       /* effective: mapping's, provenance and tags */
	enum policy_effect effect; /* allow or redact */
	const char *rule_id, *citation;
};

struct policy_decision {
	enum policy_effect effect;
	const char *rule_id, *citation;       /* what decided the record */
	char reason[240];                     /* one line, no values */
	unsigned subject;                     /* flags found */
	unsigned sent;                        /* categories of allowed fields */
	struct policy_field_decision *fields; /* non-blank fields, in order */
	size_t nfields;
};

void policy_decide(const struct policy *, const struct policy_request *,
                   const struct policy_record *, struct policy_decision *);
void policy_decision_free(struct policy_decision *);

/* The policy compiled for one request and one family, once per batch:
 * the class and purpose checked, the limits whose request conditions can
 * hold, the grants of the class for the purpose, and per record type its
 * fields' categories and the facts its fields can show, resolved.  Deciding
 * a record with it is what policy_decide does, without looking anything up
 * by name.  'req' must outlive it. */
struct policy_compiled;

struct policy_compiled *policy_compile(const struct policy *, const struct policy_request *,
                                       const struct family *);
/* rec->family must be the compiled family. */
void policy_decide_compiled(const struct policy_compiled *, const struct policy_record *,
                            struct policy_decision *);
void policy_compiled_free(struct policy_compiled *);

/* The first pass over a batch, for the <most-recent> limits: whether a
 * batch of this family, for this request, needs one at all (a limit with
 * <most-recent> for the family whose class and purpose conditions may
 * hold); then every record, in order, to policy_batch_add (its 'batch'
 * and 'number' are not read).  Memory: one entry per subject and kind of
 * address of the records that compete, in batches that need it. */
bool policy_batch_needed(const struct policy *, const struct policy_request *,
                         const struct family *);
struct policy_batch *policy_batch_new(const struct policy *);
void policy_batch_add(struct policy_batch *, const struct policy_record *);
void policy_batch_free(struct policy_batch *);

const char *policy_effect_name(enum policy_effect);
/* A subject flag's bit by its name ("family-violence"...), 0 if none. */
unsigned policy_subject_flag(const char *name);
/* "family-violence nondisclosure": the names of the flag bits. */
void policy_subject_flags_text(unsigned flags, char *out, size_t size);
/* "address employer": the names of the category bits; at most size-1 bytes. */
void policy_categories_text(unsigned categories, char *out, size_t size);
const struct policy_class *policy_class(const struct policy *, const char *id);
/* The notice record of a family, or NULL when it has none. */
const struct policy_source *policy_notice_record(const struct policy *, const char *family);
/* The FPLS locate request type of a purpose (<purpose locate-type>), or
 * NULL when locate requests may not serve it. */
const char *policy_locate_type(const struct policy *, const char *purpose);
bool policy_words_has(const struct policy_words *, const char *word);

#endif
