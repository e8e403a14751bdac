/*
 * digest.h - SHA-256 of a file, streaming (OpenSSL).
 *
 * Receipts name a file by its digest; the receiver deduplicates by it.
 */
#ifndef CSGW_IO_DIGEST_H
#define CSGW_IO_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN 32

/* Fills md with the file's SHA-256.  Returns 0, or -1 with errno set when
 * the file cannot be opened or read. */
int digest_file_sha256(const char *path, unsigned char md[DIGEST_SHA256_LEN]);

/* The same for an open file, read from where it stands to its end. */
int digest_fd_sha256(int fd, unsigned char md[DIGEST_SHA256_LEN]);

/* The same, as 64 lower-case hex digits and a NUL. */
int digest_file_sha256_hex(const char *path, char hex[65]);

/* SHA-256 of a buffer in memory. */
void digest_sha256_buf(const void *data, size_t len, unsigned char md[DIGEST_SHA256_LEN]);

/* HMAC-SHA-256 of data under key. */
void digest_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                        unsigned char md[DIGEST_SHA256_LEN]);

/* SHA-256 of data that arrives in pieces (a download). */
struct digest_sha256;
struct digest_sha256 *digest_sha256_new(void);
void digest_sha256_update(struct digest_sha256 *, const void *data, size_t len);
/* Fills md and frees the context. */
void digest_sha256_final(struct digest_sha256 *, unsigned char md[DIGEST_SHA256_LEN]);

/* Base64 (with padding) of n bytes into out (4 * ceil(n / 3) + 1 bytes). */
void digest_base64(const unsigned char *in, size_t n, char *out);
/* Decodes base64 text into out (at most max bytes); the length, or -1 for
 * text that is not base64. */
long digest_unbase64(const char *text, unsigned char *out, size_t max);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void digest_hex(const unsigned char *bytes, unsigned n, char *out);

/* n random bytes (the operating system's generator, through OpenSSL).
 * 0, or -1 when none can be had. */
int digest_random(unsigned char *out, size_t n);

/* The n bytes that 2n hex digits stand for; -1 when they are not. */
int digest_unhex(const char *hex, unsigned char *out, size_t n);

#endif
