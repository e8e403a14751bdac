/*
 * partner.c - a partner's section of gateway.conf, as the transport needs it.
 */
#include "core/partner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/secret.h"
#include "util/alloc.h"

/* A number from [section] key, or 'fallback' when absent; -1 on a bad
 * value (check-config explains the limits). */
static long number(const struct conf *conf, const char *section, const char *key, long fallback,
                   long min, long max, FILE *err)
{
	const char *v = conf_value(conf, section, key);
	char *end;

	if (v == NULL)
		return fallback;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max) {
		fprintf(err,
		        "%s: [%s] %s: '%s' is out of range (%ld to %ld); run csgw check-config\n",
		        conf->ini->path, section, key, v, min, max);
		return -1;
	}
	return n;
}

int partner_link_load(const struct conf *conf, const char *name, struct partner_link *p, FILE *err)
{
	char section[160], why[1024], pass[1024];
	static const char *const required[] = {"host",          "user", "ssh_key", "remote_inbox",
	                                       "remote_outbox", "cert", NULL};
	long port, connect_s, io_s, buffer;

	memset(p, 0, sizeof *p);
	snprintf(section, sizeof section, "partner %s", name);
	if (conf->ini == NULL || ini_section_line(conf->ini, section) == 0) {
		fprintf(err, "%s: no [partner %s] section; expected one per partner\n",
		        conf->ini ? conf->ini->path : "gateway.conf", name);
		return -1;
	}
	for (int i = 0; required[i]; i++) {
		if (conf_value(conf, section, required[i]) == NULL) {
			fprintf(err, "%s: [%s] has no '%s'; run csgw check-config\n",
			        conf->ini->path, section, required[i]);
			return -1;
		}
	}
	if ((port = number(conf, section, "port", 22, 1, 65535, err)) < 0 ||
	    (connect_s = number(conf, section, "connect_timeout", 15, 1, 3600, err)) < 0 ||
	    (io_s = number(conf, section, "io_timeout", 60, 1, 3600, err)) < 0 ||
	    (buffer = number(conf, section, "transfer_buffer", DEFAULT_TRANSFER_BUFFER, SFTP_PACKET,
	                     100 * SFTP_PACKET, err)) < 0)
		return -1;
	p->name = xstrdup(name);
	p->key_path = conf_path(conf, section, "ssh_key");
	p->known_hosts = conf_path(conf, section, "known_hosts");
	p->remote_inbox = xstrdup(conf_value(conf, section, "remote_inbox"));
	p->remote_outbox = xstrdup(conf_value(conf, section, "remote_outbox"));
	const char *done = conf_value(conf, section, "remote_done");
	p->remote_done = done ? xstrdup(done) : NULL;
	p->cert = conf_path(conf, section, "cert");
	const char *fsync_v = conf_value(conf, section, "remote_fsync");
	if (fsync_v && strcmp(fsync_v, "yes") != 0 && strcmp(fsync_v, "no") != 0) {
		fprintf(err, "%s: [%s] remote_fsync: '%s'; expected yes or no\n", conf->ini->path,
		        section, fsync_v);
		partner_link_free(p);
		return -1;
	}
	/* libssh2 opens the key by its name: the rules of io/secret.h first. */
	if (p->key_path && secret_check(p->key_path, "SSH key", why, sizeof why) < 0) {
		fprintf(err, "csgw: [%s] ssh_key: %s\n", section, why);
		partner_link_free(p);
		return -1;
	}
	char *pass_path = conf_path(conf, section, "ssh_key_passphrase");
	if (pass_path) {
		int rc = secret_read_line(pass_path, pass, sizeof pass, why, sizeof why);
		free(pass_path);
		if (rc < 0) {
			fprintf(err, "csgw: [%s] ssh_key_passphrase: %s\n", section, why);
			partner_link_free(p);
			return -1;
		}
		p->passphrase = xstrdup(pass);
		memset(pass, 0, sizeof pass);
	}
	p->ssh = (struct sftp_options){
	    .host = conf_value(conf, section, "host"),
	    .port = (unsigned)port,
	    .user = conf_value(conf, section, "user"),
	    .key_path = p->key_path,
	    .key_passphrase = p->passphrase,
	    .known_hosts = p->known_hosts,
	    .fingerprint = conf_value(conf, section, "host_fingerprint"),
	    .connect_timeout_s = (unsigned)connect_s,
	    .io_timeout_s = (unsigned)io_s,
	    .buffer_size = (size_t)buffer,
	    .remote_fsync = fsync_v == NULL || strcmp(fsync_v, "yes") == 0,
	};
	return 0;
}

void partner_link_free(struct partner_link *p)
{
	if (p->passphrase)
		memset(p->passphrase, 0, strlen(p->passphrase));
	free(p->name);
	free(p->key_path);
	free(p->known_hosts);
	free(p->passphrase);
	free(p->remote_inbox);
	free(p->remote_outbox);
	free(p->remote_done);
	free(p->cert);
	memset(p, 0, sizeof *p);
}
