/*
 * cms.c - detached CMS signatures over files (OpenSSL).
 *
 * Signing digests the file itself in large chunks (io/digest.c), then has
 * OpenSSL build the SignedData around that digest: messageDigest and
 * contentType attributes added here, signingTime by CMS_SignerInfo_sign().
 * Verification checks the cheap things first (the signature parses, the
 * signer is the expected certificate, its chain and dates, its key usage)
 * and reads the content last.  The usual signature (SHA-256, signed
 * attributes) is checked as the signature over its attributes plus one
 * comparison of the messageDigest attribute with the file's SHA-256, hashed
 * once in large chunks; any other goes through CMS_verify() with the
 * signer fixed.
 */
#include "io/cms.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/digest.h"
#include "io/fs.h"
#include "io/secret.h"
#include "util/alloc.h"

/* A detached signature with its certificate chain is a few kB.  The cap
 * leaves room for an attached one (openssl cms -sign -stream -outform DER
 * embeds the content even when asked for a detached signature): the copy
 * inside is ignored, the file beside it is what is verified. */
#define MAX_SIG_BYTES (64 * 1024 * 1024)
/* stdio buffer for the content read by CMS_verify (which reads 4 kB at a
 * time): one system call per MiB instead of per 4 kB. */
#define CONTENT_BUFFER (1024 * 1024)

struct cms_signer {
	X509 *cert;
	EVP_PKEY *key;
};

__attribute__((format(printf, 3, 4))) static void say(char *why, size_t whylen, const char *fmt,
                                                      ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* OpenSSL's reason for the last error, for the end of a message. */
static const char *ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : "unknown reason";
}

static void subject_of(const X509 *cert, char *out, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (b == NULL)
		return;
	X509_NAME_print_ex(b, X509_get_subject_name(cert), 0,
	                   XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &p);
	snprintf(out, size, "%.*s", (int)(n < 0 ? 0 : n), p);
	BIO_free(b);
}

/* "2021-01-01 00:00:00Z" */
static void time_text(const ASN1_TIME *t, char *out, size_t size)
{
	struct tm tm;
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
		snprintf(out, size, "an unreadable date");
		return;
	}
	strftime(out, size, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static X509 *read_cert(const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "r");
	X509 *cert;

	if (f == NULL) {
		say(why, whylen, "%s: cannot read the certificate: %s", path, strerror(errno));
		return NULL;
	}
	ERR_clear_error();
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (cert == NULL)
		say(why, whylen, "%s: not a PEM certificate (%s)", path, ssl_reason());
	return cert;
}

struct passphrase {
	char text[1024];
	bool given;
	bool asked;
};

/* OpenSSL's passphrase callback: never a prompt, only the file's line. */
static int give_passphrase(char *buf, int size, int rwflag, void *u)
{
	struct passphrase *p = u;
	size_t n = strlen(p->text);

	(void)rwflag;
	p->asked = true;
	if (!p->given || n >= (size_t)size)
		return -1;
	memcpy(buf, p->text, n);
	return (int)n;
}

static int read_passphrase(const char *path, struct passphrase *p, char *why, size_t whylen)
{
	if (secret_read_line(path, p->text, sizeof p->text, why, whylen) < 0)
		return -1;
	p->given = true;
	return 0;
}

/* Valid now: 0, or -1 with the reason. */
static int check_dates(const X509 *cert, const char *name, char *why, size_t whylen)
{
	char when[64];

	if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) {
		time_text(X509_get0_notBefore(cert), when, sizeof when);
		say(why, whylen, "%s is not valid yet: its validity begins %s", name, when);
		return -1;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
		time_text(X509_get0_notAfter(cert), when, sizeof when);
		say(why, whylen, "%s expired on %s", name, when);
		return -1;
	}
	return 0;
}

/* A key usage extension, when present, must allow digital signatures. */
static int check_key_usage(X509 *cert, const char *name, char *why, size_t whylen)
{
	if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE)) {
		say(why, whylen,
		    "%s does not allow digital signatures (its keyUsage lacks digitalSignature)",
		    name);
		return -1;
	}
	return 0;
}

int cms_signer_load(const char *cert_path, const char *key_path, const char *pass_path,
                    struct cms_signer **out, char *why, size_t whylen)
{
	struct passphrase pass = {0};
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	FILE *f = NULL;
	char name[1200];
	int rc = -1;

	*out = NULL;
	if ((cert = read_cert(cert_path, why, whylen)) == NULL)
		goto out;
	snprintf(name, sizeof name, "the signing certificate %s", cert_path);
	if (check_dates(cert, name, why, whylen) < 0 ||
	    check_key_usage(cert, name, why, whylen) < 0)
		goto out;
	if (pass_path && read_passphrase(pass_path, &pass, why, whylen) < 0)
		goto out;
	if ((f = secret_open(key_path, "private key", why, whylen)) == NULL)
		goto out;
	ERR_clear_error();
	key = PEM_read_PrivateKey(f, NULL, give_passphrase, &pass);
	if (key == NULL) {
		if (pass.asked && !pass.given)
			say(why, whylen,
			    "%s: the private key is encrypted; name a file holding its passphrase "
			    "(signing_key_passphrase in gateway.conf)",
			    key_path);
		else if (pass.asked)
			say(why, whylen,
			    "%s: cannot decrypt the private key with the passphrase in %s (wrong "
			    "passphrase?)",
			    key_path, pass_path);
		else
			say(why, whylen, "%s: not a PEM private key (%s)", key_path, ssl_reason());
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1) {
		say(why, whylen, "%s: this private key does not belong to the certificate %s",
		    key_path, cert_path);
		goto out;
	}
	*out = xmalloc(sizeof **out);
	(*out)->cert = cert;
	(*out)->key = key;
	cert = NULL;
	key = NULL;
	rc = 0;
out:
	OPENSSL_cleanse(pass.text, sizeof pass.text);
	if (f)
		fclose(f);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

void cms_signer_free(struct cms_signer *s)
{
	if (s == NULL)
		return;
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
	free(s);
}

/* The SignedData around a digest computed elsewhere. */
static CMS_ContentInfo *signed_data(const struct cms_signer *s, const unsigned char *md,
                                    unsigned mdlen)
{
	const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	CMS_SignerInfo *si;

	if (cms == NULL)
		return NULL;
	si = CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(), flags);
	if (si == NULL ||
	    CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, md,
	                                (int)mdlen) <= 0 ||
	    CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
	                                OBJ_nid2obj(NID_pkcs7_data), -1) <= 0 ||
	    CMS_SignerInfo_sign(si) <= 0 || CMS_set_detached(cms, 1) <= 0) {
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	return cms;
}

int cms_sign_digest(const struct cms_signer *s, const unsigned char sha256[32], const char *name,
                    const char *sig_path, char *why, size_t whylen)
{
	unsigned char *der = NULL;
	CMS_ContentInfo *cms = NULL;
	struct out_file out;
	int rc = -1, len;

	ERR_clear_error();
	if ((cms = signed_data(s, sha256, DIGEST_SHA256_LEN)) == NULL ||
	    (len = i2d_CMS_ContentInfo(cms, &der)) <= 0) {
		say(why, whylen, "%s: signing failed (%s)", name, ssl_reason());
		goto out;
	}
	if (out_open(&out, sig_path) < 0) {
		say(why, whylen, "%s: cannot create: %s", sig_path, strerror(errno));
		goto out;
	}
	out_write(&out, der, (size_t)len);
	if (out_commit(&out) < 0) {
		say(why, whylen, "%s: cannot write: %s", sig_path, strerror(errno));
		out_abort(&out);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	return rc;
}

int cms_sign_file(const struct cms_signer *s, const char *path, const char *sig_path,
                  char sha256_hex[65], char *why, size_t whylen)
{
	unsigned char md[DIGEST_SHA256_LEN];

	if (digest_file_sha256(path, md) < 0) {
		say(why, whylen, "%s: cannot read: %s", path, strerror(errno));
		return errno == ENOENT || errno == EACCES || errno == EISDIR ? -2 : -1;
	}
	if (cms_sign_digest(s, md, path, sig_path, why, whylen) < 0)
		return -1;
	if (sha256_hex)
		digest_hex(md, sizeof md, sha256_hex);
	return 0;
}

/* ---- verification ---- */

int cms_read_signature_fd(int fd, const char *sig_name, unsigned char **der, size_t *len, char *why,
                          size_t whylen)
{
	struct stat st;

	*der = NULL;
	*len = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		say(why, whylen, "%s: the signature is not a regular file", sig_name);
		return -1;
	}
	if (st.st_size == 0) {
		say(why, whylen, "%s: the signature file is empty; expected a DER CMS signature",
		    sig_name);
		return -1;
	}
	if (st.st_size > MAX_SIG_BYTES) {
		say(why, whylen, "%s: %lld bytes is too large for a signature (at most %d)",
		    sig_name, (long long)st.st_size, MAX_SIG_BYTES);
		return -1;
	}
	unsigned char *buf = xmalloc((size_t)st.st_size);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			say(why, whylen, "%s: cannot read the signature: %s", sig_name,
			    n < 0 ? strerror(errno) : "file shrank while read");
			free(buf);
			return -1;
		}
		got += (size_t)n;
	}
	*der = buf;
	*len = got;
	return 0;
}

/* The signature file's bytes; -1 with the reason. */
static int read_signature(const char *sig_path, unsigned char **der, size_t *len, char *why,
                          size_t whylen)
{
	int fd = open(sig_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO cannot hang us */
	if (fd < 0) {
		if (errno == ENOENT)
			say(why, whylen, "%s: no signature: the file does not exist", sig_path);
		else
			say(why, whylen, "%s: cannot read the signature: %s", sig_path,
			    strerror(errno));
		return -1;
	}
	int rc = cms_read_signature_fd(fd, sig_path, der, len, why, whylen);
	close(fd);
	return rc;
}

/* The signature's bytes, parsed; NULL with the reason. */
static CMS_ContentInfo *parse_signature(const unsigned char *der, size_t len, const char *sig_name,
                                        char *why, size_t whylen)
{
	const unsigned char *p = der;
	ERR_clear_error();
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (cms && p != der + len) {
		CMS_ContentInfo_free(cms);
		cms = NULL;
	}
	if (cms == NULL)
		say(why, whylen,
		    "%s: not a DER CMS signature (truncated, damaged, or another format)",
		    sig_name);
	else if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		say(why, whylen, "%s: a CMS structure, but not SignedData", sig_name);
		CMS_ContentInfo_free(cms);
		cms = NULL;
	}
	return cms;
}

static X509_STORE *load_store(const char *ca_bundle, char *why, size_t whylen)
{
	X509_STORE *store = X509_STORE_new();

	ERR_clear_error();
	if (store == NULL || access(ca_bundle, R_OK) != 0 ||
	    X509_STORE_load_file(store, ca_bundle) != 1) {
		say(why, whylen, "%s: cannot load the CA bundle: %s", ca_bundle,
		    errno && access(ca_bundle, R_OK) != 0 ? strerror(errno) : ssl_reason());
		X509_STORE_free(store);
		return NULL;
	}
	return store;
}

/* Chain to a trusted CA, valid now, as OpenSSL checks it. */
static int check_chain(X509_STORE *store, X509 *signer, STACK_OF(X509) * untrusted,
                       const char *name, char *why, size_t whylen)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = -1;

	/* S/MIME signing, as openssl cms -verify checks by default: a certificate
	 * whose extended key usage names other purposes only (a TLS server's)
	 * does not sign files. */
	if (ctx == NULL || !X509_STORE_CTX_init(ctx, store, signer, untrusted) ||
	    !X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SMIME_SIGN)) {
		say(why, whylen, "%s: cannot check the chain (%s)", name, ssl_reason());
		goto out;
	}
	if (X509_verify_cert(ctx) == 1) {
		rc = 0;
		goto out;
	}
	int err = X509_STORE_CTX_get_error(ctx);
	X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
	char bad_name[256] = "";
	if (bad && X509_cmp(bad, signer) != 0)
		subject_of(bad, bad_name, sizeof bad_name);
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		say(why, whylen, "%s does not lead to a CA of the trusted bundle (%s)", name,
		    X509_verify_cert_error_string(err));
		break;
	default:
		say(why, whylen, "%s%s%s: %s", name, bad_name[0] ? ", in its chain " : "", bad_name,
		    X509_verify_cert_error_string(err));
	}
out:
	X509_STORE_CTX_free(ctx);
	return rc;
}

static long days_left(const X509 *cert)
{
	int days = 0, secs = 0;
	if (!ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
		return 0;
	return days;
}

long cms_signer_days_left(const struct cms_signer *s)
{
	return days_left(s->cert);
}

int cms_check_cert(const char *cert_path, const char *ca_bundle, long *left, char *why,
                   size_t whylen)
{
	X509_STORE *store = NULL;
	X509 *cert = read_cert(cert_path, why, whylen);
	char name[600];
	int rc = -1;

	if (cert == NULL)
		return -1;
	snprintf(name, sizeof name, "the certificate %s", cert_path);
	if (check_dates(cert, name, why, whylen) < 0 ||
	    check_key_usage(cert, name, why, whylen) < 0 ||
	    (store = load_store(ca_bundle, why, whylen)) == NULL ||
	    check_chain(store, cert, NULL, name, why, whylen) < 0)
		goto out;
	*left = days_left(cert);
	rc = 0;
out:
	X509_STORE_free(store);
	X509_free(cert);
	return rc;
}

/* The content file, read through a SHA-256 filter so that the receipt's
 * digest comes from the same pass as the signature check. */
struct content {
	FILE *f;
	BIO *file, *md;
};

/* Takes 'fd' (closed by close_content). */
static int open_content(struct content *c, int fd)
{
	memset(c, 0, sizeof *c);
	if ((c->f = fdopen(fd, "rb")) == NULL) {
		close(fd);
		return -1;
	}
	setvbuf(c->f, NULL, _IOFBF, CONTENT_BUFFER);
	c->file = BIO_new_fp(c->f, BIO_NOCLOSE);
	c->md = BIO_new(BIO_f_md());
	if (c->file == NULL || c->md == NULL || !BIO_set_md(c->md, EVP_sha256()))
		return -1;
	BIO_push(c->md, c->file);
	return 0;
}

static void close_content(struct content *c)
{
	BIO_free(c->md);
	BIO_free(c->file);
	if (c->f)
		fclose(c->f);
}

/* The usual signature (ours, openssl's): SHA-256 with signed attributes.
 * Then the content's digest is one value to compare, and the file can be
 * read in large chunks and hashed once. */
static bool signs_sha256_attributes(CMS_SignerInfo *si)
{
	X509_ALGOR *dig = NULL;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	return dig && OBJ_obj2nid(dig->algorithm) == NID_sha256 &&
	       CMS_signed_get_attr_count(si) > 0;
}

/* What the signature says it signs: plain data, with a digest we accept.
 * Another kind of object the partner signed (a timestamp token, say) is
 * not a signature of a file. */
static int check_signed_what(CMS_ContentInfo *cms, CMS_SignerInfo *si, const char *sig_path,
                             char *why, size_t whylen)
{
	X509_ALGOR *dig = NULL;
	int nid;

	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data) {
		say(why, whylen, "%s: signs content of another type than data", sig_path);
		return -1;
	}
	if (CMS_signed_get_attr_count(si) > 0) {
		ASN1_OBJECT *type = CMS_signed_get0_data_by_OBJ(
		    si, OBJ_nid2obj(NID_pkcs9_contentType), -3, V_ASN1_OBJECT);
		if (type == NULL || OBJ_obj2nid(type) != NID_pkcs7_data) {
			say(why, whylen,
			    "%s: its contentType attribute is missing, repeated, or not data",
			    sig_path);
			return -1;
		}
	}
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	nid = dig ? OBJ_obj2nid(dig->algorithm) : NID_undef;
	if (nid != NID_sha256 && nid != NID_sha384 && nid != NID_sha512) {
		say(why, whylen,
		    "%s: digest %s is not accepted; expected SHA-256, SHA-384 or SHA-512", sig_path,
		    nid == NID_undef ? "(unknown)" : OBJ_nid2sn(nid));
		return -1;
	}
	return 0;
}

static void content_mismatch(const char *path, const char *sig_path, bool empty, char *why,
                             size_t whylen)
{
	say(why, whylen,
	    "%s: the content does not match its signature %s (changed since it was "
	    "signed%s)",
	    path, sig_path, empty ? "; it is empty" : "");
}

/* The content, when there is one to check: its descriptor (taken:
 * closed here) and its name for messages; fd -1 for none. */
struct checked_content {
	int fd;
	const char *name;
	const unsigned char *sha256; /* its digest when the caller has it, or NULL */
};

/* With no content, only the signature over the attributes is checked and
 * md receives the digest they sign (cms_signed_sha256). */
static enum sig_status verify_by_digest(CMS_SignerInfo *si, X509 *signer,
                                        const struct checked_content *c, const char *sig_name,
                                        unsigned char md[EVP_MAX_MD_SIZE], char *why, size_t whylen)
{
	struct stat st;

	CMS_SignerInfo_set1_signer_cert(si, signer);
	ERR_clear_error();
	if (CMS_SignerInfo_verify(si) != 1) {
		say(why, whylen, "%s: the signature does not verify with the signer's key (%s)",
		    sig_name, ssl_reason());
		return SIG_BAD;
	}
	/* -3: exactly one messageDigest attribute, or none is returned. */
	ASN1_OCTET_STRING *signed_md = CMS_signed_get0_data_by_OBJ(
	    si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	if (signed_md == NULL || ASN1_STRING_length(signed_md) != DIGEST_SHA256_LEN) {
		say(why, whylen, "%s: no single SHA-256 messageDigest attribute", sig_name);
		return SIG_BAD;
	}
	if (c->fd < 0) {
		memcpy(md, ASN1_STRING_get0_data(signed_md), DIGEST_SHA256_LEN);
		return SIG_OK;
	}
	if (c->sha256)
		memcpy(md, c->sha256, DIGEST_SHA256_LEN);
	if ((c->sha256 == NULL && digest_fd_sha256(c->fd, md) < 0) || fstat(c->fd, &st) != 0) {
		say(why, whylen, "%s: cannot read: %s", c->name, strerror(errno));
		return SIG_IO_ERROR;
	}
	if (memcmp(ASN1_STRING_get0_data(signed_md), md, DIGEST_SHA256_LEN) != 0) {
		content_mismatch(c->name, sig_name, st.st_size == 0, why, whylen);
		return SIG_BAD;
	}
	return SIG_OK;
}

/* Any other signature: OpenSSL reads the content through its digests
 * (4 kB at a time); a SHA-256 filter below them gives the file's digest. */
static enum sig_status verify_by_cms(CMS_ContentInfo *cms, X509_STORE *store, X509 *signer,
                                     struct checked_content *c, const char *sig_name,
                                     unsigned char md[EVP_MAX_MD_SIZE], char *why, size_t whylen)
{
	enum sig_status st = SIG_BAD;
	struct content content;
	STACK_OF(X509) *only = sk_X509_new_null();

	int fd = c->fd;
	c->fd = -1; /* open_content takes it */
	if (open_content(&content, fd) < 0) {
		say(why, whylen, "%s: cannot read: %s", c->name, strerror(errno));
		st = SIG_IO_ERROR;
		goto out;
	}
	if (only == NULL || !sk_X509_push(only, signer)) {
		say(why, whylen, "%s: out of memory", c->name);
		st = SIG_IO_ERROR;
		goto out;
	}
	ERR_clear_error();
	int ok = CMS_verify(cms, only, store, content.md, NULL,
	                    CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN);
	if (ferror(content.f)) {
		say(why, whylen, "%s: cannot read: %s", c->name, strerror(errno));
		st = SIG_IO_ERROR;
		goto out;
	}
	if (ok != 1) {
		int reason = ERR_GET_REASON(ERR_peek_last_error());
		if (reason == CMS_R_VERIFICATION_FAILURE || reason == CMS_R_CONTENT_VERIFY_ERROR)
			content_mismatch(c->name, sig_name, BIO_number_read(content.file) == 0, why,
			                 whylen);
		else
			say(why, whylen, "%s: the signature %s does not verify (%s)", c->name,
			    sig_name, ssl_reason());
		goto out;
	}
	BIO_gets(content.md, (char *)md, EVP_MAX_MD_SIZE);
	st = SIG_OK;
out:
	close_content(&content);
	sk_X509_free(only);
	return st;
}

/* Whom a signature must come from, loaded. */
struct cms_verifier {
	X509_STORE *store;
	X509 *partner; /* NULL: any certificate that chains */
	char partner_name[600];
};

enum sig_status cms_verifier_load(const struct cms_trust *trust, struct cms_verifier **out,
                                  char *why, size_t whylen)
{
	struct cms_verifier *v = xcalloc(1, sizeof *v);

	*out = NULL;
	/* What OpenSSL would otherwise open when first needed (its
	 * configuration, its error texts): a sandboxed caller opens nothing
	 * after this. */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_LOAD_CRYPTO_STRINGS |
	                        OPENSSL_INIT_ADD_ALL_DIGESTS,
	                    NULL);
	if ((v->store = load_store(trust->ca_bundle, why, whylen)) == NULL ||
	    (trust->partner_cert &&
	     (v->partner = read_cert(trust->partner_cert, why, whylen)) == NULL)) {
		cms_verifier_free(v);
		return SIG_CONFIG;
	}
	if (trust->partner_cert)
		snprintf(v->partner_name, sizeof v->partner_name, "%s", trust->partner_cert);
	*out = v;
	return SIG_OK;
}

void cms_verifier_free(struct cms_verifier *v)
{
	if (v == NULL)
		return;
	X509_STORE_free(v->store);
	X509_free(v->partner);
	free(v);
}

static enum sig_status verify_der(const struct cms_verifier *v, const unsigned char *der,
                                  size_t len, const char *sig_name, struct checked_content *c,
                                  struct cms_signed_by *by, char *why, size_t whylen)
{
	enum sig_status st = SIG_BAD;
	CMS_ContentInfo *cms = NULL;
	X509 *signer = NULL;
	STACK_OF(X509) *bag = NULL;
	char name[700], subject[256];

	if ((cms = parse_signature(der, len, sig_name, why, whylen)) == NULL)
		goto out;
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) != 1) {
		say(why, whylen, "%s: %d signers; expected exactly one", sig_name,
		    sk_CMS_SignerInfo_num(sis));
		goto out;
	}
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
	bag = CMS_get1_certs(cms);
	/* Who signed: the certificate of the bag that the signer info names. */
	for (int i = 0; i < sk_X509_num(bag) && signer == NULL; i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(bag, i)) == 0)
			signer = sk_X509_value(bag, i);
	if (v->partner) {
		if (CMS_SignerInfo_cert_cmp(si, v->partner) != 0) {
			if (signer)
				subject_of(signer, subject, sizeof subject);
			say(why, whylen,
			    "%s: signed by %s%s%s, not by the partner's certificate %s", sig_name,
			    signer ? "'" : "", signer ? subject : "another certificate",
			    signer ? "'" : "", v->partner_name);
			goto out;
		}
		signer = v->partner;
		snprintf(name, sizeof name, "the partner's certificate %s", v->partner_name);
	} else {
		if (signer == NULL) {
			say(why, whylen,
			    "%s: the signature carries no signer certificate; name the partner "
			    "whose certificate signed it",
			    sig_name);
			goto out;
		}
		subject_of(signer, subject, sizeof subject);
		snprintf(name, sizeof name, "the signer's certificate '%s'", subject);
	}
	if (check_signed_what(cms, si, sig_name, why, whylen) < 0 ||
	    check_dates(signer, name, why, whylen) < 0 ||
	    check_key_usage(signer, name, why, whylen) < 0 ||
	    check_chain(v->store, signer, bag, name, why, whylen) < 0)
		goto out;

	/* Now the content. */
	unsigned char md[EVP_MAX_MD_SIZE];
	if (signs_sha256_attributes(si))
		st = verify_by_digest(si, signer, c, sig_name, md, why, whylen);
	else if (c->fd >= 0)
		st = verify_by_cms(cms, v->store, signer, c, sig_name, md, why, whylen);
	else
		say(why, whylen, "%s: not a SHA-256 signature with signed attributes", sig_name);
	if (st != SIG_OK)
		goto out;
	if (by) {
		memset(by, 0, sizeof *by);
		subject_of(signer, by->subject, sizeof by->subject);
		memcpy(by->md, md, DIGEST_SHA256_LEN);
		digest_hex(md, DIGEST_SHA256_LEN, by->sha256);
		int at = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
		X509_ATTRIBUTE *attr = at >= 0 ? CMS_signed_get_attr(si, at) : NULL;
		ASN1_TYPE *t = attr ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;
		struct tm tm;
		if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME) &&
		    ASN1_TIME_to_tm((ASN1_TIME *)t->value.asn1_string, &tm))
			by->signing_time = timegm(&tm);
	}
	st = SIG_OK;
out:
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	sk_X509_pop_free(bag, X509_free);
	CMS_ContentInfo_free(cms);
	return st;
}

enum sig_status cms_verify_der(const struct cms_verifier *v, const unsigned char *der, size_t len,
                               const char *sig_name, int content_fd, const char *content_name,
                               const unsigned char *sha256, struct cms_signed_by *by, char *why,
                               size_t whylen)
{
	struct checked_content c = {.fd = content_fd, .name = content_name, .sha256 = sha256};
	return verify_der(v, der, len, sig_name, &c, by, why, whylen);
}

enum sig_status cms_verify_file(const struct cms_trust *trust, const char *path,
                                const char *sig_path, struct cms_signed_by *by, char *why,
                                size_t whylen)
{
	return cms_verify_file_digest(trust, path, sig_path, NULL, by, why, whylen);
}

enum sig_status cms_signed_sha256(const struct cms_trust *trust, const char *sig_path,
                                  unsigned char sha256[DIGEST_SHA256_LEN], char *why, size_t whylen)
{
	struct cms_signed_by by;
	enum sig_status st = cms_verify_file_digest(trust, NULL, sig_path, NULL, &by, why, whylen);
	if (st == SIG_OK)
		memcpy(sha256, by.md, DIGEST_SHA256_LEN);
	return st;
}

enum sig_status cms_verify_file_digest(const struct cms_trust *trust, const char *path,
                                       const char *sig_path, const unsigned char *sha256,
                                       struct cms_signed_by *by, char *why, size_t whylen)
{
	struct cms_verifier *v = NULL;
	unsigned char *der = NULL;
	size_t len = 0;
	int fd = -1;
	struct stat sb;

	if (path &&
	    ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 || fstat(fd, &sb) != 0)) {
		say(why, whylen, "%s: cannot read: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SIG_NO_INPUT;
	}
	if (path && !S_ISREG(sb.st_mode)) {
		say(why, whylen, "%s: not a regular file", path);
		close(fd);
		return SIG_NO_INPUT;
	}
	if (fd >= 0) /* regular: blocking reads from here */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	enum sig_status st = SIG_BAD;
	if (read_signature(sig_path, &der, &len, why, whylen) == 0 &&
	    (st = cms_verifier_load(trust, &v, why, whylen)) == SIG_OK) {
		st = cms_verify_der(v, der, len, sig_path, fd, path, sha256, by, why, whylen);
		fd = -1; /* taken */
	}
	if (fd >= 0)
		close(fd);
	cms_verifier_free(v);
	free(der);
	return st;
}

int cms_sign_bytes(const struct cms_signer *s, const void *data, size_t len, unsigned char **sig,
                   size_t *siglen, char *why, size_t whylen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 0;
	int rc = -1;

	*sig = NULL;
	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, data, len) != 1) {
		say(why, whylen, "cannot sign: %s", ssl_reason());
		goto out;
	}
	*sig = xmalloc(n);
	if (EVP_DigestSign(ctx, *sig, &n, data, len) != 1) {
		say(why, whylen, "cannot sign: %s", ssl_reason());
		free(*sig);
		*sig = NULL;
		goto out;
	}
	*siglen = n;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int cms_verify_bytes(const char *cert_path, const void *data, size_t len, const unsigned char *sig,
                     size_t siglen, char *why, size_t whylen)
{
	X509 *cert = read_cert(cert_path, why, whylen);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;

	if (cert == NULL || ctx == NULL)
		goto out;
	ERR_clear_error();
	if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(cert)) != 1 ||
	    EVP_DigestVerify(ctx, sig, siglen, data, len) != 1) {
		say(why, whylen, "the signature does not verify with %s", cert_path);
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	X509_free(cert);
	return rc;
}

static int key_id(X509 *cert, unsigned char id[4])
{
	unsigned char *der = NULL, md[DIGEST_SHA256_LEN];
	int n = i2d_X509(cert, &der);
	if (n <= 0)
		return -1;
	digest_sha256_buf(der, (size_t)n, md);
	OPENSSL_free(der);
	memcpy(id, md, 4);
	return 0;
}

int cms_signer_key_id(const struct cms_signer *s, unsigned char id[4])
{
	return key_id(s->cert, id);
}

int cms_cert_key_id(const char *cert_path, unsigned char id[4], char *why, size_t whylen)
{
	X509 *cert = read_cert(cert_path, why, whylen);
	int rc = cert ? key_id(cert, id) : -1;
	X509_free(cert);
	return rc;
}

int cms_cert_subject(const char *cert_path, char *out, size_t size, char *why, size_t whylen)
{
	X509 *cert = read_cert(cert_path, why, whylen);
	if (cert)
		subject_of(cert, out, size);
	X509_free(cert);
	return cert ? 0 : -1;
}
