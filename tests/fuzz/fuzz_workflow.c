/*
 * fuzz_workflow.c: libFuzzer target for the CI workflow and repository
 * hygiene readers (untrusted input from any repository): no crash, leak or
 * overrun on any input; a parse that succeeds yields a document with a
 * type and a jobs list, a failure says why. The first byte picks the
 * dialect. Run with run.sh.
 */
#include <stdint.h>
#include <stdlib.h>

#include "code_int.h"
#include "hygiene.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {".github/workflows/ci.yml",
                                        "action.yml",
                                        ".gitlab-ci.yml",
                                        ".env",
                                        "kubeconfig",
                                        ".npmrc"};
    const char *name;
    json_t *doc;
    struct err e;

    if (size < 1)
        return 0;
    name = names[data[0] % 6];
    data++;
    size--;
    if (data[-1] % 6 >= 3) {
        json_decref(code_hygiene_file(name, (const char *)data, size));
        return 0;
    }
    e.msg[0] = '\0';
    doc = code_workflow_parse(code_workflow_type(name), name,
                              (const char *)data, size, &e);
    if (doc) {
        if (!json_is_string(json_object_get(doc, "type")) ||
            !json_is_array(json_object_get(doc, "jobs")))
            abort();
        json_decref(doc);
    } else if (!e.msg[0]) {
        abort();
    }
    return 0;
}
