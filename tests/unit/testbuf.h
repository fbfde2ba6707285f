/* testbuf.h: a growable byte buffer for tests that build archives in
 * memory (test_tar.c, test_imagefs.c). Header-only: static inline. */
#ifndef FOURC_TESTBUF_H
#define FOURC_TESTBUF_H

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static inline void buf_add(struct buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 1024;
        b->p = xrealloc(b->p, b->cap);
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

static inline void buf_zeros(struct buf *b, size_t n)
{
    static const unsigned char z[512];

    while (n > 0) {
        size_t k = n < sizeof(z) ? n : sizeof(z);
        buf_add(b, z, k);
        n -= k;
    }
}

static inline void buf_release(struct buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

#endif
