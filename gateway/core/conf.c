/*
 * conf.c - the gateway's configuration file (gateway.conf).
 *
 * check-config is table-driven: each section kind lists its keys, whether
 * they are required, and the check of their value.  Everything is checked
 * and every problem printed, so that an operator fixes a file in one go.
 */
#include "core/conf.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/schedule.h"
#include "io/cms.h"
#include "io/known_hosts.h"
#include "io/secret.h"
#include "util/alloc.h"

static const char *const search_path[] = {"./gateway.conf", "/etc/csgw/gateway.conf", NULL};

int conf_load(const char *explicit_path, bool required, struct conf *conf, FILE *errors)
{
	const char *path = explicit_path;

	conf->ini = NULL;
	conf->test_env = false;
	if (path == NULL)
		path = getenv("CSGW_CONF");
	for (int i = 0; path == NULL && search_path[i]; i++)
		if (access(search_path[i], F_OK) == 0)
			path = search_path[i];
	if (path == NULL) {
		if (!required)
			return 0;
		fprintf(errors,
		        "csgw: no configuration file: give -c FILE, set CSGW_CONF, or create "
		        "./gateway.conf or /etc/csgw/gateway.conf (example: "
		        "gateway/gateway.conf.example)\n");
		return -1;
	}
	if (ini_load(path, &conf->ini) < 0) {
		fprintf(errors, "%s: cannot read the configuration: %s\n", path, strerror(errno));
		return -1;
	}
	if (conf->ini->nlong > 0 && !required) {
		fprintf(errors,
		        "%s:%u: line is longer than %d characters; run 'csgw check-config'\n", path,
		        conf->ini->long_lines[0], INI_LINE_MAX - 1);
		ini_free(conf->ini);
		conf->ini = NULL;
		return -1;
	}
	const struct ini_entry *env = ini_get(conf->ini, "gateway", "environment");
	if (env && strcmp(env->value, "test") == 0) {
		conf->test_env = true;
	} else if (env && strcmp(env->value, "production") != 0 && !required) {
		fprintf(errors,
		        "%s:%u: [gateway] environment: '%s' is not known; expected production or "
		        "test\n",
		        path, env->line, env->value);
		ini_free(conf->ini);
		conf->ini = NULL;
		return -1;
	}
	return 0;
}

void conf_free(struct conf *conf)
{
	ini_free(conf->ini);
	conf->ini = NULL;
}

bool conf_list_has(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " ,");
		size_t len = strcspn(p, " ,");
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len;
	}
	return false;
}

const char *conf_value(const struct conf *conf, const char *section, const char *key)
{
	const struct ini_entry *e = conf->ini ? ini_get(conf->ini, section, key) : NULL;
	return e ? e->value : NULL;
}

static char *resolve(const struct ini_file *ini, const char *value)
{
	if (value[0] == '/')
		return xstrdup(value);
	size_t n = strlen(ini->dir) + strlen(value) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s", ini->dir, value);
	return p;
}

char *conf_path(const struct conf *conf, const char *section, const char *key)
{
	const char *v = conf_value(conf, section, key);
	return v ? resolve(conf->ini, v) : NULL;
}

/* ---- check-config ---- */

struct checker {
	const struct conf *conf;
	const struct mapping_set *set;
	FILE *errors;
	unsigned problems;
	const char *section; /* the one being checked */
};

__attribute__((format(printf, 3, 4))) static void problem(struct checker *c, unsigned line,
                                                          const char *fmt, ...)
{
	va_list ap;

	fprintf(c->errors, "%s:%u: ", c->conf->ini->path, line);
	va_start(ap, fmt);
	vfprintf(c->errors, fmt, ap);
	va_end(ap);
	fputc('\n', c->errors);
	c->problems++;
}

typedef void check_fn(struct checker *, const struct ini_entry *);

struct key_rule {
	const char *key;
	bool required;
	check_fn *check;
	const char *expected; /* for the unknown-key and missing-key messages */
};

static void check_code(struct checker *c, const struct ini_entry *e, const char *list,
                       const char *what)
{
	const struct codelist *cl = c->set ? mapping_codelist(c->set, list) : NULL;
	if (cl == NULL)
		return; /* the mapping load has said why */
	if (!codelist_has(cl, e->value, strlen(e->value)))
		problem(c, e->line,
		        "[%s] %s: '%s' is not %s; expected a code of list %s in "
		        "mappings/codes/codes.xml",
		        c->section, e->key, e->value, what, list);
}

static void check_state(struct checker *c, const struct ini_entry *e)
{
	check_code(c, e, "fips-state", "a 2-digit FIPS state code");
}

static void check_class(struct checker *c, const struct ini_entry *e)
{
	check_code(c, e, "recipient-class", "a recipient class");
}

static void check_environment(struct checker *c, const struct ini_entry *e)
{
	if (strcmp(e->value, "production") != 0 && strcmp(e->value, "test") != 0)
		problem(c, e->line,
		        "[%s] environment: '%s' is not known; expected production or test",
		        c->section, e->value);
}

/* Whether csgw can make 'path' and the folders above it that are missing
 * (0700, on first use): its nearest existing ancestor is a folder it may
 * write.  That ancestor goes into 'found'. */
static bool creatable(const char *path, char *found, size_t size)
{
	struct stat st;
	snprintf(found, size, "%s", path);
	for (;;) {
		char *slash = strrchr(found, '/');
		if (slash == NULL)
			snprintf(found, size, ".");
		else if (slash == found)
			found[1] = '\0';
		else
			*slash = '\0';
		if (stat(found, &st) == 0)
			return S_ISDIR(st.st_mode) && access(found, W_OK | X_OK) == 0;
		if (strcmp(found, ".") == 0 || strcmp(found, "/") == 0)
			return false;
	}
}

/* A folder that exists, or that csgw can create on first use. */
static void check_dir(struct checker *c, const struct ini_entry *e)
{
	char *path = resolve(c->conf->ini, e->value);
	char above[PATH_MAX];
	struct stat st;

	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			problem(c, e->line, "[%s] %s: %s is not a folder", c->section, e->key,
			        path);
		else if (access(path, W_OK | X_OK) != 0)
			problem(c, e->line, "[%s] %s: folder %s is not writable by this user",
			        c->section, e->key, path);
	} else if (!creatable(path, above, sizeof above)) {
		problem(c, e->line,
		        "[%s] %s: %s does not exist and cannot be made: %s is not a folder this "
		        "user may write",
		        c->section, e->key, path, above);
	}
	free(path);
}

/* A folder csgw only reads (the mappings, installed root-owned). */
static void check_read_dir(struct checker *c, const struct ini_entry *e)
{
	char *path = resolve(c->conf->ini, e->value);
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		problem(c, e->line, "[%s] %s: %s is not a folder", c->section, e->key, path);
	else if (access(path, R_OK | X_OK) != 0)
		problem(c, e->line, "[%s] %s: folder %s is not readable by this user", c->section,
		        e->key, path);
	free(path);
}

/* A file csgw creates later: its folder exists, or csgw can make it. */
static void check_new_file(struct checker *c, const struct ini_entry *e)
{
	char *path = resolve(c->conf->ini, e->value);
	char above[PATH_MAX];
	struct stat st;

	if (stat(path, &st) != 0 && !creatable(path, above, sizeof above))
		problem(c, e->line,
		        "[%s] %s: %s cannot be made: %s is not a folder this user may write",
		        c->section, e->key, path, above);
	free(path);
}

static bool readable_file(struct checker *c, const struct ini_entry *e, struct stat *st)
{
	char *path = resolve(c->conf->ini, e->value);
	bool ok = false;

	if (stat(path, st) != 0)
		problem(c, e->line, "[%s] %s: %s: %s", c->section, e->key, path, strerror(errno));
	else if (!S_ISREG(st->st_mode))
		problem(c, e->line, "[%s] %s: %s is not a regular file", c->section, e->key, path);
	else if (access(path, R_OK) != 0)
		problem(c, e->line, "[%s] %s: %s is not readable by this user", c->section, e->key,
		        path);
	else
		ok = true;
	free(path);
	return ok;
}

static void check_file(struct checker *c, const struct ini_entry *e)
{
	struct stat st;
	readable_file(c, e, &st);
}

/* Keys and passphrase files: the rules of io/secret.h (this user's, 0600,
 * not a link), as every command that uses one checks them. */
static void check_private(struct checker *c, const struct ini_entry *e)
{
	struct stat st;
	char why[1024];

	if (!readable_file(c, e, &st))
		return;
	char *path = resolve(c->conf->ini, e->value);
	bool passphrase = strstr(e->key, "passphrase") != NULL;
	if (secret_check(path, passphrase ? "passphrase file" : "private key", why, sizeof why) < 0)
		problem(c, e->line, "[%s] %s: %s", c->section, e->key, why);
	free(path);
}

static void check_host(struct checker *c, const struct ini_entry *e)
{
	const char *s = e->value;
	bool ok = *s != '\0' && strlen(s) < 254;
	for (; *s && ok; s++)
		ok = isalnum((unsigned char)*s) || strchr(".-:", *s);
	if (!ok)
		problem(c, e->line, "[%s] host: '%s' is not a host name or address", c->section,
		        e->value);
}

static long parse_long(const char *s, bool *ok)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	*ok = errno == 0 && end != s && *end == '\0';
	return v;
}

static void check_port(struct checker *c, const struct ini_entry *e)
{
	bool ok;
	long port = parse_long(e->value, &ok);
	if (!ok || port < 1 || port > 65535)
		problem(c, e->line, "[%s] port: '%s' is not a port; expected 1 to 65535",
		        c->section, e->value);
}

static void check_user(struct checker *c, const struct ini_entry *e)
{
	const char *s = e->value;
	bool ok = *s != '\0' && (isalpha((unsigned char)*s) || *s == '_');
	for (; *s && ok; s++)
		ok = isalnum((unsigned char)*s) || strchr("_.-", *s);
	if (!ok)
		problem(c, e->line, "[%s] user: '%s' is not a user name", c->section, e->value);
}

static void check_remote_dir(struct checker *c, const struct ini_entry *e)
{
	if (e->value[0] != '/' || strstr(e->value, "..") != NULL)
		problem(c, e->line, "[%s] %s: '%s' is not an absolute path without '..'",
		        c->section, e->key, e->value);
}

static void check_families(struct checker *c, const struct ini_entry *e)
{
	char *copy = xstrdup(e->value);
	unsigned n = 0;

	for (char *save = NULL, *w = strtok_r(copy, " ,", &save); w;
	     w = strtok_r(NULL, " ,", &save)) {
		n++;
		if (c->set && mapping_family(c->set, w) == NULL)
			problem(c, e->line, "[%s] families: '%s' is not a family in mappings/",
			        c->section, w);
	}
	if (n == 0)
		problem(c, e->line,
		        "[%s] families: empty; expected one or more of fcr, locate, ndnh, offset, "
		        "referral",
		        c->section);
	free(copy);
}

static void check_schedule(struct checker *c, const struct ini_entry *e)
{
	struct schedule sch;
	if (schedule_parse(e->value, &sch) < 0)
		problem(c, e->line, "[%s] schedule: '%s' is not a schedule; expected %s",
		        c->section, e->value, SCHEDULE_EXPECTED);
}

/* The policy (mappings/policy/policy.xml) decides whether it serves; here
 * only its form. */
static void check_purpose(struct checker *c, const struct ini_entry *e)
{
	if (e->value[0] == '\0' ||
	    strspn(e->value, "abcdefghijklmnopqrstuvwxyz-") != strlen(e->value))
		problem(
		    c, e->line,
		    "[%s] purpose: '%s' is not a purpose; expected one of the policy's, such as "
		    "child-support",
		    c->section, e->value);
}

static void check_duration(struct checker *c, const struct ini_entry *e)
{
	long seconds;
	if (duration_parse(e->value, &seconds) < 0)
		problem(c, e->line, "[%s] %s: '%s' is not a duration; expected %s", c->section,
		        e->key, e->value, DURATION_EXPECTED);
}

static void check_known_hosts(struct checker *c, const struct ini_entry *e)
{
	struct stat st;
	if (!readable_file(c, e, &st))
		return;
	const char *host = conf_value(c->conf, c->section, "host");
	const char *port_s = conf_value(c->conf, c->section, "port");
	bool ok = true;
	long port = port_s ? parse_long(port_s, &ok) : 22;
	if (host == NULL || !ok || port < 1 || port > 65535)
		return; /* reported with host and port */
	char *path = resolve(c->conf->ini, e->value);
	int known = known_hosts_has(path, host, (unsigned)port);
	if (known == 0)
		problem(c, e->line,
		        "[%s] known_hosts: %s does not know host %s port %ld; add its key after "
		        "checking the fingerprint with the partner (ssh-keyscan -p %ld %s, then "
		        "compare)",
		        c->section, path, host, port, port, host);
	free(path);
}

/* "SHA256:" and the 43 unpadded base64 characters of a SHA-256, as ssh
 * shows a host key. */
static void check_fingerprint(struct checker *c, const struct ini_entry *e)
{
	const char *b64 = e->value + 7;
	bool ok = strncmp(e->value, "SHA256:", 7) == 0 && strlen(b64) == 43;
	for (; ok && *b64; b64++)
		ok = isalnum((unsigned char)*b64) || *b64 == '+' || *b64 == '/';
	if (!ok)
		problem(c, e->line,
		        "[%s] host_fingerprint: '%s' is not a host key fingerprint; expected "
		        "SHA256: and 43 base64 characters, as ssh-keygen -lf shows it",
		        c->section, e->value);
}

static void check_seconds(struct checker *c, const struct ini_entry *e)
{
	bool ok;
	long v = parse_long(e->value, &ok);
	if (!ok || v < 1 || v > 3600)
		problem(c, e->line, "[%s] %s: '%s' is not a number of seconds; expected 1 to 3600",
		        c->section, e->key, e->value);
}

static void check_yes_no(struct checker *c, const struct ini_entry *e)
{
	if (strcmp(e->value, "yes") != 0 && strcmp(e->value, "no") != 0)
		problem(c, e->line, "[%s] %s: '%s'; expected yes or no", c->section, e->key,
		        e->value);
}

static void check_inbox_format(struct checker *c, const struct ini_entry *e)
{
	if (strcmp(e->value, "xml") != 0 && strcmp(e->value, "fixed") != 0)
		problem(c, e->line, "[%s] %s: '%s'; expected xml or fixed", c->section, e->key,
		        e->value);
}

static void check_transfer_buffer(struct checker *c, const struct ini_entry *e)
{
	bool ok;
	long v = parse_long(e->value, &ok);
	if (!ok || v < 30000 || v > 3000000 || v % 30000 != 0)
		problem(c, e->line,
		        "[%s] transfer_buffer: '%s' bytes; expected a multiple of 30000 (libssh2's "
		        "SFTP packet) from 30000 to 3000000",
		        c->section, e->value);
}

/* Certificates that expire within this many days are pointed out. */
#define EXPIRY_WARNING_DAYS 30

static void expiry_warning(struct checker *c, unsigned line, const char *what, long days)
{
	if (days < EXPIRY_WARNING_DAYS)
		fprintf(c->errors,
		        "%s:%u: warning: [%s] %s expires in %ld day(s); renew it before then\n",
		        c->conf->ini->path, line, c->section, what, days);
}

/* A partner's certificate: valid, for signing, chained to ca_bundle. */
static void check_partner_cert(struct checker *c, const struct ini_entry *e)
{
	struct stat st;
	char why[1024];
	long days;

	if (!readable_file(c, e, &st))
		return;
	char *path = resolve(c->conf->ini, e->value);
	char *ca = conf_path(c->conf, "gateway", "ca_bundle");
	if (ca && access(ca, R_OK) == 0) {
		if (cms_check_cert(path, ca, &days, why, sizeof why) < 0)
			problem(c, e->line, "[%s] cert: %s", c->section, why);
		else
			expiry_warning(c, e->line, "cert", days);
	}
	free(ca);
	free(path);
}

static void check_socket(struct checker *c, const struct ini_entry *e)
{
	char *path = resolve(c->conf->ini, e->value);
	if (strlen(path) >= 108)
		problem(c, e->line,
		        "[%s] control_socket: longer than 107 bytes, the most a socket "
		        "path may be",
		        c->section);
	free(path);
}

/* Each word of a list value, checked by 'one'. */
static void check_words(struct checker *c, const struct ini_entry *e,
                        void (*one)(struct checker *, const struct ini_entry *, const char *))
{
	char *copy = xstrdup(e->value);
	unsigned n = 0;
	for (char *save = NULL, *w = strtok_r(copy, " ,", &save); w;
	     w = strtok_r(NULL, " ,", &save), n++)
		one(c, e, w);
	if (n == 0)
		problem(c, e->line, "[%s] %s: empty", c->section, e->key);
	free(copy);
}

static void group_exists(struct checker *c, const struct ini_entry *e, const char *group)
{
	if (getgrnam(group) == NULL)
		problem(c, e->line,
		        "[%s] %s: group '%s' does not exist on this machine (groupadd %s)",
		        c->section, e->key, group, group);
}

static void check_groups(struct checker *c, const struct ini_entry *e)
{
	check_words(c, e, group_exists);
}

static void class_known(struct checker *c, const struct ini_entry *e, const char *word)
{
	const struct codelist *cl = c->set ? mapping_codelist(c->set, "recipient-class") : NULL;
	if (cl && !codelist_has(cl, word, strlen(word)))
		problem(c, e->line, "[%s] %s: '%s' is not a recipient class", c->section, e->key,
		        word);
}

static void check_classes(struct checker *c, const struct ini_entry *e)
{
	check_words(c, e, class_known);
}

static void purpose_form(struct checker *c, const struct ini_entry *e, const char *word)
{
	if (strspn(word, "abcdefghijklmnopqrstuvwxyz-") != strlen(word))
		problem(c, e->line, "[%s] %s: '%s' is not a purpose, such as child-support",
		        c->section, e->key, word);
}

static void check_purposes(struct checker *c, const struct ini_entry *e)
{
	check_words(c, e, purpose_form);
}

/* The signing certificate, its key and passphrase, together: the key must
 * open and belong to the certificate, which must be valid for signing. */
static void check_signer(struct checker *c)
{
	const struct ini_entry *key = ini_get(c->conf->ini, "gateway", "signing_key");
	char *cert_path = conf_path(c->conf, "gateway", "signing_cert");
	char *key_path = conf_path(c->conf, "gateway", "signing_key");
	char *pass_path = conf_path(c->conf, "gateway", "signing_key_passphrase");
	struct cms_signer *signer = NULL;
	struct stat st;
	char why[1024];

	c->section = "gateway";
	/* Unreadable or open keys have been reported by their own checks. */
	if (cert_path && key_path && access(cert_path, R_OK) == 0 && stat(key_path, &st) == 0 &&
	    !(st.st_mode & 077) &&
	    (pass_path == NULL || (stat(pass_path, &st) == 0 && !(st.st_mode & 077)))) {
		if (cms_signer_load(cert_path, key_path, pass_path, &signer, why, sizeof why) < 0)
			problem(c, key->line, "[gateway] signing: %s", why);
		else
			expiry_warning(c, ini_get(c->conf->ini, "gateway", "signing_cert")->line,
			               "signing_cert", cms_signer_days_left(signer));
	}
	cms_signer_free(signer);
	free(cert_path);
	free(key_path);
	free(pass_path);
}

static const struct key_rule gateway_keys[] = {
    {"state", true, check_state, "2-digit FIPS code of this state"},
    {"environment", true, check_environment, "production or test"},
    {"spool", true, check_dir, "spool root folder"},
    {"audit_db", true, check_new_file, "audit database path"},
    {"checkpoint_dir", true, check_dir, "folder for signed audit checkpoints"},
    {"witness_dir", false, check_dir,
     "heads of partners' audit logs and of ours they hold (default: witnesses beside audit_db)"},
    {"registry_db", false, check_new_file,
     "protections and case status (default: registry.db beside audit_db)"},
    {"signing_cert", true, check_file, "this gateway's signing certificate"},
    {"signing_key", true, check_private, "this gateway's signing key (mode 0600)"},
    {"signing_key_passphrase", false, check_private,
     "file with the signing key's passphrase on its first line (mode 0600)"},
    {"ca_bundle", true, check_file, "trusted CA bundle"},
    {"subject_key", true, check_private, "HMAC key for SSN search keys (mode 0600)"},
    {"mappings", false, check_read_dir, "mappings folder (default: the installed one)"},
    {"retry_min", false, check_duration, "shortest wait before retrying a transfer (30s)"},
    {"retry_max", false, check_duration, "longest wait before retrying a transfer (1h)"},
    {"hold_after", false, check_duration, "age at which a file still not sent is held (3d)"},
    {"receipt_timeout", false, check_duration, "time a sent file may wait for its receipt (4h)"},
    {"drop_min_age", false, check_duration,
     "age a file written in place in outgoing must reach before it is taken (2s)"},
    {"ledger_db", false, check_new_file,
     "requests and their answers (default: ledger.db beside audit_db)"},
    {"answer_within", false, check_duration,
     "time a partner has to answer a request before it is overdue (5d)"},
    {"inbox_format", false, check_inbox_format,
     "xml (default) or fixed: locate and referral deliveries get fixed-width lines too"},
    {"control_socket", false, check_socket,
     "where csgw run serves people's commands (/run/csgw/control.sock)"},
    {NULL, false, NULL, NULL},
};

static const struct key_rule roles_keys[] = {
    {"caseworker", false, check_groups, "Unix groups whose members are caseworkers"},
    {"supervisor", false, check_groups, "Unix groups whose members are supervisors"},
    {"compliance", false, check_groups, "Unix groups whose members are compliance staff"},
    {"operator", false, check_groups, "Unix groups whose members are operators"},
    {"caseworker_requesters", false, check_classes, "classes a caseworker may ask for"},
    {"supervisor_requesters", false, check_classes, "classes a supervisor may ask for"},
    {"caseworker_purposes", false, check_purposes, "purposes a caseworker may ask for"},
    {"supervisor_purposes", false, check_purposes, "purposes a supervisor may ask for"},
    {"order_required", false, check_classes,
     "classes acted for only with --order (court custody-authority)"},
    {NULL, false, NULL, NULL},
};

static const struct key_rule partner_keys[] = {
    {"class", true, check_class, "recipient class (DOMAIN.md section 5)"},
    {"state", false, check_state, "2-digit FIPS code of the partner state"},
    {"host", true, check_host, "SFTP host"},
    {"port", false, check_port, "SFTP port (default 22)"},
    {"user", true, check_user, "SFTP user"},
    {"ssh_key", true, check_private, "SSH private key (mode 0600)"},
    {"ssh_key_passphrase", false, check_private,
     "file with the SSH key's passphrase on its first line (mode 0600)"},
    {"known_hosts", true, check_known_hosts, "known_hosts file that has the partner's host key"},
    {"host_fingerprint", false, check_fingerprint, "the host key's SHA256: fingerprint"},
    {"remote_inbox", true, check_remote_dir, "remote folder we upload to"},
    {"remote_outbox", true, check_remote_dir, "remote folder we download from"},
    {"remote_done", false, check_remote_dir, "remote folder fetched files move to"},
    {"connect_timeout", false, check_seconds, "seconds to connect and log in (default 15)"},
    {"io_timeout", false, check_seconds, "seconds without progress before giving up (60)"},
    {"transfer_buffer", false, check_transfer_buffer, "bytes in flight per transfer"},
    {"remote_fsync", false, check_yes_no, "yes (default) or no: the server fsyncs uploads"},
    {"families", true, check_families, "families exchanged with this partner"},
    {"schedule", false, check_schedule, "when to fetch from the partner (every 15m)"},
    {"purpose", false, check_purpose, "purpose of what is sent to this partner (child-support)"},
    {"receipts", false, check_yes_no,
     "yes (default when the partner has a state) or no: the "
     "partner acknowledges files with signed receipts"},
    {"acknowledge", false, check_yes_no,
     "yes or no (default): the partner wants an A transaction for each request"},
    {"inbox_format", false, check_inbox_format, "xml or fixed, for this partner's deliveries"},
    {"witness", false, check_yes_no,
     "yes (default) or no: our receipts carry our audit log's head (no: a partner on a "
     "release without it)"},
    {"cert", true, check_partner_cert, "the partner's signing certificate"},
    {NULL, false, NULL, NULL},
};

void conf_keys(FILE *out)
{
	static const struct {
		const char *section;
		const struct key_rule *rules;
	} kinds[] = {
	    {"gateway", gateway_keys},
	    {"roles", roles_keys},
	    {"partner", partner_keys},
	};

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		for (const struct key_rule *r = kinds[i].rules; r->key; r++)
			fprintf(out, "%s %s\n", kinds[i].section, r->key);
}

static void check_section(struct checker *c, const char *section, unsigned line,
                          const struct key_rule *rules)
{
	const struct ini_file *ini = c->conf->ini;

	c->section = section;
	for (size_t i = 0; i < ini->nentries; i++) {
		const struct ini_entry *e = &ini->entries[i];
		const struct key_rule *r = rules;
		if (strcmp(e->section, section) != 0)
			continue;
		while (r->key && strcmp(r->key, e->key) != 0)
			r++;
		if (r->key == NULL) {
			char keys[1024];
			size_t o = 0;
			for (const struct key_rule *k = rules; k->key && o < sizeof keys; k++)
				o += (size_t)snprintf(keys + o, sizeof keys - o, "%s%s",
				                      o ? ", " : "", k->key);
			problem(c, e->line, "[%s] unknown key '%s'; expected one of: %s", section,
			        e->key, keys);
			continue;
		}
		if (ini_get(ini, section, e->key) != e) {
			problem(c, e->line, "[%s] %s is set twice (first on line %u)", section,
			        e->key, ini_get(ini, section, e->key)->line);
			continue;
		}
		r->check(c, e);
	}
	for (const struct key_rule *r = rules; r->key; r++) {
		if (!r->required || ini_get(ini, section, r->key))
			continue;
		/* A federal partner has no state code. */
		if (strcmp(r->key, "state") == 0 && rules == partner_keys)
			continue;
		/* A pinned fingerprint stands in for known_hosts. */
		if (strcmp(r->key, "known_hosts") == 0 && ini_get(ini, section, "host_fingerprint"))
			continue;
		problem(c, line, "[%s] has no '%s'; expected %s", section, r->key, r->expected);
	}
}

static bool partner_name_ok(const char *name)
{
	if (*name == '\0')
		return false;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && *name != '-' && *name != '_')
			return false;
	return true;
}

unsigned conf_check(const struct conf *conf, const struct mapping_set *set, FILE *errors)
{
	struct checker c = {.conf = conf, .set = set, .errors = errors};
	const struct ini_file *ini = conf->ini;
	unsigned gateway_sections = 0;

	for (size_t i = 0; i < ini->nbad; i++)
		problem(&c, ini->bad_lines[i], "not a '[section]' or 'key = value' line");
	for (size_t i = 0; i < ini->nlong; i++)
		problem(
		    &c, ini->long_lines[i],
		    "line is longer than %d characters, the most the INI reader takes; its value "
		    "would be cut short (use a shorter path)",
		    INI_LINE_MAX - 1);
	for (size_t i = 0; i < ini->nsections; i++) {
		const struct ini_section *s = &ini->sections[i];
		if (ini_section_line(ini, s->name) != s->line) {
			problem(&c, s->line, "section [%s] appears twice (first on line %u)",
			        s->name, ini_section_line(ini, s->name));
			continue;
		}
		if (strcmp(s->name, "gateway") == 0) {
			gateway_sections++;
			check_section(&c, s->name, s->line, gateway_keys);
		} else if (strcmp(s->name, "roles") == 0) {
			check_section(&c, s->name, s->line, roles_keys);
		} else if (strncmp(s->name, "partner ", 8) == 0) {
			if (!partner_name_ok(s->name + 8))
				problem(&c, s->line,
				        "[%s]: a partner name is letters, digits, '-' and '_'",
				        s->name);
			else
				check_section(&c, s->name, s->line, partner_keys);
		} else {
			problem(
			    &c, s->line,
			    "unknown section [%s]; expected [gateway], [roles] or [partner NAME]",
			    s->name);
		}
	}
	for (size_t i = 0; i < ini->nentries; i++)
		if (ini->entries[i].section[0] == '\0')
			problem(&c, ini->entries[i].line,
			        "key '%s' before any section; expected it under [gateway] or "
			        "[partner NAME]",
			        ini->entries[i].key);
	if (gateway_sections == 1)
		check_signer(&c);
	if (gateway_sections == 0)
		problem(&c, 1,
		        "no [gateway] section; expected one (see gateway/gateway.conf.example)");
	return c.problems;
}
