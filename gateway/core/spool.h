/*
 * spool.h - the durable queue of files to and from partners.
 *
 * Under the spool root, one folder per state of an outbound entry:
 *
 *   outgoing/PARTNER/        producers drop XML batches here (write to a
 *   outgoing/PARTNER/TYPE/   temporary or hidden name, then rename), and
 *                            fixed-width extracts of batch TYPE below
 *   active/ID/               taken: being prepared, or ready to send
 *   deferred/ID/             a transfer failed; waits for its next attempt
 *   sent/ID/                 on the partner's server; waits for a receipt
 *   done/ID/                 acknowledged (or needs no receipt)
 *   hold/ID/                 needs a person: rejected, or retried too long
 *   quarantine/ID/           content failure (bad data, policy denial)
 *
 * and for inbound files incoming/PARTNER/ (transfer_fetch), inbox/FAMILY/
 * (delivered to the state) and delivered/PARTNER/ (what was delivered, by
 * SHA-256 and batch number).
 *
 * An entry is a folder named by its id, holding 'meta' (key=value lines:
 * partner, kind, family, batch, file, sha256, attempts, times, reason),
 * the dropped file ('source'), the file to send and its signature, and a
 * 'reason' file once held or quarantined.  The folder an entry is in is
 * its state: a transition is one rename of the folder (io/fs.h fs_move:
 * both folders fsynced), and meta is rewritten whole (temp, fsync,
 * rename) before it.  So a crash leaves every entry in exactly one state.
 *
 * Functions return 0 or -1 with errno set; nothing is fatal.
 */
#ifndef CSGW_CORE_SPOOL_H
#define CSGW_CORE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum spool_state {
	SPOOL_ACTIVE,
	SPOOL_DEFERRED,
	SPOOL_SENT,
	SPOOL_DONE,
	SPOOL_HOLD,
	SPOOL_QUARANTINE,
	SPOOL_NSTATES
};

#define SPOOL_ID_MAX 48

struct spool_entry {
	char id[SPOOL_ID_MAX];
	enum spool_state state;
	char partner[64];
	char kind[16];   /* "batch" (our data) or "receipt" (our acknowledgement) */
	char type[32];   /* batch type of a fixed-width drop; "" for XML */
	char family[16]; /* once prepared */
	char batch[16];
	char file[208];   /* name of the prepared file, here and on the server */
	char source[320]; /* name it was dropped under (for people) */
	char sha256[65];  /* of the prepared file */
	unsigned long records;
	unsigned attempts;
	time_t created, next_attempt, sent, changed;
	bool alerted; /* the overdue receipt was reported */
	char reason[1024];
};

const char *spool_state_name(enum spool_state);
/* -1 for a name that is not a state. */
int spool_state_of(const char *name);

/* A name in outgoing that is not a complete drop yet: hidden, or a
 * temporary .tmp or .part name (csgw run leaves it; status does not count
 * it). */
bool spool_drop_unfinished(const char *name);

/* Creates the root and the state folders.  0 or -1. */
int spool_make(const char *root);

/* A new entry in 'active' for e's partner and kind: sets e->id, created
 * and changed, and writes its meta.  0 or -1. */
int spool_create(const char *root, struct spool_entry *e);

/* A folder in the spool root where a command builds the files of a new
 * entry (caller frees), NULL and errno on failure; spool_unstage()
 * removes it when the entry is given up, and csgw run's sweep removes one
 * whose process is gone. */
char *spool_stage(const char *root);
void spool_unstage(const char *stage);
/* Makes a staged folder a new entry in 'active', as spool_create does
 * (id, times, meta), in one rename: the entry appears whole or not at
 * all.  0 or -1. */
int spool_submit(const char *root, struct spool_entry *e, const char *stage);
/* Rewrites an entry's meta (whole or not at all).  0 or -1. */
int spool_save(const char *root, const struct spool_entry *e);

/* Reads entry 'id' of 'state'.  0 or -1 (ENOENT: not there). */
int spool_load(const char *root, enum spool_state, const char *id, struct spool_entry *e);

/* Looks for 'id' in every state.  0 or -1 (ENOENT). */
int spool_find(const char *root, const char *id, struct spool_entry *e);

/* Moves an entry to another state, with 'reason' (NULL: keep it) written
 * to its meta and, when not empty, to its 'reason' file.  0 or -1. */
int spool_move(const char *root, struct spool_entry *e, enum spool_state to, const char *reason);

/* Every entry of a state, oldest first (by id); *n may be 0.  0 or -1. */
int spool_list(const char *root, enum spool_state, struct spool_entry **entries, size_t *n);

/* Removes an entry and everything in its folder.  0 or -1. */
int spool_remove(const char *root, const struct spool_entry *e);

/* Removes what writers killed mid-write left behind in the spool's own
 * folders (entries, delivered markers, the root): hidden temporary files
 * of io/fs.h whose process is gone, and disclose scratch files.  Producers'
 * files in outgoing and resumable downloads in incoming are not touched.
 * For the daemon at start, holding the spool's lock.  Returns how many
 * files were removed. */
unsigned spool_sweep(const char *root);

/* The path of 'name' inside an entry's folder, or the folder itself when
 * name is NULL (caller frees). */
char *spool_path(const char *root, const struct spool_entry *e, const char *name);

/* An id as spool_create makes them (for ids typed by people, and to tell
 * entries from other folders). */
bool spool_id_valid(const char *id);

#endif
