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

FILE *secret_open(const char *path, const char *what, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		say(why, whylen, "%s: cannot read the %s: %s", path, what, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		say(why, whylen, "%s: the %s is not a regular file", path, what);
		close(fd);
		return NULL;
	}
	if (st.st_mode & 077) {
		say(why, whylen,
		    "%s: the %s is readable by group or others (mode %04o); csgw refuses it: "
		    "chmod 600 %s",
		    path, what, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return NULL;
	}
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
