/*
 * exchange.c - one exchange cycle with one partner (see exchange.h).
 */
#include "ops/exchange.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/caller.h"
#include "core/disclose.h"
#include "core/isolated.h"
#include "core/map.h"
#include "core/partner.h"
#include "core/policy_load.h"
#include "core/receipt.h"
#include "core/schedule.h"
#include "core/spool.h"
#include "core/transfer.h"
#include "core/witness.h"
#include "io/cms.h"
#include "io/digest.h"
#include "io/fs.h"
#include "io/ledger_db.h"
#include "ops/offset.h"
#include "util/alloc.h"
#include "util/crash.h"
#include "util/log.h"

/* Receipt error codes of our own (the receipt family leaves them free). */
#define REJECT_BAD_BATCH "CS001"
#define REJECT_BATCH_REUSED "CS002"
#define REJECT_FAMILY "CS003"
/* The 'filename' charset of mappings/codes/codes.xml. */
#define RECEIPT_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"

/* What a cycle with one partner keeps at hand. */
struct peer {
	struct exchange *x;
	const char *name;
	const char *cls, *state, *purpose, *families;
	bool receipts;      /* the partner acknowledges with receipts, and we do */
	bool witness_heads; /* our receipts carry our audit head (conf witness) */
	struct partner_link link;
	bool link_loaded;
	struct sftp_conn *c;
	struct cycle *cy;
	char *outgoing, *incoming, *quarantine, *delivered;
	char *witness;                /* its folder of the witness store */
	bool held;                    /* its audit log forked or was rolled back: a person looks */
	char *cert, *origin;          /* its signing certificate, its log's name */
	struct parsed_on_way *parsed; /* files of this cycle's fetch, parsed as they came */
	size_t nparsed;
};

/* What the parse during a file's download concluded, until take_file
 * takes it: what receipt_batch_facts of the file would say. */
struct parsed_on_way {
	char name[256];
	char sha[65];
	struct stat id; /* of the downloaded part: the same inode once published */
	int status;
	char batch[7];
	unsigned long records;
	const struct batch_type *bt;
	char *text; /* its problems */
};

long exchange_duration(const struct setup *s, const char *key, long fallback)
{
	const char *v = conf_value(&s->conf, "gateway", key);
	long seconds;
	return v && duration_parse(v, &seconds) == 0 ? seconds : fallback;
}

/* One line of the log, with its priority (util/log.h says which is which). */
static void say(const struct peer *p, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(const struct peer *p, int priority, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vline(p->x->log, priority, fmt, ap);
	va_end(ap);
	/* An error is ours by definition (a partner's fault is a notice):
	 * csgw run --once then exits 74, not 0. */
	if (priority <= LOG_ERR && p->cy)
		p->cy->local_failed = true;
}

/* Each line of 'text' (what a lower layer wrote) as a line of the log. */
static void say_lines(const struct peer *p, int priority, const char *text)
{
	for (const char *line = text; line && *line;) {
		size_t n = strcspn(line, "\n");
		log_line(p->x->log, priority, "%.*s", (int)n, line);
		line += n + (line[n] == '\n');
	}
}

/* ---- partner state, for status ---- */

static char *state_path(const char *spool, const char *partner)
{
	return xasprintf("%s/.partner-%s.state", spool, partner);
}

int partner_state_load(const char *spool, const char *partner, struct partner_state *st)
{
	char *path = state_path(spool, partner);
	FILE *fp = fs_read_regular(path);
	char line[400];

	free(path);
	memset(st, 0, sizeof *st);
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(line, "last_fetch") == 0)
			st->last_fetch = (time_t)strtoll(eq, NULL, 10);
		else if (strcmp(line, "last_ok") == 0)
			st->last_ok = (time_t)strtoll(eq, NULL, 10);
		else if (strcmp(line, "last_failure") == 0)
			st->last_failure = (time_t)strtoll(eq, NULL, 10);
		else if (strcmp(line, "overdue_said") == 0)
			st->overdue_said = (time_t)strtoll(eq, NULL, 10);
		else if (strcmp(line, "failure") == 0)
			snprintf(st->failure, sizeof st->failure, "%s", eq);
	}
	fclose(fp);
	return 0;
}

int partner_state_save(const char *spool, const char *partner, const struct partner_state *st)
{
	char *path = state_path(spool, partner);
	char *text = xasprintf(
	    "last_fetch=%lld\nlast_ok=%lld\nlast_failure=%lld\noverdue_said=%lld\nfailure=%s\n",
	    (long long)st->last_fetch, (long long)st->last_ok, (long long)st->last_failure,
	    (long long)st->overdue_said, st->failure);
	int rc = fs_write_text(path, text);
	free(text);
	free(path);
	return rc;
}

/* ---- opening ---- */

int exchange_open(struct setup *s, const struct caller *who, FILE *log, volatile sig_atomic_t *stop,
                  struct exchange *x)
{
	int rc;

	memset(x, 0, sizeof *x);
	x->s = s;
	x->log = log;
	x->stop = stop;
	x->who = who;
	x->spool = conf_path(&s->conf, "gateway", "spool");
	x->ca = conf_path(&s->conf, "gateway", "ca_bundle");
	x->cert = conf_path(&s->conf, "gateway", "signing_cert");
	x->witnesses = setup_db_path(s, "witness_dir", "witnesses");
	if (x->spool == NULL || x->ca == NULL || x->cert == NULL || x->witnesses == NULL) {
		fprintf(stderr, "%s: [gateway] needs spool, ca_bundle, signing_cert and audit_db\n",
		        setup_conf_name(s));
		return EX_CONFIG;
	}
	const char *state = conf_value(&s->conf, "gateway", "state");
	if (state == NULL || strlen(state) != 2) {
		fprintf(stderr, "%s: [gateway] needs state, the 2-digit FIPS code of this state\n",
		        setup_conf_name(s));
		return EX_CONFIG;
	}
	x->origin = setup_audit_origin(state);
	x->retry_min = exchange_duration(s, "retry_min", 30);
	x->retry_max = exchange_duration(s, "retry_max", 3600);
	x->hold_after = exchange_duration(s, "hold_after", 3 * 86400);
	x->receipt_timeout = exchange_duration(s, "receipt_timeout", 4 * 3600);
	x->drop_min_age = exchange_duration(s, "drop_min_age", 2);
	/* What partners send is parsed by a child that holds nothing of ours. */
	char *mappings = realpath(s->mappings_dir, NULL);
	isolated_enable(mappings ? mappings : s->mappings_dir, s->test_env);
	free(mappings);
	if (spool_make(x->spool) < 0) {
		fprintf(stderr, "csgw: cannot create the spool folders under %s: %s\n", x->spool,
		        strerror(errno));
		return EX_CANTCREAT;
	}
	if (policy_load(s->mappings_dir, s->set, &x->policy, stderr) < 0) {
		fprintf(stderr, "csgw: the disclosure policy has problems (above); nothing is sent "
		                "without it\n");
		return EX_CONFIG;
	}
	if ((rc = registry_open(s, true, &x->reg)) != 0 ||
	    (rc = setup_audit_open(s, 1, true, &x->audit, &x->signer)) != 0 ||
	    (rc = setup_ledger_open(s, true, &x->ledger)) != 0)
		return rc;
	return 0;
}

void exchange_close(struct exchange *x)
{
	audit_close(x->audit);
	cms_signer_free(x->signer);
	registry_close(&x->reg);
	ledger_db_close(x->ledger);
	policy_free(x->policy);
	free(x->spool);
	free(x->ca);
	free(x->cert);
	free(x->witnesses);
	free(x->origin);
	memset(x, 0, sizeof *x);
}

/* ---- helpers ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Text a report wrote to a memory stream, as one line for a reason. */
static void one_line(char *text)
{
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	for (char *c = text; *c; c++)
		if (*c == '\n')
			*c = ';';
}

/* A local problem (disk, signer): the next cycle comes after retry_min,
 * not only at the partner's next scheduled exchange. */
static void later(struct peer *p)
{
	time_t when = time(NULL) + p->x->retry_min;
	if (p->cy->wake == 0 || when < p->cy->wake)
		p->cy->wake = when;
}

static void entry_quarantine(struct peer *p, struct spool_entry *e, const char *why)
{
	if (spool_move(p->x->spool, e, SPOOL_QUARANTINE, why) < 0) {
		say(p, LOG_ERR, "%s: cannot move to quarantine: %s (stays %s)", e->id,
		    strerror(errno), spool_state_name(e->state));
		return;
	}
	p->cy->quarantined++;
	say(p, LOG_WARNING, "%s: QUARANTINED: %s", e->id, why);
}

/* ---- take: outgoing drops become entries ---- */

static bool is_fresh(const char *name, const char *const *fresh, size_t nfresh)
{
	for (size_t i = 0; i < nfresh; i++)
		if (strcmp(fresh[i], name) == 0)
			return true;
	return false;
}

/* Something not a regular file found where csgw reads or writes files
 * (a link planted to make it read or write elsewhere, a FIFO to make it
 * hang): moved into quarantine with the reason, never followed. */
static void move_aside(struct peer *p, const char *dir, const char *name, const char *what)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *why = xasprintf("%s was found at %s: moved aside, never followed", what, path);
	char *to = fs_move_aside(path, p->quarantine, name, why);
	if (to)
		say(p, LOG_WARNING, "%s: MOVED ASIDE (%s): %s", name, to, why);
	else
		say(p, LOG_ERR, "%s: %s, and it cannot be moved aside: %s", path, what,
		    strerror(errno));
	free(to);
	free(why);
	free(path);
}

/* The name in 'dir' is not a regular file: it is moved aside (a folder is
 * left alone when 'folders_too' is false).  True when it was not one. */
static bool not_a_file(struct peer *p, const char *dir, const char *name, bool folders_too)
{
	char *path = xasprintf("%s/%s", dir, name), what[600];
	struct stat st;
	bool odd = fs_not_regular(path, what, sizeof what) == 1;
	if (odd && (folders_too || lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)))
		move_aside(p, dir, name, what);
	free(path);
	return odd;
}

/* The partner's folders in the spool are csgw's own: a link (or anything
 * else) at their name is moved aside, never followed.  False when its
 * quarantine folder is not one: nothing can be set aside safely then, and
 * the partner waits for a person. */
static bool folders_real(struct peer *p)
{
	static const char *const tops[] = {"outgoing", "incoming", "delivered"};
	char what[600];
	struct stat st;

	if (lstat(p->quarantine, &st) == 0 && !S_ISDIR(st.st_mode)) {
		if (fs_not_regular(p->quarantine, what, sizeof what) != 1)
			snprintf(what, sizeof what, "a file");
		say(p, LOG_ERR,
		    "%s: %s is there, not a folder; nothing is exchanged with %s until "
		    "a person removes it",
		    p->quarantine, what, p->name);
		return false;
	}
	for (size_t i = 0; i < sizeof tops / sizeof *tops; i++) {
		char *dir = xasprintf("%s/%s", p->x->spool, tops[i]);
		char *path = xasprintf("%s/%s", dir, p->name);
		if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
			if (fs_not_regular(path, what, sizeof what) != 1)
				snprintf(what, sizeof what, "a file");
			move_aside(p, dir, p->name, what);
		}
		free(path);
		free(dir);
	}
	return true;
}

/* A dropped file is taken when it is complete: not hidden, not a
 * temporary name, and either renamed in (fresh) or old enough. */
static void take_folder(struct peer *p, const char *dir, const char *type, const char *const *fresh,
                        size_t nfresh)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	time_t now = time(NULL);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && !*p->x->stop) {
		const char *name = de->d_name;
		struct stat st;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    not_a_file(p, dir, name, false) || spool_drop_unfinished(name))
			continue;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (!is_fresh(name, fresh, nfresh) && now - st.st_mtime < p->x->drop_min_age) {
			time_t due = st.st_mtime + p->x->drop_min_age;
			if (p->cy->wake == 0 || due < p->cy->wake)
				p->cy->wake = due;
			continue;
		}
		struct spool_entry e = {0};
		snprintf(e.partner, sizeof e.partner, "%s", p->name);
		snprintf(e.kind, sizeof e.kind, "batch");
		snprintf(e.type, sizeof e.type, "%s", type ? type : "");
		snprintf(e.source, sizeof e.source, "%s%s%s", type ? type : "", type ? "/" : "",
		         name);
		if (spool_create(p->x->spool, &e) < 0) {
			say(p, LOG_ERR,
			    "%s/%s: cannot take it into the spool: %s; left where it is", dir, name,
			    strerror(errno));
			continue;
		}
		crash_point("taking");
		char *from = xasprintf("%s/%s", dir, name);
		char *to = spool_path(p->x->spool, &e, "source");
		if (fs_move(from, to) < 0) {
			say(p, LOG_ERR, "%s: cannot take it into the spool: %s; left where it is",
			    from, strerror(errno));
			/* Only when it did not move: a rename done whose fsync failed
			 * leaves the file in the entry, which the next cycle takes. */
			if (access(from, F_OK) == 0)
				spool_remove(p->x->spool, &e);
		} else {
			p->cy->taken++;
			say(p, LOG_INFO, "%s: taken from outgoing/%s/%s (%lld bytes)", e.id,
			    p->name, e.source, (long long)st.st_size);
		}
		free(from);
		free(to);
	}
	closedir(d);
}

static void take_drops(struct peer *p, const char *const *fresh, size_t nfresh)
{
	fs_make_dir(p->outgoing);
	take_folder(p, p->outgoing, NULL, fresh, nfresh);
	/* Fixed-width extracts, one folder per batch type of the families
	 * the partner takes; made here so that producers find them. */
	const struct mapping_set *set = p->x->s->set;
	for (size_t f = 0; f < set->nfamilies; f++) {
		const struct family *fam = &set->families[f];
		if (!conf_list_has(p->families, fam->name))
			continue;
		for (size_t b = 0; b < fam->nbatches; b++) {
			char *dir = xasprintf("%s/%s", p->outgoing, fam->batches[b].name);
			fs_make_dir(dir);
			take_folder(p, dir, fam->batches[b].name, fresh, nfresh);
			free(dir);
		}
	}
}

/* ---- prepare: map, decide, log, sign ---- */

/* An entry taken but whose taking was cut short (no source, nothing
 * prepared) is an empty folder: removed. */
static bool abandoned(struct peer *p, struct spool_entry *e)
{
	char *src = spool_path(p->x->spool, e, "source");
	/* A receipt is complete when its meta names its digest; one that is not
	 * is made again from the received file, which waits for it. */
	bool gone = (e->file[0] == '\0' && access(src, F_OK) != 0) ||
	            (strcmp(e->kind, "receipt") == 0 && e->sha256[0] == '\0');
	free(src);
	if (gone) {
		say(p, LOG_NOTICE, "%s: %s was cut short; entry removed", e->id,
		    strcmp(e->kind, "receipt") == 0 ? "making the receipt" : "taking the file");
		spool_remove(p->x->spool, e);
	}
	return gone;
}

/* The batch of an entry: its source, and for a fixed-width extract its
 * type (*fixed), once the extract is checked as csgw map checks it. */
static int entry_input(struct peer *p, struct spool_entry *e, char **input,
                       const struct batch_type **fixed)
{
	*input = spool_path(p->x->spool, e, "source");
	*fixed = NULL;
	if (e->type[0] == '\0')
		return 0;
	const struct batch_type *bt = mapping_batch(p->x->s->set, e->type);
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct report rep = {.out = mem, .file = e->source, .max = 5};
	struct batch_counts counts = {0};
	enum map_status st =
	    bt ? map_to_xml(bt, *input, NULL, p->x->s->test_env, &rep, &counts) : MAP_BAD_DATA;
	report_finish(&rep);
	fclose(mem);
	batch_counts_free(&counts);
	one_line(text);
	int rc = 0;
	if (st == MAP_BAD_DATA) {
		char *why = xasprintf("%s is not a good %s extract: %s", e->source, e->type, text);
		entry_quarantine(p, e, why);
		free(why);
		rc = -1;
	} else if (st != MAP_OK) {
		say(p, LOG_ERR, "%s: cannot read %s now: %s; tried again next cycle", e->id,
		    e->source, text);
		later(p);
		rc = -1;
	}
	free(text);
	if (rc < 0) {
		free(*input);
		*input = NULL;
	} else {
		*fixed = bt;
	}
	return rc;
}

const char *exchange_purpose(const struct setup *s, const char *partner)
{
	const char *purpose = setup_partner_value(s, partner, "purpose");
	return purpose ? purpose : "child-support";
}

void exchange_request(struct exchange *x, const char *partner, const char *purpose,
                      struct policy_request *req)
{
	const char *ours = conf_value(&x->s->conf, "gateway", "state");
	const char *state = setup_partner_value(x->s, partner, "state");
	*req = (struct policy_request){
	    .class = setup_partner_value(x->s, partner, "class"),
	    .purpose = purpose,
	    .interstate = !(state && ours && strcmp(state, ours) == 0),
	};
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	req->today = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

enum disclose_status exchange_decide(struct exchange *x, const char *partner, const char *purpose,
                                     const char *input, const struct batch_type *fixed,
                                     const char *out, struct disclose_counts *n, char **problems)
{
	struct policy_request req;
	exchange_request(x, partner, purpose, &req);
	size_t len = 0;
	FILE *mem = open_memstream(problems, &len);
	struct report rep = {.out = mem, .file = input, .max = 5};

	if (registry_read(&x->reg) != 0) {
		fclose(mem);
		return DISCLOSE_FAILED;
	}
	struct policy_registry pr = registry_for_policy(&x->reg);
	req.registry = &pr;
	struct disclose_plan plan = {
	    .set = x->s->set,
	    .policy = x->policy,
	    .request = &req,
	    .test_env = x->s->test_env,
	    .audit = x->audit,
	    .subject_secret = x->reg.key,
	    .partner = partner,
	    .who = x->who,
	    .registry_failed = &x->reg.failed,
	    .fixed = fixed,
	};
	enum disclose_status st = disclose_batch(&plan, input, out, &rep, n, mem);
	report_finish(&rep);
	fclose(mem);
	one_line(*problems);
	registry_snapshot_free(x->reg.snap);
	x->reg.snap = NULL;
	return st;
}

/* What an offset batch certifies, for a closure to release later
 * (ops/offset.h).  0, or -1 when it waits for the next cycle (said why). */
static int remember_offset(struct peer *p, const struct spool_entry *e, const char *family,
                           const char *decided)
{
	char why[512];
	if (strcmp(family, "offset") != 0 ||
	    offset_remember(p->x->s, p->x->spool, e->id, decided, why, sizeof why) == 0)
		return 0;
	say(p, LOG_ERR, "%s: cannot record what it certifies: %s; tried again next cycle", e->id,
	    why);
	later(p);
	return -1;
}

/* Decides the entry's batch into 'out' (disclosed.xml) and fills in its
 * family, batch and record count.  0, or -1 when it went to quarantine or
 * waits for the next cycle (said why). */
static int decide_entry(struct peer *p, struct spool_entry *e, const char *out,
                        char fresh_sha256[65])
{
	struct exchange *x = p->x;
	struct disclose_counts n = {0};
	char *xml = NULL, *problems = NULL, *r = NULL;
	int rc = -1;

	/* Published only with its audit entries: when it is there, it was
	 * decided and logged already (by a run that stopped after that). */
	if (access(out, F_OK) == 0) {
		const struct batch_type *bt = NULL;
		char batch[7];
		unsigned long records = 0;
		struct report rep = {.out = stderr, .file = out, .max = 5};
		if (receipt_batch_facts(x->s->set, out, x->s->test_env, batch, &records, &bt,
		                        &rep) != MAP_OK) {
			entry_quarantine(p, e, "the decided batch cannot be read back");
			return -1;
		}
		if (!conf_list_has(p->families, bt->family->name)) {
			r = xasprintf("%s is a %s batch; partner %s takes only: %s", e->source,
			              bt->family->name, p->name, p->families);
			entry_quarantine(p, e, r);
			free(r);
			return -1;
		}
		if (remember_offset(p, e, bt->family->name, out) < 0)
			return -1;
		snprintf(e->family, sizeof e->family, "%s", bt->family->name);
		snprintf(e->batch, sizeof e->batch, "%s", batch);
		e->records = records;
		return 0;
	}
	const struct batch_type *fixed = NULL;
	if (entry_input(p, e, &xml, &fixed) < 0)
		return -1;
	switch (exchange_decide(x, p->name, p->purpose, xml, fixed, out, &n, &problems)) {
	case DISCLOSE_OK:
		snprintf(fresh_sha256, 65, "%s", n.sha256);
		say(p, LOG_INFO,
		    "%s: %s batch%s%s for %s: %lu records, %lu allowed, %lu redacted, %lu denied, "
		    "%lu prohibited; each decision logged",
		    e->id, n.family, n.batch[0] ? " " : "", n.batch, p->name, n.records, n.allowed,
		    n.redacted, n.denied, n.prohibited);
		if (!conf_list_has(p->families, n.family)) {
			r = xasprintf("%s is a %s batch; partner %s takes only: %s", e->source,
			              n.family, p->name, p->families);
			break;
		}
		if (remember_offset(p, e, n.family, out) < 0)
			break;
		snprintf(e->family, sizeof e->family, "%s", n.family);
		snprintf(e->batch, sizeof e->batch, "%s", n.batch);
		e->records = n.records - n.denied;
		rc = 0;
		break;
	case DISCLOSE_NOTHING:
		r = xasprintf("nothing of %s may go to %s for %s: %lu records, %lu denied, %lu "
		              "prohibited (decisions logged; csgw policy explain shows why)",
		              e->source, p->name, p->purpose, n.records, n.denied, n.prohibited);
		break;
	case DISCLOSE_BAD_DATA:
		r = xasprintf("%s is not a good batch: %s", e->source, problems);
		break;
	default:
		say(p, LOG_ERR, "%s: cannot decide %s now: %s; tried again next cycle", e->id,
		    e->source, problems && *problems ? problems : "see above");
		later(p);
		break;
	}
	if (r)
		entry_quarantine(p, e, r);
	free(r);
	free(xml);
	free(problems);
	return rc;
}

static void prepare(struct peer *p, struct spool_entry *e)
{
	struct exchange *x = p->x;
	const char *ours = conf_value(&x->s->conf, "gateway", "state");
	char *out = spool_path(x->spool, e, "disclosed.xml"), *final = NULL, *sig = NULL;
	char why[1024] = "", sha[65], fresh[65] = "";
	unsigned char md[DIGEST_SHA256_LEN];
	bool published = false;

	if (abandoned(p, e))
		goto out;
	/* Published under its final name by a run that stopped before its
	 * digest was recorded: only the signature is made again. */
	if (e->file[0]) {
		final = spool_path(x->spool, e, e->file);
		published = access(final, F_OK) == 0;
	}
	if (!published) {
		if (decide_entry(p, e, out, fresh) < 0)
			goto out;
		crash_point("decided");
		/* The name it has on the partner's server: no part of the
		 * source's name (it may say anything), unique by the entry id. */
		snprintf(e->file, sizeof e->file, "%s-%s-%s.xml", ours ? ours : "xx", e->family,
		         e->id);
		free(final);
		final = spool_path(x->spool, e, e->file);
		if (spool_save(x->spool, e) < 0) {
			say(p, LOG_ERR,
			    "%s: cannot record its preparation: %s; tried again next cycle", e->id,
			    strerror(errno));
			later(p);
			goto out;
		}
	}
	crash_point("named");
	sig = signature_path(final);
	/* Just decided, its digest was computed as it was written: the file
	 * is not read again to sign it.  Otherwise (a run that stopped after
	 * deciding) it is read. */
	bool hashed = !published && fresh[0] && digest_unhex(fresh, md, sizeof md) == 0;
	if (hashed)
		snprintf(sha, sizeof sha, "%s", fresh);
	if ((hashed ? cms_sign_digest(x->signer, md, out, sig, why, sizeof why)
	            : cms_sign_file(x->signer, published ? final : out, sig, sha, why,
	                            sizeof why)) < 0 ||
	    (!published && fs_publish(out, final) < 0)) {
		say(p, LOG_ERR, "%s: cannot sign %s now: %s; tried again next cycle", e->id,
		    e->file, why[0] ? why : strerror(errno));
		later(p);
		goto out;
	}
	crash_point("signed");
	snprintf(e->sha256, sizeof e->sha256, "%s", sha);
	if (spool_save(x->spool, e) < 0) {
		say(p, LOG_ERR, "%s: cannot record its preparation: %s; tried again next cycle",
		    e->id, strerror(errno));
		later(p);
		goto out;
	}
	p->cy->prepared++;
	say(p, LOG_INFO, "%s: ready to send as %s (sha256 %s)", e->id, e->file, e->sha256);
out:
	free(out);
	free(final);
	free(sig);
}

/* An entry whose prepared file was published but whose meta was not
 * written (a crash between the two) is found by its file. */
static bool prepared(struct peer *p, struct spool_entry *e)
{
	if (e->file[0] == '\0')
		return false;
	char *path = spool_path(p->x->spool, e, e->file);
	bool ok = access(path, F_OK) == 0 && e->sha256[0];
	free(path);
	return ok;
}

/* ---- send ---- */

static int connect_partner(struct peer *p)
{
	if (p->c)
		return 0;
	if (!p->link_loaded) {
		char *msg = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&msg, &len);
		int rc = partner_link_load(&p->x->s->conf, p->name, &p->link, mem);
		fclose(mem);
		if (rc < 0) {
			one_line(msg);
			say(p, LOG_ERR, "partner %s: %s", p->name, msg);
			snprintf(p->cy->fault, sizeof p->cy->fault, "%s", msg);
			free(msg);
			return -1;
		}
		free(msg);
		p->link_loaded = true;
	}
	enum sftp_fault f = sftp_connect(&p->link.ssh, &p->c);
	if (f != SFTP_OK) {
		snprintf(p->cy->fault, sizeof p->cy->fault, "%s", sftp_message(p->c));
		say(p, LOG_NOTICE, "partner %s: cannot connect: %s", p->name, p->cy->fault);
		sftp_close(p->c);
		p->c = NULL;
		p->cy->connect_failed = true;
		return -1;
	}
	return 0;
}

static void disconnect(struct peer *p)
{
	sftp_close(p->c);
	p->c = NULL;
}

/* A transfer failed: the entry waits, or is held once too old. */
static void defer(struct peer *p, struct spool_entry *e, const char *why)
{
	time_t now = time(NULL);
	long age = (long)(now - e->created);
	e->attempts++;
	if (age >= p->x->hold_after) {
		char d[32];
		duration_format(age, d, sizeof d);
		char *r =
		    xasprintf("not delivered after %u attempts in %s: %s", e->attempts, d, why);
		if (spool_move(p->x->spool, e, SPOOL_HOLD, r) == 0) {
			p->cy->held++;
			say(p, LOG_WARNING, "%s: HELD: %s", e->id, r);
		}
		free(r);
		return;
	}
	e->next_attempt = now + retry_delay(age, p->x->retry_min, p->x->retry_max);
	if (spool_move(p->x->spool, e, SPOOL_DEFERRED, why) == 0) {
		char d[32];
		duration_format((long)(e->next_attempt - now), d, sizeof d);
		p->cy->deferred++;
		say(p, LOG_NOTICE, "%s: deferred (attempt %u): %s; next attempt in %s", e->id,
		    e->attempts, why, d);
	}
	if (p->cy->wake == 0 || e->next_attempt < p->cy->wake)
		p->cy->wake = e->next_attempt;
}

static void audit_sent(struct peer *p, const struct spool_entry *e)
{
	struct audit_entry a = {0};
	audit_entry_set(&a, "direction", "out");
	audit_entry_set(&a, "partner", p->name);
	audit_entry_set(&a, "partner_class", p->cls);
	audit_entry_set(&a, "family", e->family);
	audit_entry_set(&a, "record_type", e->kind);
	audit_entry_set(&a, "decision", "sent");
	audit_entry_set(&a, "file_sha256", e->sha256);
	audit_entry_set(&a, "batch", e->batch);
	audit_entry_actor(&a, p->x->who);
	if (audit_append(p->x->audit, &a, 1, stderr) < 0)
		say(p, LOG_ERR, "%s: sent, but the audit log could not take the entry (above)",
		    e->id);
}

/* Uploads one prepared entry.  false when the connection is gone. */
static bool send_entry(struct peer *p, struct spool_entry *e)
{
	struct exchange *x = p->x;
	unsigned char md[DIGEST_SHA256_LEN];
	bool stale = false;

	for (int i = 0; i < DIGEST_SHA256_LEN; i++)
		sscanf(e->sha256 + 2 * i, "%2hhx", &md[i]);
	char *path = spool_path(x->spool, e, e->file);
	char *sig = signature_path(path);
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	enum sftp_fault f =
	    transfer_send(p->c, p->link.remote_inbox, path, sig, md, &stale, mem, mem);
	fclose(mem);
	one_line(text);
	free(path);
	free(sig);
	bool alive = true;
	if (f == SFTP_OK && stale) {
		char *r =
		    xasprintf("%s changed in the spool after it was signed; not sent", e->file);
		spool_move(x->spool, e, SPOOL_HOLD, r);
		p->cy->held++;
		say(p, LOG_WARNING, "%s: HELD: %s", e->id, r);
		free(r);
	} else if (f == SFTP_OK) {
		crash_point("uploaded");
		bool needs_receipt = p->receipts && strcmp(e->kind, "batch") == 0;
		e->sent = time(NULL);
		e->attempts++;
		audit_sent(p, e);
		if (spool_move(x->spool, e, needs_receipt ? SPOOL_SENT : SPOOL_DONE, "") < 0)
			say(p, LOG_ERR, "%s: sent, but cannot record it: %s", e->id,
			    strerror(errno));
		p->cy->sent++;
		say(p, LOG_INFO, "%s: sent to %s as %s%s", e->id, p->name, e->file,
		    needs_receipt ? "; waiting for its receipt" : "");
	} else if (f == SFTP_EXISTS) {
		char *r = xasprintf("a different file named %s is waiting on %s's server: %s",
		                    e->file, p->name, text);
		spool_move(x->spool, e, SPOOL_HOLD, r);
		p->cy->held++;
		say(p, LOG_WARNING, "%s: HELD: %s", e->id, r);
		free(r);
	} else {
		snprintf(p->cy->fault, sizeof p->cy->fault, "%s", text);
		defer(p, e, text);
		alive = f != SFTP_TEMPORARY;
	}
	free(text);
	return alive;
}

/* An upload of ours left unfinished on the partner's server (a crash of
 * both ends at once, a file held) is removed after this long: within it,
 * a person's interrupted csgw send still resumes. */
#define UNFINISHED_PART_AGE 3600

/* The entries still to be sent: active and deferred. */
struct waiting_files {
	const struct peer *p;
	struct spool_entry *e[2];
	size_t n[2];
};

static bool waiting_to_send(void *ctx, const char *name)
{
	const struct waiting_files *w = ctx;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < w->n[k]; i++)
			if (strcmp(w->e[k][i].partner, w->p->name) == 0 &&
			    strcmp(w->e[k][i].file, name) == 0)
				return true;
	return false;
}

/* After the sends, while connected: what no entry will finish goes. */
static void sweep_unfinished(struct peer *p)
{
	struct waiting_files w = {.p = p};
	char *text = NULL;
	size_t len = 0;
	unsigned removed = 0;

	if (spool_list(p->x->spool, SPOOL_ACTIVE, &w.e[0], &w.n[0]) < 0 ||
	    spool_list(p->x->spool, SPOOL_DEFERRED, &w.e[1], &w.n[1]) < 0)
		goto out; /* said by the sends; nothing removed unsure */
	FILE *mem = open_memstream(&text, &len);
	/* A drop folder we may not list is no fault: a notice, like removals. */
	transfer_sweep_parts(p->c, p->link.remote_inbox, waiting_to_send, &w, UNFINISHED_PART_AGE,
	                     &removed, mem, mem);
	fclose(mem);
	say_lines(p, LOG_NOTICE, text);
	free(text);
out:
	free(w.e[0]);
	free(w.e[1]);
}

/* Everything ready in active, and deferred entries that are due. */
static void send_ready(struct peer *p)
{
	struct exchange *x = p->x;
	struct spool_entry *act = NULL, *def = NULL;
	size_t nact = 0, ndef = 0;
	time_t now = time(NULL);

	spool_list(x->spool, SPOOL_ACTIVE, &act, &nact);
	spool_list(x->spool, SPOOL_DEFERRED, &def, &ndef);
	size_t total = nact + ndef, nq = 0;
	struct spool_entry **queue = xcalloc(total ? total : 1, sizeof *queue);
	/* Receipts first (the partner waits on them), then batches, oldest
	 * first. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < total; i++) {
			struct spool_entry *e = i < nact ? &act[i] : &def[i - nact];
			if (strcmp(e->partner, p->name) != 0 || !prepared(p, e) ||
			    (strcmp(e->kind, "receipt") == 0) != (pass == 0))
				continue;
			if (e->state == SPOOL_DEFERRED && e->next_attempt > now) {
				if (p->cy->wake == 0 || e->next_attempt < p->cy->wake)
					p->cy->wake = e->next_attempt;
				continue;
			}
			queue[nq++] = e;
		}
	}
	if (nq && connect_partner(p) < 0) {
		for (size_t i = 0; i < nq; i++)
			defer(p, queue[i], p->cy->fault);
		nq = 0;
	}
	for (size_t i = 0; i < nq; i++) {
		if (*x->stop) {
			say(p, LOG_INFO, "stopping: %zu file(s) for %s wait in the spool", nq - i,
			    p->name);
			break;
		}
		if (!send_entry(p, queue[i])) {
			disconnect(p);
			for (i++; i < nq; i++)
				defer(p, queue[i], p->cy->fault);
		}
	}
	if (p->c && !*x->stop)
		sweep_unfinished(p);
	free(queue);
	free(act);
	free(def);
}

/* ---- receipts we make ---- */

/* The heads a receipt carries: our log's, signed now, with the proof from
 * the newest head the partner echoed; and the newest of the partner's we
 * hold, echoed back.  A receipt goes without them rather than not at all. */
static void carry_heads(struct peer *p, struct receipt *r)
{
	struct exchange *x = p->x;
	struct audit_head echoed;
	char why[1024];

	if (audit_checkpoint(x->audit, stderr) == 0 &&
	    audit_latest_head(x->audit, &r->head.head, stderr) == 0) {
		r->head.present = true;
		int got = witness_newest(p->witness, "ours", &echoed, why, sizeof why);
		if (got < 0)
			say(p, LOG_ERR, "%s", why);
		else if (got == 0 && echoed.size > r->head.head.size)
			say(p, LOG_ERR,
			    "ALERT: %s holds a head of our audit log of %" PRIu64
			    " entries, but our newest has %" PRIu64
			    ": our log was cut or replaced (csgw audit verify --witnesses)",
			    p->name, echoed.size, r->head.head.size);
		else if (got == 0 && audit_consistency(x->audit, echoed.size, r->head.head.size,
		                                       r->head.proof, &r->head.nproof, stderr) == 0)
			r->head.proof_from = echoed.size;
	}
	int got = witness_newest(p->witness, "theirs", &r->echo.head, why, sizeof why);
	if (got < 0)
		say(p, LOG_ERR, "%s", why);
	r->echo.present = got == 0;
}

/* Queues our signed receipt for a file received from the partner. */
static int acknowledge(struct peer *p, const char *name, const char *sha, const char *batch,
                       unsigned long records, const char *code, const char *message)
{
	struct exchange *x = p->x;
	const char *ours = conf_value(&x->s->conf, "gateway", "state");
	struct receipt r = {.accepted = code == NULL, .received = time(NULL)};
	struct spool_entry e = {0};
	char why[1024] = "";
	int rc = -1;

	if (!p->receipts)
		return 0;
	snprintf(r.receiver_state, sizeof r.receiver_state, "%s", ours);
	snprintf(r.sender_state, sizeof r.sender_state, "%s", p->state);
	receipt_set_file_name(x->s->set, &r, name);
	snprintf(r.sha256, sizeof r.sha256, "%s", sha);
	snprintf(r.batch, sizeof r.batch, "%s", batch && strlen(batch) == 6 ? batch : "000000");
	if (code) {
		receipt_reject(&r, 0, code, message);
		r.rejected_count = records;
	} else {
		r.accepted_count = records;
	}
	if (p->witness_heads)
		carry_heads(p, &r);
	snprintf(e.partner, sizeof e.partner, "%s", p->name);
	snprintf(e.kind, sizeof e.kind, "receipt");
	snprintf(e.family, sizeof e.family, "receipt");
	snprintf(e.batch, sizeof e.batch, "%s", r.batch);
	snprintf(e.source, sizeof e.source, "receipt for %s", name);
	if (spool_create(x->spool, &e) < 0)
		goto out;
	crash_point("receipt-created");
	snprintf(e.file, sizeof e.file, "%s-receipt-%s.xml", ours, e.id);
	char *tmp = spool_path(x->spool, &e, "receipt.tmp");
	char *final = spool_path(x->spool, &e, e.file);
	char *sig = signature_path(final);
	struct report rep = {.out = stderr, .file = e.file, .max = 5};
	bool made = receipt_write(x->s->set, &r, tmp, &rep) == MAP_OK &&
	            cms_sign_file(x->signer, tmp, sig, e.sha256, why, sizeof why) == 0 &&
	            fs_publish(tmp, final) == 0;
	if (made)
		crash_point("receipt-published");
	if (made && spool_save(x->spool, &e) == 0) {
		rc = 0;
		p->cy->acknowledged++;
		say(p, LOG_INFO, "%s: receipt for %s from %s (%s%s), queued", e.id, name, p->name,
		    code ? "REJECTED: " : "accepted", code ? code : "");
	} else {
		say(p, LOG_ERR, "%s: cannot make the receipt for %s: %s", e.id, name,
		    why[0] ? why : strerror(errno));
		unlink(tmp);
		spool_remove(x->spool, &e);
	}
	free(tmp);
	free(final);
	free(sig);
out:
	receipt_free(&r);
	return rc;
}

/* ---- inbound ---- */

/* SPOOL/delivered/PARTNER/KEY holds what was delivered: for a file's
 * SHA-256, "family batch records inbox-name"; for "FAMILY-BATCH", the
 * SHA-256 of the file that carried that batch. */
static char *marker_path(struct peer *p, const char *key)
{
	return xasprintf("%s/%s", p->delivered, key);
}

static int marker_read(struct peer *p, const char *key, char *buf, size_t size)
{
	char *path = marker_path(p, key);
	FILE *fp = fs_read_regular(path);
	free(path);
	if (fp == NULL)
		return -1;
	if (fgets(buf, (int)size, fp) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(fp);
	return 0;
}

static int marker_write(struct peer *p, const char *key, const char *text)
{
	char *path = marker_path(p, key);
	char *line = xasprintf("%s\n", text);
	int rc = fs_write_text(path, line);
	free(line);
	free(path);
	return rc;
}

/* Moves a received file and its signature to SPOOL/quarantine/PARTNER
 * with NAME.reason, as transfer_fetch does for bad signatures. */
static void quarantine_inbound(struct peer *p, const char *name, const char *why)
{
	fs_make_dir(p->quarantine);
	char *from = xasprintf("%s/%s", p->incoming, name);
	char *from_sig = signature_path(from);
	char *to = NULL, *to_sig = NULL, *reason = NULL;
	char *text = xasprintf("%s\n", why);
	int rc = -1;

	/* NAME, NAME.1, ...: an earlier file quarantined under the name stays.
	 * Only the data's name is tested, so a run cut short after moving
	 * the signature comes back to the same slot. */
	for (int n = 0; n < 1000 && to == NULL; n++) {
		char *t = n ? xasprintf("%s/%s.%d", p->quarantine, name, n)
		            : xasprintf("%s/%s", p->quarantine, name);
		if (access(t, F_OK) != 0)
			to = t;
		else
			free(t);
	}
	if (to) {
		to_sig = signature_path(to);
		reason = xasprintf("%s.reason", to);
		rc = fs_write_text(reason, text);
	}
	/* The signature first; a run cut short between the two moved it. */
	if (rc == 0 && ((access(from_sig, F_OK) == 0 && fs_move(from_sig, to_sig) < 0) ||
	                renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0 ||
	                fs_fsync_dir(to) < 0 || fs_fsync_dir(from) < 0))
		rc = -1;
	if (rc < 0) {
		say(p, LOG_ERR, "%s: cannot quarantine it: %s; left in %s", name, strerror(errno),
		    p->incoming);
		later(p);
	} else {
		say(p, LOG_WARNING, "%s: QUARANTINED (%s): %s", name, to, why);
	}
	free(from);
	free(from_sig);
	free(to);
	free(to_sig);
	free(reason);
	free(text);
}

static void remove_incoming(struct peer *p, const char *name)
{
	char *path = xasprintf("%s/%s", p->incoming, name);
	char *sig = signature_path(path);
	unlink(sig);
	unlink(path);
	fs_fsync_dir(path);
	free(path);
	free(sig);
}

/* A name for the file in inbox/FAMILY that is not taken: NAME-FILE, or
 * NAME-2-FILE and so on; 'keep' (from an attempt cut short) when its data
 * is not there yet (its signature may be).  0 or -1. */
static int inbox_name(struct peer *p, const char *inbox, const char *name, const char *keep,
                      char *target, size_t size)
{
	for (int n = 0; n < 1000; n++) {
		if (n == 0 && keep && keep[0])
			snprintf(target, size, "%s", keep);
		else if (n <= 1)
			snprintf(target, size, "%s-%s", p->name, name);
		else
			snprintf(target, size, "%s-%d-%s", p->name, n, name);
		char *to = xasprintf("%s/%s", inbox, target);
		char *to_sig = signature_path(to);
		bool free_name = access(to, F_OK) != 0 &&
		                 ((n == 0 && keep && keep[0]) || access(to_sig, F_OK) != 0);
		free(to);
		free(to_sig);
		if (free_name)
			return 0;
	}
	errno = EEXIST;
	return -1;
}

/* Moves a received file and its signature from incoming into the inbox
 * as 'target', never over a file that is there: the data's rename is the
 * delivery.  0 or -1. */
static int move_in(struct peer *p, const char *name, const char *inbox, const char *target)
{
	char *from = xasprintf("%s/%s", p->incoming, name);
	char *from_sig = signature_path(from);
	char *to = xasprintf("%s/%s", inbox, target);
	char *to_sig = signature_path(to);
	int rc = -1;

	/* The signature beside the data: who sent it stays provable. */
	if ((renameat2(AT_FDCWD, from_sig, AT_FDCWD, to_sig, RENAME_NOREPLACE) == 0 ||
	     errno == ENOENT) &&
	    renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		rc = fs_fsync_dir(to) == 0 && fs_fsync_dir(from) == 0 ? 0 : -1;
	free(from);
	free(from_sig);
	free(to);
	free(to_sig);
	return rc;
}

/* delivered/PARTNER/pending/SHA: a delivery under way,
 * "family batch records<TAB>target<TAB>name" (names may hold spaces, never
 * a control character: transfer_name_safe). */
static char *pending_key(const char *sha)
{
	return xasprintf("pending/%s", sha);
}

/* Reads a pending marker's text; 0, or -1 when it is not one. */
static int pending_parse(char *facts, char family[16], char batch[16], unsigned long *records,
                         char target[300], char name[256])
{
	char *tab1 = strchr(facts, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
	if (tab2 == NULL || sscanf(facts, "%15s %15s %lu", family, batch, records) != 3)
		return -1;
	*tab2 = '\0';
	snprintf(target, 300, "%s", tab1 + 1);
	snprintf(name, 256, "%s", tab2 + 1);
	return target[0] && name[0] ? 0 : -1;
}

/* After the delivery: recorded for good, acknowledged, no longer pending. */
static void delivered(struct peer *p, const char *name, const char *sha, const char *family,
                      const char *batch, unsigned long records, const char *target)
{
	char facts[400];
	snprintf(facts, sizeof facts, "%s %s %lu delivered %s", family, batch, records, target);
	if (marker_write(p, sha, facts) < 0) {
		say(p, LOG_ERR, "%s: delivered, but cannot record it: %s; recorded next cycle",
		    name, strerror(errno));
		later(p);
		return;
	}
	crash_point("delivered");
	if (acknowledge(p, name, sha, batch, records, NULL, NULL) < 0 && p->receipts) {
		later(p);
		return;
	}
	crash_point("acknowledged");
	char *key = pending_key(sha);
	char *path = marker_path(p, key);
	unlink(path);
	free(path);
	free(key);
}

/* Deliveries a cycle cut short: where the file already moved into the
 * inbox, it is recorded and acknowledged now; where it is still in
 * incoming, take_file moves it. */
static void finish_pending(struct peer *p)
{
	char *dir = xasprintf("%s/pending", p->delivered);
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strlen(de->d_name) != 64)
			continue;
		char *key = pending_key(de->d_name), facts[600];
		char family[16] = "", batch[16] = "", target[300] = "", name[256] = "";
		unsigned long records = 0;
		if (marker_read(p, key, facts, sizeof facts) == 0 &&
		    pending_parse(facts, family, batch, &records, target, name) == 0) {
			char *in = xasprintf("%s/%s", p->incoming, name);
			if (access(in, F_OK) != 0) {
				say(p, LOG_NOTICE,
				    "%s: delivered to inbox/%s/%s by a cycle cut short", name,
				    family, target);
				delivered(p, name, de->d_name, family, batch, records, target);
			}
			free(in);
		}
		free(key);
	}
	if (d)
		closedir(d);
	free(dir);
}

/* Delivers a checked batch into the inbox, once. */
static void deliver(struct peer *p, const char *name, const char *sha, const struct batch_type *bt,
                    const char *batch, unsigned long records)
{
	const char *family = bt->family->name;
	char *inbox = xasprintf("%s/inbox/%s", p->x->spool, family);
	char *key = pending_key(sha), *pdir = xasprintf("%s/pending", p->delivered);
	char facts[600], keep[300] = "", target[300], bkey[64];

	fs_make_dir(inbox);
	fs_make_dir(pdir);
	/* A delivery cut short keeps the name it chose (its signature may
	 * be there already). */
	char f[16], b[16], n[256];
	unsigned long r;
	if (marker_read(p, key, facts, sizeof facts) == 0 &&
	    pending_parse(facts, f, b, &r, keep, n) == 0) {
		char *other = xasprintf("%s/%s", p->incoming, n);
		bool moved = access(other, F_OK) != 0;
		free(other);
		if (moved) {
			/* The same bytes went into the inbox already (as n), but
			 * were not recorded: record that one; this copy is a
			 * resend, acknowledged and dropped once that is done. */
			delivered(p, n, sha, f, b, r, keep);
			if (strcmp(n, name) != 0 && marker_read(p, sha, facts, sizeof facts) == 0 &&
			    strstr(facts, " delivered ") &&
			    acknowledge(p, name, sha, batch, records, NULL, NULL) == 0)
				remove_incoming(p, name);
			goto out;
		}
		if (strcmp(n, name) != 0) {
			/* Another copy of these bytes is on its way in: it goes
			 * first, and this one is then a resend. */
			goto out;
		}
	} else {
		keep[0] = '\0';
	}
	snprintf(bkey, sizeof bkey, "%s-%s", family, batch);
	if ((batch[0] && marker_write(p, bkey, sha) < 0) || /* an offset file has no number */
	    inbox_name(p, inbox, name, keep, target, sizeof target) < 0)
		goto failed;
	snprintf(facts, sizeof facts, "%s %s %lu\t%s\t%s", family, batch, records, target, name);
	if (marker_write(p, key, facts) < 0)
		goto failed;
	/* What it answers goes into the ledger before the file into the
	 * inbox; done again after a crash, it records nothing twice. */
	char *from = xasprintf("%s/%s", p->incoming, name);
	int matched = p->x->inbound(p->x, p->name, bt, from, inbox, target);
	free(from);
	if (matched < 0)
		goto failed;
	crash_point("delivering");
	if (move_in(p, name, inbox, target) < 0)
		goto failed;
	crash_point("moved-in");
	p->cy->delivered++;
	say(p, LOG_INFO, "%s: delivered to inbox/%s/%s (%s batch%s%s, %lu records, sha256 %s)",
	    name, family, target, family, batch[0] ? " " : "", batch, records, sha);
	delivered(p, name, sha, family, batch, records, target);
	goto out;
failed:
	say(p, LOG_ERR, "%s: cannot deliver it into the inbox: %s; tried again next cycle", name,
	    strerror(errno));
	later(p);
out:
	free(inbox);
	free(key);
	free(pdir);
}

/* ---- parsed on the way: a batch parsed while it downloads ---- */

struct on_way {
	char name[256];
	struct batch_facts_stream *facts;
	char *text;
	size_t len;
	FILE *mem;
	struct report rep;
};

static void *parse_begin(void *ctx, const char *name)
{
	struct peer *p = ctx;
	struct on_way *w = xcalloc(1, sizeof *w);

	snprintf(w->name, sizeof w->name, "%s", name);
	w->mem = open_memstream(&w->text, &w->len);
	w->rep = (struct report){.out = w->mem, .file = w->name, .max = 5};
	w->facts =
	    w->mem ? receipt_batch_facts_begin(p->x->s->set, p->x->s->test_env, &w->rep) : NULL;
	if (w->facts == NULL) {
		if (w->mem)
			fclose(w->mem);
		free(w->text);
		free(w);
		return NULL;
	}
	return w;
}

static void parse_data(void *arg, const void *data, size_t len)
{
	struct on_way *w = arg;
	receipt_batch_facts_feed(w->facts, data, len);
}

static void parse_end(void *ctx, void *arg, const char *part, const unsigned char *sha256)
{
	struct peer *p = ctx;
	struct on_way *w = arg;
	struct parsed_on_way r = {0};

	r.status =
	    receipt_batch_facts_end(w->facts, sha256 != NULL, r.batch, &r.records, &r.bt, &w->rep);
	report_finish(&w->rep);
	fclose(w->mem);
	if (r.status >= 0 && stat(part, &r.id) == 0) {
		snprintf(r.name, sizeof r.name, "%s", w->name);
		digest_hex(sha256, DIGEST_SHA256_LEN, r.sha);
		r.text = w->text;
		w->text = NULL;
		p->parsed = xreallocarray(p->parsed, p->nparsed + 1, sizeof *p->parsed);
		p->parsed[p->nparsed++] = r;
	}
	free(w->text);
	free(w);
}

/* What was parsed on the way of the file at 'path' named 'name', taken
 * out of the list: NULL when it was not, or the file is no longer the one
 * downloaded (other inode, size or time). */
static struct parsed_on_way *parsed_take(struct peer *p, const char *name, const char *path,
                                         struct parsed_on_way *out)
{
	struct stat now;
	for (size_t i = 0; i < p->nparsed; i++) {
		struct parsed_on_way *r = &p->parsed[i];
		if (strcmp(r->name, name) != 0)
			continue;
		*out = *r;
		p->parsed[i] = p->parsed[--p->nparsed];
		if (stat(path, &now) == 0 && now.st_dev == out->id.st_dev &&
		    now.st_ino == out->id.st_ino && now.st_size == out->id.st_size &&
		    now.st_mtim.tv_sec == out->id.st_mtim.tv_sec &&
		    now.st_mtim.tv_nsec == out->id.st_mtim.tv_nsec)
			return out;
		free(out->text);
		return NULL;
	}
	return NULL;
}

static void parsed_forget(struct peer *p)
{
	for (size_t i = 0; i < p->nparsed; i++)
		free(p->parsed[i].text);
	free(p->parsed);
	p->parsed = NULL;
	p->nparsed = 0;
}

static void take_receipt(struct peer *p, const char *name, const char *path);

/* One received file: a receipt, or a batch for the inbox. */
static void take_file(struct peer *p, const char *name, const char *path, const char *ledger)
{
	struct exchange *x = p->x;
	char sha[65], batch[7] = "", facts[400], key[64];
	unsigned long records = 0;
	const struct batch_type *bt = NULL;
	struct parsed_on_way on_way, *pre = parsed_take(p, name, path, &on_way);

	/* Parsed as it came: its digest was computed on the way too. */
	if (pre)
		memcpy(sha, pre->sha, sizeof sha);
	else if (digest_file_sha256_hex(path, sha) < 0) {
		say(p, LOG_ERR, "%s: cannot read it: %s", name, strerror(errno));
		return;
	}
	/* Only a file whose ledger line exists, by its digest and name
	 * (core/transfer.h): fetch writes the line after the file. */
	if (!transfer_received(ledger, sha, name)) {
		if (pre)
			free(pre->text);
		return;
	}
	if (marker_read(p, sha, facts, sizeof facts) == 0 && strstr(facts, " delivered ")) {
		/* Delivered before: a resend (or a run cut short after the
		 * delivery).  Acknowledged again, not delivered again. */
		char fam[16] = "", b[16] = "";
		sscanf(facts, "%15s %15s %lu", fam, b, &records);
		say(p, LOG_NOTICE,
		    "%s: already delivered (sha256 %s); acknowledged again, not delivered twice",
		    name, sha);
		if (acknowledge(p, name, sha, b, records, NULL, NULL) == 0)
			remove_incoming(p, name);
		if (pre)
			free(pre->text);
		return;
	}
	char *text = NULL;
	enum map_status st;
	if (pre) {
		st = (enum map_status)pre->status;
		memcpy(batch, pre->batch, sizeof batch);
		records = pre->records;
		bt = pre->bt;
		text = pre->text;
	} else {
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		struct report rep = {.out = mem, .file = name, .max = 5};
		st = receipt_batch_facts(x->s->set, path, x->s->test_env, batch, &records, &bt,
		                         &rep);
		report_finish(&rep);
		fclose(mem);
	}
	one_line(text);
	if (st != MAP_OK) {
		if (st == MAP_BAD_DATA) {
			char *why =
			    xasprintf("signed by %s but not a good batch: %s", p->name, text);
			if (acknowledge(p, name, sha, batch, 0, REJECT_BAD_BATCH,
			                "FILE IS NOT A VALID BATCH") == 0 ||
			    !p->receipts)
				quarantine_inbound(p, name, why);
			free(why);
		} else {
			say(p, LOG_ERR, "%s: cannot read it now: %s", name, text);
		}
		free(text);
		return;
	}
	free(text);
	const char *family = bt->family->name;
	if (strcmp(family, "receipt") == 0) {
		take_receipt(p, name, path);
		return;
	}
	if (!conf_list_has(p->families, family)) {
		char *why = xasprintf("a %s batch; partner %s exchanges only: %s", family, p->name,
		                      p->families);
		if (acknowledge(p, name, sha, batch, records, REJECT_FAMILY,
		                "FAMILY NOT EXCHANGED WITH THIS PARTNER") == 0 ||
		    !p->receipts)
			quarantine_inbound(p, name, why);
		free(why);
		return;
	}
	/* The batch number too: a partner that made the batch again (new
	 * bytes, same number) must not get it delivered twice. */
	snprintf(key, sizeof key, "%s-%s", family, batch);
	char prior[80];
	if (batch[0] && marker_read(p, key, prior, sizeof prior) == 0 && strcmp(prior, sha) != 0) {
		char *why = xasprintf("%s batch %s was delivered before with other content (sha256 "
		                      "%s); this copy needs a person",
		                      family, batch, prior);
		if (acknowledge(p, name, sha, batch, records, REJECT_BATCH_REUSED,
		                "BATCH NUMBER ALREADY RECEIVED") == 0 ||
		    !p->receipts)
			quarantine_inbound(p, name, why);
		free(why);
		return;
	}
	deliver(p, name, sha, bt, batch, records);
}

/* Finds our entry for partner p whose file has this SHA-256. */
static int find_sent(struct peer *p, const char *sha, struct spool_entry *found)
{
	static const enum spool_state where[] = {SPOOL_SENT, SPOOL_DEFERRED, SPOOL_ACTIVE,
	                                         SPOOL_HOLD, SPOOL_DONE};
	for (size_t w = 0; w < sizeof where / sizeof *where; w++) {
		struct spool_entry *e = NULL;
		size_t n = 0;
		spool_list(p->x->spool, where[w], &e, &n);
		for (size_t i = 0; i < n; i++) {
			if (strcmp(e[i].partner, p->name) == 0 && strcmp(e[i].sha256, sha) == 0 &&
			    strcmp(e[i].kind, "batch") == 0) {
				*found = e[i];
				free(e);
				return 0;
			}
		}
		free(e);
	}
	return -1;
}

/* What a receipt filed with its entry says: done, or hold with the
 * partner's reasons. */
static void settle(struct peer *p, struct spool_entry *e, const struct receipt *r, const char *name)
{
	if (r->accepted && r->rejected_count == 0) {
		if (spool_move(p->x->spool, e, SPOOL_DONE, "") == 0) {
			p->cy->settled++;
			say(p, LOG_INFO, "%s: acknowledged by %s (%s, %lu records accepted); done",
			    e->id, p->name, name, r->accepted_count);
		}
		return;
	}
	char reasons[900];
	size_t o = (size_t)snprintf(
	    reasons, sizeof reasons,
	    "%s by %s (%s):", r->accepted ? "records rejected" : "file REJECTED", p->name, name);
	for (size_t i = 0; i < r->nresults && o < sizeof reasons; i++)
		for (unsigned k = 0; k < r->results[i].nerrors && o < sizeof reasons; k++)
			o +=
			    (size_t)snprintf(reasons + o, sizeof reasons - o, " record %lu: %s %s;",
			                     r->results[i].record, r->results[i].errors[k].code,
			                     r->results[i].errors[k].message);
	if (spool_move(p->x->spool, e, SPOOL_HOLD, reasons) == 0) {
		p->cy->held++;
		say(p, LOG_WARNING, "%s: HELD: %s", e->id, reasons);
	}
}

/* Receipts filed with their entry by a run that stopped before it
 * settled them. */
static void settle_filed(struct peer *p)
{
	static const enum spool_state waiting[] = {SPOOL_SENT, SPOOL_DEFERRED, SPOOL_ACTIVE};
	for (size_t w = 0; w < sizeof waiting / sizeof *waiting; w++) {
		struct spool_entry *e = NULL;
		size_t n = 0;
		spool_list(p->x->spool, waiting[w], &e, &n);
		for (size_t i = 0; i < n; i++) {
			char *path = spool_path(p->x->spool, &e[i], "receipt.xml");
			struct receipt r = {0};
			struct report rep = {.out = stderr, .file = path, .max = 5};
			if (strcmp(e[i].partner, p->name) == 0 && access(path, F_OK) == 0 &&
			    receipt_read(p->x->s->set, path, &r, &rep) == MAP_OK)
				settle(p, &e[i], &r, "receipt.xml, filed before");
			receipt_free(&r);
			free(path);
		}
		free(e);
	}
}

/* The heads a partner's receipt carries (core/witness.h): its log's,
 * judged against the head of it we hold, and ours as it holds it.  False
 * when the receipt is not taken: quarantined (a head that is not good),
 * or left where it is because the partner is now held. */
static bool witnessed(struct peer *p, const struct receipt *r, const char *name)
{
	struct exchange *x = p->x;
	char said[1500], why[1024];

	if (!r->head.present) {
		say(p, LOG_NOTICE, "%s: carries no head of %s's audit log: not witnessed", name,
		    p->name);
	} else {
		enum witness_verdict v = witness_take_theirs(p->witness, p->origin, p->cert,
		                                             &r->head, said, sizeof said);
		if (v == WITNESS_LOCAL) {
			say(p, LOG_ERR, "%s: kept in incoming for the next cycle: %s", name, said);
			return false;
		}
		if (v == WITNESS_BAD) {
			char *reason = xasprintf("signed by %s but %s", p->name, said);
			quarantine_inbound(p, name, reason);
			free(reason);
			return false;
		}
		if (v == WITNESS_FORK) {
			say(p, LOG_WARNING,
			    "%s: ALERT: %s is HELD: %s; nothing from it is delivered or sent to it "
			    "until a person looks (csgw audit witnesses %s)",
			    name, p->name, said, p->name);
			p->held = true;
			return false;
		}
		say(p, v == WITNESS_UNPROVEN ? LOG_NOTICE : LOG_INFO, "%s: %s: %s", name, p->name,
		    said);
	}
	if (r->echo.present) {
		int kept =
		    witness_take_echo(p->witness, x->origin, x->cert, &r->echo, why, sizeof why);
		if (kept < 0)
			say(p, LOG_NOTICE,
			    "%s: the head of our audit log it echoes is not ours: %s", name, why);
		else if (kept == 1 && r->echo.head.size > audit_size(x->audit))
			say(p, LOG_ERR,
			    "%s: ALERT: %s holds a head of our audit log of %" PRIu64
			    " entries; the log has %" PRIu64
			    ": it was cut or replaced (csgw audit verify --witnesses)",
			    name, p->name, r->echo.head.size, audit_size(x->audit));
	}
	return true;
}

static void take_receipt(struct peer *p, const char *name, const char *path)
{
	struct exchange *x = p->x;
	const char *ours = conf_value(&x->s->conf, "gateway", "state");
	struct receipt r = {0};
	struct spool_entry e;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct report rep = {.out = mem, .file = name, .max = 5};
	enum map_status st = receipt_read(x->s->set, path, &r, &rep);
	report_finish(&rep);
	fclose(mem);
	one_line(text);

	if (st != MAP_OK) {
		char *why = xasprintf("signed by %s but not a good receipt: %s", p->name, text);
		quarantine_inbound(p, name, why);
		free(why);
		goto out;
	}
	if (strcmp(r.sender_state, ours) != 0 || !p->state ||
	    strcmp(r.receiver_state, p->state) != 0) {
		char *why =
		    xasprintf("a receipt from state %s for a file of state %s; expected "
		              "from %s for %s",
		              r.receiver_state, r.sender_state, p->state ? p->state : "?", ours);
		quarantine_inbound(p, name, why);
		free(why);
		goto out;
	}
	if (find_sent(p, r.sha256, &e) < 0) {
		char *why = xasprintf("a receipt for sha256 %s, which names no file we sent to %s",
		                      r.sha256, p->name);
		quarantine_inbound(p, name, why);
		free(why);
		goto out;
	}
	if (e.state == SPOOL_DONE) {
		say(p, LOG_NOTICE,
		    "%s: %s was acknowledged before; this receipt is a repeat, removed", name,
		    e.id);
		remove_incoming(p, name);
		goto out;
	}
	/* After the repeat: a receipt sent again carries an older head. */
	if (!witnessed(p, &r, name))
		goto out;
	/* The receipt goes with the entry, for whoever asks later. */
	char *keep = spool_path(x->spool, &e, "receipt.xml");
	char *keep_sig = signature_path(keep);
	char *from_sig = signature_path(path);
	/* The signature first; a cycle cut short between the two moved it. */
	bool filed = access(from_sig, F_OK) != 0 || fs_move(from_sig, keep_sig) == 0;
	if (filed) {
		crash_point("filing-receipt");
		filed = fs_move(path, keep) == 0;
	}
	if (!filed) {
		say(p, LOG_ERR, "%s: cannot file the receipt with %s: %s; tried again next cycle",
		    name, e.id, strerror(errno));
		later(p);
	} else {
		crash_point("receipt-filed");
		settle(p, &e, &r, name);
	}
	free(keep);
	free(keep_sig);
	free(from_sig);
out:
	free(text);
	receipt_free(&r);
}

/* Our receipts are named STATE-receipt-ID.xml (acknowledge). */
static int receipts_first(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	bool rx = strstr(x, "-receipt-") != NULL, ry = strstr(y, "-receipt-") != NULL;
	return rx != ry ? (rx ? -1 : 1) : strcmp(x, y);
}

/* A held partner's files wait where they are, said once a cycle. */
static bool still_held(struct peer *p)
{
	char reason[1200];
	if (!witness_held(p->witness, reason, sizeof reason))
		return false;
	p->held = true;
	say(p, LOG_WARNING,
	    "%s is HELD: %s; what it sent waits in %s, nothing is sent to it (csgw audit "
	    "witnesses %s)",
	    p->name, reason, p->incoming, p->name);
	return true;
}

static void take_inbound(struct peer *p)
{
	char *ledger = xasprintf("%s/.received", p->incoming);
	DIR *d = opendir(p->incoming);
	struct dirent *de;

	if (d == NULL) {
		free(ledger);
		return;
	}
	char **names = NULL;
	size_t n = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    not_a_file(p, p->incoming, de->d_name, true) || de->d_name[0] == '.' ||
		    ends_with(de->d_name, ".p7s"))
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	/* Receipts first: one whose head shows the partner's log forked holds
	 * the files that came with it. */
	if (n > 1)
		qsort(names, n, sizeof *names, receipts_first);
	for (size_t i = 0; i < n; i++) {
		if (!*p->x->stop && !p->held) {
			char *path = xasprintf("%s/%s", p->incoming, names[i]);
			take_file(p, names[i], path, ledger);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	free(ledger);
	parsed_forget(p); /* a file not taken now is parsed again when it is */
}

/* A same-name resend that transfer_fetch recognised: acknowledged again
 * (the remote copy is cleared only then). */
static int on_resent(void *ctx, const char *name, const char *sha)
{
	struct peer *p = ctx;
	char facts[400], fam[16] = "", b[16] = "";
	unsigned long records = 0;

	if (marker_read(p, sha, facts, sizeof facts) < 0 || !strstr(facts, " delivered "))
		return 0; /* not delivered yet: the incoming copy is still being taken */
	sscanf(facts, "%15s %15s %lu", fam, b, &records);
	say(p, LOG_NOTICE,
	    "%s: sent again by %s (sha256 %s); acknowledged again, not delivered twice", name,
	    p->name, sha);
	return acknowledge(p, name, sha, b, records, NULL, NULL) == 0 || !p->receipts ? 0 : -1;
}

static void fetch(struct peer *p)
{
	struct exchange *x = p->x;
	if (connect_partner(p) < 0)
		return;
	fs_make_dir(p->delivered);
	struct fetch_plan plan = {
	    .remote_dir = p->link.remote_outbox,
	    .remote_done = p->link.remote_done,
	    .incoming = p->incoming,
	    .quarantine = p->quarantine,
	    .trust = {.ca_bundle = x->ca, .partner_cert = p->link.cert},
	    .audit = x->audit,
	    .partner = p->name,
	    .partner_class = p->cls,
	    .who = x->who,
	    .resent = on_resent,
	    .resent_ctx = p,
	    .watch = {.begin = parse_begin, .data = parse_data, .end = parse_end, .ctx = p},
	};
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	enum sftp_fault f = transfer_fetch(p->c, &plan, x->log, mem);
	fclose(mem);
	/* A file quarantined or a partner's refusal needs a person; a dropped
	 * connection is tried again by itself. */
	int priority = plan.quarantined || (f != SFTP_OK && f != SFTP_TEMPORARY) ? LOG_WARNING
	               : f == SFTP_TEMPORARY                                     ? LOG_NOTICE
	                                                                         : LOG_ERR;
	say_lines(p, priority, text);
	one_line(text);
	p->cy->fetched += plan.fetched;
	if (f != SFTP_OK) {
		snprintf(p->cy->fault, sizeof p->cy->fault, "%s",
		         text && *text ? text : "fetch failed");
		if (f == SFTP_TEMPORARY)
			disconnect(p);
	}
	free(text);
}

/* Sent files whose receipt is overdue: said once, and shown by status. */
static void overdue(struct peer *p)
{
	struct spool_entry *e = NULL;
	size_t n = 0;
	time_t now = time(NULL);

	spool_list(p->x->spool, SPOOL_SENT, &e, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].partner, p->name) != 0 || e[i].alerted ||
		    now - e[i].sent < p->x->receipt_timeout)
			continue;
		char d[32];
		duration_format((long)(now - e[i].sent), d, sizeof d);
		say(p, LOG_WARNING, "%s: ALERT: no receipt from %s for %s after %s", e[i].id,
		    p->name, e[i].file, d);
		e[i].alerted = true;
		spool_save(p->x->spool, &e[i]);
	}
	free(e);
}

struct overdue_said {
	struct peer *p;
	time_t since;
};

static int say_overdue_request(void *ctx, const struct ledger_request *r)
{
	struct overdue_said *o = ctx;
	/* An earlier cycle said those due before it ran (the ledger lists
	 * due < now): one due the very second it ran is said now. */
	if (r->due < (long long)o->since)
		return 0;
	char due[32];
	duration_format((long)(time(NULL) - r->due), due, sizeof due);
	say(o->p, LOG_WARNING, "%s: OVERDUE: %s %s%s%s to %s for case %s: no answer, due %s ago",
	    r->id, r->serial[0] ? r->function : "FPLS", r->serial[0] ? r->action : "locate",
	    r->serial[0] ? " " : "", r->serial[0] ? r->reason : "", o->p->name, r->case_id, due);
	return 0;
}

/* Requests to this partner not answered in time (answer_within), as status
 * lists them: each said once, when it first is overdue. */
static void overdue_requests(struct peer *p)
{
	struct partner_state st;
	time_t now = time(NULL);
	char why[512];

	if (p->x->ledger == NULL)
		return;
	partner_state_load(p->x->spool, p->name, &st);
	struct overdue_said o = {p, st.overdue_said};
	struct ledger_filter f = {.direction = "out", .partner = p->name, .due_before = now};
	if (ledger_requests(p->x->ledger, &f, say_overdue_request, &o, why, sizeof why) < 0) {
		say(p, LOG_ERR, "cannot read the ledger for overdue requests: %s", why);
		return;
	}
	st.overdue_said = now;
	partner_state_save(p->x->spool, p->name, &st);
}

static const char *section_of(const char *partner, char *section, size_t size)
{
	snprintf(section, size, "partner %s", partner);
	return section;
}

int exchange_partner(struct exchange *x, const char *partner, bool do_fetch,
                     const char *const *fresh, size_t nfresh, struct cycle *cy)
{
	struct setup *s = x->s;
	struct peer p = {.x = x, .name = partner, .cy = cy};
	char section[300];
	int rc = 0;

	memset(cy, 0, sizeof *cy);
	if (x->inbound == NULL) {
		fputs("csgw: an exchange cycle needs the reader of inbound batches\n", stderr);
		return EX_SOFTWARE;
	}
	p.cls = setup_partner_value(s, partner, "class");
	p.state = setup_partner_value(s, partner, "state");
	p.purpose = exchange_purpose(s, partner);
	p.families = setup_partner_value(s, partner, "families");
	const char *receipts = setup_partner_value(s, partner, "receipts");
	p.receipts = p.state != NULL && (receipts == NULL || strcmp(receipts, "no") != 0);
	const char *heads = setup_partner_value(s, partner, "witness");
	p.witness_heads = heads == NULL || strcmp(heads, "no") != 0;
	if (p.cls == NULL || p.families == NULL) {
		fprintf(stderr, "%s: [partner %s] needs class and families\n", setup_conf_name(s),
		        partner);
		return EX_CONFIG;
	}
	p.outgoing = xasprintf("%s/outgoing/%s", x->spool, partner);
	p.incoming = xasprintf("%s/incoming/%s", x->spool, partner);
	p.quarantine = xasprintf("%s/quarantine/%s", x->spool, partner);
	p.delivered = xasprintf("%s/delivered/%s", x->spool, partner);
	p.witness = xasprintf("%s/%s", x->witnesses, partner);
	p.cert = conf_path(&s->conf, section_of(partner, section, sizeof section), "cert");
	p.origin = p.state ? setup_audit_origin(p.state) : NULL;
	if (!folders_real(&p)) {
		rc = EX_IOERR;
		goto out;
	}

	take_drops(&p, fresh, nfresh);
	struct spool_entry *e = NULL;
	size_t n = 0;
	spool_list(x->spool, SPOOL_ACTIVE, &e, &n);
	for (size_t i = 0; i < n && !*x->stop; i++)
		if (strcmp(e[i].partner, partner) == 0 && !prepared(&p, &e[i]))
			prepare(&p, &e[i]);
	free(e);
	/* What a cycle cut short left behind comes first. */
	settle_filed(&p);
	finish_pending(&p);
	/* A partner whose log forked is still fetched from (nothing is left
	 * on its server to be lost) but nothing is taken in or sent. */
	still_held(&p);
	take_inbound(&p);
	if (!*x->stop && !p.held)
		send_ready(&p);
	if (do_fetch && !*x->stop && !cy->connect_failed) {
		fetch(&p);
		take_inbound(&p);
		if (cy->acknowledged && !*x->stop && !p.held)
			send_ready(&p);
	}
	overdue(&p);
	overdue_requests(&p);
	if (audit_checkpoint(x->audit, stderr) < 0)
		rc = EX_IOERR;
	disconnect(&p);
	if (p.link_loaded)
		partner_link_free(&p.link);
	if (rc == 0 && cy->local_failed)
		rc = EX_IOERR;
	if (rc == 0 && (cy->connect_failed || cy->deferred))
		rc = EX_TEMPFAIL;
out:
	free(p.outgoing);
	free(p.incoming);
	free(p.quarantine);
	free(p.delivered);
	free(p.witness);
	free(p.cert);
	free(p.origin);
	parsed_forget(&p);
	return rc;
}
