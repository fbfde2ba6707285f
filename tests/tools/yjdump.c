/*
 * yjdump.c: prints what fourc's YAML reader makes of each file named, one
 * line per file: the last document as compact JSON with sorted keys, or
 * "error". For differential tests against a reference resolver
 * (tests/tools/merge_ref.py); --slow skips the fast path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "yamljson.h"
#include "banned.h"

static int yjdump_doc(json_t *doc, long line, const json_t *items, void *ctx)
{
    json_t **last = ctx;

    (void)line;
    (void)items;
    json_decref(*last);
    *last = doc;
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1, rc = 0;

    if (i < argc && strcmp(argv[i], "--slow") == 0) {
        yj_slow_only = 1;
        i++;
    }
    for (; i < argc; i++) {
        struct strbuf text = STRBUF_INIT;
        char buf[65536];
        json_t *last = NULL;
        struct err e;
        size_t n;
        FILE *f = fopen(argv[i], "rb");

        if (!f) {
            perror(argv[i]);
            return 2;
        }
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
            sb_add(&text, buf, n);
        fclose(f);
        if (yj_parse(text.buf ? text.buf : "", text.len, 1, yjdump_doc, &last,
                     &e) != 0 ||
            !last) {
            puts("error");
        } else {
            char *s = json_dumps(last, JSON_COMPACT | JSON_SORT_KEYS |
                                           JSON_ENCODE_ANY);
            puts(s ? s : "error");
            free(s);
        }
        json_decref(last);
        sb_release(&text);
    }
    return rc;
}
