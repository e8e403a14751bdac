/*
 * merkle.h - the audit log's hash tree, as RFC 6962 (Certificate
 * Transparency) defines it: leaf = SHA-256(0x00 || entry), node =
 * SHA-256(0x01 || left || right), the tree of n leaves split at the
 * largest power of two below n.
 *
 * A tree is kept as its right frontier: the roots of the perfect subtrees
 * that make up the first n leaves (at most 64), so appending is O(log n)
 * and memory does not grow with the log.
 */
#ifndef CSGW_CORE_MERKLE_H
#define CSGW_CORE_MERKLE_H

#include <stdint.h>

#include "io/digest.h"

#define MERKLE_HASH DIGEST_SHA256_LEN

struct merkle {
	uint64_t size; /* leaves so far */
	unsigned count;
	unsigned char frontier[64][MERKLE_HASH]; /* perfect subtree roots, largest first */
	unsigned height[64];
};

void merkle_leaf_hash(const void *entry, size_t len, unsigned char out[MERKLE_HASH]);
void merkle_node_hash(const unsigned char left[MERKLE_HASH], const unsigned char right[MERKLE_HASH],
                      unsigned char out[MERKLE_HASH]);

void merkle_init(struct merkle *);
void merkle_append(struct merkle *, const unsigned char leaf_hash[MERKLE_HASH]);
/* The root of the tree so far (the hash of the empty string for none). */
void merkle_root(const struct merkle *, unsigned char out[MERKLE_HASH]);

/* The root of leaves [lo, hi) of an array of leaf hashes (RFC 6962 MTH). */
void merkle_range_root(const unsigned char (*leaves)[MERKLE_HASH], uint64_t lo, uint64_t hi,
                       unsigned char out[MERKLE_HASH]);

/* The inclusion proof (RFC 6962 PATH) of leaf 'index' in the tree of the
 * first 'size' leaves: *count hashes into path (room for 64). */
void merkle_inclusion_path(const unsigned char (*leaves)[MERKLE_HASH], uint64_t size,
                           uint64_t index, unsigned char path[][MERKLE_HASH], unsigned *count);

/* Does the path lead from leaf_hash at index to root in a tree of size
 * leaves?  (RFC 9162 section 2.1.3.2.) */
int merkle_check_inclusion(const unsigned char leaf_hash[MERKLE_HASH], uint64_t index,
                           uint64_t size, const unsigned char path[][MERKLE_HASH], unsigned count,
                           const unsigned char root[MERKLE_HASH]);

/* A consistency proof (RFC 6962 PROOF(m, D[n]), 0 < m < n) is the list of
 * the roots of these leaf ranges [lo, hi), in proof order (at most 64). */
struct merkle_range {
	uint64_t lo, hi;
};
unsigned merkle_consistency_ranges(uint64_t m, uint64_t n, struct merkle_range out[64]);

/* Does the proof show that the tree of m leaves with root_m is the start of
 * the tree of n leaves with root_n?  (RFC 9162 section 2.1.4.2; m == n
 * needs an empty proof and equal roots.) */
int merkle_check_consistency(uint64_t m, uint64_t n, const unsigned char root_m[MERKLE_HASH],
                             const unsigned char root_n[MERKLE_HASH],
                             const unsigned char proof[][MERKLE_HASH], unsigned count);

#endif
