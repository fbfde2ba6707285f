/* testsrv.h: the HTTPS test server (tests/tools/httpsrv.py) for unit tests
 * that talk to it (test_http.c, test_kubeconfig.c): a temporary directory
 * holding its spec, servers started and stopped, the ports they chose.
 * Header-only: static inline. */
#ifndef FOURC_TESTSRV_H
#define FOURC_TESTSRV_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define TESTSRV_MAX 4

struct testsrv {
    char dir[64]; /* the temporary directory, DIR/spec.json its spec */
    pid_t pid[TESTSRV_MAX];
    size_t n;
};

/* The whole file as a new string ("" when it cannot be read). */
static inline char *testsrv_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t n;

    if (!f)
        return xstrdup("");
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_add(&sb, buf, n);
    fclose(f);
    return sb.buf ? sb_detach(&sb) : xstrdup("");
}

/* Makes the directory (name: /tmp/fourc-TAG-XXXXXX) and writes spec. */
static inline int testsrv_init(struct testsrv *s, const char *tag,
                               const char *spec)
{
    char path[160];
    FILE *f;

    memset(s, 0, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "/tmp/fourc-%s-XXXXXX", tag);
    if (!mkdtemp(s->dir))
        return -1;
    snprintf(path, sizeof(path), "%s/spec.json", s->dir);
    if (!(f = fopen(path, "w")))
        return -1;
    fputs(spec, f);
    return fclose(f) == 0 ? 0 : -1;
}

/* Starts a server in DIR/sub with the extra arguments args (NULL-ended). */
static inline void testsrv_start(struct testsrv *s, const char *sub,
                                 const char *const *args)
{
    char script[512], d[160], sp[160];
    const char *argv[24];
    const char *top = getenv("TOP_SRCDIR");
    size_t n = 0;
    pid_t pid;

    if (s->n == TESTSRV_MAX)
        return;
    snprintf(script, sizeof(script), "%s/tests/tools/httpsrv.py",
             top ? top : ".");
    snprintf(d, sizeof(d), "%s/%s", s->dir, sub);
    snprintf(sp, sizeof(sp), "%s/spec.json", s->dir);
    argv[n++] = "python3";
    argv[n++] = script;
    argv[n++] = "--dir";
    argv[n++] = d;
    argv[n++] = "--spec";
    argv[n++] = sp;
    while (*args && n < sizeof(argv) / sizeof(argv[0]) - 1)
        argv[n++] = *args++;
    argv[n] = NULL;
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execvp("python3", (char *const *)argv);
        _exit(127);
    }
    s->pid[s->n++] = pid;
}

/* The port a server wrote to DIR/sub/name, waiting up to 15 s; 0: none. */
static inline int testsrv_port(const struct testsrv *s, const char *sub,
                               const char *name)
{
    char path[160], *text, *end;
    long port = 0;
    int i;

    snprintf(path, sizeof(path), "%s/%s/%s", s->dir, sub, name);
    for (i = 0; i < 300 && port == 0; i++) {
        text = testsrv_slurp(path);
        errno = 0;
        port = strtol(text, &end, 10);
        if (errno || end == text || port <= 0 || port > 65535)
            port = 0;
        free(text);
        if (!port)
            usleep(50000);
    }
    return (int)port;
}

/* Stops the servers and removes the directory. */
static inline int testsrv_stop(struct testsrv *s)
{
    char cmd[128];
    size_t i;

    for (i = 0; i < s->n; i++)
        if (s->pid[i] > 0) {
            kill(s->pid[i], SIGTERM);
            waitpid(s->pid[i], NULL, 0);
        }
    s->n = 0;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
