/*
 * test_http.c: core/http.c against tests/tools/httpsrv.py, started here
 * in a fresh mkdtemp directory (two of them: one asking for a bearer token
 * with a CONNECT proxy beside it, one asking for a client certificate;
 * they share the test CA). What it proves: TLS is verified (an unknown CA
 * fails, the test CA passes), client certificates from files and from
 * memory, the token is sent and appears in no error and nothing on
 * stderr, 429 with Retry-After is retried after the pause asked for, 500
 * is retried and then reported, 401/403 are not retried, a slow first
 * byte and a trickle end by the deadline, a cut body and an oversize body
 * are errors naming the URL (and the limit), a proxy from the environment
 * and one given by name are used, and paging answers of the server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "http.h"
#include "testsrv.h"
#include "util.h"

#define TOKEN "tok-5ecret-4f9a-never-shown"
#define PASS "pa55-w0rd-4c2e"
#define APIKEY "key-77d1-e0c3-never-shown"

static struct testsrv srv;
static int port_tok, port_mtls, port_proxy;
static char ca[128], other_ca[128], ccert[128], ckey[128];

static const char spec[] =
    "{\"routes\": {\n"
    " \"/ok\": {\"body\": {\"a\": 1}},\n"
    " \"/public\": {\"body\": \"hello\", \"public\": true},\n"
    " \"/e429\": {\"fault\": {\"status\": 429, \"times\": 2, "
    "\"retry_after\": \"1\"}, \"body\": \"after 429\"},\n"
    " \"/e500\": {\"fault\": {\"status\": 500}},\n"
    " \"/e403\": {\"fault\": {\"status\": 403}},\n"
    " \"/slow\": {\"slow\": 20, \"body\": \"late\"},\n"
    " \"/trickle\": {\"generate\": 100000, \"trickle\": 10},\n"
    " \"/cut\": {\"generate\": 1000, \"cut\": 10},\n"
    " \"/big\": {\"generate\": 5000},\n"
    " \"/stream\": {\"generate\": 300000},\n"
    " \"/pods\": {\"list\": {\"items\": 5, \"style\": \"k8s\"}},\n"
    " \"/aws\": {\"list\": {\"items\": 3, \"style\": \"nexttoken\"}}\n"
    "}}\n";

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Lines of DIR/name containing needle. */
static int count_lines(const char *name, const char *needle)
{
    char path[160], *s, *p, *nl;
    int n = 0;

    snprintf(path, sizeof(path), "%s/%s", srv.dir, name);
    s = testsrv_slurp(path);
    for (p = s; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        if (strstr(p, needle))
            n++;
    }
    free(s);
    return n;
}

static int setup(void **state)
{
    char path[160];

    (void)state;
    if (testsrv_init(&srv, "http", spec))
        return -1;
    /* One server makes the CA and the certificates; the other uses them. */
    testsrv_start(&srv, "tok",
                  (const char *const[]){"--token", TOKEN, "--proxy", "--basic",
                                        "alice:" PASS, NULL});
    port_tok = testsrv_port(&srv, "tok", "port");
    port_proxy = testsrv_port(&srv, "tok", "proxy.port");
    snprintf(path, sizeof(path), "%s/tok", srv.dir);
    testsrv_start(&srv, "mtls",
                  (const char *const[]){"--mtls", "--certs", path, NULL});
    port_mtls = testsrv_port(&srv, "mtls", "port");
    snprintf(ca, sizeof(ca), "%s/tok/ca.crt", srv.dir);
    snprintf(other_ca, sizeof(other_ca), "%s/tok/other-ca.crt", srv.dir);
    snprintf(ccert, sizeof(ccert), "%s/tok/client.crt", srv.dir);
    snprintf(ckey, sizeof(ckey), "%s/tok/client.key", srv.dir);
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("http_proxy");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    return port_tok && port_mtls && port_proxy ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return testsrv_stop(&srv);
}

static struct http *client(struct http_opts *o)
{
    struct err e = {{0}};
    struct http *c;

    if (!o->ca_file)
        o->ca_file = ca;
    c = http_new(o, &e);
    if (!c)
        fail_msg("http_new: %s", e.msg);
    return c;
}

static char *url(int port, const char *path)
{
    struct strbuf sb = STRBUF_INIT;

    sb_addf(&sb, "https://127.0.0.1:%d%s", port, path);
    return sb_detach(&sb);
}

/* GET path on the token server with the token; returns http_do's rc. */
static int get(struct http *c, int port, const char *path, const char *auth,
               struct http_resp *rs, struct err *e)
{
    struct http_req rq = {0};
    char *u = url(port, path);
    int rc;

    rq.url = u;
    rq.auth = auth;
    rc = http_do(c, &rq, rs, e);
    free(u);
    return rc;
}

static void test_tls(void **state)
{
    struct http_opts o = {0};
    struct http *c;
    struct http_resp rs = {0};
    struct err e = {{0}};
    int rc;

    (void)state;
    o.ca_file = other_ca;
    o.retries = -1;
    c = client(&o);
    rc = get(c, port_tok, "/ok", "Bearer " TOKEN, &rs, &e);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(e.msg, "certificate"));
    assert_non_null(strstr(e.msg, "GET https://127.0.0.1:"));
    assert_null(strstr(e.msg, TOKEN));
    http_free(c);

    memset(&o, 0, sizeof(o));
    c = client(&o);
    rc = get(c, port_tok, "/ok", "Bearer " TOKEN, &rs, &e);
    assert_int_equal(rc, 0);
    assert_int_equal(rs.status, 200);
    assert_string_equal(sb_str(&rs.body), "{\"a\": 1}");
    assert_string_equal(rs.content_type, "application/json");
    assert_int_equal(rs.attempts, 1);
    http_free(c);

    /* insecure, by name only: the unknown CA no longer matters. */
    memset(&o, 0, sizeof(o));
    o.ca_file = other_ca;
    o.insecure = 1;
    c = client(&o);
    assert_int_equal(get(c, port_tok, "/ok", "Bearer " TOKEN, &rs, &e), 0);
    assert_int_equal(rs.status, 200);
    http_free(c);

    /* plain http is refused unless allowed */
    memset(&o, 0, sizeof(o));
    c = client(&o);
    {
        struct http_req rq = {0};
        rq.url = "http://127.0.0.1:1/x";
        assert_int_not_equal(http_do(c, &rq, &rs, &e), 0);
    }
    http_free(c);
    http_resp_release(&rs);
}

static void test_client_cert(void **state)
{
    struct http_opts o = {0};
    struct http *c;
    struct http_resp rs = {0};
    struct err e = {{0}};
    char *pem, *key;

    (void)state;
    o.retries = -1;
    c = client(&o);
    assert_int_not_equal(get(c, port_mtls, "/public", NULL, &rs, &e), 0);
    http_free(c);

    memset(&o, 0, sizeof(o));
    o.cert_file = ccert;
    o.key_file = ckey;
    c = client(&o);
    assert_int_equal(get(c, port_mtls, "/public", NULL, &rs, &e), 0);
    assert_int_equal(rs.status, 200);
    assert_string_equal(sb_str(&rs.body), "hello");
    http_free(c);

    pem = testsrv_slurp(ccert);
    key = testsrv_slurp(ckey);
    memset(&o, 0, sizeof(o));
    o.cert_pem = pem;
    o.key_pem = key;
    c = client(&o);
    assert_int_equal(get(c, port_mtls, "/public", NULL, &rs, &e), 0);
    assert_int_equal(rs.status, 200);
    http_free(c);
    free(pem);
    free(key);
    assert_int_equal(count_lines("mtls/requests.log", "cert=fourc-test"), 2);

    /* a missing certificate file is an error naming it, before any
     * request */
    memset(&o, 0, sizeof(o));
    o.cert_file = "/nonexistent/client.crt";
    assert_null(http_new(&o, &e));
    assert_non_null(strstr(e.msg, "/nonexistent/client.crt"));
    http_resp_release(&rs);
}

/* Redirects stderr to DIR/stderr (on) or back (off). */
static void capture_stderr(int on)
{
    static int saved = -1;
    char path[160];
    int fd;

    fflush(stderr);
    if (on) {
        snprintf(path, sizeof(path), "%s/stderr", srv.dir);
        saved = dup(2);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        close(fd);
    } else if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
        saved = -1;
    }
}

static void test_token_never_shown(void **state)
{
    struct http_opts o = {0};
    struct http *c;
    struct http_resp rs = {0};
    struct http_req rq = {0};
    static const char *const hdrs[] = {"Accept: */*", "X-Api-Key: " APIKEY,
                                       NULL};
    struct err e[6] = {{{0}}};
    int rc[6], i;
    long st[5];
    int att[5];
    char path[160], *logged, *basic;

    (void)state;
    o.what = "kubernetes " TOKEN; /* even a careless prefix is scrubbed */
    o.retry_base_ms = 20;
    c = client(&o);
    /* Every call with stderr captured; the asserts after. */
    capture_stderr(1);
    rc[0] = get(c, port_tok, "/ok?who=t", "Bearer " TOKEN, &rs, &e[0]);
    st[0] = rs.status;
    /* the wrong token: a 401, not retried, reported without it */
    rc[1] = get(c, port_tok, "/ok", "Bearer wrong-" TOKEN, &rs, &e[1]);
    st[1] = rs.status;
    att[1] = rs.attempts;
    http_status_error(c,
                      &(struct http_req){.url = "https://u:pw@127.0.0.1/ok?"
                                                "token=" TOKEN,
                                         .auth = "Bearer " TOKEN},
                      &rs, &e[1]);
    /* 403: not retried either */
    rc[2] = get(c, port_tok, "/e403", "Bearer " TOKEN, &rs, &e[2]);
    st[2] = rs.status;
    att[2] = rs.attempts;
    /* a transport error names the URL without its query */
    rq.url = "https://127.0.0.1:1/x?token=" TOKEN;
    rq.auth = "Bearer " TOKEN;
    rc[3] = http_do(c, &rq, &rs, &e[3]);
    att[3] = rs.attempts;
    /* Basic from user and password */
    basic = http_basic("alice", PASS);
    rc[4] = get(c, port_tok, "/ok?who=b", basic, &rs, &e[4]);
    st[4] = rs.status;
    free(basic);
    http_free(c);
    /* a secret in another header, and the password, scrubbed too */
    o.what = "aws " APIKEY;
    c = client(&o);
    memset(&rq, 0, sizeof(rq));
    rq.url = "https://127.0.0.1:1/";
    rq.headers = hdrs;
    rq.auth = basic = http_basic("alice", PASS);
    rq.no_retry = 1;
    rc[5] = http_do(c, &rq, &rs, &e[5]);
    free(basic);
    capture_stderr(0);
    http_free(c);

    assert_int_equal(rc[0], 0);
    assert_int_equal(st[0], 200);
    assert_int_equal(count_lines("tok/requests.log", "GET /ok?who=t auth=ok"),
                     1);
    assert_int_equal(rc[1], 0);
    assert_int_equal(st[1], 401);
    assert_int_equal(att[1], 1);
    assert_non_null(strstr(e[1].msg, ": GET https://127.0.0.1/ok: 401"));
    assert_null(strstr(e[1].msg, "pw"));
    assert_int_equal(rc[2], 0);
    assert_int_equal(st[2], 403);
    assert_int_equal(att[2], 1);
    assert_int_equal(count_lines("tok/requests.log", "GET /e403 "), 1);
    assert_int_not_equal(rc[3], 0);
    assert_non_null(strstr(e[3].msg, "GET https://127.0.0.1:1/x: "));
    assert_int_equal(att[3], 3); /* connection refused: retried */
    assert_int_equal(rc[4], 0);
    assert_int_equal(st[4], 200);
    assert_int_equal(count_lines("tok/requests.log", "GET /ok?who=b auth=ok"),
                     1);
    assert_int_not_equal(rc[5], 0);
    assert_non_null(strstr(e[5].msg, "aws ***: GET https://127.0.0.1:1/: "));
    for (i = 0; i < 6; i++)
        if (strstr(e[i].msg, TOKEN) || strstr(e[i].msg, APIKEY) ||
            strstr(e[i].msg, PASS))
            fail_msg("a secret is in error %d: %s", i, e[i].msg);
    snprintf(path, sizeof(path), "%s/stderr", srv.dir);
    logged = testsrv_slurp(path);
    assert_null(strstr(logged, TOKEN));
    free(logged);
    http_resp_release(&rs);
}

static void test_retries(void **state)
{
    struct http_opts o = {0};
    struct http *c;
    struct http_resp rs = {0};
    struct err e = {{0}};
    double t0;

    (void)state;
    o.retries = 2;
    o.retry_base_ms = 20;
    c = client(&o);
    t0 = now_s();
    assert_int_equal(get(c, port_tok, "/e429", "Bearer " TOKEN, &rs, &e), 0);
    assert_int_equal(rs.status, 200);
    assert_string_equal(sb_str(&rs.body), "after 429");
    assert_int_equal(rs.attempts, 3);
    assert_true(now_s() - t0 >= 1.9); /* Retry-After: 1, twice */
    assert_int_equal(count_lines("tok/requests.log", "GET /e429 "), 3);

    assert_int_equal(get(c, port_tok, "/e500", "Bearer " TOKEN, &rs, &e), 0);
    assert_int_equal(rs.status, 500);
    assert_int_equal(rs.attempts, 3);
    assert_int_equal(count_lines("tok/requests.log", "GET /e500 "), 3);
    http_status_error(
        c, &(struct http_req){.url = "https://127.0.0.1/e500", .method = "GET"},
        &rs, &e);
    assert_string_equal(e.msg, "GET https://127.0.0.1/e500: 500 Internal "
                               "Server Error (after 3 attempts)");
    http_free(c);

    /* a bounded total: no retry that would end past retry_total_ms */
    memset(&o, 0, sizeof(o));
    o.retries = 5;
    o.retry_base_ms = 400;
    o.retry_total_ms = 300; /* under the first pause (400 ms at least) */
    c = client(&o);
    assert_int_equal(get(c, port_tok, "/e500", "Bearer " TOKEN, &rs, &e), 0);
    assert_int_equal(rs.status, 500);
    assert_int_equal(rs.attempts, 1);
    http_free(c);
    http_resp_release(&rs);
}

static void test_retry_after(void **state)
{
    char date[64];
    time_t t = time(NULL) + 5;
    struct tm tm;
    long ms;

    (void)state;
    assert_int_equal(http_retry_after_ms("3", 1, 10000), 3000);
    assert_int_equal(http_retry_after_ms(" 120 ", 5, 10000), 10000);
    assert_int_equal(http_retry_after_ms("soon", 4, 10000), -1);
    assert_int_equal(http_retry_after_ms("", 0, 10000), -1);
    assert_int_equal(http_retry_after_ms("3x", 2, 10000), -1);
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    ms = http_retry_after_ms(date, strlen(date), 10000);
    assert_true(ms >= 3000 && ms <= 5000);
    assert_int_equal(http_retry_after_ms(date, strlen(date), 1000), 1000);
    assert_int_equal(
        http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 29, 10000), 0);
}

static void test_slow(void **state)
{
    struct http_opts o = {0};
    struct http *c;
    struct http_resp rs = {0};
    struct err e = {{0}};
    double t0, dt;

    (void)state;
    o.deadline = 2;
    o.min_rate = 1000;
    o.timeout_hint = "--test-timeout 2";
    c = client(&o);
    t0 = now_s();
    assert_int_equal(get(c, port_tok, "/slow", "Bearer " TOKEN, &rs, &e), -1);
    dt = now_s() - t0;
    assert_true(dt >= 1.5 && dt < 5);
    assert_non_null(strstr(e.msg, "/slow: no answer within 2 s "
                                  "(--test-timeout 2)"));

    t0 = now_s();
    assert_int_equal(get(c, port_tok, "/trickle", "Bearer " TOKEN, &rs, &e),
                     -1);
    dt = now_s() - t0;
    assert_true(dt >= 1.5 && dt < 6);
    assert_non_null(strstr(e.msg, "/trickle: too slow: "));
    assert_non_null(strstr(e.msg, "under the minimum of 1000 bytes/s"));
    assert_int_equal(rs.attempts, 1); /* a timeout is not retried */
    http_free(c);
    http_resp_release(&rs);
}

static void test_cut_and_size(void **state)
{
    struct http_opts o = {0};
    struct http *c;
    struct http_resp rs = {0};
    struct http_req rq = {0};
    struct err e = {{0}};
    char *u;

    (void)state;
    o.retries = 1;
    o.retry_base_ms = 20;
    c = client(&o);
    assert_int_equal(get(c, port_tok, "/cut", "Bearer " TOKEN, &rs, &e), -1);
    assert_non_null(strstr(e.msg, "/cut: the answer was cut short"));
    assert_int_equal(rs.attempts, 2);

    u = url(port_tok, "/big?secret=1");
    rq.url = u;
    rq.auth = "Bearer " TOKEN;
    rq.max_body = 4096;
    assert_int_equal(http_do(c, &rq, &rs, &e), -1);
    assert_non_null(strstr(e.msg, "/big: the answer is larger than 4096 "
                                  "bytes"));
    assert_null(strstr(e.msg, "secret"));
    rq.max_body = 5000;
    assert_int_equal(http_do(c, &rq, &rs, &e), 0);
    assert_int_equal(rs.body.len, 5000);
    free(u);
    http_free(c);
    http_resp_release(&rs);
}

static int count_bytes(void *arg, const void *buf, size_t len, struct err *e)
{
    size_t *n = arg;

    (void)buf;
    *n += len;
    if (*n > 200000)
        return err_set(e, "sink: enough");
    return 0;
}

static void test_stream(void **state)
{
    struct http_opts o = {0};
    struct http *c;
    struct http_resp rs = {0};
    struct http_req rq = {0};
    struct err e = {{0}};
    size_t n = 0;
    char *u = url(port_tok, "/stream");

    (void)state;
    c = client(&o);
    rq.url = u;
    rq.auth = "Bearer " TOKEN;
    rq.max_body = 10; /* applies to memory only */
    rq.on_body = count_bytes;
    rq.arg = &n;
    assert_int_equal(http_do(c, &rq, &rs, &e), -1);
    assert_string_equal(e.msg, "sink: enough");
    assert_int_equal(rs.attempts, 1);
    assert_int_equal(rs.body.len, 0);
    free(u);
    http_free(c);
    http_resp_release(&rs);
}

static void test_proxy(void **state)
{
    struct http_opts o = {0};
    struct http *c;
    struct http_resp rs = {0};
    struct err e = {{0}};
    char px[64];

    (void)state;
    snprintf(px, sizeof(px), "http://127.0.0.1:%d", port_proxy);
    assert_int_equal(count_lines("tok/proxy.log", "CONNECT"), 0);
    setenv("https_proxy", px, 1);
    c = client(&o);
    assert_int_equal(get(c, port_tok, "/ok", "Bearer " TOKEN, &rs, &e), 0);
    assert_int_equal(rs.status, 200);
    http_free(c);
    assert_int_equal(count_lines("tok/proxy.log", "CONNECT 127.0.0.1:"), 1);

    /* "" turns the environment's proxy off */
    o.proxy = "";
    c = client(&o);
    assert_int_equal(get(c, port_tok, "/ok", "Bearer " TOKEN, &rs, &e), 0);
    http_free(c);
    assert_int_equal(count_lines("tok/proxy.log", "CONNECT"), 1);
    unsetenv("https_proxy");

    /* a proxy by name */
    memset(&o, 0, sizeof(o));
    o.proxy = px;
    c = client(&o);
    assert_int_equal(get(c, port_tok, "/ok", "Bearer " TOKEN, &rs, &e), 0);
    http_free(c);
    assert_int_equal(count_lines("tok/proxy.log", "CONNECT"), 2);
    http_resp_release(&rs);
}

static void test_paging(void **state)
{
    struct http_opts o = {0};
    struct http *c;
    struct http_resp rs = {0};
    struct err e = {{0}};
    struct http_req rq = {0};
    static const char *const hdrs[] = {"Content-Type: application/json", NULL};
    char *u;
    int pages = 0;
    char path[64] = "/pods?limit=2";

    (void)state;
    c = client(&o);
    for (;;) {
        const char *p;
        pages++;
        assert_int_equal(get(c, port_tok, path, "Bearer " TOKEN, &rs, &e), 0);
        p = strstr(sb_str(&rs.body), "\"continue\": \"");
        if (!p)
            break;
        snprintf(path, sizeof(path), "/pods?limit=2&continue=%.*s",
                 (int)strcspn(p + 13, "\""), p + 13);
    }
    assert_int_equal(pages, 3);
    assert_non_null(strstr(sb_str(&rs.body), "item-4"));

    u = url(port_tok, "/aws");
    rq.method = "POST";
    rq.url = u;
    rq.headers = hdrs;
    rq.auth = "Bearer " TOKEN;
    rq.body = "{\"MaxResults\": 2, \"NextToken\": \"tok-2\"}";
    rq.body_len = strlen(rq.body);
    assert_int_equal(http_do(c, &rq, &rs, &e), 0);
    assert_string_equal(sb_str(&rs.body),
                        "{\"Items\": [{\"Name\": \"item-2\"}]}");
    /* after a POST with a body, other methods are themselves */
    rq.method = "DELETE";
    rq.body = NULL;
    rq.body_len = 0;
    assert_int_equal(http_do(c, &rq, &rs, &e), 0);
    rq.method = "HEAD";
    assert_int_equal(http_do(c, &rq, &rs, &e), 0);
    assert_int_equal(rs.status, 200);
    assert_int_equal(rs.body.len, 0);
    rq.method = "PUT";
    rq.body = "{}";
    rq.body_len = 2;
    assert_int_equal(http_do(c, &rq, &rs, &e), 0);
    rq.method = NULL;
    rq.body = NULL;
    rq.body_len = 0;
    assert_int_equal(http_do(c, &rq, &rs, &e), 0);
    assert_int_equal(count_lines("tok/requests.log", "POST /aws auth=ok"), 1);
    assert_int_equal(count_lines("tok/requests.log", "DELETE /aws auth=ok"), 1);
    assert_int_equal(count_lines("tok/requests.log", "HEAD /aws auth=ok"), 1);
    assert_int_equal(count_lines("tok/requests.log", "PUT /aws auth=ok"), 1);
    assert_int_equal(count_lines("tok/requests.log", "GET /aws auth=ok"), 1);
    free(u);
    http_free(c);
    http_resp_release(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_client_cert),
        cmocka_unit_test(test_token_never_shown),
        cmocka_unit_test(test_retries),
        cmocka_unit_test(test_slow),
        cmocka_unit_test(test_cut_and_size),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_proxy),
        cmocka_unit_test(test_paging),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
