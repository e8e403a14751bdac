/*
 * html.h - self-contained HTML pages: text escaped, one inline style sheet
 * (screen and print), and bar charts drawn as inline SVG.  No script, font,
 * image or style from anywhere else: a page opens from a USB stick on a
 * machine with no network, and its Content-Security-Policy forbids any
 * request.
 */
#ifndef CSGW_CORE_HTML_H
#define CSGW_CORE_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Text with &, <, >, " and ' escaped; any control character becomes a space. */
void html_text(FILE *, const char *);

/* The page up to its <body>, and its end. */
void html_page_start(FILE *, const char *title);
void html_page_end(FILE *);

/* A chart: one bar per label, each bar stacked from its series' values
 * (values[label * nseries + series]).  Columns (time goes right) or rows
 * (labels read down).  Each bar is an SVG <g class="bar"> with data-label
 * and data-total, each part a <rect> titled with its series and value. */
struct html_chart {
	const char *id, *title;
	size_t nlabels, nseries;
	const char *const *label;
	const char *const *series;
	const char *const *color; /* one CSS colour per series */
	const long long *values;
	int columns; /* else rows */
};
void html_chart(FILE *, const struct html_chart *);

#endif
