/*
 * queue.c - the spool as operations see it (queue.h).
 */
#include "ops/queue.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/schedule.h"
#include "core/witness.h"
#include "io/cms.h"
#include "io/fs.h"
#include "util/alloc.h"

/* Files in a folder (not hidden, not a .p7s or .reason): count and oldest. */
static unsigned long count_files(const char *dir, time_t *oldest)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned long n = 0;

	*oldest = 0;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		size_t len = strlen(de->d_name);
		/* Files, not their signatures and reasons, nor unfinished drops. */
		if (spool_drop_unfinished(de->d_name) ||
		    (len > 4 && strcmp(de->d_name + len - 4, ".p7s") == 0) ||
		    (len > 7 && strcmp(de->d_name + len - 7, ".reason") == 0))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		n++;
		if (*oldest == 0 || st.st_mtime < *oldest)
			*oldest = st.st_mtime;
	}
	closedir(d);
	return n;
}

static struct partner_view *view_of(struct status *s, const char *name)
{
	for (size_t i = 0; i < s->np; i++)
		if (strcmp(s->p[i].name, name) == 0)
			return &s->p[i];
	return NULL;
}

static int add_late(void *ctx, const struct ledger_request *r)
{
	struct status *s = ctx;
	s->late = xreallocarray(s->late, s->nlate + 1, sizeof *s->late);
	s->late[s->nlate++] = *r;
	return 0;
}

static void gather(const struct setup *set, struct status *s)
{
	const struct ini_file *ini = set->conf.ini;
	time_t now = time(NULL);

	for (size_t i = 0; i < ini->nsections && s->np < 64; i++) {
		const char *sec = ini->sections[i].name;
		if (strncmp(sec, "partner ", 8) != 0)
			continue;
		struct partner_view *v = &s->p[s->np++];
		v->name = sec + 8;
		partner_state_load(s->spool, v->name, &v->st);
		struct schedule sch;
		const char *text = conf_value(&set->conf, sec, "schedule");
		if (schedule_parse(text ? text : "every 15m", &sch) == 0)
			v->next_fetch = schedule_next(&sch, v->st.last_fetch, now);
		/* Drops waiting, its TYPE folders included. */
		char *out = xasprintf("%s/outgoing/%s", s->spool, v->name);
		v->outgoing = count_files(out, &v->outgoing_oldest);
		DIR *d = opendir(out);
		struct dirent *de;
		while (d && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			char *sub = xasprintf("%s/%s", out, de->d_name);
			time_t old;
			struct stat st;
			if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
				v->outgoing += count_files(sub, &old);
				if (old && (v->outgoing_oldest == 0 || old < v->outgoing_oldest))
					v->outgoing_oldest = old;
			}
			free(sub);
		}
		if (d)
			closedir(d);
		free(out);
		char *q = xasprintf("%s/quarantine/%s", s->spool, v->name);
		v->bad_inbound = count_files(q, &v->bad_inbound_oldest);
		free(q);
		char *witness = xasprintf("%s/%s", s->witnesses, v->name);
		v->witness_held =
		    witness_held(witness, v->witness_reason, sizeof v->witness_reason);
		free(witness);
		if (v->witness_held) {
			time_t old;
			char *in = xasprintf("%s/incoming/%s", s->spool, v->name);
			v->incoming = count_files(in, &old);
			free(in);
		}
	}
	for (int st = 0; st < SPOOL_NSTATES; st++) {
		struct spool_entry *e = NULL;
		size_t n = 0;
		spool_list(s->spool, (enum spool_state)st, &e, &n);
		for (size_t i = 0; i < n; i++) {
			struct partner_view *v = view_of(s, e[i].partner);
			if (v) {
				v->t.count[st]++;
				time_t since = e[i].created;
				if (v->t.oldest[st] == 0 || since < v->t.oldest[st])
					v->t.oldest[st] = since;
			}
			bool overdue = st == SPOOL_SENT && now - e[i].sent >= s->receipt_timeout;
			if (st == SPOOL_HOLD || st == SPOOL_QUARANTINE || overdue) {
				s->attention = xreallocarray(s->attention, s->nattention + 1,
				                             sizeof *s->attention);
				s->attention[s->nattention] = e[i];
				if (overdue) {
					char d[32];
					duration_format((long)(now - e[i].sent), d, sizeof d);
					snprintf(s->attention[s->nattention].reason,
					         sizeof e[i].reason, "no receipt from %s after %s",
					         e[i].partner, d);
				}
				s->nattention++;
			}
		}
		free(e);
	}
	struct ledger_db *db = NULL;
	if (setup_ledger_open(set, false, &db) == 0 && db) {
		for (size_t i = 0; i < s->np; i++)
			casework_counts(db, s->p[i].name, &s->p[i].cw);
		struct ledger_filter f = {.direction = "out", .due_before = (long long)now};
		char why[256];
		ledger_requests(db, &f, add_late, s, why, sizeof why);
	}
	ledger_db_close(db);
	char *lock = xasprintf("%s/.run.lock", s->spool);
	int fd = fs_lock(lock);
	s->daemon = fd < 0 && errno == EWOULDBLOCK;
	if (fd >= 0)
		close(fd);
	free(lock);
}

int status_read(struct setup *set, struct status *s)
{
	memset(s, 0, sizeof *s);
	s->spool = conf_path(&set->conf, "gateway", "spool");
	if (s->spool == NULL) {
		fprintf(stderr, "%s: [gateway] has no spool\n", setup_conf_name(set));
		return EX_CONFIG;
	}
	s->receipt_timeout = exchange_duration(set, "receipt_timeout", 4 * 3600);
	s->witnesses = setup_db_path(set, "witness_dir", "witnesses");
	if (s->witnesses == NULL)
		s->witnesses = xstrdup("");
	gather(set, s);
	return 0;
}

void status_free(struct status *s)
{
	free(s->attention);
	free(s->late);
	free(s->spool);
	free(s->witnesses);
}

/* What needs a person besides the spool's entries: received files in
 * quarantine, overdue requests, answers that matched nothing. */
unsigned long status_problems(const struct status *s)
{
	unsigned long n = s->nlate;
	for (size_t i = 0; i < s->np; i++)
		n += s->p[i].bad_inbound + (unsigned long)s->p[i].cw.unmatched +
		     s->p[i].witness_held;
	return n;
}

/* The purge's audit entry, before anything is removed.  0 or -1 (said why). */
static int log_purge(const struct caller *who, struct setup *set, const struct spool_entry *e)
{
	struct audit *a = NULL;
	struct cms_signer *signer = NULL;
	int rc = -1;
	if (setup_audit_open(set, 1, true, &a, &signer) != 0)
		return -1;
	struct audit_entry ae = {0};
	audit_entry_set(&ae, "direction", "spool");
	audit_entry_set(&ae, "partner", e->partner);
	audit_entry_set(&ae, "family", e->family);
	audit_entry_set(&ae, "record_type", e->kind);
	audit_entry_set(&ae, "record_id", e->id);
	audit_entry_set(&ae, "decision", "purged");
	audit_entry_set(&ae, "file_sha256", e->sha256);
	audit_entry_set(&ae, "batch", e->batch);
	audit_entry_actor(&ae, who);
	if (audit_append(a, &ae, 1, stderr) == 0 && audit_checkpoint(a, stderr) == 0)
		rc = 0;
	audit_close(a);
	cms_signer_free(signer);
	return rc;
}

/* A released entry goes out again: the partner's earlier receipt (the
 * rejection it was held for) is kept beside it under another name, so
 * that it does not settle the entry again. */
static int set_receipt_aside(const char *spool, const struct spool_entry *e)
{
	char *path = spool_path(spool, e, "receipt.xml");
	int rc = 0;
	for (int n = 1; rc == 0 && access(path, F_OK) == 0 && n < 1000; n++) {
		char name[64];
		snprintf(name, sizeof name, "receipt-%d.xml", n);
		char *aside = spool_path(spool, e, name);
		if (access(aside, F_OK) != 0) {
			char *sig = signature_path(path), *aside_sig = signature_path(aside);
			if ((access(sig, F_OK) == 0 && fs_move(sig, aside_sig) < 0) ||
			    fs_move(path, aside) < 0)
				rc = -1;
			free(sig);
			free(aside_sig);
		}
		free(aside);
	}
	free(path);
	return rc;
}

/* hold, release, retry, purge: under the partner's lock, so never in the
 * middle of a cycle of csgw run. */
int queue_change(const struct caller *who, struct setup *set, const char *spool, const char *verb,
                 struct spool_entry *e, const char *reason, struct queue_moved *moved)
{
	int lock = -1, rc = 0;
	for (int tries = 0; tries < 100; tries++) {
		int r = setup_lock_partner(set, e->partner, &lock);
		if (r == 0)
			break;
		if (r != EX_TEMPFAIL)
			return r;
		usleep(100000);
	}
	if (lock < 0)
		return EX_TEMPFAIL;
	/* Read again under the lock: the daemon may have moved it. */
	char id[SPOOL_ID_MAX];
	snprintf(id, sizeof id, "%s", e->id);
	if (spool_find(spool, id, e) < 0) {
		fprintf(stderr, "csgw queue: %s: gone meanwhile\n", id);
		rc = EX_NOINPUT;
		goto out;
	}
	enum spool_state to = e->state;
	char *why = NULL;
	if (strcmp(verb, "hold") == 0) {
		if (e->state != SPOOL_ACTIVE && e->state != SPOOL_DEFERRED)
			goto wrong;
		to = SPOOL_HOLD;
		why =
		    xasprintf("held by an operator%s%s", reason ? ": " : "", reason ? reason : "");
	} else if (strcmp(verb, "release") == 0) {
		if (e->state != SPOOL_HOLD)
			goto wrong;
		if (set_receipt_aside(spool, e) < 0) {
			fprintf(stderr, "csgw queue: %s: cannot set its receipt aside: %s\n", e->id,
			        strerror(errno));
			rc = EX_IOERR;
			goto out;
		}
		to = SPOOL_ACTIVE;
		e->attempts = 0;
		e->next_attempt = 0;
		/* Counted afresh: a released entry is not held again at once. */
		e->created = time(NULL);
		why = xstrdup("");
	} else if (strcmp(verb, "retry") == 0) {
		if (e->state != SPOOL_DEFERRED)
			goto wrong;
		e->next_attempt = 0;
		to = SPOOL_ACTIVE;
		why = xstrdup("");
	} else { /* purge */
		if (e->state != SPOOL_DONE && e->state != SPOOL_HOLD &&
		    e->state != SPOOL_QUARANTINE)
			goto wrong;
		if (log_purge(who, set, e) < 0) {
			fprintf(stderr,
			        "csgw queue: %s: not purged: the audit log cannot take "
			        "the entry (above)\n",
			        e->id);
			rc = EX_IOERR;
			goto out;
		}
		if (spool_remove(spool, e) < 0) {
			fprintf(stderr, "csgw queue: %s: cannot remove: %s\n", e->id,
			        strerror(errno));
			rc = EX_IOERR;
		} else {
			*moved = (struct queue_moved){e->state, e->state, true};
		}
		goto out;
	}
	enum spool_state was = e->state;
	if (spool_move(spool, e, to, why) < 0) {
		fprintf(stderr, "csgw queue: %s: %s\n", e->id, strerror(errno));
		rc = EX_IOERR;
	} else {
		*moved = (struct queue_moved){was, to, false};
	}
	free(why);
	goto out;
wrong:
	fprintf(stderr, "csgw queue: %s is %s; %s applies to %s\n", e->id,
	        spool_state_name(e->state), verb,
	        strcmp(verb, "hold") == 0      ? "active or deferred entries"
	        : strcmp(verb, "release") == 0 ? "held entries"
	        : strcmp(verb, "retry") == 0   ? "deferred entries"
	                                       : "done, held or quarantined entries");
	rc = EX_DATAERR;
out:
	close(lock);
	return rc;
}
