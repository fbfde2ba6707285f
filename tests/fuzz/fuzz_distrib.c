/*
 * fuzz_distrib.c: libFuzzer target for the pure parsers of the registry
 * client (distrib_ref.c), which read what the user types and what a
 * registry or a docker config says. The first byte picks the parser:
 *
 *   0 an image reference       4 a token server's answer
 *   1 WWW-Authenticate values  5 a docker config (the next byte picks
 *     ('\n' between headers)     the host asked for)
 *   2 a status line, '\n',     6 distrib_add_clean
 *     then an error body
 *   3 a Retry-After value
 *
 * Besides not crashing, leaking or overrunning, each checks what its
 * callers rely on: a parsed reference is valid and parses again to
 * itself, text meant for errors is clean UTF-8 without control
 * characters, a token is one header word, credentials decode to
 * "user:password". Run with run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "distrib.h"

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            abort();                                                           \
    } while (0)

static int fuzz_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Valid UTF-8 and no control characters: fit for an error message. */
static int fuzz_clean(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return utf8_valid(s, n);
}

static void fuzz_ref(const char *s)
{
    struct distrib_ref r, again;
    struct strbuf canon = STRBUF_INIT;
    struct err e = {""};

    if (distrib_ref_parse(s, &r, &e)) {
        FUZZ_CHECK(e.msg[0]);
        FUZZ_CHECK(!r.host && !r.api_host && !r.repository && !r.tag &&
                   !r.digest);
        return;
    }
    FUZZ_CHECK(r.host && r.api_host && r.repository);
    FUZZ_CHECK(r.tag || r.digest);
    FUZZ_CHECK(!r.tag || distrib_tag_ok(r.tag));
    FUZZ_CHECK(!r.digest || distrib_digest_ok(r.digest));
    FUZZ_CHECK(strlen(r.host) + 1 + strlen(r.repository) <= 255);
    /* The canonical form names the same image. */
    sb_addf(&canon, "%s/%s", r.host, r.repository);
    if (r.tag)
        sb_addf(&canon, ":%s", r.tag);
    if (r.digest)
        sb_addf(&canon, "@%s", r.digest);
    FUZZ_CHECK(distrib_ref_parse(sb_str(&canon), &again, &e) == 0);
    FUZZ_CHECK(fuzz_same(r.host, again.host) &&
               fuzz_same(r.api_host, again.api_host) &&
               fuzz_same(r.repository, again.repository) &&
               fuzz_same(r.tag, again.tag) &&
               fuzz_same(r.digest, again.digest));
    distrib_ref_release(&again);
    distrib_ref_release(&r);
    sb_release(&canon);
}

static void fuzz_challenges(const char *s, size_t n)
{
    struct distrib_challenge c = {DISTRIB_NONE, NULL, NULL, NULL};
    const char *nl;
    size_t k;

    while (n > 0) {
        nl = memchr(s, '\n', n);
        k = nl ? (size_t)(nl - s) : n;
        distrib_challenge_parse(s, k, &c);
        s += k + (nl != NULL);
        n -= k + (nl != NULL);
    }
    FUZZ_CHECK(c.scheme == DISTRIB_BEARER || (!c.realm && !c.service));
    FUZZ_CHECK(!c.other || (c.other[0] && strlen(c.other) <= 32));
    distrib_challenge_release(&c);
}

static void fuzz_error(const char *s, size_t n)
{
    const char *nl = memchr(s, '\n', n);
    size_t k = nl ? (size_t)(nl - s) : n;
    struct strbuf out = STRBUF_INIT;
    char reason[64];
    long status = distrib_status_line(s, k, reason, sizeof(reason));

    FUZZ_CHECK(status >= 0 && status <= 9999);
    FUZZ_CHECK(fuzz_clean(reason, strlen(reason)));
    if (nl)
        distrib_error_text(status, reason, nl + 1, n - k - 1, &out);
    else
        distrib_error_text(status, reason, NULL, 0, &out);
    FUZZ_CHECK(fuzz_clean(out.buf, out.len));
    FUZZ_CHECK(out.len <= 4 + 1 + 3 * 200 + 2 + 3 * 200);
    sb_release(&out);
}

static void fuzz_token(const char *s, size_t n)
{
    const char *why = NULL;
    char *tok = distrib_token_parse(s, n, &why);
    size_t i;

    FUZZ_CHECK(tok || why);
    if (tok) {
        FUZZ_CHECK(tok[0]);
        for (i = 0; tok[i]; i++)
            FUZZ_CHECK((unsigned char)tok[i] > 0x20 && tok[i] != 0x7f);
    }
    free(tok);
}

static void fuzz_creds(const char *s, size_t n)
{
    static const char *const hosts[] = {"docker.io", "index.docker.io",
                                        "127.0.0.1:5000", "r.example",
                                        "[::1]:5000"};
    struct distrib_creds c;
    struct err e = {""};
    json_t *root;
    const char *host;

    if (n == 0)
        return;
    host = hosts[(unsigned char)s[0] % (sizeof(hosts) / sizeof(hosts[0]))];
    root = json_loadb(s + 1, n - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!root)
        return;
    if (distrib_creds_parse(root, "fuzz.json", host, &c, &e) == 0 && c.basic) {
        /* basic is base64 of "user:" + password. */
        size_t b = strlen(c.basic), p;
        unsigned char *raw = malloc(b / 4 * 3 + 1);
        int got;
        FUZZ_CHECK(raw && c.password && b % 4 == 0);
        p = strlen(c.password);
        got = EVP_DecodeBlock(raw, (const unsigned char *)c.basic, (int)b);
        FUZZ_CHECK(got >= (int)p + 1);
        FUZZ_CHECK(memchr(raw, ':', (size_t)got));
        FUZZ_CHECK(memcmp((char *)memchr(raw, ':', (size_t)got) + 1, c.password,
                          p) == 0);
        free(raw);
    } else {
        FUZZ_CHECK(!c.basic && !c.password);
    }
    distrib_creds_release(&c);
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly the input, so that reading past n is seen. */
    char *s;
    size_t n;
    long ms;

    if (size == 0)
        return 0;
    n = size - 1;
    s = malloc(n ? n : 1);
    if (!s)
        return 0;
    memcpy(s, data + 1, n);
    switch (data[0] % 7) {
    case 0: {
        char *z = malloc(n + 1);
        if (z) {
            memcpy(z, s, n);
            z[n] = '\0';
            fuzz_ref(z);
            (void)distrib_tag_ok(z);
            (void)distrib_digest_ok(z);
            free(z);
        }
        break;
    }
    case 1:
        fuzz_challenges(s, n);
        break;
    case 2:
        fuzz_error(s, n);
        break;
    case 3:
        ms = distrib_retry_after_ms(s, n);
        FUZZ_CHECK(ms == -1 || (ms >= 0 && ms <= 10000));
        break;
    case 4:
        fuzz_token(s, n);
        break;
    case 5:
        fuzz_creds(s, n);
        break;
    default: {
        struct strbuf out = STRBUF_INIT;
        distrib_add_clean(&out, s, n);
        FUZZ_CHECK(fuzz_clean(out.buf, out.len) && out.len <= 3 * 200);
        sb_release(&out);
        break;
    }
    }
    free(s);
    return 0;
}
