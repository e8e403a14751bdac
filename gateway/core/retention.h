/*
 * retention.h - how long each kind of data is kept, per family
 * (mappings/policy/retention.xml): what csgw purge removes.
 *
 * Kinds of data: "sent" (acknowledged files in the spool's done/),
 * "inbox" (files delivered to the state), "answers" (ledger answers),
 * "audit-personal" (the personal columns of audit entries).  A period for
 * a family wins over the one without a family; a kind with neither is
 * kept for good.
 */
#ifndef CSGW_CORE_RETENTION_H
#define CSGW_CORE_RETENTION_H

#include <stdio.h>
#include <time.h>

struct mapping_set;

struct retention_period {
	char *data, *family; /* family NULL: every family without its own */
	int months;
	char *citation;
};

struct retention {
	char *path;
	struct retention_period *periods;
	size_t count;
};

/* Loads 'dir'/policy/retention.xml (the mappings folder), checked against
 * 'dir'/schema/retention.xsd and the families of 'set'.  0, or -1 after
 * printing each problem as "FILE:LINE: what" to 'errors'. */
int retention_load(const char *dir, const struct mapping_set *set, struct retention **out,
                   FILE *errors);
void retention_free(struct retention *);

/* The period of 'data' for 'family', or NULL: kept for good. */
const struct retention_period *retention_find(const struct retention *, const char *data,
                                              const char *family);

/* The moment 'months' calendar months before 'now' (UTC; a day past the
 * end of the earlier month is its last day): older data has expired. */
time_t retention_cutoff(time_t now, int months);

#endif
