/*
 * known_hosts.c - does an OpenSSH known_hosts file know this host?
 */
#include "io/known_hosts.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* |1|base64(salt)|base64(HMAC-SHA1(salt, name)) */
static bool hashed_match(const char *field, const char *name)
{
	char salt64[64], hash64[64];
	unsigned char salt[64], hash[64], mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;

	if (sscanf(field, "|1|%63[^|]|%63s", salt64, hash64) != 2)
		return false;
	int slen = EVP_DecodeBlock(salt, (const unsigned char *)salt64, (int)strlen(salt64));
	int hlen = EVP_DecodeBlock(hash, (const unsigned char *)hash64, (int)strlen(hash64));
	/* EVP_DecodeBlock counts base64 padding as zero bytes: SHA-1 is 20. */
	if (slen < 20 || hlen < 20)
		return false;
	if (!HMAC(EVP_sha1(), salt, 20, (const unsigned char *)name, strlen(name), mac, &maclen))
		return false;
	return maclen == 20 && memcmp(mac, hash, 20) == 0;
}

/* OpenSSH host patterns: '*' and '?' are the only wildcards ('[' in
 * "[host]:port" is a plain character, unlike fnmatch's classes). */
static bool wildcard_match(const char *pat, const char *s)
{
	if (*pat == '\0')
		return *s == '\0';
	if (*pat == '*')
		return wildcard_match(pat + 1, s) || (*s && wildcard_match(pat, s + 1));
	if (*s && (*pat == '?' || *pat == *s))
		return wildcard_match(pat + 1, s + 1);
	return false;
}

/* Whether a comma-separated host field names 'name'. */
static bool field_matches(char *field, const char *name)
{
	if (strncmp(field, "|1|", 3) == 0)
		return hashed_match(field, name);
	bool match = false;
	for (char *save = NULL, *pat = strtok_r(field, ",", &save); pat;
	     pat = strtok_r(NULL, ",", &save)) {
		if (pat[0] == '!') {
			if (wildcard_match(pat + 1, name))
				return false;
		} else if (wildcard_match(pat, name)) {
			match = true;
		}
	}
	return match;
}

int known_hosts_types(const char *path, const char *host, unsigned port, char *types, size_t len)
{
	FILE *fp = fopen(path, "r");
	char line[8192], name[300];
	size_t used = 0;

	if (fp == NULL)
		return -1;
	types[0] = '\0';
	if (port == 22)
		snprintf(name, sizeof name, "%s", host);
	else
		snprintf(name, sizeof name, "[%s]:%u", host, port);
	while (fgets(line, sizeof line, fp)) {
		char *save = NULL;
		char *field = strtok_r(line, " \t\r\n", &save);
		if (field == NULL || field[0] == '#')
			continue;
		/* @revoked and @cert-authority lines are not host keys: a CA key
		 * for '*' must not make every host "known". */
		if (field[0] == '@')
			continue;
		/* A host field followed by a key type and a key. */
		char *type = strtok_r(NULL, " \t\r\n", &save);
		if (type == NULL || strtok_r(NULL, " \t\r\n", &save) == NULL ||
		    !field_matches(field, name))
			continue;
		char listed[300];
		snprintf(listed, sizeof listed, ",%s,", types);
		char item[140];
		snprintf(item, sizeof item, ",%s,", type);
		if (strstr(listed, item) == NULL && used + strlen(type) + 2 < len)
			used += (size_t)snprintf(types + used, len - used, "%s%s", used ? "," : "",
			                         type);
	}
	fclose(fp);
	return 0;
}

int known_hosts_has(const char *path, const char *host, unsigned port)
{
	char types[256];
	if (known_hosts_types(path, host, port, types, sizeof types) < 0)
		return -1;
	return types[0] != '\0';
}
