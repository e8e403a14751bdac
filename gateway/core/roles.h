/*
 * roles.h - who may do what: roles, the commands each needs, and for whom
 * a role may ask.
 *
 * A role is given to the members of Unix groups, as gateway.conf says:
 *
 *     [roles]
 *     caseworker = csgw-caseworkers      ; groups, space- or comma-separated
 *     supervisor = csgw-supervisors
 *     compliance = csgw-compliance
 *     operator = csgw-operators
 *     caseworker_requesters = iv-d-agency            ; whom the role may ask for
 *     supervisor_requesters = iv-d-agency court custody-authority
 *     caseworker_purposes = child-support            ; default: what the class may
 *     order_required = court custody-authority       ; acting for them needs --order
 *
 * roles_rule() is the one table of commands served by the daemon and the
 * roles each needs (README "Roles").  Commands not in it need no secret
 * and run as the person who typed them.
 */
#ifndef CSGW_CORE_ROLES_H
#define CSGW_CORE_ROLES_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/conf.h"

enum {
	ROLE_CASEWORKER = 1,
	ROLE_SUPERVISOR = 2,
	ROLE_COMPLIANCE = 4,
	ROLE_OPERATOR = 8,
	ROLE_ALL = 15,
};

#define ROLE_COUNT 4
/* "caseworker"...; index i names bit 1 << i. */
extern const char *const role_names[ROLE_COUNT];

/* "caseworker or supervisor" (any of 'roles'), or "" for none. */
void roles_format(unsigned roles, const char *joiner, char *buf, unsigned long size);

/* A command the daemon serves, and the roles that may run it (any one). */
struct role_rule {
	const char *command; /* "locate" */
	const char *sub;     /* "set", or NULL: any subcommand */
	unsigned roles;
};

/* The rule of argv (argv[0] is the command name), or NULL when that
 * command is not served by the daemon (it needs no secret). */
const struct role_rule *roles_rule(int argc, char *const *argv);

/* The roles of a user: those whose groups in [roles] hold 'user' or whose
 * group is 'gid' (the user's primary group). */
unsigned roles_of_user(const struct conf *, const char *user, gid_t gid);

/* Whether one of 'roles' may ask for 'requester' (a recipient class) with
 * 'purpose'; false with the reason in 'why'. */
bool roles_may_request(const struct conf *, unsigned roles, const char *requester,
                       const char *purpose, char *why, unsigned long whylen);

/* Whether acting for 'requester' needs a court or custody order reference
 * (42 U.S.C. 663): [roles] order_required, default "court custody-authority". */
bool roles_order_required(const struct conf *, const char *requester);

#endif
