/*
 * detect_embedded.h: the detector pack compiled into the binary
 * (collectors/secret/detectors.yaml, written out by tools/embed -s
 * detect_file).
 */
#ifndef FOURC_DETECT_EMBEDDED_H
#define FOURC_DETECT_EMBEDDED_H

#include <stddef.h>

struct detect_file {
    const char *path;
    const char *data;
    size_t len;
};

extern const struct detect_file detect_files_embedded[];
extern const size_t detect_files_embedded_count;

#endif
