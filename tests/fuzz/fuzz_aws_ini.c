/*
 * fuzz_aws_ini.c: libFuzzer target for the AWS credential parsers of
 * untrusted text (collectors/aws): a selector byte, then 0 a shared config
 * or credentials file (aws_ini.c), 1 a credential_process command line
 * split into argv (aws_creds_split). Besides not crashing, leaking or
 * overrunning: an error is one line, and a parsed file's lookups find
 * what it holds. Run with run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_creds.h"
#include "aws_ini.h"

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            abort();                                                           \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data + 1;
    size_t n = size ? size - 1 : 0, i, j;
    struct err e = {{0}};
    struct aws_ini ini;
    char *z;
    char **argv;

    if (size == 0)
        return 0;
    if (data[0] % 2 == 0) {
        if (aws_ini_parse("f", s, n, &ini, &e) < 0) {
            FUZZ_CHECK(!strchr(e.msg, '\n'));
            return 0;
        }
        for (i = 0; i < ini.nsec; i++) {
            FUZZ_CHECK(aws_ini_section(&ini, ini.sec[i].name) != NULL);
            for (j = 0; j < ini.sec[i].nkv; j++)
                FUZZ_CHECK(aws_ini_find(&ini.sec[i], ini.sec[i].kv[j].key) ==
                           &ini.sec[i].kv[j]);
        }
        aws_ini_release(&ini);
        return 0;
    }
    z = malloc(n + 1);
    memcpy(z, s, n);
    z[n] = '\0';
    argv = aws_creds_split(z, &e);
    FUZZ_CHECK(argv || e.msg[0]);
    FUZZ_CHECK(!argv || argv[0]);
    aws_creds_argv_free(argv);
    free(z);
    return 0;
}
