/*
 * test_imagefs.c: the layered filesystem on layers built here, in memory,
 * by a tiny ustar writer. Every scenario is fed whole and in pieces of 1, 7
 * and 4096 bytes and must give the same resources and summary each time
 * (so markers split across data() calls are seen); then its resources are
 * checked: whiteouts, opaque directories, replacement, the notable flags,
 * private keys, credentials, accounts (no hash in any output), os-release
 * through symlinks, dpkg, status.d and apk packages with their purls,
 * broken layers, the notable cap and bounded memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <malloc.h>

#include <jansson.h>

#include "err.h"
#include "imagefs.h"
#include "imagefs_read.h"
#include "util.h"

/* ---- a tiny tar writer ------------------------------------------------- */

#include "testbuf.h"

/* One entry of a layer table; a NULL name ends the table. data of len
 * bytes (strlen when len is 0); fill: that many 'x' bytes instead. */
struct ent {
    const char *name;
    char type; /* '0' file (also when 0), '1' '2' '3' '5' ... */
    unsigned int mode;
    const char *data;
    const char *link;
    int64_t uid;
    size_t len, fill;
};

static void th_octal(unsigned char *f, size_t n, uint64_t v)
{
    char tmp[32];

    if (v >= (1ULL << (3 * (n - 1)))) { /* base-256 */
        size_t i;
        for (i = n; i-- > 1;) {
            f[i] = (unsigned char)(v & 0xff);
            v >>= 8;
        }
        f[0] = 0x80;
        return;
    }
    snprintf(tmp, sizeof(tmp), "%0*llo", (int)n - 1, (unsigned long long)v);
    memcpy(f, tmp, n);
}

static void tw_header(struct buf *b, const char *name, char type,
                      unsigned int mode, int64_t uid, uint64_t size,
                      const char *link)
{
    unsigned char blk[512];
    size_t nl = strlen(name), i;
    unsigned int sum = 0;
    char tmp[16];

    memset(blk, 0, sizeof(blk));
    if (nl > 100) { /* ustar prefix: split at a '/' */
        const char *cut = name + nl - 100;
        while (*cut && *cut != '/')
            cut++;
        assert_true(*cut == '/' && (size_t)(cut - name) <= 155);
        memcpy(blk + 345, name, (size_t)(cut - name));
        name = cut + 1;
    }
    memcpy(blk, name, strlen(name));
    th_octal(blk + 100, 8, mode);
    th_octal(blk + 108, 8, (uint64_t)uid);
    th_octal(blk + 116, 8, 0);
    th_octal(blk + 124, 12, size);
    th_octal(blk + 136, 12, 0);
    blk[156] = (unsigned char)type;
    if (link)
        memcpy(blk + 157, link, strnlen(link, 100));
    memcpy(blk + 257,
           "ustar\0"
           "00",
           8);
    memset(blk + 148, ' ', 8);
    for (i = 0; i < 512; i++)
        sum += blk[i];
    snprintf(tmp, sizeof(tmp), "%06o", sum);
    memcpy(blk + 148, tmp, 7);
    buf_add(b, blk, sizeof(blk));
}

static void tw_entry(struct buf *b, const struct ent *e)
{
    char type = e->type ? e->type : '0';
    size_t n = 0, k;

    if (type == '0')
        n = e->fill ? e->fill : e->len ? e->len : e->data ? strlen(e->data) : 0;
    tw_header(b, e->name, type, e->mode, e->uid, n, e->link);
    if (e->fill) {
        for (k = 0; k < n; k++)
            buf_add(b, "x", 1);
    } else {
        buf_add(b, e->data, n);
    }
    buf_zeros(b, (512 - n % 512) % 512);
}

static void tw_layer(struct buf *b, const struct ent *e)
{
    for (; e->name; e++)
        tw_entry(b, e);
    buf_zeros(b, 1024);
}

/* ---- feeding ----------------------------------------------------------- */

struct result {
    json_t *res, *sum;
    int complete;
};

static void result_release(struct result *r)
{
    json_decref(r->res);
    json_decref(r->sum);
    memset(r, 0, sizeof(*r));
}

/* Feeds the layers (in order) in pieces of chunk bytes (0: whole). */
static void feed(struct imagefs *fs, const struct buf *layers, size_t n,
                 size_t chunk)
{
    size_t i, off;
    struct err e;

    for (i = 0; i < n; i++) {
        struct sink *s = imagefs_layer_sink(fs, (unsigned)i, "test layer");
        int rc = 0;

        assert_non_null(s);
        for (off = 0; rc == 0 && off < layers[i].len;) {
            size_t k = chunk ? chunk : layers[i].len;
            if (k > layers[i].len - off)
                k = layers[i].len - off;
            rc = s->write(s, layers[i].p + off, k, &e);
            off += k;
        }
        if (rc == 0)
            s->close(s, &e);
        s->free(s);
    }
}

/* Runs the layers whole and in pieces; all runs must agree. */
static void run(const struct ent *const *tables, size_t n, struct result *r)
{
    static const size_t chunks[] = {0, 1, 7, 4096};
    struct buf layers[8];
    size_t c, i;

    assert_true(n <= 8);
    memset(layers, 0, sizeof(layers));
    for (i = 0; i < n; i++)
        tw_layer(&layers[i], tables[i]);
    memset(r, 0, sizeof(*r));
    for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        struct imagefs *fs = imagefs_new();
        json_t *res, *sum;

        feed(fs, layers, n, chunks[c]);
        res = imagefs_resources(fs);
        sum = imagefs_summary(fs);
        assert_non_null(res);
        assert_non_null(sum);
        for (i = 1; i < json_array_size(res); i++) {
            json_t *a = json_array_get(res, i - 1), *b = json_array_get(res, i);
            int k = strcmp(json_string_value(json_object_get(a, "kind")),
                           json_string_value(json_object_get(b, "kind")));
            if (!k)
                k = strcmp(json_string_value(json_object_get(a, "name")),
                           json_string_value(json_object_get(b, "name")));
            assert_true(k < 0); /* sorted, no duplicates */
        }
        if (c == 0) {
            r->res = res;
            r->sum = sum;
            r->complete = imagefs_complete(fs);
        } else {
            assert_true(json_equal(res, r->res));
            assert_true(json_equal(sum, r->sum));
            assert_int_equal(imagefs_complete(fs), r->complete);
            json_decref(res);
            json_decref(sum);
        }
        imagefs_free(fs);
    }
    for (i = 0; i < n; i++)
        buf_release(&layers[i]);
}

/* ---- looking at results ------------------------------------------------ */

static json_t *doc_of(const json_t *res, const char *kind, const char *name)
{
    size_t i;
    json_t *r;

    json_array_foreach(res, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "kind")), kind) == 0 &&
            strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
            return json_object_get(r, "doc");
    }
    return NULL;
}

static json_t *file_of(const struct result *r, const char *path)
{
    return doc_of(r->res, "image/File", path);
}

static const char *str_of(const json_t *doc, const char *key)
{
    return json_string_value(json_object_get(doc, key));
}

static int bool_of(const json_t *doc, const char *key)
{
    json_t *v = json_object_get(doc, key);
    assert_true(json_is_boolean(v));
    return json_is_true(v);
}

static json_int_t int_of(const json_t *doc, const char *key)
{
    json_t *v = json_object_get(doc, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static size_t count_kind(const json_t *res, const char *kind)
{
    size_t i, n = 0;
    json_t *r;

    json_array_foreach(res, i, r) n +=
        strcmp(json_string_value(json_object_get(r, "kind")), kind) == 0;
    return n;
}

/* The reasons joined by ','. */
static const char *reasons_of(const json_t *doc, char *out, size_t n)
{
    json_t *v;
    size_t i;

    out[0] = '\0';
    json_array_foreach(json_object_get(doc, "reasons"), i, v)
    {
        size_t l = strlen(out);
        snprintf(out + l, n - l, "%s%s", l ? "," : "", json_string_value(v));
    }
    return out;
}

/* True when s appears anywhere in the dumped JSON. */
static int dump_has(const json_t *j, const char *s)
{
    char *d = json_dumps(j, JSON_COMPACT);
    int has = d && strstr(d, s) != NULL;

    free(d);
    return has;
}

static int not_read_has(const struct result *r, const char *path,
                        const char *reason)
{
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(r->sum, "not_read"), i, v)
    {
        if (strcmp(str_of(v, "path"), path) == 0 &&
            strcmp(str_of(v, "reason"), reason) == 0)
            return 1;
    }
    return 0;
}

#define RUN(r, ...)                                                            \
    do {                                                                       \
        const struct ent *const t_[] = {__VA_ARGS__};                          \
        run(t_, sizeof(t_) / sizeof(t_[0]), r);                                \
    } while (0)

#define RSA_KEY                                                                \
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecretsecretsecret\n"    \
    "-----END RSA PRIVATE KEY-----\n"

/* ---- layers: whiteouts, opaque directories, replacement ---------------- */

static void test_whiteouts(void **state)
{
    static const struct ent l0[] = {
        {.name = "usr/bin/sudo", .mode = 04755, .data = "ELF"},
        {.name = "usr/bin/su", .mode = 04755, .data = "ELF"},
        {.name = "opt/app/bin/helper", .mode = 04711, .data = "ELF"},
        {.name = "opt/app/key.pem", .mode = 0600, .data = RSA_KEY},
        {.name = "opt/keep/tool", .mode = 02755, .data = "ELF"},
        {0}};
    /* The whiteout comes after the same layer's new file at that path, and
     * before a new file under a whited-out directory: neither is lost. */
    static const struct ent l1[] = {
        {.name = "usr/bin/.wh.sudo", .mode = 0644},
        {.name = "usr/bin/su", .mode = 04755, .data = "ELF2"},
        {.name = "usr/bin/.wh.su", .mode = 0644},
        {.name = "opt/.wh.app", .mode = 0644},
        {.name = "opt/app/bin/helper2", .mode = 04755, .data = "ELF"},
        {0}};
    struct result r;

    (void)state;
    RUN(&r, l0, l1);
    assert_true(r.complete);
    assert_null(file_of(&r, "/usr/bin/sudo"));
    assert_null(file_of(&r, "/opt/app/bin/helper"));
    assert_null(file_of(&r, "/opt/app/key.pem"));
    assert_non_null(file_of(&r, "/opt/keep/tool"));
    assert_int_equal(int_of(file_of(&r, "/usr/bin/su"), "layer"), 1);
    assert_int_equal(int_of(file_of(&r, "/usr/bin/su"), "size"), 4);
    assert_int_equal(int_of(file_of(&r, "/opt/app/bin/helper2"), "layer"), 1);
    assert_int_equal(int_of(r.sum, "whiteouts"), 3);
    assert_int_equal(int_of(r.sum, "notable"), 3);
    result_release(&r);
}

static void test_opaque(void **state)
{
    static const struct ent l0[] = {
        {.name = "app/", .type = '5', .mode = 0755},
        {.name = "app/bin/old", .mode = 04755, .data = "x"},
        {.name = "app/data/", .type = '5', .mode = 0777},
        {.name = "other/bin/su", .mode = 04755, .data = "x"},
        {0}};
    /* The new file comes before the marker: still kept. */
    static const struct ent l1[] = {
        {.name = "app/bin/new", .mode = 04755, .data = "x"},
        {.name = "app/.wh..wh..opq", .mode = 0644},
        {0}};
    static const struct ent l2[] = {
        {.name = ".wh..wh..opq", .mode = 0644}, /* the root itself */
        {.name = "etc/newsu", .mode = 04755, .data = "x"},
        {0}};
    struct result r;

    (void)state;
    RUN(&r, l0, l1);
    assert_null(file_of(&r, "/app/bin/old"));
    assert_null(file_of(&r, "/app/data"));
    assert_non_null(file_of(&r, "/app/bin/new"));
    assert_non_null(file_of(&r, "/other/bin/su"));
    assert_int_equal(int_of(r.sum, "opaque_dirs"), 1);
    result_release(&r);

    RUN(&r, l0, l1, l2);
    assert_int_equal(count_kind(r.res, "image/File"), 1);
    assert_non_null(file_of(&r, "/etc/newsu"));
    result_release(&r);
}

static void test_replacement(void **state)
{
    static const struct ent l0[] = {
        {.name = "usr/bin/foo", .mode = 04755, .data = "x"},
        {.name = "opt/d/", .type = '5', .mode = 0755},
        {.name = "opt/d/su", .mode = 04755, .data = "x"},
        {.name = "opt/e/su", .mode = 04755, .data = "x"},
        {.name = "srv/www", .type = '5', .mode = 0777},
        {.name = "srv/www/upload.sh", .mode = 0777, .data = "x"},
        {0}};
    static const struct ent l1[] = {
        {.name = "usr/bin/foo", .mode = 0755, .data = "plain"},
        {.name = "opt/d", .mode = 0644, .data = "now a file"},
        {.name = "opt/e/", .type = '5', .mode = 0755},
        {.name = "srv/www", .type = '5', .mode = 0755},
        {0}};
    struct result r;

    (void)state;
    RUN(&r, l0, l1);
    assert_null(file_of(&r, "/usr/bin/foo"));  /* a plain file now */
    assert_null(file_of(&r, "/opt/d/su"));     /* its directory is a file */
    assert_non_null(file_of(&r, "/opt/e/su")); /* directories merge */
    assert_null(file_of(&r, "/srv/www"));      /* chmod'ed */
    assert_non_null(file_of(&r, "/srv/www/upload.sh"));
    result_release(&r);
}

/* ---- the notable flags ------------------------------------------------- */

static void test_flags(void **state)
{
    static const struct {
        struct ent e;
        const char *path, *reasons; /* NULL: not notable */
        const char *type;
    } cases[] = {
        {{.name = "usr/bin/passwd", .mode = 04755, .data = "x"},
         "/usr/bin/passwd",
         "setuid",
         "file"},
        {{.name = "usr/bin/wall", .mode = 02755, .data = "x"},
         "/usr/bin/wall",
         "setgid",
         "file"},
        {{.name = "usr/bin/both", .mode = 06777, .data = "x"},
         "/usr/bin/both",
         "setuid,setgid,world-writable",
         "file"},
        {{.name = "tmp/", .type = '5', .mode = 01777}, "/tmp", NULL, NULL},
        {{.name = "var/mail/", .type = '5', .mode = 02775},
         "/var/mail",
         NULL,
         NULL},
        {{.name = "data/", .type = '5', .mode = 0777},
         "/data",
         "world-writable",
         "dir"},
        {{.name = "var/log/app.log", .mode = 0666, .data = "x"},
         "/var/log/app.log",
         "world-writable",
         "file"},
        {{.name = "usr/bin/sym", .type = '2', .mode = 06777, .link = "su"},
         "/usr/bin/sym",
         NULL,
         NULL},
        {{.name = "dev/null", .type = '3', .mode = 0666},
         "/dev/null",
         "world-writable,device",
         "char"},
        {{.name = "dev/sda", .type = '4', .mode = 0660},
         "/dev/sda",
         "device",
         "block"},
        {{.name = "run/fifo", .type = '6', .mode = 0622},
         "/run/fifo",
         "world-writable",
         "fifo"},
        {{.name = "usr/bin/ok", .mode = 0755, .data = "x"},
         "/usr/bin/ok",
         NULL,
         NULL},
        {{.name = "etc/ssh/sshd_config", .mode = 0644, .data = "Port 22\n"},
         "/etc/ssh/sshd_config",
         "ssh-config",
         "file"},
        {{.name = "etc/ssh/", .type = '5', .mode = 0755},
         "/etc/ssh",
         NULL,
         NULL},
        {{.name = "usr/bin/bigid",
          .mode = 04755,
          .data = "x",
          .uid = 1LL << 40},
         "/usr/bin/bigid",
         "setuid",
         "file"},
        {{.name = "usr/bin/\xff\xfe-bad", .mode = 04755, .data = "x"},
         "/usr/bin/\xef\xbf\xbd\xef\xbf\xbd-bad",
         "setuid",
         "file"},
    };
    struct ent tbl[sizeof(cases) / sizeof(cases[0]) + 1];
    char why[256];
    struct result r;
    size_t i;

    (void)state;
    memset(tbl, 0, sizeof(tbl));
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        tbl[i] = cases[i].e;
    RUN(&r, tbl);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *d = file_of(&r, cases[i].path);
        if (!cases[i].reasons) {
            if (d)
                fail_msg("%s should not be notable", cases[i].path);
            continue;
        }
        if (!d)
            fail_msg("%s should be notable", cases[i].path);
        assert_string_equal(reasons_of(d, why, sizeof(why)), cases[i].reasons);
        assert_string_equal(str_of(d, "type"), cases[i].type);
        assert_int_equal(bool_of(d, "setuid"),
                         strstr(cases[i].reasons, "setuid") != NULL);
        assert_int_equal(bool_of(d, "world_writable"),
                         strstr(cases[i].reasons, "world") != NULL);
    }
    assert_string_equal(str_of(file_of(&r, "/usr/bin/both"), "mode"), "6777");
    assert_int_equal(int_of(file_of(&r, "/usr/bin/both"), "mode_bits"), 06777);
    assert_int_equal(int_of(file_of(&r, "/usr/bin/bigid"), "uid"), 1LL << 40);
    assert_true(bool_of(file_of(&r, "/etc/ssh/sshd_config"), "ssh_config"));
    result_release(&r);
}

/* ---- private keys and credentials -------------------------------------- */

static void test_private_keys(void **state)
{
    static char late[70000], big[(1 << 20) + 100], edge[65536 + 40];
    struct ent l0[] = {
        {.name = "k/rsa.pem", .mode = 0600, .data = RSA_KEY},
        {.name = "k/ec",
         .mode = 0600,
         .data = "junk\n-----BEGIN EC PRIVATE KEY-----\nMHc=\n"},
        {.name = "k/openssh",
         .mode = 0600,
         .data = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n"},
        {.name = "k/enc",
         .mode = 0600,
         .data = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMII\n"},
        {.name = "k/pkcs8",
         .mode = 0644,
         .data = "-----BEGIN PRIVATE KEY-----\nMII\n"},
        {.name = "k/dsa",
         .mode = 0600,
         .data = "-----BEGIN DSA PRIVATE KEY-----\nMII\n"},
        {.name = "k/cert.pem",
         .mode = 0644,
         .data = "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----"},
        {.name = "k/pub.pem",
         .mode = 0644,
         .data = "-----BEGIN PUBLIC KEY-----\nMII\n"},
        {.name = "k/notakey",
         .mode = 0644,
         .data = "-----BEGIN NOT A PRIVATE KEYS-----\n"},
        {.name = "k/late", .mode = 0644, .data = late, .len = sizeof(late)},
        {.name = "k/edge", .mode = 0644, .data = edge, .len = sizeof(edge)},
        {.name = "k/big", .mode = 0644, .data = big, .len = sizeof(big)},
        {.name = "k/link", .type = '1', .mode = 0644, .link = "k/rsa.pem"},
        {0}};
    static const char *const keys[] = {"/k/rsa.pem", "/k/ec",    "/k/openssh",
                                       "/k/enc",     "/k/pkcs8", "/k/dsa",
                                       "/k/edge",    "/k/link"};
    static const char *const not_keys[] = {"/k/cert.pem", "/k/pub.pem",
                                           "/k/notakey", "/k/late", "/k/big"};
    struct result r;
    size_t i;

    (void)state;
    /* A key after the first 64 KiB is not looked for; one that starts just
     * before that end is; a file over 1 MiB is not looked at. */
    memset(late, 'a', sizeof(late));
    memcpy(late + 66000, "-----BEGIN RSA PRIVATE KEY-----", 31);
    memset(edge, 'a', sizeof(edge));
    memcpy(edge + 65530, "-----BEGIN RSA PRIVATE KEY-----", 31);
    memset(big, 'a', sizeof(big));
    memcpy(big, "-----BEGIN RSA PRIVATE KEY-----", 31);
    RUN(&r, l0);
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *d = file_of(&r, keys[i]);
        if (!d || !bool_of(d, "private_key"))
            fail_msg("%s should be a private key", keys[i]);
    }
    for (i = 0; i < sizeof(not_keys) / sizeof(not_keys[0]); i++)
        if (file_of(&r, not_keys[i]))
            fail_msg("%s should not be notable", not_keys[i]);
    assert_string_equal(str_of(file_of(&r, "/k/link"), "link"), "/k/rsa.pem");
    assert_int_equal(int_of(file_of(&r, "/k/link"), "size"),
                     (json_int_t)strlen(RSA_KEY));
    assert_false(dump_has(r.res, "secretsecret"));
    assert_false(dump_has(r.sum, "secretsecret"));
    result_release(&r);
}

static void test_credentials(void **state)
{
    static const struct {
        const char *name, *data, *cred; /* cred NULL: not notable */
    } cases[] = {
        {"root/.netrc", "machine x login y password z\n", "netrc"},
        {"home/a/.git-credentials", "https://u:p@h\n", "git-credentials"},
        {"root/.docker/config.json", "{\"auths\":{}}", "docker-config"},
        {"srv/config.json", "{}", NULL},
        {"home/a/.aws/credentials", "[default]\n", "aws"},
        {"home/a/aws/credentials", "[default]\n", NULL},
        {"app/.npmrc", "//registry.npmjs.org/:_authToken=npm_abc\n", "npmrc"},
        {"app2/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
         NULL},
        {"app3/.npmrc", "registry=https://r.example/\n", NULL},
        {"app4/.npmrc", "_auth = \"dXNlcjpwYXNz\"\r\n", "npmrc"},
        {"root/.pypirc", "[pypi]\nusername = __token__\npassword: pypi-x\n",
         "pypirc"},
        {"root2/.pypirc", "[pypi]\nusername = me\n", NULL},
        {"home/a/.ssh/id_rsa", "not even a key", "ssh-private-key"},
        {"home/a/.ssh/id_ed25519", RSA_KEY, "ssh-private-key"},
        {"home/a/.ssh/id_rsa.pub", "ssh-rsa AAAA", NULL},
        {"var/lib/pg/.pgpass", "*:*:*:u:p\n", "pgpass"},
        {"etc/nginx/.htpasswd", "u:$apr1$x\n", "htpasswd"},
    };
    struct ent tbl[sizeof(cases) / sizeof(cases[0]) + 1];
    char path[128];
    struct result r;
    size_t i;

    (void)state;
    memset(tbl, 0, sizeof(tbl));
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tbl[i].name = cases[i].name;
        tbl[i].mode = 0600;
        tbl[i].data = cases[i].data;
    }
    RUN(&r, tbl);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *d;
        snprintf(path, sizeof(path), "/%s", cases[i].name);
        d = file_of(&r, path);
        if (!cases[i].cred) {
            if (d)
                fail_msg("%s should not be notable", path);
            continue;
        }
        if (!d)
            fail_msg("%s should be a credential", path);
        assert_string_equal(str_of(d, "credential"), cases[i].cred);
    }
    assert_true(bool_of(file_of(&r, "/home/a/.ssh/id_ed25519"), "private_key"));
    assert_false(dump_has(r.res, "npm_abc"));
    assert_false(dump_has(r.res, "pypi-x"));
    result_release(&r);
}

static void test_unsafe_paths(void **state)
{
    static const struct ent l0[] = {
        {.name = "../../etc/evil", .mode = 0644, .data = "x"},
        {.name = "/abs/file", .mode = 0644, .data = "x"},
        {.name = "ok/../fine", .mode = 0644, .data = "x"},
        {0}};
    char why[64];
    struct result r;
    json_t *d;

    (void)state;
    RUN(&r, l0);
    d = file_of(&r, "/etc/evil");
    assert_non_null(d);
    assert_true(bool_of(d, "unsafe_path"));
    assert_string_equal(reasons_of(d, why, sizeof(why)), "unsafe-path");
    assert_non_null(file_of(&r, "/abs/file"));
    assert_null(file_of(&r, "/fine"));
    assert_int_equal(int_of(r.sum, "unsafe_entries"), 2);
    result_release(&r);
}

/* ---- accounts ---------------------------------------------------------- */

#define HASH "$6$saltsalt$Zm9vYmFyYmF6cXV4aGFzaGhhc2g"

static const char passwd_text[] =
    "root:x:0:0:root:/root:/bin/bash\r\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "# a comment\n"
    "\n"
    "toor:x:0:0::/root:/bin/sh\n"
    "app:x:1000:1000:App,,,:/home/app:/bin/sh\n"
    "nopw::1001:1001::/home/nopw:/bin/bash\n"
    "inline:" HASH ":1002:1002::/:/bin/sh\n"
    "sync:x:4:65534:sync:/bin:/bin/sync\n"
    "short:x:5:5\n"
    "baduid:x:abc:5::/:/bin/sh\n"
    "toobig:x:4294967296:5::/:/bin/sh\n"
    "nul:x:6:6::/:/bin/sh\0junk\n"
    "root:x:99:99:second root line:/:/bin/sh\n"
    "halt:x:7:0:halt:/sbin:/sbin/halt"; /* no trailing newline */

static const char shadow_text[] = "root:" HASH ":19000:0:99999:7:::\n"
                                  "daemon:*:19000:0:99999:7:::\n"
                                  "toor:!" HASH ":19000::::::\n"
                                  "app:!:19000::::::\n"
                                  "sync:!!:19000::::::\n"
                                  "broken\n";

static const char group_text[] = "root:x:0:\n"
                                 "sudo:x:27:app, ops ,\n"
                                 "bad:x:nope:\n"
                                 "wheel:x:10:root\n";

static void test_accounts(void **state)
{
    struct ent l0[] = {
        {.name = "etc/passwd",
         .mode = 0644,
         .data = passwd_text,
         .len = sizeof(passwd_text) - 1},
        {.name = "etc/shadow", .mode = 0640, .data = shadow_text},
        {.name = "etc/group", .mode = 0644, .data = group_text},
        {0}};
    static const struct {
        const char *name, *password, *shell;
        json_int_t uid;
        int login;
    } users[] = {
        {"user:root", "set", "/bin/bash", 0, 1},
        {"user:daemon", "locked", "/usr/sbin/nologin", 1, 0},
        {"user:toor", "locked", "/bin/sh", 0, 1},
        {"user:app", "locked", "/bin/sh", 1000, 1},
        {"user:nopw", "empty", "/bin/bash", 1001, 1},
        {"user:inline", "set", "/bin/sh", 1002, 1},
        {"user:sync", "locked", "/bin/sync", 4, 0},
        {"user:halt", "unknown", "/sbin/halt", 7, 0},
    };
    struct result r;
    json_t *d, *malformed;
    size_t i;

    (void)state;
    RUN(&r, l0);
    for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        d = doc_of(r.res, "image/Account", users[i].name);
        if (!d)
            fail_msg("no %s", users[i].name);
        assert_string_equal(str_of(d, "type"), "user");
        assert_string_equal(str_of(d, "password"), users[i].password);
        assert_string_equal(str_of(d, "shell"), users[i].shell);
        assert_int_equal(int_of(d, "uid"), users[i].uid);
        assert_int_equal(bool_of(d, "login_shell"), users[i].login);
    }
    /* The first root line wins; malformed lines are skipped. */
    assert_string_equal(
        str_of(doc_of(r.res, "image/Account", "user:root"), "home"), "/root");
    assert_null(doc_of(r.res, "image/Account", "user:short"));
    assert_null(doc_of(r.res, "image/Account", "user:baduid"));
    assert_null(doc_of(r.res, "image/Account", "user:toobig"));
    assert_null(doc_of(r.res, "image/Account", "user:nul"));
    d = doc_of(r.res, "image/Account", "group:sudo");
    assert_non_null(d);
    assert_int_equal(int_of(d, "gid"), 27);
    assert_int_equal(json_array_size(json_object_get(d, "members")), 2);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(d, "members"), 1)),
        "ops");
    assert_null(doc_of(r.res, "image/Account", "group:bad"));
    malformed = json_object_get(r.sum, "malformed_lines");
    assert_int_equal(int_of(malformed, "passwd"), 4);
    assert_int_equal(int_of(malformed, "shadow"), 1);
    assert_int_equal(int_of(malformed, "group"), 1);
    /* The read files are reported too; no hash anywhere. */
    assert_string_equal(str_of(file_of(&r, "/etc/shadow"), "mode"), "0640");
    assert_false(dump_has(r.res, "saltsalt"));
    assert_false(dump_has(r.sum, "saltsalt"));
    assert_false(dump_has(r.res, "Zm9v"));
    result_release(&r);
}

/* ---- os-release, symlinks, hard links ---------------------------------- */

static const char os_debian[] =
    "# os-release\n"
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
    "NAME='Debian GNU/Linux'\r\n"
    "VERSION_ID=\"12\"\n"
    "  ID=debian\n"
    "ID_LIKE=\"  \"\n"
    "VERSION_CODENAME=book\\ worm\n"
    "HOME_URL=\"https://www.debian.org/ \\\"q\\\" \\\\ \\$x\"\n"
    "BROKEN=\"unterminated\n"
    "=novalue\n";

static void test_os_release(void **state)
{
    static const struct ent direct[] = {
        {.name = "usr/lib/os-release", .mode = 0644, .data = os_debian},
        {.name = "etc/os-release",
         .type = '2',
         .link = "../usr/lib/os-release"},
        {0}};
    static const struct ent absolute[] = {
        {.name = "usr/lib/os-release",
         .mode = 0644,
         .data = "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\n"},
        {.name = "etc/os-release", .type = '2', .link = "/usr/lib/os-release"},
        {0}};
    /* etc is a symlink: etc/os-release is usr/lib/os-release */
    static const struct ent via_dir[] = {
        {.name = "usr/lib/os-release",
         .mode = 0644,
         .data = "ID=alpine\nVERSION_ID=3.19.0\n"},
        {.name = "etc", .type = '2', .link = "usr/../usr/./lib/"},
        {0}};
    static const struct ent replaced[] = {
        {.name = "etc/os-release", .mode = 0644, .data = "ID=\"other\"\n"},
        {0}};
    struct result r;
    json_t *os;

    (void)state;
    RUN(&r, direct);
    os = doc_of(r.res, "image/OS", "os");
    assert_non_null(os);
    assert_string_equal(str_of(os, "id"), "debian");
    assert_string_equal(str_of(os, "version_id"), "12");
    assert_string_equal(str_of(os, "pretty_name"),
                        "Debian GNU/Linux 12 (bookworm)");
    assert_string_equal(str_of(os, "name"), "Debian GNU/Linux");
    assert_string_equal(str_of(os, "version_codename"), "book worm");
    assert_string_equal(str_of(os, "source"), "/etc/os-release");
    assert_int_equal(json_array_size(json_object_get(os, "id_like")), 0);
    assert_int_equal(
        int_of(json_object_get(r.sum, "malformed_lines"), "os_release"), 2);
    assert_string_equal(str_of(file_of(&r, "/etc/os-release"), "type"),
                        "symlink");
    result_release(&r);

    RUN(&r, absolute);
    os = doc_of(r.res, "image/OS", "os");
    assert_string_equal(str_of(os, "id"), "ubuntu");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(os, "id_like"), 0)),
        "debian");
    result_release(&r);

    RUN(&r, via_dir);
    os = doc_of(r.res, "image/OS", "os");
    assert_string_equal(str_of(os, "id"), "alpine");
    assert_string_equal(str_of(os, "source"), "/etc/os-release");
    result_release(&r);

    RUN(&r, direct, replaced);
    assert_string_equal(str_of(doc_of(r.res, "image/OS", "os"), "id"), "other");
    result_release(&r);
}

static void test_links(void **state)
{
    static const struct ent hard[] = {
        {.name = "usr/lib/os-release", .mode = 0644, .data = "ID=alpine\n"},
        {.name = "etc/os-release", .type = '1', .link = "usr/lib/os-release"},
        {.name = "etc/passwd", .type = '1', .link = "etc/unknown"},
        {.name = "bin/su2", .type = '1', .mode = 04755, .link = "bin/su"},
        {0}};
    /* A merged /usr: lib -> usr/lib, and the apk database below it. */
    static const struct ent merged[] = {
        {.name = "usr/lib/apk/db/installed",
         .mode = 0644,
         .data = "P:musl\nV:1.2.4-r2\nA:x86_64\n"},
        {.name = "lib", .type = '2', .link = "usr/lib"},
        {0}};
    struct result r;

    (void)state;
    RUN(&r, hard);
    assert_string_equal(str_of(doc_of(r.res, "image/OS", "os"), "id"),
                        "alpine");
    assert_true(not_read_has(&r, "/etc/passwd", "hardlink-target-unknown"));
    assert_string_equal(str_of(file_of(&r, "/bin/su2"), "type"), "hardlink");
    assert_true(bool_of(file_of(&r, "/bin/su2"), "setuid"));
    result_release(&r);

    RUN(&r, merged);
    assert_non_null(doc_of(r.res, "image/Package", "apk:musl"));
    assert_null(file_of(&r, "/lib")); /* kept to resolve, not notable */
    result_release(&r);
}

static void test_symlink_loops(void **state)
{
    static const struct ent loop[] = {
        {.name = "etc/os-release",
         .type = '2',
         .link = "../usr/lib/os-release"},
        {.name = "usr/lib/os-release",
         .type = '2',
         .link = "/etc/./os-release"},
        {.name = "lib", .type = '2', .link = "lib"},
        {.name = "etc/passwd", .type = '2', .link = "/nowhere/passwd"},
        {0}};
    struct result r;

    (void)state;
    RUN(&r, loop);
    assert_null(doc_of(r.res, "image/OS", "os"));
    assert_true(not_read_has(&r, "/etc/os-release", "symlink-loop"));
    assert_true(not_read_has(&r, "/usr/lib/os-release", "symlink-loop"));
    assert_true(not_read_has(&r, "/lib/apk/db/installed", "symlink-loop"));
    assert_true(not_read_has(&r, "/etc/passwd", "symlink-target-unknown"));
    result_release(&r);
}

/* ---- packages ---------------------------------------------------------- */

static const char dpkg_status[] =
    "Package: libssl3\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Architecture: amd64\n"
    "Multi-Arch: same\n"
    "Source: openssl (3.0.11-1~deb12u2)\n"
    "Version: 3.0.11-1~deb12u2\n"
    "Description: Secure Sockets Layer toolkit\n"
    " This package is part of the OpenSSL project.\n"
    " .\n"
    " Package: not-a-package\n"
    "\n"
    "Package: base-files\r\n"
    "Status: install ok installed\r\n"
    "Architecture: amd64\r\n"
    "Version: 12.4+deb12u5\r\n"
    "Conffiles:\r\n"
    " /etc/debian_version 1234\r\n"
    "\r\n"
    "Package: removed\n"
    "Status: deinstall ok config-files\n"
    "Version: 1.0\n"
    "\n"
    "Package: purged\n"
    "Status: purge ok not-installed\n"
    "\n\n\n"
    "Package: held\n"
    "Status: hold ok installed\n"
    "Architecture: all\n"
    "Version: 1:2.0\n"
    "Source: heldsrc\n"
    "\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 2.36-9+deb12u4\n"
    "Source: glibc\n"
    "\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Architecture: i386\n"
    "Version: 2.36-9+deb12u4\n"
    "Source: glibc\n"
    "\n"
    "garbage line\n"
    "Version: 1\n"
    "\n"
    "Package: nostatus\n"
    "Version: 1"; /* no trailing newline */

static void test_dpkg(void **state)
{
    struct ent l0[] = {
        {.name = "etc/os-release",
         .mode = 0644,
         .data = "ID=debian\nVERSION_ID=\"12\"\n"},
        {.name = "var/lib/dpkg/status", .mode = 0644, .data = dpkg_status},
        {0}};
    static const struct {
        const char *name, *version, *source, *source_version, *purl;
    } pkgs[] = {
        {"deb:libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2",
         "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"},
        {"deb:base-files", "12.4+deb12u5", NULL, NULL,
         "pkg:deb/debian/"
         "base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12"},
        {"deb:held", "1:2.0", "heldsrc", NULL,
         "pkg:deb/debian/held@1:2.0?arch=all&distro=debian-12"},
        {"deb:libc6:amd64", "2.36-9+deb12u4", "glibc", NULL,
         "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"},
        {"deb:libc6:i386", "2.36-9+deb12u4", "glibc", NULL,
         "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=i386&distro=debian-12"},
    };
    struct result r;
    size_t i;

    (void)state;
    RUN(&r, l0);
    assert_int_equal(count_kind(r.res, "image/Package"), 5);
    for (i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++) {
        json_t *d = doc_of(r.res, "image/Package", pkgs[i].name);
        if (!d)
            fail_msg("no %s", pkgs[i].name);
        assert_string_equal(str_of(d, "version"), pkgs[i].version);
        assert_string_equal(str_of(d, "purl"), pkgs[i].purl);
        assert_string_equal(str_of(d, "ecosystem"), "deb");
        assert_string_equal(str_of(d, "status"), "installed");
        if (pkgs[i].source)
            assert_string_equal(str_of(d, "source"), pkgs[i].source);
        else
            assert_true(json_is_null(json_object_get(d, "source")));
        if (pkgs[i].source_version)
            assert_string_equal(str_of(d, "source_version"),
                                pkgs[i].source_version);
        else
            assert_true(json_is_null(json_object_get(d, "source_version")));
    }
    assert_int_equal(
        int_of(json_object_get(r.sum, "malformed_lines"), "dpkg_status"), 2);
    assert_int_equal(int_of(r.sum, "packages"), 5);
    result_release(&r);
}

static void test_status_d(void **state)
{
    static const struct ent l0[] = {
        {.name = "var/lib/dpkg/status.d/libc6",
         .mode = 0644,
         .data = "Package: libc6\nVersion: 2.36-9+deb12u4\n"
                 "Architecture: arm64\nSource: glibc\n"},
        {.name = "var/lib/dpkg/status.d/libc6.md5sums",
         .mode = 0644,
         .data = "Package: bogus\n"},
        {.name = "var/lib/dpkg/status.d/tzdata",
         .mode = 0644,
         .data = "Package: tzdata\nStatus: install ok installed\n"
                 "Version: 2024a-0+deb12u1\nArchitecture: all\n"},
        {.name = "var/lib/dpkg/status.d/gone",
         .mode = 0644,
         .data = "Package: gone\nStatus: deinstall ok config-files\n"},
        {0}};
    struct result r;

    (void)state;
    RUN(&r, l0);
    assert_int_equal(count_kind(r.res, "image/Package"), 2);
    assert_string_equal(
        str_of(doc_of(r.res, "image/Package", "deb:libc6"), "purl"),
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=arm64");
    assert_non_null(doc_of(r.res, "image/Package", "deb:tzdata"));
    assert_null(doc_of(r.res, "image/Package", "deb:bogus"));
    result_release(&r);
}

static void test_apk(void **state)
{
    static const struct ent l0[] = {
        {.name = "etc/os-release",
         .mode = 0644,
         .data = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.0\n"},
        {.name = "lib/apk/db/installed",
         .mode = 0644,
         .data = "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:1\no:musl\n"
                 "F:lib\nR:ld-musl-x86_64.so.1\n\n"
                 "P:busybox-binsh\nV:1.36.1-r15\nA:x86_64\no:busybox\n\n"
                 "junk\nV:9\n\n"},
        {0}};
    struct result r;
    json_t *d;

    (void)state;
    RUN(&r, l0);
    assert_int_equal(count_kind(r.res, "image/Package"), 2);
    d = doc_of(r.res, "image/Package", "apk:musl");
    assert_string_equal(
        str_of(d, "purl"),
        "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.19.0");
    assert_string_equal(str_of(d, "source"), "musl");
    assert_string_equal(str_of(d, "ecosystem"), "apk");
    d = doc_of(r.res, "image/Package", "apk:busybox-binsh");
    assert_string_equal(str_of(d, "source"), "busybox");
    assert_int_equal(
        int_of(json_object_get(r.sum, "malformed_lines"), "apk_installed"), 2);
    result_release(&r);
}

static void test_purls(void **state)
{
    static const struct {
        const char *type, *ns, *name, *version, *arch, *distro, *want;
    } cases[] = {
        {"deb", "debian", "openssl", "3.0.11-1~deb12u2", "amd64", "debian-12",
         "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"},
        {"apk", "alpine", "musl", "1.2.4-r2", "x86_64", "3.19.0",
         "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.19.0"},
        {"deb", "Ubuntu", "LibFoo", "1:2.3+b1 x/y?z#@&=%", NULL, "ubuntu-22.04",
         "pkg:deb/ubuntu/libfoo@1:2.3%2Bb1%20x%2Fy%3Fz%23%40%26%3D%25"
         "?distro=ubuntu-22.04"},
        {"deb", NULL, "a", NULL, "", NULL, "pkg:deb/a"},
        {"apk", "alpine", "caf\xc3\xa9", "1", "x", "3.20",
         "pkg:apk/alpine/caf%C3%A9@1?arch=x&distro=3.20"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *p =
            imagefs_read_purl(cases[i].type, cases[i].ns, cases[i].name,
                              cases[i].version, cases[i].arch, cases[i].distro);
        assert_string_equal(p, cases[i].want);
        free(p);
    }
}

/* ---- broken layers, limits, memory ------------------------------------- */

static void test_broken_layers(void **state)
{
    static const struct ent l0[] = {
        {.name = "usr/bin/su", .mode = 04755, .data = "ELF binary"}, {0}};
    struct buf b = {0};
    struct imagefs *fs;
    struct sink *s;
    struct err e;
    json_t *sum;

    (void)state;
    tw_layer(&b, l0);

    /* Cut inside the content: close fails, the filesystem is incomplete. */
    fs = imagefs_new();
    assert_true(imagefs_complete(fs));
    s = imagefs_layer_sink(fs, 0, "layer 0 of test");
    assert_int_equal(s->write(s, b.p, 600, &e), 0);
    assert_int_not_equal(s->close(s, &e), 0);
    assert_non_null(strstr(e.msg, "layer 0 of test"));
    assert_int_not_equal(s->close(s, &e), 0); /* the same answer again */
    assert_non_null(strstr(e.msg, "truncated"));
    s->free(s);
    assert_false(imagefs_complete(fs));
    sum = imagefs_summary(fs);
    assert_true(json_is_false(json_object_get(sum, "complete")));
    assert_int_equal(int_of(sum, "layers"), 0);
    json_decref(sum);
    imagefs_free(fs);

    /* Garbage: the write fails. */
    fs = imagefs_new();
    s = imagefs_layer_sink(fs, 0, "layer 0");
    memset(b.p, 'z', 512);
    assert_int_not_equal(s->write(s, b.p, b.len, &e), 0);
    s->free(s);
    assert_false(imagefs_complete(fs));
    imagefs_free(fs);

    /* A layer never closed, and layers out of order. */
    fs = imagefs_new();
    s = imagefs_layer_sink(fs, 0, "layer 0");
    s->free(s);
    assert_false(imagefs_complete(fs));
    imagefs_free(fs);
    fs = imagefs_new();
    s = imagefs_layer_sink(fs, 1, "layer 1");
    assert_int_equal(s->close(s, &e), 0);
    s->free(s);
    s = imagefs_layer_sink(fs, 1, "layer 1 again");
    assert_int_not_equal(s->write(s, "", 0, &e), 0);
    assert_non_null(strstr(e.msg, "in order"));
    assert_int_not_equal(s->close(s, &e), 0);
    s->free(s);
    assert_false(imagefs_complete(fs));
    imagefs_free(fs);
    buf_release(&b);
}

/* A layer of n setuid files bin/sNNNNN, then etc/passwd. */
static void cap_layer(struct buf *b, size_t n)
{
    char name[32];
    size_t i;

    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "bin/s%06zu", i);
        tw_entry(b, &(struct ent){.name = name, .mode = 04755, .data = "x"});
    }
    tw_entry(b, &(struct ent){.name = "etc/passwd",
                              .mode = 0644,
                              .data = "root:x:0:0::/root:/bin/sh\n"});
    buf_zeros(b, 1024);
}

static void test_notable_cap(void **state)
{
    struct buf b[2] = {{0}, {0}};
    struct imagefs *fs = imagefs_new();
    json_t *res, *sum;

    (void)state;
    cap_layer(&b[0], IMAGEFS_NOTABLE_MAX + 5);
    feed(fs, b, 1, 0);
    sum = imagefs_summary(fs);
    res = imagefs_resources(fs);
    assert_true(json_is_true(json_object_get(sum, "truncated")));
    assert_int_equal(int_of(sum, "notable_dropped"), 5);
    /* the cap, plus etc/passwd (a read file is kept beyond it) */
    assert_int_equal(int_of(sum, "notable"), IMAGEFS_NOTABLE_MAX + 1);
    assert_non_null(doc_of(res, "image/Account", "user:root"));
    json_decref(sum);
    json_decref(res);
    imagefs_free(fs);
    buf_release(&b[0]);

    /* A later layer deleting them makes room again. */
    fs = imagefs_new();
    cap_layer(&b[0], IMAGEFS_NOTABLE_MAX);
    tw_entry(&b[1], &(struct ent){.name = ".wh.bin", .mode = 0644});
    tw_entry(&b[1], &(struct ent){.name = "x/su", .mode = 04755, .data = "x"});
    buf_zeros(&b[1], 1024);
    feed(fs, b, 2, 4096);
    sum = imagefs_summary(fs);
    assert_false(json_is_true(json_object_get(sum, "truncated")));
    assert_int_equal(int_of(sum, "notable"), 2);
    json_decref(sum);
    imagefs_free(fs);
    buf_release(&b[0]);
    buf_release(&b[1]);
}

static void test_too_large(void **state)
{
    static const struct ent l0[] = {
        {.name = "etc/passwd", .mode = 0644, .fill = (1 << 20) + 1},
        {.name = "etc/group", .mode = 0644, .data = "root:x:0:\n"},
        {0}};
    struct result r;

    (void)state;
    RUN(&r, l0);
    assert_true(not_read_has(&r, "/etc/passwd", "too-large"));
    assert_int_equal(count_kind(r.res, "image/Account"), 1);
    assert_null(
        json_object_get(json_object_get(r.sum, "malformed_lines"), "passwd"));
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(r.sum, "files_read"), 0)),
                        "/etc/group");
    result_release(&r);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FOURC_HAS_ASAN 1
#endif
#endif
#ifndef FOURC_HAS_ASAN
#define FOURC_HAS_ASAN 0
#endif

/* A dpkg status one byte over 64 MiB, streamed: not read (never parsed
 * truncated, so no false "no packages"), and never held. */
static void test_db_too_large(void **state)
{
    static unsigned char zeros[65536];
    const uint64_t size = (64u << 20) + 1;
    struct imagefs *fs = imagefs_new();
    struct sink *s = imagefs_layer_sink(fs, 0, "layer");
    struct buf hdr = {0};
    struct err e;
    uint64_t left;
    json_t *sum, *res, *nr;

    (void)state;
    tw_header(&hdr, "var/lib/dpkg/status", '0', 0644, 0, size, NULL);
    assert_int_equal(s->write(s, hdr.p, hdr.len, &e), 0);
    for (left = size; left > 0;) {
        size_t k = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);
        assert_int_equal(s->write(s, zeros, k, &e), 0);
        left -= k;
    }
    hdr.len = 0;
    buf_zeros(&hdr, 511 + 1024);
    assert_int_equal(s->write(s, hdr.p, hdr.len, &e), 0);
    assert_int_equal(s->close(s, &e), 0);
    s->free(s);
    sum = imagefs_summary(fs);
    res = imagefs_resources(fs);
    nr = json_array_get(json_object_get(sum, "not_read"), 0);
    assert_string_equal(str_of(nr, "path"), "/var/lib/dpkg/status");
    assert_string_equal(str_of(nr, "reason"), "too-large");
    assert_int_equal(count_kind(res, "image/Package"), 0);
    assert_int_equal(
        int_of(file_of(&(struct result){.res = res}, "/var/lib/dpkg/status"),
               "size"),
        (json_int_t)size);
    json_decref(sum);
    json_decref(res);
    buf_release(&hdr);
    imagefs_free(fs);
}

static long max_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Bytes in use on the heap (glibc), or 0 where that is not known. */
static size_t heap_in_use(void)
{
#if defined(__GLIBC__) && !FOURC_HAS_ASAN && !defined(__SANITIZE_ADDRESS__)
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

/* 100,000 ordinary files of 8 KiB (800 MB of layer) and a few notable
 * ones, streamed as they are made: the heap stays flat. */
static void test_memory_bounded(void **state)
{
    static unsigned char content[8192];
    struct imagefs *fs = imagefs_new();
    struct sink *s = imagefs_layer_sink(fs, 0, "big layer");
    struct buf hdr = {0};
    size_t base, peak = 0, now;
    long rss = max_rss_kb();
    struct err e;
    json_t *sum;
    size_t i;

    (void)state;
    memset(content, 'a', sizeof(content));
    base = heap_in_use();
    for (i = 0; i < 100000; i++) {
        char name[64];
        snprintf(name, sizeof(name), "usr/share/doc/pkg%03zu/file%06zu",
                 i % 1000, i);
        hdr.len = 0;
        tw_header(&hdr, name, '0', i % 1000 ? 0644 : 04755, 0, sizeof(content),
                  NULL);
        assert_int_equal(s->write(s, hdr.p, hdr.len, &e), 0);
        assert_int_equal(s->write(s, content, sizeof(content), &e), 0);
        if (i % 1000 == 999 && (now = heap_in_use()) > peak)
            peak = now;
    }
    buf_zeros(&hdr, 1024);
    assert_int_equal(s->write(s, hdr.p + 512, 1024, &e), 0);
    assert_int_equal(s->close(s, &e), 0);
    s->free(s);
    sum = imagefs_summary(fs);
    assert_int_equal(int_of(sum, "files"), 100000);
    assert_int_equal(int_of(sum, "bytes"), 100000LL * 8192);
    assert_int_equal(int_of(sum, "notable"), 100);
    print_message("100k files, 800 MB, 100 notable: heap peak %zu KiB over "
                  "the start, max RSS grew by %ld KiB\n",
                  peak > base ? (peak - base) / 1024 : 0, max_rss_kb() - rss);
    if (base)
        assert_true(peak - base < 1024 * 1024);
    json_decref(sum);
    buf_release(&hdr);
    imagefs_free(fs);
}

/* ---- the parsers on their own ------------------------------------------ */

static void test_read_edges(void **state)
{
    static const char os_quoted[] = "ID=\"a\\\"b\"'c'd\\e\n";
    static const struct {
        const char *text;
        int want;
    } secrets[] = {
        {"//r/:_authToken=abc", 1},
        {"//r/:_authToken=", 0},
        {"//r/:_authToken=${TOKEN}", 0},
        {"//r/:_authToken=$TOKEN", 0},
        {"//r/:_authToken=${TOKEN}x", 1},
        {"# _password=abc", 0},
        {"; token = abc", 0},
        {"TOKEN = abc", 1},
        {"username = abc\nrepository = x", 0},
        {"password:'x'", 1},
        {"", 0},
    };
    size_t i, bad = 0;
    json_t *j;

    (void)state;
    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        assert_int_equal(
            imagefs_read_secret_line(secrets[i].text, strlen(secrets[i].text)),
            secrets[i].want);
    assert_false(imagefs_read_private_key(NULL, 0));
    assert_false(imagefs_read_private_key("-----BEGIN ", 11));
    assert_false(imagefs_read_private_key("-----BEGIN PRIVATE KEY----", 26));
    assert_true(
        imagefs_read_private_key("------BEGIN PGP PRIVATE KEY BLOCK-----", 38));
    assert_false(imagefs_read_private_key("-----BEGIN XPRIVATE KEY-----", 28));
    /* Empty and NULL input */
    j = imagefs_read_passwd(NULL, 0, &bad);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    j = imagefs_read_os_release(os_quoted, strlen(os_quoted), "/x", &bad);
    assert_string_equal(str_of(j, "id"), "a\"bcde");
    assert_true(json_is_null(json_object_get(j, "version_id")));
    json_decref(j);
    assert_int_equal(bad, 0);
    assert_true(imagefs_read_login_shell("/bin/zsh", 8));
    assert_false(imagefs_read_login_shell(" ", 1));
    assert_false(imagefs_read_login_shell("/usr/bin/false", 14));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whiteouts),
        cmocka_unit_test(test_opaque),
        cmocka_unit_test(test_replacement),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_private_keys),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_unsafe_paths),
        cmocka_unit_test(test_accounts),
        cmocka_unit_test(test_os_release),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_symlink_loops),
        cmocka_unit_test(test_dpkg),
        cmocka_unit_test(test_status_d),
        cmocka_unit_test(test_apk),
        cmocka_unit_test(test_purls),
        cmocka_unit_test(test_broken_layers),
        cmocka_unit_test(test_notable_cap),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_db_too_large),
        cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_read_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
