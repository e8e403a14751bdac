/*
 * digest.h - SHA-256 of a file, streaming (OpenSSL).
 *
 * Receipts name a file by its digest; the receiver deduplicates by it.
 */
#ifndef CSGW_IO_DIGEST_H
#define CSGW_IO_DIGEST_H

#define DIGEST_SHA256_LEN 32

/* Fills md with the file's SHA-256.  Returns 0, or -1 with errno set when
 * the file cannot be opened or read. */
int digest_file_sha256(const char *path, unsigned char md[DIGEST_SHA256_LEN]);

/* The same, as 64 lower-case hex digits and a NUL. */
int digest_file_sha256_hex(const char *path, char hex[65]);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void digest_hex(const unsigned char *bytes, unsigned n, char *out);

#endif
