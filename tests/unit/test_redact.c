/*
 * test_redact.c: secret values replaced at the collector.
 *
 * Expected digests are the first 8 hex digits of SHA-256, computed with
 * `printf %s VALUE | sha256sum`. Every object test also checks that no
 * plaintext survives anywhere in json_dumps of the result.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "redact.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* ---- redact_value ---- */

static const struct {
    const char *value;
    size_t len;
    const char *want;
} value_cases[] = {
    {"", 0, "[redacted: 0 bytes, sha256:e3b0c442]"},
    {"abc", 3, "[redacted: 3 bytes, sha256:ba7816bf]"},
    {"hunter2", 7, "[redacted: 7 bytes, sha256:f52fbd32]"},
    {"p4ssw0rd-Sup3r", 14, "[redacted: 14 bytes, sha256:eed587a7]"},
    {"c2VjcmV0LXZhbHVl", 16, "[redacted: 16 bytes, sha256:4a10180f]"},
    {"ghp_abcdef123456", 16, "[redacted: 16 bytes, sha256:55bb5317]"},
    /* len counts, not the NUL: embedded NULs are hashed too */
    {"a\0b", 3, "[redacted: 3 bytes, sha256:59b271ae]"},
    /* only len bytes are read */
    {"abcdef", 3, "[redacted: 3 bytes, sha256:ba7816bf]"},
};

static void test_value(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
        json_t *v = redact_value(value_cases[i].value, value_cases[i].len);
        assert_non_null(v);
        assert_true(json_is_string(v));
        assert_string_equal(json_string_value(v), value_cases[i].want);
        if (value_cases[i].len >= 4)
            assert_null(strstr(json_string_value(v), value_cases[i].value));
        json_decref(v);
    }
}

/* Same value, same text; different values differ; never the value. */
static void test_value_properties(void **state)
{
    static const char *const secrets[] = {
        "s3cr3t-P@ssw0rd!", "postgres://app:pw@db:5432/app",
        "-----BEGIN PRIVATE KEY-----MIIEv", "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
    size_t i, k;
    json_t *out[sizeof(secrets) / sizeof(secrets[0])];

    (void)state;
    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        json_t *again;
        const char *s;
        char want_prefix[64];
        out[i] = redact_value(secrets[i], strlen(secrets[i]));
        s = json_string_value(out[i]);
        assert_non_null(s);
        assert_null(strstr(s, secrets[i]));
        snprintf(want_prefix, sizeof(want_prefix),
                 "[redacted: %zu bytes, sha256:", strlen(secrets[i]));
        assert_int_equal(strncmp(s, want_prefix, strlen(want_prefix)), 0);
        assert_int_equal(strlen(s), strlen(want_prefix) + 8 + 1);
        assert_int_equal(s[strlen(s) - 1], ']');
        again = redact_value(secrets[i], strlen(secrets[i]));
        assert_true(json_equal(again, out[i]));
        json_decref(again);
        for (k = 0; k < i; k++)
            assert_false(json_equal(out[k], out[i]));
    }
    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        json_decref(out[i]);
}

/* ---- redact_name_is_secret ---- */

static const struct {
    const char *name;
    int secret;
} name_cases[] = {
    {"DB_PASSWORD", 1},
    {"db_password", 1},
    {"PGPASSWORD", 1},
    {"MYSQL_ROOT_PASSWORD", 1},
    {"REDIS_PASSWD", 1},
    {"api-key", 1},
    {"API_KEY", 1},
    {"ApiKey", 1},
    {"STRIPE_APIKEY", 1},
    {"AWS_SECRET_ACCESS_KEY", 1},
    {"AWS_ACCESS_KEY_ID", 1},
    {"client-secret", 1},
    {"GITHUB_TOKEN", 1},
    {"slackToken", 1},
    {"JWT_PRIVATE_KEY", 1},
    {"GOOGLE_APPLICATION_CREDENTIALS", 1},
    {"BASIC_AUTH", 1},
    {"GPG_PASSPHRASE", 1},
    {"MONGO_CONN_STR", 1},
    {"DATABASE_CONNECTION_STRING", 1},
    {"SENTRY_DSN", 1},
    {"PORT", 0},
    {"LOG_LEVEL", 0},
    {"REGION", 0},
    {"HOME", 0},
    {"JAVA_OPTS", 0},
    {"NODE_ENV", 0},
    {"SERVICE_HOST", 0},
    {"DB_USER", 0},
    {"", 0},
    /* Any byte but a letter or digit separates words; case never counts. */
    {"DB_PASS", 1},
    {"db-pass", 1},
    {"db.pass", 1},
    {"db pass", 1},
    {"db/pass", 1},
    {"DB__PASS__", 1},
    {"--password", 1},
    {"dbPassword", 1},
    {"apiKey", 1},
    {"Api.Key", 1},
    {"privateKey", 1},
    {"MONGO_CONN-STR", 1},
    {"MONGO_CONNSTR", 0},
    {"connection.string", 1},
    {"CONNECTIONSTRING", 0},
    /* Whole words only between separators, or at either end. */
    {"KEY", 1},
    {"key", 1},
    {"SSH_KEY", 1},
    {"KEY_1", 1},
    {"KEYCLOAK_URL", 0},
    {"MONKEY", 0},
    {"KEYS", 0},
    {"PASSAGE", 0},
    {"BYPASS_MODE", 0},
    {"PASS1", 0},
    {"MOT_DE_PASSE", 0},
    {"GITHUB_PAT", 1},
    {"PATH", 0},
    {"PWD", 1},
    {"OLDPWD", 0},
    {"DSN", 1},
    {"DSN2", 0},
    {"AUTH", 1},
    {"OAUTH_CLIENT_ID", 0},
    {"AUTHOR", 0},
    {"CREDS", 1},
    {"CREDENTIALS", 1},
    {"PRIVATE", 1},
    {"SIGNING", 1},
    {"DESIGNING", 0},
    {"SALT", 1},
    {"SALTY", 0},
    {"COOKIE_NAME", 1},
    {"COOKIES", 0},
    {"CERTKEY", 1},
    {"CERTKEYS", 0},
    {"CERT_KEY", 1},
    /* Substrings match inside longer words, digits included. */
    {"PASSWORD1", 1},
    {"TOKEN2", 1},
    {"SECRETARY", 1},
    {"TOKENIZER_MODEL", 1},
    {"xPASSWDx", 1},
    {"MYPASSPHRASE", 1},
    /* Bytes of non-ASCII characters are separators, never letters. */
    {"DB\xc3\xa9PASS", 1},
    {"PASS\xc3\xa9", 1},
    {"PAS\xc3\xa9S", 0},
    {"\xef\xbc\xb0\xef\xbc\xa1\xef\xbc\xb3\xef\xbc\xb3", 0},
    {"\xff\x80KEY\x80", 1},
};

static void test_name_is_secret(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
        int got = redact_name_is_secret(name_cases[i].name);
        if (!got != !name_cases[i].secret)
            print_error("%s: %d, want %d\n", name_cases[i].name, got,
                        name_cases[i].secret);
        assert_int_equal(!!got, name_cases[i].secret);
    }
}

/* A name longer than the internal buffer is still judged (no overflow). */
static void test_name_long(void **state)
{
    char name[1024];

    (void)state;
    memset(name, 'X', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    assert_int_equal(redact_name_is_secret(name), 0);
    memcpy(name, "TOKEN", 5);
    assert_int_equal(!!redact_name_is_secret(name), 1);
}

/* Only the first 255 bytes of a name are judged: a word that the cut
 * shortens is lost, and one it ends becomes whole. */
static const struct {
    size_t pad; /* bytes of filler before the word */
    char fill;
    const char *word;
    int secret;
} cut_cases[] = {
    {250, 'X', "TOKEN", 1}, /* 255 bytes */
    {251, 'X', "TOKEN", 0}, /* "TOKE" */
    {251, 'X', "_KEY", 1},  /* 255 bytes */
    {252, 'X', "_KEY", 0},  /* "_KE" */
    {251, 'X', "_KEYS", 1}, /* the cut leaves "_KEY" at the end */
    {247, 'x', "PASSWORD", 1}, {248, 'x', "PASSWORD", 0}, {300, '_', "PASS", 0},
    {300, 'X', "PASSWORD", 0}, {0, 'X', "", 0},
};

static void test_name_cut(void **state)
{
    char name[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cut_cases) / sizeof(cut_cases[0]); i++) {
        int got;
        memset(name, cut_cases[i].fill, cut_cases[i].pad);
        snprintf(name + cut_cases[i].pad, sizeof(name) - cut_cases[i].pad, "%s",
                 cut_cases[i].word);
        got = !!redact_name_is_secret(name);
        if (got != cut_cases[i].secret)
            print_error("%zu x '%c' + %s: %d\n", cut_cases[i].pad,
                        cut_cases[i].fill, cut_cases[i].word, got);
        assert_int_equal(got, cut_cases[i].secret);
    }
}

/* Every byte value: a letter is itself in either case, digits are kept,
 * anything else separates words. */
static void test_name_bytes(void **state)
{
    unsigned b;

    (void)state;
    for (b = 1; b < 256; b++) {
        char sep[] = {'D', 'B', (char)b, 'P', 'A', 'S', 'S', '\0'};
        char first[] = {(char)b, 'e', 'y', '\0'};
        int alnum = (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') ||
                    (b >= 'a' && b <= 'z');
        int whole = !redact_name_is_secret(sep); /* "DB?PASS" one word */
        if (whole != alnum)
            print_error("byte 0x%02x as a separator\n", b);
        assert_int_equal(whole, alnum);
        assert_int_equal(!!redact_name_is_secret(first), b == 'k' || b == 'K');
    }
}

/* ---- redact_value_is_secret ---- */

static const struct {
    const char *value;
    int secret;
} secret_value_cases[] = {
    /* provider token formats, by their start; case counts */
    {"ghp_abc", 1},
    {"gho_abc", 1},
    {"ghu_abc", 1},
    {"ghs_abc", 1},
    {"ghr_abc", 1},
    {"github_pat_abc", 1},
    {"glpat-abc", 1},
    {"xoxb-1", 1},
    {"xoxa-1", 1},
    {"xoxp-1", 1},
    {"xoxr-1", 1},
    {"xoxs-1", 1},
    {"sk_live_1", 1},
    {"rk_live_1", 1},
    {"sk-ant-1", 1},
    {"AIzaSy", 1},
    {"ghp_", 1},
    {"ghp", 0},
    {"GHP_abc", 0},
    {"gh_abc", 0},
    {"github_abc", 0},
    {"xox-1", 0},
    {"sk_test_1", 0},
    {"aIza", 0},
    {" ghp_abc", 0},
    {"\xc3\xa9ghp_abc", 0},
    /* AWS access key ids: exactly 20 bytes */
    {"AKIAIOSFODNN7EXAMPLE", 1},
    {"ASIAIOSFODNN7EXAMPLE", 1},
    {"AKIAIOSFODNN7EXAMPL", 0},
    {"AKIAIOSFODNN7EXAMPLEX", 0},
    {"akiaiosfodnn7example", 0},
    /* private keys, wherever they start */
    {"-----BEGIN PRIVATE KEY-----", 1},
    {"x\n-----BEGIN RSA PRIVATE KEY-----\n", 1},
    {"-----BEGIN CERTIFICATE-----", 0},
    {"PRIVATE KEY", 0},
    /* passwords in URLs: user:password@ before any '/' */
    {"postgres://app:pw@db:5432/app", 1},
    {"redis://:pw@cache", 1},
    {"https://host:443@x", 1},
    {"https://user@host", 0},
    {"https://host/a:b@c", 0},
    {"host:1@x", 0},
    /* JSON Web Tokens */
    {"eyJhbGciOi.eyJzdWIi.sig", 1},
    {"eyJ..", 1},
    {"eyJhbGciOi.eyJzdWIi", 0},
    {"eyjhbGciOi.a.b", 0},
    /* more providers: Docker Hub, GitLab runners, Slack apps, OpenAI,
     * PyPI, npm and Hugging Face (exact lengths), Stripe webhooks */
    {"dckr_pat_2b3e36beeb386dfdaacb9b46004", 1},
    {"glrt-2CR8_eVxiioB1QmzPZwa", 1},
    {"xapp-1-A0123456789-0123456789012-abc", 1},
    {"sk-proj-abcdefghijklmnop", 1},
    {"pypi-AgEIcHlwaS5vcmcCJGI4", 1},
    {"npm_abcdefghijklmnopqrstuvwxyz0123456789", 1},
    {"npm_install", 0},
    {"hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", 1},
    {"hf_model", 0},
    {"whsec_abc123", 1},
    {"", 0},
    {"8080", 0},
    {"info", 0},
};

static void test_value_is_secret(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(secret_value_cases) / sizeof(secret_value_cases[0]);
         i++) {
        int got = !!redact_value_is_secret(secret_value_cases[i].value);
        if (got != secret_value_cases[i].secret)
            print_error("%s: %d, want %d\n", secret_value_cases[i].value, got,
                        secret_value_cases[i].secret);
        assert_int_equal(got, secret_value_cases[i].secret);
    }
}

/* Every value redact_value_is_secret accepts is one redact_shell reads
 * word by word (it skips text that can hold none): it starts like a
 * format (redact_value_prefix), or holds a URL's '@' or a private key's
 * "-----BEGIN". A format added to redact_value_is_secret without a
 * prefix there fails here. */
static void test_value_prefix(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(secret_value_cases) / sizeof(secret_value_cases[0]);
         i++) {
        const char *v = secret_value_cases[i].value;
        int covered = redact_value_prefix(v, strlen(v)) || strchr(v, '@') ||
                      strstr(v, "-----BEGIN");
        if (secret_value_cases[i].secret && !covered)
            print_error("%s: a secret redact_value_prefix misses\n", v);
        assert_true(!secret_value_cases[i].secret || covered);
    }
    /* only how the value starts counts, however it goes on */
    assert_true(redact_value_prefix("ghp_", 4));
    assert_true(redact_value_prefix("AKIA", 4));
    assert_true(redact_value_prefix("eyJ", 3));
    assert_false(redact_value_prefix("ghp_", 3));
    assert_false(redact_value_prefix("xghp_abc", 8));
    assert_false(redact_value_prefix("server", 6));
    assert_false(redact_value_prefix("", 0));
}

/* ---- redact_k8s_object ---- */

#define R(n, h) "[redacted: " #n " bytes, sha256:" h "]"
#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"
#define LA_REDACTED "[redacted: a copy of the object]"

static const struct {
    const char *name;
    const char *in;
    size_t count;
    const char *want;          /* compact, sorted keys */
    const char *plaintexts[4]; /* must not appear in the output */
} object_cases[] = {
    {"Secret data and stringData",
     "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},"
     "\"data\":{\"password\":\"c2VjcmV0LXZhbHVl\",\"user\":\"YWJj\"},"
     "\"stringData\":{\"token\":\"ghp_abcdef123456\"}}",
     3,
     "{\"data\":{\"password\":\"" R(16, "4a10180f") "\",\"user\":\"" R(
         4, "35d95694") "\"},\"kind\":\"Secret\",\"metadata\":{\"name\":"
                        "\"s\"},\"stringData\":{\"token\":\"" R(
                            16, "55bb5317") "\"}}",
     {"c2VjcmV0LXZhbHVl", "YWJj", "ghp_abcdef123456", NULL}},
    {"Secret non-string and null values",
     "{\"kind\":\"Secret\",\"data\":{\"n\":12345678,\"o\":{\"x\":\"hunter2\"},"
     "\"z\":null}}",
     2,
     "{\"data\":{\"n\":\"[redacted]\",\"o\":\"[redacted]\",\"z\":null},"
     "\"kind\":\"Secret\"}",
     {"12345678", "hunter2", NULL}},
    {"Secret with empty data",
     "{\"kind\":\"Secret\",\"data\":{},\"type\":\"Opaque\"}",
     0,
     "{\"data\":{},\"kind\":\"Secret\",\"type\":\"Opaque\"}",
     {NULL}},
    /* ConfigMaps are not for secrets, but they hold them: a key named
     * like a credential, or a value that is one, is redacted. */
    {"ConfigMap data: credential-named key redacted, others kept",
     "{\"kind\":\"ConfigMap\",\"data\":{\"password\":\"visible\","
     "\"color\":\"blue\"}}",
     1,
     "{\"data\":{\"color\":\"blue\",\"password\":\"[redacted: 7 bytes, "
     "sha256:d42ef149]\"},\"kind\":\"ConfigMap\"}",
     {"visible", NULL}},
    {"Deployment env values",
     "{\"kind\":\"Deployment\",\"spec\":{\"template\":{\"spec\":{"
     "\"containers\":[{\"name\":\"app\",\"env\":["
     "{\"name\":\"DB_PASSWORD\",\"value\":\"hunter2\"},"
     "{\"name\":\"PORT\",\"value\":\"8080\"},"
     "{\"name\":\"API_TOKEN\",\"valueFrom\":{\"secretKeyRef\":"
     "{\"name\":\"s\",\"key\":\"token\"}}},"
     "{\"name\":\"EMPTY_SECRET\",\"value\":\"\"}]}],"
     "\"initContainers\":[{\"name\":\"init\",\"env\":["
     "{\"name\":\"AWS_SECRET_ACCESS_KEY\",\"value\":\"p4ssw0rd-Sup3r\"},"
     "{\"name\":\"REGION\",\"value\":\"eu-west-1\"}]}]}}}}",
     2,
     "{\"kind\":\"Deployment\",\"spec\":{\"template\":{\"spec\":{"
     "\"containers\":[{\"env\":["
     "{\"name\":\"DB_PASSWORD\",\"value\":\"" R(
         7,
         "f52fbd32") "\"},"
                     "{\"name\":\"PORT\",\"value\":\"8080\"},"
                     "{\"name\":\"API_TOKEN\",\"valueFrom\":{\"secretKeyRef\":"
                     "{\"key\":\"token\",\"name\":\"s\"}}},"
                     "{\"name\":\"EMPTY_SECRET\",\"value\":\"\"}],\"name\":"
                     "\"app\"}],"
                     "\"initContainers\":[{\"env\":["
                     "{\"name\":\"AWS_SECRET_ACCESS_KEY\",\"value\":\"" R(
                         14, "eed587a7") "\"},"
                                         "{\"name\":\"REGION\",\"value\":\"eu-"
                                         "west-1\"}],"
                                         "\"name\":\"init\"}]}}}}",
     {"hunter2", "p4ssw0rd-Sup3r", NULL}},
    {"CronJob env, deep",
     "{\"kind\":\"CronJob\",\"spec\":{\"jobTemplate\":{\"spec\":{"
     "\"template\":{\"spec\":{\"containers\":[{\"env\":["
     "{\"name\":\"GITHUB_TOKEN\",\"value\":\"ghp_abcdef123456\"}]}]}}}}}}",
     1,
     "{\"kind\":\"CronJob\",\"spec\":{\"jobTemplate\":{\"spec\":{"
     "\"template\":{\"spec\":{\"containers\":[{\"env\":["
     "{\"name\":\"GITHUB_TOKEN\",\"value\":\"" R(16, "55bb5317") "\"}]}]}}}}}}",
     {"ghp_abcdef123456", NULL}},
    {"last-applied-configuration",
     "{\"kind\":\"Secret\",\"metadata\":{\"annotations\":{"
     "\"" LAST_APPLIED "\":\"{\\\"data\\\":{\\\"password\\\":"
     "\\\"c2VjcmV0LXZhbHVl\\\"}}\",\"team\":\"a\"}},"
     "\"data\":{\"password\":\"c2VjcmV0LXZhbHVl\"}}",
     2,
     "{\"data\":{\"password\":\"" R(
         16, "4a10180f") "\"},\"kind\":\"Secret\",\"metadata\":{"
                         "\"annotations\":{\"" LAST_APPLIED "\":\"" LA_REDACTED
                         "\",\"team\":\"a\"}}}",
     {"c2VjcmV0LXZhbHVl", NULL}},
    {"last-applied-configuration on a Deployment",
     "{\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{"
     "\"" LAST_APPLIED "\":\"{\\\"env\\\":\\\"hunter2\\\"}\"}}}",
     1,
     "{\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{"
     "\"" LAST_APPLIED "\":\"" LA_REDACTED "\"}}}",
     {"hunter2", NULL}},
    {"nothing to redact",
     "{\"kind\":\"Service\",\"metadata\":{\"annotations\":{\"a\":\"b\"}},"
     "\"spec\":{\"ports\":[{\"port\":80}]}}",
     0,
     "{\"kind\":\"Service\",\"metadata\":{\"annotations\":{\"a\":\"b\"}},"
     "\"spec\":{\"ports\":[{\"port\":80}]}}",
     {NULL}},
    /* The walk is generic: lists count wherever a CRD nests them. */
    {"env in a custom resource, deep in lists",
     "{\"kind\":\"Widget\",\"spec\":{\"stages\":[{\"run\":{\"env\":["
     "{\"name\":\"X_TOKEN\",\"value\":\"t0k3n\"},"
     "{\"name\":\"MODE\",\"value\":\"fast\"}]}}]}}",
     1,
     "{\"kind\":\"Widget\",\"spec\":{\"stages\":[{\"run\":{\"env\":["
     "{\"name\":\"X_TOKEN\",\"value\":\"" R(
         5, "b81c829a") "\"},"
                        "{\"name\":\"MODE\",\"value\":\"fast\"}]}}]}}",
     {"t0k3n", NULL}},
    {"an env that is not a list is walked into",
     "{\"kind\":\"Pod\",\"spec\":{\"env\":{\"inner\":{\"env\":["
     "{\"name\":\"PASSWORD\",\"value\":\"hunter2\"}]}}}}",
     1,
     "{\"kind\":\"Pod\",\"spec\":{\"env\":{\"inner\":{\"env\":["
     "{\"name\":\"PASSWORD\",\"value\":\"" R(7, "f52fbd32") "\"}]}}}}",
     {"hunter2", NULL}},
    {"args in lists of lists, command at the top",
     "{\"kind\":\"Job\",\"spec\":[[{\"args\":[\"--token=abc\","
     "\"--verbose=1\",\"ghp_abcdef123456\",\"plain\"]}]],"
     "\"command\":[\"sh\",\"-c\",\"--password=hunter2\",\"--password=\"]}",
     3,
     "{\"command\":[\"sh\",\"-c\",\"--password=" R(
         7,
         "f52fbd32") "\",\"--password=\"],\"kind\":\"Job\",\"spec\":[[{"
                     "\"args\":[\"--token=" R(
                         3,
                         "ba7816bf") "\",\"--verbose=1\",\"" R(16,
                                                               "55bb5317") "\","
                                                                           "\"p"
                                                                           "lai"
                                                                           "n\""
                                                                           "]}]"
                                                                           "]}",
     {"hunter2", "ghp_abcdef123456", NULL}},
    {"a command that is not a list is walked into",
     "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"command\":{"
     "\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":\"hunter2\"}]}}]}}",
     1,
     "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"command\":{"
     "\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":\"" R(
         7, "f52fbd32") "\"}]}}]}}",
     {"hunter2", NULL}},
    /* clang-format off */
    /* A number under a credential's name is its value all the same; an
     * entry with no name string cannot be judged, so it is redacted. */
    {"env entries of odd shapes",
     "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"env\":["
     "\"DB_PASSWORD=x\",{\"value\":\"novalue\"},"
     "{\"name\":\"DB_PASSWORD\",\"value\":42},"
     "{\"name\":7,\"value\":\"y\"}]},{\"env\":{\"DB_PASSWORD\":\"z\"}}]}}",
     3,
     "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"env\":["
     "\"DB_PASSWORD=x\",{\"value\":\"" R(7, "25b9641d") "\"},"
     "{\"name\":\"DB_PASSWORD\",\"value\":\"" R(2, "73475cb4") "\"},"
     "{\"name\":7,\"value\":\"" R(1, "a1fce436") "\"}]},"
     "{\"env\":{\"DB_PASSWORD\":\"z\"}}]}}",
     {"novalue", NULL}},
    {"env numbers and booleans under credential names; others kept",
     "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"env\":["
     "{\"name\":\"DB_PASSWORD\",\"value\":738194620531},"
     "{\"name\":\"API_TOKEN\",\"value\":true},"
     "{\"name\":\"PORT\",\"value\":8080}]}]}}",
     2,
     "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"env\":["
     "{\"name\":\"DB_PASSWORD\",\"value\":\"" R(12, "27bb88bf") "\"},"
     "{\"name\":\"API_TOKEN\",\"value\":\"" R(4, "b5bea41b") "\"},"
     "{\"name\":\"PORT\",\"value\":8080}]}]}}",
     {"738194620531", NULL}},
    {"env value holding a command line",
     "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"env\":["
     "{\"name\":\"JAVA_OPTS\",\"value\":\"-Xmx1g -Ddb.password=hunter2\"}]}]}}",
     1,
     "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"env\":["
     "{\"name\":\"JAVA_OPTS\",\"value\":\"-Xmx1g -Ddb.password="
     R(7, "f52fbd32") "\"}]}]}}",
     {"hunter2", NULL}},
    {"command and args: split flags, -pX, a shell string",
     "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{"
     "\"command\":[\"mysql\",\"-phunter2\"],"
     "\"args\":[\"--db-password\",\"p4ssw0rd-Sup3r\","
     "\"sh -c 'curl -u a:abc'\"]}]}}",
     3,
     "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"args\":["
     "\"--db-password\",\"" R(14, "eed587a7") "\","
     "\"sh -c 'curl -u a:" R(3, "ba7816bf") "'\"],"
     "\"command\":[\"mysql\",\"-p" R(7, "f52fbd32") "\"]}]}}",
     {"hunter2", "p4ssw0rd-Sup3r", "a:abc", NULL}},
    {"ConfigMap file-style values: the value part only",
     "{\"kind\":\"ConfigMap\",\"data\":{"
     "\"app.properties\":\"db.url=jdbc:x\\ndb.password=hunter2\\n\","
     "\"config.json\":\"{\\n  \\\"password\\\": \\\"abc\\\",\\n}\","
     "\"DB_PORT\":5432,\"DB_PASS\":1234}}",
     3,
     "{\"data\":{\"DB_PASS\":\"" R(4, "03ac6742") "\",\"DB_PORT\":5432,"
     "\"app.properties\":\"db.url=jdbc:x\\ndb.password="
     R(7, "f52fbd32") "\\n\","
     "\"config.json\":\"{\\n  \\\"password\\\": \\\""
     R(3, "ba7816bf") "\\\",\\n}\"},\"kind\":\"ConfigMap\"}",
     {"hunter2", "\\\"abc", NULL}},
    /* A kubeconfig: the user's credentials go, certificates stay. */
    {"kubeconfig",
     "{\"kind\":\"Config\",\"clusters\":[{\"cluster\":{"
     "\"certificate-authority-data\":\"Q0E=\","
     "\"proxy-url\":\"http://u:pw@p:3128\"}}],"
     "\"users\":[{\"name\":\"a\",\"user\":{"
     "\"token\":\"abc\",\"client-certificate-data\":\"Q0VSVA==\","
     "\"client-key-data\":\"hunter2\",\"auth-provider\":{\"config\":{"
     "\"id-token\":\"p4ssw0rd-Sup3r\",\"client-id\":\"k\"}},"
     "\"exec\":{\"command\":\"h\",\"env\":[{\"name\":\"REGION\","
     "\"value\":\"t0k3n\"}]}}}]}",
     5,
     "{\"clusters\":[{\"cluster\":{\"certificate-authority-data\":\"Q0E=\","
     "\"proxy-url\":\"" R(18, "c11e9322") "\"}}],"
     "\"kind\":\"Config\",\"users\":[{\"name\":\"a\",\"user\":{"
     "\"auth-provider\":{\"config\":{\"client-id\":\"k\",\"id-token\":"
     "\"" R(14, "eed587a7") "\"}},\"client-certificate-data\":\"Q0VSVA==\","
     "\"client-key-data\":\"" R(7, "f52fbd32") "\",\"exec\":{"
     "\"command\":\"h\",\"env\":[{\"name\":\"REGION\",\"value\":\""
     R(5, "b81c829a") "\"}]},\"token\":\"" R(3, "ba7816bf") "\"}}]}",
     {"hunter2", "t0k3n", "pw@p", NULL}},
    /* clang-format on */
};

static void test_k8s_object(void **state)
{
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(object_cases) / sizeof(object_cases[0]); i++) {
        json_error_t je;
        json_t *obj = json_loads(object_cases[i].in, 0, &je);
        size_t n;
        char *got;

        if (!obj)
            print_error("%s: bad JSON: %s\n", object_cases[i].name, je.text);
        assert_non_null(obj);
        n = redact_k8s_object(obj);
        got = json_dumps(obj, DUMP_FLAGS);
        if (n != object_cases[i].count ||
            strcmp(got, object_cases[i].want) != 0)
            print_error("%s: count %zu (want %zu)\n  want %s\n  got  %s\n",
                        object_cases[i].name, n, object_cases[i].count,
                        object_cases[i].want, got);
        assert_int_equal(n, object_cases[i].count);
        assert_string_equal(got, object_cases[i].want);
        for (k = 0; object_cases[i].plaintexts[k]; k++)
            assert_null(strstr(got, object_cases[i].plaintexts[k]));
        free(got);
        json_decref(obj);
    }
}

/* The walk goes 64 levels of objects and lists below the top, no more. */
static void test_k8s_object_depth(void **state)
{
    size_t levels;

    (void)state;
    for (levels = 60; levels <= 68; levels++) {
        json_t *obj = json_pack("{s:[{s:s,s:s}]}", "env", "name", "DB_PASSWORD",
                                "value", "hunter2");
        size_t i;
        assert_non_null(obj);
        /* alternate objects and lists, as pod templates do */
        for (i = 0; i < levels; i++)
            obj =
                i % 2 ? json_pack("{s:o}", "spec", obj) : json_pack("[o]", obj);
        obj = json_pack("{s:s,s:o}", "kind", "Pod", "spec", obj);
        assert_non_null(obj);
        /* the env list's object is levels + 1 below the top */
        assert_int_equal(redact_k8s_object(obj), levels + 1 <= 64 ? 1 : 0);
        json_decref(obj);
    }
}

/* Not an object, or no kind: nothing happens, nothing crashes. */
static void test_k8s_object_odd(void **state)
{
    static const char *const inputs[] = {
        "[]",
        "{}",
        "{\"kind\":7}",
        "{\"kind\":\"Secret\",\"data\":\"x\"}",
        "{\"kind\":\"Secret\",\"metadata\":{\"annotations\":[]}}",
        "{\"kind\":\"Secret\",\"metadata\":\"m\"}",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        json_t *obj = json_loads(inputs[i], 0, NULL);
        json_t *copy;
        assert_non_null(obj);
        copy = json_deep_copy(obj);
        assert_int_equal(redact_k8s_object(obj), 0);
        assert_true(json_equal(obj, copy));
        json_decref(copy);
        json_decref(obj);
    }
}

/* ---- redact_shell, redact_argv, redact_text ---- */

/*
 * Each case: the input, and the text the marker replaces (span, the
 * secret with its quotes when it had them; NULL when nothing may change)
 * and the secret it hashes. The expected output is the input with span
 * replaced by redact_value(secret), so it also shows that everything else
 * stays.
 */
struct cmd_case {
    const char *in;
    const char *span;
    const char *secret;
    const char *span2; /* a second credential in the same line */
};

static const struct cmd_case shell_cases[] = {
    {"mysql -uroot -pS3cretPw db", "S3cretPw", NULL, NULL},
    {"/usr/bin/mysqldump -h db -pS3cretPw --all", "S3cretPw", NULL, NULL},
    {"mysqldump --user=root --password=S3cretPw db", "S3cretPw", NULL, NULL},
    {"mysql -p db", NULL, NULL, NULL},             /* prompts */
    {"mysql -p\"$DB_PASS\" db", NULL, NULL, NULL}, /* a reference */
    {"export DB_PASSWORD=${DB_PASSWORD_FROM_VAULT}", NULL, NULL, NULL},
    {"export DB_PASSWORD=${X:-S3cretPw}", "${X:-S3cretPw}", NULL, NULL},
    {"curl -u admin:S3cretPw https://x", "S3cretPw", NULL, NULL},
    {"curl --user admin:S3cretPw https://x", "S3cretPw", NULL, NULL},
    {"curl -uadmin:S3cretPw https://x", "S3cretPw", NULL, NULL},
    {"curl -u admin https://x", NULL, NULL, NULL},
    {"git clone https://bot:S3cretPw@github.com/o/r.git", "S3cretPw", NULL,
     NULL},
    {"psql postgres://app:S3cretPw@db:5432/app?sslmode=require", "S3cretPw",
     NULL, NULL},
    {"./app --db-password S3cretPw --port 8080", "S3cretPw", NULL, NULL},
    {"./app --token \"S3 cret\" -v", "S3 cret", NULL, NULL}, /* quotes kept */
    {"./app -client-secret=S3cretPw", "S3cretPw", NULL, NULL},
    {"export AWS_SECRET_ACCESS_KEY=S3cretPw && aws s3 ls", "S3cretPw", NULL,
     NULL},
    {"DB_PASSWORD=S3cretPw ./run.sh", "S3cretPw", NULL, NULL},
    {"docker run -e DB_PASSWORD=S3cretPw app", "S3cretPw", NULL, NULL},
    {"ADD https://deploy:S3cretPw@files.example.com/a.tgz /opt/", "S3cretPw",
     NULL, NULL},
    {"sshpass -p S3cretPw ssh u@h", "S3cretPw", NULL, NULL},
    {"sshpass -pS3cretPw ssh u@h", "S3cretPw", NULL, NULL},
    {"htpasswd -b -c /etc/htpasswd admin S3cretPw", "S3cretPw", NULL, NULL},
    {"htpasswd -nb admin S3cretPw", "S3cretPw", NULL, NULL},
    {"docker login -u bot -p S3cretPw registry.example.com", "S3cretPw", NULL,
     NULL},
    {"redis-cli -a S3cretPw ping", "S3cretPw", NULL, NULL},
    {"ldapsearch -x -D cn=admin -w S3cretPw", "S3cretPw", NULL, NULL},
    {"mongosh -u root -p S3cretPw", "S3cretPw", NULL, NULL},
    {"openssl rsa -passin pass:S3cretPw -in k.pem", "S3cretPw", NULL, NULL},
    {"curl -H 'Authorization: Bearer S3cretPw' https://x", "S3cretPw", NULL,
     NULL},
    {"sh -c \"mysql -pS3cretPw\"", "S3cretPw", NULL, NULL},
    {"echo ghp_abcdefghijklmnopqrstuvwxyz0123 > t",
     "ghp_abcdefghijklmnopqrstuvwxyz0123", NULL, NULL},
    {"apt-get update; mysql -pS3cretPw; curl -u a:T0kenPw x", "S3cretPw", NULL,
     "T0kenPw"},
    {"RUN mysql -pS3cretPw", "S3cretPw", NULL, NULL},
    {"CMD [\"app\", \"--api-key\", \"S3cretPw\"]", "S3cretPw", NULL, NULL},
    {"RUN --mount=type=secret,id=npmrc npm ci", NULL, NULL, NULL},
    {"apt-get install -y curl", NULL, NULL, NULL},
    {"docker run -p 8080:80 nginx", NULL, NULL, NULL}, /* not login */
    {"ssh -p 2222 host", NULL, NULL, NULL},
    {"curl https://example.com/a?b=c", NULL, NULL, NULL},
    {"docker login --password-stdin registry.example.com", NULL, NULL, NULL},
    {"grep -p foo", NULL, NULL, NULL},
    {"git -c http.extraheader=\"AUTHORIZATION: basic S3cretPw\" clone x",
     "S3cretPw", NULL, NULL},
    {"wget --header='X-Vault-Token: S3cretPw' https://x", "S3cretPw", NULL,
     NULL},
    {"echo 'machine h login u password S3cretPw' > ~/.netrc", "S3cretPw", NULL,
     NULL},
    {"echo 'root:S3cretPw' | chpasswd", "S3cretPw", NULL, NULL},
    {"echo root:S3cretPw | chpasswd && echo u:T0kenPw", "S3cretPw", NULL,
     "T0kenPw"},
    {"echo a:b", NULL, NULL, NULL},
    {"echo password", NULL, NULL, NULL},
    /* switches: a boolean value, a flag after a credential-named flag */
    {"kube-apiserver --anonymous-auth=false --enable-bootstrap-token-auth",
     NULL, NULL, NULL},
    {"kubelet --authentication-token-webhook --port 10250", NULL, NULL, NULL},
    {"app --use-token true", NULL, NULL, NULL},
    {"", NULL, NULL, NULL},
    /* text is skipped unless it can hold a credential (redact_cmd_may_hit):
     * a format at a word's start after a quote, a bracket, a separator;
     * a header name's ':' before a quote; a flag after a quote */
    {"echo 'AKIAIOSFODNN7EXAMPLE'", "AKIAIOSFODNN7EXAMPLE", NULL, NULL},
    {"CMD [AKIAIOSFODNN7EXAMPLE]", "AKIAIOSFODNN7EXAMPLE", NULL, NULL},
    {"true;eyJhbGciOi.eyJzdWIi.sig", "eyJhbGciOi.eyJzdWIi.sig", NULL, NULL},
    {"(xoxe.abcdefghij)", "xoxe.abcdefghij", NULL, NULL},
    {"curl -H \"X-Api-Key:\" S3cretPw x", "S3cretPw", NULL, NULL},
    {"sh -c 'mysql \"-pS3cretPw\"'", "S3cretPw", NULL, NULL},
    {"echo x-----BEGIN RSA PRIVATE KEY-----abc-----END RSA PRIVATE KEY-----",
     "-----BEGIN RSA PRIVATE KEY-----abc-----END RSA PRIVATE KEY-----", NULL,
     NULL},
    /* '-' and '_' inside words, "pass" inside a word: nothing to read */
    {"upstream backend_1 { server web-1.svc.cluster.local:9090; }", NULL, NULL,
     NULL},
    {"location /a { proxy_pass http://backend_1; }", NULL, NULL, NULL},
    {"xAKIAIOSFODNN7EXAMPLE", NULL, NULL, NULL},
};

/* in with span (and span2) replaced by their markers. */
static char *cmd_want(const struct cmd_case *c)
{
    const char *spans[2] = {c->span, c->span2};
    char *out = strdup(c->in);
    size_t k;

    for (k = 0; k < 2 && spans[k]; k++) {
        const char *secret = k == 0 && c->secret ? c->secret : spans[k];
        json_t *m = redact_value(secret, strlen(secret));
        const char *at = strstr(out, spans[k]);
        size_t pre, len;
        char *next;
        assert_non_null(at);
        pre = (size_t)(at - out);
        len = strlen(out) - strlen(spans[k]) + json_string_length(m) + 1;
        next = malloc(len);
        assert_non_null(next);
        snprintf(next, len, "%.*s%s%s", (int)pre, out, json_string_value(m),
                 at + strlen(spans[k]));
        free(out);
        out = next;
        json_decref(m);
    }
    return out;
}

/* Runs fn over cases: each input becomes its want (cmd_want), or stays
 * unchanged (NULL) when the case names no span. */
static void run_cmd_cases(const struct cmd_case *cases, size_t n,
                          char *(*fn)(const char *, size_t))
{
    size_t i;

    for (i = 0; i < n; i++) {
        const struct cmd_case *c = &cases[i];
        char *got = fn(c->in, strlen(c->in)), *want;
        if (!c->span) {
            if (got)
                print_error("%s: changed to %s\n", c->in, got);
            assert_null(got);
            continue;
        }
        want = cmd_want(c);
        if (!got || strcmp(got, want) != 0)
            print_error("%s:\n  want %s\n  got  %s\n", c->in, want,
                        got ? got : "(unchanged)");
        assert_non_null(got);
        assert_string_equal(got, want);
        free(want);
        free(got);
    }
}

static void test_shell(void **state)
{
    (void)state;
    run_cmd_cases(shell_cases, sizeof(shell_cases) / sizeof(shell_cases[0]),
                  redact_shell);
}

static const struct {
    const char *in, *want; /* JSON arrays; want NULL: unchanged */
    size_t count;
} argv_cases[] = {
    {"[\"mysql\",\"-uroot\",\"-pS3cretPw\"]",
     "[\"mysql\",\"-uroot\",\"-p" R(8, "3556ff35") "\"]", 1},
    {"[\"--db-password\",\"S3cretPw\",\"--x\"]",
     "[\"--db-password\",\"" R(8, "3556ff35") "\",\"--x\"]", 1},
    {"[\"--password=S3cretPw\"]", "[\"--password=" R(8, "3556ff35") "\"]", 1},
    {"[\"sh\",\"-c\",\"mysql -pS3cretPw && run\"]",
     "[\"sh\",\"-c\",\"mysql -p" R(8, "3556ff35") " && run\"]", 1},
    {"[\"curl\",\"-u\",\"admin:S3cretPw\",\"https://x\"]",
     "[\"curl\",\"-u\",\"admin:" R(8, "3556ff35") "\",\"https://x\"]", 1},
    {"[\"app\",\"--url=https://u:S3cretPw@h/x\"]",
     "[\"app\",\"--url=https://u:" R(8, "3556ff35") "@h/x\"]", 1},
    {"[\"--token\",12345]", "[\"--token\",\"[redacted]\"]", 1},
    {"[\"docker\",\"run\",\"-p\",\"8080:80\",\"nginx\"]", NULL, 0},
    {"[\"nginx\",\"-g\",\"daemon off;\"]", NULL, 0},
};

static void test_argv(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(argv_cases) / sizeof(argv_cases[0]); i++) {
        json_t *arr = json_loads(argv_cases[i].in, 0, NULL);
        const char *want =
            argv_cases[i].want ? argv_cases[i].want : argv_cases[i].in;
        size_t n;
        char *got;
        assert_non_null(arr);
        n = redact_argv(arr);
        got = json_dumps(arr, DUMP_FLAGS);
        if (n != argv_cases[i].count || strcmp(got, want) != 0)
            print_error("%s: %zu (want %zu)\n  want %s\n  got  %s\n",
                        argv_cases[i].in, n, argv_cases[i].count, want, got);
        assert_int_equal(n, argv_cases[i].count);
        assert_string_equal(got, want);
        free(got);
        json_decref(arr);
    }
}

static const struct cmd_case text_cases[] = {
    {"db.url=jdbc:x\ndb.password=S3cretPw\npool=1\n", "S3cretPw", NULL, NULL},
    {"DEBUG=1\nexport API_TOKEN=S3cretPw\n", "S3cretPw", NULL, NULL},
    {"{\n  \"password\": \"S3cretPw\",\n  \"user\": \"a\"\n}\n", "S3cretPw",
     NULL, NULL},
    {"spring:\n  datasource:\n    password: S3cretPw\n", "S3cretPw", NULL,
     NULL},
    {"token = S3cretPw", "S3cretPw", NULL, NULL},
    {"- client-key-data: S3cretPw", "S3cretPw", NULL, NULL},
    {"run: mysql -pS3cretPw db", "S3cretPw", NULL, NULL},
    {"key: |\n-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n"
     "-----END RSA PRIVATE KEY-----\nnext: 1\n",
     "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----",
     NULL, NULL},
    {"color=blue\nsize=3\n", NULL, NULL, NULL},
    {"password:\n  - a\n", NULL, NULL, NULL},
    {"password: |\n", NULL, NULL, NULL},
    /* the last part of a dotted key names the setting */
    {"auth.url=https://sso.example.com\ntoken.ttl=3600\n", NULL, NULL, NULL},
    {"spring.datasource.password=S3cretPw\n", "S3cretPw", NULL, NULL},
    {"oauth.client.secret: S3cretPw\n", "S3cretPw", NULL, NULL},
    /* references to a value kept elsewhere are not credentials */
    {"db.password=${DB_PASSWORD}\n", NULL, NULL, NULL},
    {"DB_PASSWORD=$DB_PASS\n", NULL, NULL, NULL},
    {"password: \"{{ .Values.db.password }}\"\n", NULL, NULL, NULL},
    {"password=%(db_password)s\n", NULL, NULL, NULL},
    {"jdbc.password=ENC(G6N718UuyPE5bHyWKyuLQSm02auQPUtm)\n", NULL, NULL, NULL},
    /* a default inside the reference is a value */
    {"db.password=${DB_PASSWORD:-S3cretPw}\n", "${DB_PASSWORD:-S3cretPw}", NULL,
     NULL},
    {"password: {{ x }}S3cretPw\n", "{{ x }}S3cretPw", NULL, NULL},
    {"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", NULL,
     NULL, NULL},
};

static void test_text(void **state)
{
    (void)state;
    run_cmd_cases(text_cases, sizeof(text_cases) / sizeof(text_cases[0]),
                  redact_text);
}

/* jansson's " near 'TEXT'" is cut; the problem stays. */
static void test_json_error(void **state)
{
    char text[160] = "invalid token near 'hunter2'";
    char plain[160] = "end of file expected";

    (void)state;
    redact_json_error(text);
    assert_string_equal(text, "invalid token");
    redact_json_error(plain);
    assert_string_equal(plain, "end of file expected");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value),
        cmocka_unit_test(test_value_properties),
        cmocka_unit_test(test_name_is_secret),
        cmocka_unit_test(test_name_long),
        cmocka_unit_test(test_name_cut),
        cmocka_unit_test(test_name_bytes),
        cmocka_unit_test(test_value_is_secret),
        cmocka_unit_test(test_value_prefix),
        cmocka_unit_test(test_k8s_object),
        cmocka_unit_test(test_k8s_object_odd),
        cmocka_unit_test(test_k8s_object_depth),
        cmocka_unit_test(test_shell),
        cmocka_unit_test(test_argv),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_json_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
