/*
 * progress.c - one line on stderr, redrawn in place ("\r", erase to end).
 */
#include "util/progress.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_EVERY 0.25 /* seconds */

static struct {
	bool on;     /* enabled: stderr is a terminal */
	bool active; /* between begin and end */
	bool drawn;  /* a line is on the screen */
	char what[80];
	unsigned long long total, done, start_done;
	dev_t dev; /* progress_file: the file whose reads count */
	ino_t ino;
	bool by_file;
	double started, drawn_at;
} meter;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "812.4 MiB": binary units, as ls -h and the sizes in the README. */
static void human(unsigned long long n, char *buf, size_t size)
{
	static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof unit / sizeof *unit) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void draw(double t)
{
	char done[32], total[32], rate[32], line[256];
	double elapsed = t - meter.started;
	size_t o;

	human(meter.done, done, sizeof done);
	o = (size_t)snprintf(line, sizeof line, "%s: %s", meter.what, done);
	if (meter.total) {
		human(meter.total, total, sizeof total);
		o += (size_t)snprintf(line + o, sizeof line - o, " of %s (%.0f%%)", total,
		                      100.0 * (double)meter.done / (double)meter.total);
	}
	unsigned long long moved = meter.done - meter.start_done;
	if (elapsed >= REDRAW_EVERY && moved > 0 && o < sizeof line) {
		double per_second = (double)moved / elapsed;
		human((unsigned long long)per_second, rate, sizeof rate);
		o += (size_t)snprintf(line + o, sizeof line - o, ", %s/s", rate);
		if (meter.total > meter.done && o < sizeof line)
			snprintf(line + o, sizeof line - o, ", %.0f s left",
			         (double)(meter.total - meter.done) / per_second + 0.5);
	}
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	meter.drawn = true;
	meter.drawn_at = t;
}

static void counted(unsigned long long n)
{
	meter.done += n;
	double t = now();
	if (!meter.drawn || t - meter.drawn_at >= REDRAW_EVERY)
		draw(t);
}

void progress_enable(bool quiet)
{
	meter.on = !quiet && isatty(STDERR_FILENO);
}

void progress_begin(const char *what, unsigned long long total, unsigned long long done)
{
	if (!meter.on)
		return;
	progress_end();
	snprintf(meter.what, sizeof meter.what, "%s", what);
	meter.total = total;
	meter.done = meter.start_done = done;
	meter.by_file = false;
	meter.started = now();
	meter.active = true;
}

void progress_file(const char *what, const char *path)
{
	struct stat st;
	if (!meter.on || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	progress_begin(what, (unsigned long long)st.st_size, 0);
	meter.dev = st.st_dev;
	meter.ino = st.st_ino;
	meter.by_file = true;
}

void progress_read(int fd, size_t n)
{
	struct stat st;
	if (!meter.active || !meter.by_file || fstat(fd, &st) != 0 || st.st_dev != meter.dev ||
	    st.st_ino != meter.ino)
		return;
	counted(n);
}

void progress_add(size_t n)
{
	if (meter.active)
		counted(n);
}

void progress_pause(void)
{
	if (!meter.drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	meter.drawn = false;
}

void progress_end(void)
{
	progress_pause();
	meter.active = false;
}
