/*
 * cms.h - detached CMS signatures over files (OpenSSL).
 *
 * Every file that leaves the gateway is signed by the state's key; every
 * file that enters is verified against the sending partner's certificate
 * before anything reads it (DESIGN.md section 4, invariant 5).  A signature
 * is a DER CMS SignedData beside the file (FILE.p7s): SHA-256, the signer's
 * certificate included, a signing-time attribute, the content detached.
 * openssl cms -sign -binary -outform DER makes the same kind, and
 * openssl cms -verify -binary checks ours.
 *
 * Files are read in chunks through the digest, never loaded whole.
 *
 * Every function returns 0 (or SIG_OK) on success; otherwise it writes a
 * one-line reason into 'why', which names the file and never holds data
 * from inside it.  Nothing is fatal but out of memory.
 */
#ifndef CSGW_IO_CMS_H
#define CSGW_IO_CMS_H

#include <stddef.h>
#include <time.h>

/* The gateway's signing certificate with its private key. */
struct cms_signer;

/* Loads both.  The key file must follow the rules of io/secret.h (the
 * reason names the command that fixes it); so must the passphrase file,
 * which holds an encrypted key's passphrase on its first line (NULL: the
 * key is not encrypted; csgw never prompts).  The certificate must be
 * valid now, allow digital signatures, and belong to the key.
 * Returns 0, or -1 with the reason. */
int cms_signer_load(const char *cert_path, const char *key_path, const char *pass_path,
                    struct cms_signer **out, char *why, size_t whylen);
void cms_signer_free(struct cms_signer *);

/* Signs the bytes of 'path' into 'sig_path', which appears whole or not at
 * all (io/fs.h).  sha256_hex (65 bytes, may be NULL) receives the file's
 * SHA-256, read in the same pass.  Returns 0, or -1 with the reason
 * (-2 when 'path' cannot be opened: no input). */
int cms_sign_file(const struct cms_signer *, const char *path, const char *sig_path,
                  char sha256_hex[65], char *why, size_t whylen);
/* The same for a file whose SHA-256 the caller computed as it wrote it
 * ('name' is for messages): the file is not read again.  0 or -1. */
int cms_sign_digest(const struct cms_signer *, const unsigned char sha256[32], const char *name,
                    const char *sig_path, char *why, size_t whylen);

/* A partner's certificate as check-config sees it: one PEM certificate,
 * valid now, allowing digital signatures, its chain leading to a CA of
 * 'ca_bundle'.  Returns 0 with the days until it expires in *days_left, or
 * -1 with the reason. */
int cms_check_cert(const char *cert_path, const char *ca_bundle, long *days_left, char *why,
                   size_t whylen);

/* Days until the signer's certificate expires. */
long cms_signer_days_left(const struct cms_signer *);

/* A plain signature over bytes (the audit log's checkpoints): SHA-256 with
 * the signer's key (ECDSA DER or RSA PKCS#1 v1.5).  *sig is allocated;
 * 0, or -1 with the reason. */
int cms_sign_bytes(const struct cms_signer *, const void *data, size_t len, unsigned char **sig,
                   size_t *siglen, char *why, size_t whylen);
/* Checks such a signature with the certificate in cert_path.  0 good,
 * -1 bad or unusable, with the reason. */
int cms_verify_bytes(const char *cert_path, const void *data, size_t len, const unsigned char *sig,
                     size_t siglen, char *why, size_t whylen);
/* The first 4 bytes of the SHA-256 of a certificate's DER: which key
 * signed (C2SP signed notes put it before the signature).  0 or -1. */
int cms_signer_key_id(const struct cms_signer *, unsigned char id[4]);
int cms_cert_key_id(const char *cert_path, unsigned char id[4], char *why, size_t whylen);
/* A certificate's subject, one line (who signs with it).  0 or -1. */
int cms_cert_subject(const char *cert_path, char *out, size_t size, char *why, size_t whylen);

/* Whom a signature must come from. */
struct cms_trust {
	const char *ca_bundle;    /* PEM file of trusted CAs */
	const char *partner_cert; /* the only certificate accepted; NULL = any that chains */
};

/* What a good signature says. */
struct cms_signed_by {
	char subject[256];    /* the signer certificate's subject, one line */
	time_t signing_time;  /* 0 when the signature has no signing-time attribute */
	char sha256[65];      /* of the content, lower-case hex */
	unsigned char md[32]; /* the same, as bytes */
};

enum sig_status {
	SIG_OK,
	SIG_BAD,      /* missing, broken, wrong signer, untrusted, expired, content changed */
	SIG_NO_INPUT, /* the signed file itself cannot be opened */
	SIG_CONFIG,   /* the CA bundle or partner certificate cannot be used */
	SIG_IO_ERROR, /* reading failed */
};

/* Verifies 'sig_path' over the bytes of 'path': the signature, that the
 * signer's chain leads to a CA of the bundle, that its certificate is valid
 * now and allows digital signatures, and that the signer IS the partner's
 * certificate when one is named.  'by' (may be NULL) is filled on SIG_OK. */
enum sig_status cms_verify_file(const struct cms_trust *, const char *path, const char *sig_path,
                                struct cms_signed_by *by, char *why, size_t whylen);

/* The same for a file whose SHA-256 the caller computed as it wrote it
 * (a download): the usual signature (SHA-256, signed attributes) then
 * needs no second reading of the file.  'sha256' may be NULL. */
/* Everything but the content: the signer (trust), chain, dates, key usage
 * and the signature over the signed attributes; sha256 receives the digest
 * they sign.  For a sender that hashes the file on its way out and
 * compares before publishing.  Only the usual signature (SHA-256 with
 * signed attributes) has one; any other is SIG_BAD. */
enum sig_status cms_signed_sha256(const struct cms_trust *, const char *sig_path,
                                  unsigned char sha256[32], char *why, size_t whylen);

enum sig_status cms_verify_file_digest(const struct cms_trust *, const char *path,
                                       const char *sig_path, const unsigned char *sha256,
                                       struct cms_signed_by *by, char *why, size_t whylen);

/* The same checks in pieces, for a process that may open no file once it
 * has set up (core/isolated.h): the trust loaded first (SIG_CONFIG with
 * the reason when the CA bundle or the partner's certificate cannot be
 * used), the signature's bytes read from a descriptor, then checked with
 * the content on 'content_fd' (taken: always closed; -1 for none, as
 * cms_signed_sha256).  Messages name sig_name and content_name. */
struct cms_verifier;
enum sig_status cms_verifier_load(const struct cms_trust *, struct cms_verifier **, char *why,
                                  size_t whylen);
void cms_verifier_free(struct cms_verifier *);
int cms_read_signature_fd(int fd, const char *sig_name, unsigned char **der, size_t *len, char *why,
                          size_t whylen);
enum sig_status cms_verify_der(const struct cms_verifier *, const unsigned char *der, size_t len,
                               const char *sig_name, int content_fd, const char *content_name,
                               const unsigned char *sha256, struct cms_signed_by *by, char *why,
                               size_t whylen);

#endif
