/*
 * log.h: the only place that writes diagnostics to stderr.
 *
 * Messages follow git's shape: "fourc: error: ...", "fourc: warning: ...".
 * Progress is drawn on stderr only when stderr is a terminal, at most ten
 * times a second, and erased when done, so logs and pipes stay clean.
 */
#ifndef FOURC_LOG_H
#define FOURC_LOG_H

#include <stddef.h>

void log_set_quiet(int quiet);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when colour may be used on fd (a TTY and NO_COLOR unset). */
int log_use_color(int fd);

void progress_start(const char *label, size_t total);
void progress_update(size_t done, const char *item);
void progress_done(void);

#endif
