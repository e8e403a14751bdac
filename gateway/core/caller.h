/*
 * caller.h - the person on whose behalf this process acts.
 *
 * A command run directly (by root or the gateway's own account, or the
 * daemon's scheduled work) acts as the process's user with every role.  A
 * command that a person handed to the daemon through the control socket
 * (cmd/control.c) acts as that person: the kernel said who (SO_PEERCRED),
 * the group list and [roles] said which roles.  Audit entries, ledger rows
 * and refusals name caller_get()->user, never the service account.
 */
#ifndef CSGW_CORE_CALLER_H
#define CSGW_CORE_CALLER_H

#include <stdbool.h>

struct caller {
	char user[64];  /* login name, or "uid N" for a uid with no name */
	long uid;       /* as the kernel said */
	unsigned roles; /* ROLE_* bits of core/roles.h */
	bool person;    /* through the control socket, with only these roles */
};

/* The caller: the one set, else the process's own user with every role. */
const struct caller *caller_get(void);
void caller_set(const struct caller *);

/* "alice" or "uid 1234": the login name of a uid. */
void caller_user_name(long uid, char *buf, unsigned long size);

#endif
