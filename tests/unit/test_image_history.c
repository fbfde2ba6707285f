/* test_image_history.c: history created_by lines as instructions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "image_history.h"

struct hcase {
    const char *created_by;
    const char *cmd;    /* NULL: not an instruction */
    const char *key;    /* a field to check, or NULL */
    const char *value;  /* its JSON, compact */
    const char *secret; /* must not appear anywhere, or NULL */
};

static const struct hcase hcases[] = {
    {"/bin/sh -c #(nop)  USER app", "USER", "user", "\"app\"", NULL},
    {"USER 10001:10001", "USER", "user", "\"10001\"", NULL},
    {"/bin/sh -c apt-get update", "RUN", "command", "\"apt-get update\"", NULL},
    {"RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit",
     "RUN", "command", "\"apt-get update && apt-get install -y curl\"", NULL},
    {"|2 VERSION=1.2 GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345 "
     "/bin/sh -c make",
     "RUN", "build_args", "[\"VERSION\",\"GITHUB_TOKEN\"]",
     "ghp_0123456789abcdefghijABCDEFGHIJ012345"},
    {"RUN |1 VERSION=1.2 /bin/sh -c make # buildkit", "RUN", "command",
     "\"make\"", NULL},
    {"RUN /bin/sh -c curl -H token:ghp_0123456789abcdefghijABCDEFGHIJ012345 "
     "https://x # buildkit",
     "RUN", "redacted", "true", "ghp_0123456789abcdefghijABCDEFGHIJ012345"},
    {"EXPOSE map[22/tcp:{} 8080/tcp:{}]", "EXPOSE", "ports",
     "[{\"end_port\":22,\"port\":22,\"proto\":\"tcp\",\"raw\":\"22/tcp\"},"
     "{\"end_port\":8080,\"port\":8080,\"proto\":\"tcp\",\"raw\":"
     "\"8080/tcp\"}]",
     NULL},
    {"/bin/sh -c #(nop)  EXPOSE 22/tcp", "EXPOSE", NULL, NULL, NULL},
    {"/bin/sh -c #(nop) ADD file:4c1e2bdf2bea4a8f3b5c1c0c5a2b4b0e0f1f5d6c7b8a9"
     "0e1f2a3b4c5d6e7f8a9b in / ",
     "ADD", "dest", "\"/\"", NULL},
    {"COPY /src /app # buildkit", "COPY", "dest", "\"/app\"", NULL},
    {"VOLUME [/data /var/log]", "VOLUME", "paths", "[\"/data\",\"/var/log\"]",
     NULL},
    {"HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f http://localhost/\"] \"30s\" "
     "\"3s\" \"0s\" '\\x03'}",
     "HEALTHCHECK", NULL, NULL, NULL},
    {"HEALTHCHECK &{[\"NONE\"] \"0s\" \"0s\" \"0s\" '\\x00'}", "HEALTHCHECK",
     "none", "true", NULL},
    {"/bin/sh -c #(nop)  ENV DB_PASSWORD=correct-horse-battery-staple", "ENV",
     "redacted", "true", "correct-horse-battery-staple"},
    {"/bin/sh -c #(nop)  MAINTAINER ops@example.com", "MAINTAINER", NULL, NULL,
     NULL},
    {"/bin/sh -c #(nop)  CMD [\"bash\"]", "CMD", "args", "[\"bash\"]", NULL},
    {"", NULL, NULL, NULL, NULL},
    {"created by a tool we do not know", NULL, NULL, NULL, NULL},
    {"RUN\nUSER root", "RUN", NULL, NULL, NULL},
};

static void test_history_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(hcases) / sizeof(*hcases); i++) {
        const struct hcase *c = &hcases[i];
        json_t *in = image_history_instruction(c->created_by);
        char *all;

        if (!c->cmd) {
            if (in)
                fail_msg("case %zu: expected no instruction", i);
            continue;
        }
        if (!in)
            fail_msg("case %zu (%s): no instruction", i, c->created_by);
        assert_string_equal(json_string_value(json_object_get(in, "cmd")),
                            c->cmd);
        assert_null(json_object_get(in, "line"));
        if (c->key) {
            char *v =
                json_dumps(json_object_get(in, c->key),
                           JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            if (!v || strcmp(v, c->value) != 0)
                fail_msg("case %zu: %s is %s, expected %s", i, c->key,
                         v ? v : "(absent)", c->value);
            free(v);
        }
        all = json_dumps(in, JSON_COMPACT);
        if (c->secret && strstr(all, c->secret))
            fail_msg("case %zu: the secret is in %s", i, all);
        free(all);
        json_decref(in);
    }
}

static void test_history_null(void **state)
{
    (void)state;
    assert_null(image_history_instruction(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_table),
        cmocka_unit_test(test_history_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
