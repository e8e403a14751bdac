/*
 * control.c - people's commands through the daemon (DESIGN.md 4.9).
 *
 * A person (anyone but root and the owner of the spool, the gateway's own
 * account) cannot open the keys, the databases or the spool.  Their csgw
 * sends the command to the daemon's control socket ([gateway]
 * control_socket, default /run/csgw/control.sock) with its standard output
 * and error, and any FILE.xml operand opened by the person (core/control.h).
 * The daemon's listener (control_server_start, a thread beside its cycles)
 * starts a fresh csgw for each connection, as the gateway's account; that
 * process (control_serve) learns who called from the kernel, their roles
 * from the group list and [roles] (core/roles.h), refuses a command the
 * roles do not allow (exit 77, an audit entry), and otherwise runs the
 * very command a direct call runs, acting as that person (core/caller.h).
 * The output and exit code the person sees are the command's own.
 *
 * The daemon never opens a path a person names: the commands that read a
 * file take only one the person's csgw passed open (cmd_input_file).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/audit.h"
#include "core/caller.h"
#include "core/control.h"
#include "core/roles.h"
#include "io/control_socket.h"
#include "io/fs.h"
#include "util/alloc.h"
#include "util/thread.h"

#define DEFAULT_SOCKET "/run/csgw/control.sock"
#define MAX_CHILDREN 32             /* requests served at once */
#define MAX_PER_USER 8              /* ... of them for one person */
#define MAX_FILE_BYTES (256L << 20) /* a FILE.xml operand, copied */
#define SERVE_FD 3                  /* the connection, in control_serve */

static char *socket_path(const struct conf *conf)
{
	char *p = conf_path(conf, "gateway", "control_socket");
	return p ? p : xstrdup(DEFAULT_SOCKET);
}

/* Root, or the account that owns the spool: the gateway itself. */
static bool is_gateway(const struct conf *conf)
{
	if (geteuid() == 0)
		return true;
	char *spool = conf_path(conf, "gateway", "spool");
	struct stat st;
	bool own = spool && stat(spool, &st) == 0 && st.st_uid == geteuid();
	free(spool);
	return own;
}

/* The file operands of the served commands (refer, policy explain). */
static bool names_xml_file(const char *arg)
{
	size_t n = strlen(arg);
	return n > 4 && arg[0] != '-' && strcmp(arg + n - 4, ".xml") == 0;
}

/* ---- the person's side ---- */

/* The file a command writes: the operand of -o or --detail ("-" is
 * standard output, passed anyway).  The daemon takes a descriptor open for
 * writing only in that place. */
static bool follows_output_option(int i, char *const *argv)
{
	return i > 1 && (strcmp(argv[i - 1], "-o") == 0 || strcmp(argv[i - 1], "--detail") == 0);
}

static bool names_output_file(int i, char **argv)
{
	return follows_output_option(i, argv) && strcmp(argv[i], "-") != 0;
}

/* An output the person's csgw makes: a temporary beside it, written by
 * the daemon through the descriptor, renamed onto its name when the
 * command ends well (or with EX_DATAERR: a report that says the log does
 * not verify is kept).  An empty detail file is not kept. */
struct made_output {
	const char *name;
	bool detail; /* --detail's: not kept when nothing was written to it */
	char tmp[PATH_MAX];
};

/* Its temporary, O_EXCL (no symlink followed), named by our pid and its
 * place among the outputs.  A descriptor, or -1 with errno set. */
static int make_output(const char *name, int k, bool detail, struct made_output *m)
{
	char *copy = xstrdup(name), *copy2 = xstrdup(name);
	snprintf(m->tmp, sizeof m->tmp, "%s/.%s.%ld.%d.tmp", dirname(copy), basename(copy2),
	         (long)getpid(), k);
	free(copy);
	free(copy2);
	m->name = name;
	m->detail = detail;
	unlink(m->tmp); /* left by a csgw of the same pid that was killed */
	return open(m->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

static void settle_outputs(struct made_output *m, int n, int code)
{
	for (int i = 0; i < n; i++) {
		struct stat st;
		bool keep = code == 0 || code == EX_DATAERR;
		if (keep && m[i].detail && stat(m[i].tmp, &st) == 0 && st.st_size == 0)
			keep = false;
		if (keep && rename(m[i].tmp, m[i].name) < 0) {
			fprintf(stderr, "csgw: %s: %s (the output is in %s)\n", m[i].name,
			        strerror(errno), m[i].tmp);
			continue;
		}
		if (!keep)
			unlink(m[i].tmp);
	}
}

static int forward(int argc, char **argv, const char *path)
{
	int fds[2 + CONTROL_MAX_FILES] = {STDOUT_FILENO, STDERR_FILENO};
	int file_arg[CONTROL_MAX_FILES], nfiles = 0, rc = 0, sock = -1, code = 0, nmade = 0;
	struct made_output made[CONTROL_MAX_FILES];
	char *buf = xmalloc(CONTROL_MAX);
	char why[512];

	for (int i = 1; i < argc && rc == 0; i++) {
		bool output = names_output_file(i, argv);
		if (!output && !names_xml_file(argv[i]))
			continue;
		for (int k = 0; output && k < nmade; k++) {
			if (strcmp(made[k].name, argv[i]) == 0) {
				fprintf(stderr, "csgw: %s: named for two outputs\n", argv[i]);
				rc = EX_USAGE;
			}
		}
		if (rc != 0)
			break;
		struct stat st;
		bool detail = output && strcmp(argv[i - 1], "--detail") == 0;
		int fd = nfiles == CONTROL_MAX_FILES ? -1
		         : output ? make_output(argv[i], nmade, detail, &made[nmade])
		                  : open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "csgw: %s: %s\n", argv[i],
			        nfiles == CONTROL_MAX_FILES ? "too many files"
			        : fd < 0                    ? strerror(errno)
			                                    : "not a regular file");
			if (fd >= 0)
				close(fd);
			rc = output ? EX_CANTCREAT : EX_NOINPUT;
			break;
		}
		if (output)
			nmade++;
		fds[2 + nfiles] = fd;
		file_arg[nfiles++] = i;
	}
	long n = rc ? -1
	            : control_request_format(argc, argv, nfiles, file_arg, buf, CONTROL_MAX, why,
	                                     sizeof why);
	if (rc == 0 && n < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_USAGE;
	}
	if (rc == 0 && (sock = control_connect(path, why, sizeof why)) < 0) {
		if (errno == EACCES) {
			fprintf(
			    stderr,
			    "csgw: you may not reach the gateway's control socket %s (permission "
			    "denied): its folder's group decides who may; ask the operators\n",
			    path);
			rc = EX_NOPERM;
		} else {
			fprintf(stderr,
			        "csgw: the csgw daemon is not running (%s); start it (systemctl "
			        "start csgw) or ask the operators\n",
			        why);
			rc = EX_UNAVAILABLE;
		}
	}
	fflush(stdout);
	fflush(stderr);
	if (rc == 0 && control_send(sock, buf, (size_t)n, fds, 2 + nfiles) < 0) {
		fprintf(stderr, "csgw: cannot send the request to %s: %s\n", path, strerror(errno));
		rc = EX_UNAVAILABLE;
	}
	for (int i = 0; i < nfiles; i++)
		close(fds[2 + i]);
	if (rc == 0) {
		char answer[4096];
		int none[1], nfds;
		bool truncated;
		long got = control_recv(sock, answer, sizeof answer, none, 0, &nfds, &truncated);
		int kind = got > 0
		               ? control_answer_parse(answer, (size_t)got, &code, why, sizeof why)
		               : -2;
		if (kind == 0) {
			rc = code;
		} else if (kind == 1) {
			fprintf(stderr, "csgw: the daemon did not take the request: %s\n", why);
			rc = strncmp(why, "busy", 4) == 0 ? EX_TEMPFAIL : EX_PROTOCOL;
		} else {
			fprintf(stderr,
			        "csgw: the daemon ended the request without an answer (its log "
			        "says why)\n");
			rc = EX_SOFTWARE;
		}
	}
	if (sock >= 0)
		close(sock);
	settle_outputs(made, nmade, rc);
	free(buf);
	return rc;
}

int control_client(struct globals *g, int argc, char **argv, bool *forwarded)
{
	struct conf conf;
	*forwarded = false;
	if (roles_rule(argc, argv) == NULL || cmd_asks_help(argc, argv))
		return 0;
	/* Problems of the file are for the command run here to report. */
	FILE *quiet = fopen("/dev/null", "w");
	int loaded = conf_load(g->conf_path, false, &conf, quiet ? quiet : stderr);
	if (quiet)
		fclose(quiet);
	if (loaded < 0)
		return 0;
	if (conf.ini == NULL || is_gateway(&conf)) {
		conf_free(&conf);
		return 0;
	}
	*forwarded = true;
	if (g->environment || g->mappings) {
		fputs("csgw: --environment and --mappings are the gateway's to set (gateway.conf); "
		      "run the command without them\n",
		      stderr);
		conf_free(&conf);
		return EX_USAGE;
	}
	char *path = socket_path(&conf);
	/* Output options spelled -oFILE or --detail=FILE are split, so this
	 * csgw sees every file it must make; and a report's detail CSV is
	 * named here, where the person's paths mean something: beside the
	 * page, unless they named it. */
	char **with = xcalloc((size_t)argc * 2 + 3, sizeof *with);
	int n = 0;
	for (int i = 0; i < argc; i++) {
		if (i > 0 && strcmp(argv[0], "audit") == 0 && strncmp(argv[i], "-o", 2) == 0 &&
		    argv[i][2] && argv[i][2] != '-') {
			with[n++] = "-o";
			with[n++] = argv[i] + 2;
		} else if (i > 0 && strncmp(argv[i], "--detail=", 9) == 0) {
			with[n++] = "--detail";
			with[n++] = argv[i] + 9;
		} else {
			with[n++] = argv[i];
		}
	}
	char *detail = NULL;
	if (n >= 2 && strcmp(with[0], "audit") == 0 && strcmp(with[1], "report") == 0 &&
	    (detail = cmd_report_detail(n, with)) != NULL) {
		with[n++] = "--detail";
		with[n++] = detail;
	}
	int rc = forward(n, with, path);
	free(detail);
	free(with);
	free(path);
	conf_free(&conf);
	return rc;
}

/* ---- the daemon's side: one request ---- */

/* The request's answer: its exit code, or why it was not taken. */
static void answer(int sock, int code, const char *why)
{
	char msg[1024];
	size_t n = control_answer_format(code, why, msg, sizeof msg);
	control_send(sock, msg, n, NULL, 0);
}

/* A refusal is an entry of the audit log: 'rule' and what was asked. */
static void log_refusal(struct globals *g, const char *rule, const char *detail)
{
	struct setup s;
	struct audit *a = NULL;
	struct cms_signer *signer = NULL;

	if (cmd_setup(g, true, &s) != 0)
		return;
	if (setup_audit_open(&s, 1, false, &a, &signer) == 0) {
		struct audit_entry e = {0};
		audit_entry_set(&e, "direction", "access");
		audit_entry_set(&e, "decision", "refused");
		audit_entry_set(&e, "rule_id", rule);
		audit_entry_set(&e, "citation",
		                "45 CFR 303.21; IRS Publication 1075 (least privilege)");
		audit_entry_set(&e, "detail", detail);
		audit_append(a, &e, 1, stderr);
	}
	audit_close(a);
	cms_signer_free(signer);
	setup_free(&s);
}

/* The files the person passed open, as the command sees them
 * (/proc/self/fd/N), and what the request is, for cmd_input_file. */
static const char *passed[CONTROL_MAX_FILES], *written[CONTROL_MAX_FILES];
static const char *written_name[CONTROL_MAX_FILES]; /* as the person named it */
static int npassed, nwritten, written_fd[CONTROL_MAX_FILES];
static struct globals *serving;
static char serving_what[64];

int cmd_input_file(const char *arg)
{
	if (!caller_get()->person)
		return 0;
	for (int i = 0; i < npassed; i++)
		if (strcmp(arg, passed[i]) == 0)
			return 0;
	fprintf(stderr,
	        "csgw: %.80s: the daemon opens no path a person names; give a file you can "
	        "read, named FILE.xml (your csgw passes it open); the refusal is in the audit "
	        "log\n",
	        arg);
	char detail[128];
	snprintf(detail, sizeof detail, "%s: a file operand not passed open", serving_what);
	log_refusal(serving, "PATH-REFUSED", detail);
	return EX_NOPERM;
}

int cmd_output_open(const char *arg, struct cmd_output *o)
{
	memset(o, 0, sizeof *o);
	if (caller_get()->person && strcmp(arg, "-") != 0) {
		for (int i = 0; i < nwritten; i++) {
			if (strcmp(arg, written[i]) == 0) {
				int fd = dup(written_fd[i]);
				o->fp = fd < 0 ? NULL : fdopen(fd, "w");
				if (o->fp == NULL) {
					fprintf(stderr,
					        "csgw: cannot write the file you passed: %s\n",
					        strerror(errno));
					return EX_IOERR;
				}
				o->passed = true;
				o->name = written_name[i];
				return 0;
			}
		}
		fprintf(stderr,
		        "csgw: %.80s: the daemon writes no path a person names; your csgw passes "
		        "the file of -o open; the refusal is in the audit log\n",
		        arg);
		char detail[128];
		snprintf(detail, sizeof detail, "%s: an output file not passed open", serving_what);
		log_refusal(serving, "PATH-REFUSED", detail);
		return EX_NOPERM;
	}
	int fd = -1;
	o->name = arg;
	if (out_open(&o->of, arg) < 0 || (fd = dup(o->of.fd)) < 0 ||
	    (o->fp = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "csgw: %s: %s\n", arg, strerror(errno));
		if (fd >= 0)
			close(fd);
		if (o->of.dest)
			out_abort(&o->of);
		return EX_CANTCREAT;
	}
	return 0;
}

int cmd_output_commit(struct cmd_output *o)
{
	int rc = fclose(o->fp);
	o->fp = NULL;
	if (o->passed)
		return rc;
	if (rc != 0) {
		int err = errno;
		out_abort(&o->of);
		errno = err;
		return -1;
	}
	return out_commit(&o->of);
}

void cmd_output_abort(struct cmd_output *o)
{
	if (o->fp)
		fclose(o->fp);
	o->fp = NULL;
	if (!o->passed && o->of.dest)
		out_abort(&o->of);
}

/* A word of the request for the daemon's log and the audit entry: only
 * letters, digits, '.', '_' and '-' (a line end would forge a log line). */
static void plain_word(const char *in, char *out, size_t size)
{
	size_t n = 0;
	for (; *in && n + 1 < size && n < 24; in++)
		out[n++] = isalnum((unsigned char)*in) || strchr("._-", *in) ? *in : '?';
	out[n] = '\0';
}

/* A passed file, copied into memory the gateway's account may open by
 * /proc/self/fd/N (the person's file itself it may not).  The path into
 * 'path', or -1 after printing why. */
static int private_copy(int fd, const char *name, char *path, size_t size)
{
	int m = memfd_create("csgw-operand", 0);
	char buf[65536];
	long total = 0;
	ssize_t n;

	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "csgw: %s: not a regular file\n", name);
		if (m >= 0)
			close(m);
		return -1;
	}
	if (m < 0) {
		fprintf(stderr, "csgw: %s: cannot take it (%s)\n", name, strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		total += n;
		if (total > MAX_FILE_BYTES || write(m, buf, (size_t)n) != n) {
			fprintf(stderr,
			        "csgw: %s: larger than %ld MiB, the most the daemon takes\n", name,
			        MAX_FILE_BYTES >> 20);
			close(m);
			return -1;
		}
	}
	if (n < 0 || lseek(m, 0, SEEK_SET) < 0) {
		fprintf(stderr, "csgw: %s: %s\n", name, strerror(errno));
		close(m);
		return -1;
	}
	snprintf(path, size, "/proc/self/fd/%d", m);
	return 0;
}

int control_serve(struct globals *g)
{
	const int sock = SERVE_FD;
	char *buf = xmalloc(CONTROL_MAX + 1);
	int fds[2 + CONTROL_MAX_FILES], nfds = 0, rc = EX_PROTOCOL, log = -1;
	char why[512] = "", what[64] = "", paths[CONTROL_MAX_FILES][64];
	long uid, gid, pid;
	bool truncated;
	struct caller who = {0};
	struct control_request req;
	struct conf conf = {0};

	control_timeout(sock, 30);
	if (control_peer(sock, &uid, &gid, &pid) < 0) {
		printf("control: not a connection (%s)\n", strerror(errno));
		free(buf);
		return EX_OSERR;
	}
	who.uid = uid;
	who.person = true;
	caller_user_name(uid, who.user, sizeof who.user);
	long n =
	    control_recv(sock, buf, CONTROL_MAX + 1, fds, 2 + CONTROL_MAX_FILES, &nfds, &truncated);
	/* Whatever came must not be read as the gateway's own paths. */
	if (chdir("/") < 0)
		goto out;
	if (n <= 0) {
		printf("control: %s (uid %ld, pid %ld): no request\n", who.user, uid, pid);
		goto out;
	}
	if (truncated)
		snprintf(why, sizeof why, "longer than %d bytes or more than %d descriptors",
		         CONTROL_MAX, 2 + CONTROL_MAX_FILES);
	else if (control_request_parse(buf, (size_t)n, &req, why, sizeof why) < 0)
		; /* why says it */
	else if (nfds != 2 + req.nfiles)
		snprintf(why, sizeof why,
		         "expected standard output, standard error and %d file(s) with it",
		         req.nfiles);
	if (why[0]) {
		printf("control: %s (uid %ld, pid %ld): request refused: %s\n", who.user, uid, pid,
		       why);
		answer(sock, 0, why);
		goto out;
	}
	char word0[32], word1[32] = "";
	plain_word(req.argv[0], word0, sizeof word0);
	if (req.argc > 1 && req.argv[1][0] != '-')
		plain_word(req.argv[1], word1, sizeof word1);
	snprintf(what, sizeof what, "%s%s%s", word0, word1[0] ? " " : "", word1);
	snprintf(serving_what, sizeof serving_what, "%s", what);
	const struct role_rule *rule = roles_rule(req.argc, req.argv);
	if (rule == NULL) {
		snprintf(why, sizeof why,
		         "'%s' is not served by the daemon (it needs no secret: run it yourself)",
		         what);
		printf("control: %s (uid %ld): %s: refused: %s\n", who.user, uid, what, why);
		answer(sock, 0, why);
		goto out;
	}
	if (conf_load(g->conf_path, true, &conf, stdout) < 0) {
		answer(sock, 0, "the gateway's configuration cannot be read (its log says why)");
		goto out;
	}
	/* Root and the gateway's own account could open everything anyway. */
	who.roles = uid == 0 || uid == (long)geteuid() ? ROLE_ALL
	                                               : roles_of_user(&conf, who.user, (gid_t)gid);
	caller_set(&who);
	/* From here on the person reads what the command says; the daemon's
	 * log keeps one line of who ran what (no argument: they may hold an
	 * SSN). */
	fflush(stdout);
	log = dup(STDOUT_FILENO);
	if (dup2(fds[0], STDOUT_FILENO) < 0 || dup2(fds[1], STDERR_FILENO) < 0) {
		answer(sock, 0, "cannot write to your terminal");
		goto out;
	}
	if (!(rule->roles & who.roles)) {
		char needed[64], have[64];
		roles_format(rule->roles, " or ", needed, sizeof needed);
		roles_format(who.roles, ", ", have, sizeof have);
		fprintf(stderr,
		        "csgw: %s may not run '%s': it needs the %s role (%s has %s); the refusal "
		        "is in the audit log\n",
		        who.user, what, needed, who.user, have[0] ? have : "no role of [roles]");
		char detail[256];
		snprintf(detail, sizeof detail, "%s: needs the %s role", what, needed);
		log_refusal(g, "ROLE-REQUIRED", detail);
		rc = EX_NOPERM;
		goto done;
	}
	for (int k = 0; k < req.nfiles; k++) {
		int i = req.file_arg[k];
		int mode = fcntl(fds[2 + k], F_GETFL);
		if (mode >= 0 && (mode & O_ACCMODE) == O_WRONLY) {
			struct stat st;
			if (!follows_output_option(i, req.argv) || fstat(fds[2 + k], &st) < 0 ||
			    !S_ISREG(st.st_mode)) {
				fprintf(stderr,
				        "csgw: %s: a file to write must be a regular file, "
				        "passed for -o or --detail\n",
				        req.argv[i]);
				rc = EX_NOPERM;
				goto done;
			}
			/* A file the command writes: the descriptor itself (the
			 * daemon may not open the person's file by its name). */
			snprintf(paths[k], sizeof paths[k], "/proc/self/fd/%d", fds[2 + k]);
			written_fd[nwritten] = fds[2 + k];
			written_name[nwritten] = req.argv[i];
			written[nwritten++] = paths[k];
			req.argv[i] = paths[k];
			continue;
		}
		if (private_copy(fds[2 + k], req.argv[i], paths[k], sizeof paths[k]) < 0) {
			rc = EX_NOINPUT;
			goto done;
		}
		req.argv[i] = paths[k];
		passed[npassed++] = paths[k];
	}
	serving = g;
	rc = cmd_dispatch(g, req.argc, req.argv);
done:
	fflush(stdout);
	fflush(stderr);
	answer(sock, rc, NULL);
	if (log >= 0)
		dprintf(log, "control: %s (uid %ld): %s: exit %d\n", who.user, uid, what, rc);
out:
	if (log >= 0)
		close(log);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	conf_free(&conf);
	free(buf);
	return rc;
}

/* ---- the daemon's listener ---- */

struct served {
	pid_t pid;
	long uid;
};

struct control_server {
	int listen_fd, stop_pipe[2];
	struct served child[MAX_CHILDREN];
	pthread_t thread;
	char *path;
	char *argv[10]; /* how a request's csgw is started */
	FILE *log;
	unsigned children;
};

/* The child of the listener: only calls safe after fork() in a process
 * with threads, then a fresh csgw. */
static void start_server_child(const struct control_server *cs, int conn)
{
	/* The request's csgw stops on SIGTERM like any command; the
	 * listener's mask and the daemon's ignored SIGPIPE are not its. */
	sigset_t none;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (conn == SERVE_FD)
		fcntl(conn, F_SETFD, 0);
	else if (dup2(conn, SERVE_FD) < 0)
		_exit(EX_OSERR);
	/* Nothing of the daemon's: no lock, no database, no partner socket. */
	syscall(SYS_close_range, SERVE_FD + 1, ~0U, 0);
	execv("/proc/self/exe", cs->argv);
	_exit(EX_OSERR);
}

static void forget_child(struct control_server *cs, pid_t pid)
{
	for (unsigned i = 0; i < cs->children; i++)
		if (cs->child[i].pid == pid) {
			cs->child[i] = cs->child[--cs->children];
			return;
		}
}

/* The requests' processes that ended: only the listener's own, by pid
 * (waitpid(-1) would also take the daemon's parser and checker children,
 * which it waits for itself). */
static void reap_children(struct control_server *cs)
{
	for (unsigned i = 0; i < cs->children;) {
		pid_t pid = cs->child[i].pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			forget_child(cs, pid); /* the last one moved to i */
		else
			i++;
	}
}

static unsigned children_of(const struct control_server *cs, long uid)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cs->children; i++)
		n += cs->child[i].uid == uid;
	return n;
}

/* Too many requests at once (for everyone, or from this person): the
 * request already sent is read first, so the answer reaches the caller. */
static void refuse_busy(int conn)
{
	char buf[256];
	int fds[8], nfds;
	bool truncated;
	struct pollfd p = {.fd = conn, .events = POLLIN};
	if (poll(&p, 1, 100) > 0 &&
	    control_recv(conn, buf, sizeof buf, fds, 8, &nfds, &truncated) >= 0)
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
	answer(conn, 0, "busy: too many requests in progress; try again in a moment");
	close(conn);
}

static void *listen_loop(void *arg)
{
	struct control_server *cs = arg;

	for (;;) {
		struct pollfd p[2] = {{.fd = cs->listen_fd, .events = POLLIN},
		                      {.fd = cs->stop_pipe[0], .events = POLLIN}};
		int ready = poll(p, 2, 1000);
		reap_children(cs);
		if (ready > 0 && p[1].revents)
			break;
		if (ready <= 0 || !(p[0].revents & POLLIN))
			continue;
		int conn = accept4(cs->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		long uid = -1, gid, peer;
		control_peer(conn, &uid, &gid, &peer);
		if (cs->children >= MAX_CHILDREN || children_of(cs, uid) >= MAX_PER_USER) {
			refuse_busy(conn);
			continue;
		}
		pid_t pid = fork();
		if (pid == 0)
			start_server_child(cs, conn);
		if (pid > 0)
			cs->child[cs->children++] = (struct served){pid, uid};
		else
			fprintf(cs->log, "control: cannot start a request's process: %s\n",
			        strerror(errno));
		close(conn);
	}
	return NULL;
}

/* An absolute path: the request's csgw starts in the daemon's folder, then
 * works from /. */
static char *absolute(const char *path)
{
	char *abs = realpath(path, NULL);
	return abs ? abs : xstrdup(path);
}

int control_server_start(const struct globals *g, const struct setup *s, FILE *log,
                         struct control_server **out)
{
	struct control_server *cs = xcalloc(1, sizeof *cs);
	char why[512];
	int a = 0;

	*out = NULL;
	cs->listen_fd = cs->stop_pipe[0] = cs->stop_pipe[1] = -1;
	cs->log = log;
	cs->path = socket_path(&s->conf);
	char *dir = xstrdup(cs->path), *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755); /* systemd's RuntimeDirectory= makes it, with its mode */
	}
	free(dir);
	cs->argv[a++] = xstrdup("csgw");
	if (s->conf.ini) {
		cs->argv[a++] = xstrdup("-c");
		cs->argv[a++] = absolute(s->conf.ini->path);
	}
	if (g->mappings) {
		cs->argv[a++] = xstrdup("--mappings");
		cs->argv[a++] = absolute(g->mappings);
	}
	if (g->environment) {
		cs->argv[a++] = xstrdup("--environment");
		cs->argv[a++] = xstrdup(g->environment);
	}
	cs->argv[a++] = xstrdup("control-serve");
	cs->listen_fd = control_listen(cs->path, why, sizeof why);
	if (cs->listen_fd < 0 || pipe2(cs->stop_pipe, O_CLOEXEC) < 0) {
		fprintf(log,
		        "csgw run: control socket %s; people's commands cannot reach this "
		        "daemon\n",
		        cs->listen_fd < 0 ? why : strerror(errno));
		goto fail;
	}
	/* Signals stay with the main thread, whose poll they wake. */
	int started = thread_start(&cs->thread, listen_loop, cs);
	if (started != 0) {
		fprintf(log, "csgw run: control socket: %s\n", strerror(started));
		goto fail;
	}
	fprintf(log, "csgw run: people's commands at %s\n", cs->path);
	*out = cs;
	return 0;
fail:
	if (cs->listen_fd >= 0) {
		close(cs->listen_fd);
		unlink(cs->path);
	}
	cs->listen_fd = -1;
	control_server_stop(cs);
	return -1;
}

void control_server_stop(struct control_server *cs)
{
	if (cs == NULL)
		return;
	if (cs->listen_fd >= 0) {
		if (write(cs->stop_pipe[1], "x", 1) == 1)
			pthread_join(cs->thread, NULL);
		close(cs->listen_fd);
		unlink(cs->path);
	}
	if (cs->stop_pipe[0] >= 0) {
		close(cs->stop_pipe[0]);
		close(cs->stop_pipe[1]);
	}
	for (int i = 0; cs->argv[i]; i++)
		free(cs->argv[i]);
	free(cs->path);
	free(cs);
}
