/*
 * roles.c - who may do what: roles, the commands each needs, and for whom
 * a role may ask.
 */
#include "core/roles.h"

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

const char *const role_names[ROLE_COUNT] = {"caseworker", "supervisor", "compliance", "operator"};

/* The one table: what the daemon serves and who may ask for it. */
static const struct role_rule rules[] = {
    {"locate", NULL, ROLE_CASEWORKER | ROLE_SUPERVISOR},
    {"refer", NULL, ROLE_CASEWORKER | ROLE_SUPERVISOR},
    {"case", "show", ROLE_CASEWORKER | ROLE_SUPERVISOR},
    {"case", NULL, ROLE_SUPERVISOR},
    {"protect", "list", ROLE_SUPERVISOR | ROLE_COMPLIANCE},
    {"protect", NULL, ROLE_SUPERVISOR},
    {"audit", "search", ROLE_COMPLIANCE},
    {"audit", "verify", ROLE_COMPLIANCE},
    {"audit", "proof", ROLE_COMPLIANCE},
    {"audit", "report", ROLE_COMPLIANCE},
    {"audit", "accounting", ROLE_COMPLIANCE},
    {"audit", "checkpoint", ROLE_COMPLIANCE | ROLE_OPERATOR},
    {"audit", "witnesses", ROLE_COMPLIANCE | ROLE_OPERATOR},
    {"audit", "witness-release", ROLE_COMPLIANCE},
    {"policy", "explain", ROLE_COMPLIANCE},
    {"status", NULL, ROLE_OPERATOR},
    {"queue", NULL, ROLE_OPERATOR},
    {"purge", "--dry-run", ROLE_OPERATOR | ROLE_COMPLIANCE},
    {"purge", NULL, ROLE_OPERATOR},
    {"partner", "check", ROLE_OPERATOR},
};

void roles_format(unsigned roles, const char *joiner, char *buf, unsigned long size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int i = 0; i < ROLE_COUNT && o < size; i++)
		if (roles & (1u << i))
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? joiner : "",
			                      role_names[i]);
}

const struct role_rule *roles_rule(int argc, char *const *argv)
{
	for (size_t i = 0; argc >= 1 && i < sizeof rules / sizeof rules[0]; i++) {
		const struct role_rule *r = &rules[i];
		if (strcmp(argv[0], r->command) != 0)
			continue;
		if (r->sub == NULL || (argc >= 2 && strcmp(argv[1], r->sub) == 0))
			return r;
	}
	/* audit and policy serve only the subcommands above; the rest
	 * (audit check-proof, policy check, policy apply) run where typed. */
	return NULL;
}

static bool group_holds(const char *group, const char *user, gid_t gid)
{
	const struct group *gr = getgrnam(group);
	if (gr == NULL)
		return false;
	if (gr->gr_gid == gid)
		return true;
	for (char **m = gr->gr_mem; m && *m; m++)
		if (strcmp(*m, user) == 0)
			return true;
	return false;
}

unsigned roles_of_user(const struct conf *conf, const char *user, gid_t gid)
{
	unsigned roles = 0;
	for (int i = 0; i < ROLE_COUNT; i++) {
		const char *groups = conf_value(conf, "roles", role_names[i]);
		if (groups == NULL)
			continue;
		char *copy = xstrdup(groups);
		for (char *save = NULL, *g = strtok_r(copy, " ,", &save); g;
		     g = strtok_r(NULL, " ,", &save))
			if (group_holds(g, user, gid))
				roles |= 1u << i;
		free(copy);
	}
	return roles;
}

/* The default requester classes of a role: a caseworker asks for the
 * agency; a supervisor may act for a court or custody authority too. */
static const char *default_requesters(int role)
{
	if ((1u << role) == ROLE_CASEWORKER)
		return "iv-d-agency";
	if ((1u << role) == ROLE_SUPERVISOR)
		return "iv-d-agency court custody-authority resident-parent child-welfare";
	return "";
}

bool roles_may_request(const struct conf *conf, unsigned roles, const char *requester,
                       const char *purpose, char *why, unsigned long whylen)
{
	bool class_ok = false;
	char key[64];

	for (int i = 0; i < ROLE_COUNT; i++) {
		if (!(roles & (1u << i)))
			continue;
		snprintf(key, sizeof key, "%s_requesters", role_names[i]);
		const char *classes = conf_value(conf, "roles", key);
		if (!conf_list_has(classes ? classes : default_requesters(i), requester))
			continue;
		class_ok = true;
		snprintf(key, sizeof key, "%s_purposes", role_names[i]);
		const char *purposes = conf_value(conf, "roles", key);
		if (purposes == NULL || conf_list_has(purposes, purpose))
			return true;
	}
	char names[64];
	roles_format(roles, ", ", names, sizeof names);
	if (!class_ok)
		snprintf(why, whylen, "your role (%s) may not ask for a %s requester ([roles] %s)",
		         names[0] ? names : "none", requester, "ROLE_requesters");
	else
		snprintf(why, whylen,
		         "your role (%s) may not ask for the purpose %s ([roles] ROLE_purposes)",
		         names, purpose);
	return false;
}

bool roles_order_required(const struct conf *conf, const char *requester)
{
	const char *list = conf_value(conf, "roles", "order_required");
	return conf_list_has(list ? list : "court custody-authority", requester);
}
