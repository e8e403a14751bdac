/*
 * sftp_floor.c - the floor for tests/bench/sftp.sh: a bare libssh2 SFTP
 * transfer, the most the library gives on this machine.
 *
 * usage: sftp_floor up|down HOST PORT USER PRIVKEY LOCAL REMOTE
 *
 * Connects (blocking), asks for aes128-ctr and hmac-sha2-256 both ways,
 * logs in with the key in PRIVKEY (public key derived from it) and
 * copies LOCAL to REMOTE (up) or REMOTE to LOCAL (down) in 256 KiB
 * libssh2_sftp_write / libssh2_sftp_read calls. No host key check, no
 * fsync, no temporary name: only the transfer. Exits 0 on success, 1 on
 * any error (with a message), 2 on usage.
 *
 * One tuning, so the figure is libssh2's and not glibc's: libssh2 1.10
 * allocates every packet (about 30 KB), and glibc's default trim threshold
 * then hands the top of the heap back to the kernel and takes it again
 * packet after packet (brk and page faults: two thirds of an upload's CPU
 * time). mallopt(M_TRIM_THRESHOLD) stops that; any program can do the same.
 *
 * Built by tests/bench/sftp.sh with
 *   cc -O2 sftp_floor.c $(pkg-config --cflags --libs libssh2)
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#define CHUNK (256 * 1024)

static LIBSSH2_SESSION *session;
static LIBSSH2_SFTP *sftp;

/* Says what failed, with libssh2's own words and the SFTP status code. */
static void fail(const char *what)
{
	char *msg = NULL;

	if (session != NULL)
		libssh2_session_last_error(session, &msg, NULL, 0);
	if (sftp != NULL && libssh2_session_last_errno(session) == LIBSSH2_ERROR_SFTP_PROTOCOL)
		fprintf(stderr, "sftp_floor: %s: %s (SFTP status %lu)\n", what,
		        msg != NULL ? msg : "error", libssh2_sftp_last_error(sftp));
	else
		fprintf(stderr, "sftp_floor: %s: %s\n", what, msg != NULL ? msg : "error");
	exit(1);
}

static void fail_errno(const char *what, const char *path)
{
	fprintf(stderr, "sftp_floor: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "sftp_floor: %s port %s: %s\n", host, port, gai_strerror(rc));
		exit(1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fail_errno("cannot connect to", host);
	return fd;
}

static void upload(const char *local, const char *remote)
{
	const unsigned long flags = LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC;
	static char buf[CHUNK];
	LIBSSH2_SFTP_HANDLE *h;
	ssize_t n, done, rc;
	int fd;

	fd = open(local, O_RDONLY);
	if (fd < 0)
		fail_errno("cannot open", local);
	h = libssh2_sftp_open(sftp, remote, flags, 0600);
	if (h == NULL)
		fail(remote);
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		/* libssh2_sftp_write may take less than asked: send the rest. */
		for (done = 0; done < n; done += rc) {
			rc = libssh2_sftp_write(h, buf + done, (size_t)(n - done));
			if (rc < 0)
				fail("libssh2_sftp_write");
		}
	}
	if (n < 0)
		fail_errno("cannot read", local);
	close(fd);
	/* The server's answer to the close is the last word on the write. */
	if (libssh2_sftp_close(h) != 0)
		fail("libssh2_sftp_close");
}

static void download(const char *remote, const char *local)
{
	static char buf[CHUNK];
	LIBSSH2_SFTP_HANDLE *h;
	ssize_t n, done, rc;
	int fd;

	h = libssh2_sftp_open(sftp, remote, LIBSSH2_FXF_READ, 0);
	if (h == NULL)
		fail(remote);
	fd = open(local, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		fail_errno("cannot create", local);
	while ((n = libssh2_sftp_read(h, buf, sizeof buf)) > 0) {
		for (done = 0; done < n; done += rc) {
			rc = write(fd, buf + done, (size_t)(n - done));
			if (rc < 0)
				fail_errno("cannot write", local);
		}
	}
	if (n < 0)
		fail("libssh2_sftp_read");
	if (close(fd) != 0)
		fail_errno("cannot write", local);
	if (libssh2_sftp_close(h) != 0)
		fail("libssh2_sftp_close");
}

int main(int argc, char **argv)
{
	static const int methods[] = {LIBSSH2_METHOD_CRYPT_CS, LIBSSH2_METHOD_CRYPT_SC,
	                              LIBSSH2_METHOD_MAC_CS, LIBSSH2_METHOD_MAC_SC};
	const char *host, *port, *user, *key, *local, *remote;
	char *end;
	long portnum;
	size_t i;
	int sock, up;

	if (argc != 8 || (strcmp(argv[1], "up") != 0 && strcmp(argv[1], "down") != 0)) {
		fprintf(stderr, "usage: sftp_floor up|down HOST PORT USER PRIVKEY LOCAL REMOTE\n");
		return 2;
	}
	up = strcmp(argv[1], "up") == 0;
	host = argv[2];
	port = argv[3];
	user = argv[4];
	key = argv[5];
	local = argv[6];
	remote = argv[7];
	errno = 0;
	portnum = strtol(port, &end, 10);
	if (errno != 0 || *port == '\0' || *end != '\0' || portnum < 1 || portnum > 65535) {
		fprintf(stderr, "sftp_floor: bad port '%s'\n", port);
		return 2;
	}

	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	if (libssh2_init(0) != 0) {
		fprintf(stderr, "sftp_floor: libssh2_init failed\n");
		return 1;
	}
	sock = connect_to(host, port);
	session = libssh2_session_init();
	if (session == NULL) {
		fprintf(stderr, "sftp_floor: libssh2_session_init failed\n");
		return 1;
	}
	/* The same cipher and MAC as the OpenSSH run beside it. */
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		const char *pref = i < 2 ? "aes128-ctr" : "hmac-sha2-256";
		if (libssh2_session_method_pref(session, methods[i], pref) != 0)
			fail(pref);
	}
	libssh2_session_set_blocking(session, 1);
	if (libssh2_session_handshake(session, sock) != 0)
		fail("handshake");
	if (libssh2_userauth_publickey_fromfile_ex(session, user, (unsigned int)strlen(user), NULL,
	                                           key, NULL) != 0)
		fail("public key authentication");
	sftp = libssh2_sftp_init(session);
	if (sftp == NULL)
		fail("libssh2_sftp_init");

	if (up)
		upload(local, remote);
	else
		download(remote, local);

	libssh2_sftp_shutdown(sftp);
	sftp = NULL;
	libssh2_session_disconnect(session, "done");
	libssh2_session_free(session);
	close(sock);
	libssh2_exit();
	return 0;
}
