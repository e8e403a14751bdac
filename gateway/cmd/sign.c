/*
 * sign.c - csgw sign and csgw verify: detached CMS signatures beside files.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cmd/cmd.h"
#include "io/cms.h"
#include "util/alloc.h"

static const char sign_usage[] =
    "usage: csgw [-c FILE] sign [--cert PEM --key KEY [--passphrase-file F]] FILE...\n"
    "\n"
    "Writes FILE.p7s beside each FILE: a detached CMS signature (DER, SHA-256,\n"
    "the signing certificate included, signing time) over the exact bytes of\n"
    "FILE, read as a stream. The certificate and key are signing_cert,\n"
    "signing_key and signing_key_passphrase of gateway.conf unless given.\n"
    "The key must be mode 0600; csgw never prompts for a passphrase.\n"
    "Exit 0, 66 a FILE cannot be read, 74 the signature cannot be written,\n"
    "78 the certificate or key cannot be used.\n";

static const char verify_usage[] =
    "usage: csgw [-c FILE] verify [--partner NAME] [--signature SIG] [--ca-bundle PEM] FILE\n"
    "\n"
    "Checks that SIG (default FILE.p7s) is a good detached CMS signature over\n"
    "FILE; that the signer's chain leads to a CA of ca_bundle (gateway.conf);\n"
    "that its certificate is valid now and allows digital signatures; and,\n"
    "with --partner, that the signer IS that partner's certificate ('cert' of\n"
    "[partner NAME]): a good signature by anyone else is a failure.\n"
    "Exit 0 good, 65 the signature is not good (one line says why), 66 FILE\n"
    "cannot be read, 78 configuration.\n";

int cmd_sign(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"cert", required_argument, NULL, 'C'},
	    {"key", required_argument, NULL, 'K'},
	    {"passphrase-file", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cert_opt = NULL, *key_opt = NULL, *pass_opt = NULL;
	struct cms_signer *signer = NULL;
	char why[1024];
	struct setup s;
	int c, rc;

	if (cmd_want_help(argc, argv, sign_usage))
		return 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'C':
			cert_opt = optarg;
			break;
		case 'K':
			key_opt = optarg;
			break;
		case 'P':
			pass_opt = optarg;
			break;
		default:
			fputs(sign_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc || (cert_opt == NULL) != (key_opt == NULL)) {
		fputs(sign_usage, stderr);
		return EX_USAGE;
	}
	if ((rc = cmd_setup(g, cert_opt == NULL, &s)) != 0)
		return rc;
	if ((rc = setup_signer(&s, cert_opt, key_opt, pass_opt, &signer)) != 0)
		goto out;
	for (int i = optind; i < argc; i++) {
		char *sig = signature_path(argv[i]);
		char sha[65];
		int r = cms_sign_file(signer, argv[i], sig, sha, why, sizeof why);
		if (r == 0) {
			printf("%s: signed %s (sha256 %s)\n", sig, argv[i], sha);
		} else {
			fprintf(stderr, "csgw sign: %s; %s was not written\n", why, sig);
			if (rc == 0)
				rc = r == -2 ? EX_NOINPUT : EX_IOERR;
		}
		free(sig);
	}
out:
	cms_signer_free(signer);
	setup_free(&s);
	return rc;
}

int cmd_verify_file(const struct setup *s, const char *partner, const char *ca_opt,
                    const char *file, const char *sig_opt, struct cms_signed_by *by)
{
	char *ca = ca_opt ? xstrdup(ca_opt) : conf_path(&s->conf, "gateway", "ca_bundle");
	char *cert = NULL, *sig = NULL;
	char why[1024];
	int rc = EX_CONFIG;

	if (ca == NULL) {
		fprintf(stderr, "%s: [gateway] has no ca_bundle; expected the trusted CA bundle\n",
		        setup_conf_name(s));
		goto out;
	}
	if (partner && (cert = setup_partner_path(s, partner, "cert")) == NULL) {
		fprintf(stderr,
		        "%s: no partner '%s' with a 'cert' (expected a [partner %s] section naming "
		        "its signing certificate)\n",
		        setup_conf_name(s), partner, partner);
		goto out;
	}
	sig = sig_opt ? xstrdup(sig_opt) : signature_path(file);
	struct cms_trust trust = {.ca_bundle = ca, .partner_cert = cert};
	switch (cms_verify_file(&trust, file, sig, by, why, sizeof why)) {
	case SIG_OK:
		rc = 0;
		break;
	case SIG_BAD:
		fprintf(stderr, "csgw: signature REJECTED: %s\n", why);
		rc = EX_DATAERR;
		break;
	case SIG_NO_INPUT:
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_NOINPUT;
		break;
	case SIG_CONFIG:
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_CONFIG;
		break;
	case SIG_IO_ERROR:
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
		break;
	}
out:
	free(ca);
	free(cert);
	free(sig);
	return rc;
}

int cmd_verify(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"partner", required_argument, NULL, 'p'},
	    {"signature", required_argument, NULL, 's'},
	    {"ca-bundle", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *partner = NULL, *sig_opt = NULL, *ca_opt = NULL;
	struct cms_signed_by by;
	struct setup s;
	int c, rc;

	if (cmd_want_help(argc, argv, verify_usage))
		return 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "p:", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			partner = optarg;
			break;
		case 's':
			sig_opt = optarg;
			break;
		case 'a':
			ca_opt = optarg;
			break;
		default:
			fputs(verify_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(verify_usage, stderr);
		return EX_USAGE;
	}
	const char *file = argv[optind];
	if ((rc = cmd_setup(g, ca_opt == NULL || partner != NULL, &s)) != 0)
		return rc;
	rc = cmd_verify_file(&s, partner, ca_opt, file, sig_opt, &by);
	if (rc == 0) {
		char when[32] = "no signing time";
		if (by.signing_time)
			strftime(when, sizeof when, "signed %Y-%m-%d %H:%M:%SZ",
			         gmtime(&by.signing_time));
		printf("%s: good signature by '%s'%s%s, %s, sha256 %s\n", file, by.subject,
		       partner ? ", partner " : "", partner ? partner : "", when, by.sha256);
	}
	setup_free(&s);
	return rc;
}
