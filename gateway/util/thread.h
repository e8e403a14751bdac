/*
 * thread.h - helper threads that leave signals to the thread waiting for
 * them.
 *
 * csgw's helper threads overlap two stages of one job: the disclose
 * writer, the batch parsed ahead, the audit builder, the reader of the
 * sandboxed parser's answer, the control socket's listener.  A signal must
 * reach the thread that waits for it (the daemon's main loop, whose poll
 * the self-pipe wakes), not a helper in the middle of its work, so a
 * helper starts with every signal blocked.
 */
#ifndef CSGW_UTIL_THREAD_H
#define CSGW_UTIL_THREAD_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread; its result
 * (0, or an error number, also left in errno). */
int thread_start(pthread_t *thread, void *(*run)(void *), void *arg);

#endif
