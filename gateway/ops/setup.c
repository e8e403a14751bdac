/*
 * setup.c - the gateway an operation works on: its configuration, its
 * mappings, and the stores they name (setup.h).
 */
#include "ops/setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/mapping_load.h"
#include "io/cms.h"
#include "io/fs.h"
#include "io/ledger_db.h"
#include "io/secret.h"
#include "util/alloc.h"
#include "util/ini.h"

int setup_load(const char *conf_file, const char *environment, const char *mappings,
               bool conf_required, struct setup *s)
{
	const char *dir = mappings;
	char *from_conf = NULL;

	memset(s, 0, sizeof *s);
	if (conf_load(conf_file, conf_required, &s->conf, stderr) < 0)
		return EX_CONFIG;
	s->test_env = s->conf.test_env;
	if (environment)
		s->test_env = strcmp(environment, "test") == 0;
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

void setup_free(struct setup *s)
{
	mapping_free(s->set);
	s->set = NULL;
	free(s->mappings_dir);
	s->mappings_dir = NULL;
	conf_free(&s->conf);
}

/* A path option given on the command line, else a path of gateway.conf. */
static char *path_of(const char *given, const struct setup *s, const char *section, const char *key)
{
	return given ? xstrdup(given) : conf_path(&s->conf, section, key);
}

const char *setup_conf_name(const struct setup *s)
{
	return s->conf.ini ? s->conf.ini->path : "(no gateway.conf found)";
}

char *signature_path(const char *file)
{
	size_t n = strlen(file) + sizeof ".p7s";
	char *sig = xmalloc(n);
	snprintf(sig, n, "%s.p7s", file);
	return sig;
}

char *setup_partner_path(const struct setup *s, const char *partner, const char *key)
{
	size_t n = strlen(partner) + 9;
	char *section = xmalloc(n);
	snprintf(section, n, "partner %s", partner);
	char *path = conf_path(&s->conf, section, key);
	free(section);
	return path;
}

const char *setup_partner_value(const struct setup *s, const char *partner, const char *key)
{
	char section[300];
	snprintf(section, sizeof section, "partner %s", partner);
	return conf_value(&s->conf, section, key);
}

int setup_subject_key(const struct setup *s, char *key, size_t size)
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
int setup_lock_partner(const struct setup *s, const char *name, int *fd)
{
	char *spool = conf_path(&s->conf, "gateway", "spool");
	int rc = 0;

	if (spool == NULL) {
		fprintf(stderr, "%s: [gateway] has no spool\n", setup_conf_name(s));
		return EX_CONFIG;
	}
	char *path = xasprintf("%s/.partner-%s.lock", spool, name);
	/* A new configuration's spool is made on first use (0700). */
	if (fs_make_dir(spool) < 0 || (*fd = fs_lock(path)) < 0) {
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

const char *setup_federal_partner(const struct setup *s, const char *family)
{
	for (size_t i = 0; s->conf.ini && i < s->conf.ini->nsections; i++) {
		const char *sec = s->conf.ini->sections[i].name;
		const char *cls = conf_value(&s->conf, sec, "class");
		if (strncmp(sec, "partner ", 8) == 0 && cls && strcmp(cls, "federal-office") == 0 &&
		    conf_list_has(conf_value(&s->conf, sec, "families"), family))
			return sec + 8;
	}
	return NULL;
}

char *setup_db_path(const struct setup *s, const char *key, const char *name)
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

char *setup_audit_origin(const char *state)
{
	return xasprintf("csgw/%s/audit", state);
}

int setup_signer(const struct setup *s, const char *cert_opt, const char *key_opt,
                 const char *pass_opt, struct cms_signer **signer)
{
	char *cert = path_of(cert_opt, s, "gateway", "signing_cert");
	char *key = path_of(key_opt, s, "gateway", "signing_key");
	char *pass = path_of(pass_opt, s, "gateway", "signing_key_passphrase");
	char why[1024];
	int rc = 0;

	if (cert == NULL || key == NULL) {
		fprintf(stderr, "%s: [gateway] needs signing_cert and signing_key to sign\n",
		        setup_conf_name(s));
		rc = EX_CONFIG;
	} else if (cms_signer_load(cert, key, pass, signer, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s; nothing was signed\n", why);
		rc = EX_CONFIG;
	}
	free(cert);
	free(key);
	free(pass);
	return rc;
}

int setup_audit_open(const struct setup *s, int create, bool signer_needed, struct audit **a,
                     struct cms_signer **signer)
{
	char *db = conf_path(&s->conf, "gateway", "audit_db");
	char *dir = conf_path(&s->conf, "gateway", "checkpoint_dir");
	char *cert = conf_path(&s->conf, "gateway", "signing_cert");
	const char *state = conf_value(&s->conf, "gateway", "state");
	int rc = 0;

	*a = NULL;
	*signer = NULL;
	if (db == NULL || dir == NULL || cert == NULL || state == NULL) {
		fprintf(stderr,
		        "%s: [gateway] needs state, audit_db, checkpoint_dir and signing_cert for "
		        "the audit log\n",
		        setup_conf_name(s));
		rc = EX_CONFIG;
		goto out;
	}
	if (signer_needed && (rc = setup_signer(s, NULL, NULL, NULL, signer)) != 0)
		goto out;
	char *origin = setup_audit_origin(state);
	struct audit_config cfg = {
	    .db_path = db,
	    .checkpoint_dir = dir,
	    .origin = origin,
	    .signer = *signer,
	    .cert_path = cert,
	};
	/* A new configuration's audit folder is made on first use (0700). */
	if (create && fs_make_parent(db) < 0)
		fprintf(stderr, "csgw: cannot make the folder of %s: %s\n", db, strerror(errno));
	if (audit_open(&cfg, create, a, stderr) < 0)
		rc = EX_IOERR;
	free(origin);
out:
	if (rc != 0) {
		cms_signer_free(*signer);
		*signer = NULL;
	}
	free(db);
	free(dir);
	free(cert);
	return rc;
}

int setup_ledger_open(const struct setup *s, bool create, struct ledger_db **db)
{
	char *path = setup_db_path(s, "ledger_db", "ledger.db");
	char why[1024];
	int rc = 0;

	*db = NULL;
	if (path == NULL) {
		fprintf(stderr, "%s: [gateway] needs audit_db (or ledger_db)\n",
		        setup_conf_name(s));
		rc = EX_CONFIG;
	} else if (!create && access(path, F_OK) != 0) {
		; /* nothing asked yet */
	} else if (create && fs_make_parent(path) < 0) {
		fprintf(stderr, "csgw: cannot make the folder of %s: %s\n", path, strerror(errno));
		rc = EX_IOERR;
	} else if (ledger_db_open(path, create, db, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	}
	free(path);
	return rc;
}
