/*
 * thread.c - helper threads that leave signals to the thread waiting for
 * them (thread.h).
 */
#include "util/thread.h"

#include <errno.h>
#include <signal.h>

int thread_start(pthread_t *thread, void *(*run)(void *), void *arg)
{
	sigset_t all, old;

	/* The new thread inherits the mask it is created under. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(thread, NULL, run, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		errno = rc; /* for callers that report errno, as after a system call */
	return rc;
}
