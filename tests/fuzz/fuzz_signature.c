/*
 * fuzz_signature.c - libFuzzer target: csgw verify's handling of a hostile
 * .p7s (io/cms.c) over a fixed content file, trusting the development CA.
 *
 * $CSGW_FUZZ_PKI names a folder made by certs/init-dev.sh (tests/fuzz/run.sh
 * makes one); the content is $CSGW_FUZZ_PKI/content.txt.  Every other
 * signer is refused, but the parse and every check before it run.
 */
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "io/cms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char ca[512], partner[512], content[512];
	const char *pki = getenv("CSGW_FUZZ_PKI");
	struct cms_signed_by by;
	char path[64], why[1024];

	if (pki == NULL)
		abort();
	snprintf(ca, sizeof ca, "%s/ca/ca.pem", pki);
	snprintf(partner, sizeof partner, "%s/ca06/local/signing.pem", pki);
	snprintf(content, sizeof content, "%s/content.txt", pki);
	int fd = fuzz_file(data, size, path, sizeof path);
	/* Both ways: with the partner named, and any signer of the CA. */
	struct cms_trust named = {.ca_bundle = ca, .partner_cert = partner};
	struct cms_trust any = {.ca_bundle = ca, .partner_cert = NULL};
	cms_verify_file(&named, content, path, &by, why, sizeof why);
	cms_verify_file(&any, content, path, &by, why, sizeof why);
	close(fd);
	return 0;
}
