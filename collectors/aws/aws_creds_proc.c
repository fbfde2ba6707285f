/*
 * aws_creds_proc.c: credential_process, run as the AWS CLI runs it: the
 * command split into argv by POSIX shell quoting rules (Python's
 * shlex.split, which the CLI uses) and executed without a shell, so
 * nothing in it is expanded or run but the program it names. Bounded in
 * time and output; its stdout holds the secret, so no error quotes it,
 * and the buffers that held it are wiped.
 */
#include "aws_creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "proc.h"
#include "util.h"

#define AWS_PROC_OUT_MAX (64u << 10)
#define AWS_PROC_ERR_SHOW 200

void aws_creds_argv_free(char **argv)
{
    size_t i;

    for (i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

char **aws_creds_split(const char *cmd, struct err *e)
{
    char **argv = xcalloc(1, sizeof(char *));
    size_t n = 0;
    const char *p = cmd;
    struct strbuf w = STRBUF_INIT;
    int in_word = 0;

    for (;;) {
        char c = *p;

        if (c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) {
                argv = xrealloc(argv, (n + 2) * sizeof(char *));
                argv[n++] = w.buf ? sb_detach(&w) : xstrdup("");
                argv[n] = NULL;
                in_word = 0;
            }
            if (c == '\0')
                break;
            p++;
            continue;
        }
        in_word = 1;
        if (c == '\\') {
            if (!p[1]) {
                err_set(e, "no character after the final backslash");
                goto fail;
            }
            if (p[1] != '\n')
                sb_add(&w, p + 1, 1);
            p += 2;
        } else if (c == '\'') {
            const char *q = strchr(p + 1, '\'');

            if (!q) {
                err_set(e, "a single quote is not closed");
                goto fail;
            }
            sb_add(&w, p + 1, (size_t)(q - p - 1));
            if (!w.buf)
                sb_add(&w, "", 0);
            p = q + 1;
        } else if (c == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1] && strchr("\\\"$`\n", p[1])) {
                    p++;
                    if (*p == '\n')
                        continue;
                }
                sb_add(&w, p, 1);
            }
            if (!*p) {
                err_set(e, "a double quote is not closed");
                goto fail;
            }
            if (!w.buf)
                sb_add(&w, "", 0);
            p++;
        } else {
            sb_add(&w, p, 1);
            p++;
        }
    }
    if (n == 0) {
        err_set(e, "the command is empty");
        goto fail;
    }
    return argv;
fail:
    sb_release(&w);
    aws_creds_argv_free(argv);
    return NULL;
}

void aws_wipe_json(json_t *doc)
{
    const char *k;
    json_t *v;
    size_t i;

    if (json_is_string(doc))
        OPENSSL_cleanse((char *)json_string_value(doc),
                        json_string_length(doc));
    else if (json_is_object(doc))
        json_object_foreach(doc, k, v) aws_wipe_json(v);
    else if (json_is_array(doc))
        json_array_foreach(doc, i, v) aws_wipe_json(v);
}

static int aws_proc_str(json_t *doc, const char *key, int required,
                        const char **out)
{
    json_t *v = json_object_get(doc, key);

    *out = NULL;
    if (!v)
        return required ? -1 : 0;
    if (!json_is_string(v) || (required && !json_string_length(v)))
        return -1;
    *out = json_string_value(v);
    return 0;
}

int aws_creds_process(const char *profile, const char *cmd, int timeout_s,
                      struct aws_creds *out, struct err *e)
{
    struct strbuf so = STRBUF_INIT, what = STRBUF_INIT;
    struct proc_opts po = {0};
    char **argv;
    json_t *doc = NULL, *ver;
    json_error_t je;
    const char *ak, *sk, *tok, *exp;
    const char *missing = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!(argv = aws_creds_split(cmd, e)))
        return err_prefix(e, "profile '%s': credential_process", profile);
    sb_addf(&what, "profile '%s': credential_process %s", profile, argv[0]);
    po.what = sb_str(&what);
    po.argv = argv;
    po.timeout_s = timeout_s;
    po.out_max = AWS_PROC_OUT_MAX;
    po.err_show = AWS_PROC_ERR_SHOW;
    if (proc_run(&po, &so, e) < 0)
        goto out;
    doc = json_loadb(sb_str(&so), so.len, 0, &je);
    if (!json_is_object(doc)) {
        err_set(e,
                "profile '%s': credential_process %s: its output is not a "
                "JSON object",
                profile, argv[0]);
        goto out;
    }
    ver = json_object_get(doc, "Version");
    if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
        err_set(e,
                "profile '%s': credential_process %s: its output's Version "
                "is %s, not 1",
                profile, argv[0],
                !ver                   ? "missing"
                : json_is_integer(ver) ? "another number"
                                       : "not a number");
        goto out;
    }
    if (aws_proc_str(doc, "AccessKeyId", 1, &ak) < 0)
        missing = "AccessKeyId";
    else if (aws_proc_str(doc, "SecretAccessKey", 1, &sk) < 0)
        missing = "SecretAccessKey";
    else if (aws_proc_str(doc, "SessionToken", 0, &tok) < 0)
        missing = "SessionToken";
    else if (aws_proc_str(doc, "Expiration", 0, &exp) < 0)
        missing = "Expiration";
    if (missing) {
        err_set(e,
                "profile '%s': credential_process %s: its output's %s is "
                "missing or not a string",
                profile, argv[0], missing);
        goto out;
    }
    if (exp) {
        time_t t = rfc3339_parse(exp);
        char when[32];
        struct tm tm;

        if (t == (time_t)-1) {
            err_set(e,
                    "profile '%s': credential_process %s: its output's "
                    "Expiration is not an RFC 3339 time",
                    profile, argv[0]);
            goto out;
        }
        if (t <= time(NULL)) {
            strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
                     gmtime_r(&t, &tm));
            err_set(e,
                    "profile '%s': credential_process %s: the credentials "
                    "it gave expired at %s",
                    profile, argv[0], when);
            goto out;
        }
        out->expiry = t;
    }
    out->access_key_id = xstrdup(ak);
    out->secret_access_key = xstrdup(sk);
    out->session_token = tok && *tok ? xstrdup(tok) : NULL;
    rc = 0;
out:
    if (doc) {
        aws_wipe_json(doc);
        json_decref(doc);
    }
    if (so.buf)
        OPENSSL_cleanse(so.buf, so.cap);
    sb_release(&so);
    sb_release(&what);
    aws_creds_argv_free(argv);
    return rc;
}
