/*
 * html.c - self-contained HTML pages and inline SVG bar charts.
 */
#include "core/html.h"

#include <string.h>

void html_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			putc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, out);
		}
	}
}

/* Screen and print: each section starts a page when printed, tables keep
 * their header on every page, charts and rows are not split. */
static const char style[] =
    "body{font:14px/1.4 sans-serif;color:#111;margin:2em auto;max-width:72em;padding:0 1em}"
    "h1{font-size:1.6em;margin:0}h2{font-size:1.25em;border-bottom:2px solid #333;"
    "padding-bottom:.2em;margin-top:2em}h3{font-size:1.05em}"
    ".meta{color:#444}.good{border-left:6px solid #2e7d32;padding:.5em 1em;background:#eef6ee}"
    ".warn{border-left:6px solid #f9a825;padding:.5em 1em;background:#fff8e1}"
    ".alarm{border:3px solid #c62828;color:#b71c1c;background:#fdecea;padding:.5em 1em;"
    "font-weight:bold}"
    "table{border-collapse:collapse;margin:.5em 0;width:100%}"
    "th,td{border:1px solid #bbb;padding:.2em .4em;text-align:left;vertical-align:top}"
    "th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "code{font-size:.9em;word-break:break-all}"
    "figure{margin:1em 0}figcaption{font-weight:bold;margin-bottom:.3em}"
    ".legend span{display:inline-block;margin-right:1em}"
    ".legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;"
    "vertical-align:middle}"
    "svg text{font:11px sans-serif;fill:#222}"
    "@media print{body{margin:0;max-width:none;font-size:11px}"
    "section{break-before:page}section:first-of-type{break-before:auto}"
    "figure,tr{break-inside:avoid}thead{display:table-header-group}"
    ".alarm,.good,.legend i{print-color-adjust:exact;-webkit-print-color-adjust:exact}}";

void html_page_start(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      out);
	html_text(out, title);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
}

void html_page_end(FILE *out)
{
	fputs("</body>\n</html>\n", out);
}

static long long bar_total(const struct html_chart *c, size_t label)
{
	long long t = 0;
	for (size_t s = 0; s < c->nseries; s++)
		t += c->values[label * c->nseries + s];
	return t;
}

static void legend(FILE *out, const struct html_chart *c)
{
	fputs("<div class=\"legend\">", out);
	for (size_t s = 0; s < c->nseries; s++) {
		fprintf(out, "<span><i style=\"background:%s\"></i>", c->color[s]);
		html_text(out, c->series[s]);
		fputs("</span>", out);
	}
	fputs("</div>\n", out);
}

/* One part of a bar, titled so a pointer (or a reader of the DOM) sees it. */
static void part(FILE *out, const struct html_chart *c, size_t label, size_t s, double x, double y,
                 double w, double h)
{
	fprintf(out,
	        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>", x,
	        y, w, h, c->color[s]);
	html_text(out, c->label[label]);
	fputs(": ", out);
	html_text(out, c->series[s]);
	fprintf(out, " %lld</title></rect>", c->values[label * c->nseries + s]);
}

static void bar_start(FILE *out, const struct html_chart *c, size_t label)
{
	fputs("<g class=\"bar\" data-label=\"", out);
	html_text(out, c->label[label]);
	fprintf(out, "\" data-total=\"%lld\">", bar_total(c, label));
}

/* Time runs right: one column per label, labels under every few. */
static void columns(FILE *out, const struct html_chart *c, long long max)
{
	const double height = 180, left = 48, bottom = 80;
	double step = c->nlabels > 60 ? 8 : c->nlabels > 20 ? 14 : 28;
	double width = left + step * (double)c->nlabels + 10;
	size_t every = c->nlabels > 60 ? 14 : c->nlabels > 20 ? 7 : 1;

	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%.0f\" "
	        "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">",
	        width, height + bottom, width, height + bottom);
	fprintf(out, "<text x=\"%.0f\" y=\"12\" text-anchor=\"end\">%lld</text>", left - 4, max);
	fprintf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>",
	        left, height, width, height);
	for (size_t i = 0; i < c->nlabels; i++) {
		double x = left + step * (double)i + 1, y = height;
		bar_start(out, c, i);
		for (size_t s = 0; s < c->nseries; s++) {
			long long v = c->values[i * c->nseries + s];
			if (v == 0)
				continue;
			double h = (height - 16) * (double)v / (double)max;
			y -= h;
			part(out, c, i, s, x, y, step - 2, h);
		}
		fputs("</g>", out);
		if (i % every == 0) {
			fprintf(out,
			        "<text x=\"%.1f\" y=\"%.0f\" transform=\"rotate(45 %.1f %.0f)\">",
			        x, height + 12, x, height + 12);
			html_text(out, c->label[i]);
			fputs("</text>", out);
		}
	}
	fputs("</svg>\n", out);
}

/* Labels read down: one row per label, its total at the end. */
static void rows(FILE *out, const struct html_chart *c, long long max)
{
	const double left = 260, span = 420, row = 20;
	double height = row * (double)c->nlabels + 4;

	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%.0f\" "
	        "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">",
	        left + span + 70, height, left + span + 70, height);
	for (size_t i = 0; i < c->nlabels; i++) {
		double y = row * (double)i + 2, x = left;
		fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", left - 6, y + 13);
		html_text(out, c->label[i]);
		fputs("</text>", out);
		bar_start(out, c, i);
		for (size_t s = 0; s < c->nseries; s++) {
			long long v = c->values[i * c->nseries + s];
			if (v == 0)
				continue;
			double w = span * (double)v / (double)max;
			part(out, c, i, s, x, y, w, row - 4);
			x += w;
		}
		fputs("</g>", out);
		fprintf(out, "<text x=\"%.1f\" y=\"%.0f\">%lld</text>", x + 4, y + 13,
		        bar_total(c, i));
	}
	fputs("</svg>\n", out);
}

void html_chart(FILE *out, const struct html_chart *c)
{
	long long max = 1;
	for (size_t i = 0; i < c->nlabels; i++)
		if (bar_total(c, i) > max)
			max = bar_total(c, i);
	fprintf(out, "<figure class=\"chart\" id=\"%s\" data-bars=\"%zu\"><figcaption>", c->id,
	        c->nlabels);
	html_text(out, c->title);
	fputs("</figcaption>\n", out);
	if (c->nlabels == 0) {
		fputs("<p>None in this period.</p>\n", out);
	} else {
		legend(out, c);
		if (c->columns)
			columns(out, c, max);
		else
			rows(out, c, max);
	}
	fputs("</figure>\n", out);
}
