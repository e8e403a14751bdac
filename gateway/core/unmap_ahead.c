/*
 * unmap_ahead.c - unmap_read with the parse on a thread of its own
 * (unmap_ahead.h).
 *
 * The parser and the caller hand each other blocks of lines, as the
 * audit log's builder and storer hand each other blocks of entries, so
 * that they meet once per block, not once per line.
 */
#include "core/unmap_ahead.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/thread.h"

#define BLOCK_LINES 512
#define BLOCKS 4

struct line_block {
	char *text; /* the lines, one after another */
	size_t len, cap;
	size_t end[BLOCK_LINES]; /* where each line ends in text */
	size_t n;
	const struct batch_type *batch; /* unmap's, when the block was handed over */
	bool last;                      /* the parse is over: no block follows */
};

struct ahead {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct line_block blocks[BLOCKS];
	uint64_t filled, taken; /* blocks handed over, blocks emitted: the next is [n % BLOCKS] */
	bool stop;              /* emit refused a line: parse no more */
	/* The parser's own. */
	const struct mapping_set *set;
	const char *input;
	bool test_env;
	const struct unmap_limits *lim;
	struct report *rep;
	struct batch_counts counts;
	enum map_status status;
};

/* Hands the block being filled over; unless it is the last, waits for a
 * free one and starts filling it.  False when the caller wants no more
 * lines. */
static bool hand_over(struct ahead *a, bool last)
{
	struct line_block *b = &a->blocks[a->filled % BLOCKS];
	bool go;

	b->batch = a->counts.batch;
	b->last = last;
	pthread_mutex_lock(&a->lock);
	a->filled++;
	pthread_cond_broadcast(&a->changed);
	while (!last && a->filled - a->taken == BLOCKS && !a->stop)
		pthread_cond_wait(&a->changed, &a->lock);
	go = !a->stop;
	pthread_mutex_unlock(&a->lock);
	if (go && !last) {
		b = &a->blocks[a->filled % BLOCKS]; /* emitted already, or never filled */
		b->n = b->len = 0;
	}
	return go;
}

static int queue_line(void *ctx, const char *line, size_t len)
{
	struct ahead *a = ctx;
	struct line_block *b = &a->blocks[a->filled % BLOCKS];

	if (b->len + len > b->cap) {
		b->cap = 2 * (b->len + len) + 65536;
		b->text = xreallocarray(b->text, b->cap, 1);
	}
	memcpy(b->text + b->len, line, len);
	b->len += len;
	b->end[b->n++] = b->len;
	if (b->n == BLOCK_LINES && !hand_over(a, false))
		return -1;
	return 0;
}

static void *parse(void *arg)
{
	struct ahead *a = arg;

	a->status =
	    unmap_read(a->set, a->input, a->test_env, a->lim, a->rep, queue_line, a, &a->counts);
	hand_over(a, true);
	return NULL;
}

/* Gives each line of the blocks handed over to emit, until the last
 * block or a line emit refuses. */
static void emit_blocks(struct ahead *a, unmap_line_fn emit, void *emit_ctx,
                        struct batch_counts *counts)
{
	for (;;) {
		pthread_mutex_lock(&a->lock);
		while (a->taken == a->filled)
			pthread_cond_wait(&a->changed, &a->lock);
		pthread_mutex_unlock(&a->lock);
		struct line_block *b = &a->blocks[a->taken % BLOCKS];
		bool refused = false;
		counts->batch = b->batch;
		for (size_t i = 0, start = 0; i < b->n && !refused; start = b->end[i++])
			refused = emit(emit_ctx, b->text + start, b->end[i] - start) != 0;
		bool last = b->last;
		pthread_mutex_lock(&a->lock);
		a->taken++;
		a->stop = refused;
		pthread_cond_broadcast(&a->changed);
		pthread_mutex_unlock(&a->lock);
		if (last || refused)
			return;
	}
}

enum map_status unmap_read_ahead(const struct mapping_set *set, const char *input, bool test_env,
                                 const struct unmap_limits *lim, struct report *rep,
                                 unmap_line_fn emit, void *emit_ctx, struct batch_counts *counts)
{
	struct ahead a = {.set = set, .input = input, .test_env = test_env, .lim = lim, .rep = rep};
	pthread_t parser;

	if (emit == NULL)
		return unmap_read(set, input, test_env, lim, rep, emit, emit_ctx, counts);
	memset(counts, 0, sizeof *counts);
	pthread_mutex_init(&a.lock, NULL);
	pthread_cond_init(&a.changed, NULL);
	if (thread_start(&parser, parse, &a) != 0) {
		a.status = unmap_read(set, input, test_env, lim, rep, emit, emit_ctx, counts);
	} else {
		emit_blocks(&a, emit, emit_ctx, counts);
		pthread_join(parser, NULL);
		*counts = a.counts;
	}
	pthread_cond_destroy(&a.changed);
	pthread_mutex_destroy(&a.lock);
	for (int i = 0; i < BLOCKS; i++)
		free(a.blocks[i].text);
	return a.status;
}
