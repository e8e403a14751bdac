/*
 * notify.h - tells systemd how the daemon is doing (sd_notify protocol).
 *
 * Sends one datagram to the unix socket named by $NOTIFY_SOCKET (a path,
 * or '@' for the abstract namespace): "READY=1", "RELOADING=1",
 * "STOPPING=1", "STATUS=...".  Without $NOTIFY_SOCKET (not started by
 * systemd) it does nothing.  Returns 0 (sent or nothing to do) or -1 with
 * errno; a daemon goes on either way.
 */
#ifndef CSGW_UTIL_NOTIFY_H
#define CSGW_UTIL_NOTIFY_H

int notify_systemd(const char *state);

#endif
