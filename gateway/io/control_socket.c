/*
 * control_socket.c - the daemon's local control socket.
 */
#include "io/control_socket.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int address(const char *path, struct sockaddr_un *sa, char *why, size_t whylen)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path) {
		snprintf(why, whylen, "%s: longer than %zu bytes, the most a socket path may be",
		         path, sizeof sa->sun_path - 1);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Closes s (when open) and says why, keeping errno: -1. */
static int give_up(int s, const char *path, char *why, size_t whylen)
{
	int saved = errno;
	snprintf(why, whylen, "%s: %s", path, strerror(saved));
	if (s >= 0)
		close(s);
	errno = saved;
	return -1;
}

int control_connect(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un sa;
	if (address(path, &sa, why, whylen) < 0)
		return -1;
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		return give_up(s, path, why, whylen);
	return s;
}

int control_listen(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un sa;
	struct stat st;
	if (address(path, &sa, why, whylen) < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(why, whylen, "%s: exists and is not a socket; not replaced", path);
			errno = EEXIST;
			return -1;
		}
		int other = control_connect(path, why, whylen);
		if (other >= 0) {
			close(other);
			snprintf(why, whylen, "%s: another csgw run serves it", path);
			errno = EADDRINUSE;
			return -1;
		}
		unlink(path); /* stale: its daemon is gone */
	}
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	mode_t old = umask(0);
	int bound = s >= 0 ? bind(s, (struct sockaddr *)&sa, sizeof sa) : -1;
	umask(old);
	if (bound < 0 || chmod(path, 0666) < 0 || listen(s, 64) < 0)
		return give_up(s, path, why, whylen);
	return s;
}

int control_send(int sock, const void *msg, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (nfds < 0 || nfds > 8) {
		errno = EINVAL;
		return -1;
	}
	if (nfds > 0) {
		memset(&control, 0, sizeof control);
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

long control_recv(int sock, void *buf, size_t size, int *fds, int maxfds, int *nfds,
                  bool *truncated)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = control.buf,
	                    .msg_controllen = sizeof control.buf};
	ssize_t n;

	*nfds = 0;
	*truncated = false;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (*nfds < maxfds)
				fds[(*nfds)++] = fd;
			else {
				close(fd);
				*truncated = true;
			}
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		*truncated = true;
	return (long)n;
}

int control_peer(int sock, long *uid, long *gid, long *pid)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	*uid = (long)cred.uid;
	*gid = (long)cred.gid;
	*pid = (long)cred.pid;
	return 0;
}

void control_timeout(int sock, int seconds)
{
	struct timeval tv = {.tv_sec = seconds};
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}
