/*
 * sink.h: push streams. Layers arrive in pieces (from a file, from a tar
 * inside a tar, from libcurl's write callback); each stage (digest check,
 * decompression, tar parsing) is a sink that takes bytes and pushes what
 * it makes to the next, so no stage ever holds a whole layer.
 */
#ifndef FOURC_SINK_H
#define FOURC_SINK_H

#include <stddef.h>

#include "err.h"

struct sink {
    /* Takes len bytes. Non-zero: stop; e says why (naming the stream). */
    int (*write)(struct sink *s, const void *buf, size_t len, struct err *e);
    /* End of input: checks completeness (truncation is an error). */
    int (*close)(struct sink *s, struct err *e);
    /* Frees the sink (not the next one). Accepts a partly used sink. */
    void (*free)(struct sink *s);
};

#endif
