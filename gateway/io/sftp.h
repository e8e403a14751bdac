/*
 * sftp.h - an SFTP client session with one partner (libssh2).
 *
 * sftp_connect() opens TCP with a timeout, checks the host key against
 * known_hosts (libssh2's knownhost API, [host]:port for other ports) or a
 * pinned SHA-256 fingerprint, authenticates with a key file and starts
 * SFTP.  The session is non-blocking: every wait polls the socket and
 * gives up after the inactivity timeout, so a dead peer cannot hang the
 * caller.
 *
 * Every function returns an enum sftp_fault; anything but SFTP_OK leaves
 * a one-line reason in sftp_message() (paths and host names, never file
 * contents).  The fault says who must act: SFTP_TEMPORARY means try again
 * later, the others need a person.  After SFTP_TEMPORARY the session is
 * dead; close it.  Transfers are plain reads and writes at an offset: the
 * .part naming, resume and publishing rules live in core/transfer.c.
 */
#ifndef CSGW_IO_SFTP_H
#define CSGW_IO_SFTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum sftp_fault {
	SFTP_OK = 0,
	SFTP_TEMPORARY,    /* refused, reset, timeout, EOF, server busy or full */
	SFTP_HOST_UNKNOWN, /* no entry for the host in known_hosts */
	SFTP_HOST_CHANGED, /* the host offered a different key */
	SFTP_AUTH,         /* our key was refused */
	SFTP_DENIED,       /* permission denied on a remote path */
	SFTP_NO_SUCH,      /* the remote path does not exist */
	SFTP_EXISTS,       /* the remote target already exists */
	SFTP_FAILED,       /* any other refusal by the server */
	SFTP_LOCAL,        /* our side: a key or local file that cannot be used */
	SFTP_CHANGED,      /* a remote file changed while it was read: skipped this run */
};

/* libssh2 sends SFTP writes in packets of this many bytes. */
#define SFTP_PACKET 30000

struct sftp_options {
	const char *host;
	unsigned port;
	const char *user;
	const char *key_path;       /* private key file: ed25519, ECDSA or RSA */
	const char *key_passphrase; /* NULL for an unencrypted key */
	const char *known_hosts;    /* NULL when 'fingerprint' pins the key */
	const char *fingerprint;    /* "SHA256:base64" or NULL */
	unsigned connect_timeout_s; /* TCP connect, handshake and authentication */
	unsigned io_timeout_s;      /* no progress for this long: the peer is dead */
	size_t buffer_size;         /* bytes in flight per transfer */
	bool remote_fsync;          /* ask the server to fsync uploads (fsync@openssh.com) */
};

struct sftp_conn;

/* Always returns a session object in *out (free it with sftp_close), so
 * that the host key seen and the message can be shown after a failure. */
enum sftp_fault sftp_connect(const struct sftp_options *, struct sftp_conn **out);
void sftp_close(struct sftp_conn *);

const char *sftp_message(const struct sftp_conn *);
/* The host key as ssh(1) shows it: type ("ssh-ed25519") and
 * "SHA256:base64", or "" before the handshake. */
const char *sftp_host_key_type(const struct sftp_conn *);
const char *sftp_host_fingerprint(const struct sftp_conn *);

struct sftp_entry {
	char *name;      /* as the server sent it, NUL-terminated */
	size_t name_len; /* bytes the server sent: != strlen(name) if it held a NUL */
	uint64_t size;
	time_t mtime; /* last modified, 0 when the server did not say */
	bool regular; /* a regular file (not a folder, link or device) */
};

/* The entries of a remote folder except "." and "..", sorted by name: at
 * most SFTP_LIST_MAX of them (a folder of more is worked off over several
 * runs). */
#define SFTP_LIST_MAX 100000
enum sftp_fault sftp_list(struct sftp_conn *, const char *dir, struct sftp_entry **entries,
                          size_t *count);
void sftp_entries_free(struct sftp_entry *, size_t count);
/* The entry of that name in a list from sftp_list, or NULL. */
const struct sftp_entry *sftp_find_entry(const struct sftp_entry *, size_t count, const char *name);

/* *exists false (and SFTP_OK) when the path is absent. */
enum sftp_fault sftp_size(struct sftp_conn *, const char *path, bool *exists, uint64_t *size);

/* Writes bytes [from, size) of local fd to the remote file at the same
 * offsets, creating it (truncating it when from is 0), then, with
 * remote_fsync, asks the server to fsync it when it can.  Pipelined: buffer_size bytes in flight.
 * 'seen' (may be NULL) gets every chunk as it is read from fd, in order. */
typedef int sftp_sink(void *ctx, const void *data, size_t len);
enum sftp_fault sftp_put(struct sftp_conn *, int fd, uint64_t from, uint64_t size,
                         const char *remote, sftp_sink *seen, void *ctx);

/* Reads the remote file from offset 'from' to its end, handing every chunk
 * in order to 'sink' (which returns 0, or -1 with errno: SFTP_LOCAL).
 * *got is the number of bytes handed over, also on failure. */
enum sftp_fault sftp_get(struct sftp_conn *, const char *remote, uint64_t from, sftp_sink *,
                         void *ctx, uint64_t *got);

/* Reads exactly len bytes at offset into buf (a short file is SFTP_FAILED). */
enum sftp_fault sftp_read_at(struct sftp_conn *, const char *remote, uint64_t offset, void *buf,
                             size_t len);

/* Renames; the server refuses when 'to' exists (OpenSSH links, then
 * unlinks), so nothing is overwritten: SFTP_EXISTS or SFTP_FAILED then. */
enum sftp_fault sftp_rename(struct sftp_conn *, const char *from, const char *to);
enum sftp_fault sftp_remove(struct sftp_conn *, const char *path);

/* Can we list the folder?  Can we create a file in it?  (A probe file is
 * created and removed.) */
enum sftp_fault sftp_dir_readable(struct sftp_conn *, const char *dir);
enum sftp_fault sftp_dir_writable(struct sftp_conn *, const char *dir);

#endif
