/*
 * aws_creds_proc.c: credential_process, run as the AWS CLI runs it: the
 * command split into argv by POSIX shell quoting rules (Python's
 * shlex.split, which the CLI uses) and executed without a shell, so
 * nothing in it is expanded or run but the program it names. Bounded in
 * time and output; its stdout holds the secret, so no error quotes it,
 * and the buffers that held it are wiped.
 */
#include "aws_creds.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

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

static double aws_proc_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void aws_proc_kill(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static void aws_proc_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Runs argv: stdout in out (at most AWS_PROC_OUT_MAX), the start of
 * stderr in errs. */
static int aws_proc_run(const char *profile, char **argv, int timeout_s,
                        struct strbuf *out, struct strbuf *errs, struct err *e)
{
    int po[2] = {-1, -1}, pe[2] = {-1, -1}, status = 0, open_fds = 2;
    int rc = -1;
    pid_t pid;
    double end;

    /* Close-on-exec: a program another thread starts meanwhile must not
     * hold our pipes open (we would wait for its end of file). */
    if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
        err_set(e, "profile '%s': credential_process: pipe: %s", profile,
                strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        err_set(e, "profile '%s': credential_process: fork: %s", profile,
                strerror(errno));
        goto out;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);

        if (null >= 0)
            dup2(null, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        setpgid(0, 0);
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    aws_proc_close(&po[1]);
    aws_proc_close(&pe[1]);
    sb_grow(out, AWS_PROC_OUT_MAX + 1); /* never moved: nothing left behind */
    out->buf[out->len] = '\0';
    end = aws_proc_now() + timeout_s;
    while (open_fds > 0) {
        struct pollfd pf[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
        double left = end - aws_proc_now();
        char buf[4096];
        int i, r;

        if (left <= 0) {
            aws_proc_kill(pid);
            err_set(e,
                    "profile '%s': credential_process %s gave no answer "
                    "within %d s, killed",
                    profile, argv[0], timeout_s);
            goto out;
        }
        r = poll(pf, 2, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        for (i = 0; i < 2; i++) {
            int *fd = i ? &pe[0] : &po[0];
            ssize_t got;

            if (*fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            got = read(*fd, buf, sizeof(buf));
            if (got <= 0) {
                aws_proc_close(fd);
                open_fds--;
            } else if (i == 0 && out->len + (size_t)got > AWS_PROC_OUT_MAX) {
                OPENSSL_cleanse(buf, sizeof(buf));
                aws_proc_kill(pid);
                err_set(e,
                        "profile '%s': credential_process %s wrote more "
                        "than %u bytes, killed",
                        profile, argv[0], AWS_PROC_OUT_MAX);
                goto out;
            } else if (i == 0) {
                sb_add(out, buf, (size_t)got);
            } else if (errs->len < AWS_PROC_ERR_SHOW) {
                sb_add(errs, buf, (size_t)got);
            }
        }
        OPENSSL_cleanse(buf, sizeof(buf));
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        struct strbuf sb = STRBUF_INIT;
        size_t n =
            errs->len < AWS_PROC_ERR_SHOW ? errs->len : AWS_PROC_ERR_SHOW;
        size_t k;

        while (n > 0 && strchr("\n\r\t ", errs->buf[n - 1]))
            n--;
        utf8_sanitize(&sb, sb_str(errs), utf8_cut(sb_str(errs), n));
        for (k = 0; k < sb.len; k++)
            if (sb.buf[k] == '\n' || sb.buf[k] == '\r')
                sb.buf[k] = ' ';
        if (WIFEXITED(status))
            err_set(e,
                    "profile '%s': credential_process %s failed with exit "
                    "status %d%s%s",
                    profile, argv[0], WEXITSTATUS(status), sb.len ? ": " : "",
                    sb_str(&sb));
        else
            err_set(e,
                    "profile '%s': credential_process %s was killed by "
                    "signal %d",
                    profile, argv[0], WTERMSIG(status));
        sb_release(&sb);
        goto out;
    }
    rc = 0;
out:
    aws_proc_close(&po[0]);
    aws_proc_close(&po[1]);
    aws_proc_close(&pe[0]);
    aws_proc_close(&pe[1]);
    return rc;
}

time_t aws_creds_time(const char *s)
{
    struct tm tm;
    const char *p;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    if (!(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
        return (time_t)-1;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    t = timegm(&tm);
    if ((*p == 'Z' || *p == 'z') && !p[1])
        return t;
    if (*p == '+' || *p == '-') {
        int hh, mm;
        char tail;

        if (sscanf(p + 1, "%2d:%2d%c", &hh, &mm, &tail) != 2)
            return (time_t)-1;
        return t - (*p == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
    }
    return (time_t)-1;
}

/* Overwrites the string's bytes inside the jansson value: the document
 * held secrets. */
static void aws_proc_wipe_json(json_t *doc)
{
    const char *k;
    json_t *v;

    json_object_foreach(doc, k, v) if (json_is_string(v))
        OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
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
    struct strbuf so = STRBUF_INIT, se = STRBUF_INIT;
    char **argv;
    json_t *doc = NULL, *ver;
    json_error_t je;
    const char *ak, *sk, *tok, *exp;
    const char *missing = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!(argv = aws_creds_split(cmd, e)))
        return err_prefix(e, "profile '%s': credential_process", profile);
    if (aws_proc_run(profile, argv, timeout_s, &so, &se, e) < 0)
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
        time_t t = aws_creds_time(exp);
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
        aws_proc_wipe_json(doc);
        json_decref(doc);
    }
    if (so.buf)
        OPENSSL_cleanse(so.buf, so.cap);
    sb_release(&so);
    sb_release(&se);
    aws_creds_argv_free(argv);
    return rc;
}
