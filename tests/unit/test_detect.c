/*
 * test_detect.c: the secret detector engine (collectors/secret/detect.c)
 * with tests/unit/data/detectors-test.yaml: every detector finds its
 * planted value at its line and column, near misses are not found,
 * allowlists, chunk edges, a 100 MB line, two threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect.h"
#include "util.h"

static struct detect *td;

struct hits {
    struct detect_hit h[64];
    size_t n;
};

static int collect(void *arg, const struct detect_hit *h)
{
    struct hits *hs = arg;

    if (hs->n < 64)
        hs->h[hs->n] = *h;
    hs->n++;
    return 0;
}

static int setup(void **state)
{
    char path[1024];
    const char *top = getenv("TOP_SRCDIR");
    struct err e = {{0}};

    (void)state;
    snprintf(path, sizeof(path), "%s/tests/unit/data/detectors-test.yaml",
             top ? top : "..");
    td = detect_load(path, &e);
    if (!td)
        fprintf(stderr, "%s\n", e.msg);
    return td ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    detect_free(td);
    return 0;
}

/* Deterministic "random" text of n characters from set. */
static void rnd(char *out, size_t n, const char *set, unsigned *seed)
{
    size_t k = strlen(set), i;

    for (i = 0; i < n; i++) {
        *seed = *seed * 1103515245u + 12345u;
        out[i] = set[(*seed >> 16) % k];
    }
    out[n] = '\0';
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define UPPER32 "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define DIGITS "0123456789"
#define B64 ALNUM "+/"
#define URL64 ALNUM "_-"

/* The secret of each detector, built at run time (so this file holds no
 * token a scanner would flag), and the line it sits in ("%s": it). */
struct plant {
    const char *detector;
    const char *line; /* printf format with one %s */
    char secret[512];
};

static void make_plants(struct plant *p, size_t *n)
{
    unsigned seed = 42;
    char a[128], b[128], c[128];
    size_t i = 0;

#define P(det, fmt) (p[i].detector = (det), p[i].line = (fmt), p[i++].secret)
    rnd(a, 16, UPPER32, &seed);
    snprintf(P("aws-access-key-id", "aws_access_key_id = %s"), 512, "AKIA%s",
             a);
    rnd(a, 40, B64, &seed);
    snprintf(P("aws-secret-access-key", "aws_secret_access_key = \"%s\""), 512,
             "%s", a);
    rnd(a, 36, ALNUM, &seed);
    snprintf(P("github-pat", "GH_TOKEN: %s"), 512, "ghp_%s", a);
    rnd(a, 82, ALNUM "_", &seed);
    snprintf(P("github-fine-grained-pat", "export T=%s"), 512, "github_pat_%s",
             a);
    rnd(a, 20, URL64, &seed);
    snprintf(P("gitlab-pat", "  token_for_ci %s"), 512, "glpat-%s", a);
    rnd(a, 11, DIGITS, &seed);
    rnd(b, 12, DIGITS, &seed);
    rnd(c, 24, ALNUM, &seed);
    snprintf(P("slack-bot-token", "SLACK=%s"), 512, "xoxb-%s-%s-%s", a, b, c);
    rnd(a, 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", &seed);
    rnd(b, 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", &seed);
    rnd(c, 24, ALNUM, &seed);
    snprintf(P("slack-webhook-url", "url: %s"), 512,
             "https://hooks.slack.com/services/T%s/B%s/%s", a, b, c);
    rnd(a, 24, ALNUM, &seed);
    snprintf(P("stripe-secret-key", "stripe.api_key = '%s'"), 512, "sk_live_%s",
             a);
    rnd(a, 35, URL64, &seed);
    snprintf(P("google-api-key", "const k = `%s`;"), 512, "AIza%s", a);
    rnd(a, 36, ALNUM, &seed);
    snprintf(P("npm-token", "//registry.npmjs.org/:_authToken=%s"), 512,
             "npm_%s", a);
    rnd(a, 64, B64, &seed);
    rnd(b, 64, B64, &seed);
    snprintf(P("private-key", "%s"), 512,
             "-----BEGIN RSA PRIVATE KEY-----\n%s\n%s\n"
             "-----END RSA PRIVATE KEY-----",
             a, b);
    rnd(a, 20, URL64, &seed);
    rnd(b, 30, URL64, &seed);
    rnd(c, 30, URL64, &seed);
    snprintf(P("jwt", "Authorization: Bearer %s"), 512, "eyJ%s.eyJ%s.%s", a, b,
             c);
    snprintf(P("postgres-url-password",
               "DATABASE_URL=postgres://app:%s@db:5432/"
               "shop"),
             512, "Vq8rT2mLx9");
    snprintf(P("generic-password", "    password = \"%s\";"), 512,
             "Tq7#mZ2@vL9!pR4w");
#undef P
    *n = i;
}

/* The plant's line: its template with %s replaced by the secret. */
static int plant_line(char *out, size_t size, const struct plant *p)
{
    const char *at = strstr(p->line, "%s");

    return snprintf(out, size, "%.*s%s%s", (int)(at - p->line), p->line,
                    p->secret, at + 2);
}

static void hex_sha(const char *s, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    int i;

    sha256_raw(s, strlen(s), md);
    for (i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

/* Each detector finds its value, at its line and column, and only it. */
static void test_planted(void **state)
{
    struct plant p[32];
    size_t n, i, j, mine;

    (void)state;
    make_plants(p, &n);
    assert_int_equal(n, 14);
    for (i = 0; i < n; i++) {
        struct strbuf sb = STRBUF_INIT;
        struct hits hs = {0};
        struct err e = {{0}};
        char line[1024], want[65];
        const char *at;
        long col;

        sb_adds(&sb, "// a file\nint main(void) { return 0; }\n\n");
        plant_line(line, sizeof(line), &p[i]);
        at = strstr(line, p[i].secret);
        col = (long)(at - line) + 1;
        sb_adds(&sb, line);
        sb_adds(&sb, "\n# end\n");
        assert_int_equal(
            detect_scan(td, "src/app.conf", sb.buf, sb.len, collect, &hs, &e),
            0);
        /* one hit, of the detector: the generic assignment detector sees
         * some of these values too, and the specific one names them */
        hex_sha(p[i].secret, want);
        for (j = 0, mine = 0; j < hs.n; j++) {
            assert_int_equal(hs.h[j].line, 4);
            assert_int_equal(hs.h[j].column, col);
            assert_int_equal(hs.h[j].len, strlen(p[i].secret));
            assert_memory_equal(sb.buf + hs.h[j].offset, p[i].secret,
                                hs.h[j].len);
            assert_string_equal(hs.h[j].hash, want);
            assert_memory_equal(hs.h[j].prefix, p[i].secret, 4);
            assert_int_equal(hs.h[j].prefix[4], '\0');
            mine += strcmp(hs.h[j].detector, p[i].detector) == 0;
        }
        if (mine != 1 || hs.n != 1)
            fail_msg("%s: %zu hits, %zu of it", p[i].detector, hs.n, mine);
        sb_release(&sb);
    }
}

static size_t count(const char *text, const char *path)
{
    struct hits hs = {0};
    struct err e = {{0}};

    assert_int_equal(
        detect_scan(td, path, text, strlen(text), collect, &hs, &e), 0);
    return hs.n;
}

/* Near misses next to the real shapes: none is a finding. */
static void test_near_misses(void **state)
{
    static const char *const neg[] = {
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        "key = akiaqylpmn5hhhfpzam2\n",  /* lower case */
        "key = AKIAQYLPMN5HHHFPZAM\n",   /* 15 after AKIA */
        "key = AKIAQYLPMN5HHHFPZAM2X\n", /* 17 */
        "token = \"550e8400-e29b-41d4-a716-446655440000\"\n", /* UUID */
        "secret = \"da39a3ee5e6b4b0d3255bfef95601890afd80709\"\n",
        "token: \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852"
        "b855\"\n",
        "password = \"xxxxxxxxxxxx\"\n",
        "password = \"${TOKEN}\"\n",
        "password: \"{{ .Values.password }}\"\n",
        "password = \"<your-password>\"\n",
        "password = \"changeme123!\"\n",
        "password = \"aaaaaaaabbbb\"\n", /* entropy 0.9 */
        "DATABASE_URL=postgres://app:password@db/shop\n",
        "DATABASE_URL=postgres://app:${DB_PASS}@db/shop\n",
        "ghp_abcdefghijklmnopqrstuvwxyz012345678\n", /* 35 */
        "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n",
        "-----BEGIN PUBLIC "
        "KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
        "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0\n"
        "-----END PUBLIC KEY-----\n",
        "Stripe test key sk_test_4eC39HqLyjWDarjtT1zdp7dc\n",
        "password = \"your_password_here\"\n",
        "",
    };
    size_t i;

    (void)state;
    for (i = 0; neg[i][0]; i++)
        if (count(neg[i], "src/x") != 0)
            fail_msg("a finding in: %s", neg[i]);
}

/* The entropy threshold, with a pack made in memory. */
static void test_entropy(void **state)
{
    static const char pack[] =
        "- id: t\n  severity: low\n  keywords: [tok]\n"
        "  pattern: 'tok=([a-z]+)'\n  secret_group: 1\n  entropy: 2.5\n";
    struct err e = {{0}};
    struct detect *d = detect_load_text("mem", pack, sizeof(pack) - 1, &e);
    struct hits hs = {0};

    (void)state;
    assert_non_null(d);
    assert_true(detect_entropy("aabb", 4) > 0.999 &&
                detect_entropy("aabb", 4) < 1.001);
    assert_true(detect_entropy("abcd", 4) > 1.999);
    /* "abcabc": log2(3) = 1.58 < 2.5; "abcdefgh": 3 bits >= 2.5 */
    assert_int_equal(detect_scan(d, NULL, "tok=abcabc\ntok=abcdefgh\n", 24,
                                 collect, &hs, &e),
                     0);
    assert_int_equal(hs.n, 1);
    assert_int_equal(hs.h[0].line, 2);
    assert_int_equal(hs.h[0].column, 5);
    assert_true(hs.h[0].entropy >= 2.999);
    detect_free(d);
}

static void test_allowlists(void **state)
{
    const char *line = "password = \"Tq7#mZ2@vL9!pR4w\"\n";
    char buf[256];

    (void)state;
    assert_int_equal(count(line, "src/app.env"), 1);
    assert_int_equal(count(line, NULL), 1);
    /* path_allow: '*\/testdata/\*' */
    assert_int_equal(count(line, "src/testdata/app.env"), 0);
    assert_int_equal(count(line, "testdata/app.env"), 0);
    assert_int_equal(count(line, "src/testdata.env"), 1);
    /* inline on the same line only */
    snprintf(buf, sizeof(buf),
             "password = \"Tq7#mZ2@vL9!pR4w\" # fourc:allow\n"
             "x\n");
    assert_int_equal(count(buf, "a"), 0);
    snprintf(buf, sizeof(buf),
             "# fourc:allow\npassword = \"Tq7#mZ2@vL9!pR4w\"\n");
    assert_int_equal(count(buf, "a"), 1);
}

static void test_bad_packs(void **state)
{
    static const char *const bad[] = {
        "- id: x\n  severity: high\n  pattern: '(('\n",
        "- id: x\n  severity: nope\n  pattern: 'a'\n",
        "- id: x\n  severity: low\n  pattern: 'a'\n  secret_group: 2\n",
        "- id: x\n  severity: low\n  pattern: 'a'\n- id: x\n  severity: low\n"
        "  pattern: 'b'\n",
        "- severity: low\n  pattern: 'a'\n",
        "- id: x\n  severity: low\n  pattern: 'a'\n  keywords: 3\n",
        "- id: x\n  severity: low\n  pattern: 'a'\n  allow: ['[']\n",
        "{a: [\n",
        NULL,
    };
    struct err e = {{0}};
    struct detect *d;
    size_t i;

    (void)state;
    for (i = 0; bad[i]; i++) {
        e.msg[0] = '\0';
        d = detect_load_text("bad.yaml", bad[i], strlen(bad[i]), &e);
        if (d)
            fail_msg("loaded: %s", bad[i]);
        assert_non_null(strstr(e.msg, "bad.yaml"));
    }
    d = detect_load("/nonexistent/x.yaml", &e);
    assert_null(d);
    assert_non_null(strstr(e.msg, "/nonexistent/x.yaml"));
}

/* Text with many planted values, newline-separated or one long line. */
static char *corpus(size_t size, int newlines, size_t every, size_t *len)
{
    struct plant p[32];
    size_t n, k = 0;
    char *buf = xmalloc(size + 1024);
    unsigned seed = 7;
    char word[16];

    make_plants(p, &n);
    *len = 0;
    while (*len < size) {
        char line[1024];
        int w;

        if (k % every == 3)
            w = plant_line(line, sizeof(line), &p[(k / every) % n]);
        else {
            rnd(word, 8, "abcdefghij", &seed);
            w = snprintf(line, sizeof(line),
                         "static int %s_count = %zu; /* filler */", word, k);
        }
        line[w++] = newlines ? '\n' : ' ';
        if (!newlines) /* the private key's own newlines stay */
            for (int j = 0; j < w - 1; j++)
                if (line[j] == '\n' && !strstr(line, "PRIVATE"))
                    line[j] = ' ';
        memcpy(buf + *len, line, (size_t)w);
        *len += (size_t)w;
        k++;
    }
    return buf;
}

struct hitlist {
    struct detect_hit *h;
    size_t n, cap;
};

static int collect_all(void *arg, const struct detect_hit *h)
{
    struct hitlist *l = arg;

    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->h = xrealloc(l->h, l->cap * sizeof(*l->h));
    }
    l->h[l->n++] = *h;
    return 0;
}

static void same_hits(const struct hitlist *a, const struct hitlist *b)
{
    size_t i;

    assert_int_equal(a->n, b->n);
    for (i = 0; i < a->n; i++) {
        assert_int_equal(a->h[i].offset, b->h[i].offset);
        assert_int_equal(a->h[i].line, b->h[i].line);
        assert_int_equal(a->h[i].column, b->h[i].column);
        assert_string_equal(a->h[i].hash, b->h[i].hash);
        assert_string_equal(a->h[i].detector, b->h[i].detector);
    }
}

/* Scanning a file in small chunks finds exactly what one pass over the
 * whole of it finds, at the same places, across chunk edges. */
static void test_chunks(void **state)
{
    int nl;

    (void)state;
    for (nl = 1; nl >= 0; nl--) {
        size_t len, chunk;
        char *buf = corpus(900000, nl, 7, &len);
        char tmpl[] = "/tmp/test_detect.XXXXXX";
        int fd = mkstemp(tmpl);
        struct hitlist whole = {0};
        struct err e = {{0}};

        assert_true(fd >= 0);
        unlink(tmpl);
        assert_int_equal(write(fd, buf, len), (ssize_t)len);
        assert_int_equal(
            detect_scan(td, NULL, buf, len, collect_all, &whole, &e), 0);
        assert_true(whole.n > 500);
        /* the smallest chunk, odd sizes: edges everywhere */
        for (chunk = 1; chunk <= 300007; chunk += 150003) {
            struct hitlist part = {0};

            assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
            assert_int_equal(
                detect_scan_fd(td, NULL, fd, chunk, collect_all, &part, &e), 0);
            same_hits(&whole, &part);
            free(part.h);
        }
        close(fd);
        free(whole.h);
        free(buf);
    }
}

static long maxrss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 100 MB without a newline, keywords all along: bounded time and memory,
 * and the column of a key near the end is right. */
static void test_long_line(void **state)
{
    size_t len = 100u << 20, i, at;
    char *buf = xmalloc(len);
    static const char fill[] = "lorem ipsum token dolor sit amet ";
    struct hitlist l = {0};
    struct err e = {{0}};
    long rss;
    double t;

    (void)state;
    for (i = 0; i < len; i++)
        buf[i] = fill[i % (sizeof(fill) - 1)];
    at = len - 1000;
    memcpy(buf + at, " AKIAQYLPMN5HHHFPZAM2 ", 22);
    rss = maxrss_kb();
    t = now();
    assert_int_equal(detect_scan(td, NULL, buf, len, collect_all, &l, &e), 0);
    t = now() - t;
    assert_int_equal(l.n, 1);
    assert_int_equal(l.h[0].line, 1);
    assert_int_equal(l.h[0].column, (long)at + 2);
    assert_true(maxrss_kb() - rss < 64 * 1024);
    assert_true(t < 30);
    fprintf(stderr, "# 100 MB line, 'token' every 33 bytes: %.2f s\n", t);
    free(l.h);
    free(buf);
}

struct thr {
    const struct detect *d;
    const char *buf;
    size_t len;
    struct hitlist l;
    int rc;
};

static void *thr_run(void *arg)
{
    struct thr *t = arg;
    struct err e = {{0}};
    int i;

    for (i = 0; i < 10 && t->rc == 0; i++) {
        free(t->l.h);
        memset(&t->l, 0, sizeof(t->l));
        t->rc = detect_scan(t->d, NULL, t->buf, t->len, collect_all, &t->l, &e);
    }
    return NULL;
}

/* Both threads ask for the built-in set at once: compiled once. */
static void *thr_builtin(void *arg)
{
    struct thr *t = arg;
    struct err e = {{0}};

    t->d = detect_builtin(&e);
    return NULL;
}

/* Two threads share one compiled set (and the built-in set). */
static void test_threads(void **state)
{
    size_t len;
    char *buf = corpus(2000000, 1, 7, &len);
    struct thr t[2];
    pthread_t th[2];
    struct hitlist one = {0};
    struct err e = {{0}};
    int i;

    (void)state;
    assert_int_equal(detect_scan(td, NULL, buf, len, collect_all, &one, &e), 0);
    for (i = 0; i < 2; i++) {
        memset(&t[i], 0, sizeof(t[i]));
        assert_int_equal(pthread_create(&th[i], NULL, thr_builtin, &t[i]), 0);
    }
    for (i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_non_null(t[i].d);
    }
    assert_ptr_equal(t[0].d, t[1].d);
    for (i = 0; i < 2; i++) {
        memset(&t[i], 0, sizeof(t[i]));
        t[i].d = td;
        t[i].buf = buf;
        t[i].len = len;
        assert_int_equal(pthread_create(&th[i], NULL, thr_run, &t[i]), 0);
    }
    for (i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(t[i].rc, 0);
        same_hits(&one, &t[i].l);
        free(t[i].l.h);
    }
    free(one.h);
    free(buf);
}

/* The built-in pack compiles, and finds an AWS key id. */
static void test_builtin(void **state)
{
    struct err e = {{0}};
    const struct detect *d = detect_builtin(&e);
    struct hits hs = {0};
    static const char text[] = "id = AKIAQYLPMN5HHHFPZAM2\n";

    (void)state;
    assert_non_null(d);
    assert_true(detect_count(d) >= 10);
    assert_ptr_equal(detect_builtin(&e), d);
    assert_int_equal(
        detect_scan(d, NULL, text, sizeof(text) - 1, collect, &hs, &e), 0);
    assert_true(hs.n >= 1);
}

/* Throughput on source-like text, printed (the figure is in the report;
 * asserted only against a floor a loaded machine still meets). */
static void test_throughput(void **state)
{
    size_t len;
    char *buf = corpus(64u << 20, 1, 1500, &len);
    struct hitlist l = {0};
    struct err e = {{0}};
    double t, best = 1e9;
    int i;

    (void)state;
    /* one planted line in ~64 KiB: realistic density */
    for (i = 0; i < 3; i++) {
        free(l.h);
        memset(&l, 0, sizeof(l));
        t = now();
        assert_int_equal(detect_scan(td, NULL, buf, len, collect_all, &l, &e),
                         0);
        t = now() - t;
        if (t < best)
            best = t;
    }
    fprintf(stderr, "# %zu MB, %zu hits: %.0f MB/s\n", len >> 20, l.n,
            (double)len / best / 1e6);
    assert_true((double)len / best / 1e6 > 20);
    free(l.h);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planted),   cmocka_unit_test(test_near_misses),
        cmocka_unit_test(test_entropy),   cmocka_unit_test(test_allowlists),
        cmocka_unit_test(test_bad_packs), cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_long_line), cmocka_unit_test(test_threads),
        cmocka_unit_test(test_builtin),   cmocka_unit_test(test_throughput),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
