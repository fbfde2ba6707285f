/* log.c: diagnostics and TTY progress; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "banned.h"

static int log_quiet;

static struct {
    int active;
    const char *label;
    size_t total;
    double last;
} log_progress;

void log_set_quiet(int quiet)
{
    log_quiet = quiet;
}

static void log_clear_line(void)
{
    if (log_progress.active)
        fputs("\r\033[K", stderr);
}

/*
 * Messages quote input (file names, keys), so what reaches the terminal is
 * made safe: control characters (escape sequences, a forged second line)
 * become \xNN, invalid UTF-8 becomes U+FFFD and bidirectional controls
 * (which reorder what a reader sees) are shown as [U+202E].
 */
static void log_v(const char *kind, const char *fmt, va_list ap)
{
    struct strbuf raw = STRBUF_INIT, safe = STRBUF_INIT;
    size_t i;
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n > 0) {
        sb_grow(&raw, (size_t)n);
        vsnprintf(raw.buf, (size_t)n + 1, fmt, ap);
        raw.len = (size_t)n;
    }
    for (i = 0; i < raw.len; i++) {
        unsigned char c = (unsigned char)raw.buf[i];
        if (c < 0x20 || c == 0x7F) {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\x%02x", c);
            sb_adds(&safe, esc);
        } else {
            sb_add(&safe, raw.buf + i, 1);
        }
    }
    sb_setlen(&raw, 0);
    utf8_sanitize(&raw, sb_str(&safe), safe.len);
    sb_setlen(&safe, 0);
    for (i = 0; i < raw.len; i++) {
        const unsigned char *p = (const unsigned char *)raw.buf + i;
        long bidi = utf8_bidi_at(p, raw.len - i);
        if (bidi > 0) {
            sb_addf(&safe, "[U+%04lX]", bidi);
            i += bidi == 0x061C ? 1 : 2;
        } else {
            sb_add(&safe, raw.buf + i, 1);
        }
    }
    log_clear_line();
    fputs("fourc: ", stderr);
    if (kind)
        fputs(kind, stderr);
    fwrite(sb_str(&safe), 1, safe.len, stderr);
    fputc('\n', stderr);
    sb_release(&raw);
    sb_release(&safe);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_v("error: ", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    if (log_quiet)
        return;
    va_start(ap, fmt);
    log_v("warning: ", fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    if (log_quiet)
        return;
    va_start(ap, fmt);
    log_v(NULL, fmt, ap);
    va_end(ap);
}

int log_use_color(int fd)
{
    const char *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");

    if (nc && *nc)
        return 0;
    if (term && strcmp(term, "dumb") == 0)
        return 0;
    return isatty(fd);
}

static double log_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(const char *label, size_t total)
{
    log_progress.active = !log_quiet && isatty(STDERR_FILENO);
    log_progress.label = label;
    log_progress.total = total;
    log_progress.last = 0;
}

void progress_update(size_t done, const char *item)
{
    double now;
    int width = 30, filled;

    if (!log_progress.active)
        return;
    now = log_now();
    if (now - log_progress.last < 0.1 && done != log_progress.total)
        return;
    log_progress.last = now;
    if (log_progress.total) {
        filled =
            (int)((double)width * (double)done / (double)log_progress.total);
        fprintf(stderr, "\r\033[K%s [%-*.*s] %zu/%zu %.40s", log_progress.label,
                width, filled, "==============================", done,
                log_progress.total, item ? item : "");
    } else {
        fprintf(stderr, "\r\033[K%s %zu %.40s", log_progress.label, done,
                item ? item : "");
    }
    fflush(stderr);
}

void progress_done(void)
{
    log_clear_line();
    log_progress.active = 0;
}
