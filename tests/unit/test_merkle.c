/*
 * test_merkle.c - the audit tree against RFC 6962's published test vectors
 * (the eight leaves and roots of certificate-transparency's
 * merkle_tree_test), so our hashing is Certificate Transparency's, not
 * merely self-consistent.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "core/merkle.h"

static void from_hex(const char *hex, unsigned char *out, size_t *len)
{
	*len = strlen(hex) / 2;
	for (size_t i = 0; i < *len; i++) {
		unsigned v = 0;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

static void rfc6962_vectors(void **state)
{
	static const char *const leaves[] = {
	    "",
	    "00",
	    "10",
	    "2021",
	    "3031",
	    "40414243",
	    "5051525354555657",
	    "606162636465666768696a6b6c6d6e6f",
	};
	static const char *const roots[] = {
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	struct merkle m;
	unsigned char leaf[64], hash[MERKLE_HASH], want[MERKLE_HASH];
	size_t len, wlen;
	(void)state;

	merkle_init(&m);
	merkle_root(&m, hash); /* the empty tree: SHA-256 of nothing */
	from_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, &wlen);
	assert_memory_equal(hash, want, MERKLE_HASH);
	for (int i = 0; i < 8; i++) {
		from_hex(leaves[i], leaf, &len);
		merkle_leaf_hash(leaf, len, hash);
		merkle_append(&m, hash);
		merkle_root(&m, hash);
		from_hex(roots[i], want, &wlen);
		if (memcmp(hash, want, MERKLE_HASH) != 0)
			fail_msg("root of %d leaves differs from RFC 6962's", i + 1);
	}
	assert_int_equal(m.size, 8);
	assert_int_equal(m.count, 1); /* 8 leaves: one perfect tree */
}

/* Every leaf of trees of 1 to 8 leaves has a proof that checks, and the
 * same proof fails for another leaf, index, size or root. */
static void inclusion_proofs(void **state)
{
	unsigned char leaves[8][MERKLE_HASH], root[MERKLE_HASH], path[64][MERKLE_HASH];
	unsigned count;
	(void)state;

	for (int i = 0; i < 8; i++) {
		unsigned char b = (unsigned char)i;
		merkle_leaf_hash(&b, 1, leaves[i]);
	}
	for (uint64_t n = 1; n <= 8; n++) {
		merkle_range_root(leaves, 0, n, root);
		for (uint64_t m = 0; m < n; m++) {
			merkle_inclusion_path(leaves, n, m, path, &count);
			assert_true(merkle_check_inclusion(leaves[m], m, n, path, count, root));
			if (n > 1) {
				uint64_t other = (m + 1) % n;
				assert_false(
				    merkle_check_inclusion(leaves[other], m, n, path, count, root));
				assert_false(
				    merkle_check_inclusion(leaves[m], other, n, path, count, root));
				path[0][0] ^= 1;
				assert_false(
				    merkle_check_inclusion(leaves[m], m, n, path, count, root));
			}
			root[0] ^= 1;
			assert_false(merkle_check_inclusion(leaves[m], m, n, path, count, root));
			root[0] ^= 1;
		}
	}
	/* The frontier's root and the recursive definition agree. */
	struct merkle mt;
	merkle_init(&mt);
	for (int i = 0; i < 8; i++) {
		merkle_append(&mt, leaves[i]);
		unsigned char a[MERKLE_HASH], b[MERKLE_HASH];
		merkle_root(&mt, a);
		merkle_range_root(leaves, 0, (uint64_t)i + 1, b);
		assert_memory_equal(a, b, MERKLE_HASH);
	}
}

/* The proof of ranges [lo, hi) of 'leaves'. */
static unsigned proof_of(const unsigned char (*leaves)[MERKLE_HASH], uint64_t m, uint64_t n,
                         unsigned char proof[64][MERKLE_HASH])
{
	struct merkle_range r[64];
	unsigned count = merkle_consistency_ranges(m, n, r);
	for (unsigned i = 0; i < count; i++)
		merkle_range_root(leaves, r[i].lo, r[i].hi, proof[i]);
	return count;
}

/* Certificate Transparency's published consistency proofs over the same
 * eight leaves (merkle_tree_test's kConsistencyProofs). */
static void rfc6962_consistency_vectors(void **state)
{
	static const struct {
		uint64_t m, n;
		const char *proof[3];
	} vectors[] = {
	    {1,
	     8,
	     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	    {6,
	     8,
	     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	    {2,
	     5,
	     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	};
	static const char *const data[] = {
	    "",
	    "00",
	    "10",
	    "2021",
	    "3031",
	    "40414243",
	    "5051525354555657",
	    "606162636465666768696a6b6c6d6e6f",
	};
	unsigned char leaves[8][MERKLE_HASH], proof[64][MERKLE_HASH], want[MERKLE_HASH];
	unsigned char rm[MERKLE_HASH], rn[MERKLE_HASH], buf[16];
	size_t len;
	(void)state;

	for (int i = 0; i < 8; i++) {
		from_hex(data[i], buf, &len);
		merkle_leaf_hash(buf, len, leaves[i]);
	}
	for (size_t v = 0; v < sizeof vectors / sizeof *vectors; v++) {
		unsigned count = proof_of(leaves, vectors[v].m, vectors[v].n, proof);
		unsigned expected = 0;
		while (expected < 3 && vectors[v].proof[expected])
			expected++;
		assert_int_equal(count, expected);
		for (unsigned i = 0; i < count; i++) {
			from_hex(vectors[v].proof[i], want, &len);
			assert_memory_equal(proof[i], want, MERKLE_HASH);
		}
		merkle_range_root(leaves, 0, vectors[v].m, rm);
		merkle_range_root(leaves, 0, vectors[v].n, rn);
		assert_true(
		    merkle_check_consistency(vectors[v].m, vectors[v].n, rm, rn, proof, count));
	}
}

/* Every pair of sizes up to 20 leaves: the proof checks; a changed hash,
 * root, size or a proof cut short does not. */
static void consistency_proofs(void **state)
{
	unsigned char leaves[20][MERKLE_HASH], proof[64][MERKLE_HASH];
	unsigned char rm[MERKLE_HASH], rn[MERKLE_HASH], other[MERKLE_HASH];
	(void)state;

	for (int i = 0; i < 20; i++) {
		unsigned char b = (unsigned char)i;
		merkle_leaf_hash(&b, 1, leaves[i]);
	}
	for (uint64_t n = 1; n <= 20; n++) {
		merkle_range_root(leaves, 0, n, rn);
		for (uint64_t m = 1; m <= n; m++) {
			merkle_range_root(leaves, 0, m, rm);
			unsigned count = proof_of(leaves, m, n, proof);
			assert_true(merkle_check_consistency(m, n, rm, rn, proof, count));
			assert_false(merkle_check_consistency(m, n, rm, rn, proof, count + 1));
			if (count > 0)
				assert_false(
				    merkle_check_consistency(m, n, rm, rn, proof, count - 1));
			for (unsigned i = 0; i < count; i++) {
				proof[i][5] ^= 0x20;
				assert_false(merkle_check_consistency(m, n, rm, rn, proof, count));
				proof[i][5] ^= 0x20;
			}
			/* A rewritten history: the old root no longer fits. */
			memcpy(other, rm, MERKLE_HASH);
			other[0] ^= 1;
			assert_false(merkle_check_consistency(m, n, other, rn, proof, count));
			memcpy(other, rn, MERKLE_HASH);
			other[0] ^= 1;
			assert_false(merkle_check_consistency(m, n, rm, other, proof, count));
			if (m < n) {
				unsigned char rm1[MERKLE_HASH];
				merkle_range_root(leaves, 0, m + 1, rm1);
				if (m + 1 < n)
					assert_false(merkle_check_consistency(m + 1, n, rm1, rn,
					                                      proof, count));
				/* Nor backwards: a tree never shrinks. */
				assert_false(merkle_check_consistency(n, m, rn, rm, proof, count));
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc6962_vectors),
	    cmocka_unit_test(inclusion_proofs),
	    cmocka_unit_test(rfc6962_consistency_vectors),
	    cmocka_unit_test(consistency_proofs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
