/*
 * audit_report.c - the disclosure review and the accounting of disclosures
 * (audit_report.h).
 */
#include "core/audit_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/html.h"
#include "util/alloc.h"

/* The keyed hash's start: enough to tell subjects apart, reveals nothing. */
#define SUBJECT_SHOWN 12

static const char *const decision_keys[] = {"allow", "redact", "deny", "prohibit"};
static const char *const decision_names[] = {"allowed", "redacted", "denied", "prohibited"};
static const char *const decision_colors[] = {"#2e7d32", "#f9a825", "#c62828", "#6a1b9a"};

static int column_index(const char *name)
{
	for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
		if (strcmp(audit_db_columns[i], name) == 0)
			return i;
	return -1;
}

static void time_text(time_t t, char *out, size_t size)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
}

/* ---- counts into chart data ---- */

/* Counts by label (one or two keys) and series (the next key, one of
 * 'key'; with one series and no key, every row counts). */
struct grid {
	unsigned label_keys;
	size_t nseries;
	const char *const *key; /* series values in the log; NULL: one series */
	size_t nlabels;
	char **label;
	long long *value;
	bool fixed; /* count only labels already there */
};

static void grid_add_label(struct grid *g, const char *label)
{
	g->label = xreallocarray(g->label, g->nlabels + 1, sizeof *g->label);
	g->value = xreallocarray(g->value, (g->nlabels + 1) * g->nseries, sizeof *g->value);
	g->label[g->nlabels] = xstrdup(label);
	memset(g->value + g->nlabels * g->nseries, 0, g->nseries * sizeof *g->value);
	g->nlabels++;
}

static int grid_row(void *ctx, const char *const keys[], long long count)
{
	struct grid *g = ctx;
	char label[256];
	size_t s = 0, i;

	if (g->label_keys == 2)
		snprintf(label, sizeof label, "%s / %s", keys[0][0] ? keys[0] : "-",
		         keys[1][0] ? keys[1] : "-");
	else
		snprintf(label, sizeof label, "%s", keys[0][0] ? keys[0] : "-");
	if (g->key) {
		for (s = 0; s < g->nseries && strcmp(g->key[s], keys[g->label_keys]) != 0; s++)
			;
		if (s == g->nseries)
			return 0;
	}
	for (i = 0; i < g->nlabels && strcmp(g->label[i], label) != 0; i++)
		;
	if (i == g->nlabels) {
		if (g->fixed)
			return 0;
		grid_add_label(g, label);
	}
	g->value[i * g->nseries + s] += count;
	return 0;
}

static void grid_free(struct grid *g)
{
	for (size_t i = 0; i < g->nlabels; i++)
		free(g->label[i]);
	free(g->label);
	free(g->value);
}

static time_t day_of(const char *text)
{
	struct tm tm = {0};
	char *end = strptime(text, "%Y-%m-%d", &tm);
	return end ? timegm(&tm) : (time_t)-1;
}

/* Every day from the period's first to its last (or the first and last
 * with entries), those with none as zero: a time axis with no gaps
 * hidden.  At most ten years of days. */
static void grid_fill_days(struct grid *g, const char *since, const char *until)
{
	time_t first = since ? day_of(since) : g->nlabels ? day_of(g->label[0]) : -1;
	time_t last = until        ? day_of(until) - 86400
	              : g->nlabels ? day_of(g->label[g->nlabels - 1])
	                           : -1;
	if (first == (time_t)-1 || last == (time_t)-1 || last < first ||
	    (last - first) / 86400 > 3660)
		return;
	struct grid all = {.label_keys = g->label_keys, .nseries = g->nseries, .key = g->key};
	size_t next = 0;
	for (time_t d = first; d <= last; d += 86400) {
		char label[16];
		struct tm tm;
		gmtime_r(&d, &tm);
		strftime(label, sizeof label, "%Y-%m-%d", &tm);
		grid_add_label(&all, label);
		while (next < g->nlabels && strcmp(g->label[next], label) < 0)
			next++; /* outside the period: not shown */
		if (next < g->nlabels && strcmp(g->label[next], label) == 0)
			memcpy(all.value + (all.nlabels - 1) * all.nseries,
			       g->value + next * g->nseries, g->nseries * sizeof *g->value);
	}
	grid_free(g);
	*g = all;
}

static void grid_chart(FILE *out, const struct grid *g, const char *id, const char *title,
                       const char *const *names, const char *const *colors, int columns)
{
	struct html_chart c = {.id = id,
	                       .title = title,
	                       .nlabels = g->nlabels,
	                       .nseries = g->nseries,
	                       .label = (const char *const *)g->label,
	                       .series = names,
	                       .color = colors,
	                       .values = g->value,
	                       .columns = columns};
	html_chart(out, &c);
}

/* The period's query, narrowed further by the caller. */
static struct audit_query period(const struct review_report *r)
{
	return (struct audit_query){.partner = r->partner, .since = r->since, .until = r->until};
}

static int count_into(struct audit *a, const struct audit_query *q, struct grid *g, const char *g0,
                      const char *g1, const char *g2, unsigned limit, int most_first, FILE *err)
{
	struct audit_db_tally t = {.group = {g0, g1, g2}, .limit = limit, .most_first = most_first};
	t.count = g2 ? 3 : g1 ? 2 : 1;
	return audit_count(a, q, &t, grid_row, g, err);
}

/* ---- sections ---- */

static void header(FILE *out, const struct review_report *r)
{
	char made[40];
	time_text(r->made, made, sizeof made);
	html_page_start(out, "csgw disclosure review");
	fputs("<header>\n<h1>Disclosure review</h1>\n<p class=\"meta\">Audit log <code>", out);
	html_text(out, r->gateway);
	fputs("</code>; period ", out);
	html_text(out, r->since_day ? r->since_day : "the beginning");
	fputs(" to ", out);
	html_text(out, r->until_day ? r->until_day : "now");
	fputs(" (inclusive); ", out);
	if (r->partner) {
		fputs("partner ", out);
		html_text(out, r->partner);
	} else {
		fputs("all partners", out);
	}
	fputs(". Made ", out);
	html_text(out, made);
	fputs(" by ", out);
	html_text(out, r->author);
	fputs(".</p>\n</header>\n", out);
}

static void integrity(FILE *out, const struct review_report *r, uint64_t in_period)
{
	const struct audit_state *st = r->state;
	fputs("<section id=\"integrity\">\n<h2>Integrity of the log</h2>\n", out);
	if (!r->verified) {
		fputs("<div class=\"alarm\" id=\"integrity-result\" data-verified=\"no\">The audit "
		      "log does NOT verify: ",
		      out);
		html_text(out, r->problem);
		fputs(
		    ". The figures below are read from a log that was changed outside csgw: do not "
		    "rely on them before the log is examined.</div>\n",
		    out);
	} else if (st->checkpoints == 0 && st->entries > 0) {
		fprintf(
		    out,
		    "<div class=\"warn\" id=\"integrity-result\" data-verified=\"unsigned\">The "
		    "%" PRIu64
		    " entries agree with the hash tree, but no signed checkpoint vouches "
		    "for them: whoever can write the database could have recomputed the tree. Sign "
		    "one (csgw audit checkpoint; every exchange cycle does).</div>\n",
		    st->entries);
	} else {
		fprintf(
		    out,
		    "<div class=\"good\" id=\"integrity-result\" data-verified=\"yes\">The whole "
		    "log was verified while this report was written: all %" PRIu64
		    " entries, the hash tree and %zu signed checkpoint(s) were recomputed and "
		    "agree.</div>\n",
		    st->entries, st->checkpoints);
	}
	fprintf(out,
	        "<table id=\"integrity-facts\"><tbody>\n<tr><th>Entries in this period</th><td "
	        "class=\"n\">%" PRIu64 "</td></tr>\n",
	        in_period);
	if (r->verified) {
		fprintf(
		    out,
		    "<tr><th>Entries in the log (tree size)</th><td class=\"n\">%" PRIu64
		    "</td></tr>\n<tr><th>Tree root (SHA-256)</th><td><code>%s</code></td></tr>\n",
		    st->entries, st->root);
		if (st->latest_size) {
			char when[40];
			time_text(st->latest_time, when, sizeof when);
			fprintf(out,
			        "<tr><th>Latest signed checkpoint</th><td>at %" PRIu64
			        " entries, written %s, <code>",
			        st->latest_size, when);
			html_text(out, st->latest_file);
			fputs("</code></td></tr>\n<tr><th>Signed by</th><td>", out);
			html_text(out, st->signer);
			fputs("</td></tr>\n", out);
		} else {
			fputs("<tr><th>Latest signed checkpoint</th><td>none yet: run csgw audit "
			      "checkpoint</td></tr>\n",
			      out);
		}
	}
	fputs("</tbody></table>\n</section>\n", out);
}

/* Totals by direction and decision: the numbers audit search counts too. */
struct total {
	const char *direction, *decision, *what;
};
static const struct total totals[] = {
    {"out", "allow", "Records disclosed in full (allow)"},
    {"out", "redact", "Records disclosed with fields removed (redact)"},
    {"out", "deny", "Records refused (deny)"},
    {"out", "prohibit", "Records refused by a prohibition (prohibit)"},
    {"out", "sent", "Files sent"},
    {"in", "received", "Files received"},
    {"in", "quarantined", "Files quarantined on receipt"},
    {"access", "shown", "Views of federal tax information"},
    {"access", "refused", "Commands refused to a person"},
    {"request", "refused", "Locate requests refused"},
    {"request", "requested", "Locate requests made for a court or custody authority"},
};
#define NTOTALS (sizeof totals / sizeof totals[0])

struct total_counts {
	long long n[NTOTALS];
	long long changes, all;
};

static int total_row(void *ctx, const char *const keys[], long long count)
{
	struct total_counts *t = ctx;
	t->all += count;
	if (strcmp(keys[0], "registry") == 0)
		t->changes += count;
	for (size_t i = 0; i < NTOTALS; i++)
		if (strcmp(keys[0], totals[i].direction) == 0 &&
		    strcmp(keys[1], totals[i].decision) == 0)
			t->n[i] += count;
	return 0;
}

static void totals_table(FILE *out, const struct total_counts *t)
{
	fputs("<section id=\"totals\">\n<h2>Totals for the period</h2>\n<table><thead><tr><th>What"
	      "</th><th>Entries</th></tr></thead><tbody>\n",
	      out);
	for (size_t i = 0; i < NTOTALS; i++)
		fprintf(out,
		        "<tr data-direction=\"%s\" data-decision=\"%s\"><td>%s</td><td "
		        "class=\"n\">%lld</td></tr>\n",
		        totals[i].direction, totals[i].decision, totals[i].what, t->n[i]);
	fprintf(out,
	        "<tr data-direction=\"registry\"><td>Changes to protections and case "
	        "status</td><td class=\"n\">%lld</td></tr>\n<tr data-direction=\"all\"><td>All "
	        "entries</td><td class=\"n\">%lld</td></tr>\n</tbody></table>\n</section>\n",
	        t->changes, t->all);
}

static int charts(struct audit *a, const struct review_report *r, FILE *out, FILE *err)
{
	static const char *const one[] = {"entries"};
	static const char *const green[] = {"#2e7d32"};
	static const char *const in_keys[] = {"received", "quarantined"};
	static const char *const in_colors[] = {"#2e7d32", "#c62828"};
	static const char *const bad_keys[] = {"redact", "deny", "prohibit"};
	static const char *const bad_names[] = {"redacted", "denied", "prohibited"};
	static const char *const bad_colors[] = {"#f9a825", "#c62828", "#6a1b9a"};
	struct audit_query q = period(r);
	int rc = 0;

	fputs("<section id=\"charts\">\n<h2>Disclosures at a glance</h2>\n", out);
	q.direction = "out";
	q.decision = "allow redact deny prohibit";
	struct grid days = {.label_keys = 1, .nseries = 4, .key = decision_keys};
	if (count_into(a, &q, &days, "day", "decision", NULL, 0, 0, err) < 0)
		rc = -1;
	grid_fill_days(&days, r->since, r->until);
	grid_chart(out, &days, "chart-days", "Record decisions per day", decision_names,
	           decision_colors, 1);
	grid_free(&days);

	q.decision = "allow redact";
	struct grid partners = {.label_keys = 2, .nseries = 1};
	if (rc == 0 && count_into(a, &q, &partners, "partner", "purpose", NULL, 0, 0, err) < 0)
		rc = -1;
	grid_chart(out, &partners, "chart-partners", "Records disclosed, per partner and purpose",
	           one, green, 0);
	grid_free(&partners);

	/* The ten rules that refused or removed most, split by what they did. */
	q.decision = "redact deny prohibit";
	struct grid top = {.label_keys = 1, .nseries = 1};
	if (rc == 0 && count_into(a, &q, &top, "rule_id", NULL, NULL, 10, 1, err) < 0)
		rc = -1;
	struct grid rules = {.label_keys = 1, .nseries = 3, .key = bad_keys, .fixed = true};
	for (size_t i = 0; i < top.nlabels; i++)
		grid_add_label(&rules, top.label[i]);
	grid_free(&top);
	if (rc == 0 && count_into(a, &q, &rules, "rule_id", "decision", NULL, 0, 0, err) < 0)
		rc = -1;
	grid_chart(out, &rules, "chart-rules", "The rules that denied or redacted most", bad_names,
	           bad_colors, 0);
	grid_free(&rules);

	q.direction = "in";
	q.decision = NULL;
	struct grid inbound = {.label_keys = 1, .nseries = 2, .key = in_keys};
	if (rc == 0 && count_into(a, &q, &inbound, "partner", "decision", NULL, 0, 0, err) < 0)
		rc = -1;
	grid_chart(out, &inbound, "chart-inbound", "Files received, per partner", in_keys,
	           in_colors, 0);
	grid_free(&inbound);
	fputs("</section>\n", out);
	return rc;
}

/* ---- tables: on the page, or summarised with the rows in the CSV ---- */

struct table {
	const char *id, *title, *intro;
	const char *const *column; /* log columns, "subject" and "record" made up */
	const char *const *head;
	const char *summary[2]; /* counted by these when too long for the page */
};

struct table_out {
	const struct table *t;
	FILE *html, *csv;
	unsigned long *csv_rows;
};

static void cell(FILE *out, const char *v)
{
	fputs("<td>", out);
	html_text(out, v && *v ? v : "-");
	fputs("</td>", out);
}

static int html_row(void *ctx, int64_t id, const char *const v[AUDIT_DB_COLUMNS],
                    const unsigned char *leaf, size_t leaf_len)
{
	struct table_out *o = ctx;
	(void)leaf, (void)leaf_len;
	fprintf(o->html, "<tr data-id=\"%" PRId64 "\">", id);
	for (const char *const *c = o->t->column; *c; c++) {
		char text[256];
		if (strcmp(*c, "subject") == 0) {
			snprintf(text, sizeof text, "%.*s%s", SUBJECT_SHOWN, v[9],
			         v[9][0] ? "…" : "");
			cell(o->html, text);
		} else if (strcmp(*c, "record") == 0) {
			snprintf(text, sizeof text, "%.60s%s%.60s%s%.60s", v[5], v[6][0] ? "/" : "",
			         v[6], v[7][0] ? " " : "", v[7]);
			cell(o->html, text);
		} else {
			int i = column_index(*c);
			cell(o->html, i >= 0 ? v[i] : "");
		}
	}
	fputs("</tr>\n", o->html);
	return 0;
}

void audit_csv_field(FILE *out, const char *v, bool last, bool formula_guard)
{
	bool formula = formula_guard && v[0] && strchr("=+-@\t\r", v[0]);
	if (formula || strpbrk(v, ",\"\r\n")) {
		putc('"', out);
		if (formula)
			putc('\'', out);
		for (; *v; v++) {
			if (*v == '"')
				putc('"', out);
			putc(*v, out);
		}
		putc('"', out);
	} else {
		fputs(v, out);
	}
	putc(last ? '\n' : ',', out);
}

static int csv_row(void *ctx, int64_t id, const char *const v[AUDIT_DB_COLUMNS],
                   const unsigned char *leaf, size_t leaf_len)
{
	struct table_out *o = ctx;
	(void)leaf, (void)leaf_len;
	if (*o->csv_rows == 0) {
		fputs("section,id,", o->csv);
		for (int k = 0; k < AUDIT_DB_SHOWN_COLUMNS; k++)
			audit_csv_field(o->csv, audit_db_columns[audit_db_shown[k]],
			                k == AUDIT_DB_SHOWN_COLUMNS - 1, true);
	}
	fprintf(o->csv, "%s,%" PRId64 ",", o->t->id, id);
	for (int k = 0; k < AUDIT_DB_SHOWN_COLUMNS; k++) {
		int i = audit_db_shown[k];
		char subject[SUBJECT_SHOWN + 1];
		if (i == AUDIT_COL_SUBJECT_KEY) /* as on the page: the keyed hash's start only */
			snprintf(subject, sizeof subject, "%.*s", SUBJECT_SHOWN, v[i]);
		audit_csv_field(o->csv, i == AUDIT_COL_SUBJECT_KEY ? subject : v[i],
		                k == AUDIT_DB_SHOWN_COLUMNS - 1, true);
	}
	(*o->csv_rows)++;
	return ferror(o->csv) ? -1 : 0;
}

static int one_total(void *ctx, const char *const keys[], long long count)
{
	(void)keys;
	*(long long *)ctx = count;
	return 0;
}

struct summary_out {
	FILE *html;
};

static int summary_row(void *ctx, const char *const keys[], long long count)
{
	struct summary_out *s = ctx;
	fputs("<tr>", s->html);
	cell(s->html, keys[0]);
	cell(s->html, keys[1]);
	fprintf(s->html, "<td class=\"n\">%lld</td></tr>\n", count);
	return 0;
}

static int table(struct audit *a, const struct review_report *r, const struct table *t,
                 const struct audit_query *q, FILE *out, unsigned long *csv_rows, FILE *err)
{
	long long n = 0;
	struct audit_db_tally none = {0};
	if (audit_count(a, q, &none, one_total, &n, err) < 0)
		return -1;
	fprintf(out, "<section id=\"%s\" data-rows=\"%lld\">\n<h2>", t->id, n);
	html_text(out, t->title);
	fprintf(out, " (%lld)</h2>\n<p>", n);
	html_text(out, t->intro);
	fputs("</p>\n", out);
	if (n == 0) {
		fputs("<p>None in this period.</p>\n</section>\n", out);
		return 0;
	}
	int rc;
	struct table_out o = {.t = t, .html = out, .csv = r->csv, .csv_rows = csv_rows};
	if ((unsigned long long)n <= r->max_rows) {
		fputs("<table><thead><tr>", out);
		for (const char *const *h = t->head; *h; h++)
			fprintf(out, "<th>%s</th>", *h);
		fputs("</tr></thead><tbody>\n", out);
		rc = audit_search(a, q, html_row, &o, err);
		fputs("</tbody></table>\n", out);
	} else {
		fprintf(out,
		        "<p class=\"detail\">Too many rows for this page: counted by %s and %s "
		        "below; every row is in <code>",
		        t->summary[0], t->summary[1]);
		html_text(out, r->csv ? r->csv_name
		                      : "(none: this report was written without --detail)");
		fprintf(out,
		        "</code> (section <code>%s</code>), written with this report.</p>\n"
		        "<table "
		        "class=\"summary\"><thead><tr><th>%s</th><th>%s</th><th>Entries</th></tr>"
		        "</thead><tbody>\n",
		        t->id, t->summary[0], t->summary[1]);
		struct audit_db_tally by = {
		    .group = {t->summary[0], t->summary[1]}, .count = 2, .most_first = 1};
		struct summary_out s = {out};
		rc = audit_count(a, q, &by, summary_row, &s, err);
		fputs("</tbody></table>\n", out);
		if (rc == 0 && r->csv) {
			rc = audit_search(a, q, csv_row, &o, err);
			if (ferror(r->csv))
				fprintf(err, "csgw: %s: cannot write it\n", r->csv_name);
		}
	}
	fputs("</section>\n", out);
	return rc == 0 ? 0 : -1;
}

static const char *const denial_cols[] = {"time",    "direction", "partner", "purpose",
                                          "record",  "case_id",   "subject", "decision",
                                          "rule_id", "citation",  "actor",   NULL};
static const char *const denial_heads[] = {"Time",   "Direction", "Partner", "Purpose",
                                           "Record", "Case",      "Subject", "Decision",
                                           "Rule",   "Citation",  "By",      NULL};
static const char *const fti_cols[] = {"time",      "actor",   "actor_uid", "role", "partner",
                                       "record_id", "case_id", "subject",   NULL};
static const char *const fti_heads[] = {"Time",    "Viewed by", "Uid",     "Role", "From",
                                        "Request", "Case",      "Subject", NULL};
static const char *const change_cols[] = {"time",    "actor",   "role",     "record_type",
                                          "case_id", "subject", "decision", "rule_id",
                                          "detail",  NULL};
static const char *const change_heads[] = {"Time",    "By",     "Role",           "What",   "Case",
                                           "Subject", "Change", "Flag or status", "Reason", NULL};
static const char *const quarantine_cols[] = {"time",        "partner", "partner_class",
                                              "file_sha256", "actor",   NULL};
static const char *const quarantine_heads[] = {"Time",           "Partner", "Class",
                                               "File (SHA-256)", "By",      NULL};

static int tables(struct audit *a, const struct review_report *r, FILE *out,
                  unsigned long *csv_rows, FILE *err)
{
	static const struct table denials = {
	    "denials",
	    "Denials and prohibitions",
	    "Every record the policy refused, every locate request refused, and every command "
	    "refused to a person, with the rule and its legal citation.",
	    denial_cols,
	    denial_heads,
	    {"rule_id", "citation"}};
	static const struct table fti = {
	    "fti",
	    "Views of federal tax information",
	    "Every time a person was shown an answer holding federal tax information (IRS "
	    "Publication 1075): who, when, and which request.",
	    fti_cols,
	    fti_heads,
	    {"actor", "partner"}};
	static const struct table changes = {
	    "changes",
	    "Changes to protections and case status",
	    "Family violence and other protections added or removed, and case status changes, "
	    "with who made them and the reason they gave.",
	    change_cols,
	    change_heads,
	    {"actor", "decision"}};
	static const struct table quarantines = {
	    "quarantines",
	    "Files quarantined on receipt",
	    "Files from partners that were not taken (bad signature, wrong family, damaged); "
	    "each is kept in the spool's quarantine with its reason.",
	    quarantine_cols,
	    quarantine_heads,
	    {"partner", "partner_class"}};
	struct audit_query q = period(r);

	q.decision = "deny prohibit refused";
	if (table(a, r, &denials, &q, out, csv_rows, err) < 0)
		return -1;
	q.decision = "shown";
	q.direction = "access";
	if (table(a, r, &fti, &q, out, csv_rows, err) < 0)
		return -1;
	q.decision = NULL;
	q.direction = "registry";
	if (table(a, r, &changes, &q, out, csv_rows, err) < 0)
		return -1;
	q.decision = "quarantined";
	q.direction = "in";
	return table(a, r, &quarantines, &q, out, csv_rows, err);
}

int review_report_write(struct audit *a, const struct review_report *r, FILE *out,
                        uint64_t *entries, unsigned long *detail_rows, FILE *err)
{
	struct total_counts t = {.all = 0};
	struct audit_query q = period(r);
	struct audit_db_tally by = {.group = {"direction", "decision"}, .count = 2};

	*detail_rows = 0;
	if (audit_count(a, &q, &by, total_row, &t, err) < 0)
		return -1;
	*entries = (uint64_t)t.all;
	header(out, r);
	integrity(out, r, *entries);
	totals_table(out, &t);
	int rc = charts(a, r, out, err);
	if (rc == 0)
		rc = tables(a, r, out, detail_rows, err);
	fputs("<footer><p class=\"meta\">Subjects are shown by the start of their keyed hash "
	      "(subject_key); the log holds no SSN. Search one with csgw audit search --ssn. "
	      "Written by csgw audit report.</p></footer>\n",
	      out);
	html_page_end(out);
	return rc;
}

/* ---- the accounting of disclosures ---- */

const char *accounting_withhold(const char *purpose, const char *rule_id, const char *partner_class)
{
	if (strcmp(purpose, "parental-kidnapping") == 0)
		return "made for law enforcement (a parental kidnapping case): 5 U.S.C. "
		       "552a(c)(3) lets the agency withhold it";
	if (strcmp(rule_id, "L-FAMILY-VIOLENCE") == 0 || strcmp(rule_id, "L-PROTECTED-PARTY") == 0)
		return "made under a family violence or protected party limit: it may reveal a "
		       "protected party's whereabouts";
	if (strcmp(purpose, "custody-visitation") == 0 || strcmp(partner_class, "court") == 0 ||
	    strcmp(partner_class, "custody-authority") == 0)
		return "made to a court or custody authority (42 U.S.C. 663): it may reveal a "
		       "party's whereabouts";
	return NULL;
}

struct accounting_scan {
	struct audit *a;
	accounting_fn *fn;
	void *ctx;
	char sent[32];
};

static int sent_row(void *ctx, int64_t id, const char *const v[AUDIT_DB_COLUMNS],
                    const unsigned char *leaf, size_t leaf_len)
{
	struct accounting_scan *s = ctx;
	(void)id, (void)leaf, (void)leaf_len;
	snprintf(s->sent, sizeof s->sent, "%s", v[0]);
	return 1; /* the first is enough */
}

static int accounting_row(void *ctx, int64_t id, const char *const v[AUDIT_DB_COLUMNS],
                          const unsigned char *leaf, size_t leaf_len)
{
	struct accounting_scan *s = ctx;
	(void)leaf, (void)leaf_len;
	struct accounting_line l = {.id = id,
	                            .time = v[0],
	                            .partner = v[2],
	                            .partner_class = v[3],
	                            .purpose = v[4],
	                            .family = v[5],
	                            .record_type = v[6],
	                            .categories = v[10],
	                            .decision = v[11],
	                            .rule_id = v[12],
	                            .citation = v[13]};
	l.withhold = accounting_withhold(l.purpose, l.rule_id, l.partner_class);
	/* Decided is not disclosed: the file that held the record must have
	 * gone (its upload is an entry naming the same SHA-256). */
	s->sent[0] = '\0';
	struct audit_query q = {.direction = "out", .decision = "sent", .file_sha256 = v[14]};
	if (v[14][0] && audit_search(s->a, &q, sent_row, s, stderr) < 0)
		return -1;
	l.sent = s->sent[0] ? s->sent : NULL;
	return s->fn(s->ctx, &l);
}

int accounting_list(struct audit *a, const char *subject_key, const char *since, accounting_fn *fn,
                    void *ctx, FILE *err)
{
	struct audit_query q = {.subject_key = subject_key,
	                        .direction = "out",
	                        .decision = "allow redact",
	                        .since = since};
	struct accounting_scan s = {.a = a, .fn = fn, .ctx = ctx};
	return audit_search(a, &q, accounting_row, &s, err);
}
