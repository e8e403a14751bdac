/*
 * digest.c - SHA-256 of a file, streaming (OpenSSL).
 */
#include "io/digest.h"

#include <ctype.h>

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "util/alloc.h"

/* Large reads: the digest, not the system calls, should be the cost. */
#define CHUNK (256 * 1024)

void digest_hex(const unsigned char *bytes, unsigned n, char *out)
{
	static const char hexdigits[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hexdigits[bytes[i] >> 4];
		out[2 * i + 1] = hexdigits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

int digest_unhex(const char *hex, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (!isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]) || sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

int digest_file_sha256_hex(const char *path, char hex[65])
{
	unsigned char md[DIGEST_SHA256_LEN];
	if (digest_file_sha256(path, md) < 0)
		return -1;
	digest_hex(md, sizeof md, hex);
	return 0;
}

int digest_file_sha256(const char *path, unsigned char md[DIGEST_SHA256_LEN])
{
	/* O_NONBLOCK: a FIFO put in a file's place cannot hang the reader. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	int rc = digest_fd_sha256(fd, md), saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int digest_fd_sha256(int fd, unsigned char md[DIGEST_SHA256_LEN])
{
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = xmalloc(CHUNK);
	int rc = -1, saved = 0;
	ssize_t n;

	if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		saved = ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf, CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			goto out;
		}
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n)) {
			saved = EIO;
			goto out;
		}
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != DIGEST_SHA256_LEN) {
		saved = EIO;
		goto out;
	}
	rc = 0;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	if (saved)
		errno = saved;
	return rc;
}

/* Out of memory or a broken OpenSSL is fatal here, as allocation is. */
struct digest_sha256 *digest_sha256_new(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		fputs("csgw: cannot start SHA-256 (out of memory)\n", stderr);
		exit(EX_OSERR);
	}
	return (struct digest_sha256 *)ctx;
}

void digest_sha256_update(struct digest_sha256 *d, const void *data, size_t len)
{
	EVP_DigestUpdate((EVP_MD_CTX *)d, data, len);
}

void digest_sha256_final(struct digest_sha256 *d, unsigned char md[DIGEST_SHA256_LEN])
{
	unsigned len = 0;
	EVP_DigestFinal_ex((EVP_MD_CTX *)d, md, &len);
	EVP_MD_CTX_free((EVP_MD_CTX *)d);
}

void digest_sha256_buf(const void *data, size_t len, unsigned char md[DIGEST_SHA256_LEN])
{
	/* Called per audit entry and tree node: one context and one fetched
	 * SHA-256 for the process, not a new one per call. */
	static EVP_MD_CTX *ctx;
	static EVP_MD *sha256;
	unsigned mdlen = 0;

	if (ctx == NULL) {
		ctx = EVP_MD_CTX_new();
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	}
	if (ctx == NULL || sha256 == NULL || !EVP_DigestInit_ex2(ctx, sha256, NULL) ||
	    !EVP_DigestUpdate(ctx, data, len) || !EVP_DigestFinal_ex(ctx, md, &mdlen)) {
		fputs("csgw: SHA-256 failed (out of memory)\n", stderr);
		exit(EX_OSERR);
	}
}

void digest_base64(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

long digest_unbase64(const char *text, unsigned char *out, size_t max)
{
	size_t len = strlen(text);
	if (len == 0 || len % 4 != 0 || len / 4 * 3 > max + 2)
		return -1;
	unsigned char *buf = xmalloc(len / 4 * 3 + 1);
	int n = EVP_DecodeBlock(buf, (const unsigned char *)text, (int)len);
	if (n >= 0) /* EVP_DecodeBlock counts the padding as zero bytes */
		n -= (text[len - 1] == '=') + (text[len - 2] == '=');
	if (n < 0 || (size_t)n > max) {
		free(buf);
		return -1;
	}
	memcpy(out, buf, (size_t)n);
	free(buf);
	return n;
}

/* HMAC (RFC 2104) over SHA-256 with the key's inner and outer states
 * computed once per key: the subject key of every record of a batch is an
 * HMAC under the same key, and OpenSSL's one-shot HMAC() fetches SHA-256
 * and sets the key up again on every call. */
struct hmac_key {
	unsigned char key[128];
	size_t keylen;
	EVP_MD_CTX *inner, *outer, *work;
};

static void hmac_fail(void)
{
	fputs("csgw: HMAC-SHA-256 failed (out of memory)\n", stderr);
	exit(EX_OSERR);
}

static void hmac_prepare(struct hmac_key *h, const void *key, size_t keylen)
{
	unsigned char block[64] = {0}, pad[64];
	static EVP_MD *sha256;

	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		hmac_fail();
	if (keylen > sizeof block)
		digest_sha256_buf(key, keylen, block);
	else
		memcpy(block, key, keylen);
	if (h->inner == NULL &&
	    ((h->inner = EVP_MD_CTX_new()) == NULL || (h->outer = EVP_MD_CTX_new()) == NULL ||
	     (h->work = EVP_MD_CTX_new()) == NULL))
		hmac_fail();
	for (size_t i = 0; i < sizeof pad; i++)
		pad[i] = block[i] ^ 0x36;
	if (!EVP_DigestInit_ex2(h->inner, sha256, NULL) ||
	    !EVP_DigestUpdate(h->inner, pad, sizeof pad))
		hmac_fail();
	for (size_t i = 0; i < sizeof pad; i++)
		pad[i] = block[i] ^ 0x5c;
	if (!EVP_DigestInit_ex2(h->outer, sha256, NULL) ||
	    !EVP_DigestUpdate(h->outer, pad, sizeof pad))
		hmac_fail();
	OPENSSL_cleanse(block, sizeof block);
	OPENSSL_cleanse(pad, sizeof pad);
	h->keylen = keylen <= sizeof h->key ? keylen : 0;
	if (h->keylen)
		memcpy(h->key, key, keylen);
}

void digest_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                        unsigned char md[DIGEST_SHA256_LEN])
{
	static struct hmac_key h;
	unsigned char ih[DIGEST_SHA256_LEN];
	unsigned n = 0;

	if (h.inner == NULL || h.keylen == 0 || h.keylen != keylen ||
	    memcmp(h.key, key, keylen) != 0)
		hmac_prepare(&h, key, keylen);
	if (!EVP_MD_CTX_copy_ex(h.work, h.inner) || !EVP_DigestUpdate(h.work, data, len) ||
	    !EVP_DigestFinal_ex(h.work, ih, &n) || !EVP_MD_CTX_copy_ex(h.work, h.outer) ||
	    !EVP_DigestUpdate(h.work, ih, sizeof ih) || !EVP_DigestFinal_ex(h.work, md, &n))
		hmac_fail();
}

int digest_random(unsigned char *out, size_t n)
{
	return n <= INT32_MAX && RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}
