/*
 * isolated.c - the parse of partner batches in a sandboxed child, and the
 * strict reader of its answer (isolated.h).
 */
#include "core/isolated.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/digest.h"
#include "io/sandbox.h"
#include "io/xml_safe.h"
#include "util/alloc.h"
#include "util/thread.h"

static struct {
	bool on;
	char *mappings_dir;
	bool test_env;
} isolation;

void isolated_enable(const char *mappings_dir, bool test_env)
{
	free(isolation.mappings_dir);
	isolation.mappings_dir = xstrdup(mappings_dir);
	isolation.test_env = test_env;
	isolation.on = true;
}

/* ---- the child: frames into a buffer, written to descriptor 1 ---- */

struct sender {
	char buf[1 << 16];
	size_t used;
	bool failed;
};

static void flush_out(struct sender *s)
{
	size_t done = 0;
	while (done < s->used && !s->failed) {
		ssize_t n = write(STDOUT_FILENO, s->buf + done, s->used - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			s->failed = true;
		else
			done += (size_t)n;
	}
	s->used = 0;
}

static void put(struct sender *s, const void *data, size_t n)
{
	const char *p = data;
	while (n > 0 && !s->failed) {
		if (s->used == sizeof s->buf)
			flush_out(s);
		size_t k = sizeof s->buf - s->used < n ? sizeof s->buf - s->used : n;
		memcpy(s->buf + s->used, p, k);
		s->used += k;
		p += k;
		n -= k;
	}
}

static void put_u32(struct sender *s, uint32_t v)
{
	unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
	put(s, b, 4);
}

static void put_u64(struct sender *s, uint64_t v)
{
	put_u32(s, (uint32_t)v);
	put_u32(s, (uint32_t)(v >> 32));
}

static void frame(struct sender *s, char type, size_t len)
{
	put(s, &type, 1);
	put_u32(s, (uint32_t)len);
}

static int send_line(void *ctx, const char *line, size_t len)
{
	struct sender *s = ctx;
	if (len > ISOLATED_LINE_MAX)
		return -1;
	frame(s, 'L', len);
	put(s, line, len);
	return s->failed ? -1 : 0;
}

int isolated_child(const struct mapping_set *set, bool test_env, const char *name,
                   const struct unmap_limits *lim, unsigned long report_max)
{
	static struct sender s;
	char *text = NULL, why[256];
	size_t len = 0;
	struct batch_counts c;

	xml_safe_init();
	FILE *mem = open_memstream(&text, &len);
	if (mem == NULL || sandbox_enter(false, why, sizeof why) < 0)
		return 70;
	struct report rep = {.out = mem, .file = name, .max = report_max};
	enum map_status st = unmap_read(set, "-", test_env, lim, &rep, send_line, &s, &c);
	fclose(mem);
	if (len > ISOLATED_TEXT_MAX)
		len = ISOLATED_TEXT_MAX;
	frame(&s, 'P', 4 + len);
	put_u32(&s, (uint32_t)rep.count);
	put(&s, text, len);
	const char *type = c.batch ? c.batch->name : "";
	frame(&s, 'D', 1 + 8 + 4 + 8 * c.nrecords + strlen(type));
	put(&s, &(char){(char)st}, 1);
	put_u64(&s, c.records);
	put_u32(&s, (uint32_t)c.nrecords);
	for (size_t i = 0; i < c.nrecords; i++)
		put_u64(&s, c.by_record[i]);
	put(&s, type, strlen(type));
	flush_out(&s);
	return s.failed ? 74 : 0;
}

/* ---- the parent: a strict reader of the answer ---- */

struct puller {
	int fd;
	long long deadline_ms;
	unsigned char buf[1 << 16];
	size_t start, end;
	char *why;
	size_t whylen;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(struct puller *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct puller *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->why, p->whylen, fmt, ap);
	va_end(ap);
}

/* More bytes into the buffer: 1, 0 at end of file, -1 (said why). */
static int more(struct puller *p)
{
	if (p->start == p->end)
		p->start = p->end = 0;
	if (p->end == sizeof p->buf) {
		memmove(p->buf, p->buf + p->start, p->end - p->start);
		p->end -= p->start;
		p->start = 0;
	}
	for (;;) {
		if (p->deadline_ms) {
			long long left = p->deadline_ms - now_ms();
			struct pollfd pf = {.fd = p->fd, .events = POLLIN};
			int r = left > 0 ? poll(&pf, 1, left > 60000 ? 60000 : (int)left) : 0;
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0 && now_ms() >= p->deadline_ms) {
				say(p, "gave no answer in time");
				return -1;
			}
			if (r <= 0)
				continue;
		}
		ssize_t n = read(p->fd, p->buf + p->end, sizeof p->buf - p->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			say(p, "cannot be read: %s", strerror(errno));
			return -1;
		}
		p->end += (size_t)n;
		return n > 0;
	}
}

/* Exactly n bytes into out (NULL: skipped).  0, or -1 (said why). */
static int take(struct puller *p, void *out, size_t n)
{
	unsigned char *o = out;
	while (n > 0) {
		if (p->start == p->end) {
			int r = more(p);
			if (r < 0)
				return -1;
			if (r == 0) {
				say(p, "ended in the middle of a frame");
				return -1;
			}
		}
		size_t k = p->end - p->start < n ? p->end - p->start : n;
		if (o) {
			memcpy(o, p->buf + p->start, k);
			o += k;
		}
		p->start += k;
		n -= k;
	}
	return 0;
}

static uint32_t get_u32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get_u64(const unsigned char *b)
{
	return get_u32(b) | (uint64_t)get_u32(b + 4) << 32;
}

/* The 'D' frame: the status and the counts, checked against the mappings. */
static int done_frame(struct puller *p, const unsigned char *d, size_t len,
                      const struct mapping_set *set, struct batch_counts *counts)
{
	if (len < 13) {
		say(p, "a 'D' frame of %zu bytes", len);
		return -1;
	}
	int st = d[0];
	uint32_t n = get_u32(d + 9);
	if (st != MAP_OK && st != MAP_BAD_DATA && st != MAP_IO_ERROR) {
		say(p, "status %d is none of unmap_read's", st);
		return -1;
	}
	if (n > (len - 13) / 8) {
		say(p, "%u counts in a 'D' frame of %zu bytes", n, len);
		return -1;
	}
	size_t name_len = len - 13 - 8 * (size_t)n;
	char name[64];
	if (name_len >= sizeof name || memchr(d + 13 + 8 * n, '\0', name_len)) {
		say(p, "a batch type name of %zu bytes", name_len);
		return -1;
	}
	memcpy(name, d + 13 + 8 * n, name_len);
	name[name_len] = '\0';
	const struct batch_type *bt = name_len ? mapping_batch(set, name) : NULL;
	if (name_len && (bt == NULL || bt->family->nrecords != n)) {
		say(p, "batch type '%.40s' with %u counts is not one of the mappings", name, n);
		return -1;
	}
	if (!name_len && (n != 0 || st == MAP_OK)) {
		say(p, "no batch type, with %u counts and status %d", n, st);
		return -1;
	}
	counts->records = get_u64(d + 1);
	counts->batch = bt;
	counts->nrecords = n;
	counts->by_record = n ? xcalloc(n, sizeof *counts->by_record) : NULL;
	for (uint32_t i = 0; i < n; i++)
		counts->by_record[i] = (unsigned long)get_u64(d + 13 + 8 * (size_t)i);
	return st;
}

int isolated_read_answer(int fd, long long deadline_ms, const struct mapping_set *set,
                         struct report *rep, unmap_line_fn emit, void *emit_ctx,
                         struct batch_counts *counts, char *why, size_t whylen)
{
	struct puller *p = xcalloc(1, sizeof *p);
	unsigned char *data = NULL;
	size_t cap = 0;
	int st = -1;
	bool problems_seen = false;
	uint32_t problems = 0;

	*p = (struct puller){.fd = fd, .deadline_ms = deadline_ms, .why = why, .whylen = whylen};
	memset(counts, 0, sizeof *counts);
	for (;;) {
		unsigned char head[5];
		if (p->start == p->end) {
			int r = more(p);
			if (r < 0)
				goto out;
			if (r == 0) {
				say(p, "ended without its last frame");
				goto out;
			}
		}
		if (take(p, head, 5) < 0)
			goto out;
		uint32_t len = get_u32(head + 1);
		size_t limit = head[0] == 'L'   ? ISOLATED_LINE_MAX
		               : head[0] == 'P' ? 4 + ISOLATED_TEXT_MAX
		               : head[0] == 'D' ? 13 + 8 * 4096 + 63
		                                : 0;
		if (limit == 0 || len > limit || (head[0] == 'P' && (problems_seen || len < 4))) {
			say(p, "a frame '%c' (0x%02x) of %u bytes is not one it may send",
			    head[0] >= 0x20 && head[0] < 0x7f ? head[0] : '?', head[0], len);
			goto out;
		}
		if (len + 1 > cap) {
			cap = (size_t)len + 1;
			data = xreallocarray(data, cap, 1);
		}
		if (take(p, data, len) < 0)
			goto out;
		if (head[0] == 'L') {
			if (emit && emit(emit_ctx, (const char *)data, len) != 0) {
				st = -2;
				goto out;
			}
		} else if (head[0] == 'P') {
			problems = get_u32(data);
			if (memchr(data + 4, '\0', len - 4)) {
				say(p, "the problems' text holds a NUL byte");
				goto out;
			}
			fwrite(data + 4, 1, len - 4, rep->out);
			problems_seen = true;
		} else {
			if (!problems_seen) {
				say(p, "the last frame came before the problems");
				goto out;
			}
			st = done_frame(p, data, len, set, counts);
			if (st < 0)
				goto out;
			if ((st == MAP_BAD_DATA) != (problems > 0)) {
				say(p, "status %d with %u problems", st, problems);
				st = -1;
				goto out;
			}
			int r = p->start < p->end ? 1 : more(p);
			if (r != 0) {
				if (r > 0)
					say(p, "sent more after its last frame");
				st = -1;
				goto out;
			}
			rep->count += problems;
			break;
		}
	}
out:
	if (st < 0 && st != -2) {
		batch_counts_free(counts);
		memset(counts, 0, sizeof *counts);
	}
	free(data);
	free(p);
	return st;
}

static char *number(unsigned long long v)
{
	return xasprintf("%llu", v);
}

/* Starts csgw parse-child on descriptor 'in' (0 in the child). */
static int spawn_parser(const char *name, bool test_env, const struct unmap_limits *lim,
                        unsigned long report_max, int in, pid_t *pid, int *from_child, char *why,
                        size_t whylen)
{
	char *max_bytes = number(lim ? lim->max_bytes : 0);
	char *max_lines = number(lim ? lim->max_lines : 0);
	char *max_problems = number(report_max);
	char *argv[] = {"csgw",
	                "--mappings",
	                isolation.mappings_dir,
	                "--environment",
	                test_env ? "test" : "production",
	                "parse-child",
	                (char *)name,
	                max_bytes,
	                max_lines,
	                max_problems,
	                NULL};
	int rc = sandbox_spawn(argv, in, -1, pid, from_child, why, whylen);
	free(max_bytes);
	free(max_lines);
	free(max_problems);
	return rc;
}

/* How long a parser may take once its input is all there: 60 s, and 1 s
 * per 4 MiB (a slow disk, never a stuck parser). */
static long long parse_allowance_ms(uint64_t size)
{
	return 60000 + (long long)(size >> 22) * 1000;
}

/* The status of a parse from the child's answer (-1: none, 'why') and
 * how it ended (wait status ws): its answer when it answered and exited
 * cleanly, else MAP_BAD_DATA with what happened. */
static enum map_status judged(int answer, int ws, const char *why, struct report *rep,
                              struct batch_counts *counts)
{
	char what[160];
	bool clean = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;

	if (answer >= 0 && clean)
		return (enum map_status)answer;
	if (answer >= 0) {
		batch_counts_free(counts);
		memset(counts, 0, sizeof *counts);
	}
	/* What became of it, and what was wrong with its answer. */
	sandbox_describe(ws, what, sizeof what);
	report_problem(rep, 0, 0, NULL, "the parser of partner files %s%s%s%s; the file is kept",
	               clean ? "" : what, !clean && answer < 0 ? ", " : "",
	               answer < 0 ? "its answer " : "", answer < 0 ? why : "");
	return MAP_BAD_DATA;
}

enum map_status isolated_unmap_read(const struct mapping_set *set, const char *input, bool test_env,
                                    const struct unmap_limits *lim, struct report *rep,
                                    unmap_line_fn emit, void *emit_ctx, struct batch_counts *counts)
{
	char why[256] = "";
	struct stat st;
	pid_t pid;
	int from_child, ws = 0;

	if (!isolation.on)
		return unmap_read(set, input, test_env, lim, rep, emit, emit_ctx, counts);
	memset(counts, 0, sizeof *counts);
	int in = open(input, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(rep->out, "%s: cannot open: %s\n", input,
		        in < 0 ? strerror(errno) : "not a regular file");
		if (in >= 0)
			close(in);
		return MAP_NO_INPUT;
	}
	int spawned = spawn_parser(rep->file, test_env, lim,
	                           rep->max > rep->count ? rep->max - rep->count : 0, in, &pid,
	                           &from_child, why, sizeof why);
	close(in);
	if (spawned < 0) {
		fprintf(rep->out, "%s: %s\n", input, why);
		return MAP_IO_ERROR;
	}
	long long deadline = now_ms() + parse_allowance_ms((uint64_t)st.st_size);
	int answer = isolated_read_answer(from_child, deadline, set, rep, emit, emit_ctx, counts,
	                                  why, sizeof why);
	if (answer < 0)
		kill(pid, SIGKILL);
	close(from_child);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (answer == -2)
		return MAP_IO_ERROR; /* the caller's line handler stopped it */
	return judged(answer, ws, why, rep, counts);
}

/* ---- a parse that runs while the file arrives ---- */

struct isolated_stream {
	pthread_t reader;
	pid_t pid;
	int to_child, from_child;
	bool feeding;
	int feed_error; /* errno of the send that stopped feeding, 0: none */
	uint64_t fed;
	/* The reader thread's; the caller's until isolated_stream_end. */
	const struct mapping_set *set;
	struct report *rep;
	unmap_line_fn emit;
	void *emit_ctx;
	struct batch_counts *counts;
	int answer;
	char why[256];
};

static void *read_stream_answer(void *arg)
{
	struct isolated_stream *s = arg;
	/* No deadline here: the input arrives at the network's pace;
	 * isolated_stream_end bounds the wait once it is all there. */
	s->answer = isolated_read_answer(s->from_child, 0, s->set, s->rep, s->emit, s->emit_ctx,
	                                 s->counts, s->why, sizeof s->why);
	return NULL;
}

struct isolated_stream *isolated_stream_begin(const struct mapping_set *set, bool test_env,
                                              const struct unmap_limits *lim, struct report *rep,
                                              unmap_line_fn emit, void *emit_ctx,
                                              struct batch_counts *counts)
{
	int sv[2];
	char why[256];

	memset(counts, 0, sizeof *counts);
	/* A socket, not a pipe: send() with MSG_NOSIGNAL tells of a child
	 * that stopped reading without a SIGPIPE. */
	if (!isolation.on || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return NULL;
	struct isolated_stream *s = xcalloc(1, sizeof *s);
	*s = (struct isolated_stream){.to_child = sv[0],
	                              .set = set,
	                              .rep = rep,
	                              .emit = emit,
	                              .emit_ctx = emit_ctx,
	                              .counts = counts,
	                              .answer = -1};
	int spawned = spawn_parser(rep->file, test_env, lim,
	                           rep->max > rep->count ? rep->max - rep->count : 0, sv[1],
	                           &s->pid, &s->from_child, why, sizeof why);
	close(sv[1]);
	if (spawned < 0) {
		close(sv[0]);
		free(s);
		return NULL;
	}
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){1 << 20}, sizeof(int)); /* fewer switches */
	/* A parser that takes nothing for a minute is stuck: the feed stops,
	 * and the file is parsed afterwards, under that parse's deadline. */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &(struct timeval){.tv_sec = 60},
	           sizeof(struct timeval));
	if (thread_start(&s->reader, read_stream_answer, s) != 0) {
		kill(s->pid, SIGKILL);
		close(sv[0]);
		close(s->from_child);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
		free(s);
		return NULL;
	}
	s->feeding = true;
	return s;
}

bool isolated_stream_feed(struct isolated_stream *s, const void *data, size_t len)
{
	const char *p = data;

	while (s->feeding && len > 0) {
		ssize_t n = send(s->to_child, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->feed_error = n < 0 ? errno : EPIPE;
			s->feeding = false;
			break;
		}
		p += n;
		len -= (size_t)n;
		s->fed += (uint64_t)n;
	}
	return s->feeding;
}

int isolated_stream_end(struct isolated_stream *s, bool whole)
{
	int ws = 0, rc = -1;
	bool joined = false;

	if (s == NULL)
		return -1;
	close(s->to_child); /* the end of its input */
	/* A child that closed its end (answered, or died) read what it would
	 * read; any other failed send cut its input short. */
	bool input_whole =
	    whole && (s->feed_error == 0 || s->feed_error == EPIPE || s->feed_error == ECONNRESET);
	if (input_whole) {
		struct timespec until;
		long long allowed = parse_allowance_ms(s->fed);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)(allowed / 1000);
		joined = pthread_timedjoin_np(s->reader, NULL, &until) == 0;
	}
	/* A child not done in time, or whose answer was bad, may still be
	 * running: it is not waited for (as in isolated_unmap_read).  The
	 * answer is read only once the reader is joined. */
	if (!joined || s->answer < 0)
		kill(s->pid, SIGKILL);
	if (!joined) {
		pthread_join(s->reader, NULL);
		if (input_whole) /* as a parse of the file past its time */
			snprintf(s->why, sizeof s->why, "did not come within %lld s",
			         parse_allowance_ms(s->fed) / 1000);
	}
	close(s->from_child);
	while (waitpid(s->pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (input_whole && s->answer != -2)
		rc = (int)judged(s->answer, ws, s->why, s->rep, s->counts);
	else if (s->answer >= 0) {
		batch_counts_free(s->counts);
		memset(s->counts, 0, sizeof *s->counts);
	}
	free(s);
	return rc;
}

/* ---- signatures ---- */

#define VERDICT_FIXED (1 + 8 + DIGEST_SHA256_LEN)
#define VERDICT_SUBJECT_MAX 256
#define VERDICT_WHY_MAX 1024

int isolated_verify_child(const struct cms_trust *trust, const unsigned char *sha256,
                          const char *sig_name, const char *content_name)
{
	static struct sender s;
	struct cms_verifier *v = NULL;
	struct cms_signed_by by = {0};
	unsigned char *der = NULL;
	size_t len = 0;
	char why[VERDICT_WHY_MAX] = "", setup[256];

	/* Everything that would open a file later (the time zone glibc's
	 * gmtime_r reads once; OpenSSL's own, which cms_verifier_load loads),
	 * and the trust, before the sandbox. */
	tzset();
	enum sig_status st = cms_verifier_load(trust, &v, why, sizeof why);
	if (sandbox_enter(true, setup, sizeof setup) < 0)
		return 70;
	if (st == SIG_OK) {
		st = cms_read_signature_fd(STDIN_FILENO, sig_name, &der, &len, why, sizeof why) < 0
		         ? SIG_BAD
		         : cms_verify_der(v, der, len, sig_name, SANDBOX_EXTRA_FD, content_name,
		                          sha256, &by, why, sizeof why);
	}
	size_t sl = strnlen(by.subject, VERDICT_SUBJECT_MAX - 1), wl = strlen(why);
	frame(&s, 'S', VERDICT_FIXED + sl + 1 + wl);
	put(&s, &(char){(char)st}, 1);
	put_u64(&s, (uint64_t)by.signing_time);
	put(&s, by.md, DIGEST_SHA256_LEN);
	put(&s, by.subject, sl);
	put(&s, "", 1);
	put(&s, why, wl);
	flush_out(&s);
	return s.failed ? 74 : 0;
}

/* Text the log will show: no control character (a line of its own, an
 * escape), at most 'max' bytes with room for the NUL. */
static bool plain_text(const unsigned char *t, size_t n, size_t max)
{
	if (n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (t[i] < 0x20 || t[i] == 0x7f)
			return false;
	return true;
}

int isolated_read_verdict(int fd, long long deadline_ms, struct cms_signed_by *by, char *said,
                          size_t saidlen, char *why, size_t whylen)
{
	struct puller *p = xcalloc(1, sizeof *p);
	unsigned char head[5], *d = NULL;
	int st = -1;

	*p = (struct puller){.fd = fd, .deadline_ms = deadline_ms, .why = why, .whylen = whylen};
	memset(by, 0, sizeof *by);
	if (said && saidlen)
		said[0] = '\0';
	if (take(p, head, 5) < 0)
		goto out;
	uint32_t len = get_u32(head + 1);
	if (head[0] != 'S' || len < VERDICT_FIXED + 1 ||
	    len > VERDICT_FIXED + VERDICT_SUBJECT_MAX + VERDICT_WHY_MAX) {
		say(p, "a frame '%c' (0x%02x) of %u bytes is not one it may send",
		    head[0] >= 0x20 && head[0] < 0x7f ? head[0] : '?', head[0], len);
		goto out;
	}
	d = xmalloc(len);
	if (take(p, d, len) < 0)
		goto out;
	int status = d[0];
	const unsigned char *subject = d + VERDICT_FIXED, *end = d + len;
	const unsigned char *nul = memchr(subject, '\0', (size_t)(end - subject));
	if (status < SIG_OK || status > SIG_IO_ERROR) {
		say(p, "status %d is none of a signature's", status);
		goto out;
	}
	if (nul == NULL || !plain_text(subject, (size_t)(nul - subject), VERDICT_SUBJECT_MAX) ||
	    !plain_text(nul + 1, (size_t)(end - nul - 1), VERDICT_WHY_MAX)) {
		say(p, "its subject or reason is not one line of text");
		goto out;
	}
	size_t sl = (size_t)(nul - subject), wl = (size_t)(end - nul - 1);
	if (status == SIG_OK ? sl == 0 || wl > 0 : wl == 0) {
		say(p, "status %d with %s subject and %s reason", status, sl ? "a" : "no",
		    wl ? "a" : "no");
		goto out;
	}
	int r = p->start < p->end ? 1 : more(p);
	if (r != 0) {
		if (r > 0)
			say(p, "sent more after its answer");
		goto out;
	}
	if (status == SIG_OK) {
		by->signing_time = (time_t)get_u64(d + 1);
		memcpy(by->md, d + 9, DIGEST_SHA256_LEN);
		digest_hex(by->md, DIGEST_SHA256_LEN, by->sha256);
		memcpy(by->subject, subject, sl);
		by->subject[sl] = '\0';
	} else if (said && saidlen) {
		snprintf(said, saidlen, "%.*s", (int)wl, (const char *)nul + 1);
	}
	st = status;
out:
	free(d);
	free(p);
	return st;
}

enum sig_status isolated_verify(const struct cms_trust *trust, const char *path,
                                const char *sig_path, const unsigned char *sha256,
                                struct cms_signed_by *by, char *why, size_t whylen)
{
	char problem[256] = "", what[160], hex[2 * DIGEST_SHA256_LEN + 1] = "";
	struct stat st;
	pid_t pid;
	int from_child, ws = 0;

	if (!isolation.on)
		return cms_verify_file_digest(trust, path, sig_path, sha256, by, why, whylen);
	int content = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (content < 0 || fstat(content, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: cannot read: %s", path,
		         content < 0 ? strerror(errno) : "not a regular file");
		if (content >= 0)
			close(content);
		return SIG_NO_INPUT;
	}
	int sig = open(sig_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (sig < 0) {
		if (errno == ENOENT)
			snprintf(why, whylen, "%s: no signature: the file does not exist",
			         sig_path);
		else
			snprintf(why, whylen, "%s: cannot read the signature: %s", sig_path,
			         strerror(errno));
		close(content);
		return SIG_BAD;
	}
	if (sha256)
		digest_hex(sha256, DIGEST_SHA256_LEN, hex);
	char *argv[] = {"csgw",
	                "--environment",
	                isolation.test_env ? "test" : "production",
	                "verify-child",
	                (char *)trust->ca_bundle,
	                (char *)(trust->partner_cert ? trust->partner_cert : ""),
	                hex,
	                (char *)sig_path,
	                (char *)path,
	                NULL};
	int spawned = sandbox_spawn(argv, sig, content, &pid, &from_child, problem, sizeof problem);
	close(sig);
	close(content);
	if (spawned < 0) {
		snprintf(why, whylen, "%s: %s", sig_path, problem);
		return SIG_IO_ERROR;
	}
	/* As for a batch: 60 s, and 1 s per 4 MiB of content to hash. */
	long long deadline = now_ms() + 60000 + (long long)(st.st_size >> 22) * 1000;
	int answer =
	    isolated_read_verdict(from_child, deadline, by, why, whylen, problem, sizeof problem);
	if (answer < 0)
		kill(pid, SIGKILL);
	close(from_child);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	bool clean = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
	if (answer >= 0 && clean)
		return (enum sig_status)answer;
	memset(by, 0, sizeof *by);
	sandbox_describe(ws, what, sizeof what);
	snprintf(why, whylen, "%s: the checker of partner signatures %s%s%s%s; the file is kept",
	         sig_path, clean ? "" : what, !clean && answer < 0 ? ", " : "",
	         answer < 0 ? "its answer " : "", answer < 0 ? problem : "");
	return SIG_BAD;
}
