/*
 * test_html.c - the report's HTML: every text escaped, charts with one
 * bar per label whatever the labels hold.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/html.h"

static char *written(void (*write)(FILE *, const void *), const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	write(f, arg);
	fclose(f);
	return text;
}

static void write_text(FILE *f, const void *arg)
{
	html_text(f, arg);
}

static void text_is_escaped(void **state)
{
	(void)state;
	char *t = written(write_text, "<script>a=\"1\" & b='2'</script>\n\t\x7f");
	assert_string_equal(t,
	                    "&lt;script&gt;a=&quot;1&quot; &amp; b=&#39;2&#39;&lt;/script&gt;   ");
	free(t);
}

static void write_chart(FILE *f, const void *arg)
{
	html_chart(f, arg);
}

static void one_bar_per_label(void **state)
{
	static const char *const labels[] = {"TX / child-support", "\"><img src=x>", "OCSE"};
	static const char *const series[] = {"allowed", "denied"};
	static const char *const colors[] = {"#2e7d32", "#c62828"};
	static const long long values[] = {3, 0, 0, 2, 1, 1};
	(void)state;
	for (int columns = 0; columns < 2; columns++) {
		struct html_chart c = {.id = "chart-x",
		                       .title = "a <b>",
		                       .nlabels = 3,
		                       .nseries = 2,
		                       .label = labels,
		                       .series = series,
		                       .color = colors,
		                       .values = values,
		                       .columns = columns};
		char *t = written(write_chart, &c);
		int bars = 0;
		for (const char *p = t; (p = strstr(p, "<g class=\"bar\"")) != NULL; p++)
			bars++;
		assert_int_equal(bars, 3);
		assert_non_null(strstr(t, "data-bars=\"3\""));
		assert_non_null(
		    strstr(t, "data-label=\"&quot;&gt;&lt;img src=x&gt;\" data-total=\"2\""));
		assert_null(strstr(t, "<img"));
		assert_null(strstr(t, "<b>"));
		free(t);
	}
	struct html_chart empty = {
	    .id = "chart-y", .title = "none", .series = series, .color = colors};
	char *t = written(write_chart, &empty);
	assert_non_null(strstr(t, "None in this period."));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(text_is_escaped),
	    cmocka_unit_test(one_bar_per_label),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
