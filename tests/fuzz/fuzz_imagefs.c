/*
 * fuzz_imagefs.c: libFuzzer target for what imagefs reads from an image
 * (untrusted input). The first byte picks the parser (passwd, group,
 * shadow, os-release, dpkg status, status.d, apk, the account and package
 * resources, the sniffers) or, for 9, feeds the rest to imagefs as two
 * tar layers in small pieces (the next byte says where the first ends). Nothing
 * may crash, leak or hang, and what comes out keeps its promises: password
 * states only, purls of the permitted characters only. Run with run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "imagefs.h"
#include "imagefs_read.h"

/* A password field never gets out: only these states. */
static void fuzz_check_state(const json_t *v)
{
    const char *s = json_string_value(v);

    if (!s || (strcmp(s, "locked") != 0 && strcmp(s, "empty") != 0 &&
               strcmp(s, "set") != 0 && strcmp(s, "unknown") != 0))
        abort();
}

static void fuzz_check_purl(const char *p)
{
    if (!p || strncmp(p, "pkg:", 4) != 0)
        abort();
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || strchr(".-_~:%/@?=&", *p)))
            abort();
}

/* The first byte says where layer 0 ends, in 512-byte blocks. */
static void fuzz_layers(const uint8_t *data, size_t size)
{
    struct imagefs *fs = imagefs_new();
    size_t cut = size ? (size_t)data[0] * 512 : 0, i;
    json_t *res, *sum;

    if (size) {
        data++;
        size--;
    }
    if (cut > size)
        cut = size;
    for (i = 0; i < 2; i++) {
        const uint8_t *p = data + (i ? cut : 0);
        size_t n = i ? size - cut : cut, off = 0;
        struct sink *s = imagefs_layer_sink(fs, (unsigned)i, "fuzz");
        struct err e;
        int rc = 0;

        while (rc == 0 && off < n) {
            size_t k = n - off < 61 ? n - off : 61;
            rc = s->write(s, p + off, k, &e);
            off += k;
        }
        if (rc == 0)
            s->close(s, &e);
        s->free(s);
    }
    res = imagefs_resources(fs);
    sum = imagefs_summary(fs);
    if (!res || !sum)
        abort();
    json_decref(res);
    json_decref(sum);
    imagefs_free(fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data + 1;
    size_t n = size ? size - 1 : 0, i, bad = 0;
    json_t *j = NULL, *v, *out, *malformed;
    const char *key;

    if (size == 0)
        return 0;
    switch (data[0] % 10) {
    case 0:
        j = imagefs_read_passwd(p, n, &bad);
        json_array_foreach(j, i, v)
            fuzz_check_state(json_object_get(v, "password"));
        break;
    case 1:
        j = imagefs_read_group(p, n, &bad);
        break;
    case 2:
        j = imagefs_read_shadow(p, n, &bad);
        json_object_foreach(j, key, v) fuzz_check_state(v);
        break;
    case 3:
        j = imagefs_read_os_release(p, n, "/etc/os-release", &bad);
        break;
    case 4:
    case 5:
    case 6:
        j = json_array();
        if (data[0] % 10 == 6)
            imagefs_read_apk(p, n, j, &bad);
        else
            imagefs_read_dpkg(p, n, data[0] % 10 == 5, j, &bad);
        out = json_array();
        v = imagefs_read_os_release(p, n, "/etc/os-release", NULL);
        if (imagefs_read_packages(j, v, out))
            abort();
        json_decref(v);
        json_array_foreach(j, i, v)
            fuzz_check_purl(json_string_value(json_object_get(v, "purl")));
        json_decref(out);
        break;
    case 7:
        /* The same bytes as passwd, group and shadow at once. */
        out = json_array();
        malformed = json_object();
        if (imagefs_read_accounts(p, n, p, n, p, n, out, malformed))
            abort();
        json_array_foreach(out, i, v)
        {
            json_t *pw = json_object_get(json_object_get(v, "doc"), "password");
            if (pw)
                fuzz_check_state(pw);
        }
        j = imagefs_read_sort(out);
        json_decref(out);
        json_decref(malformed);
        break;
    case 8:
        (void)imagefs_read_private_key(p, n);
        (void)imagefs_read_secret_line(p, n);
        return 0;
    default:
        fuzz_layers(data + 1, n);
        return 0;
    }
    if (!j)
        abort();
    json_decref(j);
    return 0;
}
