/*
 * test_distrib.c: the pure half of the registry client (distrib_ref.c),
 * table by table: image references and how docker normalises them, HTTP
 * status lines, Retry-After, the standard error body, WWW-Authenticate
 * challenges, token answers, and credentials from docker configs written
 * to a fresh mkdtemp directory. Every error is also checked for the
 * secrets its input held: none may appear. The network half is tested
 * end to end against docker-registry (tests/e2e/image_registry.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "distrib.h"
#include "err.h"
#include "util.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA256 "sha256:" HEX64
#define SHA512 "sha512:" HEX64 HEX64

/* Fails case i unless got equals want (both may be NULL). */
static void check_str(size_t i, const char *what, const char *got,
                      const char *want)
{
    if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
        fail_msg("case %zu: %s is \"%s\", not \"%s\"", i, what,
                 got ? got : "(null)", want ? want : "(null)");
}

static void check_has(size_t i, const char *msg, const char *part)
{
    if (!strstr(msg, part))
        fail_msg("case %zu: \"%s\" does not say \"%s\"", i, msg, part);
}

static void check_lacks(size_t i, const char *msg, const char *secret)
{
    if (secret && *secret && strstr(msg, secret))
        fail_msg("case %zu: \"%s\" shows the secret \"%s\"", i, msg, secret);
}

/* s repeated to n bytes, as a new string. */
static char *repeat(const char *s, size_t n)
{
    struct strbuf sb = STRBUF_INIT;

    while (sb.len < n)
        sb_add(&sb, s, n - sb.len < strlen(s) ? n - sb.len : strlen(s));
    return sb_detach(&sb);
}

/* ---- references ------------------------------------------------------ */

struct ref_case {
    const char *in;
    const char *host, *api_host, *repository, *tag, *digest;
    const char *err; /* part of the error; NULL: it parses */
};

static const struct ref_case ref_cases[] = {
    /* docker.io normalisation */
    {"alpine", "docker.io", "registry-1.docker.io", "library/alpine", "latest",
     NULL, NULL},
    {"alpine:3.20", "docker.io", "registry-1.docker.io", "library/alpine",
     "3.20", NULL, NULL},
    {"library/alpine", "docker.io", "registry-1.docker.io", "library/alpine",
     "latest", NULL, NULL},
    {"docker.io/alpine", "docker.io", "registry-1.docker.io", "library/alpine",
     "latest", NULL, NULL},
    {"docker.io/team/app:1", "docker.io", "registry-1.docker.io", "team/app",
     "1", NULL, NULL},
    {"index.docker.io/nginx", "index.docker.io", "registry-1.docker.io",
     "library/nginx", "latest", NULL, NULL},
    {"team/app", "docker.io", "registry-1.docker.io", "team/app", "latest",
     NULL, NULL},
    /* hosts */
    {"localhost/app", "localhost", "localhost", "app", "latest", NULL, NULL},
    {"localhost:5000/team/app:1.4", "localhost:5000", "localhost:5000",
     "team/app", "1.4", NULL, NULL},
    {"127.0.0.1:5000/team/app", "127.0.0.1:5000", "127.0.0.1:5000", "team/app",
     "latest", NULL, NULL},
    {"[::1]:5000/team/app:v1", "[::1]:5000", "[::1]:5000", "team/app", "v1",
     NULL, NULL},
    {"[::1]/app", "[::1]", "[::1]", "app", "latest", NULL, NULL},
    {"[2001:db8::1]:443/a", "[2001:db8::1]:443", "[2001:db8::1]:443", "a",
     "latest", NULL, NULL},
    {"Registry.Example.com/a/b/c", "Registry.Example.com",
     "Registry.Example.com", "a/b/c", "latest", NULL, NULL},
    /* tags and digests */
    {"reg.example.com/a@" SHA256, "reg.example.com", "reg.example.com", "a",
     NULL, SHA256, NULL},
    {"127.0.0.1:5000/team/app:1.4@" SHA256, "127.0.0.1:5000", "127.0.0.1:5000",
     "team/app", "1.4", SHA256, NULL},
    {"app@" SHA512, "docker.io", "registry-1.docker.io", "library/app", NULL,
     SHA512, NULL},
    {"a__b/c-d--e/f.g_h:_Tag-1.x", "docker.io", "registry-1.docker.io",
     "a__b/c-d--e/f.g_h", "_Tag-1.x", NULL, NULL},
    /* upper case */
    {"Alpine", NULL, NULL, NULL, NULL, NULL,
     "component \"Alpine\" must be lower case"},
    {"team/App:1", NULL, NULL, NULL, NULL, NULL,
     "component \"App\" must be lower case"},
    {"reg.example.com/Team/app", NULL, NULL, NULL, NULL, NULL,
     "must be lower case"},
    /* empty components and empty references */
    {"", NULL, NULL, NULL, NULL, NULL, "invalid image reference: empty"},
    {"team//app", NULL, NULL, NULL, NULL, NULL, "empty repository component"},
    {"team/app/", NULL, NULL, NULL, NULL, NULL, "empty repository component"},
    {"/app", NULL, NULL, NULL, NULL, NULL, "empty repository component"},
    {"localhost:5000/", NULL, NULL, NULL, NULL, NULL,
     "empty repository component"},
    {":1", NULL, NULL, NULL, NULL, NULL, "empty repository component"},
    {"team/-app", NULL, NULL, NULL, NULL, NULL,
     "must be lower-case letters and digits"},
    {"team/a..b", NULL, NULL, NULL, NULL, NULL,
     "must be lower-case letters and digits"},
    {"team/a___b", NULL, NULL, NULL, NULL, NULL,
     "must be lower-case letters and digits"},
    {"team/app.", NULL, NULL, NULL, NULL, NULL,
     "must be lower-case letters and digits"},
    {"app:1.0:2", NULL, NULL, NULL, NULL, NULL, "component \"app:1.0\""},
    /* bad tags */
    {"team/app:", NULL, NULL, NULL, NULL, NULL, "a tag is up to 128"},
    {"team/app:-x", NULL, NULL, NULL, NULL, NULL, "a tag is up to 128"},
    {"team/app:.x", NULL, NULL, NULL, NULL, NULL, "a tag is up to 128"},
    {"team/app:a+b", NULL, NULL, NULL, NULL, NULL, "a tag is up to 128"},
    /* bad digests */
    {"team/app@", NULL, NULL, NULL, NULL, NULL, "the digest must be"},
    {"team/app@sha256:abc", NULL, NULL, NULL, NULL, NULL, "the digest must be"},
    {"team/app@sha256:" HEX64 "0", NULL, NULL, NULL, NULL, NULL,
     "the digest must be"},
    {"team/app@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456"
     "789abcdef",
     NULL, NULL, NULL, NULL, NULL, "the digest must be"},
    {"team/app@md5:" HEX64, NULL, NULL, NULL, NULL, NULL, "the digest must be"},
    {"team/app@" HEX64, NULL, NULL, NULL, NULL, NULL, "the digest must be"},
    {"team/app@sha256:" HEX64 "@" SHA256, NULL, NULL, NULL, NULL, NULL,
     "the digest must be"},
    /* bad hosts */
    {"reg.example.com:0/app", NULL, NULL, NULL, NULL, NULL,
     "bad registry host \"reg.example.com:0\""},
    {"reg.example.com:65536/app", NULL, NULL, NULL, NULL, NULL,
     "bad registry host"},
    {"reg.example.com:/app", NULL, NULL, NULL, NULL, NULL, "bad registry host"},
    {"a-.example.com/app", NULL, NULL, NULL, NULL, NULL, "bad registry host"},
    {"-a.example.com/app", NULL, NULL, NULL, NULL, NULL, "bad registry host"},
    {"a..b/app", NULL, NULL, NULL, NULL, NULL, "bad registry host"},
    {"[::1/app", NULL, NULL, NULL, NULL, NULL, "bad registry host"},
    {"[::1]x/app", NULL, NULL, NULL, NULL, NULL, "bad registry host"},
    {"[1]:5000/app", NULL, NULL, NULL, NULL, NULL, "bad registry host"},
    {"[::g]:5000/app", NULL, NULL, NULL, NULL, NULL, "bad registry host"},
    {"reg_x.com/app", NULL, NULL, NULL, NULL, NULL, "bad registry host"},
};

static void check_ref_empty(size_t i, const struct distrib_ref *r)
{
    if (r->host || r->api_host || r->repository || r->tag || r->digest)
        fail_msg("case %zu: a failed parse left something behind", i);
}

static void test_ref_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(ref_cases); i++) {
        const struct ref_case *c = &ref_cases[i];
        struct distrib_ref r;
        struct err e = {""};
        int rc = distrib_ref_parse(c->in, &r, &e);

        if (c->err) {
            if (rc != -1)
                fail_msg("case %zu: \"%s\" parsed", i, c->in);
            check_has(i, e.msg, c->err);
            if (*c->in)
                check_has(i, e.msg, c->in);
            check_ref_empty(i, &r);
            continue;
        }
        if (rc != 0)
            fail_msg("case %zu: \"%s\": %s", i, c->in, e.msg);
        check_str(i, "host", r.host, c->host);
        check_str(i, "api_host", r.api_host, c->api_host);
        check_str(i, "repository", r.repository, c->repository);
        check_str(i, "tag", r.tag, c->tag);
        check_str(i, "digest", r.digest, c->digest);
        distrib_ref_release(&r);
        check_ref_empty(i, &r);
    }
    distrib_ref_release(NULL);
}

/* Lengths: host + '/' + repository is at most 255 bytes; a tag 128. */
static void test_ref_limits(void **state)
{
    struct {
        const char *prefix, *fill, *suffix;
        size_t n;
        const char *err;
    } cases[] = {
        {"team/", "a", "", 245 - 5, NULL}, /* docker.io/team/aaa: 255 */
        {"team/", "a", "", 246 - 5, "longer than 255 bytes"},
        {"team/", "a", "", 4000, "longer than 255 bytes"},
        {"reg.example.com/", "a", "", 255 - 16, NULL},
        {"reg.example.com/", "a", "", 256 - 16, "longer than 255 bytes"},
        {"app:", "t", "", 128, NULL},
        {"app:", "t", "", 129, "a tag is up to 128"},
        {"team/app@sha256:", "a", "", 6400, "the digest must be"},
        {"", "a/", "x", 3000, "longer than 255 bytes"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(cases); i++) {
        struct strbuf sb = STRBUF_INIT;
        char *fill = repeat(cases[i].fill, cases[i].n);
        struct distrib_ref r;
        struct err e = {""};
        int rc;

        sb_addf(&sb, "%s%s%s", cases[i].prefix, fill, cases[i].suffix);
        rc = distrib_ref_parse(sb_str(&sb), &r, &e);
        if (cases[i].err) {
            if (rc != -1)
                fail_msg("case %zu: %zu bytes parsed", i, sb.len);
            check_has(i, e.msg, cases[i].err);
            /* The reference is quoted, but only its start. */
            assert_true(strlen(e.msg) < 500);
            check_ref_empty(i, &r);
        } else if (rc != 0) {
            fail_msg("case %zu: %s", i, e.msg);
        }
        distrib_ref_release(&r);
        free(fill);
        sb_release(&sb);
    }
}

static void test_tag_digest_ok(void **state)
{
    (void)state;
    assert_true(distrib_digest_ok(SHA256));
    assert_true(distrib_digest_ok(SHA512));
    assert_false(distrib_digest_ok("sha256:" HEX64 "0"));
    assert_false(distrib_digest_ok("sha384:" HEX64));
    assert_false(distrib_digest_ok("sha256"));
    assert_false(distrib_digest_ok(""));
    assert_true(distrib_tag_ok("latest"));
    assert_true(distrib_tag_ok("_x"));
    assert_false(distrib_tag_ok(""));
    assert_false(distrib_tag_ok(".x"));
    assert_false(distrib_tag_ok("sha256:abc"));
    assert_true(distrib_is_docker_hub("docker.io"));
    assert_true(distrib_is_docker_hub("index.docker.io"));
    assert_false(distrib_is_docker_hub("registry-1.docker.io"));
    assert_false(distrib_is_docker_hub("docker.io.evil.example"));
}

/* ---- status lines, Retry-After, error bodies ---------------------------- */

static void test_status_line(void **state)
{
    static const struct {
        const char *line;
        long status;
        const char *reason;
    } cases[] = {
        {"HTTP/1.1 404 Not Found", 404, "Not Found"},
        {"HTTP/2 200", 200, ""},
        {"HTTP/1.1   503   Service Unavailable", 503, "Service Unavailable"},
        {"HTTP/1.0 500 bad\x01\x1b[31mred\x7f", 500, "bad  [31mred "},
        {"HTTP/1.1 500 caf\xc3\xa9 \xff", 500, "caf\xc3\xa9 \xef\xbf\xbd"},
        {"HTTP/1.1 abc", 0, "abc"},
        {"HTTP/1.1", 0, ""},
        {"", 0, ""},
    };
    char reason[64];
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(cases); i++) {
        long st = distrib_status_line(cases[i].line, strlen(cases[i].line),
                                      reason, sizeof(reason));
        if (st != cases[i].status)
            fail_msg("case %zu: status %ld", i, st);
        check_str(i, "reason", reason, cases[i].reason);
    }
    {
        /* A long reason is cut to the buffer. */
        char *r = repeat("Teapot ", 400), line[3000];
        snprintf(line, sizeof(line), "HTTP/1.1 418 %s", r);
        assert_int_equal(
            distrib_status_line(line, strlen(line), reason, sizeof(reason)),
            418);
        assert_int_equal(strlen(reason), sizeof(reason) - 1);
        assert_memory_equal(reason, r, sizeof(reason) - 1);
        free(r);
        /* ... between characters (a fuzzer's find) */
        r = repeat("a", sizeof(reason) - 2);
        snprintf(line, sizeof(line), "HTTP/1.1 500 %s\xc3\xa9", r);
        distrib_status_line(line, strlen(line), reason, sizeof(reason));
        assert_string_equal(reason, r);
        free(r);
    }
}

static void test_retry_after(void **state)
{
    static const struct {
        const char *v;
        long ms;
    } cases[] = {
        {"0", 0},
        {"3", 3000},
        {"10", 10000},
        {"11", 10000},
        {"999", 10000},
        {"100000", 10000},
        {"", -1},
        {"1.5", -1},
        {"-1", -1},
        {" 3", -1},
        {"3s", -1},
        {"0x10", -1},
        {"Wed, 21 Oct 2015 07:28:00 GMT", -1},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(cases); i++) {
        long ms = distrib_retry_after_ms(cases[i].v, strlen(cases[i].v));
        if (ms != cases[i].ms)
            fail_msg("case %zu (\"%s\"): %ld ms, not %ld", i, cases[i].v, ms,
                     cases[i].ms);
    }
}

static void test_error_text(void **state)
{
    static const struct {
        long status;
        const char *reason, *body, *want;
    } cases[] = {
        {404, "Not Found",
         "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
         "unknown\",\"detail\":{\"Tag\":\"1.4\"}}]}",
         "404 MANIFEST_UNKNOWN: manifest unknown"},
        {401, "Unauthorized",
         "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication "
         "required\"},{\"code\":\"DENIED\",\"message\":\"second\"}]}",
         "401 UNAUTHORIZED: authentication required"},
        {403, "Forbidden", "{\"errors\":[{\"message\":\"only a message\"}]}",
         "403 only a message"},
        {403, "Forbidden", "{\"errors\":[{\"code\":\"DENIED\"}]}",
         "403 DENIED"},
        {500, "Internal Server Error", "<html><body>oops</body></html>",
         "500 Internal Server Error"},
        {500, "Internal Server Error", "{\"errors\":[]}",
         "500 Internal Server Error"},
        {500, "Internal Server Error", "{\"errors\":{\"code\":\"X\"}}",
         "500 Internal Server Error"},
        {500, "Internal Server Error", "{\"errors\":[{\"code\":42}]}",
         "500 Internal Server Error"},
        {502, "", "not json", "502"},
        {502, NULL, "", "502"},
        {429, "Too Many Requests", "", "429 Too Many Requests"},
        /* control characters become spaces */
        {400, "Bad Request",
         "{\"errors\":[{\"code\":\"BAD\\u0007\",\"message\":\"a\\u0001b\\nc"
         "\\td\\u007fe\\u001b[2J\"}]}",
         "400 BAD : a b c d e [2J"},
        /* jansson refuses \u0000: not an error body, the reason counts */
        {400, "x",
         "{\"errors\":[{\"code\":\"C\",\"message\":\"ab\\u0000cd\"}]}",
         "400 x"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(cases); i++) {
        struct strbuf sb = STRBUF_INIT;
        distrib_error_text(cases[i].status, cases[i].reason, cases[i].body,
                           strlen(cases[i].body), &sb);
        check_str(i, "text", sb_str(&sb), cases[i].want);
        sb_release(&sb);
    }
}

/* A registry's words are capped at about 200 bytes, whole characters. */
static void test_error_text_caps(void **state)
{
    struct strbuf body = STRBUF_INIT, out = STRBUF_INIT, in = STRBUF_INIT;
    char *x = repeat("x", 5000), *e_acute = repeat("\xc3\xa9", 600);

    (void)state;
    sb_addf(&body, "{\"errors\":[{\"code\":\"%s\",\"message\":\"%s\"}]}", x,
            e_acute);
    distrib_error_text(400, NULL, body.buf, body.len, &out);
    /* "400 " + 200 x + ": " + 100 e-acute */
    assert_int_equal(out.len, 4 + 200 + 2 + 200);
    assert_memory_equal(out.buf + 4, x, 200);
    assert_memory_equal(out.buf + 206, e_acute, 200);
    assert_true(utf8_valid(out.buf, out.len));

    /* A cut that would split a character leaves all of it out. */
    sb_setlen(&out, 0);
    sb_add(&in, x, 199);
    sb_adds(&in, "\xe2\x82\xac and more");
    distrib_add_clean(&out, in.buf, in.len);
    assert_int_equal(out.len, 199);
    assert_memory_equal(out.buf, x, 199);

    /* Short words stay whole; invalid UTF-8 is replaced. */
    sb_setlen(&out, 0);
    distrib_add_clean(&out, "\xe2\x82\xac\xe2\x82", 5);
    assert_string_equal(sb_str(&out), "\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd");
    free(x);
    free(e_acute);
    sb_release(&body);
    sb_release(&in);
    sb_release(&out);
}

/* ---- WWW-Authenticate ------------------------------------------------- */

struct chal_case {
    const char *hdr[3]; /* one WWW-Authenticate value each */
    enum distrib_scheme scheme;
    const char *realm, *service, *other;
};

static const struct chal_case chal_cases[] = {
    {{"Bearer realm=\"https://auth.example.com/token\",service=\"registry."
      "example.com\",scope=\"repository:team/app:pull\""},
     DISTRIB_BEARER,
     "https://auth.example.com/token",
     "registry.example.com",
     NULL},
    /* quoted commas and escaped quotes */
    {{"Bearer realm=\"https://a.example/t?x=1,2\", service=\"reg, with "
      "comma\""},
     DISTRIB_BEARER,
     "https://a.example/t?x=1,2",
     "reg, with comma",
     NULL},
    {{"Bearer realm=\"https://a.example/t\",service=\"say \\\"hi\\\" \\\\ "
      "there\""},
     DISTRIB_BEARER,
     "https://a.example/t",
     "say \"hi\" \\ there",
     NULL},
    /* several challenges in one header; Bearer beats Basic */
    {{"Basic realm=\"Registry\", Bearer realm=\"https://a.example/t\","
      "service=\"s\""},
     DISTRIB_BEARER,
     "https://a.example/t",
     "s",
     NULL},
    {{"Bearer realm=\"https://one.example/t\", Bearer "
      "realm=\"https://two.example/t\",service=\"two\""},
     DISTRIB_BEARER,
     "https://one.example/t",
     NULL,
     NULL},
    {{"Negotiate abc, Basic realm=\"x\""},
     DISTRIB_BASIC,
     NULL,
     NULL,
     "Negotiate"},
    /* several headers */
    {{"Basic realm=\"x\"", "Bearer realm=\"https://b.example/t\""},
     DISTRIB_BEARER,
     "https://b.example/t",
     NULL,
     NULL},
    {{"Bearer realm=\"https://b.example/t\"", "Basic realm=\"x\""},
     DISTRIB_BEARER,
     "https://b.example/t",
     NULL,
     NULL},
    /* Basic */
    {{"Basic realm=\"Registry Realm\""}, DISTRIB_BASIC, NULL, NULL, NULL},
    {{"basic"}, DISTRIB_BASIC, NULL, NULL, NULL},
    /* case, tokens, spacing */
    {{"BEARER  REALM = tok1 ,\tSERVICE=tok2"},
     DISTRIB_BEARER,
     "tok1",
     "tok2",
     NULL},
    /* missing realm */
    {{"Bearer service=\"registry\",scope=\"x\""},
     DISTRIB_BEARER,
     NULL,
     "registry",
     NULL},
    {{"Bearer"}, DISTRIB_BEARER, NULL, NULL, NULL},
    {{"Bearer realm=\"\""}, DISTRIB_BEARER, "", NULL, NULL},
    /* unterminated quote: what there is */
    {{"Bearer realm=\"https://a.example/t"},
     DISTRIB_BEARER,
     "https://a.example/t",
     NULL,
     NULL},
    {{"Bearer realm=\"https://a.example/t\\"},
     DISTRIB_BEARER,
     "https://a.example/t\\",
     NULL,
     NULL},
    /* garbage */
    {{""}, DISTRIB_NONE, NULL, NULL, NULL},
    {{",,, =\"\" \x01\x02 @@@ ((("}, DISTRIB_NONE, NULL, NULL, NULL},
    {{"realm=\"https://a.example/t\""}, DISTRIB_NONE, NULL, NULL, NULL},
    {{"Digest realm=\"x\", nonce=\"y\""}, DISTRIB_NONE, NULL, NULL, "Digest"},
    {{"AWS4-HMAC-SHA256-and-a-very-long-scheme-name-indeed"},
     DISTRIB_NONE,
     NULL,
     NULL,
     "AWS4-HMAC-SHA256-and-a-very-long"},
};

static void test_challenges(void **state)
{
    size_t i, k;

    (void)state;
    for (i = 0; i < NELEMS(chal_cases); i++) {
        const struct chal_case *t = &chal_cases[i];
        struct distrib_challenge c = {DISTRIB_NONE, NULL, NULL, NULL};

        for (k = 0; k < NELEMS(t->hdr) && t->hdr[k]; k++)
            distrib_challenge_parse(t->hdr[k], strlen(t->hdr[k]), &c);
        if (c.scheme != t->scheme)
            fail_msg("case %zu: scheme %d, not %d", i, (int)c.scheme,
                     (int)t->scheme);
        check_str(i, "realm", c.realm, t->realm);
        check_str(i, "service", c.service, t->service);
        check_str(i, "other", c.other, t->other);
        distrib_challenge_release(&c);
        assert_null(c.realm);
    }
    distrib_challenge_release(NULL);
}

/* The value is bounded by n, not by a NUL. */
static void test_challenge_bounded(void **state)
{
    static const char v[] = "Bearer realm=\"https://a.example/t\"XXXX";
    struct distrib_challenge c = {DISTRIB_NONE, NULL, NULL, NULL};
    char *copy = xmalloc(sizeof(v) - 5); /* without XXXX and the NUL */

    (void)state;
    memcpy(copy, v, sizeof(v) - 5);
    distrib_challenge_parse(copy, sizeof(v) - 5, &c);
    assert_int_equal(c.scheme, DISTRIB_BEARER);
    assert_string_equal(c.realm, "https://a.example/t");
    distrib_challenge_release(&c);
    distrib_challenge_parse(copy, 22, &c); /* inside the quotes */
    assert_string_equal(c.realm, "https://");
    distrib_challenge_release(&c);
    free(copy);
}

static void test_token(void **state)
{
    static const struct {
        const char *body, *token, *why;
    } cases[] = {
        {"{\"token\":\"abc.def-ghi\"}", "abc.def-ghi", NULL},
        {"{\"access_token\":\"xyz\",\"expires_in\":300}", "xyz", NULL},
        {"{\"token\":\"tok\",\"access_token\":\"other\"}", "tok", NULL},
        {"{\"token\":\"\",\"access_token\":\"q\"}", "q", NULL},
        {"{\"token\":5,\"access_token\":\"q\"}", "q", NULL},
        {"{}", NULL, "has no token"},
        {"not json", NULL, "has no token"},
        {"", NULL, "has no token"},
        {"[\"token\"]", NULL, "has no token"},
        {"{\"token\":null}", NULL, "has no token"},
        {"{\"token\":\"a b\"}", NULL, "not one header word"},
        {"{\"token\":\"ab\\r\\nX-Evil: 1\"}", NULL, "not one header word"},
        {"{\"token\":\"ab\\u007f\"}", NULL, "not one header word"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < NELEMS(cases); i++) {
        const char *why = NULL;
        char *tok =
            distrib_token_parse(cases[i].body, strlen(cases[i].body), &why);
        check_str(i, "token", tok, cases[i].token);
        if (cases[i].why)
            check_has(i, why ? why : "", cases[i].why);
        free(tok);
    }
    {
        const char *why = NULL;
        assert_null(distrib_token_parse(NULL, 0, &why));
        assert_non_null(why);
    }
}

/* ---- docker config credentials -------------------------------------- */

struct cred_case {
    const char *json; /* NULL: no file */
    const char *host;
    const char *basic;    /* expected base64, NULL: none */
    const char *password; /* expected with basic */
    int helper;
    const char *err;    /* part of the error; NULL: success */
    const char *secret; /* must not appear in the error */
};

#define ALICE "YWxpY2U6czNjcjN0LUE=" /* alice:s3cr3t-A */
#define BOB "Ym9iOnB3LUIwYg=="       /* bob:pw-B0b */
#define CAROL "Y2Fyb2w6SHViLVBhNTU=" /* carol:Hub-Pa55 */

static const struct cred_case cred_cases[] = {
    /* an "auth" field, base64 of user:password */
    {"{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" ALICE "\"}}}",
     "127.0.0.1:5000", ALICE, "s3cr3t-A", 0, NULL, NULL},
    {"{\"auths\":{\"r.example\":{\"auth\":\"ZXZlOmV2My1Qdzp3aXRoOmNvbG9ucw=="
     "\"}}}",
     "r.example", "ZXZlOmV2My1Qdzp3aXRoOmNvbG9ucw==", "ev3-Pw:with:colons", 0,
     NULL, NULL},
    {"{\"auths\":{\"r.example\":{\"auth\":\"ZGF2ZTo=\"}}}", "r.example",
     "ZGF2ZTo=", "", 0, NULL, NULL},
    /* username and password; "auth" wins over them */
    {"{\"auths\":{\"r.example\":{\"username\":\"bob\",\"password\":\"pw-"
     "B0b\"}}}",
     "r.example", BOB, "pw-B0b", 0, NULL, NULL},
    {"{\"auths\":{\"r.example\":{\"auth\":\"" ALICE "\",\"username\":\"bob\","
     "\"password\":\"pw-B0b\"}}}",
     "r.example", ALICE, "s3cr3t-A", 0, NULL, NULL},
    {"{\"auths\":{\"r.example\":{\"username\":\"\",\"password\":\"x\"}}}",
     "r.example", NULL, NULL, 0, NULL, NULL},
    {"{\"auths\":{\"r.example\":{\"username\":\"bob\"}}}", "r.example", NULL,
     NULL, 0, NULL, NULL},
    {"{\"auths\":{\"r.example\":{}}}", "r.example", NULL, NULL, 0, NULL, NULL},
    /* https:// and http:// keys, and which wins */
    {"{\"auths\":{\"https://r.example/v2/\":{\"auth\":\"" ALICE "\"}}}",
     "r.example", ALICE, "s3cr3t-A", 0, NULL, NULL},
    {"{\"auths\":{\"http://r.example\":{\"auth\":\"" ALICE "\"}}}", "r.example",
     ALICE, "s3cr3t-A", 0, NULL, NULL},
    {"{\"auths\":{\"HTTPS://R.EXAMPLE\":{\"auth\":\"" ALICE "\"}}}",
     "r.example", ALICE, "s3cr3t-A", 0, NULL, NULL},
    {"{\"auths\":{\"http://r.example\":{\"auth\":\"" BOB "\"},"
     "\"https://r.example\":{\"auth\":\"" ALICE "\"}}}",
     "r.example", ALICE, "s3cr3t-A", 0, NULL, NULL},
    {"{\"auths\":{\"https://r.example\":{\"auth\":\"" BOB "\"},"
     "\"r.example\":{\"auth\":\"" ALICE "\"}}}",
     "r.example", ALICE, "s3cr3t-A", 0, NULL, NULL},
    /* keys that only look like the host */
    {"{\"auths\":{\"r.example.evil\":{\"auth\":\"" ALICE "\"},"
     "\"https://r.example:5000\":{\"auth\":\"" ALICE "\"},"
     "\"https://evil/r.example\":{\"auth\":\"" ALICE "\"},"
     "\"xr.example\":{\"auth\":\"" ALICE "\"}}}",
     "r.example", NULL, NULL, 0, NULL, NULL},
    {"{\"auths\":{\"r.example\":{\"auth\":\"" ALICE "\"}}}", "r.example:5000",
     NULL, NULL, 0, NULL, NULL},
    /* docker.io: what `docker login` writes, then the hub's other names */
    {"{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" CAROL "\"}}}",
     "docker.io", CAROL, "Hub-Pa55", 0, NULL, NULL},
    {"{\"auths\":{\"docker.io\":{\"auth\":\"" BOB "\"},"
     "\"https://index.docker.io/v1/\":{\"auth\":\"" CAROL "\"}}}",
     "docker.io", CAROL, "Hub-Pa55", 0, NULL, NULL},
    {"{\"auths\":{\"registry-1.docker.io\":{\"auth\":\"" CAROL "\"}}}",
     "docker.io", CAROL, "Hub-Pa55", 0, NULL, NULL},
    {"{\"auths\":{\"index.docker.io\":{\"auth\":\"" CAROL "\"}}}",
     "index.docker.io", CAROL, "Hub-Pa55", 0, NULL, NULL},
    {"{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" CAROL "\"}}}",
     "r.example", NULL, NULL, 0, NULL, NULL},
    /* nothing for the host */
    {"{}", "r.example", NULL, NULL, 0, NULL, NULL},
    {"{\"auths\":{}}", "r.example", NULL, NULL, 0, NULL, NULL},
    {"{\"auths\":null}", "r.example", NULL, NULL, 0,
     "\"auths\" is not an object", NULL},
    {NULL, "r.example", NULL, NULL, 0, NULL, NULL},
    /* helpers are noticed, not run */
    {"{\"credsStore\":\"desktop\"}", "r.example", NULL, NULL, 1, NULL, NULL},
    {"{\"credHelpers\":{\"r.example\":\"pass\"}}", "r.example", NULL, NULL, 1,
     NULL, NULL},
    {"{\"credHelpers\":{\"other.example\":\"pass\"}}", "r.example", NULL, NULL,
     0, NULL, NULL},
    {"{\"credsStore\":\"desktop\",\"auths\":{\"r.example\":{\"auth\":\"" BOB
     "\"}}}",
     "r.example", BOB, "pw-B0b", 1, NULL, NULL},
    /* broken entries: the error names the file and host, not the value */
    {"{\"auths\":{\"r.example\":{\"auth\":\"!!not-base64-S3cret!!\"}}}",
     "r.example", NULL, NULL, 0, "the \"auth\" for r.example is not base64",
     "S3cret"},
    {"{\"auths\":{\"r.example\":{\"auth\":\"anVzdGF0b2tlbi1TM2NyZXQ=\"}}}",
     "r.example", NULL, NULL, 0, "is not base64 of \"user:password\"",
     "justatoken-S3cret"},
    {"{\"auths\":{\"r.example\":{\"auth\":\"YWxpY2U6czNjcjN0LUE\"}}}",
     "r.example", NULL, NULL, 0, "is not base64", "YWxpY2U6czNjcjN0LUE"},
    {"{\"auths\":{\"r.example\":{\"auth\":\"YQBiOmM=\"}}}", /* "a\0b:c" */
     "r.example", NULL, NULL, 0, "is not base64", NULL},
    {"{\"auths\":[\"" ALICE "\"]}", "r.example", NULL, NULL, 0,
     "\"auths\" is not an object", ALICE},
    {"[\"" ALICE "\"]", "r.example", NULL, NULL, 0, "not a JSON object", ALICE},
    /* malformed JSON: where, never what */
    {"{\"auths\":{\"r.example\":{\"password\":\"Sup3rS3cret-XYZ\" oops}}}",
     "r.example", NULL, NULL, 0, "not valid JSON (line 1, column", "Sup3rS3"},
    {"{\"auths\":{\"r.example\":{\"auth\":\"" ALICE "\"", "r.example", NULL,
     NULL, 0, "not valid JSON", ALICE},
    {"{\n  \"auths\": {\n    \"r.example\": {\"auth\": \"" ALICE "\"},\n"
     "    \"r.example\": {\"auth\": \"" BOB "\"}\n  }\n}\n",
     "r.example", NULL, NULL, 0, "not valid JSON (line 4", BOB},
    {"", "r.example", NULL, NULL, 0, "not valid JSON", NULL},
};

struct tmpdir {
    char root[64];
};

static int tmpdir_setup(void **state)
{
    struct tmpdir *t = xcalloc(1, sizeof(*t));

    snprintf(t->root, sizeof(t->root), "/tmp/test_distrib.XXXXXX");
    if (!mkdtemp(t->root))
        return -1;
    *state = t;
    return 0;
}

static int tmpdir_teardown(void **state)
{
    struct tmpdir *t = *state;

    rmdir(t->root);
    free(t);
    return 0;
}

static char *write_config(const struct tmpdir *t, size_t i, const char *json)
{
    struct strbuf sb = STRBUF_INIT;
    FILE *f;

    sb_addf(&sb, "%s/config-%zu.json", t->root, i);
    f = fopen(sb.buf, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(json, 1, strlen(json), f), strlen(json));
    assert_int_equal(fclose(f), 0);
    return sb_detach(&sb);
}

static void test_creds_table(void **state)
{
    const struct tmpdir *t = *state;
    size_t i;

    for (i = 0; i < NELEMS(cred_cases); i++) {
        const struct cred_case *c = &cred_cases[i];
        struct distrib_creds cr;
        struct err e = {""};
        char *path;
        int rc;

        if (c->json) {
            path = write_config(t, i, c->json);
        } else {
            struct strbuf sb = STRBUF_INIT;
            sb_addf(&sb, "%s/missing/config.json", t->root);
            path = sb_detach(&sb);
        }
        rc = distrib_creds_load(path, c->host, &cr, &e);
        if (c->err) {
            if (rc != -1)
                fail_msg("case %zu: no error", i);
            check_has(i, e.msg, c->err);
            check_has(i, e.msg, path);
            check_lacks(i, e.msg, c->secret);
            check_lacks(i, e.msg, "s3cr3t");
            check_lacks(i, e.msg, "pw-B0b");
            check_lacks(i, e.msg, "Hub-Pa55");
            assert_null(cr.basic);
            assert_null(cr.password);
        } else {
            if (rc != 0)
                fail_msg("case %zu: %s", i, e.msg);
            check_str(i, "basic", cr.basic, c->basic);
            check_str(i, "password", cr.password,
                      c->basic ? c->password : NULL);
            if (cr.helper != c->helper)
                fail_msg("case %zu: helper %d", i, cr.helper);
        }
        distrib_creds_release(&cr);
        assert_null(cr.basic);
        if (c->json)
            unlink(path);
        free(path);
    }
    distrib_creds_release(NULL);
}

/* Missing along the way (ENOTDIR) is no credentials too; an unreadable
 * file is an error that says why. */
static void test_creds_files(void **state)
{
    const struct tmpdir *t = *state;
    struct distrib_creds cr;
    struct err e = {""};
    char *file = write_config(t, 1000, "{}");
    struct strbuf sb = STRBUF_INIT;

    sb_addf(&sb, "%s/config.json", file);
    assert_int_equal(distrib_creds_load(sb.buf, "r.example", &cr, &e), 0);
    assert_null(cr.basic);
    if (geteuid() != 0) {
        assert_int_equal(chmod(file, 0), 0);
        assert_int_equal(distrib_creds_load(file, "r.example", &cr, &e), -1);
        check_has(0, e.msg, file);
        check_has(0, e.msg, "cannot read");
    }
    unlink(file);
    free(file);
    sb_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_table),
        cmocka_unit_test(test_ref_limits),
        cmocka_unit_test(test_tag_digest_ok),
        cmocka_unit_test(test_status_line),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_error_text),
        cmocka_unit_test(test_error_text_caps),
        cmocka_unit_test(test_challenges),
        cmocka_unit_test(test_challenge_bounded),
        cmocka_unit_test(test_token),
        cmocka_unit_test_setup_teardown(test_creds_table, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_creds_files, tmpdir_setup,
                                        tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
