/*
 * map.h - fixed-width extract to XML batch (csgw map), and back (csgw unmap).
 *
 * Both directions check every field against the family's mapping and
 * report every problem (report.h); the output file is committed only when
 * the whole input was good, and never exists half-written (io/fs.h).
 *
 * Results: MAP_OK; MAP_BAD_DATA (problems reported, no output);
 * MAP_NO_INPUT (the input cannot be opened); MAP_IO_ERROR (reading or
 * writing failed, no output).  Messages for the last two go to rep->out.
 */
#ifndef CSGW_CORE_MAP_H
#define CSGW_CORE_MAP_H

#include <stdbool.h>

#include "core/mapping.h"
#include "core/report.h"

enum map_status { MAP_OK, MAP_BAD_DATA, MAP_NO_INPUT, MAP_IO_ERROR };

struct batch_counts {
	unsigned long records;    /* data records, children included */
	unsigned long *by_record; /* indexed like family.records */
	size_t nrecords;
	const struct batch_type *batch;
};

/* output NULL: check the extract only, as if it were mapped. */
enum map_status map_to_xml(const struct batch_type *, const char *input, const char *output,
                           bool test_env, struct report *, struct batch_counts *);
/* The same, and the SHA-256 of the output, computed as it is written (no
 * second read); valid when MAP_OK is returned. */
enum map_status map_to_xml_hashed(const struct batch_type *, const char *input, const char *output,
                                  bool test_env, struct report *, struct batch_counts *,
                                  unsigned char sha256[32]);

/* Writes "W4 5, QW 2" into buf: the counts per record id, in family order. */
void batch_counts_describe(const struct batch_counts *, const struct family *, char *buf,
                           size_t size);
void batch_counts_free(struct batch_counts *);

#endif
