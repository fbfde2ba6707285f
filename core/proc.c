/* proc.c: a credential helper run with bounds; see proc.h. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "banned.h"

extern char **environ;

static double proc_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void proc_kill(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static void proc_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* e: "WHAT failed with exit status N: the start of stderr, one line", or
 * killed by a signal. */
static void proc_status_error(const struct proc_opts *o, int status,
                              const struct strbuf *errs, struct err *e)
{
    struct strbuf sb = STRBUF_INIT;
    size_t n = errs->len < o->err_show ? errs->len : o->err_show, k;

    while (n > 0 && strchr("\n\r\t ", errs->buf[n - 1]))
        n--;
    utf8_sanitize(&sb, sb_str(errs), utf8_cut(sb_str(errs), n));
    for (k = 0; k < sb.len; k++)
        if (sb.buf[k] == '\n' || sb.buf[k] == '\r')
            sb.buf[k] = ' ';
    if (WIFEXITED(status))
        err_set(e, "%s failed with exit status %d%s%s", o->what,
                WEXITSTATUS(status), sb.len ? ": " : "", sb_str(&sb));
    else
        err_set(e, "%s was killed by signal %d", o->what, WTERMSIG(status));
    sb_release(&sb);
}

int proc_run(const struct proc_opts *o, struct strbuf *out, struct err *e)
{
    struct strbuf errs = STRBUF_INIT;
    int po[2] = {-1, -1}, pe[2] = {-1, -1}, status = 0, open_fds = 2;
    int rc = -1;
    pid_t pid;
    double end;

    /* Close-on-exec: a program another thread starts meanwhile must not
     * hold our pipes open (we would wait for its end of file). */
    if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
        err_set(e, "%s: pipe: %s", o->what, strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        err_set(e, "%s: fork: %s", o->what, strerror(errno));
        goto out;
    }
    if (pid == 0) {
        const char *prog = o->path ? o->path : o->argv[0];
        int null = open("/dev/null", O_RDONLY);

        if (null >= 0)
            dup2(null, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        setpgid(0, 0);
        if (o->envp)
            environ = (char **)o->envp;
        execvp(prog, o->argv); /* a prog with a '/' is run as it is */
        dprintf(2, "cannot run %s: %s", prog, strerror(errno));
        _exit(127);
    }
    proc_close(&po[1]);
    proc_close(&pe[1]);
    sb_grow(out, o->out_max + 1); /* never moved: nothing left behind */
    out->buf[out->len] = '\0';
    end = proc_now() + o->timeout_s;
    while (open_fds > 0) {
        struct pollfd pf[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
        double left = end - proc_now();
        char buf[4096];
        int i, r;

        if (left <= 0) {
            proc_kill(pid);
            err_set(e, "%s gave no answer within %d s, killed", o->what,
                    o->timeout_s);
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
                proc_close(fd);
                open_fds--;
            } else if (i == 0 && out->len + (size_t)got > o->out_max) {
                OPENSSL_cleanse(buf, sizeof(buf));
                proc_kill(pid);
                err_set(e, "%s wrote more than %zu bytes, killed", o->what,
                        o->out_max);
                goto out;
            } else if (i == 0) {
                sb_add(out, buf, (size_t)got);
            } else if (errs.len < o->err_show) {
                sb_add(&errs, buf, (size_t)got);
            }
        }
        OPENSSL_cleanse(buf, sizeof(buf));
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        proc_status_error(o, status, &errs, e);
        goto out;
    }
    rc = 0;
out:
    proc_close(&po[0]);
    proc_close(&po[1]);
    proc_close(&pe[0]);
    proc_close(&pe[1]);
    sb_release(&errs);
    return rc;
}
