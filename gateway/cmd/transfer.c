/*
 * transfer.c - csgw partner check | send | fetch: SFTP with one partner.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/audit.h"
#include "core/caller.h"
#include "core/isolated.h"
#include "core/partner.h"
#include "core/transfer.h"
#include "io/cms.h"
#include "io/fs.h"
#include "util/alloc.h"
#include "util/progress.h"

static const char partner_usage[] =
    "usage: csgw [-c FILE] partner check NAME\n"
    "\n"
    "Connects to partner NAME's SFTP server as gateway.conf says, and shows the\n"
    "host key's fingerprint and whether it is trusted, the login, whether the\n"
    "remote inbox is writable (a probe file is created and removed) and the\n"
    "remote outbox readable, with the number of files waiting there.\n"
    "\n"
    "Exit 0 all good, 69 the server refused or its host key changed, 75 cannot\n"
    "reach it now (try again later), 77 login or permission refused, 78 the\n"
    "host key is not trusted yet or the configuration is wrong.\n";

static const char send_usage[] =
    "usage: csgw [-c FILE] send [--quiet] NAME FILE...\n"
    "\n"
    "Uploads each FILE with its signature FILE.p7s into partner NAME's remote\n"
    "inbox, under the file's own name. FILE is signed first unless FILE.p7s is\n"
    "already a good signature by this gateway over it. Each file travels as\n"
    "NAME.part and is renamed when complete, the signature before the data, so\n"
    "the partner never sees a partial or unsigned file. An upload cut off\n"
    "earlier is resumed. A file already on the server is not sent again.\n"
    "On a terminal, each file's progress is shown on stderr (--quiet: not).\n"
    "\n"
    "Exit 0 all sent, 64 a FILE's name cannot be sent (hidden, control\n"
    "characters, '..', over 200 bytes, or ending in .part or .p7s), 65 a\n"
    "signature could not be made, 66 a FILE is missing,\n"
    "69 the server refused, 73 a different file of that name is waiting on the\n"
    "server, 75 try again later (nothing is lost; also while another csgw\n"
    "exchanges with NAME), 77 login or permission\n"
    "refused, 78 configuration or host key not trusted.\n";

static const char fetch_usage[] =
    "usage: csgw [-c FILE] fetch [--quiet] NAME\n"
    "\n"
    "Downloads every signed file waiting in partner NAME's remote outbox into\n"
    "SPOOL/incoming/NAME/, verifying each signature against the partner's\n"
    "certificate. A file is removed from the server (or moved to remote_done)\n"
    "only after it is safely on disk; a file received before (same name and\n"
    "SHA-256) is not delivered twice. A file whose signature fails goes to\n"
    "SPOOL/quarantine/NAME/ with a .reason file. Files being written (.part),\n"
    "hidden files and files without a signature yet are left alone; unsafe\n"
    "names (/, .., control characters) are refused. Every file received or\n"
    "quarantined is an entry of the audit log (audit_db), written before the\n"
    "file is delivered; a signed checkpoint of the log ends the run.\n"
    "\n"
    "A file whose name is still taken in SPOOL/incoming/NAME by an earlier\n"
    "file waits on the server until that one is taken.\n"
    "On a terminal, each file's progress is shown on stderr (--quiet: not).\n"
    "\n"
    "Exit 0 done, 65 some files were quarantined or refused, 69 the server\n"
    "refused, 74 local disk problem, 75 try again later (also while another\n"
    "csgw exchanges with NAME), 77 login or permission refused, 78\n"
    "configuration, host key not trusted, or the partner's certificate\n"
    "unusable (expired, not chained): then nothing is fetched.\n";

/* The exit code for a transport fault (sysexits.h). */
static int exit_code(enum sftp_fault f)
{
	switch (f) {
	case SFTP_OK:
		return 0;
	case SFTP_TEMPORARY:
	case SFTP_CHANGED:
		return EX_TEMPFAIL;
	case SFTP_HOST_UNKNOWN:
	case SFTP_NO_SUCH:
		return EX_CONFIG;
	case SFTP_AUTH:
	case SFTP_DENIED:
		return EX_NOPERM;
	case SFTP_EXISTS:
		return EX_CANTCREAT;
	case SFTP_LOCAL:
		return EX_IOERR;
	case SFTP_HOST_CHANGED:
	case SFTP_FAILED:
		break;
	}
	return EX_UNAVAILABLE;
}

/* Loads the partner and connects.  0 with *c, or an exit code after
 * printing why. */
static int open_link(const struct setup *s, const char *name, struct partner_link *link,
                     struct sftp_conn **c)
{
	if (partner_link_load(&s->conf, name, link, stderr) < 0)
		return EX_CONFIG;
	enum sftp_fault f = sftp_connect(&link->ssh, c);
	if (f == SFTP_OK)
		return 0;
	fprintf(stderr, "csgw: partner %s: %s\n", name, sftp_message(*c));
	sftp_close(*c);
	*c = NULL;
	partner_link_free(link);
	/* A key or known_hosts file we cannot use is configuration. */
	return f == SFTP_LOCAL ? EX_CONFIG : exit_code(f);
}

/* Parses "[--help] NAME [ARGS...]" after the command name; returns the
 * index of NAME or -1 after printing the usage. */
/* Takes every "--quiet" out of argv (a file of that name is ./--quiet);
 * returns the new argc. */
static int quiet_option(struct globals *g, int argc, char **argv)
{
	int kept = 0;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--quiet") == 0)
			g->quiet = true;
		else
			argv[kept++] = argv[i];
	progress_enable(g->quiet);
	return kept;
}

static int partner_arg(int argc, char **argv, int first, const char *usage, bool more)
{
	if (argc <= first || argv[first][0] == '-' || (!more && argc > first + 1) ||
	    (more && argc < first + 2)) {
		fputs(usage, stderr);
		return -1;
	}
	return first;
}

static int partner_check(struct setup *s, const char *name)
{
	struct partner_link link;
	struct sftp_conn *c = NULL;
	struct sftp_entry *e = NULL;
	size_t n = 0;
	int rc = 0;

	if (partner_link_load(&s->conf, name, &link, stderr) < 0)
		return EX_CONFIG;
	printf("partner %s: %s port %u, user %s\n", name, link.ssh.host, link.ssh.port,
	       link.ssh.user);
	enum sftp_fault f = sftp_connect(&link.ssh, &c);
	if (sftp_host_fingerprint(c)[0])
		printf("  host key:  %s %s (%s)\n", sftp_host_key_type(c), sftp_host_fingerprint(c),
		       f == SFTP_HOST_UNKNOWN   ? "NOT TRUSTED"
		       : f == SFTP_HOST_CHANGED ? "CHANGED"
		       : link.ssh.fingerprint   ? "matches host_fingerprint"
		                                : "matches known_hosts");
	if (f != SFTP_OK) {
		printf("  connect:   FAILED\n");
		fprintf(stderr, "csgw: partner %s: %s\n", name, sftp_message(c));
		rc = f == SFTP_LOCAL ? EX_CONFIG : exit_code(f);
		goto out;
	}
	printf("  login:     ok, key %s\n", link.ssh.key_path);
	f = sftp_dir_writable(c, link.remote_inbox);
	printf("  inbox:     %s %s\n", link.remote_inbox,
	       f == SFTP_OK ? "writable" : "NOT WRITABLE");
	if (f != SFTP_OK) {
		fprintf(stderr, "csgw: partner %s: %s\n", name, sftp_message(c));
		rc = exit_code(f);
		if (f == SFTP_TEMPORARY)
			goto out;
	}
	f = sftp_list(c, link.remote_outbox, &e, &n);
	if (f == SFTP_OK) {
		size_t waiting = 0;
		for (size_t i = 0; i < n; i++)
			waiting +=
			    e[i].name[0] != '.' && transfer_name_safe(e[i].name, e[i].name_len);
		printf("  outbox:    %s readable, %zu file(s) there\n", link.remote_outbox,
		       waiting);
		sftp_entries_free(e, n);
	} else {
		printf("  outbox:    %s NOT READABLE\n", link.remote_outbox);
		fprintf(stderr, "csgw: partner %s: %s\n", name, sftp_message(c));
		if (rc == 0)
			rc = exit_code(f);
	}
out:
	sftp_close(c);
	partner_link_free(&link);
	return rc;
}

int cmd_partner(struct globals *g, int argc, char **argv)
{
	struct setup s;
	int rc;

	if (cmd_want_help(argc, argv, partner_usage))
		return 0;
	if (argc < 2 || strcmp(argv[1], "check") != 0 ||
	    partner_arg(argc, argv, 2, partner_usage, false) < 0) {
		if (argc < 2 || strcmp(argv[1], "check") != 0)
			fputs(partner_usage, stderr);
		return EX_USAGE;
	}
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	rc = partner_check(&s, argv[2]);
	setup_free(&s);
	return rc;
}

/* md: the SHA-256 that FILE.p7s signs, when it is a good signature of
 * ours (checked without reading FILE: the upload hashes FILE on its way
 * and compares before publishing); otherwise, or when 'resign', FILE is
 * signed now.  0 or an exit code. */
static int signed_digest(const struct setup *s, const char *file, const char *sig, bool resign,
                         struct cms_signer **signer, unsigned char md[32])
{
	char *cert = conf_path(&s->conf, "gateway", "signing_cert");
	char *ca = conf_path(&s->conf, "gateway", "ca_bundle");
	struct cms_trust ours = {.ca_bundle = ca, .partner_cert = cert};
	char why[1024], sha[65];
	struct stat st;
	int rc = 0;

	if (stat(file, &st) < 0) {
		fprintf(stderr, "csgw: %s: %s\n", file, strerror(errno));
		rc = EX_NOINPUT;
		goto out;
	}
	if (cert == NULL || ca == NULL) {
		fprintf(stderr, "%s: [gateway] needs signing_cert and ca_bundle to send\n",
		        setup_conf_name(s));
		rc = EX_CONFIG;
		goto out;
	}
	if (!resign && access(sig, F_OK) == 0) {
		if (cms_signed_sha256(&ours, sig, md, why, sizeof why) == SIG_OK)
			goto out;
		printf("%s: not a good signature of ours (%s); signing again\n", sig, why);
	}
	if (*signer == NULL && (rc = setup_signer(s, NULL, NULL, NULL, signer)) != 0)
		goto out;
	if (cms_sign_file(*signer, file, sig, sha, why, sizeof why) != 0 ||
	    cms_signed_sha256(&ours, sig, md, why, sizeof why) != SIG_OK) {
		fprintf(stderr, "csgw: %s; not sent\n", why);
		rc = EX_DATAERR;
		goto out;
	}
	printf("%s: signed (sha256 %s)\n", file, sha);
out:
	free(cert);
	free(ca);
	return rc;
}

/* Sends one file; a file changed since its signature was made is signed
 * again and its upload completed (resumed).  0 or an exit code. */
static int send_one(const struct setup *s, struct sftp_conn *c, const char *inbox, const char *file,
                    unsigned char md[32], struct cms_signer **signer, enum sftp_fault *fault)
{
	char *sig = signature_path(file);
	bool stale = false;
	int rc = 0;

	*fault = transfer_send(c, inbox, file, sig, md, &stale, stdout, stderr);
	if (*fault == SFTP_OK && stale) {
		printf("%s: changed since %s was made; signing it again\n", file, sig);
		if ((rc = signed_digest(s, file, sig, true, signer, md)) == 0)
			*fault = transfer_send(c, inbox, file, sig, md, &stale, stdout, stderr);
		if (rc == 0 && *fault == SFTP_OK && stale) {
			fprintf(stderr, "csgw: %s keeps changing while it is sent; not sent\n",
			        file);
			rc = EX_DATAERR;
		}
	}
	if (rc == 0)
		rc = exit_code(*fault);
	free(sig);
	return rc;
}

int cmd_send(struct globals *g, int argc, char **argv)
{
	struct partner_link link;
	struct cms_signer *signer = NULL;
	struct sftp_conn *c = NULL;
	unsigned char(*md)[32] = NULL;
	struct setup s;
	int rc, i, lock = -1;

	if (cmd_want_help(argc, argv, send_usage))
		return 0;
	argc = quiet_option(g, argc, argv);
	if (partner_arg(argc, argv, 1, send_usage, true) < 0)
		return EX_USAGE;
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	for (i = 2; i < argc; i++) {
		if (!transfer_sendable(argv[i])) {
			fprintf(
			    stderr,
			    "csgw: %s: cannot send a file of this name; expected a visible name of "
			    "at most %d bytes without control characters or '..', not ending in "
			    ".part or .p7s\n",
			    argv[i], TRANSFER_NAME_MAX);
			rc = EX_USAGE;
		}
	}
	if (rc != 0 || (rc = setup_lock_partner(&s, argv[1], &lock)) != 0)
		goto out;
	md = xcalloc((size_t)argc, sizeof *md);
	for (i = 2; i < argc && rc == 0; i++) {
		char *sig = signature_path(argv[i]);
		rc = signed_digest(&s, argv[i], sig, false, &signer, md[i]);
		free(sig);
	}
	if (rc != 0 || (rc = open_link(&s, argv[1], &link, &c)) != 0)
		goto out;
	for (i = 2; i < argc; i++) {
		enum sftp_fault f;
		int r = send_one(&s, c, link.remote_inbox, argv[i], md[i], &signer, &f);
		if (r != 0 && rc == 0)
			rc = r;
		if (f == SFTP_TEMPORARY)
			break;
	}
	for (i++; i < argc; i++)
		fprintf(stderr, "csgw: %s: not sent; try again later\n", argv[i]);
	sftp_close(c);
	partner_link_free(&link);
out:
	if (lock >= 0)
		close(lock);
	cms_signer_free(signer);
	free(md);
	setup_free(&s);
	return rc;
}

/* Fail closed on trust before touching the server: the partner's
 * certificate must be usable now (an expired one is refused, not a reason
 * to quarantine everything it signed). */
static int check_partner_cert(const struct setup *s, const char *name, const char *ca)
{
	char *cert = setup_partner_path(s, name, "cert");
	char why[1024];
	long days;
	int rc = 0;

	if (cert == NULL) {
		fprintf(stderr, "%s: [partner %s] has no cert; expected its signing certificate\n",
		        setup_conf_name(s), name);
		rc = EX_CONFIG;
	} else if (cms_check_cert(cert, ca, &days, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: partner %s: %s; nothing fetched\n", name, why);
		rc = EX_CONFIG;
	}
	free(cert);
	return rc;
}

int cmd_fetch(struct globals *g, int argc, char **argv)
{
	struct partner_link link;
	struct sftp_conn *c = NULL;
	struct audit *audit = NULL;
	struct cms_signer *signer = NULL;
	struct setup s;
	int rc, lock = -1;

	if (cmd_want_help(argc, argv, fetch_usage))
		return 0;
	argc = quiet_option(g, argc, argv);
	if (partner_arg(argc, argv, 1, fetch_usage, false) < 0)
		return EX_USAGE;
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	char *spool = conf_path(&s.conf, "gateway", "spool");
	char *ca = conf_path(&s.conf, "gateway", "ca_bundle");
	if (spool == NULL || ca == NULL) {
		fprintf(stderr, "%s: [gateway] needs spool and ca_bundle to fetch\n",
		        setup_conf_name(&s));
		rc = EX_CONFIG;
		goto out;
	}
	if ((rc = check_partner_cert(&s, argv[1], ca)) != 0 ||
	    (rc = setup_lock_partner(&s, argv[1], &lock)) != 0 ||
	    (rc = setup_audit_open(&s, 1, true, &audit, &signer)) != 0 ||
	    (rc = open_link(&s, argv[1], &link, &c)) != 0)
		goto out;
	char *incoming = xasprintf("%s/incoming", spool),
	     *quarantine = xasprintf("%s/quarantine", spool);
	/* Made durable before anything is received into them; a failure shows
	 * when the partner's folders below them are made. */
	fs_make_dir(incoming);
	fs_make_dir(quarantine);
	char *in_dir = xasprintf("%s/%s", incoming, argv[1]);
	char *q_dir = xasprintf("%s/%s", quarantine, argv[1]);
	struct fetch_plan plan = {
	    .remote_dir = link.remote_outbox,
	    .remote_done = link.remote_done,
	    .incoming = in_dir,
	    .quarantine = q_dir,
	    .trust = {.ca_bundle = ca, .partner_cert = link.cert},
	    .audit = audit,
	};
	plan.partner = argv[1];
	plan.partner_class = setup_partner_value(&s, argv[1], "class");
	plan.who = caller_get();
	/* Partners' signatures are checked by a child that holds nothing. */
	isolated_enable(s.mappings_dir, s.test_env);
	enum sftp_fault f = transfer_fetch(c, &plan, stdout, stderr);
	if (plan.audited && audit_checkpoint(audit, stderr) < 0 && f == SFTP_OK)
		f = SFTP_LOCAL;
	printf("fetch %s: %u received, %u already received before, %u quarantined, %u refused, "
	       "%u skipped\n",
	       argv[1], plan.fetched, plan.already, plan.quarantined, plan.refused, plan.skipped);
	rc = plan.config_error ? EX_CONFIG : exit_code(f);
	if (rc == 0 && (plan.quarantined || plan.refused))
		rc = EX_DATAERR;
	free(incoming);
	free(quarantine);
	free(in_dir);
	free(q_dir);
	sftp_close(c);
	partner_link_free(&link);
out:
	if (lock >= 0)
		close(lock);
	audit_close(audit);
	cms_signer_free(signer);
	free(spool);
	free(ca);
	setup_free(&s);
	return rc;
}
