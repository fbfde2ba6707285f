/*
 * proc.h: runs a helper program whose standard output is a credential
 * (kubectl exec plugins, AWS credential_process): no shell, stdin from
 * /dev/null, its own process group, bounded in time and output, stdout
 * kept in a buffer that never moves (so no copy of the secret is left
 * behind) and wiped as it is read through, the start of stderr kept for
 * the error.
 */
#ifndef FOURC_PROC_H
#define FOURC_PROC_H

#include <stddef.h>

#include "err.h"
#include "util.h"

struct proc_opts {
    const char *what;  /* errors start with it: "exec plugin ./x" */
    const char *path;  /* the program; NULL: argv[0], searched in PATH */
    char *const *argv; /* NULL-terminated */
    char *const *envp; /* NULL: this process's environment */
    int timeout_s;     /* then the group is killed */
    size_t out_max;    /* more stdout than this: killed, an error */
    size_t err_show;   /* stderr bytes an error shows (one line) */
};

/* 0 when it exited with status 0, its stdout in out (which it must not
 * hold yet: the caller wipes out->buf, out->cap bytes, when done); -1
 * with e "WHAT failed with exit status N: STDERR", "WHAT gave no answer
 * within N s, killed", "WHAT wrote more than N bytes, killed", "WHAT was
 * killed by signal N", or a pipe or fork failure. stdout never appears in
 * an error. */
int proc_run(const struct proc_opts *o, struct strbuf *out, struct err *e);

#endif
