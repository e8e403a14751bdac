/*
 * test_io.c - durable output under injected faults, bounded line reading,
 * INI line numbers, the parser's sandbox.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/fs.h"
#include "io/lines.h"
#include "io/sandbox.h"
#include "util/ini.h"
#include "util/thread.h"

static char dir[] = "/tmp/csgw-unit-XXXXXX";

static int make_dir(void **state)
{
	(void)state;
	memcpy(dir, "/tmp/csgw-unit-XXXXXX", sizeof dir);
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static unsigned files_in_dir(void)
{
	char cmd[128];
	unsigned n = 0;
	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	if (p && fscanf(p, "%u", &n) != 1)
		n = 999;
	if (p)
		pclose(p);
	return n;
}

static long enospc_write(int fd, const void *buf, size_t n)
{
	(void)fd, (void)buf, (void)n;
	errno = ENOSPC;
	return -1;
}

static long short_write(int fd, const void *buf, size_t n)
{
	return (long)write(fd, buf, n > 7 ? 7 : n);
}

static int eio_fsync(int fd)
{
	(void)fd;
	errno = EIO;
	return -1;
}

static void commit_writes_whole_file(void **state)
{
	struct out_file of;
	char path[256], buf[64];

	(void)state;
	snprintf(path, sizeof path, "%s/out.xml", dir);
	fs_sys.write = short_write; /* short writes must be completed */
	assert_int_equal(out_open(&of, path), 0);
	assert_int_equal(out_write(&of, "hello, durable world\n", 21), 0);
	assert_int_equal(out_commit(&of), 0);
	fs_sys.write = NULL;
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof buf, fp));
	fclose(fp);
	assert_string_equal(buf, "hello, durable world\n");
	assert_int_equal(files_in_dir(), 1); /* no temporary left */
	unlink(path);
}

/* A ledger whose last line a crash tore: the next line starts on its own. */
static void appended_line_after_torn_one(void **state)
{
	char path[256], buf[64];
	size_t n;

	(void)state;
	snprintf(path, sizeof path, "%s/ledger", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("aaaa 1 one.xml\nbbbb 2 tw", fp); /* torn */
	fclose(fp);
	assert_int_equal(fs_append_line(path, "cccc 3 three.xml\n"), 0);
	assert_int_equal(fs_append_line(path, "dddd 4 four.xml\n"), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	assert_string_equal(buf, "aaaa 1 one.xml\nbbbb 2 tw\ncccc 3 three.xml\ndddd 4 four.xml\n");
	unlink(path);
}

static void full_disk_leaves_nothing(void **state)
{
	struct out_file of;
	char path[256];

	(void)state;
	snprintf(path, sizeof path, "%s/full.xml", dir);
	assert_int_equal(out_open(&of, path), 0);
	fs_sys.write = enospc_write;
	out_write(&of, "x", 1);
	assert_int_equal(out_commit(&of), -1);
	assert_int_equal(errno, ENOSPC);
	fs_sys.write = NULL;
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(files_in_dir(), 0);
}

static void failed_fsync_keeps_old_file(void **state)
{
	struct out_file of;
	char path[256], buf[16];

	(void)state;
	snprintf(path, sizeof path, "%s/keep.txt", dir);
	FILE *fp = fopen(path, "w");
	fputs("old\n", fp);
	fclose(fp);
	assert_int_equal(out_open(&of, path), 0);
	out_write(&of, "new\n", 4);
	fs_sys.fsync = eio_fsync;
	assert_int_equal(out_commit(&of), -1);
	fs_sys.fsync = NULL;
	fp = fopen(path, "r");
	assert_non_null(fgets(buf, sizeof buf, fp));
	fclose(fp);
	assert_string_equal(buf, "old\n");
	assert_int_equal(files_in_dir(), 1);
	unlink(path);
}

static void long_lines_are_bounded(void **state)
{
	char path[256];
	struct line_reader lr;
	const char *line;
	size_t len;
	bool nl;

	(void)state;
	snprintf(path, sizeof path, "%s/lines.txt", dir);
	FILE *fp = fopen(path, "w");
	fputs("short\n", fp);
	for (int i = 0; i < 3000000; i++)
		fputc('x', fp);
	fputs("\nlast without newline", fp);
	fclose(fp);

	assert_int_equal(lines_open(&lr, path, 100), 0);
	assert_int_equal(lines_next(&lr, &line, &len, &nl), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(line, "short", 5);
	assert_true(nl);
	assert_int_equal(lines_next(&lr, &line, &len, &nl), 1);
	assert_int_equal(len, 3000000); /* measured, not held */
	assert_int_equal(lr.lineno, 2);
	assert_int_equal(lines_next(&lr, &line, &len, &nl), 1);
	assert_int_equal(len, 20);
	assert_false(nl);
	assert_int_equal(lines_next(&lr, &line, &len, &nl), 0);
	lines_close(&lr);
	unlink(path);
}

static void ini_keeps_lines(void **state)
{
	char path[256];
	struct ini_file *ini;

	(void)state;
	snprintf(path, sizeof path, "%s/g.conf", dir);
	FILE *fp = fopen(path, "w");
	fputs("; comment\n[gateway]\nstate = 06   ; inline comment\n\n[partner TX]\n"
	      "this line is wrong\nhost = 127.0.0.1\n[partner EMPTY]\n",
	      fp);
	fclose(fp);
	assert_int_equal(ini_load(path, &ini), 0);
	assert_int_equal(ini_get(ini, "gateway", "state")->line, 3);
	assert_string_equal(ini_get(ini, "gateway", "state")->value, "06");
	assert_int_equal(ini_get(ini, "partner TX", "host")->line, 7);
	assert_int_equal(ini_section_line(ini, "partner EMPTY"), 8);
	assert_int_equal(ini->nbad, 1);
	assert_int_equal(ini->bad_lines[0], 6);
	ini_free(ini);
	unlink(path);
}

/* A forked child enters the sandbox and does 'what': how did it end, and
 * what did it write on descriptor 1 (a pipe here)? */
enum sandboxed_call { WRITE_ONLY, OPEN_FILE, GET_PID, WRITE_OTHER_FD };

static int run_sandboxed(enum sandboxed_call what, char *out, size_t size)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	int extra = open("/dev/null", O_WRONLY); /* open before: closed by the sandbox */
	assert_true(extra > 2);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char why[128];
		dup2(p[1], STDOUT_FILENO);
		if (sandbox_enter(false, why, sizeof why) < 0)
			_exit(3);
		if (write(STDOUT_FILENO, "in", 2) != 2)
			_exit(4);
		if (what == OPEN_FILE)
			open("/etc/hostname", O_RDONLY);
		else if (what == GET_PID)
			(void)getpid();
		else if (what == WRITE_OTHER_FD)
			(void)write(extra, "x", 1);
		_exit(0);
	}
	close(p[1]);
	close(extra);
	ssize_t n = read(p[0], out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	return ws;
}

static void sandbox_allows_only_its_pipe(void **state)
{
	char out[16], said[160];
	(void)state;
	int ws = run_sandboxed(WRITE_ONLY, out, sizeof out);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	assert_string_equal(out, "in");
	sandbox_describe(ws, said, sizeof said);
	assert_string_equal(said, "exited with status 0");
	/* Opening a file, asking its pid, writing a descriptor it had before:
	 * each kills it, after what it wrote on its pipe. */
	for (enum sandboxed_call c = OPEN_FILE; c <= WRITE_OTHER_FD; c++) {
		ws = run_sandboxed(c, out, sizeof out);
		assert_true(WIFSIGNALED(ws));
		assert_int_equal(WTERMSIG(ws), SIGSYS);
		assert_string_equal(out, "in");
		sandbox_describe(ws, said, sizeof said);
		assert_non_null(strstr(said, "SIGSYS: a system call the sandbox forbids"));
	}
}

static void *own_mask(void *arg)
{
	pthread_sigmask(SIG_BLOCK, NULL, arg);
	return NULL;
}

/* A helper thread takes no signal; the thread that started it keeps its
 * own mask. */
static void helper_threads_leave_signals_alone(void **state)
{
	sigset_t before, after, helper;
	pthread_t t;

	(void)state;
	pthread_sigmask(SIG_BLOCK, NULL, &before);
	assert_false(sigismember(&before, SIGTERM));
	assert_int_equal(thread_start(&t, own_mask, &helper), 0);
	pthread_join(t, NULL);
	pthread_sigmask(SIG_BLOCK, NULL, &after);
	assert_true(sigismember(&helper, SIGTERM));
	assert_true(sigismember(&helper, SIGINT));
	assert_true(sigismember(&helper, SIGHUP));
	assert_true(sigismember(&helper, SIGCHLD));
	assert_false(sigismember(&after, SIGTERM));
	assert_false(sigismember(&after, SIGCHLD));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(commit_writes_whole_file),
	    cmocka_unit_test(appended_line_after_torn_one),
	    cmocka_unit_test(full_disk_leaves_nothing),
	    cmocka_unit_test(failed_fsync_keeps_old_file),
	    cmocka_unit_test(long_lines_are_bounded),
	    cmocka_unit_test(ini_keeps_lines),
	    cmocka_unit_test(sandbox_allows_only_its_pipe),
	    cmocka_unit_test(helper_threads_leave_signals_alone),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
