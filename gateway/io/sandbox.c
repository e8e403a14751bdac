/*
 * sandbox.c - fork, exec and seccomp for the parser of partner files.
 */
#include "io/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

int sandbox_spawn(char *const argv[], int input_fd, int extra_fd, pid_t *pid, int *from_child,
                  char *why, size_t whylen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		say(why, whylen, "cannot make the parser's pipe: %s", strerror(errno));
		return -1;
	}
	pid_t child = fork();
	if (child < 0) {
		say(why, whylen, "cannot start the parser: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (child == 0) {
		/* Only calls safe after fork() in a process with threads. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		/* Above every target first: a source may sit where another goes. */
		int in = fcntl(input_fd, F_DUPFD, 10), out = fcntl(p[1], F_DUPFD, 10);
		int extra = extra_fd >= 0 ? fcntl(extra_fd, F_DUPFD, 10) : -1;
		if (in < 0 || out < 0 || (extra_fd >= 0 && extra < 0) ||
		    dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
		    (extra >= 0 && dup2(extra, SANDBOX_EXTRA_FD) < 0))
			_exit(71);
		/* stderr stays until the child's setup is done (sandbox_enter). */
		syscall(SYS_close_range, extra >= 0 ? SANDBOX_EXTRA_FD + 1 : 3, ~0U, 0);
		execv("/proc/self/exe", argv);
		_exit(71);
	}
	close(p[1]);
	*pid = child;
	*from_child = p[0];
	return 0;
}

/* What parsing needs: its two descriptors (three with the extra input),
 * memory, time, exiting. */
static int allow(scmp_filter_ctx f, bool extra)
{
	static const int calls[] = {
	    SCMP_SYS(brk),
	    SCMP_SYS(mmap),
	    SCMP_SYS(munmap),
	    SCMP_SYS(mremap),
	    SCMP_SYS(madvise),
	    SCMP_SYS(mprotect),
	    SCMP_SYS(exit),
	    SCMP_SYS(exit_group),
	    SCMP_SYS(rt_sigreturn),
	    SCMP_SYS(futex),
	    SCMP_SYS(clock_gettime),
	    SCMP_SYS(getrandom),
	    /* its own signal stack: AddressSanitizer's exit path frees it */
	    SCMP_SYS(sigaltstack),
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof calls / sizeof *calls && rc == 0; i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, calls[i], 0);
	/* read only its input, write only its pipe, look only at them. */
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
		                      SCMP_A0(SCMP_CMP_EQ, STDIN_FILENO));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
		                      SCMP_A0(SCMP_CMP_EQ, STDOUT_FILENO));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(fstat), 1,
		                      SCMP_A0(SCMP_CMP_LE, STDOUT_FILENO));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
		                      SCMP_A0(SCMP_CMP_LE, STDOUT_FILENO));
	if (rc == 0)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(lseek), 1,
		                      SCMP_A0(SCMP_CMP_EQ, STDIN_FILENO));
	/* The extra input: read, look at, close, and fdopen's flag check. */
	if (rc == 0 && extra)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
		                      SCMP_A0(SCMP_CMP_EQ, SANDBOX_EXTRA_FD));
	if (rc == 0 && extra)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(fstat), 1,
		                      SCMP_A0(SCMP_CMP_EQ, SANDBOX_EXTRA_FD));
	if (rc == 0 && extra)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
		                      SCMP_A0(SCMP_CMP_EQ, SANDBOX_EXTRA_FD));
	if (rc == 0 && extra)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(lseek), 1,
		                      SCMP_A0(SCMP_CMP_EQ, SANDBOX_EXTRA_FD));
	if (rc == 0 && extra)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(close), 1,
		                      SCMP_A0(SCMP_CMP_EQ, SANDBOX_EXTRA_FD));
	if (rc == 0 && extra)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 2,
		                      SCMP_A0(SCMP_CMP_EQ, SANDBOX_EXTRA_FD),
		                      SCMP_A1(SCMP_CMP_EQ, F_GETFL));
	return rc;
}

int sandbox_enter(bool extra, char *why, size_t whylen)
{
	close(STDERR_FILENO);
	syscall(SYS_close_range, extra ? SANDBOX_EXTRA_FD + 1 : SANDBOX_EXTRA_FD, ~0U, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		say(why, whylen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (f == NULL) {
		say(why, whylen, "seccomp_init failed");
		return -1;
	}
	int rc = allow(f, extra);
	if (rc == 0)
		rc = seccomp_load(f);
	seccomp_release(f);
	if (rc != 0) {
		say(why, whylen, "seccomp: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

void sandbox_describe(int wstatus, char *out, size_t size)
{
	if (WIFEXITED(wstatus))
		snprintf(out, size, "exited with status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGSYS)
		snprintf(out, size,
		         "was killed by signal %d (SIGSYS: a system call the sandbox forbids)",
		         SIGSYS);
	else if (WIFSIGNALED(wstatus))
		snprintf(out, size, "was killed by signal %d (%s)", WTERMSIG(wstatus),
		         strsignal(WTERMSIG(wstatus)));
	else
		snprintf(out, size, "ended with wait status %d", wstatus);
}
