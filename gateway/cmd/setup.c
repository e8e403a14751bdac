/*
 * setup.c - what every command loads first: configuration and mappings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"
#include "core/mapping_load.h"
#include "core/ssn.h"
#include "io/fs.h"
#include "io/secret.h"
#include "util/alloc.h"

int cmd_environment_option(struct globals *g, const char *value)
{
	if (strcmp(value, "test") != 0 && strcmp(value, "production") != 0) {
		fprintf(stderr, "csgw: --environment '%s': expected production or test\n", value);
		return EX_USAGE;
	}
	g->environment = value;
	return 0;
}

int cmd_setup(const struct globals *g, bool conf_required, struct setup *s)
{
	const char *dir = g->mappings;
	char *from_conf = NULL;

	memset(s, 0, sizeof *s);
	if (conf_load(g->conf_path, conf_required, &s->conf, stderr) < 0)
		return EX_CONFIG;
	s->test_env = s->conf.test_env;
	if (g->environment)
		s->test_env = strcmp(g->environment, "test") == 0;
	if (dir == NULL && (from_conf = conf_path(&s->conf, "gateway", "mappings")) != NULL)
		dir = from_conf;
	if (dir == NULL)
		dir = getenv("CSGW_MAPPINGS");
	if (dir == NULL)
		dir = mapping_default_dir();
	int rc = mapping_load(dir, &s->set, stderr);
	s->mappings_dir = xstrdup(dir);
	free(from_conf);
	if (rc < 0) {
		fprintf(
		    stderr,
		    "csgw: the mapping definitions in %s have problems (above); nothing was done\n",
		    dir);
		conf_free(&s->conf);
		free(s->mappings_dir);
		s->mappings_dir = NULL;
		return EX_CONFIG;
	}
	return 0;
}

void cmd_teardown(struct setup *s)
{
	mapping_free(s->set);
	s->set = NULL;
	free(s->mappings_dir);
	s->mappings_dir = NULL;
	conf_free(&s->conf);
}

bool cmd_asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

bool cmd_want_help(int argc, char **argv, const char *usage)
{
	if (!cmd_asks_help(argc, argv))
		return false;
	fputs(usage, stdout);
	return true;
}

char *cmd_signature_path(const char *file)
{
	size_t n = strlen(file) + sizeof ".p7s";
	char *sig = xmalloc(n);
	snprintf(sig, n, "%s.p7s", file);
	return sig;
}

const char *cmd_conf_name(const struct setup *s)
{
	return s->conf.ini ? s->conf.ini->path : "(no gateway.conf found)";
}

char *cmd_partner_path(const struct setup *s, const char *partner, const char *key)
{
	size_t n = strlen(partner) + 9;
	char *section = xmalloc(n);
	snprintf(section, n, "partner %s", partner);
	char *path = conf_path(&s->conf, section, key);
	free(section);
	return path;
}

const char *cmd_partner_value(const struct setup *s, const char *partner, const char *key)
{
	char section[300];
	snprintf(section, sizeof section, "partner %s", partner);
	return conf_value(&s->conf, section, key);
}

int cmd_ssn_option(const struct setup *s, const char *arg, char digits[10], char masked[16])
{
	size_t n = 0;
	for (const char *d = arg; *d && n < 10; d++)
		if (*d != '-')
			digits[n++] = *d;
	digits[n < 10 ? n : 9] = '\0';
	ssn_mask(arg, strlen(arg), masked);
	const char *problem = n == 9 ? ssn_problem(digits, 9, s->test_env) : "not 9 digits";
	if (problem) {
		fprintf(stderr, "csgw: --ssn %s: %s\n", masked, problem);
		return EX_USAGE;
	}
	return 0;
}

int cmd_subject_key(const struct setup *s, char *key, size_t size)
{
	char *path = conf_path(&s->conf, "gateway", "subject_key");
	char why[1024];
	int rc = 0;

	if (path == NULL) {
		fputs("csgw: subject_key: not in [gateway]; it keys SSN searches\n", stderr);
		rc = EX_CONFIG;
	} else if (secret_read_line(path, key, size, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: subject_key: %s\n", why);
		rc = EX_CONFIG;
	}
	free(path);
	return rc;
}

/* One send or fetch per partner at a time: they share .part files.  The
 * lock's descriptor in *fd, or an exit code after printing why. */
int cmd_lock_partner(const struct setup *s, const char *name, int *fd)
{
	char *spool = conf_path(&s->conf, "gateway", "spool");
	int rc = 0;

	if (spool == NULL) {
		fprintf(stderr, "%s: [gateway] has no spool\n", cmd_conf_name(s));
		return EX_CONFIG;
	}
	char *path = xasprintf("%s/.partner-%s.lock", spool, name);
	if ((*fd = fs_lock(path)) < 0) {
		if (errno == EWOULDBLOCK) {
			fprintf(stderr,
			        "csgw: another csgw is exchanging files with partner %s (lock %s); "
			        "try again later\n",
			        name, path);
			rc = EX_TEMPFAIL;
		} else {
			fprintf(stderr, "csgw: %s: %s\n", path, strerror(errno));
			rc = EX_CANTCREAT;
		}
	}
	free(path);
	free(spool);
	return rc;
}

void cmd_json_string(const char *v)
{
	putchar('"');
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

char *cmd_db_path(const struct setup *s, const char *key, const char *name)
{
	char *path = conf_path(&s->conf, "gateway", key);
	if (path)
		return path;
	char *audit = conf_path(&s->conf, "gateway", "audit_db");
	if (audit == NULL)
		return NULL;
	char *slash = strrchr(audit, '/');
	path = xasprintf("%.*s%s", slash ? (int)(slash - audit + 1) : 0, audit, name);
	free(audit);
	return path;
}
