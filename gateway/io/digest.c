/*
 * digest.c - SHA-256 of a file, streaming (OpenSSL).
 */
#include "io/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
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
	unsigned mdlen = 0;
	/* O_NONBLOCK: a FIFO put in a file's place cannot hang the reader. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
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
	close(fd);
	if (saved)
		errno = saved;
	return rc;
}
