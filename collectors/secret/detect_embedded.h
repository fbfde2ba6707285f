/*
 * detect_embedded.h: the detector pack compiled into the binary
 * (collectors/secret/detectors.yaml, written out by tools/embed).
 */
#ifndef FOURC_DETECT_EMBEDDED_H
#define FOURC_DETECT_EMBEDDED_H

#include "rule.h"

extern const struct rule_file detect_files_embedded[];
extern const size_t detect_files_embedded_count;

#endif
