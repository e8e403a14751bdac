/*
 * crash.h - named crash points, for the crash tests (SQLite's idea).
 *
 * crash_point("uploaded") kills the process with SIGKILL, as kill -9
 * would, when $CSGW_CRASH_POINT is "uploaded": the tests place a crash
 * exactly between two durable steps, where a random kill rarely lands,
 * and check that the next run loses nothing and delivers nothing twice.
 * Without the variable it does nothing.
 */
#ifndef CSGW_UTIL_CRASH_H
#define CSGW_UTIL_CRASH_H

void crash_point(const char *name);

#endif
