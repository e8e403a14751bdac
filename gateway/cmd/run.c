/*
 * run.c - csgw run: the spooling daemon (cycles of ops/exchange.h).
 *
 * Runs in the foreground, for systemd (Type=notify: READY, RELOADING,
 * STOPPING) or a terminal.  Outgoing drops are noticed through inotify
 * within a second; each partner is fetched from on its schedule; deferred
 * entries are retried when due.  SIGHUP reloads gateway.conf (a broken
 * file keeps the old one); SIGTERM and SIGINT stop taking work, let the
 * transfer in flight finish (an upload or download is resumed by the next
 * run in any case) and exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/caller.h"
#include "core/schedule.h"
#include "core/spool.h"
#include "io/fs.h"
#include "ops/casework.h"
#include "ops/closing.h"
#include "ops/exchange.h"
#include "ops/purge.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/notify.h"

static const char run_usage[] =
    "usage: csgw [-c FILE] run [--once] [--partner NAME]...\n"
    "\n"
    "The gateway's daemon. For every partner of gateway.conf (or each NAME):\n"
    "takes the files dropped in SPOOL/outgoing/NAME/ (XML batches; fixed-width\n"
    "extracts in SPOOL/outgoing/NAME/TYPE/), applies the disclosure policy and\n"
    "logs every decision, signs and uploads them, and keeps each in the spool\n"
    "until the partner's signed receipt names it; on the partner's schedule\n"
    "(gateway.conf 'schedule', default every 15m) downloads, verifies and\n"
    "delivers what the partner sent to SPOOL/inbox/FAMILY/, with a signed\n"
    "receipt back. Drop files complete: write them under a hidden or .tmp name\n"
    "and rename them into place (a file written in place is taken once it is\n"
    "drop_min_age old). Failed transfers are retried with growing delays\n"
    "(retry_min to retry_max), then held (hold_after); bad content is\n"
    "quarantined with a reason. One line per event on standard output.\n"
    "\n"
    "People's commands (locate, refer, case, protect, audit, policy explain,\n"
    "status, queue, partner check run by anyone but root and the spool's owner)\n"
    "are served at [gateway] control_socket (default /run/csgw/control.sock),\n"
    "each as the person who asked, with the roles [roles] gives their groups.\n"
    "\n"
    "--once  one full cycle (send and fetch) for every partner, then exit.\n"
    "\n"
    "Signals: SIGHUP reloads gateway.conf (a broken file keeps the old one);\n"
    "SIGTERM stops after the transfer in flight, exit 0.\n"
    "\n"
    "Exit (--once) 0 all done, 75 some work waits for a later cycle (a partner\n"
    "unreachable, transfers deferred), 74 local disk problem, 78 configuration;\n"
    "and 75 at once when another csgw run holds the spool.\n";

static volatile sig_atomic_t stop_flag, reload_flag;
/* The self-pipe: a signal that arrives just before poll() still wakes it. */
static int wake_pipe[2] = {-1, -1};

static void wake(void)
{
	int saved = errno;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "x", 1) < 0) {
		/* full: a wake-up is pending anyway */
	}
	errno = saved;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
	wake();
}

static void on_hup(int sig)
{
	(void)sig;
	reload_flag = 1;
	wake();
}

static void catch_signals(void)
{
	struct sigaction sa = {0};
	if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		wake_pipe[0] = wake_pipe[1] = -1;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() returns at once. */
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

#define MAX_PARTNERS 64
#define MAX_FRESH 256

struct partner {
	char name[64];
	struct schedule sched;
	time_t next_fetch;
	time_t wake;            /* something of it is due then (0: nothing) */
	bool dirty;             /* outgoing changed since its last cycle */
	char *fresh[MAX_FRESH]; /* names renamed into its outgoing folder */
	size_t nfresh;
};

struct daemon {
	struct globals *g;
	struct setup *s;
	struct exchange x;
	struct partner p[MAX_PARTNERS];
	size_t np;
	const char *only[MAX_PARTNERS];
	size_t nonly;
	int inotify;
	int wd_partner[4096]; /* watch descriptor -> partner index + 1 */
	time_t next_purge;    /* of what outlived its retention (ops/purge.h) */
};

/* The cycles' exchange: what is delivered is matched to our requests. */
static int open_exchange(struct setup *s, struct exchange *x)
{
	int rc = exchange_open(s, caller_get(), stdout, &stop_flag, x);
	if (rc == 0)
		x->inbound = casework_inbound;
	return rc;
}

static bool wanted(const struct daemon *d, const char *name)
{
	if (d->nonly == 0)
		return true;
	for (size_t i = 0; i < d->nonly; i++)
		if (strcmp(d->only[i], name) == 0)
			return true;
	return false;
}

/* The partners of configuration 's' (those asked for), with their
 * schedules and last exchanges, into out[] and *np.  0 or an exit code
 * after printing why. */
static int load_partners(const struct daemon *d, const struct setup *s, const char *spool,
                         struct partner *out, size_t *np)
{
	const struct ini_file *ini = s->conf.ini;
	time_t now = time(NULL);

	*np = 0;
	for (size_t i = 0; i < ini->nsections; i++) {
		const char *sec = ini->sections[i].name;
		if (strncmp(sec, "partner ", 8) != 0 || !wanted(d, sec + 8))
			continue;
		if (*np == MAX_PARTNERS) {
			fprintf(stderr, "csgw run: more than %d partners\n", MAX_PARTNERS);
			return EX_CONFIG;
		}
		struct partner *p = &out[(*np)++];
		memset(p, 0, sizeof *p);
		snprintf(p->name, sizeof p->name, "%s", sec + 8);
		const char *sched = conf_value(&s->conf, sec, "schedule");
		if (schedule_parse(sched ? sched : "every 15m", &p->sched) < 0) {
			fprintf(stderr, "%s: [%s] schedule '%s': expected %s\n", setup_conf_name(s),
			        sec, sched, SCHEDULE_EXPECTED);
			return EX_CONFIG;
		}
		struct partner_state st;
		partner_state_load(spool, p->name, &st);
		p->next_fetch = schedule_next(&p->sched, st.last_fetch, now);
		p->dirty = true;
	}
	for (size_t i = 0; i < d->nonly; i++) {
		bool found = false;
		for (size_t k = 0; k < *np; k++)
			found |= strcmp(out[k].name, d->only[i]) == 0;
		if (!found) {
			fprintf(stderr, "%s: no [partner %s]\n", setup_conf_name(s), d->only[i]);
			return EX_CONFIG;
		}
	}
	if (*np == 0) {
		fprintf(stderr, "%s: no [partner ...] section: nobody to exchange with\n",
		        setup_conf_name(s));
		return EX_CONFIG;
	}
	return 0;
}

static void watch_dir(struct daemon *d, const char *dir, size_t partner)
{
	int wd = inotify_add_watch(d->inotify, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR);
	if (wd >= 0 && wd < (int)(sizeof d->wd_partner / sizeof *d->wd_partner))
		d->wd_partner[wd] = (int)partner + 1;
}

/* Watches every outgoing folder (the partner's and its TYPE folders,
 * which the first cycle makes). */
static void watch_outgoing(struct daemon *d)
{
	if (d->inotify >= 0)
		close(d->inotify);
	memset(d->wd_partner, 0, sizeof d->wd_partner);
	d->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->inotify < 0) {
		fprintf(stderr, "csgw run: inotify: %s; looking every second instead\n",
		        strerror(errno));
		return;
	}
	/* Entries that commands (csgw locate, refer, case) submit appear in
	 * active whole, by rename: every partner looks (its own only). */
	char *active = xasprintf("%s/active", d->x.spool);
	int awd = inotify_add_watch(d->inotify, active, IN_MOVED_TO | IN_ONLYDIR);
	if (awd >= 0 && awd < (int)(sizeof d->wd_partner / sizeof *d->wd_partner))
		d->wd_partner[awd] = -1;
	free(active);
	for (size_t i = 0; i < d->np; i++) {
		char *dir = xasprintf("%s/outgoing/%s", d->x.spool, d->p[i].name);
		fs_make_dir(dir);
		watch_dir(d, dir, i);
		const char *families = setup_partner_value(d->s, d->p[i].name, "families");
		for (size_t f = 0; families && f < d->s->set->nfamilies; f++) {
			const struct family *fam = &d->s->set->families[f];
			if (!conf_list_has(families, fam->name))
				continue;
			for (size_t b = 0; b < fam->nbatches; b++) {
				char *sub = xasprintf("%s/%s", dir, fam->batches[b].name);
				fs_make_dir(sub);
				watch_dir(d, sub, i);
				free(sub);
			}
		}
		free(dir);
	}
}

static void drain_events(struct daemon *d)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while (d->inotify >= 0 && (n = read(d->inotify, buf, sizeof buf)) > 0) {
		for (char *at = buf; at < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)at;
			at += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events were lost: look at every outgoing folder. */
				for (size_t i = 0; i < d->np; i++)
					d->p[i].dirty = true;
				continue;
			}
			if (ev->wd < 0 ||
			    ev->wd >= (int)(sizeof d->wd_partner / sizeof *d->wd_partner) ||
			    d->wd_partner[ev->wd] == 0)
				continue;
			if (d->wd_partner[ev->wd] < 0) {
				for (size_t i = 0; i < d->np; i++)
					d->p[i].dirty = true;
				continue;
			}
			struct partner *p = &d->p[d->wd_partner[ev->wd] - 1];
			p->dirty = true;
			/* Renamed in: complete, whatever its age (maildir). */
			if ((ev->mask & IN_MOVED_TO) && ev->len && p->nfresh < MAX_FRESH)
				p->fresh[p->nfresh++] = xstrdup(ev->name);
		}
	}
}

static void forget_fresh(struct partner *p)
{
	for (size_t i = 0; i < p->nfresh; i++)
		free(p->fresh[i]);
	p->nfresh = 0;
}

/* One cycle with partner i, under its lock (a csgw send or fetch by hand
 * makes it wait for the next round).  Returns the cycle's exit code. */
static int cycle(struct daemon *d, size_t i, bool fetch)
{
	struct partner *p = &d->p[i];
	struct cycle cy;
	time_t now = time(NULL);
	int lock, rc;

	if (setup_lock_partner(d->s, p->name, &lock) != 0) {
		/* A csgw send or fetch by hand: the next round, not a busy loop. */
		p->wake = now + 1;
		p->dirty = false;
		return EX_TEMPFAIL;
	}
	p->dirty = false;
	rc = exchange_partner(&d->x, p->name, fetch, (const char *const *)p->fresh, p->nfresh, &cy);
	close(lock);
	forget_fresh(p);
	p->wake = cy.wake;
	struct partner_state st;
	partner_state_load(d->x.spool, p->name, &st);
	if (fetch && (cy.connect_failed || cy.fault[0])) {
		/* Not a day's wait for a network blip: again after retry_min. */
		p->next_fetch = now + (d->x.retry_min > 0 ? d->x.retry_min : 1);
	} else if (fetch) {
		st.last_fetch = now;
		p->next_fetch = schedule_next(&p->sched, now, now);
	}
	if (cy.fault[0]) {
		st.last_failure = now;
		snprintf(st.failure, sizeof st.failure, "%s", cy.fault);
	} else if (fetch || cy.sent) {
		st.last_ok = now;
	}
	partner_state_save(d->x.spool, p->name, &st);
	return rc;
}

/* SIGHUP: the new configuration, or the old one kept. */
static void reload(struct daemon *d)
{
	struct setup *ns = xcalloc(1, sizeof *ns);
	struct exchange nx;

	notify_systemd("RELOADING=1");
	printf("reloading %s\n", setup_conf_name(d->s));
	fflush(stdout);
	if (cmd_setup(d->g, true, ns) != 0 || conf_check(&ns->conf, ns->set, stderr) != 0 ||
	    open_exchange(ns, &nx) != 0) {
		fprintf(stderr, "csgw run: the new configuration has problems (above); still "
		                "running with the old one\n");
		setup_free(ns);
		free(ns);
		notify_systemd("READY=1\nSTATUS=reload failed; running with the old configuration");
		return;
	}
	struct partner *np = xcalloc(MAX_PARTNERS, sizeof *np);
	size_t n = 0;
	if (load_partners(d, ns, nx.spool, np, &n) != 0) {
		fprintf(stderr, "csgw run: the new configuration's partners have problems (above); "
		                "still running with the old one\n");
		exchange_close(&nx);
		setup_free(ns);
		free(ns);
		free(np);
		notify_systemd("READY=1\nSTATUS=reload failed; running with the old configuration");
		return;
	}
	exchange_close(&d->x);
	setup_free(d->s);
	free(d->s);
	d->s = ns;
	d->x = nx;
	d->x.s = ns;
	for (size_t i = 0; i < d->np; i++)
		forget_fresh(&d->p[i]);
	memcpy(d->p, np, n * sizeof *np);
	d->np = n;
	free(np);
	watch_outgoing(d);
	printf("reloaded %s: %zu partner(s)\n", setup_conf_name(d->s), d->np);
	fflush(stdout);
	notify_systemd("READY=1\nSTATUS=running");
}

static int serve(struct daemon *d)
{
	notify_systemd("READY=1\nSTATUS=running");
	printf("csgw run: serving %zu partner(s) from %s\n", d->np, d->x.spool);
	fflush(stdout);
	while (!stop_flag) {
		if (reload_flag) {
			reload_flag = 0;
			reload(d);
		}
		drain_events(d);
		closing_recover(&d->x); /* a closure killed after its entry: finish it */
		time_t now = time(NULL), next = now + 60;
		if (now >= d->next_purge) {
			/* Once a day; a purge that failed (said why) again in an hour. */
			int failed = purge_run(d->s, caller_get(), purge_now(d->s), false, stdout);
			d->next_purge = now + (failed ? 60 * 60 : 24 * 60 * 60);
		}
		for (size_t i = 0; i < d->np && !stop_flag; i++) {
			struct partner *p = &d->p[i];
			bool fetch = now >= p->next_fetch;
			if (fetch || p->dirty || (p->wake && now >= p->wake))
				cycle(d, i, fetch);
			if (p->next_fetch < next)
				next = p->next_fetch;
			if (p->wake && p->wake < next)
				next = p->wake;
			if (p->dirty)
				next = now;
		}
		long wait_ms = (long)(next - time(NULL)) * 1000;
		/* inotify wakes us at once; without it, look every second. */
		if (d->inotify < 0 && wait_ms > 1000)
			wait_ms = 1000;
		if (wait_ms < 0)
			wait_ms = 0;
		if (wait_ms > 0 && !stop_flag && !reload_flag) {
			struct pollfd pfd[2] = {{.fd = wake_pipe[0], .events = POLLIN},
			                        {.fd = d->inotify, .events = POLLIN}};
			poll(pfd, d->inotify >= 0 ? 2 : 1,
			     (int)(wait_ms > INT_MAX ? INT_MAX : wait_ms));
			char drain[64];
			while (wake_pipe[0] >= 0 && read(wake_pipe[0], drain, sizeof drain) > 0)
				;
		}
	}
	notify_systemd("STOPPING=1");
	printf("csgw run: stopping (signal); everything not finished waits in the spool\n");
	fflush(stdout);
	return 0;
}

int cmd_run(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"once", no_argument, NULL, '1'},
	    {"partner", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	struct daemon *d = xcalloc(1, sizeof *d);
	struct control_server *people = NULL;
	bool once = false;
	int c, rc = 0, lock = -1;

	d->g = g;
	d->inotify = -1;
	if (cmd_want_help(argc, argv, run_usage)) {
		free(d);
		return 0;
	}
	optind = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == '1')
			once = true;
		else if (c == 'p' && d->nonly < MAX_PARTNERS)
			d->only[d->nonly++] = optarg;
		else
			rc = EX_USAGE;
	}
	if (rc || optind != argc) {
		fputs(run_usage, stderr);
		free(d);
		return EX_USAGE;
	}
	/* Line by line: the log is read as it happens (journal, terminal). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Under systemd each line carries its priority (util/log.h). */
	log_for_journal();
	/* First: a SIGHUP or SIGTERM during the start must not kill it. */
	catch_signals();
	d->s = xcalloc(1, sizeof *d->s);
	if ((rc = cmd_setup(g, true, d->s)) != 0)
		goto out_setup;
	if (conf_check(&d->s->conf, d->s->set, stderr) != 0) {
		fprintf(stderr,
		        "csgw run: %s has problems (above, as csgw check-config says); "
		        "not started\n",
		        setup_conf_name(d->s));
		rc = EX_CONFIG;
		goto out;
	}
	if ((rc = open_exchange(d->s, &d->x)) != 0)
		goto out;
	char *run_lock = xasprintf("%s/.run.lock", d->x.spool);
	lock = fs_lock(run_lock);
	if (lock < 0) {
		fprintf(stderr,
		        errno == EWOULDBLOCK ? "csgw run: another csgw run serves %s (lock %s)\n"
		                             : "csgw run: cannot lock %s (%s)\n",
		        d->x.spool, errno == EWOULDBLOCK ? run_lock : strerror(errno));
		rc = errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_CANTCREAT;
		free(run_lock);
		goto out;
	}
	free(run_lock);
	unsigned swept = spool_sweep(d->x.spool);
	if (swept)
		printf("csgw run: removed %u temporary file(s) left by an earlier run\n", swept);
	if (closing_recover(&d->x) > 0)
		printf("csgw run: finished or removed case closures an earlier process left\n");
	if ((rc = load_partners(d, d->s, d->x.spool, d->p, &d->np)) != 0)
		goto out;
	if (once) {
		for (size_t i = 0; i < d->np && !stop_flag; i++) {
			int r = cycle(d, i, true);
			/* A problem of ours outweighs work that waits. */
			if (r != 0 && (rc == 0 || rc == EX_TEMPFAIL))
				rc = r;
		}
		goto out;
	}
	watch_outgoing(d);
	/* People's commands: a listener beside the cycles (cmd/control.c). */
	control_server_start(g, d->s, stdout, &people);
	rc = serve(d);
	control_server_stop(people);
out:
	for (size_t i = 0; i < d->np; i++)
		forget_fresh(&d->p[i]);
	if (d->inotify >= 0)
		close(d->inotify);
	if (lock >= 0)
		close(lock);
	exchange_close(&d->x);
	setup_free(d->s);
out_setup:
	free(d->s);
	free(d);
	return rc;
}
