/*
 * secret.c - files that hold secrets: keys and passphrases.
 */
#include "io/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* The rules of secret.h on an open file.  0, or -1 with the reason. */
static int check_open(int fd, const char *path, const char *what, char *why, size_t whylen)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		say(why, whylen, "%s: the %s is not a regular file", path, what);
		return -1;
	}
	if (geteuid() != 0 && st.st_uid != geteuid()) {
		say(why, whylen,
		    "%s: the %s belongs to uid %ld, not to this user (uid %ld); csgw refuses it: "
		    "chown %ld %s",
		    path, what, (long)st.st_uid, (long)geteuid(), (long)geteuid(), path);
		return -1;
	}
	if (st.st_mode & 077) {
		say(why, whylen,
		    "%s: the %s is open to group or others (mode %04o); csgw refuses it: "
		    "chmod 600 %s",
		    path, what, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* Opened without following a link: a link is refused by name. */
static int open_secret(const char *path, const char *what, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			say(why, whylen,
			    "%s: the %s is a symbolic link; csgw refuses it: name the file itself",
			    path, what);
		else
			say(why, whylen, "%s: cannot read the %s: %s", path, what, strerror(errno));
		return -1;
	}
	if (check_open(fd, path, what, why, whylen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int secret_check(const char *path, const char *what, char *why, size_t whylen)
{
	int fd = open_secret(path, what, why, whylen);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

FILE *secret_open(const char *path, const char *what, char *why, size_t whylen)
{
	int fd = open_secret(path, what, why, whylen);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "r");
	if (f == NULL)
		close(fd);
	return f;
}

int secret_read_line(const char *path, char *out, size_t outlen, char *why, size_t whylen)
{
	FILE *f = secret_open(path, "passphrase file", why, whylen);
	if (f == NULL)
		return -1;
	if (fgets(out, (int)outlen, f) == NULL)
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	if (out[0] == '\0') {
		say(why, whylen,
		    "%s: the passphrase file is empty; expected the passphrase on its first line",
		    path);
		return -1;
	}
	return 0;
}
