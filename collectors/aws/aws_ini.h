/*
 * aws_ini.h: the AWS shared config and credentials files, read the way the
 * AWS CLI (botocore's configloader over Python's configparser) reads them.
 *
 * Sections are "[name]" (the name kept as written); "key = value" or
 * "key: value" with the key lower-cased and both sides trimmed; whole-line
 * comments start with '#' or ';' (a '#' later in a line is part of the
 * value, as in the CLI); a line indented deeper than its key continues the
 * value, and a key whose value is empty on its own line followed by such
 * lines ("s3 =" then "  max_concurrent_requests = 20") is a nested section
 * of its own keys (their case kept, as botocore keeps it). A repeated section
 * or key, a key outside a section, a line that is none of these, and a nested
 * line without '=' are errors naming file:line. Errors never quote a value or a
 * key (either may be a secret written on the wrong line); values are wiped when
 * released.
 */
#ifndef FOURC_AWS_INI_H
#define FOURC_AWS_INI_H

#include <stddef.h>

#include "err.h"

struct aws_ini_kv {
    char *key;
    char *val;              /* "" for a nested key */
    struct aws_ini_kv *sub; /* a nested key's own keys */
    size_t nsub;
    int line;
};

struct aws_ini_sec {
    char *name; /* as written between the brackets */
    int line;
    struct aws_ini_kv *kv;
    size_t nkv;
};

struct aws_ini {
    char *display; /* the file as errors name it */
    struct aws_ini_sec *sec;
    size_t nsec;
};

/* Parses len bytes of text; display names the file in errors. On failure
 * out is released. */
int aws_ini_parse(const char *display, const char *text, size_t len,
                  struct aws_ini *out, struct err *e);

/* Reads and parses path. A file that does not exist is an empty one (as
 * for the CLI); one that cannot be read is an error. */
int aws_ini_load(const char *path, const char *display, struct aws_ini *out,
                 struct err *e);

void aws_ini_release(struct aws_ini *ini);

/* Borrowed; NULL when absent. */
const struct aws_ini_sec *aws_ini_section(const struct aws_ini *ini,
                                          const char *name);
const struct aws_ini_kv *aws_ini_find(const struct aws_ini_sec *sec,
                                      const char *key);
/* The value of key, NULL when absent or nested. */
const char *aws_ini_get(const struct aws_ini_sec *sec, const char *key);

#endif
