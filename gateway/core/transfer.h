/*
 * transfer.h - how files cross to and from a partner's SFTP server.
 *
 * Upload (transfer_send): the signature first, then the data file, each
 * written as NAME.part, its remote size checked, then renamed to NAME; so
 * the partner never sees a data file without its signature, nor a partial
 * file under a final name.  A NAME.part left by an interrupted run is
 * resumed when our signature is already there and its tail matches our
 * file, else rewritten.
 *
 * Download (transfer_fetch): every signed file of the partner's outbox is
 * written to a hidden .NAME.part in the local incoming folder (resumed
 * likewise), fsynced, verified against the partner's certificate, then
 * renamed into place, recorded by name and SHA-256 in the folder's
 * .received ledger, and only then removed from (or moved out of) the
 * outbox.  A crash at any point costs at worst a second download, which
 * the ledger (or the delivered file itself, when the run stopped before
 * its ledger line) recognises: nothing is delivered twice.  Hence the rule
 * for whoever takes files out of the incoming folder: only files whose
 * ledger line exists.  A resend is known by its signature alone, before
 * its data is downloaded.  A file whose signature fails goes to the
 * quarantine folder with a .reason file.
 *
 * Both print one line per file to 'out' and problems to 'err', never file
 * contents.  They return the worst fault met; after SFTP_TEMPORARY the
 * connection is gone and the rest waits for the next run.
 */
#ifndef CSGW_CORE_TRANSFER_H
#define CSGW_CORE_TRANSFER_H

#include <stdbool.h>
#include <stdio.h>

#include "core/audit.h"
#include "io/cms.h"
#include "io/sftp.h"

/* A signature file larger than this is refused before download (csgw
 * accepts attached signatures up to 64 MiB; a detached one is kilobytes). */
#define TRANSFER_SIGNATURE_MAX (64 * 1024 * 1024)

/* Longest name we take: room for the hidden ".NAME.p7s.part" in 255. */
#define TRANSFER_NAME_MAX 200

/* A remote name we may use: not empty, not hidden, no '/', no "..", no
 * control characters, at most TRANSFER_NAME_MAX bytes; name_len catches a
 * NUL inside. */
bool transfer_name_safe(const char *name, size_t name_len);

/* A local file whose name can go to a partner: a safe name, not ending in
 * .part or .p7s (names the protocol itself uses). */
bool transfer_sendable(const char *file);

/* Uploads 'file' and 'sig' (its signature) into remote_dir under the
 * file's own name (and NAME.p7s); the name must be transfer_sendable.  A
 * NAME.part is resumed only when our signature is already on the server
 * (it went first).  The file is hashed as it is sent; when
 * sha256 (what the signature signs) is given and the bytes sent differ,
 * the data file is not published and *stale is set: sign it again and
 * call again (the upload itself is resumed, not repeated). */
enum sftp_fault transfer_send(struct sftp_conn *, const char *remote_dir, const char *file,
                              const char *sig, const unsigned char *sha256, bool *stale, FILE *out,
                              FILE *err);

/* Removes from remote_dir the NAME.part (and NAME.p7s.part) of uploads
 * that will never be finished: NAME is not one 'waiting' says we are
 * about to send, and the part is older than max_age seconds (a person's
 * interrupted csgw send can still resume within that).  The caller holds
 * the partner's lock: no other csgw writes there meanwhile.  Each removal
 * is a line on 'out'; *removed counts them. */
enum sftp_fault transfer_sweep_parts(struct sftp_conn *, const char *remote_dir,
                                     bool (*waiting)(void *ctx, const char *name), void *ctx,
                                     long max_age, unsigned *removed, FILE *out, FILE *err);

struct fetch_plan {
	const char *remote_dir;
	const char *remote_done;   /* move fetched files here; NULL: remove them */
	const char *incoming;      /* local folder for verified files */
	const char *quarantine;    /* local folder for files that failed */
	struct cms_trust trust;    /* the partner's certificate */
	unsigned fetched, already; /* counts, for the caller's summary */
	unsigned quarantined, skipped, refused;
	bool config_error; /* the partner's certificate or CA bundle is unusable */
	/* Every file received (or quarantined) is an audit entry, written
	 * before the file is delivered; NULL: no audit (tests of transport
	 * alone). */
	struct audit *audit;
	const char *partner, *partner_class;
	const struct caller *who; /* on whose behalf: each entry names them */
	unsigned audited;
	/* Called for a file received before (same name and SHA-256) that the
	 * partner sent again, so that it can be acknowledged again: 0, or -1
	 * to leave the remote copy for the next run (the acknowledgement
	 * failed).  NULL: the resend is cleared without one (csgw fetch). */
	int (*resent)(void *ctx, const char *name, const char *sha256);
	void *resent_ctx;
	/* Told of a data file's bytes as they arrive (never a signature's,
	 * never a download resumed half-way), so that they are parsed on the
	 * way: begin (NULL: not watched), data, then end with the local part's
	 * path and, when every byte came, the digest (else NULL).  Whatever
	 * it concludes waits for the signature's verdict: the file may still
	 * be quarantined.  No begin: not watched. */
	struct fetch_watch {
		void *(*begin)(void *ctx, const char *name);
		void (*data)(void *w, const void *data, size_t len);
		void (*end)(void *ctx, void *w, const char *part, const unsigned char *sha256);
		void *ctx;
	} watch;
};

/* Does the .received ledger of an incoming folder list this file ("SHA256
 * SIZE NAME" lines)?  A ledger that is not a regular file lists nothing. */
bool transfer_received(const char *ledger, const char *sha256, const char *name);

enum sftp_fault transfer_fetch(struct sftp_conn *, struct fetch_plan *, FILE *out, FILE *err);

#endif
