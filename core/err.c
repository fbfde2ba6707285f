/* err.c: error sentences; see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

int err_set(struct err *e, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return -1;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
    char head[512], old[sizeof(e->msg)];
    va_list ap;

    if (!e)
        return -1;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    /* Truncation is fine: the start of the sentence says the most. */
    {
        size_t n = strlen(head);
        if (n > sizeof(e->msg) - 3)
            n = sizeof(e->msg) - 3;
        memcpy(e->msg, head, n);
        memcpy(e->msg + n, ": ", 2);
        n += 2;
        memcpy(e->msg + n, old, sizeof(e->msg) - n - 1);
        e->msg[sizeof(e->msg) - 1] = '\0';
    }
    return -1;
}
