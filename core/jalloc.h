/*
 * jalloc.h: the allocator jansson uses, in every build.
 *
 * A cluster dump is millions of jansson values, each allocated on its own
 * and freed again once its document is judged. While a parser builds a
 * tree (jalloc_begin .. jalloc_end on that thread), jansson's allocations
 * come from the thread's arena by bumping a pointer; a free only counts
 * down, and the arena is reused from its start once nothing in it is
 * alive, so the next document lands in memory that is already mapped and
 * cached. Outside a parse, and when the arena is full, it is malloc.
 *
 * The hooks are installed once, before the first tree is built, and stay
 * (jansson only has process-wide hooks): the shipped build and the
 * sanitizer build run the same code. Under AddressSanitizer the arena
 * poisons what is not handed out, so a use after free of a value (until
 * its memory is handed out again) or a read past its end is reported as
 * it would be with malloc. Arenas are per thread and frees from any
 * thread are counted atomically, so parsers may run concurrently.
 */
#ifndef FOURC_JALLOC_H
#define FOURC_JALLOC_H

#include <stddef.h>

/* Values jansson allocates on this thread come from its arena until
 * jalloc_end. Calls do not nest. */
void jalloc_begin(void);
void jalloc_end(void);

/* For tests: whether ptr is arena memory, and how many values of its
 * arena are alive (0 for memory of no arena). */
int jalloc_owns(const void *ptr);
size_t jalloc_live(const void *ptr);

#endif
