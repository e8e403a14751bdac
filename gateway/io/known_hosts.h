/*
 * known_hosts.h - does an OpenSSH known_hosts file know this host?
 *
 * Reads plain, wildcard and hashed (|1|salt|hash, HMAC-SHA1) host fields,
 * and [host]:port for ports other than 22, as ssh(1) does.  Marker lines
 * (@revoked, @cert-authority) never count as knowing a host.  Used by check-config, and by
 * the transport to ask the server for a key type it knows (the key itself
 * is checked through libssh2).
 */
#ifndef CSGW_IO_KNOWN_HOSTS_H
#define CSGW_IO_KNOWN_HOSTS_H

#include <stddef.h>

/* The key types the file holds for the host, comma-separated in file
 * order ("ssh-ed25519,ecdsa-sha2-nistp256"), "" when none.  0, or -1 with
 * errno if the file cannot be read. */
int known_hosts_types(const char *path, const char *host, unsigned port, char *types, size_t len);

/* 1 if known, 0 if not, -1 with errno if the file cannot be read. */
int known_hosts_has(const char *path, const char *host, unsigned port);

#endif
