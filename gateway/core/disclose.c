/*
 * disclose.c - the policy over a whole batch, and its audit entries
 * (disclose.h).
 */
#include "core/disclose.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/counts.h"
#include "core/field.h"
#include "core/map.h"
#include "core/unmap.h"
#include "core/unmap_ahead.h"
#include "io/digest.h"
#include "io/fs.h"
#include "io/lines.h"
#include "util/alloc.h"
#include "util/thread.h"

/* Longer than any record of any family (the extract was checked). */
#define FIXED_LINE_MAX 65536

#define AUDIT_CHUNK 10000 /* entries per audit transaction */
#define SUBJECTS_MAX 32   /* SSNs in one record; the mappings have at most 12 */

/* One decision waiting for the output's digest; its subject keys (64 hex
 * digits each) follow it in the file. */
struct pending {
	unsigned long recno;
	char record_type[3];
	char case_id[POLICY_CASE_ID_MAX + 1];
	unsigned sent;
	enum policy_effect effect;
	const char *rule_id, *citation; /* owned by the policy */
	unsigned nsubjects;
};

/* The map engine writing the disclosed batch on a thread of its own while
 * the records are still being decided: it reads their fixed-width lines
 * from a pipe, so reading and deciding overlap with writing on two cores.
 * What it reports is kept until the batch is known to have anything to
 * write. */
struct writer {
	pthread_t thread;
	bool started;
	int from; /* the pipe's read end */
	char input[32];
	const struct batch_type *bt;
	const char *staged;
	bool test_env;
	char *problems;
	size_t problems_len;
	struct report rep;
	struct batch_counts counts;
	enum map_status status;
	unsigned char sha256[DIGEST_SHA256_LEN]; /* of what it wrote, hashed as written */
};

struct discloser {
	const struct disclose_plan *plan;
	const struct batch_counts *reading; /* unmap's, for the batch type */
	const struct batch_type *bt;
	const char *output;
	struct policy_compiled *policy; /* compiled for the batch's family */
	FILE *fixed, *pending, *err;    /* fixed: the lines that go, to the writer */
	struct writer writer;
	const char *staged; /* where the writer writes the disclosed batch */
	/* Two passes, when a <most-recent> limit may judge the batch: the first
	 * only stages its lines in 'raw' and tells 'batch' about each record,
	 * the second decides them from 'raw'. */
	struct policy_batch *batch;
	FILE *raw;
	char *raw_path;
	bool scanning;
	char *header; /* the batch's header line */
	char *group[POLICY_MAX_LINES];
	size_t ngroup;
	char *trailer;
	unsigned long recno;
	struct batch_counts kept;
	struct disclose_counts *out;
	bool failed;
	int write_error; /* errno of a failed write to the decisions' file */
};

static FILE *temp_beside(const char *output, bool unlinked, char **path);

static void *write_batch(void *arg)
{
	struct writer *w = arg;
	char sink[65536];
	ssize_t n;

	w->status = map_to_xml_hashed(w->bt, w->input, w->staged, w->test_env, &w->rep, &w->counts,
	                              w->sha256);
	/* What the map engine left unread is drained: the decider never
	 * writes into a pipe nobody reads. */
	while ((n = read(w->from, sink, sizeof sink)) > 0 || (n < 0 && errno == EINTR))
		;
	return NULL;
}

/* Starts the writer of the batch's lines; false (errno set) when it cannot. */
static bool start_writer(struct discloser *d)
{
	struct writer *w = &d->writer;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return false;
	fcntl(fds[1], F_SETPIPE_SZ, 1 << 20); /* fewer switches; the default is fine too */
	*w = (struct writer){
	    .from = fds[0], .bt = d->bt, .staged = d->staged, .test_env = d->plan->test_env};
	snprintf(w->input, sizeof w->input, "/dev/fd/%d", fds[0]);
	w->rep = (struct report){.out = open_memstream(&w->problems, &w->problems_len),
	                         .file = "the disclosed batch",
	                         .max = 10};
	d->fixed = w->rep.out ? fdopen(fds[1], "w") : NULL;
	if (d->fixed == NULL || thread_start(&w->thread, write_batch, w) != 0) {
		int e = errno;
		if (d->fixed)
			fclose(d->fixed);
		else
			close(fds[1]);
		d->fixed = NULL;
		close(fds[0]);
		if (w->rep.out)
			fclose(w->rep.out);
		free(w->problems);
		w->problems = NULL;
		w->problems_len = 0;
		errno = e;
		return false;
	}
	/* Large buffers: stdio's 4 KiB would mean a system call per 8 records. */
	setvbuf(d->fixed, NULL, _IOFBF, 1 << 20);
	w->started = true;
	return true;
}

/* Ends the writer's input and waits for it: the writer's status, or
 * MAP_IO_ERROR when the last lines could not be handed to it. */
static enum map_status finish_writer(struct discloser *d)
{
	struct writer *w = &d->writer;
	bool handed = d->fixed && fclose(d->fixed) == 0;

	d->fixed = NULL;
	if (!w->started)
		return MAP_IO_ERROR;
	pthread_join(w->thread, NULL);
	w->started = false;
	close(w->from);
	fclose(w->rep.out);
	batch_counts_free(&w->counts);
	return handed ? w->status : MAP_IO_ERROR;
}

/* The value of a field without padding, into out (size bytes). */
static void value_of(const struct field *f, const char *line, char *out, size_t size)
{
	const char *v;
	size_t n = field_trimmed(f, line, &v);
	snprintf(out, size, "%.*s", (int)n, v);
}

static void write_line(struct discloser *d, const struct record *r, const char *line)
{
	fwrite(line, 1, r->length, d->fixed);
	fputc('\n', d->fixed);
	for (size_t i = 0; i < d->bt->family->nrecords; i++)
		if (&d->bt->family->records[i] == r)
			d->kept.by_record[i]++;
	if (r != d->bt->header && r != d->bt->trailer)
		d->kept.records++;
}

/* The notice record that stands for a prohibited record: fields of the
 * same name copied, the notice field set.  The categories it shows, or 0
 * when the family (or this batch type) has none. */
static unsigned write_notice(struct discloser *d, const struct record *lead, const char *line)
{
	const struct policy_source *nr = policy_notice_record(d->plan->policy, d->bt->family->name);
	const struct record *r = nr ? mapping_record(d->bt->family, nr->record.w[0]) : NULL;
	unsigned shown = 0;
	if (r == NULL || !mapping_batch_has_record(d->bt, r))
		return 0;
	char *notice = xmalloc(r->length + 1);
	memset(notice, ' ', r->length);
	notice[r->length] = '\0';
	for (size_t i = 0; i < r->nfields; i++) {
		const struct field *f = &r->fields[i], *from;
		if (f->type == FIELD_LITERAL)
			memcpy(notice + f->at - 1, f->literal, f->len);
		else if (f->name && strcmp(f->name, nr->field) == 0) {
			memcpy(notice + f->at - 1, nr->values.w[0], strlen(nr->values.w[0]));
			shown |= f->categories;
		} else if (f->name && (from = mapping_field(lead, f->name)) != NULL &&
		           from->len == f->len && !field_is_blank(from, line + from->at - 1)) {
			memcpy(notice + f->at - 1, line + from->at - 1, f->len);
			shown |= f->categories;
		}
	}
	write_line(d, r, notice);
	free(notice);
	return shown;
}

/* The first case id, and the distinct SSNs of the record as subject keys
 * (space-separated in 'subjects'); false when there are more than fit. */
static bool identify(struct discloser *d, const struct policy_record *rec, struct pending *p,
                     char subjects[SUBJECTS_MAX][65])
{
	const struct policy_words *cf = &d->plan->policy->case_fields;

	for (size_t i = 0; i < rec->nlines && !p->case_id[0]; i++)
		for (size_t k = 0; k < cf->n && !p->case_id[0]; k++) {
			const struct field *f = mapping_field(rec->records[i], cf->w[k]);
			if (f)
				value_of(f, rec->lines[i], p->case_id, sizeof p->case_id);
		}
	for (size_t i = 0; i < rec->nlines; i++)
		for (size_t k = 0; k < rec->records[i]->nfields; k++) {
			const struct field *f = &rec->records[i]->fields[k];
			const char *ssn = rec->lines[i] + f->at - 1;
			char key[65];
			if (f->type != FIELD_SSN || field_is_blank(f, ssn))
				continue;
			audit_subject_key(d->plan->subject_secret, ssn, key);
			bool seen = false;
			for (unsigned s = 0; s < p->nsubjects && !seen; s++)
				seen = strcmp(subjects[s], key) == 0;
			if (seen)
				continue;
			if (p->nsubjects == SUBJECTS_MAX)
				return false;
			memcpy(subjects[p->nsubjects++], key, sizeof key);
		}
	return true;
}

static void decide_group(struct discloser *d)
{
	const struct record *recs[POLICY_MAX_LINES];
	char subjects[SUBJECTS_MAX][65];
	struct policy_decision dec;
	struct pending p;

	if (d->ngroup == 0)
		return;
	for (size_t i = 0; i < d->ngroup; i++)
		recs[i] = mapping_batch_record_of_line(d->bt, d->group[i], strlen(d->group[i]));
	struct policy_record rec = {.family = d->bt->family,
	                            .records = recs,
	                            .lines = (const char *const *)d->group,
	                            .nlines = d->ngroup,
	                            .header = d->bt->header,
	                            .header_line = d->header,
	                            .batch = d->batch,
	                            .number = d->recno + 1};
	policy_decide_compiled(d->policy, &rec, &dec);
	if (d->plan->registry_failed && *d->plan->registry_failed) {
		d->failed = true;
		goto out;
	}

	memset(&p, 0, sizeof p);
	p.recno = ++d->recno;
	memcpy(p.record_type, recs[0]->id, 2);
	if (!identify(d, &rec, &p, subjects)) {
		/* Every subject is logged, or the record does not go. */
		dec.effect = POLICY_DENY;
		dec.rule_id = POLICY_DEFAULT_DENY;
		dec.citation = POLICY_DEFAULT_CITATION;
		dec.sent = 0;
	}
	p.effect = dec.effect;
	p.rule_id = dec.rule_id;
	p.citation = dec.citation;
	p.sent = dec.sent;
	d->out->records++;
	switch (dec.effect) {
	case POLICY_ALLOW:
	case POLICY_REDACT:
		for (size_t i = 0; i < dec.nfields; i++) {
			const struct policy_field_decision *f = &dec.fields[i];
			if (f->effect == POLICY_REDACT)
				memset(d->group[f->line] + f->field->at - 1, ' ', f->field->len);
		}
		for (size_t i = 0; i < d->ngroup; i++)
			write_line(d, recs[i], d->group[i]);
		if (dec.effect == POLICY_ALLOW)
			d->out->allowed++;
		else
			d->out->redacted++;
		break;
	case POLICY_DENY:
		d->out->denied++;
		break;
	case POLICY_PROHIBIT:
		d->out->prohibited++;
		p.sent = write_notice(d, recs[0], d->group[0]);
		if (p.sent)
			d->out->notices++;
		break;
	}
	if (fwrite(&p, sizeof p, 1, d->pending) != 1 ||
	    fwrite(subjects, 65, p.nsubjects, d->pending) != p.nsubjects) {
		d->write_error = errno;
		d->failed = true;
	}
out:
	policy_decision_free(&dec);
	for (size_t i = 0; i < d->ngroup; i++)
		free(d->group[i]);
	d->ngroup = 0;
}

/* The first pass: the record is only shown to the batch's <most-recent>
 * bookkeeping. */
static void scan_group(struct discloser *d)
{
	const struct record *recs[POLICY_MAX_LINES];

	if (d->ngroup == 0)
		return;
	for (size_t i = 0; i < d->ngroup; i++)
		recs[i] = mapping_batch_record_of_line(d->bt, d->group[i], strlen(d->group[i]));
	struct policy_record rec = {.family = d->bt->family,
	                            .records = recs,
	                            .lines = (const char *const *)d->group,
	                            .nlines = d->ngroup,
	                            .header = d->bt->header,
	                            .header_line = d->header};
	policy_batch_add(d->batch, &rec);
	d->recno++;
	for (size_t i = 0; i < d->ngroup; i++)
		free(d->group[i]);
	d->ngroup = 0;
}

static void end_group(struct discloser *d)
{
	if (d->scanning)
		scan_group(d);
	else
		decide_group(d);
}

/* Whether the batch needs a first pass; if so, a file for its lines. */
static void start_scan(struct discloser *d)
{
	if (!policy_batch_needed(d->plan->policy, d->plan->request, d->bt->family))
		return;
	d->raw = temp_beside(d->output, false, &d->raw_path);
	if (d->raw == NULL) {
		d->write_error = errno;
		d->failed = true;
		return;
	}
	setvbuf(d->raw, NULL, _IOFBF, 1 << 20);
	d->batch = policy_batch_new(d->plan->policy);
	d->scanning = true;
}

static int take_line(void *ctx, const char *line, size_t len)
{
	struct discloser *d = ctx;

	d->bt = d->reading->batch;
	if (d->kept.by_record == NULL) {
		d->kept.batch = d->bt;
		d->kept.nrecords = d->bt->family->nrecords;
		d->kept.by_record = xcalloc(d->kept.nrecords, sizeof *d->kept.by_record);
		snprintf(d->out->family, sizeof d->out->family, "%s", d->bt->family->name);
		d->policy = policy_compile(d->plan->policy, d->plan->request, d->bt->family);
		start_scan(d);
		if (!d->failed && !d->scanning && !start_writer(d)) {
			d->write_error = errno;
			d->failed = true;
		}
		if (d->failed)
			return -1;
	}
	if (d->scanning && (fwrite(line, 1, len, d->raw) != len || fputc('\n', d->raw) == EOF)) {
		d->write_error = errno;
		d->failed = true;
		return -1;
	}
	const struct record *r = mapping_batch_record_of_line(d->bt, line, len);
	if (r && r == d->bt->header) {
		const struct field *f = mapping_field(r, "batchNumber");
		if (f)
			value_of(f, line, d->out->batch, sizeof d->out->batch);
		free(d->header);
		d->header = xmemdup(line, len);
		if (!d->scanning)
			write_line(d, r, line);
	} else if (r && r == d->bt->trailer) {
		end_group(d);
		if (!d->scanning)
			d->trailer = xmemdup(line, len);
	} else if (mapping_batch_has_record(d->bt, r)) {
		end_group(d);
		d->group[d->ngroup++] = xmemdup(line, len);
	} else if (d->ngroup > 0 && d->ngroup < POLICY_MAX_LINES) {
		d->group[d->ngroup++] = xmemdup(line, len);
	} else {
		fprintf(d->err, "csgw: record %lu has more than %d lines; nothing disclosed\n",
		        d->recno + 1, POLICY_MAX_LINES);
		d->failed = true;
	}
	return d->failed ? -1 : 0;
}

/* The trailer says what remains. */
static void set_count(void *ctx, const struct field *f, unsigned long said, unsigned long seen)
{
	char *trailer = ctx;
	char digits[32];
	(void)said;
	snprintf(digits, sizeof digits, "%0*lu", (int)f->len, seen);
	memcpy(trailer + f->at - 1, digits + strlen(digits) - f->len, f->len);
}

/* Reads the pending decisions back, one audit entry each. */
struct reader {
	struct discloser *d;
	unsigned long left; /* entries still to give in this transaction */
	bool done;          /* every pending decision given */
	struct pending p;
	char recno[32], categories[256];
	char subjects[SUBJECTS_MAX * 65];
	struct audit_entry base; /* the columns every entry of the batch shares */
	bool based;
};

static void entry_base(struct reader *r)
{
	const struct disclose_plan *plan = r->d->plan;
	struct audit_entry *e = &r->base;

	memset(e, 0, sizeof *e);
	audit_entry_set(e, "direction", "out");
	audit_entry_set(e, "partner", plan->partner);
	audit_entry_set(e, "partner_class", plan->request->class);
	audit_entry_set(e, "purpose", plan->request->purpose);
	audit_entry_set(e, "family", r->d->bt->family->name);
	audit_entry_set(e, "file_sha256", r->d->out->sha256);
	audit_entry_set(e, "batch", r->d->out->batch);
	audit_entry_actor(e, plan->who);
	r->based = true;
}

static int next_entry(void *ctx, struct audit_entry *e)
{
	struct reader *r = ctx;
	FILE *f = r->d->pending;

	if (r->left == 0)
		return 0;
	if (fread(&r->p, sizeof r->p, 1, f) != 1) {
		r->done = !ferror(f);
		return ferror(f) ? -1 : 0;
	}
	r->left--;
	if (r->p.nsubjects > SUBJECTS_MAX ||
	    fread(r->subjects, 65, r->p.nsubjects, f) != r->p.nsubjects)
		return -1;
	for (unsigned i = 0; i + 1 < r->p.nsubjects; i++)
		r->subjects[i * 65 + 64] = ' ';
	if (r->p.nsubjects == 0)
		r->subjects[0] = '\0';
	snprintf(r->recno, sizeof r->recno, "%lu", r->p.recno);
	policy_categories_text(r->p.sent, r->categories, sizeof r->categories);
	/* A million entries: the shared columns are set once, the others by
	 * index, not looked up by name for each. */
	if (!r->based)
		entry_base(r);
	*e = r->base;
	e->value[AUDIT_COL_RECORD_TYPE] = r->p.record_type;
	e->value[AUDIT_COL_RECORD_ID] = r->recno;
	e->value[AUDIT_COL_CASE_ID] = r->p.case_id;
	e->value[AUDIT_COL_SUBJECT_KEY] = r->subjects;
	e->value[AUDIT_COL_CATEGORIES] = r->categories;
	e->value[AUDIT_COL_DECISION] = policy_effect_name(r->p.effect);
	e->value[AUDIT_COL_RULE_ID] = r->p.rule_id;
	e->value[AUDIT_COL_CITATION] = r->p.citation;
	return 1;
}

/* Every pending decision into the log in one transaction, then a signed
 * checkpoint. */
static int audit_decisions(struct discloser *d, FILE *err)
{
	struct reader r = {.d = d};

	rewind(d->pending);
	/* Transactions of AUDIT_CHUNK entries: one of a million rows would spill
	 * the same tree pages to the WAL again and again (14 s instead of 6 for a
	 * million).  A failure half-way leaves entries for an output that is then
	 * never published: more logged than sent, never less. */
	while (!r.done) {
		r.left = AUDIT_CHUNK;
		if (audit_append_each(d->plan->audit, next_entry, &r, err) < 0)
			return -1;
	}
	return audit_checkpoint(d->plan->audit, err);
}

/* A temporary file beside 'output', removed at once when 'unlinked'. */
static FILE *temp_beside(const char *output, bool unlinked, char **path)
{
	const char *slash = strrchr(output, '/');
	char *tmpl =
	    xasprintf("%.*s.csgw-disclose-XXXXXX", slash ? (int)(slash - output + 1) : 0, output);
	int fd = mkstemp(tmpl);
	FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;

	if (fd >= 0 && f == NULL)
		close(fd);
	if (f == NULL || unlinked) {
		if (fd >= 0)
			unlink(tmpl);
		free(tmpl);
		tmpl = NULL;
	}
	*path = tmpl;
	return f;
}

/* A batch without a trailer ends its last record at the end of the file. */
static void end_of_batch(struct discloser *d, enum map_status st)
{
	if (st == MAP_OK && !d->failed && d->bt && d->bt->trailer == NULL)
		end_group(d);
}

/* The lines of a checked fixed-width extract, to take_line as unmap_read
 * would give them from its XML. */
static enum map_status read_fixed(const struct batch_type *bt, const char *input,
                                  struct discloser *d, struct batch_counts *reading)
{
	struct line_reader lr;
	const char *line;
	size_t len;
	bool newline;
	int rc;

	reading->batch = bt;
	if (lines_open(&lr, input, FIXED_LINE_MAX) < 0) {
		fprintf(d->err, "csgw: %s: cannot open: %s\n", input, strerror(errno));
		return MAP_NO_INPUT;
	}
	while ((rc = lines_next(&lr, &line, &len, &newline)) > 0)
		if (len > 0 && take_line(d, line, len) != 0)
			break;
	if (rc < 0) {
		fprintf(d->err, "csgw: %s: read error: %s\n", input, strerror(lr.error));
		d->failed = true;
	}
	lines_close(&lr);
	return MAP_OK;
}

enum disclose_status disclose_batch(const struct disclose_plan *plan, const char *input,
                                    const char *output, struct report *rep,
                                    struct disclose_counts *out, FILE *err)
{
	struct batch_counts reading = {0};
	struct discloser d = {
	    .plan = plan, .reading = &reading, .output = output, .out = out, .err = err};
	enum disclose_status status = DISCLOSE_FAILED;
	char *pending_path = NULL, *staged_path = NULL;

	memset(out, 0, sizeof *out);
	/* The output is staged under a hidden name and published only once
	 * every decision is in the log: nothing appears unlogged. */
	FILE *staged = temp_beside(output, false, &staged_path);
	if (staged)
		fclose(staged);
	d.staged = staged_path;
	d.pending = temp_beside(output, true, &pending_path);
	if (staged == NULL || d.pending == NULL) {
		fprintf(err, "csgw: %s: cannot create a temporary file beside it: %s\n", output,
		        strerror(errno));
		goto out;
	}
	setvbuf(d.pending, NULL, _IOFBF, 1 << 20);

	enum map_status st = plan->fixed ? read_fixed(plan->fixed, input, &d, &reading)
	                                 : unmap_read_ahead(plan->set, input, plan->test_env, NULL,
	                                                    rep, take_line, &d, &reading);
	end_of_batch(&d, st);
	if (st == MAP_OK && !d.failed && d.scanning) {
		/* The second pass decides, from the lines the first one staged:
		 * the records of one person may be anywhere in the batch. */
		d.scanning = false;
		d.recno = 0;
		if (fflush(d.raw) != 0 || !start_writer(&d)) {
			d.write_error = errno;
			d.failed = true;
		} else {
			st = read_fixed(d.bt, d.raw_path, &d, &reading);
			end_of_batch(&d, st);
		}
	}
	if (d.failed) {
		if (plan->registry_failed && *plan->registry_failed)
			fprintf(err,
			        "csgw: %s: the registry could not be read; nothing disclosed\n",
			        input);
		else if (d.write_error)
			fprintf(err, "csgw: %s: cannot write a temporary file beside it: %s\n",
			        output, strerror(d.write_error));
		goto out;
	}
	if (st != MAP_OK) {
		report_finish(rep);
		status = st == MAP_NO_INPUT ? DISCLOSE_NO_INPUT : DISCLOSE_BAD_DATA;
		goto out;
	}
	if (d.bt == NULL || (d.bt->trailer && d.trailer == NULL)) { /* unmap_read checks both */
		fprintf(err, "csgw: %s: no batch header or trailer; nothing disclosed\n", input);
		goto out;
	}
	if (out->allowed + out->redacted + out->notices > 0) {
		if (d.trailer) {
			counts_check_trailer(d.bt->trailer, d.trailer, &d.kept, set_count,
			                     d.trailer);
			fwrite(d.trailer, 1, d.bt->trailer->length, d.fixed);
			fputc('\n', d.fixed);
		}
		enum map_status ws = finish_writer(&d);
		if (ws != MAP_OK) {
			fwrite(d.writer.problems, 1, d.writer.problems_len, err);
			fprintf(err, "csgw: %s: the disclosed batch could not be written%s\n",
			        output, d.writer.problems_len ? " (above)" : "");
			goto out;
		}
		digest_hex(d.writer.sha256, sizeof d.writer.sha256, out->sha256);
	}
	if (audit_decisions(&d, err) < 0) {
		fprintf(err,
		        "csgw: the decisions could not be logged, so nothing was written to %s\n",
		        output);
		out->sha256[0] = '\0';
		goto out;
	}
	if (out->sha256[0] && fs_publish(staged_path, output) < 0) {
		/* Logged, not published: the entries name a file that never left. */
		fprintf(err, "csgw: %s: cannot publish the disclosed batch: %s\n", output,
		        strerror(errno));
		out->sha256[0] = '\0';
		goto out;
	}
	status = out->sha256[0] ? DISCLOSE_OK : DISCLOSE_NOTHING;
out:
	for (size_t i = 0; i < d.ngroup; i++)
		free(d.group[i]);
	finish_writer(&d); /* nothing when it has finished already */
	free(d.writer.problems);
	if (d.pending)
		fclose(d.pending);
	if (d.raw)
		fclose(d.raw);
	if (d.raw_path)
		unlink(d.raw_path);
	free(d.raw_path);
	policy_batch_free(d.batch);
	policy_compiled_free(d.policy);
	if (staged_path && status != DISCLOSE_OK)
		unlink(staged_path);
	free(pending_path);
	free(staged_path);
	free(d.header);
	free(d.trailer);
	free(d.kept.by_record);
	batch_counts_free(&reading);
	return status;
}
