/*
 * code_git.c: remote repositories cloned with the git CLI, and a
 * repository's history read blob by blob (`git log --raw` says where each
 * blob first appears, `git cat-file --batch` gives its content once).
 */
#include "code_scan.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "proc.h"
#include "util.h"
#include "banned.h"

extern char **environ;

/* ---- temporary directories, removed when the process exits ---------- */

/* The targets a clone hands over read it after the code target is done,
 * so clones live until exit; collection may run on several threads. */
static pthread_mutex_t code_git_lock = PTHREAD_MUTEX_INITIALIZER;
static char **code_git_tmp;
static size_t code_git_ntmp;

static int code_git_rm(const char *p, const struct stat *st, int flag,
                       struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static void code_git_rmtree(const char *dir)
{
    nftw(dir, code_git_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void code_git_cleanup(void)
{
    size_t i;

    pthread_mutex_lock(&code_git_lock);
    for (i = 0; i < code_git_ntmp; i++) {
        code_git_rmtree(code_git_tmp[i]);
        free(code_git_tmp[i]);
    }
    free(code_git_tmp);
    code_git_tmp = NULL;
    code_git_ntmp = 0;
    pthread_mutex_unlock(&code_git_lock);
}

/* A new temporary directory, removed at exit; NULL with e set. */
static char *code_git_mkdtemp(struct err *e)
{
    const char *tmp = getenv("TMPDIR");
    struct strbuf p = STRBUF_INIT;

    sb_addf(&p, "%s/fourc-code.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(p.buf)) {
        err_set(e, "cannot make a temporary directory %s: %s", sb_str(&p),
                strerror(errno));
        sb_release(&p);
        return NULL;
    }
    pthread_mutex_lock(&code_git_lock);
    if (code_git_ntmp == 0 && !code_git_tmp)
        atexit(code_git_cleanup);
    code_git_tmp =
        xrealloc(code_git_tmp, (code_git_ntmp + 1) * sizeof(*code_git_tmp));
    code_git_tmp[code_git_ntmp++] = xstrdup(sb_str(&p));
    pthread_mutex_unlock(&code_git_lock);
    return sb_detach(&p);
}

/* ---- remote repositories -------------------------------------------- */

int code_is_url(const char *ref)
{
    static const char *const schemes[] = {"git://", "https://", "http://",
                                          "ssh://", "file://",  NULL};
    const char *colon = strchr(ref, ':'), *at = strchr(ref, '@');
    size_t i;

    for (i = 0; schemes[i]; i++)
        if (strncmp(ref, schemes[i], strlen(schemes[i])) == 0)
            return 1;
    /* scp-like user@host:path, as git reads it */
    return at && colon && at < colon &&
           !memchr(ref, '/', (size_t)(colon - ref));
}

/* url without its user information (a token may sit there). */
static void code_git_show_url(struct strbuf *out, const char *url)
{
    const char *s = strstr(url, "://"), *at, *sl;

    if (!s) {
        sb_adds(out, url);
        return;
    }
    s += 3;
    sl = strchr(s, '/');
    at = strchr(s, '@');
    if (at && (!sl || at < sl)) {
        sb_add(out, url, (size_t)(s - url));
        sb_adds(out, "***");
        sb_adds(out, at);
    } else {
        sb_adds(out, url);
    }
}

int code_git_clone(const char *url, const char *ref, int full, int timeout_s,
                   char **dir, struct err *e)
{
    struct strbuf what = STRBUF_INIT, dest = STRBUF_INIT, out = STRBUF_INIT;
    char *tmp = code_git_mkdtemp(e);
    const char *argv[12];
    char **envp = NULL;
    size_t n = 0, i;
    int rc = -1;

    *dir = NULL;
    if (!tmp)
        return -1;
    sb_addf(&dest, "%s/repo", tmp);
    argv[n++] = "git";
    argv[n++] = "clone";
    argv[n++] = "--quiet";
    if (!full) {
        argv[n++] = "--depth";
        argv[n++] = "1";
    }
    if (ref) {
        argv[n++] = "--branch";
        argv[n++] = ref;
    }
    argv[n++] = "--";
    argv[n++] = url;
    argv[n++] = sb_str(&dest);
    argv[n] = NULL;
    /* never a prompt: a remote that wants credentials fails */
    for (i = 0; environ[i]; i++)
        ;
    envp = xcalloc(i + 3, sizeof(*envp));
    memcpy(envp, environ, i * sizeof(*envp));
    envp[i++] = "GIT_TERMINAL_PROMPT=0";
    envp[i++] = "GIT_SSH_COMMAND=ssh -o BatchMode=yes";
    sb_adds(&what, "git clone ");
    code_git_show_url(&what, url);
    {
        struct proc_opts o = {
            sb_str(&what), NULL, (char *const *)argv, envp, timeout_s,
            1 << 20,       300};
        rc = proc_run(&o, &out, e);
    }
    if (rc == 0)
        *dir = sb_detach(&dest);
    if (out.buf)
        memset(out.buf, 0, out.cap);
    sb_release(&out);
    sb_release(&dest);
    sb_release(&what);
    free(envp);
    free(tmp);
    return rc;
}

/* ---- history ---------------------------------------------------------- */

/* Runs git with argv, stdin from in_fd, stderr to err_fd; its stdout is
 * *out. The pid, or -1 with e set. */
static pid_t code_git_spawn(const char *const *argv, int in_fd, int err_fd,
                            FILE **out, struct err *e)
{
    int p[2];
    pid_t pid;

    if (pipe(p) != 0)
        return err_set(e, "git: cannot make a pipe: %s", strerror(errno));
    pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return err_set(e, "git: cannot fork: %s", strerror(errno));
    }
    if (pid == 0) {
        dup2(in_fd, 0);
        dup2(p[1], 1);
        dup2(err_fd, 2);
        close(p[0]);
        close(p[1]);
        execvp("git", (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    *out = fdopen(p[0], "rb");
    if (!*out) {
        close(p[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return err_set(e, "git: %s", strerror(errno));
    }
    return pid;
}

/* Waits for pid; -1 with e "what: <first line of stderr>" unless it
 * exited 0. */
static int code_git_wait(pid_t pid, const char *what, const char *errfile,
                         struct err *e)
{
    int st;
    char line[300] = "";
    FILE *f;

    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    f = fopen(errfile, "r");
    if (f) {
        if (fgets(line, sizeof(line), f))
            line[strcspn(line, "\r\n")] = '\0';
        fclose(f);
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && !line[0])
        return err_set(e, "%s: git is not installed", what);
    return err_set(e, "%s failed (exit status %d): %s", what,
                   WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                   line[0] ? line : "no message");
}

/* Where each blob first appears: blob -> [commit, date, path], and the
 * blobs in that order. */
struct code_git_blobs {
    json_t *seen;  /* blob id -> index */
    json_t *order; /* [[blob, commit, date, path], ...] */
};

static void code_git_raw(struct code_git_blobs *b, const char *commit,
                         const char *date, char *line)
{
    /* ":100644 100644 <old> <new> M\tpath" */
    char *tab = strchr(line, '\t'), *f[5];
    size_t n = 0;
    char *s = line + 1;

    if (!tab || !commit)
        return;
    *tab = '\0';
    while (n < 5 && s && *s) {
        f[n++] = s;
        s = strchr(s, ' ');
        if (s)
            *s++ = '\0';
    }
    if (n < 5 || strncmp(f[1], "100", 3) != 0 ||
        strspn(f[3], "0") == strlen(f[3]) || json_object_get(b->seen, f[3]))
        return;
    json_object_set_new(b->seen, f[3], json_true());
    json_array_append_new(b->order,
                          json_pack("[s,s,s,s]", f[3], commit, date, tab + 1));
}

/* Reads the blobs of b from `git cat-file --batch` and hands each on. */
static int code_git_cat(FILE *out, const struct code_git_blobs *b, uint64_t max,
                        struct collect_ctx *ctx, code_file_fn fn, void *arg,
                        struct err *e)
{
    char *line = NULL, *buf = NULL;
    size_t cap = 0, i;
    struct strbuf where = STRBUF_INIT;
    int rc = 0;

    for (i = 0; i < json_array_size(b->order) && rc == 0; i++) {
        json_t *row = json_array_get(b->order, i);
        const char *commit = json_string_value(json_array_get(row, 1));
        const char *path = json_string_value(json_array_get(row, 3));
        unsigned long long size;
        char type[16];
        ssize_t got = getline(&line, &cap, out);
        if (got <= 0 || sscanf(line, "%*s %15s %llu", type, &size) != 2 ||
            strcmp(type, "blob") != 0) {
            rc = err_set(e, "git cat-file: unexpected answer for blob %s",
                         json_string_value(json_array_get(row, 0)));
            break;
        }
        sb_setlen(&where, 0);
        sb_addf(&where, "%.12s:%s", commit, path);
        buf = xrealloc(buf, size < max ? size + 1 : 65536);
        if (size > max) {
            unsigned long long left = size + 1;
            while (left > 0) {
                size_t k = fread(buf, 1, left < 65536 ? left : 65536, out);
                if (k == 0)
                    break;
                left -= k;
            }
            if (ctx->skipped)
                ctx->skipped(ctx, sb_str(&where), CODE_SKIP_LARGE);
            continue;
        }
        if (fread(buf, 1, size + 1, out) != size + 1) {
            rc = err_set(e, "git cat-file: blob %s cut short",
                         json_string_value(json_array_get(row, 0)));
            break;
        }
        if (code_is_binary(buf, size)) {
            if (ctx->skipped)
                ctx->skipped(ctx, sb_str(&where), CODE_SKIP_BINARY);
            continue;
        }
        {
            struct code_file cf = {sb_str(&where),
                                   path,
                                   commit,
                                   json_string_value(json_array_get(row, 2)),
                                   buf,
                                   (size_t)size};
            if (fn(arg, &cf, e))
                rc = -2;
        }
    }
    free(line);
    free(buf);
    sb_release(&where);
    return rc;
}

int code_git_history(const char *dir, const char *ref, uint64_t max,
                     struct collect_ctx *ctx, code_file_fn fn, void *arg,
                     struct err *e)
{
    struct code_git_blobs b = {json_object(), json_array()};
    struct strbuf errf = STRBUF_INIT, idf = STRBUF_INIT, what = STRBUF_INIT;
    char *tmp = code_git_mkdtemp(e), *line = NULL, *commit = NULL, *date = NULL;
    const char *log_argv[] = {"git",
                              "-C",
                              dir,
                              "-c",
                              "core.quotePath=false",
                              "log",
                              "--reverse",
                              "--date-order",
                              "--format=%x01%H %aI",
                              "--raw",
                              "--no-abbrev",
                              "--no-renames",
                              "-m",
                              "--root",
                              ref,
                              "--",
                              NULL};
    const char *cat_argv[] = {"git", "-C", dir, "cat-file", "--batch", NULL};
    int in = -1, err = -1, rc = -1;
    size_t cap = 0, i;
    FILE *out = NULL, *ids = NULL;
    pid_t pid;

    if (!tmp)
        goto out;
    sb_addf(&errf, "%s/stderr", tmp);
    sb_addf(&idf, "%s/blobs", tmp);
    err = open(sb_str(&errf), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (err < 0 || in < 0) {
        err_set(e, "%s: %s", sb_str(&errf), strerror(errno));
        goto out;
    }
    sb_addf(&what, "git log %s in %s", ref, dir);
    if ((pid = code_git_spawn(log_argv, in, err, &out, e)) < 0)
        goto out;
    while (getline(&line, &cap, out) > 0) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\001') {
            char *sp = strchr(line, ' ');
            free(commit);
            free(date);
            commit = xstrndup(line + 1, sp ? (size_t)(sp - line - 1) : 0);
            date = xstrdup(sp ? sp + 1 : "");
        } else if (line[0] == ':') {
            code_git_raw(&b, commit, date, line);
        }
    }
    fclose(out);
    out = NULL;
    if (code_git_wait(pid, sb_str(&what), sb_str(&errf), e))
        goto out;
    ids = fopen(sb_str(&idf), "w");
    if (!ids) {
        err_set(e, "%s: %s", sb_str(&idf), strerror(errno));
        goto out;
    }
    for (i = 0; i < json_array_size(b.order); i++)
        fprintf(
            ids, "%s\n",
            json_string_value(json_array_get(json_array_get(b.order, i), 0)));
    if (fclose(ids) != 0) {
        ids = NULL;
        err_set(e, "%s: write error", sb_str(&idf));
        goto out;
    }
    ids = NULL;
    close(in);
    in = open(sb_str(&idf), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        err_set(e, "%s: %s", sb_str(&idf), strerror(errno));
        goto out;
    }
    sb_setlen(&what, 0);
    sb_addf(&what, "git cat-file --batch in %s", dir);
    if ((pid = code_git_spawn(cat_argv, in, err, &out, e)) < 0)
        goto out;
    rc = code_git_cat(out, &b, max, ctx, fn, arg, e);
    fclose(out);
    out = NULL;
    if (rc == -2) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    } else if (code_git_wait(pid, sb_str(&what), sb_str(&errf), e)) {
        rc = -1;
    }
out:
    if (out)
        fclose(out);
    if (in >= 0)
        close(in);
    if (err >= 0)
        close(err);
    if (tmp)
        code_git_rmtree(tmp);
    free(tmp);
    free(line);
    free(commit);
    free(date);
    json_decref(b.seen);
    json_decref(b.order);
    sb_release(&errf);
    sb_release(&idf);
    sb_release(&what);
    return rc;
}
