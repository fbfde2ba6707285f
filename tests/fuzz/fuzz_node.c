/*
 * fuzz_node.c: libFuzzer target for the node collector's parsers of
 * untrusted node files (collectors/node/node_flags.c): a selector byte, then
 * 0 a systemd unit (and its ExecStart split with the unit's environment),
 * 1 an EnvironmentFile, 2 argv words (NUL-separated, as /proc/PID/cmdline),
 * 3 a component config as JSON (checked strictly, mapped to flags). No
 * crash, leak or overrun on any input. Run with run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node_flags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data + 1;
    size_t n = size ? size - 1 : 0;
    struct nodeunit u;
    struct err e;
    json_t *j, *w, *eff, *from;
    const char *field;
    char *z;

    if (size == 0)
        return 0;
    z = malloc(n + 1);
    memcpy(z, s, n);
    z[n] = '\0';
    switch (data[0] % 4) {
    case 0:
        nodeunit_init(&u);
        nodeunit_feed(&u, s, n);
        if (u.exec_start) {
            w = nodeunit_exec_words(u.exec_start, u.env, &e);
            j = nodeflags_parse(w);
            json_decref(j);
            json_decref(w);
        }
        nodeunit_release(&u);
        break;
    case 1:
        j = json_object();
        nodeunit_envfile(j, s, n);
        json_decref(j);
        break;
    case 2: {
        size_t i = 0;
        w = json_array();
        while (i < n) {
            size_t l = strnlen(z + i, n - i);
            json_array_append_new(w, json_stringn(z + i, l));
            i += l + 1;
        }
        j = nodeflags_parse(w);
        json_decref(j);
        json_decref(w);
        break;
    }
    default:
        j = json_loadb(s, n, 0, NULL);
        if (j) {
            const char *kind =
                n % 2 ? "KubeletConfiguration" : "KubeProxyConfiguration";
            if (nodeflags_config_check(kind, j, &field, &e) == 0) {
                json_t *cf = nodeflags_config_flags(kind, j);
                nodeflags_resolve(NULL, cf, &eff, &from);
                json_decref(eff);
                json_decref(from);
                json_decref(cf);
            }
            nodeflags_line_of(s, n, "kind");
            json_decref(j);
        }
    }
    free(z);
    return 0;
}
