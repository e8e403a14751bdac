/*
 * receipt.c - csgw receipt make | check: signed acknowledgements of files.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/receipt.h"
#include "io/cms.h"
#include "io/digest.h"
#include "io/fs.h"
#include "util/alloc.h"

#define MAX_REPORTED 100
#define MAX_REJECTS 10000
/* A receipt is a few kB per rejected record; more is not a receipt. */
#define MAX_RECEIPT_BYTES (64L * 1024 * 1024)

static const char usage[] =
    "usage: csgw [-c FILE] receipt make FILE --partner NAME [--batch N --records N]\n"
    "                 [--reject RECORD:CODE:MESSAGE]... [--reject-file CODE:MESSAGE] [-o RECEIPT]\n"
    "       csgw [-c FILE] receipt check RECEIPT --partner NAME [--for FILE]\n"
    "\n"
    "make: acknowledges FILE, received from partner NAME: a receipt (XML, the\n"
    "receipt family) naming FILE's SHA-256, batch number and time received,\n"
    "accepted, or with the rejected records and their error codes; signed by\n"
    "this gateway (RECEIPT.p7s). The batch number and record count are read\n"
    "from FILE when it is an XML batch; otherwise give --batch and --records.\n"
    "--reject-file rejects the file as a whole (record 0). Codes are up to 5\n"
    "letters or digits, messages up to 50 upper-case characters. RECEIPT\n"
    "defaults to FILE.receipt.xml.\n"
    "\n"
    "check: verifies RECEIPT.p7s against partner NAME's certificate, reads the\n"
    "receipt, checks that it was made for this state and, with --for, that it\n"
    "names FILE's SHA-256; then prints what it says.\n"
    "\n"
    "Exit 0 done (check: an authentic receipt, whatever it accepted), 64 usage,\n"
    "65 bad data (a bad signature, receipt, value or digest), 66 FILE cannot be\n"
    "read, 74 I/O, 78 configuration.\n";

static int usage_error(void)
{
	fputs(usage, stderr);
	return EX_USAGE;
}

/* "RECORD:CODE:MESSAGE" or, for the file, "CODE:MESSAGE". */
static int add_reject(struct receipt *r, const char *arg, bool whole_file)
{
	char *copy = xstrdup(arg), *code = copy, *colon;
	unsigned long record = 0;
	int rc = -1;

	if (!whole_file) {
		char *end;
		errno = 0;
		record = strtoul(copy, &end, 10);
		if (errno || end == copy || *end != ':' || record == 0) {
			fprintf(stderr,
			        "csgw receipt: --reject '%s': expected RECORD:CODE:MESSAGE with "
			        "RECORD a record number from 1\n",
			        arg);
			goto out;
		}
		code = end + 1;
	}
	if ((colon = strchr(code, ':')) == NULL) {
		fprintf(stderr, "csgw receipt: '%s': expected %sCODE:MESSAGE\n", arg,
		        whole_file ? "" : "RECORD:");
		goto out;
	}
	*colon = '\0';
	if (receipt_reject(r, record, code, colon + 1) < 0) {
		fprintf(stderr,
		        "csgw receipt: '%s': expected a code of at most 5 and a message of at most "
		        "50 characters, and at most %d errors per record\n",
		        arg, RECEIPT_MAX_ERRORS);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static int receipt_make(struct setup *s, int argc, char **argv)
{
	static const struct option options[] = {
	    {"partner", required_argument, NULL, 'p'},
	    {"batch", required_argument, NULL, 'b'},
	    {"records", required_argument, NULL, 'n'},
	    {"reject", required_argument, NULL, 'r'},
	    {"reject-file", required_argument, NULL, 'R'},
	    {"output", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	const char *partner = NULL, *batch = NULL, *records_s = NULL, *output = NULL;
	struct receipt r = {.accepted = true};
	struct cms_signer *signer = NULL;
	char *out_path = NULL, *tmp = NULL, *sig = NULL, why[1024];
	int c, fd = -1, rc = EX_USAGE;

	optind = 0;
	while ((c = getopt_long(argc, argv, "p:o:", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			partner = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'n':
			records_s = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'r':
		case 'R':
			if (r.nresults >= MAX_REJECTS) {
				fprintf(stderr, "csgw receipt: more than %d rejected records\n",
				        MAX_REJECTS);
				goto out;
			}
			if (add_reject(&r, optarg, c == 'R') < 0)
				goto out;
			if (c == 'R')
				r.accepted = false;
			break;
		default:
			usage_error();
			goto out;
		}
	}
	if (optind != argc - 1 || partner == NULL || (batch == NULL) != (records_s == NULL)) {
		usage_error();
		goto out;
	}
	if (output && strcmp(output, "-") == 0) {
		fprintf(stderr, "csgw receipt: -o -: a receipt is a file beside its signature, not "
		                "standard output\n");
		goto out;
	}
	if (batch && (strlen(batch) != 6 || strspn(batch, "0123456789") != 6)) {
		fprintf(stderr, "csgw receipt: --batch '%s': expected the 6-digit batch number\n",
		        batch);
		goto out;
	}
	const char *file = argv[optind];
	const char *ours = conf_value(&s->conf, "gateway", "state");
	const char *theirs = setup_partner_value(s, partner, "state");
	rc = EX_CONFIG;
	if (ours == NULL || theirs == NULL) {
		fprintf(stderr, "%s: a receipt needs [gateway] state and [partner %s] state\n",
		        setup_conf_name(s), partner);
		goto out;
	}
	snprintf(r.receiver_state, sizeof r.receiver_state, "%s", ours);
	snprintf(r.sender_state, sizeof r.sender_state, "%s", theirs);

	/* The digest and the batch facts come from one open file, so that a
	 * file renamed into its place meanwhile cannot mix the two. */
	struct stat st;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 || fstat(fd, &st) != 0 ||
	    !S_ISREG(st.st_mode)) {
		fprintf(stderr, "csgw receipt: %s: %s\n", file,
		        fd < 0 ? strerror(errno) : "not a regular file");
		rc = EX_NOINPUT;
		goto out;
	}
	char opened[64];
	snprintf(opened, sizeof opened, "/proc/self/fd/%d", fd);
	if (digest_file_sha256_hex(opened, r.sha256) < 0) {
		fprintf(stderr, "csgw receipt: %s: cannot read: %s\n", file, strerror(errno));
		rc = EX_IOERR;
		goto out;
	}
	char *copy = xstrdup(file);
	receipt_set_file_name(s->set, &r, basename(copy));
	free(copy);
	r.received = time(NULL);

	unsigned long records = 0;
	struct report rep = {.out = stderr, .file = file, .max = MAX_REPORTED};
	if (batch) {
		char *end;
		errno = 0;
		records = strtoul(records_s, &end, 10);
		if (errno || end == records_s || *end) {
			fprintf(stderr, "csgw receipt: --records '%s': expected a number\n",
			        records_s);
			rc = EX_USAGE;
			goto out;
		}
		snprintf(r.batch, sizeof r.batch, "%s", batch);
	} else if (receipt_batch_facts(s->set, opened, s->test_env, r.batch, &records, NULL,
	                               &rep) != MAP_OK) {
		report_finish(&rep);
		fprintf(stderr,
		        "csgw receipt: %s is not a batch csgw can read (above); give --batch and "
		        "--records, and --reject-file to reject it; nothing was written\n",
		        file);
		rc = EX_DATAERR;
		goto out;
	}
	unsigned long rejected = 0;
	for (size_t i = 0; i < r.nresults; i++) {
		if (r.results[i].record > records) {
			fprintf(stderr, "csgw receipt: --reject %lu: %s has %lu records\n",
			        r.results[i].record, file, records);
			rc = EX_USAGE;
			goto out;
		}
		rejected += r.results[i].record > 0;
	}
	r.rejected_count = r.accepted ? rejected : records;
	r.accepted_count = records - r.rejected_count;

	if ((rc = setup_signer(s, NULL, NULL, NULL, &signer)) != 0)
		goto out;
	if (output) {
		out_path = xstrdup(output);
	} else {
		size_t n = strlen(file) + 13;
		out_path = xmalloc(n);
		snprintf(out_path, n, "%s.receipt.xml", file);
	}
	/* Written and signed under a temporary name, published last: a failure
	 * leaves any earlier receipt and its signature as they were. */
	size_t n = strlen(out_path) + 32;
	tmp = xmalloc(n);
	snprintf(tmp, n, "%s.%ld.unsigned.tmp", out_path, (long)getpid());
	sig = signature_path(out_path);
	rep.file = out_path;
	enum map_status ws = receipt_write(s->set, &r, tmp, &rep);
	if (ws != MAP_OK) {
		report_finish(&rep);
		fprintf(stderr, "csgw receipt: no receipt was written\n");
		rc = ws == MAP_IO_ERROR ? EX_IOERR : EX_DATAERR;
		goto out;
	}
	if (cms_sign_file(signer, tmp, sig, NULL, why, sizeof why) < 0) {
		fprintf(stderr, "csgw receipt: %s; no receipt was written\n", why);
		rc = EX_IOERR;
		goto out;
	}
	if (fs_publish(tmp, out_path) < 0) {
		fprintf(stderr, "csgw receipt: %s: cannot write: %s\n", out_path, strerror(errno));
		rc = EX_IOERR;
		goto out;
	}
	printf("%s: receipt for %s (batch %s, sha256 %s): %s, %lu accepted, %lu rejected; "
	       "signed in %s\n",
	       out_path, file, r.batch, r.sha256, r.accepted ? "accepted" : "REJECTED",
	       r.accepted_count, r.rejected_count, sig);
	rc = 0;
out:
	if (tmp)
		unlink(tmp); /* gone already when published */
	if (fd >= 0)
		close(fd);
	cms_signer_free(signer);
	receipt_free(&r);
	free(out_path);
	free(tmp);
	free(sig);
	return rc;
}

static void print_receipt(const char *path, const char *partner, const struct receipt *r)
{
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", gmtime(&r->received));
	printf("%s: authentic receipt from partner %s (state %s)\n", path, partner,
	       r->receiver_state);
	printf("  file      %s\n  sha256    %s\n  batch     %s\n  received  %s\n",
	       r->file_name[0] ? r->file_name : "(not named)", r->sha256, r->batch, when);
	printf("  status    %s: %lu records accepted, %lu rejected\n",
	       r->accepted ? "accepted" : "REJECTED", r->accepted_count, r->rejected_count);
	for (size_t i = 0; i < r->nresults; i++) {
		const struct receipt_result *res = &r->results[i];
		if (res->record == 0)
			printf("  the file:");
		else
			printf("  record %lu:", res->record);
		if (res->nerrors == 0)
			printf(" rejected, no reason given");
		for (unsigned k = 0; k < res->nerrors; k++)
			printf("%s %s %s", k ? ";" : "", res->errors[k].code,
			       res->errors[k].message);
		putchar('\n');
	}
}

/* A private copy of a small file, in memory: what is verified is then what
 * is read, whatever happens to the file meanwhile.  Returns the copy's
 * descriptor (its /proc path in 'copy'), or -1 after printing why. */
static int snapshot(const char *path, char *copy, size_t size)
{
	int in = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), out = -1;
	struct stat st;
	char buf[65536];
	long total = 0;
	ssize_t n;

	if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "csgw receipt: %s: %s\n", path,
		        in < 0 ? strerror(errno) : "not a regular file");
		goto fail;
	}
	if ((out = memfd_create("csgw-receipt", MFD_CLOEXEC)) < 0)
		goto io_error;
	while ((n = read(in, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n)
			goto io_error;
		if ((total += n) > MAX_RECEIPT_BYTES) {
			fprintf(stderr, "csgw receipt: %s: over %ld bytes; not a receipt\n", path,
			        MAX_RECEIPT_BYTES);
			goto fail;
		}
	}
	close(in);
	snprintf(copy, size, "/proc/self/fd/%d", out);
	return out;
io_error:
	fprintf(stderr, "csgw receipt: %s: cannot read: %s\n", path, strerror(errno));
fail:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return -1;
}

static int receipt_check(struct setup *s, int argc, char **argv)
{
	static const struct option options[] = {
	    {"partner", required_argument, NULL, 'p'},
	    {"for", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	const char *partner = NULL, *for_file = NULL;
	struct receipt r = {0};
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "p:", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			partner = optarg;
			break;
		case 'f':
			for_file = optarg;
			break;
		default:
			return usage_error();
		}
	}
	if (optind != argc - 1 || partner == NULL)
		return usage_error();
	const char *path = argv[optind];
	const char *ours = conf_value(&s->conf, "gateway", "state");
	const char *theirs = setup_partner_value(s, partner, "state");
	if (ours == NULL || theirs == NULL) {
		fprintf(stderr,
		        "%s: checking a receipt needs [gateway] state and [partner %s] state\n",
		        setup_conf_name(s), partner);
		return EX_CONFIG;
	}
	char copy[64];
	int fd = snapshot(path, copy, sizeof copy);
	if (fd < 0)
		return EX_NOINPUT;
	struct cms_signed_by by;
	char hex[65];
	if ((rc = cmd_verify_file(s, partner, NULL, path, NULL, &by)) != 0)
		goto out;
	rc = EX_DATAERR;
	if (digest_file_sha256_hex(copy, hex) < 0) {
		fprintf(stderr, "csgw receipt: %s: cannot read its copy: %s\n", path,
		        strerror(errno));
		rc = EX_IOERR;
		goto out;
	}
	if (strcmp(hex, by.sha256) != 0) {
		fprintf(stderr, "csgw receipt: %s changed while it was checked; nothing was read\n",
		        path);
		goto out;
	}
	struct report rep = {.out = stderr, .file = path, .max = MAX_REPORTED};
	enum map_status st = receipt_read(s->set, copy, &r, &rep);
	if (st != MAP_OK) {
		report_finish(&rep);
		fprintf(stderr,
		        "csgw receipt: %s is signed by partner %s but is not a good receipt "
		        "(above)\n",
		        path, partner);
		goto out;
	}
	if (strcmp(ours, r.sender_state) != 0) {
		fprintf(stderr,
		        "csgw receipt: %s acknowledges a file from state %s, not from us (%s)\n",
		        path, r.sender_state, ours);
		goto out;
	}
	if (strcmp(theirs, r.receiver_state) != 0) {
		fprintf(stderr,
		        "csgw receipt: %s says state %s received the file; partner %s is %s\n",
		        path, r.receiver_state, partner, theirs);
		goto out;
	}
	if (for_file) {
		if (digest_file_sha256_hex(for_file, hex) < 0) {
			fprintf(stderr, "csgw receipt: %s: cannot read: %s\n", for_file,
			        strerror(errno));
			rc = EX_NOINPUT;
			goto out;
		}
		if (strcmp(hex, r.sha256) != 0) {
			fprintf(
			    stderr,
			    "csgw receipt: %s acknowledges sha256 %s; %s has sha256 %s: not this "
			    "file\n",
			    path, r.sha256, for_file, hex);
			goto out;
		}
	}
	print_receipt(path, partner, &r);
	rc = 0;
out:
	close(fd);
	receipt_free(&r);
	return rc;
}

int cmd_receipt(struct globals *g, int argc, char **argv)
{
	struct setup s;
	int rc;

	if (cmd_want_help(argc, argv, usage))
		return 0;
	if (argc < 2 || (strcmp(argv[1], "make") != 0 && strcmp(argv[1], "check") != 0))
		return usage_error();
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	if (strcmp(argv[1], "make") == 0)
		rc = receipt_make(&s, argc - 1, argv + 1);
	else
		rc = receipt_check(&s, argc - 1, argv + 1);
	setup_free(&s);
	return rc;
}
