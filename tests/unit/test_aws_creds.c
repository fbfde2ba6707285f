/*
 * test_aws_creds.c: collectors/aws/aws_creds.c and aws_ini.c with real
 * files in a fresh mkdtemp directory (HOME points there) and the process
 * environment set per case. What it proves: the default profile; a named
 * profile in both files (the credentials file wins); the CLI's precedence
 * (an explicit profile beats the environment's keys, the environment's
 * keys beat AWS_PROFILE, which still gives the region); AWS_CONFIG_FILE
 * and AWS_SHARED_CREDENTIALS_FILE; the region order; credential_process
 * run without a shell (quoted arguments, a ';' that runs nothing) and its
 * failure, hang (killed at the timeout), invalid JSON, wrong Version and
 * expired output; role_arn + source_profile through a fake AssumeRole
 * that checks what it was given, chained roles, a profile sourcing its own
 * keys, a cycle; a missing profile (known ones listed); no credentials;
 * malformed files (file:line); nested sections; and that no secret ever
 * appears in an error.
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
#include <time.h>
#include <unistd.h>

#include "aws_creds.h"
#include "aws_ini.h"
#include "err.h"
#include "util.h"

#define SECRET "wJalrXUtnFEMI-K7MDENG-fourc-secret-1"
#define SECRET2 "cfgSecret-9f8e7d-fourc-secret-2"
#define ENVSECRET "envSecret-55aa-fourc-secret-3"
#define TOKEN "FwoGZXIvYXdz-fourc-token-4"
#define PROCSECRET "procSecret-77bb-fourc-secret-5"
#define ROLESECRET "roleSecret-1234-fourc-secret-6"

static char dir[64];

static const char *const secrets[] = {SECRET, SECRET2,    ENVSECRET,
                                      TOKEN,  PROCSECRET, ROLESECRET};

/* Every error any case sees goes through here. */
static void no_secret(const struct err *e)
{
    size_t i;

    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        if (strstr(e->msg, secrets[i])) {
            print_error("secret %s in error: %s\n", secrets[i], e->msg);
            fail();
        }
    assert_null(strchr(e->msg, '\n'));
}

static void put(const char *rel, const char *text, int mode)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, (mode_t)mode);
}

static const char *const env_vars[] = {
    "AWS_ACCESS_KEY_ID",          "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",          "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",        "AWS_REGION",
    "AWS_DEFAULT_REGION",         "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE"};

static int setup(void **state)
{
    char aws[128];
    size_t i;

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/fourc-awscreds-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(aws, sizeof(aws), "%s/.aws", dir);
    assert_int_equal(mkdir(aws, 0700), 0);
    for (i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
        unsetenv(env_vars[i]);
    setenv("HOME", dir, 1);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* Resolves with opts; expects success. */
static void resolve_ok(const struct aws_creds_opts *o, struct aws_session *s)
{
    struct err e = {{0}};

    if (aws_creds_resolve(o, s, &e) < 0) {
        print_error("unexpected error: %s\n", e.msg);
        fail();
    }
}

/* Resolves with opts; expects an error containing want. */
static void resolve_err(const struct aws_creds_opts *o, const char *want)
{
    struct aws_session s;
    struct err e = {{0}};

    assert_int_equal(aws_creds_resolve(o, &s, &e), -1);
    no_secret(&e);
    if (!strstr(e.msg, want)) {
        print_error("error \"%s\" lacks \"%s\"\n", e.msg, want);
        fail();
    }
    assert_null(s.creds.access_key_id);
}

static const char base_files_cfg[] = "# the shared config\n"
                                     "[default]\n"
                                     "region = us-west-2\n"
                                     "; another comment\n"
                                     "[profile audit]\n"
                                     "region = eu-west-1\n"
                                     "aws_access_key_id = AKIACONFIGAUDIT\n"
                                     "aws_secret_access_key = " SECRET2 "\n"
                                     "output = json\n";
static const char base_files_cred[] = "[default]\n"
                                      "aws_access_key_id = AKIADEFAULT\n"
                                      "aws_secret_access_key = " SECRET "\n"
                                      "[audit]\n"
                                      "AWS_ACCESS_KEY_ID = AKIACREDAUDIT\n"
                                      "aws_secret_access_key: " SECRET "\n"
                                      "aws_session_token = " TOKEN "\n";

static void base_files(void)
{
    put(".aws/config", base_files_cfg, 0600);
    put(".aws/credentials", base_files_cred, 0600);
}

static void test_default_profile(void **state)
{
    struct aws_creds_opts o = {0};
    struct aws_session s;

    (void)state;
    base_files();
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "AKIADEFAULT");
    assert_string_equal(s.creds.secret_access_key, SECRET);
    assert_null(s.creds.session_token);
    assert_int_equal(s.creds.expiry, 0);
    assert_string_equal(s.creds.source, "profile default");
    assert_string_equal(s.profile, "default");
    assert_int_equal(s.nregions, 1);
    assert_string_equal(s.regions[0], "us-west-2");
    aws_session_release(&s);
}

/* The credentials file's keys win (the config file has others, also
 * lower-cased keys and "key: value" are read). */
static void test_named_both_files(void **state)
{
    struct aws_creds_opts o = {.profile = "audit"};
    struct aws_session s;

    (void)state;
    base_files();
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "AKIACREDAUDIT");
    assert_string_equal(s.creds.secret_access_key, SECRET);
    assert_string_equal(s.creds.session_token, TOKEN);
    assert_string_equal(s.creds.source, "profile audit");
    assert_string_equal(s.regions[0], "eu-west-1");
    aws_session_release(&s);
}

static void set_env_keys(void)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", ENVSECRET, 1);
    setenv("AWS_SESSION_TOKEN", TOKEN, 1);
}

static void test_env_beats_default(void **state)
{
    struct aws_creds_opts o = {0};
    struct aws_session s;

    (void)state;
    base_files();
    set_env_keys();
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "AKIAENV");
    assert_string_equal(s.creds.secret_access_key, ENVSECRET);
    assert_string_equal(s.creds.session_token, TOKEN);
    assert_string_equal(s.creds.source, "environment (AWS_ACCESS_KEY_ID)");
    assert_string_equal(s.regions[0], "us-west-2"); /* default profile's */
    aws_session_release(&s);
}

/* `aws --profile audit` ignores the environment's keys ... */
static void test_explicit_profile_beats_env(void **state)
{
    struct aws_creds_opts o = {.profile = "audit"};
    struct aws_session s;

    (void)state;
    base_files();
    set_env_keys();
    setenv("AWS_PROFILE", "default", 1);
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "AKIACREDAUDIT");
    assert_string_equal(s.profile, "audit");
    aws_session_release(&s);
}

/* ... but AWS_PROFILE does not: the CLI's environment provider comes
 * first (`AWS_PROFILE=x aws configure list` shows the env keys), and the
 * region is still that profile's. Without env keys AWS_PROFILE selects. */
static void test_aws_profile_env(void **state)
{
    struct aws_creds_opts o = {0};
    struct aws_session s;

    (void)state;
    base_files();
    set_env_keys();
    setenv("AWS_PROFILE", "audit", 1);
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "AKIAENV");
    assert_string_equal(s.regions[0], "eu-west-1");
    assert_string_equal(s.profile, "audit");
    aws_session_release(&s);

    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "AKIACREDAUDIT");
    aws_session_release(&s);
    /* AWS_DEFAULT_PROFILE comes first, as botocore reads them. */
    setenv("AWS_PROFILE", "default", 1);
    setenv("AWS_DEFAULT_PROFILE", "audit", 1);
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "AKIACREDAUDIT");
    assert_string_equal(s.profile, "audit");
    aws_session_release(&s);
    unsetenv("AWS_DEFAULT_PROFILE");
    setenv("AWS_PROFILE", "audit", 1);

    /* Half a pair in the environment is an error, not a fall-through. */
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    resolve_err(&o, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY "
                    "is not");
}

static void test_file_env_vars(void **state)
{
    struct aws_creds_opts o = {0};
    struct aws_session s;
    char cfg[128], cred[128];

    (void)state;
    base_files(); /* in HOME: must not be read */
    put("other-config", "[profile x]\nregion = ap-south-1\n", 0600);
    put("other-creds",
        "[default]\naws_access_key_id = AKIAOTHER\n"
        "aws_secret_access_key = " SECRET2 "\n",
        0600);
    snprintf(cfg, sizeof(cfg), "%s/other-config", dir);
    snprintf(cred, sizeof(cred), "%s/other-creds", dir);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "AKIAOTHER");
    assert_int_equal(s.nregions, 0); /* no region in the other files */
    aws_session_release(&s);
    o.profile = "audit"; /* exists only in HOME's files */
    resolve_err(&o, "profile 'audit' not found in ");
    o.profile = NULL;
    setenv("AWS_SHARED_CREDENTIALS_FILE", "~/other-creds", 1);
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "AKIAOTHER");
    aws_session_release(&s);
}

static void test_region_order(void **state)
{
    const char *const regs[] = {"eu-central-1", "us-east-1"};
    struct aws_creds_opts o = {.regions = regs, .nregions = 2};
    struct aws_session s;

    (void)state;
    base_files();
    setenv("AWS_REGION", "ca-central-1", 1);
    setenv("AWS_DEFAULT_REGION", "sa-east-1", 1);
    resolve_ok(&o, &s);
    assert_int_equal(s.nregions, 2);
    assert_string_equal(s.regions[0], "eu-central-1");
    assert_string_equal(s.regions[1], "us-east-1");
    aws_session_release(&s);
    o.nregions = 0;
    resolve_ok(&o, &s);
    assert_string_equal(s.regions[0], "ca-central-1");
    aws_session_release(&s);
    unsetenv("AWS_REGION");
    resolve_ok(&o, &s);
    assert_string_equal(s.regions[0], "sa-east-1");
    aws_session_release(&s);
    unsetenv("AWS_DEFAULT_REGION");
    resolve_ok(&o, &s);
    assert_string_equal(s.regions[0], "us-west-2");
    aws_session_release(&s);

    /* A region becomes part of a host name: anything else is an error
     * naming where it came from. */
    setenv("AWS_REGION", "eu-west-1.evil.example", 1);
    resolve_err(&o, "AWS_REGION: region 'eu-west-1.evil.example' is not a "
                    "region name");
    unsetenv("AWS_REGION");
    o.regions = (const char *const[]){"us-east-1", "-x"};
    o.nregions = 2;
    resolve_err(&o, "--region: region '-x' is not a region name");
    o.nregions = 0;
    put(".aws/config", "[default]\nregion = us east\n", 0600);
    resolve_err(&o, "~/.aws/config:2: profile 'default': region 'us east' "
                    "is not a region name");
}

/* A credential_process profile named p running script (written to
 * dir/proc.sh) with args. */
static void proc_files(const char *script, const char *args)
{
    char cfg[1024];

    put("proc.sh", script, 0700);
    snprintf(cfg, sizeof(cfg),
             "[profile p]\ncredential_process = %s/proc.sh %s\n"
             "region = eu-north-1\n",
             dir, args);
    put(".aws/config", cfg, 0600);
}

static void test_process_ok(void **state)
{
    struct aws_creds_opts o = {.profile = "p", .process_timeout_s = 5};
    struct aws_session s;
    char pwned[128];

    (void)state;
    /* A shell would split 'a b', run the touch after ';' and expand $HOME;
     * the CLI's argv (and ours) passes them as they are written. */
    proc_files("#!/bin/sh\n"
               "[ \"$1\" = 'a b' ] || exit 3\n"
               "[ \"$2\" = 'x;touch pwned' ] || exit 4\n"
               "[ \"$3\" = '$HOME' ] || exit 5\n"
               "[ \"$4\" = 'q\"q' ] || exit 6\n"
               "[ $# -eq 4 ] || exit 7\n"
               "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", "
               "\"SecretAccessKey\": \"" PROCSECRET "\", "
               "\"SessionToken\": \"" TOKEN "\", "
               "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n",
               "'a b' \"x;touch pwned\" '$HOME' q\\\"q");
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "ASIAPROC");
    assert_string_equal(s.creds.secret_access_key, PROCSECRET);
    assert_string_equal(s.creds.session_token, TOKEN);
    assert_int_equal(s.creds.expiry, 4070908800);
    assert_string_equal(s.creds.source, "profile p (credential_process)");
    assert_string_equal(s.regions[0], "eu-north-1");
    aws_session_release(&s);
    snprintf(pwned, sizeof(pwned), "%s/pwned", dir);
    assert_int_not_equal(access(pwned, F_OK), 0);
    assert_int_not_equal(access("pwned", F_OK), 0);

    /* No Expiration: does not expire; no SessionToken: none. */
    proc_files("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": "
               "\"AKIAPROC\", \"SecretAccessKey\": \"" PROCSECRET "\"}'\n",
               "");
    resolve_ok(&o, &s);
    assert_int_equal(s.creds.expiry, 0);
    assert_null(s.creds.session_token);
    aws_session_release(&s);
}

static const struct {
    const char *script;
    const char *want;
} proc_bad[] = {
    {"#!/bin/sh\necho '{\"SecretAccessKey\": \"" PROCSECRET "\"}'\n"
     "echo 'token expired, log in again' >&2\nexit 3\n",
     "profile 'p': credential_process "},
    {"#!/bin/sh\necho '{\"SecretAccessKey\": \"" PROCSECRET "\"}'\nexit 3\n",
     "failed with exit status 3"},
    {"#!/bin/sh\necho 'token expired, log in again' >&2\nexit 2\n",
     "failed with exit status 2: token expired, log in again"},
    {"#!/bin/sh\nexec sleep 30\n", "gave no answer within 1 s, killed"},
    {"#!/bin/sh\necho '{\"Version\": 1, \"SecretAccessKey\": \"" PROCSECRET
     "\"'\n",
     "its output is not a JSON object"},
    {"#!/bin/sh\necho '" PROCSECRET "'\n", "its output is not a JSON object"},
    {"#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", "
     "\"SecretAccessKey\": \"" PROCSECRET "\"}'\n",
     "its output's Version is another number, not 1"},
    {"#!/bin/sh\necho '{\"Version\": \"1\", \"AccessKeyId\": \"A\", "
     "\"SecretAccessKey\": \"" PROCSECRET "\"}'\n",
     "Version is not a number"},
    {"#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\"}'\n",
     "its output's SecretAccessKey is missing or not a string"},
    {"#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\", "
     "\"SecretAccessKey\": \"" PROCSECRET "\", \"Expiration\": "
     "\"2020-01-01T00:00:00Z\"}'\n",
     "the credentials it gave expired at 2020-01-01T00:00:00Z"},
    {"#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\", "
     "\"SecretAccessKey\": \"" PROCSECRET "\", \"Expiration\": "
     "\"soon\"}'\n",
     "Expiration is not an RFC 3339 time"},
    {"#!/bin/sh\nhead -c 200000 /dev/zero | tr '\\0' x\n",
     "wrote more than 65536 bytes, killed"},
};

static void test_process_bad(void **state)
{
    struct aws_creds_opts o = {.profile = "p", .process_timeout_s = 1};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(proc_bad) / sizeof(proc_bad[0]); i++) {
        time_t t0 = time(NULL);

        proc_files(proc_bad[i].script, "");
        resolve_err(&o, proc_bad[i].want);
        assert_true(time(NULL) - t0 < 5);
    }
    /* A program that is not there, and a command line that does not
     * parse. */
    put(".aws/config", "[profile p]\ncredential_process = /nonexistent/x\n",
        0600);
    resolve_err(&o, "failed with exit status 127: cannot run /nonexistent/x");
    put(".aws/config", "[profile p]\ncredential_process = x 'open\n", 0600);
    resolve_err(&o, "profile 'p': credential_process: a single quote is not "
                    "closed");
}

static const struct {
    const char *cmd;
    const char *argv[5]; /* NULL-terminated; argv[0] NULL: an error */
} split_cases[] = {
    {"prog", {"prog"}},
    {"  prog  a\tb ", {"prog", "a", "b"}},
    {"prog 'a b' \"c d\"", {"prog", "a b", "c d"}},
    {"prog a\\ b 'x'\"y\"z", {"prog", "a b", "xyz"}},
    {"prog \"a\\\"b\\\\c\\d\"", {"prog", "a\"b\\c\\d"}},
    {"prog '' \"\"", {"prog", "", ""}},
    {"prog ';' '|' '$(id)'", {"prog", ";", "|", "$(id)"}},
    {"prog 'open", {NULL}},
    {"prog \"open", {NULL}},
    {"prog a\\", {NULL}},
    {"   ", {NULL}},
};

static void test_split(void **state)
{
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
        struct err e = {{0}};
        char **argv = aws_creds_split(split_cases[i].cmd, &e);

        if (!split_cases[i].argv[0]) {
            assert_null(argv);
            assert_true(e.msg[0] != '\0');
            continue;
        }
        assert_non_null(argv);
        for (k = 0; split_cases[i].argv[k]; k++) {
            assert_non_null(argv[k]);
            assert_string_equal(argv[k], split_cases[i].argv[k]);
        }
        assert_null(argv[k]);
        aws_creds_argv_free(argv);
    }
}

/* The fake STS: checks what it was given, answers with role keys. */
struct fake_sts {
    int calls;
    char source_key[8][64];
    char source_secret[8][64];
    char arn[8][128];
    char session[8][64];
    char external[8][64];
    int duration[8];
    char region[8][32];
    int fail;
};

static int fake_assume(void *arg, const struct aws_creds *source,
                       const char *role_arn, const char *role_session_name,
                       const char *external_id, int duration_s,
                       const char *region, struct aws_creds *out, struct err *e)
{
    struct fake_sts *f = arg;
    int n = f->calls++;

    assert_true(n < 8);
    snprintf(f->source_key[n], 64, "%s", source->access_key_id);
    snprintf(f->source_secret[n], 64, "%s", source->secret_access_key);
    snprintf(f->arn[n], 128, "%s", role_arn);
    snprintf(f->session[n], 64, "%s", role_session_name);
    snprintf(f->external[n], 64, "%s", external_id ? external_id : "-");
    f->duration[n] = duration_s;
    snprintf(f->region[n], 32, "%s", region ? region : "-");
    if (f->fail)
        return err_set(e, "AccessDenied: not allowed");
    out->access_key_id = xstrdup(n ? "ASIAROLE2" : "ASIAROLE1");
    out->secret_access_key = xstrdup(ROLESECRET);
    out->session_token = xstrdup(TOKEN);
    out->expiry = 4070908800;
    return 0;
}

static const char role_cfg[] =
    "[profile audit]\n"
    "role_arn = arn:aws:iam::111122223333:role/audit\n"
    "source_profile = base\n"
    "external_id = ext-42\n"
    "duration_seconds = 1800\n"
    "role_session_name = fourc-test\n"
    "region = eu-west-3\n"
    "[profile base]\n"
    "region = us-east-2\n"
    "[profile chained]\n"
    "role_arn = arn:aws:iam::444455556666:role/second\n"
    "source_profile = audit\n"
    "[profile self]\n"
    "role_arn = arn:aws:iam::111122223333:role/self\n"
    "source_profile = self\n"
    "aws_access_key_id = AKIASELF\n"
    "aws_secret_access_key = " SECRET2 "\n"
    "[profile a]\n"
    "role_arn = arn:aws:iam::1:role/a\n"
    "source_profile = b\n"
    "[profile b]\n"
    "role_arn = arn:aws:iam::1:role/b\n"
    "source_profile = a\n"
    "[profile loner]\n"
    "role_arn = arn:aws:iam::1:role/l\n"
    "source_profile = nowhere\n"
    "[profile twice]\n"
    "role_arn = arn:aws:iam::1:role/t\n"
    "source_profile = base\n"
    "credential_source = Environment\n"
    "[profile mfa]\n"
    "role_arn = arn:aws:iam::1:role/m\n"
    "source_profile = base\n"
    "mfa_serial = arn:aws:iam::1:mfa/me\n"
    "[profile longrole]\n"
    "role_arn = arn:aws:iam::1:role/l\n"
    "source_profile = base\n"
    "duration_seconds = 99999\n"
    "[profile fromenv]\n"
    "role_arn = arn:aws:iam::1:role/e\n"
    "credential_source = Environment\n"
    "[profile nokeys]\n"
    "region = us-east-2\n";

static void test_role(void **state)
{
    struct fake_sts f = {0};
    struct aws_creds_opts o = {
        .profile = "audit", .assume_role = fake_assume, .assume_role_arg = &f};
    struct aws_session s;

    (void)state;
    put(".aws/config", role_cfg, 0600);
    put(".aws/credentials",
        "[base]\naws_access_key_id = AKIABASE\n"
        "aws_secret_access_key = " SECRET "\n",
        0600);
    resolve_ok(&o, &s);
    assert_int_equal(f.calls, 1);
    assert_string_equal(f.source_key[0], "AKIABASE");
    assert_string_equal(f.source_secret[0], SECRET);
    assert_string_equal(f.arn[0], "arn:aws:iam::111122223333:role/audit");
    assert_string_equal(f.session[0], "fourc-test");
    assert_string_equal(f.external[0], "ext-42");
    assert_int_equal(f.duration[0], 1800);
    assert_string_equal(f.region[0], "eu-west-3");
    assert_string_equal(s.creds.access_key_id, "ASIAROLE1");
    assert_string_equal(s.creds.secret_access_key, ROLESECRET);
    assert_string_equal(s.creds.session_token, TOKEN);
    assert_int_equal(s.creds.expiry, 4070908800);
    assert_string_equal(s.creds.source,
                        "profile audit (role "
                        "arn:aws:iam::111122223333:role/audit via profile "
                        "base)");
    aws_session_release(&s);

    /* Two roles: the first one's keys assume the second; --region wins. */
    {
        const char *const regs[] = {"ap-northeast-1"};

        memset(&f, 0, sizeof(f));
        o.profile = "chained";
        o.regions = regs;
        o.nregions = 1;
        resolve_ok(&o, &s);
        o.nregions = 0;
    }
    assert_int_equal(f.calls, 2);
    assert_string_equal(f.source_key[0], "AKIABASE");
    assert_string_equal(f.arn[1], "arn:aws:iam::444455556666:role/second");
    assert_string_equal(f.source_key[1], "ASIAROLE1");
    assert_string_equal(f.source_secret[1], ROLESECRET);
    assert_true(!strncmp(f.session[1], "fourc-", 6));
    assert_string_equal(f.external[1], "-");
    assert_int_equal(f.duration[1], 0);
    assert_string_equal(f.region[1], "ap-northeast-1");
    assert_string_equal(s.creds.access_key_id, "ASIAROLE2");
    assert_string_equal(s.creds.source,
                        "profile chained (role "
                        "arn:aws:iam::444455556666:role/second via profile "
                        "audit (role arn:aws:iam::111122223333:role/audit "
                        "via profile base))");
    aws_session_release(&s);

    /* A profile may source its own static keys. */
    memset(&f, 0, sizeof(f));
    o.profile = "self";
    resolve_ok(&o, &s);
    assert_int_equal(f.calls, 1);
    assert_string_equal(f.source_key[0], "AKIASELF");
    assert_string_equal(f.arn[0], "arn:aws:iam::111122223333:role/self");
    aws_session_release(&s);

    /* credential_source = Environment. */
    memset(&f, 0, sizeof(f));
    set_env_keys();
    o.profile = "fromenv";
    resolve_ok(&o, &s);
    assert_string_equal(f.source_key[0], "AKIAENV");
    assert_string_equal(s.creds.source, "profile fromenv (role "
                                        "arn:aws:iam::1:role/e via "
                                        "environment (AWS_ACCESS_KEY_ID))");
    aws_session_release(&s);
}

static void test_role_bad(void **state)
{
    struct fake_sts f = {0};
    struct aws_creds_opts o = {
        .profile = "a", .assume_role = fake_assume, .assume_role_arg = &f};

    (void)state;
    put(".aws/config", role_cfg, 0600);
    put(".aws/credentials",
        "[base]\naws_access_key_id = AKIABASE\n"
        "aws_secret_access_key = " SECRET "\n",
        0600);
    resolve_err(&o, "profile 'a': source_profile cycle a -> b -> a");
    assert_int_equal(f.calls, 0);
    o.profile = "b";
    resolve_err(&o, "profile 'b': source_profile cycle b -> a -> b");
    o.profile = "loner";
    resolve_err(&o, "profile 'loner': source_profile 'nowhere' not found in "
                    "~/.aws/config, ~/.aws/credentials (known: audit, base");
    o.profile = "twice";
    resolve_err(&o, "profile 'twice' has both source_profile and "
                    "credential_source");
    o.profile = "mfa";
    resolve_err(&o, "profile 'mfa' needs an MFA code (mfa_serial)");
    o.profile = "longrole";
    resolve_err(&o, "~/.aws/config:38: profile 'longrole': "
                    "duration_seconds must be");
    o.profile = "fromenv";
    resolve_err(&o, "credential_source Environment but AWS_ACCESS_KEY_ID is "
                    "not set");
    o.profile = "audit";
    f.fail = 1;
    resolve_err(&o, "profile 'audit': AssumeRole "
                    "arn:aws:iam::111122223333:role/audit: AccessDenied");
    o.assume_role = NULL;
    resolve_err(&o, "profile 'audit' assumes role "
                    "arn:aws:iam::111122223333:role/audit, but no STS "
                    "AssumeRole is available here");
    o.profile = "nokeys";
    resolve_err(&o, "profile 'nokeys' has no credentials (no "
                    "aws_access_key_id, credential_process or role_arn in "
                    "~/.aws/config or ~/.aws/credentials)");
}

static void test_missing(void **state)
{
    struct aws_creds_opts o = {.profile = "x"};
    struct aws_session s;
    struct err e = {{0}};

    (void)state;
    base_files();
    assert_int_equal(aws_creds_resolve(&o, &s, &e), -1);
    assert_string_equal(e.msg, "profile 'x' not found in ~/.aws/config, "
                               "~/.aws/credentials (known: default, audit)");
    o.profile = NULL;
    setenv("AWS_PROFILE", "y", 1);
    set_env_keys(); /* the CLI fails on the unknown profile even so */
    resolve_err(&o, "profile 'y' not found in ");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");

    /* Nothing at all. */
    put(".aws/config", "[profile audit]\nregion = eu-west-1\n", 0600);
    put(".aws/credentials", "", 0600);
    assert_int_equal(aws_creds_resolve(&o, &s, &e), -1);
    assert_string_equal(e.msg,
                        "no AWS credentials: AWS_ACCESS_KEY_ID is not set, "
                        "no profile is named (--aws-profile, AWS_PROFILE) "
                        "and profile 'default' is not in ~/.aws/config, "
                        "~/.aws/credentials (known: audit)");
    /* No files and no HOME: the same line, not a crash. */
    unsetenv("HOME");
    resolve_err(&o, "no AWS credentials:");
}

static const struct {
    const char *file; /* credentials file text */
    const char *want;
} malformed[] = {
    {"[default]\naws_access_key_id = AKIA\n" SECRET "\n",
     "~/.aws/credentials:3: expected '[section]' or 'key = value'"},
    {"aws_secret_access_key = " SECRET "\n[default]\n",
     "~/.aws/credentials:1: a setting before any [section]"},
    {"[default]\naws_secret_access_key = " SECRET2 "\n"
     "aws_secret_access_key = " SECRET "\n",
     "~/.aws/credentials:3: this key repeats the one at line 2 in section "
     "[default]"},
    {"[default]\n[x]\n# c\n[default]\n",
     "~/.aws/credentials:4: section [default] repeats the one at line 1"},
    {"[default\n", "~/.aws/credentials:1: a section header must be '[name]'"},
    {"[default]\n= " SECRET "\n",
     "~/.aws/credentials:2: expected '[section]' or 'key = value'"},
    {"[default]\ns3 =\n  max_concurrent_requests = 20\n  " SECRET "\n",
     "~/.aws/credentials:4: a nested setting must be 'key = value'"},
    {"[default]\nregion = x\n\n[other]\naws_access_key_id = AKIA\n"
     "[default]\naws_access_key_id = AKIA\naws_session_token = " TOKEN "\n",
     "~/.aws/credentials:6: section [default] repeats the one at line 1"},
    {"[default]\n\n\naws_access_key_id = AKIA\naws_session_token = " TOKEN "\n",
     "~/.aws/credentials:4: profile 'default' has aws_access_key_id but no "
     "aws_secret_access_key"},
};

static void test_malformed(void **state)
{
    struct aws_creds_opts o = {0};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        put(".aws/credentials", malformed[i].file, 0600);
        resolve_err(&o, malformed[i].want);
    }
    /* The config file too, named by its own path. */
    put(".aws/credentials", "", 0600);
    put(".aws/config", "[default]\nregion = x\nnot a setting\n", 0600);
    resolve_err(&o, "~/.aws/config:3: expected '[section]' or 'key = value'");
    put(".aws/config", "", 0600);
    put(".aws/credentials", "[default]\n", 0000);
    if (access(".", F_OK) == 0 && geteuid() != 0)
        resolve_err(&o, "~/.aws/credentials: Permission denied");
}

/* Continuation lines, nested sections, CRLF, '#' inside a value. */
static void test_ini(void **state)
{
    static const char text[] = "[profile dev]\r\n"
                               "s3 =\r\n"
                               "    max_concurrent_requests = 20\r\n"
                               "    Addressing_Style = path\r\n"
                               "Region = eu-west-1 # not a comment\r\n"
                               "note = first\r\n"
                               "   second\r\n"
                               "\r\n"
                               "  ; indented comment\r\n"
                               "[sso-session x]\r\n"
                               "sso_region = us-east-1\r\n";
    struct aws_ini ini;
    struct err e = {{0}};
    const struct aws_ini_sec *sec;
    const struct aws_ini_kv *kv;

    (void)state;
    assert_int_equal(aws_ini_parse("cfg", text, strlen(text), &ini, &e), 0);
    assert_int_equal(ini.nsec, 2);
    sec = aws_ini_section(&ini, "profile dev");
    assert_non_null(sec);
    kv = aws_ini_find(sec, "s3");
    assert_non_null(kv);
    assert_int_equal(kv->nsub, 2);
    assert_string_equal(kv->sub[0].key, "max_concurrent_requests");
    assert_string_equal(kv->sub[0].val, "20");
    assert_string_equal(kv->sub[1].key, "Addressing_Style");
    assert_string_equal(kv->sub[1].val, "path");
    assert_int_equal(kv->sub[1].line, 4);
    assert_null(aws_ini_get(sec, "s3"));
    assert_string_equal(aws_ini_get(sec, "region"),
                        "eu-west-1 # not a comment");
    assert_string_equal(aws_ini_get(sec, "note"), "first\nsecond");
    assert_non_null(aws_ini_section(&ini, "sso-session x"));
    aws_ini_release(&ini);
}

/* The config file's [default] and [profile "name"] forms; other sections
 * are not profiles. */
static void test_profile_names(void **state)
{
    struct aws_creds_opts o = {.profile = "two words"};
    struct aws_session s;
    struct err e = {{0}};

    (void)state;
    put(".aws/config",
        "[profile \"two words\"]\naws_access_key_id = AKIATWO\n"
        "aws_secret_access_key = " SECRET "\n"
        "[sso-session corp]\nsso_region = us-east-1\n"
        "[services dev]\n",
        0600);
    resolve_ok(&o, &s);
    assert_string_equal(s.creds.access_key_id, "AKIATWO");
    aws_session_release(&s);
    o.profile = "corp";
    assert_int_equal(aws_creds_resolve(&o, &s, &e), -1);
    assert_string_equal(e.msg, "profile 'corp' not found in ~/.aws/config, "
                               "~/.aws/credentials (known: two words)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_named_both_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_beats_default, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_explicit_profile_beats_env, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_aws_profile_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_env_vars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_bad, setup, teardown),
        cmocka_unit_test(test_split),
        cmocka_unit_test_setup_teardown(test_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test(test_ini),
        cmocka_unit_test_setup_teardown(test_profile_names, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
