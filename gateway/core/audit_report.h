/*
 * audit_report.h - the audit log as compliance staff read it: the periodic
 * disclosure review (one self-contained HTML page, core/html.h) and the
 * accounting of disclosures about one person (5 U.S.C. 552a(c)).
 *
 * Counts come from SQL (audit_count), rows are streamed (audit_search):
 * a review over a million entries holds only its charts' few numbers.  A
 * table longer than 'max_rows' is summarised on the page and written in
 * full to the detail CSV beside it.  Subjects appear only as the start of
 * their keyed hash: no SSN is in the log, so none can be in a report.
 */
#ifndef CSGW_CORE_AUDIT_REPORT_H
#define CSGW_CORE_AUDIT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/audit.h"

struct review_report {
	/* The period: UTC times in the log's form, until exclusive (NULL:
	 * open), and as the person typed them, for the page. */
	const char *since, *until, *since_day, *until_day;
	const char *partner; /* NULL: every partner */
	const char *gateway; /* the log's origin, "csgw/06/audit" */
	const char *author;  /* who asked for it */
	time_t made;
	unsigned long max_rows; /* per table on the page */
	/* What a full verification found: 'verified' false with the problem. */
	bool verified;
	const char *problem;
	const struct audit_state *state;
	/* Where the long tables go, and the name the page gives it. */
	FILE *csv;
	const char *csv_name;
};

/* Writes the review to html.  0, or -1 after printing why to err (the
 * log could not be read).  *entries: how many entries the period holds;
 * *detail_rows: rows written to the CSV. */
int review_report_write(struct audit *, const struct review_report *, FILE *html, uint64_t *entries,
                        unsigned long *detail_rows, FILE *err);

/* One CSV field and its separator (a line end when 'last'): quoted when it
 * must be; with 'formula_guard', a value that starts like a spreadsheet
 * formula (= + - @, a tab or a carriage return) gets a leading ' inside
 * the quotes, so opening the file runs nothing. */
void audit_csv_field(FILE *, const char *v, bool last, bool formula_guard);

/* One disclosure about the person, as the accounting lists it. */
struct accounting_line {
	int64_t id;
	const char *time, *partner, *partner_class, *purpose, *family, *record_type, *categories,
	    *decision, *rule_id, *citation;
	const char *withhold; /* why it may be withheld from the person, or NULL */
	const char *sent;     /* when the file that held it was sent, or NULL: decided
	                         (policy apply), not seen leaving */
};

/* Every disclosure (records allowed or redacted out) about the subject of
 * 'subject_key' since 'since' (NULL: all), oldest first. */
typedef int accounting_fn(void *ctx, const struct accounting_line *);
int accounting_list(struct audit *, const char *subject_key, const char *since, accounting_fn *,
                    void *ctx, FILE *err);

/* Why a disclosure may be withheld from the person it is about, or NULL:
 * a compliance officer decides, the tool only points. */
const char *accounting_withhold(const char *purpose, const char *rule_id,
                                const char *partner_class);

#endif
