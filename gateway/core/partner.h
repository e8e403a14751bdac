/*
 * partner.h - a partner's section of gateway.conf, as the transport needs it.
 *
 * Resolves paths against the configuration file's folder, reads the SSH
 * key's passphrase file, and fills in the defaults: port 22, connect
 * timeout 15 s, inactivity timeout 60 s, a
 * transfer buffer of DEFAULT_TRANSFER_BUFFER bytes, and remote fsync on.
 */
#ifndef CSGW_CORE_PARTNER_H
#define CSGW_CORE_PARTNER_H

#include <stdio.h>

#include "core/conf.h"
#include "io/sftp.h"

/* 20 packets of 30000 bytes: past this, loopback throughput gains little. */
#define DEFAULT_TRANSFER_BUFFER (20 * SFTP_PACKET)

struct partner_link {
	char *name;
	struct sftp_options ssh;
	char *remote_inbox, *remote_outbox, *remote_done; /* remote_done may be NULL */
	char *cert;                                       /* the partner's signing certificate */
	/* owned copies behind the sftp_options pointers */
	char *key_path, *known_hosts, *passphrase;
};

/* 0, or -1 after printing what is missing or wrong (the configuration
 * file and key named).  check-config reports the same problems in full. */
int partner_link_load(const struct conf *, const char *name, struct partner_link *, FILE *err);
void partner_link_free(struct partner_link *);

#endif
