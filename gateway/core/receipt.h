/*
 * receipt.h - acknowledgements of received files (the receipt family).
 *
 * A receipt names the file it acknowledges by SHA-256 and batch number,
 * says whether the file was accepted, and gives a result for each rejected
 * record (record 0 stands for the file as a whole).  Records that are not
 * listed were accepted; the trailer counts both.  It is written through the
 * receipt family's mapping (mappings/receipt/), so it passes the same
 * field rules and schema as every batch, and read back through the
 * streaming validator.  Signing it is the caller's business (io/cms.h).
 *
 * Functions return enum map_status (core/map.h); problems go to the report.
 */
#ifndef CSGW_CORE_RECEIPT_H
#define CSGW_CORE_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/audit.h"
#include "core/map.h"
#include "core/mapping.h"
#include "core/report.h"

#define RECEIPT_MAX_ERRORS 5

struct receipt_error {
	char code[6];     /* e.g. RC014 */
	char message[51]; /* upper case, the 'text' charset */
};

struct receipt_result {
	unsigned long record; /* 1-based data record number; 0 = the whole file */
	unsigned nerrors;
	struct receipt_error errors[RECEIPT_MAX_ERRORS];
};

/* A signed head of an audit log carried by the receipt (record AC), with
 * the hashes of its consistency proof (AP records) for the maker's own. */
struct receipt_head {
	bool present;
	bool malformed; /* a hash that is not 64 hex digits, or too many */
	struct audit_head head;
	uint64_t proof_from; /* 0: no proof */
	unsigned nproof;
	unsigned char proof[64][MERKLE_HASH];
};

struct receipt {
	char receiver_state[3]; /* who received the file and makes the receipt */
	char sender_state[3];   /* who sent the file */
	time_t received;        /* written as a UTC date and time */
	char file_name[101];    /* may be empty */
	char sha256[65];
	char batch[7]; /* 6 digits */
	bool accepted; /* the file as a whole */
	unsigned long accepted_count, rejected_count;
	struct receipt_result *results; /* the rejected records */
	size_t nresults;
	struct receipt_head head; /* the maker's log: kind H */
	struct receipt_head echo; /* the receiver's log as the maker holds it: kind E */
};

/* Adds an error to the result of 'record', creating it; -1 when that
 * record already has RECEIPT_MAX_ERRORS, or the code is longer than 5 or
 * the message than 50 characters (nothing is cut short). */
int receipt_reject(struct receipt *, unsigned long record, const char *code, const char *message);

/* Sets the name of the acknowledged file, for people (the digest names
 * it for machines): characters outside the receipt's 'filename' charset,
 * such as spaces, become '_'; cut at 100. */
void receipt_set_file_name(const struct mapping_set *, struct receipt *, const char *name);

/* Writes the receipt as an XML batch at 'output' (whole or not at all). */
enum map_status receipt_write(const struct mapping_set *, const struct receipt *,
                              const char *output, struct report *);

/* Reads and checks a receipt; fills *r on MAP_OK (free with receipt_free). */
enum map_status receipt_read(const struct mapping_set *, const char *input, struct receipt *r,
                             struct report *);

/* The batch number and data record count of a received XML batch of any
 * family, read (and checked) as a stream; its type too when 'type' is not
 * NULL. */
enum map_status receipt_batch_facts(const struct mapping_set *, const char *input, bool test_env,
                                    char batch[7], unsigned long *records,
                                    const struct batch_type **type, struct report *);

/* receipt_batch_facts of a file still arriving, parsed as its bytes are
 * fed (core/isolated.h, isolated_stream_*): begin, feed, end.  'rep' is
 * the stream's until end.  NULL from begin, or -1 from end: nothing to
 * trust, ask receipt_batch_facts of the file. */
struct batch_facts_stream;
struct batch_facts_stream *receipt_batch_facts_begin(const struct mapping_set *, bool test_env,
                                                     struct report *);
bool receipt_batch_facts_feed(struct batch_facts_stream *, const void *data, size_t len);
int receipt_batch_facts_end(struct batch_facts_stream *, bool whole, char batch[7],
                            unsigned long *records, const struct batch_type **type,
                            struct report *);

void receipt_free(struct receipt *);

#endif
