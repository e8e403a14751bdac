/*
 * xsd.c - generate a family's XML schema from its mapping definition.
 *
 * Every facet written here has its twin in field.c (field_xml_to_fixed);
 * change both or neither.  Simple types derive from xs:string (whitespace
 * preserved, so padding is an error) except dates, which derive from
 * xs:date so that xmllint checks the calendar too.
 */
#include "core/xsd.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* An attribute value: XML-escaped. */
static void attr_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

/* One character inside an XSD regex character class. */
static void class_char(FILE *out, char c)
{
	if (strchr("\\|.?*+(){}-[]^", c))
		fputc('\\', out);
	fputc(c, out);
}

/* [C]([C ]*[C])? where C is the charset without space: left-justified,
 * no trailing space, from the charset. */
static void text_pattern(FILE *out, const struct charset *cs)
{
	char visible[256], all[256];
	size_t nv = 0, na = 0;

	for (const char *c = cs->chars; *c; c++) {
		all[na++] = *c;
		if (*c != ' ')
			visible[nv++] = *c;
	}
	fputs("[", out);
	for (size_t i = 0; i < nv; i++)
		class_char(out, visible[i]);
	if (na == nv) {
		fputs("]+", out);
		return;
	}
	fputs("]([", out);
	for (size_t i = 0; i < na; i++)
		class_char(out, all[i]);
	fputs("]*[", out);
	for (size_t i = 0; i < nv; i++)
		class_char(out, visible[i]);
	fputs("])?", out);
}

static void canonical_integer(FILE *out, unsigned digits)
{
	if (digits == 1)
		fputs("[0-9]", out);
	else
		fprintf(out, "0|[1-9][0-9]{0,%u}", digits - 1);
}

static void restriction(FILE *out, const char *indent, const char *base)
{
	fprintf(out, "%s<xs:simpleType>\n%s  <xs:restriction base=\"%s\">\n", indent, indent, base);
}

static void end_restriction(FILE *out, const char *indent)
{
	fprintf(out, "%s  </xs:restriction>\n%s</xs:simpleType>\n", indent, indent);
}

static void pattern_open(FILE *out, const char *indent)
{
	fprintf(out, "%s    <xs:pattern value=\"", indent);
}

/* Writes ' type="NAME"' for a field with a named type; nothing when its
 * type is written inline (inline_type). */
static void named_type(FILE *out, const struct field *f)
{
	if (f->type == FIELD_SSN)
		fputs(" type=\"ssn\"", out);
	else if (f->type == FIELD_DATE)
		fputs(" type=\"date\"", out);
	else if (f->type == FIELD_CODE)
		fprintf(out, " type=\"code-%s\"", f->codes->name);
}

static void inline_type(FILE *out, const struct field *f)
{
	const char *in = "        ";

	if (f->type == FIELD_SSN || f->type == FIELD_DATE || f->type == FIELD_CODE)
		return;
	restriction(out, in, "xs:string");
	switch (f->type) {
	case FIELD_TEXT: {
		/* Built apart so that &, < and quotes get escaped as a whole. */
		char *buf = NULL;
		size_t size = 0;
		FILE *mem = open_memstream(&buf, &size);
		text_pattern(mem, f->charset);
		fclose(mem);
		fprintf(out, "%s    <xs:maxLength value=\"%u\"/>\n", in, f->len);
		pattern_open(out, in);
		attr_text(out, buf);
		free(buf);
		break;
	}
	case FIELD_DIGITS:
		pattern_open(out, in);
		fprintf(out, "[0-9]{%u}", f->len);
		break;
	case FIELD_NUMBER:
		pattern_open(out, in);
		canonical_integer(out, f->len);
		break;
	case FIELD_AMOUNT:
		pattern_open(out, in);
		if (f->scale == 0) {
			canonical_integer(out, f->len);
		} else {
			fputs("(", out);
			canonical_integer(out, f->len - f->scale);
			fprintf(out, ")\\.[0-9]{%u}", f->scale);
		}
		break;
	default:
		break;
	}
	fputs("\"/>\n", out);
	end_restriction(out, in);
}

static void categories(FILE *out, unsigned bits)
{
	bool first = true;
	for (int i = 0; mapping_category_names[i]; i++) {
		if (!(bits & (1u << i)))
			continue;
		fprintf(out, "%s%s", first ? "" : " ", mapping_category_names[i]);
		first = false;
	}
}

static void record_type(FILE *out, const struct record *rec)
{
	fprintf(out, "  <xs:complexType name=\"record-%s\">\n", rec->id);
	fprintf(out,
	        "    <xs:annotation><xs:documentation>record %s, %u characters "
	        "fixed-width</xs:documentation></xs:annotation>\n",
	        rec->id, rec->length);
	fputs("    <xs:sequence>\n", out);
	for (size_t i = 0; i < rec->nfields; i++) {
		const struct field *f = &rec->fields[i];
		if (f->name == NULL)
			continue;
		fprintf(out, "      <xs:element name=\"%s\"%s", f->name,
		        f->required ? "" : " minOccurs=\"0\"");
		named_type(out, f);
		fprintf(out,
		        ">\n        <xs:annotation><xs:documentation>positions %u-%u; category: ",
		        f->at, f->at + f->len - 1);
		categories(out, f->categories);
		fputs("</xs:documentation></xs:annotation>\n", out);
		inline_type(out, f);
		fputs("      </xs:element>\n", out);
	}
	for (size_t k = 0; k < rec->nchildren; k++) {
		const struct child *c = &rec->children[k];
		fprintf(out,
		        "      <xs:element name=\"%s\" type=\"record-%s\" minOccurs=\"%u\" "
		        "maxOccurs=\"%u\"/>\n",
		        c->record->element, c->record->id, c->min, c->max);
	}
	fputs("    </xs:sequence>\n  </xs:complexType>\n", out);
}

static void shared_types(FILE *out, const struct family *fam)
{
	const struct codelist *done[256];
	size_t ndone = 0;

	fputs("  <xs:simpleType name=\"ssn\">\n"
	      "    <xs:annotation><xs:documentation>area not 000 or 666, group not 00, serial not "
	      "0000 (areas 900-999 only in test environments)</xs:documentation></xs:annotation>\n"
	      "    <xs:restriction base=\"xs:string\">\n"
	      "      <xs:pattern "
	      "value=\"(00[1-9]|0[1-9][0-9]|[1-57-9][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])(0[1-9]|[1-"
	      "9][0-9])(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})\"/>\n"
	      "    </xs:restriction>\n  </xs:simpleType>\n",
	      out);
	fputs("  <xs:simpleType name=\"date\">\n"
	      "    <xs:restriction base=\"xs:date\">\n"
	      "      <xs:pattern value=\"[0-9]{4}-[0-9]{2}-[0-9]{2}\"/>\n"
	      "    </xs:restriction>\n  </xs:simpleType>\n",
	      out);
	for (size_t i = 0; i < fam->nrecords; i++) {
		for (size_t k = 0; k < fam->records[i].nfields; k++) {
			const struct codelist *cl = fam->records[i].fields[k].codes;
			bool seen = false;
			if (cl == NULL)
				continue;
			for (size_t d = 0; d < ndone; d++)
				seen |= done[d] == cl;
			if (seen || ndone == sizeof done / sizeof done[0])
				continue;
			done[ndone++] = cl;
			fprintf(out,
			        "  <xs:simpleType name=\"code-%s\">\n    <xs:restriction "
			        "base=\"xs:string\">\n",
			        cl->name);
			for (size_t v = 0; v < cl->nvalues; v++) {
				fputs("      <xs:enumeration value=\"", out);
				attr_text(out, cl->values[v]);
				fputs("\"/>\n", out);
			}
			fputs("    </xs:restriction>\n  </xs:simpleType>\n", out);
		}
	}
}

int xsd_write(const struct family *fam, FILE *out)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
	        "<!-- %s.\n     GENERATED from mappings/%s/%s.map.xml by 'csgw mapping xsd %s'; do "
	        "not edit. -->\n",
	        fam->title, fam->name, fam->name, fam->name);
	fputs("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"\n           "
	      "targetNamespace=\"",
	      out);
	attr_text(out, fam->ns);
	fputs("\"\n           xmlns=\"", out);
	attr_text(out, fam->ns);
	fputs("\"\n           elementFormDefault=\"qualified\">\n", out);
	for (size_t b = 0; b < fam->nbatches; b++) {
		const struct batch_type *bt = &fam->batches[b];
		fprintf(out, "  <xs:element name=\"%s\">\n", bt->element);
		fprintf(out,
		        "    <xs:annotation><xs:documentation>batch type "
		        "%s</xs:documentation></xs:annotation>\n",
		        bt->name);
		fputs("    <xs:complexType>\n      <xs:sequence>\n", out);
		if (bt->header)
			fprintf(out, "        <xs:element name=\"%s\" type=\"record-%s\"/>\n",
			        bt->header->element, bt->header->id);
		fputs("        <xs:choice minOccurs=\"0\" maxOccurs=\"unbounded\">\n", out);
		for (size_t i = 0; i < bt->nrecords; i++)
			fprintf(out, "          <xs:element name=\"%s\" type=\"record-%s\"/>\n",
			        bt->records[i]->element, bt->records[i]->id);
		fputs("        </xs:choice>\n", out);
		if (bt->trailer)
			fprintf(out, "        <xs:element name=\"%s\" type=\"record-%s\"/>\n",
			        bt->trailer->element, bt->trailer->id);
		fputs("      </xs:sequence>\n    </xs:complexType>\n  </xs:element>\n", out);
	}
	for (size_t i = 0; i < fam->nrecords; i++)
		record_type(out, &fam->records[i]);
	shared_types(out, fam);
	fputs("</xs:schema>\n", out);
	return ferror(out) ? -1 : 0;
}
