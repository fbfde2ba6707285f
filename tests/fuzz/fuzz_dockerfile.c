/*
 * fuzz_dockerfile.c: libFuzzer target for the Dockerfile parser (untrusted
 * input): no crash, leak or overrun on any input, and a parse that
 * succeeds always yields a document with instructions. Run with run.sh.
 */
#include <stdint.h>
#include <stdlib.h>

#include "dockerfile_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL;
    struct err e;

    if (dockerfile_parse((const char *)data, size, "fuzz/Dockerfile", &doc,
                         &e) == 0) {
        if (!json_is_array(json_object_get(doc, "instructions")))
            abort();
        json_decref(doc);
    }
    return 0;
}
