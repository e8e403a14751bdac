/*
 * spool.c - the durable queue: entry folders, their meta, their moves.
 */
#include "core/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/fs.h"
#include "util/alloc.h"
#include "util/crash.h"

static const char *const state_names[SPOOL_NSTATES] = {
    "active", "deferred", "sent", "done", "hold", "quarantine",
};

const char *spool_state_name(enum spool_state s)
{
	return (unsigned)s < SPOOL_NSTATES ? state_names[s] : "?";
}

int spool_state_of(const char *name)
{
	for (int i = 0; i < SPOOL_NSTATES; i++)
		if (strcmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool spool_drop_unfinished(const char *name)
{
	return name[0] == '.' || ends_with(name, ".tmp") || ends_with(name, ".part");
}

int spool_make(const char *root)
{
	static const char *const others[] = {"outgoing", "incoming", "inbox", "delivered"};
	if (fs_make_dir(root) < 0)
		return -1;
	for (int i = 0; i < SPOOL_NSTATES; i++) {
		char *p = xasprintf("%s/%s", root, state_names[i]);
		int rc = fs_make_dir(p);
		free(p);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
		char *p = xasprintf("%s/%s", root, others[i]);
		int rc = fs_make_dir(p);
		free(p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

char *spool_path(const char *root, const struct spool_entry *e, const char *name)
{
	if (name == NULL)
		return xasprintf("%s/%s/%s", root, state_names[e->state], e->id);
	return xasprintf("%s/%s/%s/%s", root, state_names[e->state], e->id, name);
}

/* YYYYMMDDTHHMMSSZ-PID-SEQ, as spool_create makes them: nothing else in a
 * state folder (such as quarantine/PARTNER) is taken for an entry. */
bool spool_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n < 20 || n >= SPOOL_ID_MAX || strspn(id, "0123456789") != 8 || id[8] != 'T' ||
	    strspn(id + 9, "0123456789") != 6 || strncmp(id + 15, "Z-", 2) != 0)
		return false;
	const char *rest = id + 17;
	size_t pid = strspn(rest, "0123456789");
	return pid > 0 && rest[pid] == '-' && rest[pid + 1] != '\0' &&
	       strspn(rest + pid + 1, "0123456789") == strlen(rest + pid + 1);
}

/* One line of meta; newlines in values (a reason) become spaces. */
static void put(struct out_file *of, const char *key, const char *value)
{
	char line[1400];
	int n = snprintf(line, sizeof line, "%s=%s\n", key, value);
	if (n < 0 || (size_t)n >= sizeof line)
		n = (int)sizeof line - 1, line[n - 1] = '\n';
	for (int i = (int)strlen(key) + 1; i < n - 1; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	out_write(of, line, (size_t)n);
}

static void put_num(struct out_file *of, const char *key, long long v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	put(of, key, buf);
}

/* Writes an entry's meta to 'path' (whole or not at all). */
static int spool_write_meta(const char *path, const struct spool_entry *e)
{
	struct out_file of;
	int rc = -1;

	if (out_open(&of, path) == 0) {
		put(&of, "partner", e->partner);
		put(&of, "kind", e->kind);
		put(&of, "type", e->type);
		put(&of, "family", e->family);
		put(&of, "batch", e->batch);
		put(&of, "file", e->file);
		put(&of, "source", e->source);
		put(&of, "sha256", e->sha256);
		put_num(&of, "records", (long long)e->records);
		put_num(&of, "attempts", e->attempts);
		put_num(&of, "created", (long long)e->created);
		put_num(&of, "next_attempt", (long long)e->next_attempt);
		put_num(&of, "sent", (long long)e->sent);
		put_num(&of, "changed", (long long)e->changed);
		put_num(&of, "alerted", e->alerted);
		put(&of, "reason", e->reason);
		rc = out_commit(&of);
		if (rc < 0) {
			int saved = errno;
			out_abort(&of);
			errno = saved;
		}
	}
	return rc;
}

int spool_save(const char *root, const struct spool_entry *e)
{
	char *path = spool_path(root, e, "meta");
	int rc = spool_write_meta(path, e);
	free(path);
	return rc;
}

static void take(char *dst, size_t size, const char *value)
{
	snprintf(dst, size, "%s", value);
}

int spool_load(const char *root, enum spool_state state, const char *id, struct spool_entry *e)
{
	char copy[SPOOL_ID_MAX];
	take(copy, sizeof copy, id); /* id may be e->id */
	memset(e, 0, sizeof *e);
	take(e->id, sizeof e->id, copy);
	e->state = state;
	char *path = spool_path(root, e, "meta");
	FILE *fp = fs_read_regular(path); /* csgw's own file: never a link */
	free(path);
	if (fp == NULL)
		return -1;
	char line[1400];
	while (fgets(line, sizeof line, fp)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		const char *k = line, *v = eq + 1;
		long long n = strtoll(v, NULL, 10);
		if (strcmp(k, "partner") == 0)
			take(e->partner, sizeof e->partner, v);
		else if (strcmp(k, "kind") == 0)
			take(e->kind, sizeof e->kind, v);
		else if (strcmp(k, "type") == 0)
			take(e->type, sizeof e->type, v);
		else if (strcmp(k, "family") == 0)
			take(e->family, sizeof e->family, v);
		else if (strcmp(k, "batch") == 0)
			take(e->batch, sizeof e->batch, v);
		else if (strcmp(k, "file") == 0)
			take(e->file, sizeof e->file, v);
		else if (strcmp(k, "source") == 0)
			take(e->source, sizeof e->source, v);
		else if (strcmp(k, "sha256") == 0)
			take(e->sha256, sizeof e->sha256, v);
		else if (strcmp(k, "reason") == 0)
			take(e->reason, sizeof e->reason, v);
		else if (strcmp(k, "records") == 0)
			e->records = (unsigned long)n;
		else if (strcmp(k, "attempts") == 0)
			e->attempts = (unsigned)n;
		else if (strcmp(k, "created") == 0)
			e->created = (time_t)n;
		else if (strcmp(k, "next_attempt") == 0)
			e->next_attempt = (time_t)n;
		else if (strcmp(k, "sent") == 0)
			e->sent = (time_t)n;
		else if (strcmp(k, "changed") == 0)
			e->changed = (time_t)n;
		else if (strcmp(k, "alerted") == 0)
			e->alerted = n != 0;
	}
	bool bad = ferror(fp) || e->partner[0] == '\0';
	fclose(fp);
	if (bad) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int spool_find(const char *root, const char *id, struct spool_entry *e)
{
	if (!spool_id_valid(id)) {
		errno = ENOENT;
		return -1;
	}
	for (int s = 0; s < SPOOL_NSTATES; s++)
		if (spool_load(root, (enum spool_state)s, id, e) == 0)
			return 0;
	errno = ENOENT;
	return -1;
}

/* Gives e a new id and makes its folder in 'active': a new directory, or
 * 'stage' renamed there.  Then its meta.  0 or -1. */
static int place(const char *root, struct spool_entry *e, const char *stage)
{
	static unsigned seq;
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	e->state = SPOOL_ACTIVE;
	e->created = e->changed = now;
	for (int tries = 0; tries < 1000; tries++) {
		snprintf(e->id, sizeof e->id, "%.16s-%ld-%u", stamp, (long)getpid() % 10000000,
		         ++seq % 1000000);
		struct spool_entry other;
		/* Unique in every state: a restart within the same second may
		 * get the same process id (PID 1 in a container). */
		if (spool_find(root, e->id, &other) == 0)
			continue;
		char *dir = spool_path(root, e, NULL);
		int rc = -1;
		if (stage == NULL) {
			rc = mkdir(dir, 0700);
		} else {
			/* The meta goes in before the rename: the folder
			 * appears complete or not at all. */
			char *meta = xasprintf("%s/meta", stage);
			rc = spool_write_meta(meta, e);
			free(meta);
			if (rc == 0)
				rc = renameat2(AT_FDCWD, stage, AT_FDCWD, dir, RENAME_NOREPLACE);
			if (rc == 0)
				rc = fs_fsync_dir(stage);
		}
		if (rc == 0 && fs_fsync_dir(dir) < 0)
			rc = -1;
		free(dir);
		if (rc == 0)
			return stage ? 0 : spool_save(root, e);
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

int spool_create(const char *root, struct spool_entry *e)
{
	return place(root, e, NULL);
}

char *spool_stage(const char *root)
{
	static unsigned seq;
	char *dir = xasprintf("%s/.stage.%u.%ld.tmp", root, ++seq, (long)getpid());
	if (mkdir(dir, 0700) < 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

int spool_submit(const char *root, struct spool_entry *e, const char *stage)
{
	return place(root, e, stage);
}

/* Removes a folder and the files in it. */
static int remove_folder(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	return rmdir(dir);
}

void spool_unstage(const char *stage)
{
	if (stage)
		remove_folder(stage);
}

int spool_move(const char *root, struct spool_entry *e, enum spool_state to, const char *reason)
{
	if (reason) {
		take(e->reason, sizeof e->reason, reason);
		if (reason[0]) {
			char *rpath = spool_path(root, e, "reason");
			char *text = xasprintf("%s\n", reason);
			int rc = fs_write_text(rpath, text);
			free(text);
			free(rpath);
			if (rc < 0)
				return -1;
		}
	}
	e->changed = time(NULL);
	if (spool_save(root, e) < 0)
		return -1;
	if (to == e->state)
		return 0;
	crash_point("moving");
	char *from = spool_path(root, e, NULL);
	enum spool_state was = e->state;
	e->state = to;
	char *dest = spool_path(root, e, NULL);
	int rc = fs_move(from, dest);
	/* A rename done whose fsync failed: the entry is where it went. */
	if (rc < 0 && access(dest, F_OK) != 0)
		e->state = was;
	free(from);
	free(dest);
	return rc;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct spool_entry *)a)->id, ((const struct spool_entry *)b)->id);
}

int spool_list(const char *root, enum spool_state state, struct spool_entry **entries, size_t *n)
{
	char *dir = xasprintf("%s/%s", root, state_names[state]);
	DIR *d = opendir(dir);
	free(dir);
	*entries = NULL;
	*n = 0;
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!spool_id_valid(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*entries = xreallocarray(*entries, cap, sizeof **entries);
		}
		if (spool_load(root, state, de->d_name, &(*entries)[*n]) == 0)
			(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*entries, *n, sizeof **entries, by_id);
	return 0;
}

int spool_remove(const char *root, const struct spool_entry *e)
{
	char *dir = spool_path(root, e, NULL);
	DIR *d = opendir(dir);
	int rc = -1;

	if (d) {
		struct dirent *de;
		rc = 0;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
			    strcmp(de->d_name, "meta") == 0)
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) < 0)
				rc = -1;
		}
		/* The meta last: a folder without it holds nothing (sweep). */
		if (rc == 0 && unlinkat(dirfd(d), "meta", 0) < 0 && errno != ENOENT)
			rc = -1;
		closedir(d);
		if (rc == 0 && (rc = rmdir(dir)) == 0)
			rc = fs_fsync_dir(dir);
	}
	free(dir);
	return rc;
}

/* ".NAME.PID.tmp" of a process that is gone, or ".csgw-disclose-XXXXXX". */
static bool stale_temp(const char *name)
{
	size_t n = strlen(name);
	if (name[0] != '.')
		return false;
	if (strncmp(name, ".csgw-disclose-", 15) == 0)
		return true;
	if (n < 7 || strcmp(name + n - 4, ".tmp") != 0)
		return false;
	const char *end = name + n - 4, *start = end;
	while (start > name && start[-1] >= '0' && start[-1] <= '9')
		start--;
	if (start == end || start[-1] != '.')
		return false;
	long pid = strtol(start, NULL, 10);
	/* Our own id too: the sweep runs under the spool's lock, before any
	 * write, and a container's PID 1 is the same process id every time. */
	return pid > 0 && (pid == (long)getpid() || (kill((pid_t)pid, 0) < 0 && errno == ESRCH));
}

static unsigned sweep_dir(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned removed = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (stale_temp(de->d_name)) {
			char *path = xasprintf("%s/%s", dir, de->d_name);
			struct stat st;
			/* A command's staging folder (spool_stage) or a file. */
			if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
				removed += remove_folder(path) == 0;
			else
				removed += unlinkat(dirfd(d), de->d_name, 0) == 0;
			free(path);
			continue;
		}
		if (depth > 0 && de->d_name[0] != '.') {
			char *sub = xasprintf("%s/%s", dir, de->d_name);
			struct stat st;
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				removed += sweep_dir(sub, depth - 1);
			free(sub);
		}
	}
	closedir(d);
	return removed;
}

/* Entry folders without meta: a creation or removal cut short. */
static unsigned sweep_empty_entries(const char *root, enum spool_state state)
{
	char *dir = xasprintf("%s/%s", root, state_names[state]);
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned removed = 0;

	while (d && (de = readdir(d)) != NULL) {
		struct spool_entry e = {.state = state};
		if (!spool_id_valid(de->d_name))
			continue;
		memcpy(e.id, de->d_name, strlen(de->d_name) + 1); /* valid: it fits */
		char *meta = spool_path(root, &e, "meta");
		if (access(meta, F_OK) != 0 && errno == ENOENT && spool_remove(root, &e) == 0)
			removed++;
		free(meta);
	}
	if (d)
		closedir(d);
	free(dir);
	return removed;
}

unsigned spool_sweep(const char *root)
{
	unsigned removed = sweep_dir(root, 0);
	for (int i = 0; i < SPOOL_NSTATES; i++) {
		char *dir = xasprintf("%s/%s", root, state_names[i]);
		removed += sweep_dir(dir, 1);
		removed += sweep_empty_entries(root, (enum spool_state)i);
		free(dir);
	}
	char *delivered = xasprintf("%s/delivered", root);
	removed += sweep_dir(delivered, 2);
	free(delivered);
	return removed;
}
