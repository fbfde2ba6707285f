/*
 * err.h: one human sentence describing what failed and where.
 *
 * Functions that can fail return int (0 is success, -1 failure) and fill a
 * caller-owned struct err. There is no global error state.
 */
#ifndef FOURC_ERR_H
#define FOURC_ERR_H

#include <stddef.h>

struct err {
    char msg[1024];
};

/* Formats the message into e (may be NULL) and returns -1. */
int err_set(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes "what: " to the message already in e. Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
