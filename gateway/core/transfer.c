/*
 * transfer.c - how files cross to and from a partner's SFTP server.
 */
#include "core/transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/isolated.h"
#include "io/digest.h"
#include "io/fs.h"
#include "util/alloc.h"
#include "util/crash.h"
#include "util/progress.h"

/* How much of a partial file's end must match before it is resumed. */
#define TAIL_CHECK (64 * 1024)
/* Start writeback of a download every this many bytes. */
#define WRITEBACK_EVERY (8ULL << 20)

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool transfer_name_safe(const char *name, size_t name_len)
{
	if (name_len == 0 || name_len > TRANSFER_NAME_MAX || strlen(name) != name_len ||
	    name[0] == '.' || strstr(name, "..") || strchr(name, '/'))
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* A name for messages: bytes outside printable ASCII as \xNN, at most 80. */
static const char *printable(const char *name, size_t len, char *buf, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < len && i < 80 && o + 5 < size; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
	return buf;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	return xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* A resumed transfer's SHA-256 covers the part sent or received before:
 * bytes [0, upto) of the local file. */
static int hash_prefix(int fd, uint64_t upto, struct digest_sha256 *d)
{
	char *buf = xmalloc(1 << 20);
	uint64_t done = 0;
	int rc = 0;

	while (done < upto && rc == 0) {
		size_t want = upto - done < (1 << 20) ? (size_t)(upto - done) : (1 << 20);
		ssize_t n = pread(fd, buf, want, (off_t)done);
		if (n <= 0)
			rc = -1;
		else
			digest_sha256_update(d, buf, (size_t)n);
		done += n > 0 ? (uint64_t)n : 0;
	}
	free(buf);
	return rc;
}

static int hash_chunk(void *ctx, const void *data, size_t len)
{
	digest_sha256_update(ctx, data, len);
	return 0;
}

/* Do the last bytes before 'size' of the remote file and of local fd agree?
 * Proof enough that a partial file is ours to continue. */
static enum sftp_fault tail_matches(struct sftp_conn *c, const char *remote, int fd, uint64_t size,
                                    bool *match)
{
	size_t n = size < TAIL_CHECK ? (size_t)size : TAIL_CHECK;
	char *theirs = xmalloc(n), *ours = xmalloc(n);
	enum sftp_fault f = sftp_read_at(c, remote, size - n, theirs, n);

	*match = f == SFTP_OK && pread(fd, ours, n, (off_t)(size - n)) == (ssize_t)n &&
	         memcmp(theirs, ours, n) == 0;
	free(theirs);
	free(ours);
	return f == SFTP_TEMPORARY ? f : SFTP_OK;
}

/* One file to upload as 'final': written as NAME.part, its remote size
 * checked, then renamed, unless the data read did not have the SHA-256
 * it must have ('stale': the .part stays, to be resumed). */
struct upload {
	const char *final;
	bool replace;                /* remove an existing 'final' first (a signature) */
	const unsigned char *sha256; /* what the data must hash to, or NULL */
	bool may_resume;             /* a NAME.part there is an earlier try of this file */
	bool stale;                  /* out */
	uint64_t resumed_at;         /* out */
};

static enum sftp_fault put_one(struct sftp_conn *c, int fd, uint64_t size, struct upload *u,
                               FILE *err)
{
	char *part = xasprintf("%s.part", u->final);
	struct digest_sha256 *d = u->sha256 ? digest_sha256_new() : NULL;
	unsigned char md[DIGEST_SHA256_LEN];
	bool exists, match = false;
	uint64_t have = 0, from = 0;
	enum sftp_fault f;

	if ((f = sftp_size(c, part, &exists, &have)) != SFTP_OK)
		goto out;
	if (u->may_resume && exists && have > 0 && have <= size) {
		if ((f = tail_matches(c, part, fd, have, &match)) != SFTP_OK)
			goto out;
		if (match)
			from = have;
	}
	if (d && hash_prefix(fd, from, d) < 0) {
		fprintf(err, "csgw: cannot read the file for %s: %s\n", u->final, strerror(errno));
		f = SFTP_LOCAL;
		goto out;
	}
	progress_begin(u->final, size, from);
	f = sftp_put(c, fd, from, size, part, d ? hash_chunk : NULL, d);
	progress_end();
	if (f != SFTP_OK || (f = sftp_size(c, part, &exists, &have)) != SFTP_OK)
		goto out;
	if (!exists || have != size) {
		fprintf(err, "csgw: %s holds %llu bytes after the upload; expected %llu\n", part,
		        (unsigned long long)have, (unsigned long long)size);
		f = SFTP_FAILED;
		goto out;
	}
	if (d) {
		digest_sha256_final(d, md);
		d = NULL;
		if (memcmp(md, u->sha256, sizeof md) != 0) {
			u->stale = true;
			goto out;
		}
	}
	if (u->replace && (f = sftp_size(c, u->final, &exists, &have)) == SFTP_OK && exists)
		f = sftp_remove(c, u->final);
	if (f == SFTP_OK)
		f = sftp_rename(c, part, u->final);
	u->resumed_at = from;
out:
	if (d)
		digest_sha256_final(d, md);
	if (f != SFTP_OK && sftp_message(c)[0])
		fprintf(err, "csgw: %s\n", sftp_message(c));
	free(part);
	return f;
}

static int open_size(const char *path, uint64_t *size, FILE *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(err, "csgw: %s: %s\n", path,
		        fd < 0 ? strerror(errno) : "not a regular file; expected a file to send");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

bool transfer_sendable(const char *file)
{
	const char *slash = strrchr(file, '/');
	const char *name = slash ? slash + 1 : file;
	return transfer_name_safe(name, strlen(name)) && !ends_with(name, ".part") &&
	       !ends_with(name, ".p7s");
}

/* Is the remote file byte for byte our small local file (a signature)? */
static enum sftp_fault same_on_server(struct sftp_conn *c, const char *remote, int fd,
                                      uint64_t size, bool *same)
{
	bool exists;
	uint64_t have;
	enum sftp_fault f = sftp_size(c, remote, &exists, &have);

	*same = false;
	if (f != SFTP_OK || !exists || have != size || size > (1 << 20))
		return f;
	char *theirs = xmalloc(size + 1), *ours = xmalloc(size + 1);
	if ((f = sftp_read_at(c, remote, 0, theirs, (size_t)size)) == SFTP_OK)
		*same = pread(fd, ours, (size_t)size, 0) == (ssize_t)size &&
		        memcmp(theirs, ours, (size_t)size) == 0;
	free(theirs);
	free(ours);
	return f == SFTP_TEMPORARY ? f : SFTP_OK;
}

enum sftp_fault transfer_send(struct sftp_conn *c, const char *remote_dir, const char *file,
                              const char *sig, const unsigned char *sha256, bool *stale, FILE *out,
                              FILE *err)
{
	const char *slash = strrchr(file, '/');
	const char *name = slash ? slash + 1 : file;
	int fd = -1, sig_fd = -1;
	uint64_t size = 0, sig_size = 0, have = 0;
	char *remote = NULL, *remote_sig = NULL;
	bool exists, sig_there = false;
	enum sftp_fault f = SFTP_LOCAL;

	*stale = false;
	if ((fd = open_size(file, &size, err)) < 0 || (sig_fd = open_size(sig, &sig_size, err)) < 0)
		goto out;
	remote = join(remote_dir, name);
	remote_sig = xasprintf("%s.p7s", remote);
	/* Our signature already on the server marks this very file: its data
	 * is there, or a NAME.part there is an earlier try of it. */
	if ((f = sftp_size(c, remote, &exists, &have)) != SFTP_OK ||
	    (f = same_on_server(c, remote_sig, sig_fd, sig_size, &sig_there)) != SFTP_OK) {
		fprintf(err, "csgw: %s\n", sftp_message(c));
		goto out;
	}
	if (exists && have == size && sig_there && sha256) {
		/* Ours, if our file is still what the signature signs (nothing is
		 * uploaded here to check it on the way). */
		unsigned char md[DIGEST_SHA256_LEN];
		if (digest_file_sha256(file, md) < 0) {
			fprintf(err, "csgw: %s: %s\n", file, strerror(errno));
			f = SFTP_LOCAL;
		} else if (memcmp(md, sha256, sizeof md) != 0) {
			*stale = true;
		} else {
			fprintf(out,
			        "%s: already on the server as %s (%llu bytes); not sent again\n",
			        file, remote, (unsigned long long)size);
		}
		goto out;
	}
	if (exists) {
		fprintf(err,
		        "csgw: %s: %s on the server is another file (%llu bytes, ours %llu); not "
		        "overwritten: the partner has not taken it yet\n",
		        file, remote, (unsigned long long)have, (unsigned long long)size);
		f = SFTP_EXISTS;
		goto out;
	}
	/* The signature first: the data file is published last, and only when
	 * what was sent hashes to what the signature signs. */
	struct upload up_sig = {.final = remote_sig, .replace = true};
	struct upload up = {.final = remote, .sha256 = sha256, .may_resume = sig_there};
	if ((!sig_there && (f = put_one(c, sig_fd, sig_size, &up_sig, err)) != SFTP_OK) ||
	    (f = put_one(c, fd, size, &up, err)) != SFTP_OK)
		goto out;
	if (up.stale)
		*stale = true;
	else if (up.resumed_at)
		fprintf(out, "%s: sent to %s (%llu bytes, resumed at %llu)\n", file, remote,
		        (unsigned long long)size, (unsigned long long)up.resumed_at);
	else
		fprintf(out, "%s: sent to %s (%llu bytes)\n", file, remote,
		        (unsigned long long)size);
out:
	if (fd >= 0)
		close(fd);
	if (sig_fd >= 0)
		close(sig_fd);
	free(remote);
	free(remote_sig);
	return f;
}

enum sftp_fault transfer_sweep_parts(struct sftp_conn *c, const char *remote_dir,
                                     bool (*waiting)(void *ctx, const char *name), void *ctx,
                                     long max_age, unsigned *removed, FILE *out, FILE *err)
{
	struct sftp_entry *e = NULL;
	size_t n = 0;
	time_t now = time(NULL);
	enum sftp_fault f = sftp_list(c, remote_dir, &e, &n);

	*removed = 0;
	if (f != SFTP_OK) {
		fprintf(err, "csgw: %s\n", sftp_message(c));
		return f;
	}
	for (size_t i = 0; i < n && f == SFTP_OK; i++) {
		const char *part = e[i].name;
		size_t len = strlen(part);
		if (len != e[i].name_len || !e[i].regular || !ends_with(part, ".part") ||
		    e[i].mtime == 0 || now - e[i].mtime < max_age)
			continue;
		/* NAME.part or NAME.p7s.part: both belong to NAME. */
		char *name = xmemdup(part, len - strlen(".part") + 1);
		name[len - strlen(".part")] = '\0';
		if (ends_with(name, ".p7s"))
			name[strlen(name) - strlen(".p7s")] = '\0';
		if (transfer_sendable(name) && !waiting(ctx, name)) {
			char *remote = join(remote_dir, part);
			if ((f = sftp_remove(c, remote)) == SFTP_OK) {
				fprintf(out,
				        "%s: removed, the unfinished upload of a file no longer "
				        "waiting to be sent (%llu bytes)\n",
				        remote, (unsigned long long)e[i].size);
				(*removed)++;
			} else {
				fprintf(err, "csgw: %s\n", sftp_message(c));
			}
			free(remote);
		}
		free(name);
	}
	sftp_entries_free(e, n);
	return f;
}

/* The download sink: write at the running offset, start writeback now and
 * then so that the closing fsync is short. */
struct local_copy {
	int fd;
	uint64_t offset, written_back;
	uint64_t limit; /* the listed size: a file that grows past it is refused */
	bool too_long;
	struct digest_sha256 *sha256; /* of everything written, NULL: not wanted */
	const struct fetch_watch *watch;
	void *watched; /* what watch->begin gave, NULL: not watched */
};

static int write_chunk(void *ctx, const void *data, size_t len)
{
	struct local_copy *lc = ctx;

	if (len > lc->limit - lc->offset) { /* offset <= limit always */
		lc->too_long = true;
		errno = EFBIG;
		return -1;
	}
	if (fs_pwrite_all(lc->fd, data, len, lc->offset) < 0)
		return -1;
	if (lc->sha256)
		digest_sha256_update(lc->sha256, data, len);
	if (lc->watched)
		lc->watch->data(lc->watched, data, len);
	lc->offset += len;
	if (lc->offset - lc->written_back >= WRITEBACK_EVERY) {
		fs_writeback(lc->fd, lc->written_back, lc->offset - lc->written_back);
		lc->written_back = lc->offset;
	}
	return 0;
}

/* Downloads 'remote' (size bytes) into local 'part', resuming a partial
 * copy whose tail matches (when resumed_at is given); fsyncs it.  With
 * sha256, its digest is computed on the way, not by reading it again.
 * With watch, a download from the first byte is shown to it as 'name'. */
static enum sftp_fault get_one(struct sftp_conn *c, const char *remote, uint64_t size,
                               const char *part, uint64_t *resumed_at,
                               unsigned char sha256[DIGEST_SHA256_LEN],
                               const struct fetch_watch *watch, const char *name, FILE *err)
{
	struct local_copy lc = {
	    .fd = fs_open_regular(part, O_RDWR | O_CREAT, 0600), .limit = size, .watch = watch};
	struct stat st;
	bool match = false;
	uint64_t got = 0;
	enum sftp_fault f = SFTP_LOCAL;

	if (lc.fd < 0 || fstat(lc.fd, &st) < 0) {
		fprintf(err, "csgw: %s: %s\n", part, strerror(errno));
		goto out;
	}
	if (resumed_at && st.st_size > 0 && (uint64_t)st.st_size <= size) {
		if ((f = tail_matches(c, remote, lc.fd, (uint64_t)st.st_size, &match)) != SFTP_OK)
			goto fail;
		if (match)
			lc.offset = lc.written_back = (uint64_t)st.st_size;
	}
	if (sha256)
		lc.sha256 = digest_sha256_new();
	if (ftruncate(lc.fd, (off_t)lc.offset) < 0 ||
	    (lc.sha256 && hash_prefix(lc.fd, lc.offset, lc.sha256) < 0)) {
		fprintf(err, "csgw: %s: %s\n", part, strerror(errno));
		f = SFTP_LOCAL;
		goto out;
	}
	if (watch && watch->begin && lc.offset == 0)
		lc.watched = watch->begin(watch->ctx, name);
	progress_begin(remote, size, lc.offset);
	f = sftp_get(c, remote, lc.offset, write_chunk, &lc, &got);
	progress_end();
	if (f != SFTP_OK && !lc.too_long)
		goto fail;
	if (lc.too_long || lc.offset != size) {
		/* Being written, or lying about its size: this file waits for the
		 * next run, the others of the listing go on. */
		fprintf(err,
		        "csgw: %s: %s than the %llu bytes the listing said; it changed on the "
		        "server, left there for the next run\n",
		        remote, lc.too_long ? "longer" : "shorter", (unsigned long long)size);
		f = SFTP_CHANGED;
		goto out;
	}
	if (fs_fsync(lc.fd) < 0) {
		fprintf(err, "csgw: %s: %s\n", part, strerror(errno));
		f = SFTP_LOCAL;
	}
	if (resumed_at)
		*resumed_at = size - got;
	goto out;
fail:
	fprintf(err, "csgw: %s\n", sftp_message(c));
out:
	if (lc.sha256) {
		unsigned char md[DIGEST_SHA256_LEN];
		digest_sha256_final(lc.sha256, md);
		if (f == SFTP_OK)
			memcpy(sha256, md, sizeof md);
	}
	if (lc.watched)
		watch->end(watch->ctx, lc.watched, part, f == SFTP_OK && sha256 ? sha256 : NULL);
	if (lc.fd >= 0)
		close(lc.fd);
	return f;
}

bool transfer_received(const char *ledger, const char *sha256, const char *name)
{
	FILE *fp = fs_read_regular(ledger);
	char *line = NULL;
	size_t cap = 0;
	size_t hl = strlen(sha256);
	bool found = false;
	ssize_t n;

	if (fp == NULL)
		return false;
	/* "SHA256 SIZE NAME\n" */
	while (!found && (n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if ((size_t)n <= hl + 1 || memcmp(line, sha256, hl) != 0 || line[hl] != ' ')
			continue;
		const char *rest = strchr(line + hl + 1, ' ');
		found = rest && strcmp(rest + 1, name) == 0;
	}
	free(line);
	fclose(fp);
	return found;
}

/* Moves a file whose signature failed into quarantine with a reason file;
 * a name already there gets a number. */
static int quarantine(const struct fetch_plan *plan, const char *name, const char *part,
                      const char *sig_part, const char *remote, const char *why, FILE *err)
{
	char *dest = join(plan->quarantine, name);
	char stamp[32];
	time_t now = time(NULL);
	int rc = -1;

	for (unsigned i = 1; access(dest, F_OK) == 0; i++) {
		free(dest);
		char *numbered = xasprintf("%s.%u", name, i);
		dest = join(plan->quarantine, numbered);
		free(numbered);
	}
	char *dest_sig = xasprintf("%s.p7s", dest);
	char *reason = xasprintf("%s.reason", dest);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	char *text = xasprintf("file: %s\nreceived: %s\nreason: signature rejected: %s\n", remote,
	                       stamp, why);
	struct out_file of;
	bool ok = fs_make_dir(plan->quarantine) == 0 && out_open(&of, reason) == 0;
	if (ok) {
		out_write(&of, text, strlen(text)); /* a failure shows at commit */
		ok = out_commit(&of) == 0;          /* which removes the temp file */
	}
	if (!ok || fs_publish(sig_part, dest_sig) < 0 || fs_publish(part, dest) < 0) {
		fprintf(err, "csgw: cannot quarantine %s in %s: %s\n", remote, plan->quarantine,
		        strerror(errno));
	} else {
		rc = 0;
	}
	free(text);
	free(reason);
	free(dest_sig);
	free(dest);
	return rc;
}

/* Takes the fetched file off the partner's outbox: moved to remote_done,
 * or removed; the data file first, so no data stays without signature. */
/* Moves one remote file into remote_done; when the server refuses (an
 * earlier file of that name is there already), removes it instead, or the
 * same file would come back on every run. */
static enum sftp_fault move_to_done(struct sftp_conn *c, const char *from, const char *done_dir,
                                    const char *name, FILE *out)
{
	char *to = join(done_dir, name);
	enum sftp_fault f = sftp_rename(c, from, to);
	bool taken = f == SFTP_EXISTS;
	uint64_t size;

	/* Some servers say only "failure" for a taken name: look.  Any other
	 * refusal (remote_done missing, say) is a person's to fix; removing
	 * would silently turn "keep a copy" into "delete". */
	if (f == SFTP_FAILED && sftp_size(c, to, &taken, &size) != SFTP_OK)
		taken = false;
	if (taken) {
		fprintf(out, "%s: %s is taken; removed instead\n", from, to);
		f = sftp_remove(c, from);
	}
	free(to);
	return f;
}

/* Takes the fetched file off the partner's outbox: moved to remote_done,
 * or removed; the data file first, so no data stays without signature. */
static enum sftp_fault clear_remote(struct sftp_conn *c, const struct fetch_plan *plan,
                                    const char *name, const char *remote, const char *remote_sig,
                                    FILE *out, FILE *err)
{
	char *sig_name = xasprintf("%s.p7s", name);
	enum sftp_fault f;

	if (plan->remote_done) {
		f = move_to_done(c, remote, plan->remote_done, name, out);
		if (f == SFTP_OK)
			f = move_to_done(c, remote_sig, plan->remote_done, sig_name, out);
	} else {
		f = sftp_remove(c, remote);
		if (f == SFTP_OK)
			f = sftp_remove(c, remote_sig);
	}
	if (f != SFTP_OK)
		fprintf(err, "csgw: %s (the file is received; it will be recognised next time)\n",
		        sftp_message(c));
	free(sig_name);
	return f;
}

static void discard(const char *part, const char *sig_part)
{
	unlink(part);
	unlink(sig_part);
}

/* The names of one incoming file: in the partner's outbox, hidden while
 * it arrives, and delivered. */
struct fetch_names {
	char *remote, *remote_sig;
	char *part, *sig_part;
	char *final, *final_sig;
	char *ledger;
};

static void names_make(struct fetch_names *n, const struct fetch_plan *plan, const char *name)
{
	n->remote = join(plan->remote_dir, name);
	n->remote_sig = xasprintf("%s.p7s", n->remote);
	char *hidden = xasprintf(".%s.part", name), *hidden_sig = xasprintf(".%s.p7s.part", name);
	n->part = join(plan->incoming, hidden);
	n->sig_part = join(plan->incoming, hidden_sig);
	free(hidden);
	free(hidden_sig);
	n->final = join(plan->incoming, name);
	n->final_sig = xasprintf("%s.p7s", n->final);
	n->ledger = join(plan->incoming, ".received");
}

static void names_free(struct fetch_names *n)
{
	free(n->remote);
	free(n->remote_sig);
	free(n->part);
	free(n->sig_part);
	free(n->final);
	free(n->final_sig);
	free(n->ledger);
}

static int ledger_add(const struct fetch_names *n, const char *sha_hex, uint64_t size,
                      const char *name, FILE *err)
{
	char line[700];
	snprintf(line, sizeof line, "%s %llu %s\n", sha_hex, (unsigned long long)size, name);
	if (fs_append_line(n->ledger, line) == 0)
		return 0;
	fprintf(err, "csgw: %s: cannot record a received file: %s\n", n->ledger, strerror(errno));
	return -1;
}

enum seen { SEEN_NOT, SEEN_BEFORE, SEEN_NAME_TAKEN, SEEN_ERROR };

/* Was this file (name and SHA-256) received before?  By the ledger, or
 * delivered by a run that stopped before its ledger line (the line is
 * written now).  Consumers of incoming take a file only once its ledger
 * line exists, so the two together never forget a delivery. */
static enum seen seen_before(const struct fetch_names *n, const char *name, const char *sha_hex,
                             uint64_t size, FILE *err)
{
	char have[65];

	if (transfer_received(n->ledger, sha_hex, name))
		return SEEN_BEFORE;
	if (access(n->final, F_OK) != 0)
		return SEEN_NOT;
	if (digest_file_sha256_hex(n->final, have) < 0 || strcmp(have, sha_hex) != 0)
		return SEEN_NAME_TAKEN;
	return ledger_add(n, sha_hex, size, name, err) == 0 ? SEEN_BEFORE : SEEN_ERROR;
}

/* Acts on a file seen before or whose name is taken; SFTP_OK when the
 * caller should go on with it (SEEN_NOT). */
static enum sftp_fault settle_seen(struct sftp_conn *c, struct fetch_plan *plan, const char *name,
                                   const struct fetch_names *n, enum seen seen, const char *sha_hex,
                                   bool *done, FILE *out, FILE *err)
{
	*done = seen != SEEN_NOT;
	if (seen == SEEN_NOT)
		return SFTP_OK;
	discard(n->part, n->sig_part);
	switch (seen) {
	case SEEN_BEFORE:
		plan->already++;
		fprintf(out, "%s: already received (sha256 %s); not delivered again\n", n->remote,
		        sha_hex);
		if (plan->resent && plan->resent(plan->resent_ctx, name, sha_hex) < 0)
			return SFTP_OK; /* acknowledged at the next run, then cleared */
		return clear_remote(c, plan, name, n->remote, n->remote_sig, out, err);
	case SEEN_NAME_TAKEN:
		plan->skipped++;
		fprintf(out,
		        "%s: waits on the server: %s is an earlier file of that name, not taken "
		        "yet\n",
		        n->remote, n->final);
		return SFTP_OK;
	default:
		return SFTP_LOCAL;
	}
}

/* The audit entry of a file received from the partner. */
static int audit_received(struct fetch_plan *plan, const char *sha_hex, const char *decision,
                          FILE *err)
{
	struct audit_entry e = {0};

	if (plan->audit == NULL)
		return 0;
	audit_entry_set(&e, "direction", "in");
	audit_entry_set(&e, "partner", plan->partner);
	audit_entry_set(&e, "partner_class", plan->partner_class);
	audit_entry_set(&e, "decision", decision);
	audit_entry_set(&e, "file_sha256", sha_hex);
	audit_entry_actor(&e, plan->who);
	if (audit_append(plan->audit, &e, 1, err) < 0)
		return -1;
	plan->audited++;
	return 0;
}

/* Whatever is not a regular file at a name this download uses (a link
 * planted to make it write elsewhere, a FIFO to make it hang) is moved
 * into quarantine with a reason, never followed.  0, or -1 when it could
 * not be moved (the file then waits: nothing is written through it). */
static int move_planted(struct fetch_plan *plan, const struct fetch_names *n, FILE *err)
{
	const char *const names[] = {n->part, n->sig_part, n->final, n->final_sig, n->ledger};
	int rc = 0;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char what[600];
		if (fs_not_regular(names[i], what, sizeof what) != 1)
			continue;
		const char *base = strrchr(names[i], '/') + 1;
		char *why = xasprintf("%s was found at %s, where csgw fetch writes: moved aside, "
		                      "never followed",
		                      what, names[i]);
		char *to = fs_move_aside(names[i], plan->quarantine, base, why);
		if (to) {
			fprintf(err, "csgw: %s; moved to %s\n", why, to);
			plan->quarantined++;
		} else {
			fprintf(err, "csgw: %s: %s, and it cannot be moved aside: %s\n", names[i],
			        what, strerror(errno));
			rc = -1;
		}
		free(why);
		free(to);
	}
	return rc;
}

static enum sftp_fault fetch_one(struct sftp_conn *c, struct fetch_plan *plan, const char *name,
                                 uint64_t size, uint64_t sig_size, FILE *out, FILE *err)
{
	struct fetch_names n;
	char why[1024], resumed_note[64] = "", signed_hex[65];
	struct cms_signed_by by;
	unsigned char sha256[DIGEST_SHA256_LEN];
	uint64_t resumed = 0;
	enum sftp_fault f;
	bool done = false;

	names_make(&n, plan, name);
	if (move_planted(plan, &n, err) < 0) {
		f = SFTP_LOCAL;
		goto out;
	}
	if ((f = get_one(c, n.remote_sig, sig_size, n.sig_part, NULL, NULL, NULL, name, err)) !=
	    SFTP_OK)
		goto out;
	/* Even a resend the signature names is read whole and hashed before the
	 * remote copy is cleared: an old signature beside new data must never
	 * get the data removed unread. */
	if ((f = get_one(c, n.remote, size, n.part, &resumed, sha256, &plan->watch, name, err)) !=
	    SFTP_OK)
		goto out;
	enum sig_status st =
	    isolated_verify(&plan->trust, n.part, n.sig_part, sha256, &by, why, sizeof why);
	if (st == SIG_BAD && resumed) {
		/* The part from an earlier run may be of another file: once more,
		 * whole, before judging the partner's. */
		resumed = 0;
		if ((f = get_one(c, n.remote, size, n.part, NULL, sha256, &plan->watch, name,
		                 err)) != SFTP_OK)
			goto out;
		st =
		    isolated_verify(&plan->trust, n.part, n.sig_part, sha256, &by, why, sizeof why);
	}
	switch (st) {
	case SIG_OK:
		break;
	case SIG_BAD:
		fprintf(err, "csgw: %s: signature REJECTED: %s; quarantined\n", n.remote, why);
		digest_hex(sha256, sizeof sha256, signed_hex);
		if (audit_received(plan, signed_hex, "quarantined", err) < 0 ||
		    quarantine(plan, name, n.part, n.sig_part, n.remote, why, err) < 0) {
			f = SFTP_LOCAL;
			goto out;
		}
		plan->quarantined++;
		f = clear_remote(c, plan, name, n.remote, n.remote_sig, out, err);
		goto out;
	case SIG_CONFIG:
		plan->config_error = true;
		/* fall through */
	default:
		fprintf(err, "csgw: %s: %s\n", n.remote, why);
		f = SFTP_LOCAL;
		goto out;
	}
	f = settle_seen(c, plan, name, &n, seen_before(&n, name, by.sha256, size, err), by.sha256,
	                &done, out, err);
	if (done)
		goto out;
	/* Audited before it is delivered: no delivery without its entry. */
	if (audit_received(plan, by.sha256, "received", err) < 0) {
		f = SFTP_LOCAL;
		goto out;
	}
	/* The signature first, the data last, as on the partner's side. */
	if (fs_publish(n.sig_part, n.final_sig) < 0 || fs_publish(n.part, n.final) < 0) {
		fprintf(err, "csgw: %s: cannot deliver into %s: %s\n", n.remote, plan->incoming,
		        strerror(errno));
		f = SFTP_LOCAL;
		goto out;
	}
	crash_point("fetched-unrecorded");
	if (ledger_add(&n, by.sha256, size, name, err) < 0) {
		f = SFTP_LOCAL; /* delivered; the next run writes the line */
		goto out;
	}
	plan->fetched++;
	if (resumed)
		snprintf(resumed_note, sizeof resumed_note, ", resumed at %llu",
		         (unsigned long long)resumed);
	fprintf(out, "%s: received as %s (%llu bytes%s, sha256 %s, signed by '%s')\n", n.remote,
	        n.final, (unsigned long long)size, resumed_note, by.sha256, by.subject);
	f = clear_remote(c, plan, name, n.remote, n.remote_sig, out, err);
out:
	names_free(&n);
	return f;
}

enum sftp_fault transfer_fetch(struct sftp_conn *c, struct fetch_plan *plan, FILE *out, FILE *err)
{
	struct sftp_entry *e = NULL;
	size_t n = 0;
	char shown[400];
	enum sftp_fault worst = SFTP_OK;

	if (fs_make_dir(plan->incoming) < 0) {
		fprintf(err, "csgw: cannot create %s: %s\n", plan->incoming, strerror(errno));
		return SFTP_LOCAL;
	}
	enum sftp_fault f = sftp_list(c, plan->remote_dir, &e, &n);
	if (f != SFTP_OK) {
		fprintf(err, "csgw: %s\n", sftp_message(c));
		return f;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = e[i].name;
		if (name[0] == '.' && e[i].name_len == strlen(name) && !strchr(name, '/'))
			continue; /* hidden: not for us */
		if (!transfer_name_safe(name, e[i].name_len)) {
			fprintf(err,
			        "csgw: %s: refused the remote name \"%s\" (a '/', '..', control "
			        "character or NUL); left on the server for the partner to remove\n",
			        plan->remote_dir,
			        printable(name, e[i].name_len, shown, sizeof shown));
			plan->refused++;
			continue;
		}
		if (ends_with(name, ".part") || ends_with(name, ".p7s"))
			continue; /* being written, or a signature that goes with its file */
		char *sig_name = xasprintf("%s.p7s", name);
		const struct sftp_entry *sig = sftp_find_entry(e, n, sig_name);
		free(sig_name);
		if (sig && sig->size > TRANSFER_SIGNATURE_MAX) {
			fprintf(
			    err,
			    "csgw: %s/%s.p7s: %llu bytes is no signature (at most %d); refused, "
			    "left on the server\n",
			    plan->remote_dir, name, (unsigned long long)sig->size,
			    TRANSFER_SIGNATURE_MAX);
			plan->refused++;
			continue;
		}
		if (!e[i].regular || sig == NULL || !sig->regular) {
			fprintf(out, "%s/%s: %s; skipped\n", plan->remote_dir, name,
			        e[i].regular ? "no signature beside it yet" : "not a regular file");
			plan->skipped++;
			continue;
		}
		f = fetch_one(c, plan, name, e[i].size, sig->size, out, err);
		if (f == SFTP_CHANGED) {
			plan->skipped++;
			continue;
		}
		if (f != SFTP_OK && worst == SFTP_OK)
			worst = f;
		if (f == SFTP_TEMPORARY) {
			worst = f;
			break;
		}
	}
	sftp_entries_free(e, n);
	return worst;
}
