/*
 * xml_safe.c - libxml2, used safely.
 *
 * libxml2 2.9.14 (Debian 12) has no XML_PARSE_NO_XXE, so the protection is
 * built from what it has: a SAX2 handler table that contains no entity or
 * DTD handlers (nothing is declared, so nothing can be substituted), a
 * DOCTYPE handler that stops the parse, XML_PARSE_NONET, no XML_PARSE_HUGE
 * (libxml2's own caps on names and depth stay on), and a global external
 * entity loader that refuses every request.
 */
#include "io/xml_safe.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/progress.h"

#define CHUNK (256 * 1024)
#define MAX_ATTRS_REPORTED 16
#define MAX_QNAME 256

/* Nothing is ever loaded from a URL or path named inside a document. */
static xmlParserInputPtr refuse_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url, (void)id, (void)ctxt;
	return NULL;
}

static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

void xml_safe_init(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_entity);
	/* Messages reach the user through our own callbacks only. */
	xmlSetGenericErrorFunc(NULL, quiet);
}

/*
 * libxml2 2.9 checks a start tag's attributes (and namespace declarations)
 * against each other pairwise before any callback sees the element: one
 * 2 MB tag of 200,000 attributes costs 15 s of CPU.  So the raw bytes are
 * scanned ahead of the parser, with just enough of XML's lexical rules
 * (quotes, comments, PIs, CDATA) to find start tags, and a start tag with
 * more '=' than attributes allowed, or longer than MAX_TAG_BYTES, stops the
 * parse before libxml2 reads it.
 */
#define MAX_TAG_BYTES (64 * 1024)

enum scan_state { SCAN_TEXT, SCAN_LT, SCAN_BANG, SCAN_TAG, SCAN_QUOTE, SCAN_UNTIL };

struct tag_scan {
	enum scan_state state;
	char quote;
	char bang[8]; /* what follows "<!", to tell a comment from CDATA */
	size_t nbang;
	const char *until; /* the end marker of a comment, PI, CDATA, end tag */
	size_t matched;
	size_t tag_bytes;
	unsigned equals;
};

static void scan_until(struct tag_scan *sc, const char *marker)
{
	sc->state = SCAN_UNTIL;
	sc->until = marker;
	sc->matched = 0;
}

/* What a start tag's scan stops at: quotes, '=' and its end. */
static const bool tag_mark[256] = {['"'] = true, ['\''] = true, ['='] = true, ['>'] = true};

/* Bytes from p on before the first tag_mark. */
static size_t before_tag_mark(const char *p, size_t n)
{
	size_t k = 0;

	while (k < n && !tag_mark[(unsigned char)p[k]])
		k++;
	return k;
}

static const char too_long_tag[] = "a start tag is longer than 64 KiB; no csgw batch has one";

/* How many bytes from p on change nothing in this state but the count of
 * a tag's bytes: text up to '<', the inside of quotes, a tag's name and
 * attribute names, anything before the first character of an end marker.
 * They are skipped in bulk. */
static size_t plain_run(const struct tag_scan *sc, const char *p, size_t n)
{
	const char *stop;

	switch (sc->state) {
	case SCAN_TEXT:
		stop = memchr(p, '<', n);
		return stop ? (size_t)(stop - p) : n;
	case SCAN_QUOTE:
		stop = memchr(p, sc->quote, n);
		return stop ? (size_t)(stop - p) : n;
	case SCAN_UNTIL:
		if (sc->matched > 0)
			return 0;
		stop = memchr(p, sc->until[0], n);
		return stop ? (size_t)(stop - p) : n;
	case SCAN_TAG:
		return before_tag_mark(p, n);
	default:
		return 0;
	}
}

/* A start or end tag that lies whole in the chunk, p at its '<': scanned in
 * one go, with the same checks as the states below.  Returns the bytes it
 * takes (0: leave it to the states: it runs past the chunk, or it is a
 * comment, PI, CDATA or DOCTYPE) and sets *why if the tag must be refused. */
static size_t whole_tag(const char *p, size_t n, unsigned max_equals, const char **why)
{
	const char *end;
	unsigned equals = 0;
	size_t k = 2; /* like SCAN_LT, the name's first character is never a mark */

	if (n < 2 || p[1] == '!' || p[1] == '?' || p[1] == '>')
		return 0;
	if (p[1] == '/') {
		end = memchr(p + 2, '>', n - 2);
		return end ? (size_t)(end - p) + 1 : 0;
	}
	for (;;) {
		k += before_tag_mark(p + k, n - k);
		if (k == n)
			return 0;
		if (k + 1 > MAX_TAG_BYTES) {
			*why = too_long_tag;
			return 0;
		}
		char c = p[k++];
		if (c == '>')
			return k;
		if (c == '=' && ++equals > max_equals) {
			*why = "a start tag has more attributes than the limit";
			return 0;
		}
		if (c == '"' || c == '\'') {
			end = memchr(p + k, c, n - k);
			if (end == NULL)
				return 0;
			k = (size_t)(end - p) + 1; /* the next mark checks the length */
		}
	}
}

/* One step of the states from p[*at]: a run of plain bytes, then the byte
 * that ends it.  NULL, or why the chunk must not reach the parser. */
static const char *scan_step(struct tag_scan *sc, const char *p, size_t n, size_t *at,
                             unsigned max_equals)
{
	size_t i = *at;
	size_t plain = plain_run(sc, p + i, n - i);

	if (sc->state == SCAN_TAG || sc->state == SCAN_QUOTE) {
		if (sc->tag_bytes + plain > MAX_TAG_BYTES)
			return too_long_tag;
		sc->tag_bytes += plain;
	}
	i += plain;
	if (i == n) {
		*at = n;
		return NULL;
	}
	*at = i + 1;
	char c = p[i];
	switch (sc->state) {
	case SCAN_TEXT:
		if (c == '<')
			sc->state = SCAN_LT;
		break;
	case SCAN_LT:
		if (c == '!') {
			sc->state = SCAN_BANG;
			sc->nbang = 0;
		} else if (c == '?') {
			scan_until(sc, "?>");
		} else if (c == '/') {
			scan_until(sc, ">");
		} else {
			sc->state = c == '>' ? SCAN_TEXT : SCAN_TAG;
			sc->tag_bytes = 2;
			sc->equals = 0;
		}
		break;
	case SCAN_BANG:
		sc->bang[sc->nbang++] = c;
		if (sc->nbang == 2 && memcmp(sc->bang, "--", 2) == 0)
			scan_until(sc, "-->");
		else if (sc->nbang == 7 && memcmp(sc->bang, "[CDATA[", 7) == 0)
			scan_until(sc, "]]>");
		else if (sc->nbang == 7 || (sc->bang[0] != '-' && sc->bang[0] != '['))
			scan_until(sc, ">"); /* DOCTYPE: the parser refuses it */
		break;
	case SCAN_TAG:
	case SCAN_QUOTE:
		if (++sc->tag_bytes > MAX_TAG_BYTES)
			return too_long_tag;
		if (sc->state == SCAN_QUOTE) {
			if (c == sc->quote)
				sc->state = SCAN_TAG;
		} else if (c == '"' || c == '\'') {
			sc->state = SCAN_QUOTE;
			sc->quote = c;
		} else if (c == '=' && ++sc->equals > max_equals) {
			return "a start tag has more attributes than the limit";
		} else if (c == '>') {
			sc->state = SCAN_TEXT;
		}
		break;
	case SCAN_UNTIL: {
		const char *m = sc->until;
		if (c == m[sc->matched]) {
			if (m[++sc->matched] == '\0')
				sc->state = SCAN_TEXT;
		} else if (c == m[0]) {
			/* "--->" and "]]]>" still end: keep a doubled first char. */
			sc->matched = m[1] == m[0] && sc->matched >= 2 ? 2 : 1;
		} else {
			sc->matched = 0;
		}
		break;
	}
	}
	return NULL;
}

/* The size of the blocks plain_stretch looks for a '>' in: half the
 * longest tag allowed, so that a tag too long spans a block with none. */
#define GT_BLOCK (MAX_TAG_BYTES / 2)

/* Whether every c in p[0..len) lies in text (the scan being in text at
 * p), given that each c before it does: no '<' since the last '>' or the
 * last c.  A look back never passes the c before: linear in len.  Asked
 * of each kind of mark in turn, it finds the first mark of any kind that
 * lies in a tag: every mark before that one lies in text, so tags up to it
 * are plain '<' ... '>'. */
static bool only_in_text(const char *p, size_t len, char c)
{
	const char *from = p, *q = p;

	while ((q = memchr(q, c, len - (size_t)(q - p))) != NULL) {
		const char *lt = memrchr(from, '<', (size_t)(q - from));
		if (lt && memchr(lt, '>', (size_t)(q - lt)) == NULL)
			return false;
		from = ++q;
	}
	return true;
}

/* How much of the chunk from p on (the scan being in text at p) can be
 * passed over without stepping through it (0 if none).  Such a stretch
 * ends at the chunk's last '<' and holds a quote, '!' or '?' only in text
 * (O'BRIEN), never in a tag: each '<' in it opens a tag (no comment, PI,
 * CDATA or DOCTYPE) that the next '>' closes, and its last tag is closed
 * before the stretch ends.  Then no tag in it has more '=' than the whole
 * stretch has, nor is longer than a run without '>', which a '>' in every
 * GT_BLOCK keeps under MAX_TAG_BYTES.  A few memchr calls over the whole
 * chunk instead of a few per tag. */
static size_t plain_stretch(const char *p, size_t n, unsigned max_equals)
{
	const char *last_lt = memrchr(p, '<', n);
	size_t len = last_lt ? (size_t)(last_lt - p) : 0;
	unsigned equals = 0;

	if (len == 0)
		return 0;
	const char *lt = memrchr(p, '<', len), *gt = memrchr(p, '>', len);
	if (lt != NULL && (gt == NULL || gt < lt))
		return 0;
	for (const char *c = "\"'!?"; *c; c++)
		if (!only_in_text(p, len, *c))
			return 0;
	for (const char *e = p; (e = memchr(e, '=', len - (size_t)(e - p))) != NULL; e++)
		if (++equals > max_equals)
			return 0;
	for (size_t b = 0; b + GT_BLOCK <= len; b += GT_BLOCK)
		if (memchr(p + b, '>', GT_BLOCK) == NULL)
			return 0;
	return len;
}

/* NULL, or why the chunk must not reach the parser.  Most of a chunk is
 * usually passed over in one stretch (plain_stretch), and a tag that lies
 * whole in the chunk is scanned in one go (whole_tag). */
static const char *scan_chunk(struct tag_scan *sc, const char *p, size_t n, unsigned max_equals)
{
	size_t i = 0;
	bool stretched = false;

	while (i < n) {
		if (sc->state == SCAN_TEXT && !stretched) {
			i += plain_stretch(p + i, n - i, max_equals);
			stretched = true;
		}
		if (sc->state == SCAN_TEXT) {
			const char *lt = memchr(p + i, '<', n - i);
			const char *why = NULL;
			if (lt == NULL)
				return NULL;
			i = (size_t)(lt - p);
			size_t took = whole_tag(lt, n - i, max_equals, &why);
			if (why)
				return why;
			if (took) {
				i += took;
				continue;
			}
		}
		const char *why = scan_step(sc, p, n, &i, max_equals);
		if (why)
			return why;
	}
	return NULL;
}

/* A namespace declaration in scope: prefix (NULL = default) -> URI. */
struct ns_decl {
	const char *prefix;
	const char *uri;
	unsigned depth;
};

struct stream {
	const struct xml_events *ev;
	const struct xml_limits *lim;
	xmlParserCtxtPtr ctxt;
	unsigned depth;
	bool at_end;  /* the last, terminating chunk is being parsed */
	bool stopped; /* by a callback or a limit */
	bool reported;
	struct ns_decl *decls; /* in scope, innermost last */
	unsigned ndecls;
	char qname_local[MAX_ATTRS_REPORTED][MAX_QNAME];
};

/* The URI bound to a prefix (NULL = the default namespace) here, or NULL. */
static const char *lookup_prefix(const struct stream *st, const char *prefix, size_t len)
{
	for (unsigned i = st->ndecls; i-- > 0;) {
		const char *p = st->decls[i].prefix;
		if (prefix == NULL ? p == NULL
		                   : p != NULL && strlen(p) == len && memcmp(p, prefix, len) == 0)
			return st->decls[i].uri && *st->decls[i].uri ? st->decls[i].uri : NULL;
	}
	return NULL;
}

/* Reads an attribute value as a QName. */
static void resolve_qname(struct stream *st, struct xml_attr *a, char *local)
{
	/* Not trimmed: libxml2's validator does not collapse xsi:type either,
	 * and csgw accepts what it accepts. */
	const char *s = a->value, *end = a->value + a->value_len;
	const char *colon = memchr(s, ':', (size_t)(end - s));
	const char *name = colon ? colon + 1 : s;
	size_t n = (size_t)(end - name);
	if (n >= MAX_QNAME)
		n = MAX_QNAME - 1;
	memcpy(local, name, n);
	local[n] = '\0';
	a->qname_local = local;
	a->qname_ns =
	    colon ? lookup_prefix(st, s, (size_t)(colon - s)) : lookup_prefix(st, NULL, 0);
}

/* What xmlSAX2GetLineNumber answers, without a call per element. */
static long line_of(struct stream *st)
{
	return st->ctxt && st->ctxt->input ? st->ctxt->input->line : 0;
}

static void stop(struct stream *st, const char *msg)
{
	if (msg && !st->reported && st->ev->error) {
		st->ev->error(st->ev->ctx, line_of(st), msg);
		st->reported = true;
	}
	st->stopped = true;
	xmlStopParser(st->ctxt);
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nns, const xmlChar **nss, int nattrs, int ndefaulted,
                     const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct stream *st = ctxt->_private;
	struct xml_attr list[MAX_ATTRS_REPORTED];
	int n = nattrs < MAX_ATTRS_REPORTED ? nattrs : MAX_ATTRS_REPORTED;

	(void)prefix, (void)ndefaulted;
	if (st->stopped)
		return;
	if (++st->depth > st->lim->max_depth) {
		stop(st, "elements nest deeper than the limit");
		return;
	}
	if ((unsigned)nattrs > st->lim->max_attrs) {
		stop(st, "an element has more attributes than the limit");
		return;
	}
	if (st->ndecls + (unsigned)nns > st->lim->max_ns_decls) {
		stop(st, "more namespace declarations in scope than the limit");
		return;
	}
	for (int i = 0; i < nns; i++)
		st->decls[st->ndecls++] = (struct ns_decl){(const char *)nss[2 * i],
		                                           (const char *)nss[2 * i + 1], st->depth};
	for (int i = 0; i < n; i++) {
		list[i].local = (const char *)attrs[i * 5];
		list[i].ns = (const char *)attrs[i * 5 + 2];
		list[i].value = (const char *)attrs[i * 5 + 3];
		list[i].value_len = (size_t)(attrs[i * 5 + 4] - attrs[i * 5 + 3]);
		resolve_qname(st, &list[i], st->qname_local[i]);
	}
	if (st->ev->start(st->ev->ctx, line_of(st), (const char *)local, (const char *)uri, list,
	                  n) != 0)
		stop(st, NULL);
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct stream *st = ctxt->_private;

	(void)local, (void)prefix, (void)uri;
	if (st->stopped)
		return;
	while (st->ndecls > 0 && st->decls[st->ndecls - 1].depth == st->depth)
		st->ndecls--;
	st->depth--;
	if (st->ev->end(st->ev->ctx, line_of(st)) != 0)
		stop(st, NULL);
}

static void on_text(void *ctx, const xmlChar *s, int n)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct stream *st = ctxt->_private;

	if (st->stopped)
		return;
	if (st->ev->text(st->ev->ctx, (const char *)s, (size_t)n) != 0)
		stop(st, NULL);
}

static void on_cdata(void *ctx, const xmlChar *s, int n)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct stream *st = ctxt->_private;

	if (st->stopped)
		return;
	if (st->ev->cdata(st->ev->ctx, (const char *)s, (size_t)n) != 0)
		stop(st, NULL);
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name, (void)ext, (void)sys;
	stop(ctxt->_private, "a DOCTYPE is not allowed in partner input (no DTDs, no entities)");
}

static void on_error(void *ctx, xmlErrorPtr e)
{
	struct stream *st = ctx;
	char detail[200], msg[320];
	size_t n;

	if (e->level < XML_ERR_ERROR || st->reported)
		return;
	/* The first line only: libxml2 puts the offending bytes on a second
	 * line of encoding errors ("Bytes: 0x39 0x30 ..."), and those can be
	 * digits of an SSN. */
	snprintf(detail, sizeof detail, "%s", e->message ? e->message : "error");
	detail[strcspn(detail, "\n")] = '\0';
	n = strlen(detail);
	while (n > 0 && detail[n - 1] == ' ')
		detail[--n] = '\0';
	if (st->at_end && st->depth > 0)
		/* libxml2 words this oddly ("Extra content at the end"). */
		snprintf(msg, sizeof msg,
		         "not well-formed XML: the file ends with %u element(s) still open; it is "
		         "truncated (%s)",
		         st->depth, detail);
	else
		snprintf(msg, sizeof msg, "not well-formed XML: %s", detail);
	if (st->ev->error)
		st->ev->error(st->ev->ctx, e->line, msg);
	st->reported = true;
}

int xml_stream_file(const char *path, const struct xml_events *ev, const struct xml_limits *lim)
{
	struct stream st = {.ev = ev, .lim = lim};
	struct tag_scan scan = {.state = SCAN_TEXT};
	xmlSAXHandler sax;
	unsigned long long total = 0;
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	int rc = -1;

	int read_errno = 0;

	if (fd < 0)
		return XML_STREAM_IO_ERROR;
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.ignorableWhitespace = on_text;
	sax.cdataBlock = on_cdata;
	sax.internalSubset = on_doctype;
	sax.externalSubset = on_doctype;

	buf = xmalloc(CHUNK);
	st.decls = xcalloc(lim->max_ns_decls ? lim->max_ns_decls : 1, sizeof *st.decls);
	/* No name for standard input: libxml2 would look up the working
	 * folder for it, which the sandboxed parser may not (io/sandbox.h). */
	st.ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, fd == STDIN_FILENO ? NULL : path);
	if (st.ctxt == NULL)
		goto out;
	st.ctxt->_private = &st;
	xmlCtxtUseOptions(st.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	/* The callbacks get the parser context, from which they find 'st'. */
	st.ctxt->userData = st.ctxt;
	xmlSetStructuredErrorFunc(&st, on_error);

	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			read_errno = errno;
			break;
		}
		total += (unsigned long long)n;
		progress_read(fd, (size_t)n);
		if (lim->max_bytes && total > lim->max_bytes) {
			stop(&st, "the file is larger than the size limit");
			break;
		}
		const char *why =
		    scan_chunk(&scan, buf, (size_t)n, lim->max_attrs + lim->max_ns_decls);
		if (why) {
			stop(&st, why);
			break;
		}
		st.at_end = n == 0;
		if (xmlParseChunk(st.ctxt, buf, (int)n, n == 0) != 0 || st.stopped)
			break;
		if (n == 0)
			break;
	}
	if (read_errno)
		rc = XML_STREAM_IO_ERROR;
	else if (!st.stopped && st.ctxt->wellFormed)
		rc = 0;
	else if (!st.reported && !st.stopped)
		stop(&st, "not well-formed XML");
out:
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (st.ctxt) {
		if (st.ctxt->myDoc)
			xmlFreeDoc(st.ctxt->myDoc);
		xmlFreeParserCtxt(st.ctxt);
	}
	free(buf);
	free(st.decls);
	if (fd != STDIN_FILENO)
		close(fd);
	errno = read_errno;
	return rc;
}

/* Reads a whole small file; NULL after printing why. */
static char *slurp(const char *path, size_t *len, FILE *errors)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *data = NULL;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &sb) < 0) {
		fprintf(errors, "%s: cannot read: %s\n", path, strerror(errno));
		goto fail;
	}
	if (sb.st_size > 64 * 1024 * 1024) {
		fprintf(errors, "%s: larger than 64 MiB; not a definition file\n", path);
		goto fail;
	}
	data = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, data + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(errors, "%s: read error: %s\n", path,
			        n < 0 ? strerror(errno) : "short");
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return data;
fail:
	if (fd >= 0)
		close(fd);
	free(data);
	return NULL;
}

static void print_xml_error(void *ctx, xmlErrorPtr e)
{
	FILE *errors = ctx;
	size_t n = e->message ? strlen(e->message) : 0;

	if (e->level < XML_ERR_ERROR)
		return;
	while (n > 0 && e->message[n - 1] == '\n')
		n--;
	fprintf(errors, "%s:%d: %.*s\n", e->file ? e->file : "(input)", e->line, (int)n,
	        e->message ? e->message : "error");
}

xmlDocPtr xml_read_trusted_file(const char *path, FILE *errors)
{
	size_t len;
	char *data = slurp(path, &len, errors);
	xmlDocPtr doc = NULL;

	if (data == NULL)
		return NULL;
	/* COMPACT keeps short texts inside their nodes: fewer allocations, and
	 * the tree is only read (validated, then copied by xml_tree.c). */
	int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT;
	xmlSetStructuredErrorFunc(errors, print_xml_error);
	if (len <= INT32_MAX)
		doc = xmlReadMemory(data, (int)len, path, NULL, options);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc && doc->intSubset) {
		fprintf(errors, "%s: a DOCTYPE is not allowed here\n", path);
		xmlFreeDoc(doc);
		doc = NULL;
	}
	free(data);
	return doc;
}

xmlSchemaPtr xml_load_schema(const char *path, FILE *errors)
{
	size_t len;
	char *data = slurp(path, &len, errors);
	xmlSchemaPtr schema = NULL;

	if (data == NULL)
		return NULL;
	xmlSchemaParserCtxtPtr pctx = xmlSchemaNewMemParserCtxt(data, (int)len);
	if (pctx) {
		xmlSchemaSetParserStructuredErrors(pctx, print_xml_error, errors);
		schema = xmlSchemaParse(pctx);
		xmlSchemaFreeParserCtxt(pctx);
	}
	if (schema == NULL)
		fprintf(errors, "%s: not a usable XML schema\n", path);
	free(data);
	return schema;
}

struct schema_errors {
	const char *path;
	FILE *errors;
	int *problems;
};

static void count_schema_error(void *ctx, xmlErrorPtr e)
{
	struct schema_errors *se = ctx;
	size_t n = e->message ? strlen(e->message) : 0;

	while (n > 0 && e->message[n - 1] == '\n')
		n--;
	fprintf(se->errors, "%s:%d: %.*s\n", e->file ? e->file : se->path, e->line, (int)n,
	        e->message ? e->message : "invalid");
	(*se->problems)++;
}

xmlDocPtr xml_read_valid_file(const char *path, xmlSchemaPtr schema, const char *root, FILE *errors,
                              int *problems)
{
	struct schema_errors se = {path, errors, problems};
	xmlDocPtr doc = xml_read_trusted_file(path, errors);

	if (doc == NULL) {
		(*problems)++;
		return NULL;
	}
	xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);
	xmlSchemaSetValidStructuredErrors(vctx, count_schema_error, &se);
	int rc = xmlSchemaValidateDoc(vctx, doc);
	xmlSchemaFreeValidCtxt(vctx);
	xmlNodePtr top = xmlDocGetRootElement(doc);
	if (rc == 0 && !xml_node_is(top, root)) {
		fprintf(errors, "%s:%ld: root element is <%s>; expected <%s>\n", path,
		        xmlGetLineNo(top), top->name, root);
		(*problems)++;
		rc = 1;
	}
	if (rc != 0) {
		if (rc < 0) {
			fprintf(errors, "%s: could not be validated against its schema\n", path);
			(*problems)++;
		}
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

bool xml_node_is(const struct _xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}
