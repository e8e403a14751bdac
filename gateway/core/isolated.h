/*
 * isolated.h - partner batches are parsed by a process that holds nothing.
 *
 * unmap_read (core/unmap.h) is the one reader of XML batches a partner
 * chose: inbound batches, receipts, acknowledgements.  Once the daemon
 * calls isolated_enable, isolated_unmap_read runs it in a child made by
 * io/sandbox.h: a fresh csgw with the file open on descriptor 0 and a
 * pipe on 1, no key, no database, and a seccomp filter.  The child sends
 * back what unmap_read gives (the fixed-width lines, the problems as
 * text, the counts and the status) in the small format below, and the
 * parent checks it as strictly as any partner input:
 *
 *   frame   = type (1 byte) length (4 bytes, little endian) payload
 *   'L'     one fixed-width line, at most ISOLATED_LINE_MAX bytes
 *   'P'     once: the number of problems (4 bytes), then their text
 *   'D'     last: status (1), records (8), n (4), n counts (8 each, the
 *           family's records in order), then the batch type's name
 *
 * A child that crashes, is killed (by the filter, or by a person), runs
 * past its time (60 s, and 1 s per 4 MiB of input) or answers anything
 * else is a problem of the file (MAP_BAD_DATA, reported with what
 * happened), so the caller quarantines it with that reason and goes on.
 */
#ifndef CSGW_CORE_ISOLATED_H
#define CSGW_CORE_ISOLATED_H

#include <stdbool.h>

#include "core/unmap.h"
#include "io/cms.h"

#define ISOLATED_LINE_MAX (1 << 20)
#define ISOLATED_TEXT_MAX (256 << 10)

/* From now on isolated_unmap_read parses in a child that loads the
 * mappings of 'mappings_dir'. */
void isolated_enable(const char *mappings_dir, bool test_env);

/* unmap_read, in a sandboxed child once enabled (else in this process). */
enum map_status isolated_unmap_read(const struct mapping_set *, const char *input, bool test_env,
                                    const struct unmap_limits *, struct report *,
                                    unmap_line_fn emit, void *emit_ctx,
                                    struct batch_counts *counts);

/* The same parse while the file is still arriving (a download): the child
 * reads a socket the caller feeds, so parsing overlaps the transfer.
 * begin: NULL when isolation is off or the child cannot start (the caller
 * parses the file afterwards, as ever).  rep, emit and counts are the
 * stream's until end.  feed: false once the child reads no more (it has
 * answered, or failed); the rest is not sent.  end: with 'whole' (every
 * byte was offered), waits for the answer (60 s, and 1 s per 4 MiB, from
 * then) and returns the status as isolated_unmap_read would: a child that
 * died or answered wrongly makes it MAP_BAD_DATA.  -1 when the input was
 * cut short (not whole, or a send failed while the child still read): the
 * child is stopped and the caller parses the file instead. */
struct isolated_stream;
struct isolated_stream *isolated_stream_begin(const struct mapping_set *, bool test_env,
                                              const struct unmap_limits *, struct report *,
                                              unmap_line_fn emit, void *emit_ctx,
                                              struct batch_counts *counts);
bool isolated_stream_feed(struct isolated_stream *, const void *data, size_t len);
int isolated_stream_end(struct isolated_stream *, bool whole);

/* The child's side (csgw parse-child): parses descriptor 0, answers on 1.
 * Returns the exit status. */
int isolated_child(const struct mapping_set *, bool test_env, const char *name,
                   const struct unmap_limits *, unsigned long report_max);

/* The parent's reader of an answer on 'fd', until end of file or
 * 'deadline_ms' (CLOCK_MONOTONIC; 0: none).  Returns the status, or -1
 * with 'why' when the answer is not one (garbage, cut short, too slow);
 * -2 when 'emit' asked to stop.  Exposed for the fuzzer. */
int isolated_read_answer(int fd, long long deadline_ms, const struct mapping_set *, struct report *,
                         unmap_line_fn emit, void *emit_ctx, struct batch_counts *counts, char *why,
                         size_t whylen);

/* Partners' signatures are checked there too: cms_verify_file_digest
 * (io/cms.h) in a child (csgw verify-child) that loads the CA bundle and
 * the partner's certificate, then, sandboxed, reads the signature on
 * descriptor 0 and the content on SANDBOX_EXTRA_FD, and answers one frame:
 *
 *   'S'     status (1), signing time (8), the content's SHA-256 (32), the
 *           signer's subject, a NUL, then the reason (empty when good)
 *
 * A child that fails as above makes the signature SIG_BAD, its reason
 * saying what happened: the file is quarantined, never delivered. */
enum sig_status isolated_verify(const struct cms_trust *, const char *path, const char *sig_path,
                                const unsigned char *sha256, struct cms_signed_by *by, char *why,
                                size_t whylen);

/* The child's side; 'sha256' may be NULL.  Returns the exit status. */
int isolated_verify_child(const struct cms_trust *, const unsigned char *sha256,
                          const char *sig_name, const char *content_name);

/* The parent's reader of that answer: the status with *by and the child's
 * reason in 'said', or -1 with 'why' when it is not one.  For the fuzzer. */
int isolated_read_verdict(int fd, long long deadline_ms, struct cms_signed_by *by, char *said,
                          size_t saidlen, char *why, size_t whylen);

#endif
