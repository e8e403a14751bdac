/*
 * sftp.c - an SFTP client session with one partner (libssh2).
 *
 * The session is non-blocking.  Each libssh2 call is repeated while it
 * says EAGAIN, and between tries again() polls the socket in the direction
 * libssh2 is blocked on.  One logical call that makes no progress for the
 * timeout fails as SFTP_TEMPORARY: a dead peer costs a timeout, not a hang.
 */
#include "io/sftp.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "io/known_hosts.h"
#include "util/alloc.h"
#include "util/progress.h"

struct sftp_conn {
	struct sftp_options opt;
	int sock;
	LIBSSH2_SESSION *session;
	LIBSSH2_SFTP *sftp;
	unsigned timeout_s; /* connect timeout until authenticated, then io */
	bool waiting;       /* inside a logical call that said EAGAIN */
	long long deadline; /* ms, CLOCK_MONOTONIC */
	bool timed_out;
	bool dead; /* the connection is gone: only close it */
	char message[600];
	char key_type[32];
	char key_types_asked[256];
	char fingerprint[64];
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(struct sftp_conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof c->message, fmt, ap);
	va_end(ap);
}

/* After a libssh2 call returned rc: true when it said EAGAIN and the
 * socket is ready again, so the call should be repeated; false when it
 * finished, failed, or the peer was silent for the whole timeout. */
static bool again(struct sftp_conn *c, long rc)
{
	if (rc != LIBSSH2_ERROR_EAGAIN) {
		c->waiting = false;
		return false;
	}
	long long now = now_ms();
	if (!c->waiting) {
		c->waiting = true;
		c->deadline = now + (long long)c->timeout_s * 1000;
	}
	/* No SSH keepalives in here: libssh2 1.10 refuses an operation's next
	 * packet while a keepalive is half-sent, so the deadline alone
	 * decides when a silent peer is dead (TCP keepalives watch an idle
	 * connection: connect_tcp). */
	while (now < c->deadline) {
		int dirs = libssh2_session_block_directions(c->session);
		struct pollfd p = {.fd = c->sock};
		if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND)
			p.events |= POLLIN;
		if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			p.events |= POLLOUT;
		if (p.events == 0)
			p.events = POLLIN;
		int n = poll(&p, 1, (int)(c->deadline - now));
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			break;
		now = now_ms();
	}
	c->waiting = false;
	c->timed_out = true;
	return false;
}

static enum sftp_fault temporary(struct sftp_conn *c, const char *fmt, const char *what)
{
	c->dead = true;
	say(c, fmt, what);
	return SFTP_TEMPORARY;
}

/* Classifies the failure of a libssh2 call that returned rc, about 'what'
 * (an action and a path, for the message). */
static enum sftp_fault failed(struct sftp_conn *c, long rc, const char *what)
{
	char *errmsg = NULL;

	if (c->dead) /* already said why */
		return SFTP_TEMPORARY;
	if (c->timed_out || rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_TIMEOUT ||
	    rc == LIBSSH2_ERROR_SOCKET_TIMEOUT) {
		c->dead = true;
		say(c, "%s: no answer from %s for %u s; will retry", what, c->opt.host,
		    c->timeout_s);
		return SFTP_TEMPORARY;
	}
	switch (rc) {
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_BANNER_SEND:
	case LIBSSH2_ERROR_CHANNEL_CLOSED:
	case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
	case LIBSSH2_ERROR_BAD_SOCKET:
		return temporary(c, "%s: the connection was closed or reset; will retry", what);
	case LIBSSH2_ERROR_SFTP_PROTOCOL:
		break;
	default:
		libssh2_session_last_error(c->session, &errmsg, NULL, 0);
		say(c, "%s: %s (libssh2 error %ld)", what, errmsg ? errmsg : "failed", rc);
		return SFTP_FAILED;
	}
	unsigned long fx = libssh2_sftp_last_error(c->sftp);
	switch (fx) {
	case LIBSSH2_FX_NO_SUCH_FILE:
	case LIBSSH2_FX_NO_SUCH_PATH:
		say(c, "%s: no such file or folder on the server", what);
		return SFTP_NO_SUCH;
	case LIBSSH2_FX_PERMISSION_DENIED:
	case LIBSSH2_FX_WRITE_PROTECT:
		say(c, "%s: permission denied by the server", what);
		return SFTP_DENIED;
	case LIBSSH2_FX_FILE_ALREADY_EXISTS:
		say(c, "%s: the target already exists on the server", what);
		return SFTP_EXISTS;
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
	case LIBSSH2_FX_QUOTA_EXCEEDED:
		say(c, "%s: the server's disk or quota is full; will retry", what);
		return SFTP_TEMPORARY;
	case LIBSSH2_FX_NO_CONNECTION:
	case LIBSSH2_FX_CONNECTION_LOST:
		return temporary(c, "%s: the server lost its connection; will retry", what);
	case LIBSSH2_FX_OP_UNSUPPORTED:
		say(c, "%s: the server does not support this operation", what);
		return SFTP_FAILED;
	default:
		say(c, "%s: the server refused (SFTP status %lu)", what, fx);
		return SFTP_FAILED;
	}
}

/* "upload /in/x.part" style labels for messages. */
static const char *label(char *buf, size_t len, const char *action, const char *path)
{
	snprintf(buf, len, "%s %s", action, path);
	return buf;
}

static enum sftp_fault connect_tcp(struct sftp_conn *c)
{
	char port[8];
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int err = 0;

	snprintf(port, sizeof port, "%u", c->opt.port);
	int rc = getaddrinfo(c->opt.host, port, &hints, &res);
	if (rc != 0) {
		say(c, "cannot resolve host %s: %s%s", c->opt.host, gai_strerror(rc),
		    rc == EAI_AGAIN ? "; will retry" : "");
		return rc == EAI_AGAIN ? SFTP_TEMPORARY : SFTP_FAILED;
	}
	long long deadline = now_ms() + (long long)c->opt.connect_timeout_s * 1000;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			err = errno;
			close(fd);
			continue;
		}
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		long long left = deadline - now_ms();
		int n = left > 0 ? poll(&p, 1, (int)left) : 0;
		socklen_t len = sizeof err;
		if (n <= 0) {
			err = ETIMEDOUT;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
			int one = 1, idle = 30, interval = 10, probes = 3;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			/* Keepalives below SSH (see again()): an idle connection to a
			 * vanished peer fails within about a minute. */
			setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
			setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
			setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
			setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
			c->sock = fd;
			freeaddrinfo(res);
			return SFTP_OK;
		}
		close(fd);
	}
	freeaddrinfo(res);
	say(c, "cannot connect to %s port %u: %s; will retry", c->opt.host, c->opt.port,
	    err == ETIMEDOUT ? "no answer within the connect timeout" : strerror(err));
	return SFTP_TEMPORARY;
}

static const char *key_type_name(int type, int *knownhost_bits)
{
	static const struct {
		int type;
		int bits;
		const char *name;
	} types[] = {
	    {LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa"},
	    {LIBSSH2_HOSTKEY_TYPE_DSS, LIBSSH2_KNOWNHOST_KEY_SSHDSS, "ssh-dss"},
	    {LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
	     "ecdsa-sha2-nistp256"},
	    {LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
	     "ecdsa-sha2-nistp384"},
	    {LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
	     "ecdsa-sha2-nistp521"},
	    {LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519"},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (types[i].type == type) {
			*knownhost_bits = types[i].bits;
			return types[i].name;
		}
	}
	*knownhost_bits = LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	return "unknown";
}

/* The name ssh(1) looks up: "host" on port 22, else "[host]:port". */
static void known_hosts_name(const struct sftp_conn *c, char *buf, size_t len)
{
	if (c->opt.port == 22)
		snprintf(buf, len, "%s", c->opt.host);
	else
		snprintf(buf, len, "[%s]:%u", c->opt.host, c->opt.port);
}

static enum sftp_fault check_known_hosts(struct sftp_conn *c, const char *key, size_t key_len,
                                         int key_bits)
{
	char name[300], types[200];
	struct libssh2_knownhost *found = NULL;
	enum sftp_fault fault = SFTP_LOCAL;
	LIBSSH2_KNOWNHOSTS *hosts = libssh2_knownhost_init(c->session);

	known_hosts_name(c, name, sizeof name);
	if (hosts == NULL) {
		say(c, "cannot check the host key of %s: out of memory", name);
		goto out;
	}
	if (libssh2_knownhost_readfile(hosts, c->opt.known_hosts, LIBSSH2_KNOWNHOST_FILE_OPENSSH) <
	    0) {
		say(c,
		    "cannot read known_hosts %s (missing, or a line libssh2 cannot parse such as "
		    "@cert-authority); expected plain OpenSSH known_hosts lines",
		    c->opt.known_hosts);
		goto out;
	}
	/* Port -1: look up exactly the name ssh(1) would, hashed or not. */
	int rc = libssh2_knownhost_checkp(
	    hosts, name, -1, key, key_len,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | key_bits, &found);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		fault = SFTP_OK;
		break;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		say(c,
		    "HOST KEY CHANGED for %s: it offered %s %s, which is not the key in %s. This "
		    "may "
		    "be an attack or a rebuilt server: confirm the new fingerprint with the "
		    "partner "
		    "out of band, then replace the entry (ssh-keygen -R '%s' -f %s, and add the "
		    "new "
		    "key)",
		    name, c->key_type, c->fingerprint, c->opt.known_hosts, name,
		    c->opt.known_hosts);
		fault = SFTP_HOST_CHANGED;
		break;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		/* Listed, but not in a form libssh2 matches (a wildcard or negated
		 * pattern), or only by keys of other types: a person must look. */
		if (known_hosts_types(c->opt.known_hosts, c->opt.host, c->opt.port, types,
		                      sizeof types) == 0 &&
		    types[0] != '\0') {
			say(c,
			    "host %s is listed in %s only by a pattern csgw cannot check (a "
			    "wildcard or "
			    "negation) or by keys of other types (%s); it offered %s %s. Confirm "
			    "this "
			    "fingerprint with the partner out of band, then give the host an exact "
			    "line: %s %s KEY (from its .pub)",
			    name, c->opt.known_hosts, types, c->key_type, c->fingerprint, name,
			    c->key_type);
			fault = SFTP_HOST_UNKNOWN;
			break;
		}
		/* The advice checks the fingerprint before anything is added. */
		say(c,
		    "unknown host %s: it offered %s %s, which %s does not list. Confirm this "
		    "fingerprint with the partner out of band, then add the key: ssh-keyscan -p %u "
		    "-t %s %s > key.pub; ssh-keygen -lf key.pub (must show %s); cat key.pub >> %s",
		    name, c->key_type, c->fingerprint, c->opt.known_hosts, c->opt.port, c->key_type,
		    c->opt.host, c->fingerprint, c->opt.known_hosts);
		fault = SFTP_HOST_UNKNOWN;
		break;
	default:
		say(c, "cannot check the host key of %s against %s", name, c->opt.known_hosts);
		break;
	}
out:
	if (hosts)
		libssh2_knownhost_free(hosts);
	return fault;
}

static enum sftp_fault check_host_key(struct sftp_conn *c)
{
	size_t len = 0;
	int type = 0, bits = 0;
	const char *key = libssh2_session_hostkey(c->session, &len, &type);
	const char *hash = libssh2_hostkey_hash(c->session, LIBSSH2_HOSTKEY_HASH_SHA256);
	unsigned char b64[48];

	if (key == NULL || hash == NULL) {
		say(c, "%s sent no usable host key", c->opt.host);
		return SFTP_FAILED;
	}
	snprintf(c->key_type, sizeof c->key_type, "%s", key_type_name(type, &bits));
	int n = EVP_EncodeBlock(b64, (const unsigned char *)hash, 32);
	while (n > 0 && b64[n - 1] == '=') /* OpenSSH shows it unpadded */
		n--;
	snprintf(c->fingerprint, sizeof c->fingerprint, "SHA256:%.*s", n, (const char *)b64);

	if (c->opt.fingerprint) {
		if (strcmp(c->opt.fingerprint, c->fingerprint) == 0)
			return SFTP_OK;
		say(c,
		    "HOST KEY CHANGED for %s port %u: it offered %s %s, not the pinned "
		    "host_fingerprint %s. Confirm the new fingerprint with the partner out of band",
		    c->opt.host, c->opt.port, c->key_type, c->fingerprint, c->opt.fingerprint);
		return SFTP_HOST_CHANGED;
	}
	if (c->opt.known_hosts == NULL) {
		say(c,
		    "no known_hosts or host_fingerprint configured for %s: refusing its %s key %s. "
		    "Confirm the fingerprint with the partner, then configure one of them",
		    c->opt.host, c->key_type, c->fingerprint);
		return SFTP_HOST_UNKNOWN;
	}
	return check_known_hosts(c, key, len, bits);
}

/* An RSA key, by its .pub beside it or a PEM header: libssh2 1.10 signs
 * with ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse by default. */
static bool rsa_key(const char *key_path)
{
	char *pub = xasprintf("%s.pub", key_path);
	char line[64] = "";
	FILE *f = fopen(pub, "re");

	free(pub);
	if (f == NULL)
		f = fopen(key_path, "re");
	if (f && fgets(line, sizeof line, f) == NULL)
		line[0] = '\0';
	if (f)
		fclose(f);
	return strncmp(line, "ssh-rsa ", 8) == 0 || strstr(line, "BEGIN RSA PRIVATE KEY");
}

/* Ask for the host key types we can check: those known_hosts holds for
 * this host (libssh2 would otherwise pick ECDSA where ssh recorded
 * ed25519), or, for a pinned fingerprint, OpenSSH's own order. */
static void prefer_host_key_types(struct sftp_conn *c)
{
	static const char supported[] =
	    ",ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa,";
	char known[256] = "", pref[256] = "";
	size_t used = 0;

	if (c->opt.fingerprint == NULL && c->opt.known_hosts &&
	    known_hosts_types(c->opt.known_hosts, c->opt.host, c->opt.port, known, sizeof known) ==
	        0) {
		char *save = NULL;
		for (char *t = strtok_r(known, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			char item[140];
			snprintf(item, sizeof item, ",%s,", t);
			if (strstr(supported, item) && used + strlen(t) + 2 < sizeof pref)
				used += (size_t)snprintf(pref + used, sizeof pref - used, "%s%s",
				                         used ? "," : "", t);
		}
	}
	if (used == 0) /* unknown host or a pin: OpenSSH's order, to show its key */
		snprintf(pref, sizeof pref, "%.*s", (int)sizeof supported - 3, supported + 1);
	snprintf(c->key_types_asked, sizeof c->key_types_asked, "%s", pref);
	libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY, pref);
}

static enum sftp_fault authenticate(struct sftp_conn *c)
{
	const char *user = c->opt.user;
	long rc;

	do
		rc = libssh2_userauth_publickey_fromfile_ex(c->session, user,
		                                            (unsigned)strlen(user), NULL,
		                                            c->opt.key_path, c->opt.key_passphrase);
	while (again(c, rc));
	switch (rc) {
	case 0:
		return SFTP_OK;
	case LIBSSH2_ERROR_FILE:
		say(c,
		    "cannot use SSH key %s: unreadable, wrong passphrase, or a format libssh2 "
		    "cannot read; expected an OpenSSH private key",
		    c->opt.key_path);
		return SFTP_LOCAL;
	case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
	case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
		say(c,
		    "%s refused our key %s for user %s; expected its public key in the partner's "
		    "authorized_keys%s",
		    c->opt.host, c->opt.key_path, user,
		    rsa_key(c->opt.key_path)
		        ? " (this is an RSA key: libssh2 1.10 signs with ssh-rsa, SHA-1, which "
		          "OpenSSH 8.8 and later refuse; use an ed25519 or ECDSA key)"
		        : "");
		return SFTP_AUTH;
	default:
		return failed(c, rc, "authentication");
	}
}

enum sftp_fault sftp_connect(const struct sftp_options *opt, struct sftp_conn **out)
{
	static bool initialized;
	struct sftp_conn *c = xcalloc(1, sizeof *c);
	enum sftp_fault f;
	long rc;

	c->opt = *opt;
	c->sock = -1;
	c->timeout_s = opt->connect_timeout_s;
	*out = c;
	if (!initialized) {
		/* libssh2 1.10 allocates and frees a buffer per 30 kB packet; glibc
		 * would hand the heap top back to the kernel each time (brk), which
		 * cost more CPU than the encryption.  Keep up to 64 MiB. */
		mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
		if (libssh2_init(0) != 0) {
			say(c, "libssh2 cannot start");
			return SFTP_LOCAL;
		}
		initialized = true;
	}
	if ((f = connect_tcp(c)) != SFTP_OK)
		return f;
	c->session = libssh2_session_init();
	if (c->session == NULL) {
		say(c, "libssh2 cannot start a session");
		return SFTP_LOCAL;
	}
	libssh2_session_set_blocking(c->session, 0);
	prefer_host_key_types(c);
	do
		rc = libssh2_session_handshake(c->session, c->sock);
	while (again(c, rc));
	if (rc == LIBSSH2_ERROR_KEX_FAILURE || rc == LIBSSH2_ERROR_METHOD_NONE) {
		say(c,
		    "SSH handshake with %s port %u failed: it offers none of the host key types we "
		    "know for it (%s), or no algorithm libssh2 has. If its host key changed, "
		    "confirm the new one with the partner out of band",
		    c->opt.host, c->opt.port, c->key_types_asked);
		return SFTP_HOST_CHANGED;
	}
	if (rc != 0)
		return failed(c, rc, "SSH handshake");
	if ((f = check_host_key(c)) != SFTP_OK || (f = authenticate(c)) != SFTP_OK)
		return f;
	do
		c->sftp = libssh2_sftp_init(c->session);
	while (again(c, c->sftp ? 0 : libssh2_session_last_errno(c->session)));
	if (c->sftp == NULL) {
		rc = libssh2_session_last_errno(c->session);
		if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL || rc == LIBSSH2_ERROR_CHANNEL_FAILURE ||
		    rc == LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED) {
			say(c, "%s has no SFTP service for user %s", opt->host, opt->user);
			return SFTP_FAILED;
		}
		return failed(c, rc, "starting SFTP");
	}
	c->timeout_s = opt->io_timeout_s;
	return SFTP_OK;
}

void sftp_close(struct sftp_conn *c)
{
	if (c == NULL)
		return;
	/* A short goodbye: a dead peer must not make closing wait long. */
	c->timeout_s = c->dead ? 0 : 2;
	if (c->sftp && !c->dead)
		while (libssh2_sftp_shutdown(c->sftp) == LIBSSH2_ERROR_EAGAIN &&
		       again(c, LIBSSH2_ERROR_EAGAIN))
			;
	if (c->session) {
		if (!c->dead)
			while (libssh2_session_disconnect(c->session, "done") ==
			           LIBSSH2_ERROR_EAGAIN &&
			       again(c, LIBSSH2_ERROR_EAGAIN))
				;
		libssh2_session_free(c->session);
	}
	if (c->sock >= 0)
		close(c->sock);
	free(c);
}

const char *sftp_message(const struct sftp_conn *c)
{
	return c->message;
}

const char *sftp_host_key_type(const struct sftp_conn *c)
{
	return c->key_type;
}

const char *sftp_host_fingerprint(const struct sftp_conn *c)
{
	return c->fingerprint;
}

static LIBSSH2_SFTP_HANDLE *open_remote(struct sftp_conn *c, const char *path, unsigned long flags,
                                        int type)
{
	LIBSSH2_SFTP_HANDLE *h;

	if (c->dead)
		return NULL;
	do
		h = libssh2_sftp_open_ex(c->sftp, path, (unsigned)strlen(path), flags, 0600, type);
	while (again(c, h ? 0 : libssh2_session_last_errno(c->session)));
	return h;
}

/* Closes a handle; on a dead connection there is nobody to tell. */
static long close_remote(struct sftp_conn *c, LIBSSH2_SFTP_HANDLE *h)
{
	long rc;

	if (c->dead)
		return 0;
	do
		rc = libssh2_sftp_close_handle(h);
	while (again(c, rc));
	return rc;
}

static enum sftp_fault open_failed(struct sftp_conn *c, const char *action, const char *path)
{
	char what[512];
	return failed(c, libssh2_session_last_errno(c->session),
	              label(what, sizeof what, action, path));
}

/* By name, byte for byte (a name may hold a NUL: its length counts). */
static int entry_order(const void *a, const void *b)
{
	const struct sftp_entry *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);
	return c ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

enum sftp_fault sftp_list(struct sftp_conn *c, const char *dir, struct sftp_entry **entries,
                          size_t *count)
{
	/* Room for any name a server may send: libssh2 1.10 cannot skip an
	 * entry too long for the buffer, so a short one would stop every run. */
	enum { NAME_ROOM = 65536 };
	char *name = xmalloc(NAME_ROOM), what[512];
	struct sftp_entry *list = NULL;
	size_t n = 0, cap = 0;
	enum sftp_fault f = SFTP_OK;
	LIBSSH2_SFTP_ATTRIBUTES attrs;
	LIBSSH2_SFTP_HANDLE *h = open_remote(c, dir, 0, LIBSSH2_SFTP_OPENDIR);
	long rc;

	if (h == NULL) {
		free(name);
		return open_failed(c, "list", dir);
	}
	while (n < SFTP_LIST_MAX) { /* the rest comes in later runs */
		do
			rc = libssh2_sftp_readdir_ex(h, name, NAME_ROOM - 1, NULL, 0, &attrs);
		while (again(c, rc));
		if (rc == 0)
			break;
		if (rc < 0) {
			f = failed(c, rc, label(what, sizeof what, "list", dir));
			break;
		}
		name[rc] = '\0';
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			list = xreallocarray(list, cap, sizeof *list);
		}
		list[n].name = xmemdup(name, (size_t)rc + 1);
		list[n].name_len = (size_t)rc;
		list[n].size = (attrs.flags & LIBSSH2_SFTP_ATTR_SIZE) ? attrs.filesize : 0;
		list[n].mtime =
		    (attrs.flags & LIBSSH2_SFTP_ATTR_ACMODTIME) ? (time_t)attrs.mtime : 0;
		list[n].regular = (attrs.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
		                  LIBSSH2_SFTP_S_ISREG(attrs.permissions);
		n++;
	}
	close_remote(c, h);
	free(name);
	if (f != SFTP_OK) {
		sftp_entries_free(list, n);
		return f;
	}
	if (n > 1)
		qsort(list, n, sizeof *list, entry_order);
	*entries = list;
	*count = n;
	return SFTP_OK;
}

const struct sftp_entry *sftp_find_entry(const struct sftp_entry *list, size_t count,
                                         const char *name)
{
	struct sftp_entry key = {.name = (char *)name, .name_len = strlen(name)};
	return count ? bsearch(&key, list, count, sizeof key, entry_order) : NULL;
}

void sftp_entries_free(struct sftp_entry *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(list[i].name);
	free(list);
}

enum sftp_fault sftp_size(struct sftp_conn *c, const char *path, bool *exists, uint64_t *size)
{
	LIBSSH2_SFTP_ATTRIBUTES attrs;
	char what[512];
	long rc;

	if (c->dead) /* gone: nothing more goes over it, the caller retries later */
		return SFTP_TEMPORARY;

	do
		rc = libssh2_sftp_stat_ex(c->sftp, path, (unsigned)strlen(path), LIBSSH2_SFTP_STAT,
		                          &attrs);
	while (again(c, rc));
	if (rc == 0) {
		*exists = true;
		*size = (attrs.flags & LIBSSH2_SFTP_ATTR_SIZE) ? attrs.filesize : 0;
		return SFTP_OK;
	}
	enum sftp_fault f = failed(c, rc, label(what, sizeof what, "stat", path));
	if (f == SFTP_NO_SUCH) {
		*exists = false;
		*size = 0;
		c->message[0] = '\0';
		return SFTP_OK;
	}
	return f;
}

enum sftp_fault sftp_put(struct sftp_conn *c, int fd, uint64_t from, uint64_t size,
                         const char *remote, sftp_sink *seen, void *ctx)
{
	/* Up to 'window' bytes go to libssh2 per call; it keeps them in flight
	 * and returns as acknowledgements arrive.  The buffer is twice the
	 * window so that refills are large reads and the unacknowledged rest is
	 * moved down about once per window. */
	size_t window = c->opt.buffer_size, cap = 2 * window;
	char *buf = xmalloc(cap);
	char what[512];
	size_t off = 0, fill = 0; /* buf[off, fill) is sent or to send, unacknowledged */
	uint64_t acked = from, read_pos = from;
	enum sftp_fault f = SFTP_OK;
	unsigned long flags = LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT;
	LIBSSH2_SFTP_HANDLE *h;
	long rc;

	label(what, sizeof what, "upload", remote);
	h = open_remote(c, remote, flags | (from == 0 ? LIBSSH2_FXF_TRUNC : 0),
	                LIBSSH2_SFTP_OPENFILE);
	if (h == NULL) {
		free(buf);
		return open_failed(c, "upload", remote);
	}
	libssh2_sftp_seek64(h, from);
	while (acked < size) {
		if (fill - off < window && read_pos < size) {
			if (fill + window > cap) {
				memmove(buf, buf + off, fill - off);
				fill -= off;
				off = 0;
			}
			size_t want = cap - fill;
			if (want > size - read_pos)
				want = (size_t)(size - read_pos);
			ssize_t n = pread(fd, buf + fill, want, (off_t)read_pos);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				say(c, "%s: the local file %s", what,
				    n < 0 ? strerror(errno) : "became shorter while it was sent");
				/* Packets are in flight: the session cannot be trusted. */
				c->dead = true;
				f = SFTP_LOCAL;
				goto out;
			}
			if (seen)
				seen(ctx, buf + fill, (size_t)n);
			fill += (size_t)n;
			read_pos += (uint64_t)n;
		}
		size_t pending = fill - off;
		/* 0 acknowledged is no progress: wait like EAGAIN. */
		do
			rc = libssh2_sftp_write(h, buf + off, pending < window ? pending : window);
		while (again(c, rc == 0 ? LIBSSH2_ERROR_EAGAIN : rc));
		if (rc < 0) {
			f = failed(c, rc, what);
			goto out;
		}
		off += (size_t)rc;
		acked += (uint64_t)rc;
		progress_add((size_t)rc);
	}
	/* fsync@openssh.com: the partner's disk holds it before we rename. */
	do
		rc = c->opt.remote_fsync ? libssh2_sftp_fsync(h) : 0;
	while (again(c, rc));
	if (rc < 0 && !(rc == LIBSSH2_ERROR_SFTP_PROTOCOL &&
	                libssh2_sftp_last_error(c->sftp) == LIBSSH2_FX_OP_UNSUPPORTED)) {
		f = failed(c, rc, what);
		goto out;
	}
out:
	rc = close_remote(c, h);
	if (f == SFTP_OK && rc < 0)
		f = failed(c, rc, what);
	free(buf);
	return f;
}

enum sftp_fault sftp_get(struct sftp_conn *c, const char *remote, uint64_t from, sftp_sink *sink,
                         void *ctx, uint64_t *got)
{
	/* libssh2 asks for up to four times the buffer ahead of our reads. */
	size_t size = c->opt.buffer_size;
	char *buf = xmalloc(size);
	char what[512];
	enum sftp_fault f = SFTP_OK;
	LIBSSH2_SFTP_HANDLE *h;
	long n;

	*got = 0;
	label(what, sizeof what, "download", remote);
	h = open_remote(c, remote, LIBSSH2_FXF_READ, LIBSSH2_SFTP_OPENFILE);
	if (h == NULL) {
		free(buf);
		return open_failed(c, "download", remote);
	}
	libssh2_sftp_seek64(h, from);
	for (;;) {
		do
			n = libssh2_sftp_read(h, buf, size);
		while (again(c, n));
		if (n == 0)
			break;
		if (n < 0) {
			f = failed(c, n, what);
			break;
		}
		if (sink(ctx, buf, (size_t)n) < 0) {
			say(c, "%s: cannot write the local copy: %s", what, strerror(errno));
			f = SFTP_LOCAL;
			break;
		}
		*got += (uint64_t)n;
		progress_add((size_t)n);
	}
	close_remote(c, h);
	free(buf);
	return f;
}

enum sftp_fault sftp_read_at(struct sftp_conn *c, const char *remote, uint64_t offset, void *buf,
                             size_t len)
{
	char what[512];
	size_t done = 0;
	enum sftp_fault f = SFTP_OK;
	LIBSSH2_SFTP_HANDLE *h = open_remote(c, remote, LIBSSH2_FXF_READ, LIBSSH2_SFTP_OPENFILE);
	long n;

	label(what, sizeof what, "read", remote);
	if (h == NULL)
		return open_failed(c, "read", remote);
	libssh2_sftp_seek64(h, offset);
	while (done < len) {
		do
			n = libssh2_sftp_read(h, (char *)buf + done, len - done);
		while (again(c, n));
		if (n <= 0) {
			if (n == 0)
				say(c, "%s: shorter than expected", what);
			f = n == 0 ? SFTP_FAILED : failed(c, n, what);
			break;
		}
		done += (size_t)n;
	}
	close_remote(c, h);
	return f;
}

enum sftp_fault sftp_rename(struct sftp_conn *c, const char *from, const char *to)
{
	char what[1100];
	long rc;

	if (c->dead) /* gone: nothing more goes over it, the caller retries later */
		return SFTP_TEMPORARY;

	/* Flags matter only to SFTP v5+ servers: atomic, never overwrite. */
	do
		rc = libssh2_sftp_rename_ex(
		    c->sftp, from, (unsigned)strlen(from), to, (unsigned)strlen(to),
		    LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE);
	while (again(c, rc));
	if (rc == 0)
		return SFTP_OK;
	snprintf(what, sizeof what, "rename %s to %s", from, to);
	return failed(c, rc, what);
}

enum sftp_fault sftp_remove(struct sftp_conn *c, const char *path)
{
	char what[512];
	long rc;

	if (c->dead) /* gone: nothing more goes over it, the caller retries later */
		return SFTP_TEMPORARY;

	do
		rc = libssh2_sftp_unlink_ex(c->sftp, path, (unsigned)strlen(path));
	while (again(c, rc));
	return rc == 0 ? SFTP_OK : failed(c, rc, label(what, sizeof what, "remove", path));
}

enum sftp_fault sftp_dir_readable(struct sftp_conn *c, const char *dir)
{
	LIBSSH2_SFTP_HANDLE *h = open_remote(c, dir, 0, LIBSSH2_SFTP_OPENDIR);

	if (h == NULL)
		return open_failed(c, "list", dir);
	close_remote(c, h);
	return SFTP_OK;
}

enum sftp_fault sftp_dir_writable(struct sftp_conn *c, const char *dir)
{
	char probe[512];
	snprintf(probe, sizeof probe, "%s/.csgw-probe-%ld", dir, (long)getpid());
	LIBSSH2_SFTP_HANDLE *h =
	    open_remote(c, probe, LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL,
	                LIBSSH2_SFTP_OPENFILE);

	if (h == NULL)
		return open_failed(c, "create a file in", dir);
	close_remote(c, h);
	return sftp_remove(c, probe);
}
