/*
 * control_socket.h - the daemon's local control socket: a Unix socket of
 * SOCK_SEQPACKET messages (core/control.h says what they hold), with file
 * descriptors passed beside them and the caller named by the kernel.
 *
 * Functions return 0 or a descriptor, or -1 with errno set and, where
 * there is a 'why', a one-line reason naming the socket.
 */
#ifndef CSGW_IO_CONTROL_SOCKET_H
#define CSGW_IO_CONTROL_SOCKET_H

#include <stdbool.h>
#include <stddef.h>

/* Listens at path (a socket another process still serves is left alone
 * and refused; a stale one is replaced).  The socket is mode 0666: its
 * folder's mode and group decide who may connect.  Close-on-exec. */
int control_listen(const char *path, char *why, size_t whylen);

/* Connects to path, close-on-exec. */
int control_connect(const char *path, char *why, size_t whylen);

/* Sends one message with 'nfds' descriptors. */
int control_send(int sock, const void *msg, size_t len, const int *fds, int nfds);

/* Receives one message into buf (at most size bytes) and up to 'maxfds'
 * descriptors (close-on-exec) into fds, their count into *nfds.  Returns
 * its length (0: the peer closed), or -1.  *truncated: the message or its
 * descriptors did not fit (what was received is closed by the caller). */
long control_recv(int sock, void *buf, size_t size, int *fds, int maxfds, int *nfds,
                  bool *truncated);

/* Who is at the other end, as the kernel says (SO_PEERCRED). */
int control_peer(int sock, long *uid, long *gid, long *pid);

/* A receive timeout, so a silent peer cannot hold a server forever. */
void control_timeout(int sock, int seconds);

#endif
