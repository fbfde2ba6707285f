/*
 * summary.h: the short human summary `fourc scan` prints on stdout:
 * counts by status and severity and the rules that failed most, in the
 * plain column layout kubectl users read at a glance.
 */
#ifndef FOURC_SUMMARY_H
#define FOURC_SUMMARY_H

#include <stdio.h>

#include "reporter.h"

int summary_print(const struct report_ctx *rc, FILE *out, int color,
                  struct err *e);

#endif
