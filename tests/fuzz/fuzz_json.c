/*
 * fuzz_json.c: libFuzzer target for the JSON reader (untrusted input).
 *
 * Differential against jansson's json_loadb: where both accept, the trees
 * are equal (json_equal tells integers from reals); where one refuses,
 * the other does too, except for jsonfast.h's documented differences
 * (an integer outside int64 is a real; nesting deeper than YJ_MAX_DEPTH
 * is refused; a NUL byte is refused, where jansson takes it for the end
 * of the text). Errors are one line starting "LINE:COL: ". The stream
 * reader (jf_parse) must report as many documents as there are values
 * and never crash, leak or overrun. Build and run with tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfast.h"

static int fz_doc(json_t *doc, long line, const json_t *items, void *ctx)
{
    (void)line;
    (void)items;
    (*(int *)ctx)++;
    json_decref(doc);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    json_error_t je;
    struct err e;
    json_t *ref =
        json_loadb(s, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    json_t *got = jf_loadb(s, size, &e);
    int n = 0;

    if (!got && (strchr(e.msg, '\n') || e.msg[0] < '1' || e.msg[0] > '9'))
        abort();
    if (ref && got) {
        if (!json_equal(ref, got))
            abort();
    } else if (ref && !got) {
        if (!strstr(e.msg, "nesting deeper") && !memchr(s, '\0', size))
            abort();
    } else if (!ref && got) {
        if (!strstr(je.text, "too big"))
            abort();
    }
    /* one value: the stream reader gives it as its one document */
    if (jf_parse(s, size, 1, fz_doc, &n, &e) == 0 && got && n != 1)
        abort();
    if (got && jf_parse(s, size, 1, fz_doc, &n, &e) != 0)
        abort();
    json_decref(ref);
    json_decref(got);
    return 0;
}
