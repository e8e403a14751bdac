/*
 * log.h - the daemon's log lines and their priority, for journald.
 *
 * Under systemd ($JOURNAL_STREAM names the standard output or error, as
 * systemd.exec(5) says) every line starts with its sd-daemon priority,
 * "<3>" error, "<4>" warning, "<5>" notice, "<6>" info, so that
 * `journalctl -p warning` shows exactly what needs a person.  Anywhere else
 * (a terminal, a file, a test) lines are plain.  The levels:
 *
 *   LOG_ERR      something here failed (a disk, the database, a key)
 *   LOG_WARNING  a person must act: held, quarantined, overdue, unmatched
 *   LOG_NOTICE   a fault csgw retries by itself (a partner unreachable)
 *   LOG_INFO     routine: taken, sent, received, delivered
 */
#ifndef CSGW_UTIL_LOG_H
#define CSGW_UTIL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO */

/* When the standard output or error is the journal: from now on each line
 * written to them that does not name its priority gets one (stdout info,
 * stderr error).  Call once, at the daemon's start; elsewhere a no-op. */
void log_for_journal(void);

/* Whether log_for_journal() found the journal. */
bool log_journal(void);

/* Begins a line of 'priority' on 'out': its "<N>" under journald, nothing
 * otherwise.  The caller writes the rest of the line. */
void log_begin(FILE *out, int priority);

/* One whole line of 'priority' ('\n' added). */
__attribute__((format(printf, 3, 4))) void log_line(FILE *out, int priority, const char *fmt, ...);
void log_vline(FILE *out, int priority, const char *fmt, va_list);

#endif
