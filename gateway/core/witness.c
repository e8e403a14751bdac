/*
 * witness.c - partners' audit logs as we have seen them, ours as they hold
 * it (see witness.h).
 */
#include "core/witness.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/merkle.h"
#include "io/fs.h"
#include "util/alloc.h"

#define NOTE_MAX 4096

static char *note_path(const char *dir, const char *which, uint64_t size)
{
	return xasprintf("%s/%s/%020" PRIu64 ".checkpoint", dir, which, size);
}

/* A kept note, read for its form: we wrote it after checking its
 * signature, and the signer's certificate may since have a new key. */
static int read_note(const char *path, struct audit_head *h, char *why, size_t whylen)
{
	char text[NOTE_MAX];
	FILE *f = fs_read_regular(path);
	if (f == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	return audit_head_check(text, path, NULL, NULL, h, why, whylen);
}

static int keep(const char *dir, const char *which, const struct audit_head *h, char *why,
                size_t whylen)
{
	char *sub = xasprintf("%s/%s", dir, which);
	char *path = note_path(dir, which, h->size);
	char *note = audit_head_note(h);
	int rc = fs_make_dir(sub) == 0 && fs_write_text(path, note) == 0 ? 0 : -1;
	if (rc < 0)
		snprintf(why, whylen, "%s: cannot keep the checkpoint: %s", path, strerror(errno));
	free(note);
	free(path);
	free(sub);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int witness_each(const char *dir, const char *which, witness_note_fn *each, void *ctx)
{
	char *sub = xasprintf("%s/%s", dir, which);
	DIR *d = opendir(sub);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (d == NULL) {
		/* None kept yet; anything else must not pass for that. */
		int none = errno == ENOENT;
		free(sub);
		return none ? 0 : -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strlen(de->d_name) == 31 && strcmp(de->d_name + 20, ".checkpoint") == 0) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xasprintf("%s/%s", sub, de->d_name);
		}
	closedir(d);
	/* Named by size, zero-padded: name order is size order. */
	if (n > 1)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = each(ctx, names[i]);
		free(names[i]);
	}
	free(names);
	free(sub);
	return rc;
}

static int remember_last(void *ctx, const char *path)
{
	char **last = ctx;
	free(*last);
	*last = xstrdup(path);
	return 0;
}

int witness_newest(const char *dir, const char *which, struct audit_head *h, char *why,
                   size_t whylen)
{
	char *last = NULL;
	if (witness_each(dir, which, remember_last, &last) < 0) {
		snprintf(why, whylen, "%s/%s: %s", dir, which, strerror(errno));
		free(last);
		return -1;
	}
	if (last == NULL)
		return 1;
	int rc = read_note(last, h, why, whylen);
	free(last);
	return rc;
}

/* The partner's head in rh, its signature checked; -1 with why. */
static int checked_head(const char *origin, const char *cert, const struct receipt_head *rh,
                        struct audit_head *h, char *why, size_t whylen)
{
	if (!rh->present || rh->malformed) {
		snprintf(why, whylen, "%s",
		         rh->present ? "a proof hash is not a SHA-256" : "no head");
		return -1;
	}
	char *note = audit_head_note(&rh->head);
	int rc = audit_head_check(note, "its checkpoint", origin, cert, h, why, whylen);
	free(note);
	return rc;
}

static enum witness_verdict fork_found(const char *dir, char *said, size_t saidlen)
{
	if (witness_hold(dir, said) < 0) {
		size_t n = strlen(said);
		snprintf(said + n, saidlen - n, " (and the hold could not be written: %s)",
		         strerror(errno));
	}
	return WITNESS_FORK;
}

enum witness_verdict witness_take_theirs(const char *dir, const char *origin, const char *cert,
                                         const struct receipt_head *rh, char *said, size_t saidlen)
{
	struct audit_head h, held;
	char why[1024], hex[2 * MERKLE_HASH + 1];

	if (checked_head(origin, cert, rh, &h, why, sizeof why) < 0) {
		snprintf(said, saidlen, "the audit log head it carries is not good: %s", why);
		return WITNESS_BAD;
	}
	int got = witness_newest(dir, "theirs", &held, why, sizeof why);
	if (got < 0) {
		snprintf(said, saidlen, "cannot read the head we hold: %s", why);
		return WITNESS_LOCAL;
	}
	if (got == 1) {
		if (keep(dir, "theirs", &h, why, sizeof why) < 0) {
			snprintf(said, saidlen, "%s", why);
			return WITNESS_LOCAL;
		}
		snprintf(said, saidlen, "first head of its audit log kept (%" PRIu64 " entries)",
		         h.size);
		return WITNESS_FIRST;
	}
	digest_hex(held.root, MERKLE_HASH, hex);
	/* An older head we kept, come late (a receipt sent again or
	 * delayed): the same root is no news, another is a fork. */
	struct audit_head seen;
	char *seen_path = note_path(dir, "theirs", h.size);
	int kept_before = h.size < held.size && read_note(seen_path, &seen, why, sizeof why) == 0;
	free(seen_path);
	if (kept_before && memcmp(seen.root, h.root, MERKLE_HASH) == 0) {
		snprintf(said, saidlen,
		         "an older head of its audit log (%" PRIu64
		         " entries) that we hold; we hold "
		         "%" PRIu64,
		         h.size, held.size);
		return WITNESS_SAME;
	}
	if (h.size < held.size) {
		snprintf(said, saidlen,
		         "its audit log is ROLLED BACK: it signed a head of %" PRIu64
		         " entries after one of %" PRIu64 " that we hold (root %s)",
		         h.size, held.size, hex);
		return fork_found(dir, said, saidlen);
	}
	if (h.size == held.size) {
		if (memcmp(h.root, held.root, MERKLE_HASH) == 0) {
			snprintf(said, saidlen,
			         "its audit log head is the one we hold (%" PRIu64 ")", h.size);
			return WITNESS_SAME;
		}
		snprintf(said, saidlen,
		         "its audit log FORKED: two heads of %" PRIu64 " entries with other roots "
		         "(we hold %s)",
		         h.size, hex);
		return fork_found(dir, said, saidlen);
	}
	if (rh->proof_from == held.size) {
		if (!merkle_check_consistency(held.size, h.size, held.root, h.root, rh->proof,
		                              rh->nproof)) {
			snprintf(said, saidlen,
			         "its audit log was REWRITTEN: the head of %" PRIu64
			         " entries does not extend the one of %" PRIu64
			         " we hold (root %s); its consistency proof fails",
			         h.size, held.size, hex);
			return fork_found(dir, said, saidlen);
		}
		if (keep(dir, "theirs", &h, why, sizeof why) < 0) {
			snprintf(said, saidlen, "%s", why);
			return WITNESS_LOCAL;
		}
		snprintf(said, saidlen,
		         "its audit log grew from %" PRIu64 " to %" PRIu64
		         " entries, proven consistent",
		         held.size, h.size);
		return WITNESS_EXTENDS;
	}
	/* A proof from an older head we kept must hold too; either way this
	 * head waits for a proof from the newest (our next receipt echoes it). */
	struct audit_head older;
	char *path = note_path(dir, "theirs", rh->proof_from);
	if (rh->proof_from && read_note(path, &older, why, sizeof why) == 0 &&
	    !merkle_check_consistency(older.size, h.size, older.root, h.root, rh->proof,
	                              rh->nproof)) {
		free(path);
		snprintf(said, saidlen,
		         "its audit log was REWRITTEN: the head of %" PRIu64
		         " entries does not extend the one of %" PRIu64 " we hold",
		         h.size, older.size);
		return fork_found(dir, said, saidlen);
	}
	free(path);
	/* Our receipts echo the head we hold; a partner that has had them for
	 * days and still proves from elsewhere does not show that its log
	 * extends what we saw. */
	struct stat st;
	char *held_path = note_path(dir, "theirs", held.size);
	time_t since = stat(held_path, &st) == 0 ? st.st_mtime : time(NULL);
	free(held_path);
	long days = (long)((time(NULL) - since) / (24 * 60 * 60));
	if (days >= WITNESS_PROVE_WITHIN_DAYS) {
		snprintf(said, saidlen,
		         "its audit log is NOT SHOWN to extend the head of %" PRIu64
		         " entries we hold: for %ld days its heads came with proofs from other "
		         "heads (this one from %" PRIu64 ")",
		         held.size, days, rh->proof_from);
		return fork_found(dir, said, saidlen);
	}
	snprintf(said, saidlen,
	         "its head of %" PRIu64 " entries comes with a proof from %" PRIu64
	         ", not from the %" PRIu64 " we hold; not adopted until one does",
	         h.size, rh->proof_from, held.size);
	return WITNESS_UNPROVEN;
}

int witness_take_echo(const char *dir, const char *origin, const char *cert,
                      const struct receipt_head *rh, char *why, size_t whylen)
{
	struct audit_head h, newest;
	if (checked_head(origin, cert, rh, &h, why, whylen) < 0)
		return -1;
	int got = witness_newest(dir, "ours", &newest, why, whylen);
	if (got < 0)
		return -1;
	if (got == 0 && newest.size >= h.size)
		return 0;
	return keep(dir, "ours", &h, why, whylen) < 0 ? -1 : 1;
}

bool witness_held(const char *dir, char *reason, size_t size)
{
	char *path = xasprintf("%s/HOLD", dir);
	FILE *f = fs_read_regular(path);
	free(path);
	if (f == NULL)
		return false;
	if (reason) {
		size_t n = fread(reason, 1, size - 1, f);
		reason[n] = '\0';
		reason[strcspn(reason, "\n")] = '\0';
	}
	fclose(f);
	return true;
}

int witness_hold(const char *dir, const char *reason)
{
	char *path = xasprintf("%s/HOLD", dir);
	char *text = xasprintf("%s\n", reason);
	int rc = fs_make_dir(dir) == 0 && fs_write_text(path, text) == 0 ? 0 : -1;
	free(text);
	free(path);
	return rc;
}

int witness_release(const char *dir, char *why, size_t whylen)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	char *theirs = xasprintf("%s/theirs", dir);
	char *before = xasprintf("%s/theirs-before-%s", dir, stamp);
	char *hold = xasprintf("%s/HOLD", dir);
	int rc = 0;

	/* The kept heads first: a crash between the two leaves the hold. */
	if (fs_move(theirs, before) < 0 && errno != ENOENT) {
		snprintf(why, whylen, "%s: cannot move it aside: %s", theirs, strerror(errno));
		rc = -1;
	} else if (remove(hold) < 0 && errno != ENOENT) {
		snprintf(why, whylen, "%s: %s", hold, strerror(errno));
		rc = -1;
	} else if (fs_fsync_dir(dir) < 0) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		rc = -1;
	}
	free(theirs);
	free(before);
	free(hold);
	return rc;
}
