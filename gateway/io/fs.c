/*
 * fs.c - output files that appear whole or not at all.
 *
 * The commit discipline of Postfix's queue: write to a temporary name,
 * fsync, rename, fsync the directory.
 */
#include "io/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/digest.h"
#include "util/alloc.h"

#define OUT_BUFSIZE (256 * 1024)

static long real_write(int fd, const void *buf, size_t n)
{
	return (long)write(fd, buf, n);
}

static int real_fsync(int fd)
{
	return fsync(fd);
}

static int real_rename(const char *from, const char *to)
{
	return rename(from, to);
}

struct fs_syscalls fs_sys;

/* The table entries, or the real calls where a test left them NULL. */
#define SYS_WRITE (fs_sys.write ? fs_sys.write : real_write)
#define SYS_FSYNC (fs_sys.fsync ? fs_sys.fsync : real_fsync)
#define SYS_RENAME (fs_sys.rename ? fs_sys.rename : real_rename)

static int failed(struct out_file *of, int err)
{
	if (of->error == 0)
		of->error = err;
	errno = of->error;
	return -1;
}

int out_open(struct out_file *of, const char *dest)
{
	memset(of, 0, sizeof *of);
	of->fd = -1;
	of->dest = xstrdup(dest);
	if (strcmp(dest, "-") == 0) {
		/* Standard output cannot be taken back: stage the whole output in
		 * an unlinked temporary file and copy it out at commit. */
		const char *dir = getenv("TMPDIR");
		char path[4096];
		snprintf(path, sizeof path, "%s/csgw-stdout-XXXXXX", dir && *dir ? dir : "/tmp");
		of->fd = mkostemp(path, O_CLOEXEC);
		if (of->fd < 0) {
			int err = errno;
			free(of->dest);
			of->dest = NULL;
			errno = err;
			return -1;
		}
		unlink(path);
	} else {
		char *copy = xstrdup(dest);
		char *dir = dirname(copy);
		char *copy2 = xstrdup(dest);
		char *base = basename(copy2);
		size_t n = strlen(dir) + strlen(base) + 32;
		of->tmp = xmalloc(n);
		snprintf(of->tmp, n, "%s/.%s.%ld.tmp", dir, base, (long)getpid());
		free(copy);
		free(copy2);
		/* 0600: batches hold personal data (SSNs, addresses). */
		of->fd = open(of->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (of->fd < 0) {
			int err = errno;
			free(of->tmp);
			free(of->dest);
			of->tmp = of->dest = NULL;
			errno = err;
			return -1;
		}
	}
	of->buf = xmalloc(OUT_BUFSIZE);
	return 0;
}

static int flush(struct out_file *of)
{
	size_t off = 0;

	if (of->sha256) /* the digest of what is written, without reading it back */
		digest_sha256_update(of->sha256, of->buf, of->used);

	while (off < of->used) {
		long n = SYS_WRITE(of->fd, of->buf + off, of->used - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return failed(of, errno);
		if (n == 0)
			return failed(of, EIO);
		off += (size_t)n; /* a short write: write the rest */
	}
	of->used = 0;
	return 0;
}

int out_write(struct out_file *of, const void *data, size_t len)
{
	const char *p = data;

	if (of->error)
		return failed(of, of->error);
	while (len > 0) {
		size_t room = OUT_BUFSIZE - of->used;
		size_t n = len < room ? len : room;
		memcpy(of->buf + of->used, p, n);
		of->used += n;
		p += n;
		len -= n;
		if (of->used == OUT_BUFSIZE && flush(of) < 0)
			return -1;
	}
	return 0;
}

static int copy_to_stdout(struct out_file *of)
{
	if (lseek(of->fd, 0, SEEK_SET) < 0)
		return failed(of, errno);
	for (;;) {
		ssize_t n = read(of->fd, of->buf, OUT_BUFSIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return failed(of, errno);
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(STDOUT_FILENO, of->buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return failed(of, w < 0 ? errno : EIO);
			off += w;
		}
	}
}

int fs_fsync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = -1;

	free(copy);
	if (fd < 0)
		return -1;
	rc = SYS_FSYNC(fd);
	close(fd);
	return rc;
}

int fs_make_dir(const char *path)
{
	if (mkdir(path, 0700) == 0)
		return fs_fsync_dir(path);
	if (errno != ENOENT)
		return errno == EEXIST ? 0 : -1;
	/* A folder above is missing too (a new configuration): made first. */
	char *up = xstrdup(path);
	char *slash = strrchr(up, '/');
	int rc = -1;
	if (slash && slash != up) {
		*slash = '\0';
		rc = fs_make_dir(up);
	}
	free(up);
	if (rc < 0)
		return -1;
	if (mkdir(path, 0700) == 0)
		return fs_fsync_dir(path);
	return errno == EEXIST ? 0 : -1;
}

int fs_make_parent(const char *path)
{
	char *up = xstrdup(path);
	char *slash = strrchr(up, '/');
	int rc = 0;
	if (slash && slash != up) {
		*slash = '\0';
		rc = fs_make_dir(up);
	}
	free(up);
	return rc;
}

static void release(struct out_file *of)
{
	free(of->buf);
	free(of->tmp);
	free(of->dest);
	of->buf = of->tmp = of->dest = NULL;
}

int out_commit(struct out_file *of)
{
	int err;

	if (of->error || flush(of) < 0)
		goto fail;
	if (of->tmp == NULL) { /* standard output, staged */
		if (copy_to_stdout(of) < 0)
			goto fail;
		close(of->fd);
		of->fd = -1;
		release(of);
		return 0;
	}
	if (SYS_FSYNC(of->fd) < 0 || close(of->fd) < 0) {
		failed(of, errno);
		of->fd = -1;
		goto fail;
	}
	of->fd = -1;
	if (SYS_RENAME(of->tmp, of->dest) < 0 || fs_fsync_dir(of->dest) < 0) {
		failed(of, errno);
		goto fail;
	}
	release(of);
	return 0;
fail:
	err = of->error ? of->error : errno;
	out_abort(of);
	errno = err;
	return -1;
}

int fs_publish(const char *from, const char *to)
{
	return SYS_RENAME(from, to) < 0 || fs_fsync_dir(to) < 0 ? -1 : 0;
}

void out_abort(struct out_file *of)
{
	if (of->fd >= 0)
		close(of->fd); /* a staged standard output vanishes with it */
	if (of->tmp)
		unlink(of->tmp);
	of->fd = -1;
	release(of);
}

int fs_write_text(const char *path, const char *text)
{
	struct out_file of;
	int rc = out_open(&of, path);
	if (rc == 0 && (rc = out_write(&of, text, strlen(text))) == 0)
		rc = out_commit(&of);
	if (rc < 0) {
		int saved = errno;
		out_abort(&of);
		errno = saved;
	}
	return rc;
}

int fs_move(const char *from, const char *to)
{
	if (SYS_RENAME(from, to) < 0)
		return -1;
	if (fs_fsync_dir(to) < 0)
		return -1;
	return fs_fsync_dir(from);
}

int fs_pwrite_all(int fd, const void *buf, size_t n, unsigned long long offset)
{
	const char *p = buf;

	while (n > 0) {
		/* Through fs_sys.write, so the same faults can be injected. */
		if (lseek(fd, (off_t)offset, SEEK_SET) < 0)
			return -1;
		long w = SYS_WRITE(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		offset += (unsigned long long)w;
	}
	return 0;
}

void fs_writeback(int fd, unsigned long long offset, unsigned long long len)
{
	sync_file_range(fd, (off64_t)offset, (off64_t)len, SYNC_FILE_RANGE_WRITE);
}

int fs_fsync(int fd)
{
	return SYS_FSYNC(fd);
}

int fs_not_regular(const char *path, char *what, size_t size)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISREG(st.st_mode))
		return 0;
	if (S_ISLNK(st.st_mode)) {
		char to[512];
		ssize_t n = readlink(path, to, sizeof to - 1);
		to[n > 0 ? n : 0] = '\0';
		snprintf(what, size, "a symbolic link to %s", to);
	} else {
		snprintf(what, size, "%s",
		         S_ISDIR(st.st_mode)    ? "a folder"
		         : S_ISFIFO(st.st_mode) ? "a FIFO"
		         : S_ISSOCK(st.st_mode) ? "a socket"
		                                : "a device");
	}
	return 1;
}

int fs_open_regular(const char *path, int flags, unsigned mode)
{
	struct stat st;
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, (mode_t)mode);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	/* Back to blocking I/O: O_NONBLOCK was only against a FIFO. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

FILE *fs_read_regular(const char *path)
{
	int fd = fs_open_regular(path, O_RDONLY, 0);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (f == NULL && fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return f;
}

char *fs_move_aside(const char *path, const char *dir, const char *name, const char *why)
{
	char *to = NULL;
	if (fs_make_dir(dir) < 0)
		return NULL;
	for (int n = 0; n < 1000 && to == NULL; n++) {
		char *t = n ? xasprintf("%s/%s.%d", dir, name, n) : xasprintf("%s/%s", dir, name);
		struct stat st;
		if (lstat(t, &st) < 0 && errno == ENOENT)
			to = t;
		else
			free(t);
	}
	if (to == NULL) {
		errno = EEXIST;
		return NULL;
	}
	char *reason = xasprintf("%s.reason", to), *text = xasprintf("%s\n", why);
	int rc = fs_write_text(reason, text);
	if (rc == 0 && (renameat2(AT_FDCWD, path, AT_FDCWD, to, RENAME_NOREPLACE) < 0 ||
	                fs_fsync_dir(to) < 0 || fs_fsync_dir(path) < 0))
		rc = -1;
	free(reason);
	free(text);
	if (rc < 0) {
		int saved = errno;
		free(to);
		errno = saved;
		return NULL;
	}
	return to;
}

int fs_append_line(const char *path, const char *line)
{
	int fd = fs_open_regular(path, O_RDWR | O_APPEND | O_CREAT, 0600);
	size_t len = strlen(line);
	int rc = -1, saved;
	struct stat st;
	char last;

	if (fd < 0)
		return -1;
	/* A line torn by a crash must not swallow this one: end it first. */
	if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 &&
	    last != '\n' && SYS_WRITE(fd, "\n", 1) != 1)
		goto out;
	for (size_t off = 0; off < len;) {
		long w = SYS_WRITE(fd, line + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			goto out;
		}
		off += (size_t)w;
	}
	rc = SYS_FSYNC(fd) < 0 || fs_fsync_dir(path) < 0 ? -1 : 0;
out:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int fs_lock(const char *path)
{
	int fd = fs_open_regular(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
