/*
 * audit.c - the tamper-evident disclosure audit log.
 */
#include "core/audit.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/caller.h"
#include "core/merkle.h"
#include "core/roles.h"
#include "io/fs.h"
#include "util/alloc.h"
#include "util/thread.h"

struct audit {
	struct audit_config cfg;
	struct audit_db *db;
	struct merkle tree; /* as stored with the rows */
	char *witness_dir;  /* heads partners hold are verified too (audit_verify_witnesses) */
	bool snapshot;      /* a read transaction is open (audit_snapshot_begin) */
};

int audit_entry_set(struct audit_entry *e, const char *column, const char *value)
{
	for (int i = 0; i < AUDIT_DB_COLUMNS; i++) {
		if (strcmp(audit_db_columns[i], column) == 0) {
			e->value[i] = value;
			return 0;
		}
	}
	return -1;
}

void audit_entry_actor(struct audit_entry *e, const struct caller *who)
{
	snprintf(e->uid_text, sizeof e->uid_text, "%ld", who->uid);
	e->role_text[0] = '\0';
	if (who->person)
		roles_format(who->roles, " ", e->role_text, sizeof e->role_text);
	e->value[AUDIT_COL_ACTOR] = who->user;
	e->value[AUDIT_COL_ACTOR_UID] = e->uid_text;
	e->value[AUDIT_COL_ROLE] = e->role_text;
}

/* ---- base64 and hex, for the frontier and checkpoints ---- */

static void hex_of(const unsigned char *b, size_t n, char *out)
{
	digest_hex(b, (unsigned)n, out);
}

/* The frontier as text: "SIZE HEIGHT:HASH ...". */
static char *frontier_text(const struct merkle *m)
{
	size_t len = 32 + m->count * (8 + 2 * MERKLE_HASH);
	char *t = xmalloc(len);
	size_t o = (size_t)snprintf(t, len, "%" PRIu64, m->size);
	for (unsigned i = 0; i < m->count; i++) {
		char hex[2 * MERKLE_HASH + 1];
		hex_of(m->frontier[i], MERKLE_HASH, hex);
		o += (size_t)snprintf(t + o, len - o, " %u:%s", m->height[i], hex);
	}
	return t;
}

static int frontier_parse(const char *t, struct merkle *m)
{
	char *end;
	merkle_init(m);
	if (*t == '\0')
		return 0;
	m->size = strtoull(t, &end, 10);
	for (const char *p = end; *p == ' ' && m->count < 64;) {
		unsigned h;
		int used = 0;
		if (sscanf(p, " %u:%n", &h, &used) != 1 || strlen(p + used) < 2 * MERKLE_HASH ||
		    digest_unhex(p + used, m->frontier[m->count], MERKLE_HASH) < 0)
			return -1;
		m->height[m->count++] = h;
		p += used + 2 * MERKLE_HASH;
	}
	/* Perfect subtrees, largest first, that add up to the size. */
	uint64_t total = 0;
	for (unsigned i = 0; i < m->count; i++) {
		if (m->height[i] > 62 || (i > 0 && m->height[i] >= m->height[i - 1]))
			return -1;
		total += (uint64_t)1 << m->height[i];
	}
	return total == m->size ? 0 : -1;
}

/* The text of one entry after another, in one buffer that only grows: no
 * allocation per entry on append and on verify. */
struct text_buf {
	char *p;
	size_t cap;
};

/* "key=value\n" for each key that is not NULL, into b (valid until its next
 * use).  Built with memcpy: this runs once or twice per entry. */
static const char *lines_text(struct text_buf *b, const char *const key[],
                              const char *const value[], int n, size_t *len)
{
	size_t klen[AUDIT_DB_COLUMNS], vlen[AUDIT_DB_COLUMNS], total = 0;
	for (int i = 0; i < n; i++) {
		klen[i] = key[i] ? strlen(key[i]) : 0;
		vlen[i] = key[i] && value[i] ? strlen(value[i]) : 0;
		total += key[i] ? klen[i] + vlen[i] + 2 : 0;
	}
	if (total + 1 > b->cap) {
		b->cap = 2 * (total + 1);
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	char *p = b->p;
	for (int i = 0; i < n; i++) {
		if (key[i] == NULL)
			continue;
		memcpy(p, key[i], klen[i]);
		p += klen[i];
		*p++ = '=';
		if (vlen[i])
			memcpy(p, value[i], vlen[i]);
		p += vlen[i];
		*p++ = '\n';
	}
	*p = '\0';
	*len = total;
	return b->p;
}

/* The canonical text of an entry: "column=value\n" for each column the
 * leaf covers (the later ones only when set: AUDIT_DB_OPTIONAL_FROM). */
static const char *entry_text(struct text_buf *b, const char *const v[AUDIT_DB_COLUMNS],
                              size_t *len)
{
	const char *key[AUDIT_DB_LEAF_COLUMNS];
	for (int i = 0; i < AUDIT_DB_LEAF_COLUMNS; i++)
		key[i] = i >= AUDIT_DB_OPTIONAL_FROM && (v[i] == NULL || v[i][0] == '\0')
		             ? NULL
		             : audit_db_columns[i];
	return lines_text(b, key, v, AUDIT_DB_LEAF_COLUMNS, len);
}

/* The personal columns: they can be cleared after their retention period
 * (csgw purge) and the entry still verifies, because its leaf covers a
 * salted hash of them instead of their values.  The salt goes with them,
 * so what was cleared cannot be guessed back from the hash. */
static const int personal_columns[] = {AUDIT_COL_RECORD_ID, AUDIT_COL_CASE_ID,
                                       AUDIT_COL_SUBJECT_KEY};
#define SALT_BYTES 16

/* "salt=SALT\nrecord_id=...\ncase_id=...\nsubject_key=...\n": what the
 * personal hash is the SHA-256 of. */
static const char *personal_text(struct text_buf *b, const char *const v[AUDIT_DB_COLUMNS],
                                 size_t *len)
{
	const char *key[] = {"salt", audit_db_columns[AUDIT_COL_RECORD_ID],
	                     audit_db_columns[AUDIT_COL_CASE_ID],
	                     audit_db_columns[AUDIT_COL_SUBJECT_KEY]};
	const char *value[] = {v[AUDIT_COL_SALT], v[AUDIT_COL_RECORD_ID], v[AUDIT_COL_CASE_ID],
	                       v[AUDIT_COL_SUBJECT_KEY]};
	return lines_text(b, key, value, 4, len);
}

static void personal_hash(struct text_buf *b, const char *const v[AUDIT_DB_COLUMNS],
                          char hex[2 * MERKLE_HASH + 1])
{
	unsigned char md[MERKLE_HASH];
	size_t len;
	const char *text = personal_text(b, v, &len);
	digest_sha256_buf(text, len, md);
	hex_of(md, MERKLE_HASH, hex);
}

/* The text an entry's leaf is the hash of: with a personal hash, the
 * personal columns are left out of it (the hash stands for them). */
static const char *leaf_text(struct text_buf *b, const char *const v[AUDIT_DB_COLUMNS], size_t *len)
{
	if (v[AUDIT_COL_PERSONAL][0] == '\0') /* written before the hash existed */
		return entry_text(b, v, len);
	const char *w[AUDIT_DB_COLUMNS];
	memcpy(w, v, sizeof w);
	for (size_t i = 0; i < sizeof personal_columns / sizeof *personal_columns; i++)
		w[personal_columns[i]] = "";
	return entry_text(b, w, len);
}

/* The leaf hash of an entry, its text built in b. */
static void entry_leaf(struct text_buf *b, const char *const v[AUDIT_DB_COLUMNS],
                       unsigned char leaf[MERKLE_HASH])
{
	size_t len;
	const char *text = leaf_text(b, v, &len);
	merkle_leaf_hash(text, len, leaf);
}

/* Why an entry's personal columns do not agree with its hash, or NULL. */
static const char *personal_problem(struct text_buf *b, const char *const v[AUDIT_DB_COLUMNS])
{
	char want[2 * MERKLE_HASH + 1];
	if (v[AUDIT_COL_PERSONAL][0] == '\0')
		return v[AUDIT_COL_PURGED][0] ? "is marked purged, but its leaf covers its "
		                                "personal columns"
		                              : NULL;
	if (v[AUDIT_COL_PURGED][0]) {
		for (size_t i = 0; i < sizeof personal_columns / sizeof *personal_columns; i++)
			if (v[personal_columns[i]][0])
				return "holds personal columns again after they were purged";
		return v[AUDIT_COL_SALT][0] ? "kept its salt after it was purged" : NULL;
	}
	personal_hash(b, v, want);
	return strcmp(want, v[AUDIT_COL_PERSONAL]) == 0
	           ? NULL
	           : "has personal columns that differ from those it was written with";
}

int audit_open(const struct audit_config *cfg, int create, struct audit **out, FILE *err)
{
	struct audit *a = xcalloc(1, sizeof *a);
	char why[1024];
	char *text = NULL;

	/* Own copies: the caller's strings may go. */
	a->cfg = *cfg;
	a->cfg.db_path = xstrdup(cfg->db_path);
	a->cfg.checkpoint_dir = xstrdup(cfg->checkpoint_dir);
	a->cfg.origin = xstrdup(cfg->origin);
	a->cfg.cert_path = cfg->cert_path ? xstrdup(cfg->cert_path) : NULL;
	if (audit_db_open(cfg->db_path, create, &a->db, why, sizeof why) < 0 ||
	    audit_db_get_frontier(a->db, &text, why, sizeof why) < 0) {
		fprintf(err, "csgw: %s\n", why);
		goto fail;
	}
	if (frontier_parse(text, &a->tree) < 0) {
		fprintf(err, "csgw: %s: the stored tree head is damaged; run csgw audit verify\n",
		        cfg->db_path);
		goto fail;
	}
	free(text);
	*out = a;
	return 0;
fail:
	free(text);
	audit_close(a);
	return -1;
}

void audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	audit_db_close(a->db);
	free((char *)a->cfg.db_path);
	free((char *)a->cfg.checkpoint_dir);
	free((char *)a->cfg.origin);
	free((char *)a->cfg.cert_path);
	free(a->witness_dir);
	free(a);
}

static const char *line_end_in(const struct audit_entry *e)
{
	for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
		if (e->value[i] && strpbrk(e->value[i], "\r\n"))
			return audit_db_columns[i];
	return NULL;
}

/* Appending is two jobs on two cores: building each entry (its texts,
 * salt, personal hash, leaf and place in the tree, in order) on a helper
 * thread, and storing it on this one, which owns the database connection.
 * They hand each other blocks of entries, so that they meet once per
 * block, not once per entry. */
#define BLOCK_ENTRIES 256
#define BLOCKS 4

struct built_entry {
	size_t at[AUDIT_DB_COLUMNS]; /* each value's offset in its block's text */
	unsigned char leaf[MERKLE_HASH];
};

struct block {
	char *text; /* the entries' values, each ending in a NUL */
	size_t len, cap;
	struct built_entry e[BLOCK_ENTRIES];
	size_t n;
	bool last; /* the builder's last block (it may hold no entry) */
};

struct append_job {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct block blocks[BLOCKS];
	uint64_t built, stored; /* blocks handed over, blocks stored: the next is [n % BLOCKS] */
	bool stop;              /* the storer failed: build no more */
	/* The builder's own. */
	audit_next_fn *next;
	void *ctx;
	struct merkle tree;
	const char *now, *uid, *role;
	const struct caller *who;
	bool failed;
	char why[1024];
};

static void block_add(struct block *b, const char *value, size_t *at)
{
	size_t n = strlen(value) + 1;
	if (b->len + n > b->cap) {
		b->cap = 2 * (b->len + n) + 4096;
		b->text = xreallocarray(b->text, b->cap, 1);
	}
	memcpy(b->text + b->len, value, n);
	*at = b->len;
	b->len += n;
}

/* What building entries needs from one entry to the next. */
struct builder {
	struct text_buf buf; /* each entry's texts, in turn */
	/* Each entry's salt, drawn for many entries at a time (a call to the
	 * generator costs more than the bytes). */
	unsigned char salts[64 * SALT_BYTES];
	size_t salts_used;
};

/* Builds entries into b until it is full or there are no more; false when
 * that failed (j->why says why). */
static bool build_block(struct append_job *j, struct block *b, struct builder *bd)
{
	struct audit_entry e;
	int more;

	b->n = b->len = 0;
	b->last = false;
	while (b->n < BLOCK_ENTRIES) {
		if ((more = j->next(j->ctx, &e)) <= 0) {
			b->last = true;
			if (more < 0)
				snprintf(j->why, sizeof j->why, "the entries could not be read");
			return more == 0;
		}
		const char *v[AUDIT_DB_COLUMNS], *bad = line_end_in(&e);
		struct built_entry *be = &b->e[b->n];
		if (bad) {
			snprintf(j->why, sizeof j->why, "audit entry: %s holds a line end", bad);
			b->last = true;
			return false;
		}
		for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
			v[i] = e.value[i] ? e.value[i] : "";
		if (v[0][0] == '\0')
			v[0] = j->now;
		if (v[AUDIT_COL_ACTOR][0] == '\0')
			v[AUDIT_COL_ACTOR] = j->who->user;
		if (v[AUDIT_COL_ACTOR_UID][0] == '\0' &&
		    strcmp(v[AUDIT_COL_ACTOR], j->who->user) == 0) {
			v[AUDIT_COL_ACTOR_UID] = j->uid;
			if (v[AUDIT_COL_ROLE][0] == '\0')
				v[AUDIT_COL_ROLE] = j->role;
		}
		char salt_hex[2 * SALT_BYTES + 1], personal[2 * MERKLE_HASH + 1];
		if (bd->salts_used == sizeof bd->salts) {
			if (digest_random(bd->salts, sizeof bd->salts) < 0) {
				snprintf(j->why, sizeof j->why,
				         "no random bytes for the entries' salts");
				b->last = true;
				return false;
			}
			bd->salts_used = 0;
		}
		hex_of(bd->salts + bd->salts_used, SALT_BYTES, salt_hex);
		bd->salts_used += SALT_BYTES;
		v[AUDIT_COL_SALT] = salt_hex;
		v[AUDIT_COL_PURGED] = "";
		personal_hash(&bd->buf, v, personal);
		v[AUDIT_COL_PERSONAL] = personal;
		entry_leaf(&bd->buf, v, be->leaf);
		for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
			block_add(b, v[i], &be->at[i]);
		merkle_append(&j->tree, be->leaf);
		b->n++;
	}
	return true;
}

static void *build_entries(void *arg)
{
	struct append_job *j = arg;
	struct builder bd = {.salts_used = sizeof bd.salts}; /* none drawn yet */
	bool last = false;

	while (!last) {
		pthread_mutex_lock(&j->lock);
		while (j->built - j->stored == BLOCKS && !j->stop)
			pthread_cond_wait(&j->changed, &j->lock);
		bool stop = j->stop;
		pthread_mutex_unlock(&j->lock);
		if (stop)
			break;
		struct block *b = &j->blocks[j->built % BLOCKS];
		if (!build_block(j, b, &bd))
			j->failed = true;
		last = b->last;
		pthread_mutex_lock(&j->lock);
		j->built++;
		pthread_cond_broadcast(&j->changed);
		pthread_mutex_unlock(&j->lock);
	}
	free(bd.buf.p);
	return NULL;
}

/* Stores a block's entries; false (why said) when the database refused
 * one or its ids are not the tree's.  *size: the entries before it, then
 * after it. */
static bool store_block(struct audit *a, const struct block *b, uint64_t *size, char *why,
                        size_t whylen)
{
	for (size_t k = 0; k < b->n; k++) {
		const char *v[AUDIT_DB_COLUMNS];
		int64_t id;
		for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
			v[i] = b->text + b->e[k].at[i];
		if (audit_db_append(a->db, v, b->e[k].leaf, &id, why, whylen) < 0)
			return false;
		if ((uint64_t)id != ++*size) {
			snprintf(why, whylen,
			         "%s: entry %" PRId64 " follows %" PRIu64
			         " entries: the log is damaged; run csgw audit verify",
			         a->cfg.db_path, id, *size - 1);
			return false;
		}
	}
	return true;
}

/* Stores the blocks the builder hands over, in order, until its last;
 * false (why said) when one could not be: the builder is then told to
 * stop. */
static bool store_entries(struct audit *a, struct append_job *j, uint64_t size, char *why,
                          size_t whylen)
{
	for (;;) {
		pthread_mutex_lock(&j->lock);
		while (j->built == j->stored)
			pthread_cond_wait(&j->changed, &j->lock);
		pthread_mutex_unlock(&j->lock);
		struct block *b = &j->blocks[j->stored % BLOCKS];
		bool ok = store_block(a, b, &size, why, whylen);
		bool last = b->last;
		pthread_mutex_lock(&j->lock);
		j->stored++;
		j->stop = !ok;
		pthread_cond_broadcast(&j->changed);
		pthread_mutex_unlock(&j->lock);
		if (!ok)
			return false;
		if (last)
			return true;
	}
}

/* Both jobs on this thread, a block at a time: when no thread can be
 * started, entries are still logged (a file is delivered only with its
 * entry). */
static bool build_and_store(struct audit *a, struct append_job *j, uint64_t size, char *why,
                            size_t whylen)
{
	struct builder bd = {.salts_used = sizeof bd.salts}; /* none drawn yet */
	bool ok = true, last = false;

	while (ok && !last) {
		struct block *b = &j->blocks[0];
		if (!build_block(j, b, &bd))
			j->failed = true;
		ok = store_block(a, b, &size, why, whylen);
		last = b->last;
	}
	free(bd.buf.p);
	return ok;
}

int audit_append_each(struct audit *a, audit_next_fn *next, void *ctx, FILE *err)
{
	char why[1024], now[32];
	struct append_job j = {.next = next, .ctx = ctx, .tree = a->tree};
	time_t t = time(NULL);
	bool began = false;

	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (audit_db_begin(a->db, why, sizeof why) < 0)
		goto fail;
	began = true;
	/* Another process (csgw run beside a command) may have appended since
	 * this one opened the log: the tree head is read again under the
	 * write lock. */
	char *head = NULL;
	int got = audit_db_get_frontier(a->db, &head, why, sizeof why);
	if (got == 0 && frontier_parse(head, &j.tree) < 0) {
		snprintf(why, sizeof why,
		         "%s: the stored tree head is damaged; run csgw audit verify",
		         a->cfg.db_path);
		got = -1;
	}
	free(head);
	if (got < 0)
		goto fail;
	/* Who acted: the person the command runs for (core/caller.h). */
	char uid[24], role[64] = "";
	j.who = caller_get();
	snprintf(uid, sizeof uid, "%ld", j.who->uid);
	if (j.who->person)
		roles_format(j.who->roles, " ", role, sizeof role);
	j.now = now;
	j.uid = uid;
	j.role = role;
	pthread_t builder;
	uint64_t size = j.tree.size;
	pthread_mutex_init(&j.lock, NULL);
	pthread_cond_init(&j.changed, NULL);
	bool stored;
	if (thread_start(&builder, build_entries, &j) != 0)
		stored = build_and_store(a, &j, size, why, sizeof why);
	else {
		stored = store_entries(a, &j, size, why, sizeof why);
		pthread_join(builder, NULL);
	}
	pthread_cond_destroy(&j.changed);
	pthread_mutex_destroy(&j.lock);
	for (int i = 0; i < BLOCKS; i++)
		free(j.blocks[i].text);
	if (!stored)
		goto fail;
	if (j.failed) {
		snprintf(why, sizeof why, "%s", j.why);
		goto fail;
	}
	char *text = frontier_text(&j.tree);
	int rc = audit_db_set_frontier(a->db, text, why, sizeof why);
	free(text);
	if (rc < 0 || audit_db_commit(a->db, why, sizeof why) < 0)
		goto fail;
	a->tree = j.tree;
	return 0;
fail:
	if (began)
		audit_db_rollback(a->db);
	fprintf(err, "csgw: %s; nothing recorded\n", why);
	return -1;
}

struct array_entries {
	const struct audit_entry *entries;
	size_t count, next;
};

static int next_of_array(void *ctx, struct audit_entry *e)
{
	struct array_entries *a = ctx;
	if (a->next == a->count)
		return 0;
	*e = a->entries[a->next++];
	return 1;
}

int audit_append(struct audit *a, const struct audit_entry *entries, size_t count, FILE *err)
{
	struct array_entries arr = {entries, count, 0};
	return audit_append_each(a, next_of_array, &arr, err);
}

struct checkpoint {
	char *file;
	uint64_t size;
	unsigned char root[MERKLE_HASH];
	bool witnessed; /* a head of our log a partner holds (witness_dir) */
};

/* How a message names a checkpoint. */
static const char *held_by(const struct checkpoint *cp)
{
	return cp->witnessed ? "the head a partner holds, " : "the signed checkpoint ";
}

static int read_checkpoint(const struct audit *a, const char *path, struct checkpoint *cp,
                           char *why, size_t whylen);

static char *checkpoint_path(const struct audit *a, uint64_t size)
{
	return xasprintf("%s/%020" PRIu64 ".checkpoint", a->cfg.checkpoint_dir, size);
}

/* The note's body, the part that is signed: origin, size, root. */
static char *checkpoint_body(const char *origin, uint64_t size,
                             const unsigned char root[MERKLE_HASH])
{
	char b64[64];
	digest_base64(root, MERKLE_HASH, b64);
	return xasprintf("%s\n%" PRIu64 "\n%s\n", origin, size, b64);
}

int audit_checkpoint(struct audit *a, FILE *err)
{
	unsigned char root[MERKLE_HASH], id[4], *sig = NULL;
	size_t siglen = 0;
	char why[1024];
	int rc = -1;

	if (a->tree.size == 0)
		return 0;
	char *path = checkpoint_path(a, a->tree.size);
	merkle_root(&a->tree, root);
	if (access(path, F_OK) == 0) {
		/* Signed already, if it is really ours for this root: a file put
		 * there must not stop checkpoints. */
		struct checkpoint cp = {0};
		int ok = read_checkpoint(a, path, &cp, why, sizeof why) == 0 &&
		         cp.size == a->tree.size && memcmp(cp.root, root, MERKLE_HASH) == 0;
		free(cp.file);
		if (!ok)
			fprintf(
			    err,
			    "csgw: %s is not this log's checkpoint (%s); remove it after looking "
			    "at it, then run csgw audit checkpoint\n",
			    path, why);
		free(path);
		return ok ? 0 : -1;
	}
	char *body = checkpoint_body(a->cfg.origin, a->tree.size, root);
	if (a->cfg.signer == NULL || a->cfg.cert_path == NULL ||
	    cms_signer_key_id(a->cfg.signer, id) < 0 ||
	    cms_sign_bytes(a->cfg.signer, body, strlen(body), &sig, &siglen, why, sizeof why) < 0) {
		fprintf(err, "csgw: cannot sign an audit checkpoint: %s\n",
		        a->cfg.signer ? why : "no signing key");
		goto out;
	}
	unsigned char *blob = xmalloc(4 + siglen);
	memcpy(blob, id, 4);
	memcpy(blob + 4, sig, siglen);
	char *b64 = xmalloc(4 * ((4 + siglen + 2) / 3) + 1);
	digest_base64(blob, 4 + siglen, b64);
	/* C2SP signed note: the body, a blank line, "— NAME SIGNATURE". */
	char *note = xasprintf("%s\n\u2014 %s %s\n", body, a->cfg.origin, b64);
	struct out_file of;
	fs_make_dir(a->cfg.checkpoint_dir);
	if (out_open(&of, path) == 0) {
		out_write(&of, note, strlen(note));
		rc = out_commit(&of);
	}
	if (rc < 0)
		fprintf(err, "csgw: %s: cannot write the checkpoint: %s\n", path, strerror(errno));
	free(note);
	free(b64);
	free(blob);
out:
	free(sig);
	free(body);
	free(path);
	return rc;
}

/* ---- verification ---- */

static int by_size(const void *x, const void *y)
{
	const struct checkpoint *a = x, *b = y;
	return a->size < b->size ? -1 : a->size > b->size;
}

/* Checks a checkpoint note held in 'text' (changed in place): its origin
 * ('want_origin', or any when NULL), and its signature by the certificate
 * in cert_path.  'name' is for messages.  0, or -1 with the reason. */
static int check_checkpoint(char *text, const char *name, const char *want_origin,
                            const char *cert_path, struct checkpoint *cp, char *why, size_t whylen)
{
	char origin[512], b64root[128], sigline[2048], prefix[600];
	unsigned char blob[1024], id[4];

	char *blank = strstr(text, "\n\n");
	if (blank == NULL ||
	    sscanf(text, "%511[^\n]\n%" SCNu64 "\n%127[^\n]\n", origin, &cp->size, b64root) != 3) {
		snprintf(why, whylen, "%s: not a checkpoint note", name);
		return -1;
	}
	blank[1] = '\0'; /* the signed body ends with its last line end */
	char *sig_text = blank + 2;
	snprintf(prefix, sizeof prefix, "\u2014 %s ", origin);
	if ((want_origin && strcmp(origin, want_origin) != 0) ||
	    strncmp(sig_text, prefix, strlen(prefix)) != 0 ||
	    sscanf(sig_text + strlen(prefix), "%2047s", sigline) != 1) {
		snprintf(why, whylen, "%s: not a checkpoint of %s", name,
		         want_origin ? want_origin : origin);
		return -1;
	}
	/* One signature line, then the end of the note: nothing after it. */
	if (strcmp(sig_text + strlen(prefix) + strlen(sigline), "\n") != 0) {
		snprintf(why, whylen,
		         "%s: not a checkpoint note: something after its one signature line", name);
		return -1;
	}
	long blen = digest_unbase64(sigline, blob, sizeof blob);
	if (digest_unbase64(b64root, cp->root, MERKLE_HASH) != MERKLE_HASH) {
		snprintf(why, whylen, "%s: its root is not a SHA-256", name);
		return -1;
	}
	/* Exactly the three lines we would write, nothing looser. */
	char *canonical = checkpoint_body(origin, cp->size, cp->root);
	int same = strcmp(canonical, text) == 0;
	free(canonical);
	if (!same) {
		snprintf(why, whylen, "%s: not a checkpoint note in canonical form", name);
		return -1;
	}
	if (blen < 5) {
		snprintf(why, whylen, "%s: its signature is not a key id and a signature", name);
		return -1;
	}
	if (cert_path == NULL) { /* our own copy, read for its form (audit_head_check) */
		cp->file = xstrdup(name);
		return 0;
	}
	if (cms_cert_key_id(cert_path, id, why, whylen) < 0 || memcmp(blob, id, 4) != 0) {
		snprintf(why, whylen, "%s: its root or signer is not ours", name);
		return -1;
	}
	if (cms_verify_bytes(cert_path, text, strlen(text), blob + 4, (size_t)blen - 4, why,
	                     whylen) < 0) {
		char inner[600];
		snprintf(inner, sizeof inner, "%.500s", why);
		snprintf(why, whylen, "%s: bad signature (%s)", name, inner);
		return -1;
	}
	cp->file = xstrdup(name);
	return 0;
}

/* A whole small file (a checkpoint, a proof) into buf; -1 if too big. */
static int read_small(const char *path, char *buf, size_t size, char *why, size_t whylen)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t n = fread(buf, 1, size - 1, f);
	int more = fgetc(f) != EOF;
	fclose(f);
	buf[n] = '\0';
	if (more) {
		snprintf(why, whylen, "%s: larger than %zu bytes", path, size - 1);
		return -1;
	}
	return 0;
}

static int read_checkpoint(const struct audit *a, const char *path, struct checkpoint *cp,
                           char *why, size_t whylen)
{
	char text[4096];
	if (read_small(path, text, sizeof text, why, whylen) < 0)
		return -1;
	return check_checkpoint(text, path, a->cfg.origin, a->cfg.cert_path, cp, why, whylen);
}

/* A purged entry names the purge entry that cleared it; that entry says
 * which entries it cleared ("audit entries before TIME"), so personal
 * columns blanked by hand, on an entry younger than any purge allowed,
 * do not pass for purged. */
#define PURGE_CUTOFF_SAYS "audit entries before "
struct purge_claim {
	uint64_t by;         /* the purge entry's id */
	char cutoff[32];     /* what it said, once seen ("" before) */
	bool seen;           /* the purge entry itself was read */
	char youngest[32];   /* the youngest entry it is said to have cleared */
	int64_t youngest_id; /* and its id */
};

struct verify_state {
	struct merkle tree;
	struct checkpoint *cps;
	size_t ncps, next;
	FILE *err;
	const char *db;
	uint64_t purged;            /* entries whose personal columns were purged */
	struct purge_claim *claims; /* what purge entries allowed, and what used it */
	size_t nclaims;
	struct text_buf text; /* each entry's, in turn */
	int bad;
};

static struct purge_claim *claim_of(struct verify_state *v, uint64_t by)
{
	for (size_t i = 0; i < v->nclaims; i++)
		if (v->claims[i].by == by)
			return &v->claims[i];
	v->claims = xreallocarray(v->claims, v->nclaims + 1, sizeof *v->claims);
	v->claims[v->nclaims] = (struct purge_claim){.by = by};
	return &v->claims[v->nclaims++];
}

/* A purged entry: the purge that cleared it comes later in the log. */
static bool purge_claimed(struct verify_state *v, int64_t id,
                          const char *const values[AUDIT_DB_COLUMNS])
{
	char *end;
	unsigned long long by = strtoull(values[AUDIT_COL_PURGED], &end, 10);
	if (*end != '\0' || by <= (unsigned long long)id) {
		fprintf(v->err,
		        "%s: entry %" PRId64 " is marked purged by '%s', which is no later "
		        "entry: its personal columns were cleared by hand\n",
		        v->db, id, values[AUDIT_COL_PURGED]);
		return false;
	}
	struct purge_claim *c = claim_of(v, by);
	if (strcmp(values[AUDIT_COL_TIME], c->youngest) > 0) {
		snprintf(c->youngest, sizeof c->youngest, "%s", values[AUDIT_COL_TIME]);
		c->youngest_id = id;
	}
	v->purged++;
	return true;
}

static void purge_seen(struct verify_state *v, uint64_t id, const char *detail)
{
	const char *says = strstr(detail, PURGE_CUTOFF_SAYS);
	struct purge_claim *c = claim_of(v, id);
	c->seen = true;
	if (says)
		snprintf(c->cutoff, sizeof c->cutoff, "%.20s", says + strlen(PURGE_CUTOFF_SAYS));
}

/* Every purged entry is older than what the purge that cleared it said. */
static bool purges_hold(struct verify_state *v)
{
	for (size_t i = 0; i < v->nclaims; i++) {
		const struct purge_claim *c = &v->claims[i];
		if (c->youngest_id == 0)
			continue; /* a purge that cleared nothing */
		if (!c->seen || c->cutoff[0] == '\0' || strcmp(c->youngest, c->cutoff) >= 0) {
			fprintf(v->err,
			        "%s: entry %" PRId64 " (of %s) is marked purged by entry %" PRIu64
			        ", which %s: its personal columns were cleared by hand\n",
			        v->db, c->youngest_id, c->youngest, c->by,
			        !c->seen               ? "is not a purge"
			        : c->cutoff[0] == '\0' ? "does not say which entries it cleared"
			                               : "cleared only older entries");
			return false;
		}
	}
	return true;
}

static int verify_row(void *ctx, int64_t id, const char *const values[AUDIT_DB_COLUMNS],
                      const unsigned char *leaf, size_t leaf_len)
{
	struct verify_state *v = ctx;
	unsigned char want[MERKLE_HASH], root[MERKLE_HASH];

	if ((uint64_t)id != v->tree.size + 1) {
		fprintf(v->err,
		        "%s: entry %" PRIu64 " is missing (the next row is %" PRId64
		        "): rows were deleted or renumbered\n",
		        v->db, v->tree.size + 1, id);
		return v->bad = 1;
	}
	const char *personal = personal_problem(&v->text, values);
	if (personal) {
		fprintf(v->err, "%s: entry %" PRId64 " %s\n", v->db, id, personal);
		return v->bad = 1;
	}
	if (values[AUDIT_COL_PURGED][0] && !purge_claimed(v, id, values))
		return v->bad = 1;
	if (strcmp(values[AUDIT_COL_DECISION], "purge") == 0)
		purge_seen(v, (uint64_t)id, values[AUDIT_COL_DETAIL]);
	entry_leaf(&v->text, values, want);
	if (leaf_len != MERKLE_HASH || memcmp(leaf, want, MERKLE_HASH) != 0) {
		fprintf(v->err, "%s: entry %" PRId64 " was changed after it was written\n", v->db,
		        id);
		return v->bad = 1;
	}
	merkle_append(&v->tree, want);
	while (v->next < v->ncps && v->cps[v->next].size == v->tree.size) {
		merkle_root(&v->tree, root);
		if (memcmp(root, v->cps[v->next].root, MERKLE_HASH) != 0) {
			fprintf(
			    v->err,
			    "%s: entries 1 to %" PRIu64 " do not match %s%s: entries were changed, "
			    "reordered or replaced\n",
			    v->db, v->tree.size, held_by(&v->cps[v->next]), v->cps[v->next].file);
			return v->bad = 1;
		}
		v->next++;
	}
	return 0;
}

static void free_checkpoints(struct checkpoint *cps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cps[i].file);
	free(cps);
}

/* Every checkpoint of 'dir', each checked, added to *cps: 0, 1 after
 * printing the first that is not good, -1 when the folder cannot be read. */
static int load_folder(const struct audit *a, const char *dir, bool witnessed,
                       struct checkpoint **cps, size_t *n, FILE *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char why[1024];

	if (d == NULL) {
		/* None yet; or a stray file where a partner's folder would be. */
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		fprintf(err, "csgw: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 12 || strcmp(de->d_name + len - 11, ".checkpoint") != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name);
		*cps = xreallocarray(*cps, *n + 1, sizeof **cps);
		int rc = read_checkpoint(a, path, &(*cps)[*n], why, sizeof why);
		char *expected = rc == 0 ? checkpoint_path(a, (*cps)[*n].size) : NULL;
		if (rc == 0 && strcmp(strrchr(expected, '/') + 1, de->d_name) != 0) {
			snprintf(why, sizeof why,
			         "%s: signed for size %" PRIu64 ", named for another", path,
			         (*cps)[*n].size);
			free((*cps)[*n].file);
			rc = -1;
		}
		free(expected);
		free(path);
		if (rc < 0) {
			fprintf(err, "%s\n", why);
			closedir(d);
			return 1;
		}
		(*cps)[(*n)++].witnessed = witnessed;
	}
	closedir(d);
	return 0;
}

/* The heads of our log partners echoed: witness_dir/PARTNER/ours/. */
static int load_witnessed(const struct audit *a, struct checkpoint **cps, size_t *n, FILE *err)
{
	DIR *d = opendir(a->witness_dir);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		fprintf(err, "csgw: %s: %s\n", a->witness_dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *dir = xasprintf("%s/%s/ours", a->witness_dir, de->d_name);
		rc = load_folder(a, dir, true, cps, n, err);
		free(dir);
	}
	closedir(d);
	return rc;
}

/* Every checkpoint of the folder (and, when asked, every head partners
 * hold), each checked, sorted by size; *witnessed counts the latter. */
static int load_checkpoints(const struct audit *a, struct checkpoint **out, size_t *count,
                            size_t *witnessed, FILE *err)
{
	struct checkpoint *cps = NULL;
	size_t n = 0;

	*out = NULL;
	*count = 0;
	if (witnessed)
		*witnessed = 0;
	if (a->cfg.cert_path == NULL) /* nothing to check them with */
		return 0;
	int rc = load_folder(a, a->cfg.checkpoint_dir, false, &cps, &n, err);
	size_t own = n;
	if (rc == 0 && witnessed && a->witness_dir)
		rc = load_witnessed(a, &cps, &n, err);
	if (rc != 0) {
		free_checkpoints(cps, n);
		return rc;
	}
	if (witnessed)
		*witnessed = n - own;
	if (n > 1)
		qsort(cps, n, sizeof *cps, by_size);
	*out = cps;
	*count = n;
	return 0;
}

int audit_verify_state(struct audit *a, struct audit_state *st, FILE *err)
{
	struct verify_state v = {.err = err, .db = a->cfg.db_path};
	unsigned char root[MERKLE_HASH], stored[MERKLE_HASH];
	char why[1024];
	size_t witnessed = 0;
	int rc = load_checkpoints(a, &v.cps, &v.ncps, &witnessed, err);

	if (rc != 0)
		return rc;
	merkle_init(&v.tree);
	/* The rows and the stored tree head of one moment: csgw run may be
	 * appending meanwhile. */
	struct merkle head;
	char *text = NULL;
	if (!a->snapshot && audit_db_begin_read(a->db, why, sizeof why) < 0) {
		fprintf(err, "csgw: %s\n", why);
		free_checkpoints(v.cps, v.ncps);
		return -1;
	}
	int scan = audit_db_scan(a->db, verify_row, &v, why, sizeof why);
	int got = scan == 0 ? audit_db_get_frontier(a->db, &text, why, sizeof why) : 0;
	if (!a->snapshot)
		audit_db_rollback(a->db);
	if (got < 0) {
		fprintf(err, "csgw: %s\n", why);
		rc = -1;
		goto out;
	}
	if (scan == 0 && frontier_parse(text, &head) < 0) {
		fprintf(err, "%s: the stored tree head is damaged\n", a->cfg.db_path);
		rc = 1;
		goto out;
	}
	if (scan == AUDIT_DB_TAMPERED) {
		fprintf(err, "%s\n", why);
		rc = 1;
		goto out;
	}
	if (scan < 0 && !v.bad) {
		fprintf(err, "csgw: %s\n", why);
		rc = -1;
		goto out;
	}
	if (v.bad || !purges_hold(&v)) {
		rc = 1;
		goto out;
	}
	if (v.next < v.ncps) {
		fprintf(err,
		        "%s: the log has %" PRIu64 " entries, but %s%s was signed at %" PRIu64
		        ": entries were deleted, or this is an older copy of the database\n",
		        a->cfg.db_path, v.tree.size, held_by(&v.cps[v.next]), v.cps[v.next].file,
		        v.cps[v.next].size);
		rc = 1;
		goto out;
	}
	merkle_root(&v.tree, root);
	merkle_root(&head, stored);
	if (head.size != v.tree.size || memcmp(root, stored, MERKLE_HASH) != 0) {
		fprintf(err, "%s: the stored tree head does not match the entries\n",
		        a->cfg.db_path);
		rc = 1;
		goto out;
	}
	memset(st, 0, sizeof *st);
	st->entries = v.tree.size;
	st->purged = v.purged;
	hex_of(root, MERKLE_HASH, st->root);
	st->checkpoints = v.ncps - witnessed;
	st->witnessed = witnessed;
	const struct checkpoint *latest = NULL;
	for (size_t i = 0; i < v.ncps; i++)
		if (v.cps[i].witnessed)
			st->witnessed_size = v.cps[i].size;
		else
			latest = &v.cps[i];
	if (latest) {
		struct stat sb;
		st->latest_size = latest->size;
		snprintf(st->latest_file, sizeof st->latest_file, "%s", latest->file);
		st->latest_time = stat(latest->file, &sb) == 0 ? sb.st_mtime : 0;
		if (cms_cert_subject(a->cfg.cert_path, st->signer, sizeof st->signer, why,
		                     sizeof why) < 0)
			snprintf(st->signer, sizeof st->signer, "(%.200s)", why);
	}
out:
	free(text);
	free(v.claims);
	free(v.text.p);
	free_checkpoints(v.cps, v.ncps);
	return rc;
}

int audit_verify(struct audit *a, FILE *out, FILE *err)
{
	struct audit_state st;
	int rc = audit_verify_state(a, &st, err);
	if (rc == 0 && a->cfg.cert_path && st.checkpoints == 0 && st.entries > 0) {
		/* The tree agrees with itself, but anyone who can write the
		 * database could have recomputed it: nothing signed vouches. */
		fprintf(err,
		        "%s: WARNING: %" PRIu64
		        " entries and no signed checkpoint: nothing outside the database vouches "
		        "for them (csgw audit checkpoint signs one)\n",
		        a->cfg.db_path, st.entries);
		return 2;
	}
	if (rc == 0 && a->witness_dir && st.witnessed == 0 && st.entries > 0) {
		fprintf(err,
		        "%s: WARNING: no partner has echoed a head of this log yet (%s): nothing "
		        "off this machine vouches for it\n",
		        a->cfg.db_path, a->witness_dir);
		return 2;
	}
	if (rc != 0)
		return rc;
	char purged[64] = "";
	if (st.purged)
		snprintf(purged, sizeof purged, " (%" PRIu64 " with personal columns purged)",
		         st.purged);
	fprintf(out,
	        "%s: %" PRIu64 " entries%s, root %s; %zu signed checkpoint(s) agree (latest at "
	        "%" PRIu64 ")",
	        a->cfg.db_path, st.entries, purged, st.root, st.checkpoints, st.latest_size);
	if (a->witness_dir)
		fprintf(out, "; %zu head(s) partners hold agree (latest at %" PRIu64 ")",
		        st.witnessed, st.witnessed_size);
	fprintf(out, "; good\n");
	return 0;
}

/* ---- inclusion proofs ---- */

struct proof_state {
	unsigned char (*leaves)[MERKLE_HASH];
	uint64_t size, id, seen;
	char *text; /* the text its leaf is the hash of */
	size_t text_len;
	char *personal; /* the text its personal hash is of; NULL once purged */
};

static int collect_row(void *ctx, int64_t id, const char *const values[AUDIT_DB_COLUMNS],
                       const unsigned char *leaf, size_t leaf_len)
{
	struct proof_state *p = ctx;
	if ((uint64_t)id > p->size)
		return 1; /* past the checkpoint: done */
	if (id != (int64_t)++p->seen || leaf_len != MERKLE_HASH)
		return -1; /* rows missing or broken: verify names them */
	memcpy(p->leaves[id - 1], leaf, MERKLE_HASH);
	if ((uint64_t)id == p->id) {
		struct text_buf text = {0}, personal = {0};
		if (personal_problem(&personal, values)) {
			free(personal.p);
			return -1; /* no proof of a changed entry: verify names it */
		}
		leaf_text(&text, values, &p->text_len);
		p->text = text.p; /* kept: the proof prints them */
		if (values[AUDIT_COL_PERSONAL][0] && !values[AUDIT_COL_PURGED][0])
			personal_text(&personal, values, &(size_t){0});
		else
			free(personal.p), personal.p = NULL;
		p->personal = personal.p;
	}
	return 0;
}

int audit_proof(struct audit *a, int64_t id, FILE *out, FILE *err)
{
	struct checkpoint *cps = NULL;
	size_t ncps = 0;
	char why[1024], text[4096];
	int rc = load_checkpoints(a, &cps, &ncps, NULL, err);

	if (rc != 0)
		return rc;
	if (ncps == 0 || id < 1 || (uint64_t)id > cps[ncps - 1].size) {
		fprintf(err,
		        "csgw: entry %" PRId64
		        " is not under a signed checkpoint (latest at %" PRIu64
		        "); run csgw audit checkpoint first\n",
		        id, ncps ? cps[ncps - 1].size : 0);
		free_checkpoints(cps, ncps);
		return 1;
	}
	const struct checkpoint *cp = &cps[ncps - 1];
	struct proof_state p = {.size = cp->size, .id = (uint64_t)id};
	p.leaves = xreallocarray(NULL, cp->size, MERKLE_HASH);
	snprintf(why, sizeof why, "%s: the log is damaged; run csgw audit verify", a->cfg.db_path);
	rc = audit_db_scan(a->db, collect_row, &p, why, sizeof why);
	if (rc < 0 || rc == AUDIT_DB_TAMPERED || p.text == NULL || p.seen < p.size) {
		fprintf(err, "csgw: %s\n", why);
		rc = 1;
		goto out;
	}
	unsigned char path[64][MERKLE_HASH], leaf[MERKLE_HASH];
	unsigned count;
	merkle_leaf_hash(p.text, p.text_len, leaf);
	merkle_inclusion_path(p.leaves, cp->size, (uint64_t)id - 1, path, &count);
	if (!merkle_check_inclusion(leaf, (uint64_t)id - 1, cp->size, path, count, cp->root)) {
		fprintf(err,
		        "%s: entry %" PRId64 " is not in the log that %s signed; run csgw audit "
		        "verify\n",
		        a->cfg.db_path, id, cp->file);
		rc = 1;
		goto out;
	}
	char *b64 = xmalloc(4 * ((p.text_len + 2) / 3) + 1);
	digest_base64((const unsigned char *)p.text, p.text_len, b64);
	fprintf(out, "csgw audit inclusion proof\nentry %" PRId64 "\ntree-size %" PRIu64 "\n", id,
	        cp->size);
	fprintf(out, "entry-text %s\n", b64);
	free(b64);
	/* The personal columns, while they are kept: the entry's text has
	 * only their hash. */
	if (p.personal) {
		size_t n = strlen(p.personal);
		b64 = xmalloc(4 * ((n + 2) / 3) + 1);
		digest_base64((const unsigned char *)p.personal, n, b64);
		fprintf(out, "personal-text %s\n", b64);
		free(b64);
	}
	for (unsigned i = 0; i < count; i++) {
		char h[64];
		digest_base64(path[i], MERKLE_HASH, h);
		fprintf(out, "path %s\n", h);
	}
	if (read_small(cp->file, text, sizeof text, why, sizeof why) < 0) {
		fprintf(err, "csgw: %s\n", why);
		rc = -1;
		goto out;
	}
	fprintf(out, "checkpoint\n%s", text);
	rc = 0;
out:
	free(p.text);
	free(p.personal);
	free(p.leaves);
	free_checkpoints(cps, ncps);
	return rc;
}

/* The personal-text line of a proof, decoded into *personal, checked
 * against the personal= hash of the entry's text: 0 (*personal NULL when
 * the proof has none), or 1 after printing why. */
static int proof_personal(const char *proof, const char *entry, char **personal,
                          const char *proof_path, FILE *err)
{
	const char *line = strstr(proof, "\npersonal-text ");
	const char *hash = strstr(entry, "\npersonal=");
	*personal = NULL;
	if (line == NULL)
		return 0;
	line += strlen("\npersonal-text ");
	size_t n = strcspn(line, "\n");
	char *b64 = xstrndup(line, n);
	unsigned char md[MERKLE_HASH];
	char hex[2 * MERKLE_HASH + 1];
	*personal = xmalloc(n + 1);
	long len = digest_unbase64(b64, (unsigned char *)*personal, n);
	free(b64);
	if (len >= 0) {
		(*personal)[len] = '\0';
		digest_sha256_buf(*personal, (size_t)len, md);
		hex_of(md, MERKLE_HASH, hex);
	}
	if (len < 0 || hash == NULL || strchr(*personal, '\n') == NULL ||
	    strncmp(hash + strlen("\npersonal="), hex, 2 * MERKLE_HASH) != 0) {
		fprintf(err,
		        "%s: the personal columns it shows are NOT those the entry was written "
		        "with\n",
		        proof_path);
		free(*personal);
		*personal = NULL;
		return 1;
	}
	return 0;
}

int audit_check_proof(const char *proof_path, const char *cert_path, FILE *out, FILE *err)
{
	static char text[64 * 1024];
	char why[1024];
	unsigned char path[64][MERKLE_HASH], leaf[MERKLE_HASH];
	unsigned count = 0;
	uint64_t size = 0;
	int64_t id = 0;
	struct checkpoint cp = {0};
	int rc = 1;

	if (read_small(proof_path, text, sizeof text, why, sizeof why) < 0) {
		fprintf(err, "csgw: %s\n", why);
		return -1;
	}
	char *note = strstr(text, "\ncheckpoint\n");
	char *b64 = xmalloc(sizeof text);
	if (note == NULL || sscanf(text,
	                           "csgw audit inclusion proof\nentry %" SCNd64
	                           "\ntree-size %" SCNu64 "\nentry-text %s\n",
	                           &id, &size, b64) != 3) {
		fprintf(err, "%s: not a csgw audit inclusion proof\n", proof_path);
		goto out;
	}
	*note = '\0';
	note += strlen("\ncheckpoint\n");
	for (char *line = strstr(text, "\npath "); line && count < 64;
	     line = strstr(line + 1, "\npath ")) {
		char h[128];
		if (sscanf(line, "\npath %127s", h) != 1 ||
		    digest_unbase64(h, path[count++], MERKLE_HASH) != MERKLE_HASH) {
			fprintf(err, "%s: a path line is not a hash\n", proof_path);
			goto out;
		}
	}
	unsigned char *entry = xmalloc(sizeof text);
	long elen = digest_unbase64(b64, entry, sizeof text - 1);
	if (elen < 0) {
		fprintf(err, "%s: the entry text is not base64\n", proof_path);
		free(entry);
		goto out;
	}
	if (check_checkpoint(note, proof_path, NULL, cert_path, &cp, why, sizeof why) < 0) {
		fprintf(err, "%s\n", why);
		free(entry);
		goto out;
	}
	merkle_leaf_hash(entry, (size_t)elen, leaf);
	if (cp.size != size || id < 1 ||
	    !merkle_check_inclusion(leaf, (uint64_t)id - 1, size, path, count, cp.root)) {
		fprintf(err,
		        "%s: entry %" PRId64
		        " is NOT in the log that the checkpoint signed (size %" PRIu64 ")\n",
		        proof_path, id, cp.size);
		free(entry);
		goto out;
	}
	entry[elen] = '\0';
	char *personal = NULL;
	if (proof_personal(text, (const char *)entry, &personal, proof_path, err) == 0) {
		fprintf(out,
		        "%s: entry %" PRId64 " is in the signed log of %" PRIu64 " entries:\n%s",
		        proof_path, id, size, (const char *)entry);
		if (personal)
			fprintf(out, "with its personal columns, as committed by personal=:\n%s",
			        strchr(personal, '\n') + 1 /* the salt is no news */);
		else if (strstr((const char *)entry, "\npersonal="))
			fprintf(out,
			        "its personal columns were purged; personal= commits to them\n");
		rc = 0;
	}
	free(personal);
	free(entry);
out:
	free(cp.file);
	free(b64);
	return rc;
}

int audit_purge(struct audit *a, const char *before, uint64_t by, bool dry_run, long long *purged,
                long long *kept, FILE *err)
{
	char why[1024];
	if (audit_db_purge(a->db, before, (int64_t)by, dry_run, purged, kept, why, sizeof why) <
	    0) {
		fprintf(err, "csgw: %s\n", why);
		return -1;
	}
	return 0;
}

uint64_t audit_last_id(const struct audit *a)
{
	return a->tree.size;
}

void audit_verify_witnesses(struct audit *a, const char *witness_dir)
{
	free(a->witness_dir);
	a->witness_dir = xstrdup(witness_dir);
}

uint64_t audit_size(struct audit *a)
{
	char *text = NULL, why[1024];
	struct merkle m;
	uint64_t size = a->tree.size;
	if (audit_db_get_frontier(a->db, &text, why, sizeof why) == 0 &&
	    frontier_parse(text, &m) == 0)
		size = m.size;
	free(text);
	return size;
}

/* ---- heads that travel: checkpoints in receipts ---- */

char *audit_head_note(const struct audit_head *h)
{
	char *body = checkpoint_body(h->origin, h->size, h->root);
	char *note = xasprintf("%s\n\u2014 %s %s\n", body, h->origin, h->signature);
	free(body);
	return note;
}

int audit_head_check(const char *note, const char *name, const char *want_origin,
                     const char *cert_path, struct audit_head *h, char *why, size_t whylen)
{
	struct checkpoint cp = {0};
	char *text = xstrdup(note);
	int rc = check_checkpoint(text, name, want_origin, cert_path, &cp, why, whylen);
	free(text);
	free(cp.file);
	if (rc < 0)
		return -1;
	/* The form is checked: the origin is the first line, the signature
	 * the last word. */
	memset(h, 0, sizeof *h);
	size_t olen = strcspn(note, "\n");
	const char *sig = strrchr(note, ' ');
	if (olen >= sizeof h->origin || sig == NULL || strlen(sig + 1) - 1 >= sizeof h->signature) {
		snprintf(why, whylen, "%s: a checkpoint note too long to carry", name);
		return -1;
	}
	memcpy(h->origin, note, olen);
	snprintf(h->signature, sizeof h->signature, "%.*s", (int)(strlen(sig + 1) - 1), sig + 1);
	h->size = cp.size;
	memcpy(h->root, cp.root, MERKLE_HASH);
	return 0;
}

int audit_latest_head(struct audit *a, struct audit_head *h, FILE *err)
{
	DIR *d = opendir(a->cfg.checkpoint_dir);
	struct dirent *de;
	char newest[64] = "", why[1024], text[4096];

	if (d == NULL)
		return errno == ENOENT ? 1 : -1;
	/* Named by size, zero-padded: the greatest name is the newest. */
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len == 31 && strcmp(de->d_name + 20, ".checkpoint") == 0 &&
		    strcmp(de->d_name, newest) > 0)
			snprintf(newest, sizeof newest, "%s", de->d_name);
	}
	closedir(d);
	if (newest[0] == '\0')
		return 1;
	char *path = xasprintf("%s/%s", a->cfg.checkpoint_dir, newest);
	int rc = read_small(path, text, sizeof text, why, sizeof why) == 0 &&
	                 audit_head_check(text, path, a->cfg.origin, a->cfg.cert_path, h, why,
	                                  sizeof why) == 0
	             ? 0
	             : -1;
	if (rc < 0)
		fprintf(err, "csgw: %s\n", why);
	free(path);
	return rc;
}

struct consistency_state {
	const struct merkle_range *r;
	const unsigned *order; /* indexes of r by lo */
	unsigned count, next;
	struct merkle acc;
	unsigned char (*proof)[MERKLE_HASH];
	uint64_t seen;
};

static int consistency_leaf(void *ctx, int64_t id, const unsigned char *leaf, size_t leaf_len)
{
	struct consistency_state *c = ctx;
	uint64_t i = (uint64_t)id - 1;
	if (i != c->seen++ || leaf_len != MERKLE_HASH)
		return -1; /* rows missing or broken: verify names them */
	if (c->next >= c->count)
		return 1; /* every range is done */
	const struct merkle_range *r = &c->r[c->order[c->next]];
	if (i < r->lo)
		return 0;
	merkle_append(&c->acc, leaf);
	if (i + 1 == r->hi) {
		merkle_root(&c->acc, c->proof[c->order[c->next++]]);
		merkle_init(&c->acc);
	}
	return 0;
}

int audit_consistency(struct audit *a, uint64_t from, uint64_t to,
                      unsigned char proof[64][MERKLE_HASH], unsigned *count, FILE *err)
{
	struct merkle_range r[64];
	unsigned order[64];
	char why[1024];

	*count = 0;
	if (from == 0 || from > to) {
		fprintf(err, "csgw: no consistency proof from %" PRIu64 " to %" PRIu64 " entries\n",
		        from, to);
		return -1;
	}
	struct consistency_state c = {.r = r, .order = order, .proof = proof};
	c.count = merkle_consistency_ranges(from, to, r);
	/* The ranges do not overlap: one pass in leaf order fills them all. */
	for (unsigned i = 0; i < c.count; i++) {
		unsigned j = i;
		for (; j > 0 && r[order[j - 1]].lo > r[i].lo; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	merkle_init(&c.acc);
	snprintf(why, sizeof why, "%s: the log is damaged; run csgw audit verify", a->cfg.db_path);
	int rc = c.count ? audit_db_scan_leaves(a->db, (int64_t)to, consistency_leaf, &c, why,
	                                        sizeof why)
	                 : 0;
	if (rc < 0 || c.next < c.count) {
		fprintf(err, "csgw: %s\n", why);
		return -1;
	}
	*count = c.count;
	return 0;
}

void audit_subject_key(const char *key, const char ssn[9], char hex[65])
{
	/* The last one asked, remembered: deciding a record and logging it ask
	 * for the same subjects one after the other. */
	static char last_key[256], last_ssn[9], last_hex[65];
	size_t keylen = strlen(key);
	unsigned char md[DIGEST_SHA256_LEN];

	if (last_hex[0] && keylen < sizeof last_key && memcmp(last_ssn, ssn, 9) == 0 &&
	    strcmp(last_key, key) == 0) {
		memcpy(hex, last_hex, 65);
		return;
	}
	digest_hmac_sha256(key, keylen, ssn, 9, md);
	digest_hex(md, sizeof md, hex);
	if (keylen < sizeof last_key) {
		memcpy(last_key, key, keylen + 1);
		memcpy(last_ssn, ssn, 9);
		memcpy(last_hex, hex, 65);
	}
}

static struct audit_db_filter filter_of(const struct audit_query *q)
{
	struct audit_db_filter f = {.since = q->since, .until = q->until};
	const char *cols[] = {"subject_key", "case_id",   "partner",    "decision",
	                      "actor",       "direction", "file_sha256"};
	const char *vals[] = {q->subject_key, q->case_id,   q->partner,    q->decision,
	                      q->actor,       q->direction, q->file_sha256};

	for (int i = 0; i < 7; i++) {
		if (vals[i]) {
			if (strcmp(cols[i], "decision") == 0)
				f.any_word |= 1u << f.count;
			f.column[f.count] = cols[i];
			f.value[f.count++] = vals[i];
		}
	}
	return f;
}

int audit_search(struct audit *a, const struct audit_query *q, audit_db_row *row, void *ctx,
                 FILE *err)
{
	struct audit_db_filter f = filter_of(q);
	char why[1024];
	int rc = audit_db_search(a->db, &f, row, ctx, why, sizeof why);
	if (rc < 0)
		fprintf(err, "csgw: %s\n", why);
	return rc;
}

int audit_snapshot_begin(struct audit *a, FILE *err)
{
	char why[1024];
	if (audit_db_begin_read(a->db, why, sizeof why) < 0) {
		fprintf(err, "csgw: %s\n", why);
		return -1;
	}
	a->snapshot = true;
	return 0;
}

void audit_snapshot_end(struct audit *a)
{
	if (a->snapshot)
		audit_db_rollback(a->db);
	a->snapshot = false;
}

int audit_count(struct audit *a, const struct audit_query *q, const struct audit_db_tally *t,
                audit_db_group_row *group_row, void *ctx, FILE *err)
{
	struct audit_db_filter f = filter_of(q);
	char why[1024];
	int rc = audit_db_count(a->db, &f, t, group_row, ctx, why, sizeof why);
	if (rc < 0)
		fprintf(err, "csgw: %s\n", why);
	return rc;
}
