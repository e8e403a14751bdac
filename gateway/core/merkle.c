/*
 * merkle.c - the audit log's hash tree (RFC 6962).
 */
#include "core/merkle.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void merkle_leaf_hash(const void *entry, size_t len, unsigned char out[MERKLE_HASH])
{
	unsigned char small[1024];
	unsigned char *buf = len < sizeof small ? small : xmalloc(len + 1);
	buf[0] = 0x00;
	memcpy(buf + 1, entry, len);
	digest_sha256_buf(buf, len + 1, out);
	if (buf != small)
		free(buf);
}

void merkle_node_hash(const unsigned char left[MERKLE_HASH], const unsigned char right[MERKLE_HASH],
                      unsigned char out[MERKLE_HASH])
{
	unsigned char buf[1 + 2 * MERKLE_HASH];
	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH);
	memcpy(buf + 1 + MERKLE_HASH, right, MERKLE_HASH);
	digest_sha256_buf(buf, sizeof buf, out);
}

void merkle_init(struct merkle *m)
{
	memset(m, 0, sizeof *m);
}

void merkle_append(struct merkle *m, const unsigned char leaf_hash[MERKLE_HASH])
{
	if (m->count >= 64) /* only a corrupt frontier: 2^64 leaves never come */
		return;
	memcpy(m->frontier[m->count], leaf_hash, MERKLE_HASH);
	m->height[m->count++] = 0;
	/* Two perfect subtrees of one height make one of the next. */
	while (m->count >= 2 && m->height[m->count - 1] == m->height[m->count - 2]) {
		merkle_node_hash(m->frontier[m->count - 2], m->frontier[m->count - 1],
		                 m->frontier[m->count - 2]);
		m->height[m->count - 2]++;
		m->count--;
	}
	m->size++;
}

void merkle_root(const struct merkle *m, unsigned char out[MERKLE_HASH])
{
	if (m->count == 0) {
		digest_sha256_buf("", 0, out);
		return;
	}
	/* RFC 6962 splits at the largest power of two: fold from the right. */
	memcpy(out, m->frontier[m->count - 1], MERKLE_HASH);
	for (unsigned i = m->count - 1; i-- > 0;)
		merkle_node_hash(m->frontier[i], out, out);
}

/* The largest power of two below n (n > 1). */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

void merkle_range_root(const unsigned char (*leaves)[MERKLE_HASH], uint64_t lo, uint64_t hi,
                       unsigned char out[MERKLE_HASH])
{
	if (hi - lo == 1) {
		memcpy(out, leaves[lo], MERKLE_HASH);
		return;
	}
	unsigned char left[MERKLE_HASH], right[MERKLE_HASH];
	uint64_t k = split(hi - lo);
	merkle_range_root(leaves, lo, lo + k, left);
	merkle_range_root(leaves, lo + k, hi, right);
	merkle_node_hash(left, right, out);
}

static void path_of(const unsigned char (*leaves)[MERKLE_HASH], uint64_t lo, uint64_t hi,
                    uint64_t m, unsigned char path[][MERKLE_HASH], unsigned *count)
{
	if (hi - lo <= 1)
		return;
	uint64_t k = split(hi - lo);
	if (m < k) {
		path_of(leaves, lo, lo + k, m, path, count);
		merkle_range_root(leaves, lo + k, hi, path[(*count)++]);
	} else {
		path_of(leaves, lo + k, hi, m - k, path, count);
		merkle_range_root(leaves, lo, lo + k, path[(*count)++]);
	}
}

void merkle_inclusion_path(const unsigned char (*leaves)[MERKLE_HASH], uint64_t size,
                           uint64_t index, unsigned char path[][MERKLE_HASH], unsigned *count)
{
	*count = 0;
	path_of(leaves, 0, size, index, path, count);
}

int merkle_check_inclusion(const unsigned char leaf_hash[MERKLE_HASH], uint64_t index,
                           uint64_t size, const unsigned char path[][MERKLE_HASH], unsigned count,
                           const unsigned char root[MERKLE_HASH])
{
	uint64_t fn = index, sn = size - 1;
	unsigned char r[MERKLE_HASH];

	if (index >= size)
		return 0;
	memcpy(r, leaf_hash, MERKLE_HASH);
	for (unsigned i = 0; i < count; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(path[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node_hash(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, MERKLE_HASH) == 0;
}

/* RFC 6962 SUBPROOF(m, D[lo:hi], b), the ranges only. */
static void subproof(uint64_t m, uint64_t lo, uint64_t hi, int whole, struct merkle_range *out,
                     unsigned *count)
{
	uint64_t n = hi - lo;
	if (m == n) {
		if (!whole)
			out[(*count)++] = (struct merkle_range){lo, hi};
		return;
	}
	uint64_t k = split(n);
	if (m <= k) {
		subproof(m, lo, lo + k, whole, out, count);
		out[(*count)++] = (struct merkle_range){lo + k, hi};
	} else {
		subproof(m - k, lo + k, hi, 0, out, count);
		out[(*count)++] = (struct merkle_range){lo, lo + k};
	}
}

unsigned merkle_consistency_ranges(uint64_t m, uint64_t n, struct merkle_range out[64])
{
	unsigned count = 0;
	if (m > 0 && m < n)
		subproof(m, 0, n, 1, out, &count);
	return count;
}

int merkle_check_consistency(uint64_t m, uint64_t n, const unsigned char root_m[MERKLE_HASH],
                             const unsigned char root_n[MERKLE_HASH],
                             const unsigned char proof[][MERKLE_HASH], unsigned count)
{
	unsigned char fr[MERKLE_HASH], sr[MERKLE_HASH];
	unsigned i = 0;

	if (m == 0 || m > n)
		return 0;
	if (m == n)
		return count == 0 && memcmp(root_m, root_n, MERKLE_HASH) == 0;
	if (count == 0 || count > 64)
		return 0;
	/* A first tree of 2^k leaves is a node of the second: its root
	 * starts the path; otherwise the proof's first hash does. */
	if ((m & (m - 1)) == 0) {
		memcpy(fr, root_m, MERKLE_HASH);
	} else {
		memcpy(fr, proof[0], MERKLE_HASH);
		i = 1;
	}
	memcpy(sr, fr, MERKLE_HASH);
	uint64_t fn = m - 1, sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < count; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(fr, root_m, MERKLE_HASH) == 0 &&
	       memcmp(sr, root_n, MERKLE_HASH) == 0;
}
