/*
 * caller.c - the person on whose behalf this process acts.
 */
#include "core/caller.h"

#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "core/roles.h"

static struct caller current;
static bool current_set;

void caller_user_name(long uid, char *buf, unsigned long size)
{
	const struct passwd *pw = getpwuid((uid_t)uid);
	if (pw)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "uid %ld", uid);
}

const struct caller *caller_get(void)
{
	if (!current_set) {
		current.uid = (long)getuid();
		caller_user_name(current.uid, current.user, sizeof current.user);
		current.roles = ROLE_ALL;
		current.person = false;
		current_set = true;
	}
	return &current;
}

void caller_set(const struct caller *c)
{
	current = *c;
	current_set = true;
}
