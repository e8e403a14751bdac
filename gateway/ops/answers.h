/*
 * answers.h - the requests of the ledger (csgw locate|refer list, show,
 * close, unmatched, dismiss) and their answers as the requester may see
 * them.
 *
 * Each answer is decided again by the disclosure policy, for the
 * request's requester and purpose, against today's registry: federal tax
 * information is marked, a protected person's whereabouts give way to the
 * prohibition notice, what the requester may not see is withheld with
 * its rule.  Showing FTI to the caller is an access the audit log records
 * under the caller's name (IRS Publication 1075).
 *
 * Functions return 0, or a sysexits.h code after printing one line to
 * stderr saying why (EX_NOINPUT: no such request or answer).
 */
#ifndef CSGW_OPS_ANSWERS_H
#define CSGW_OPS_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/caller.h"
#include "io/ledger_db.h"
#include "ops/setup.h"

/* A request with the number of answers it has (a received request's own
 * record is not counted). */
typedef int request_row_fn(void *ctx, const struct ledger_request *, unsigned answers);
int requests_list(struct setup *, const struct ledger_filter *, request_row_fn *, void *ctx);

/* Whether a request waits past its due time. */
bool request_overdue(const struct ledger_request *);

/* One field of an answer, as the requester may see it. */
struct answer_field {
	char name[80];                   /* ELEMENT.field */
	char shown[128];                 /* as XML writes it, an SSN masked */
	const char *withheld, *citation; /* the rule when it is withheld, else NULL */
	bool fti;
};

enum answer_seen {
	ANSWER_SHOWN,      /* fields, each shown or withheld */
	ANSWER_PROHIBITED, /* the notice instead (rule NULL: the answer was the notice) */
	ANSWER_DENIED,     /* nothing of it, for rule and reason */
	ANSWER_UNREADABLE, /* the recorded lines no longer match the mapping */
};

struct answer_view {
	const struct ledger_response *resp;
	bool request_itself; /* the record of a request received, not an answer */
	enum answer_seen seen;
	const char *notice;                   /* ANSWER_PROHIBITED */
	const char *rule, *citation, *reason; /* ANSWER_PROHIBITED, ANSWER_DENIED */
	const char *requester, *purpose;
	const struct answer_field *fields;
	size_t nfields;
};
typedef void answer_fn(void *ctx, const struct answer_view *);

/* Request 'id' in *r. */
int request_find(struct setup *, const char *id, struct ledger_request *r);

/* Each answer of request r through 'fn' (first, for a request received,
 * its own record); *answers says how many answers there were. */
int request_answers(const struct caller *, struct setup *, const struct ledger_request *r,
                    answer_fn *fn, void *ctx, unsigned *answers);

/* Ends a request we sent that will not be answered; *r as it was. */
int request_close(struct setup *, const char *id, struct ledger_request *r);

/* Answers that matched no request, and one dismissed by a person who has
 * dealt with it. */
int unmatched_list(struct setup *, ledger_response_fn *, void *ctx);
int unmatched_dismiss(struct setup *, long long n);

#endif
