/*
 * fuzz_yaml.c: libFuzzer target for the YAML reader (untrusted input).
 *
 * Differential: whatever the fast path accepts must be exactly what
 * libyaml reads (value, root line, item lines); and neither path may
 * crash, leak or overrun on any input. Build and run with
 * tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yamljson.h"

struct fz {
    json_t *doc;
    long line;
    json_t *items;
    int n;
};

static int fz_doc(json_t *doc, long line, const json_t *items, void *ctx)
{
    struct fz *f = ctx;

    f->n++;
    json_decref(f->doc);
    json_decref(f->items);
    f->doc = doc;
    f->line = line;
    f->items = items ? json_deep_copy(items) : NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz fast = {0}, slow = {0};
    struct err e;

    if (yj_parse_fast((const char *)data, size, 1, fz_doc, &fast) == 0) {
        yj_slow_only = 1;
        if (yj_parse((const char *)data, size, 1, fz_doc, &slow, &e) != 0 ||
            fast.n != slow.n || fast.line != slow.line ||
            (fast.doc && !json_equal(fast.doc, slow.doc)) ||
            (!fast.items != !slow.items) ||
            (fast.items && !json_equal(fast.items, slow.items)))
            abort();
        yj_slow_only = 0;
    } else {
        yj_parse((const char *)data, size, 1, fz_doc, &slow, &e);
    }
    json_decref(fast.doc);
    json_decref(fast.items);
    json_decref(slow.doc);
    json_decref(slow.items);
    return 0;
}
