/*
 * dockerfile_int.h: the Dockerfile parser's state, shared by
 * dockerfile_parse.c (lines, instructions) and dockerfile_words.c
 * (variables, words and substitution). Not for other modules.
 */
#ifndef FOURC_DOCKERFILE_INT_H
#define FOURC_DOCKERFILE_INT_H

#include <jansson.h>
#include <stddef.h>

#include "dockerfile_parse.h"
#include "err.h"
#include "util.h"

#define DOCKERFILE_MAX_DEPTH 16 /* nested ${a:-${b:-...}} */

/*
 * Bytes of variable values one Dockerfile may make: substitution output,
 * values stored and values stages inherit. Each is charged before it is
 * made, so ENV A=$A$A doubling line after line, or a chain of stages each
 * copying its parent's ENV, stops here with an error instead of growing
 * without bound.
 */
#define DOCKERFILE_MAX_EXPANSION (32 * 1024 * 1024)
/* Instructions in one Dockerfile (real ones have a few hundred). */
#define DOCKERFILE_MAX_INSTRUCTIONS 10000

struct dockerfile_var {
    char *name;
    size_t name_len;
    char *value; /* NULL: not static (ARG without default) */
    size_t value_len;
    int env;
    int secret;
    int stage; /* p->stage_names only: the stage's index */
};

/* Variables by name: an array in order of first set, and a hash index
 * (open addressing, slot = index + 1, 0 empty) so lookups stay O(1). */
struct dockerfile_vars {
    struct dockerfile_var *v;
    size_t n, cap;
    size_t *slots;
    size_t nslots; /* a power of two, at least 2n */
    int open;      /* the base image's ENV is unknown: unset is not empty */
};

/* What substitution met while building one value. */
struct dockerfile_exp {
    int dynamic;
    int secret;
    int unresolved; /* assume_unset: a reference not even that decides */
};

struct dockerfile_span {
    const char *s;
    size_t n;
};

struct dockerfile_words {
    struct dockerfile_span *w;
    size_t n, cap;
};

struct dockerfile {
    const char *text;
    size_t len, pos;
    long line; /* physical line last returned */
    const char *path;
    char esc;
    struct err *e;
    int oom;
    int redacted;
    json_t *doc, *instructions, *stages, *global_args;
    struct dockerfile_vars global;
    struct dockerfile_vars *stage_vars; /* one per stage */
    int nstages, stages_cap;
    struct dockerfile_vars stage_names; /* lower-cased AS names */
    size_t spent; /* bytes charged against DOCKERFILE_MAX_EXPANSION */
    int over;     /* the charge went past it: the instruction fails */
    struct dockerfile_vars *scope; /* NULL: no substitution (ONBUILD) */
    /* Substitution as the build runs without --build-arg: an ARG without
     * default and a name the base image's ENV might set are unset. */
    int assume_unset;
};

/* The instruction being built. */
struct dockerfile_insn {
    const char *cmd;  /* upper case, from the table */
    const char *body; /* arguments after the flags */
    size_t body_len;
    long line;
    json_t *obj; /* borrowed from the caller */
    json_t *flags;
};

static inline json_t *dockerfile_strn(const char *s, size_t n)
{
    return json_stringn(s, n);
}

static inline int dockerfile_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- dockerfile_words.c ---- */

/* The variable name (n bytes) in vs, or NULL. */
struct dockerfile_var *dockerfile_var_find(struct dockerfile_vars *vs,
                                           const char *name, size_t n);
/* Sets (or adds) name in vs; value NULL: not static. */
void dockerfile_var_set(struct dockerfile_vars *vs, const char *name,
                        const char *value, int env, int secret);
void dockerfile_vars_release(struct dockerfile_vars *vs);
/* Charges n bytes against DOCKERFILE_MAX_EXPANSION; 0, or -1 (and
 * p->over set) when that would pass it: then make nothing. */
int dockerfile_charge(struct dockerfile *p, size_t n);
/* Splits s at unquoted blanks; quotes and escapes stay in the words. */
void dockerfile_split(const char *s, size_t n, char esc,
                      struct dockerfile_words *ws);
/* Expands the reference at s[i] == '$'; returns the index after it. */
size_t dockerfile_var_ref(struct dockerfile *p, const char *s, size_t n,
                          size_t i, int depth, struct strbuf *out,
                          struct dockerfile_exp *x);
/* One word: quotes removed, escapes and variables resolved, into out;
 * what substitution met goes into x. */
void dockerfile_word(struct dockerfile *p, const char *s, size_t n, int depth,
                     struct strbuf *out, struct dockerfile_exp *x);
/* The same, as a JSON string. */
json_t *dockerfile_word_json(struct dockerfile *p, const char *s, size_t n,
                             struct dockerfile_exp *x);

/* ---- dockerfile_script.c ---- */

/* The shell command s as the text rules match (see the file's head). */
void dockerfile_script(const char *s, size_t n, struct strbuf *out);

/* ---- dockerfile_parse.c: helpers the handlers use ---- */

void dockerfile_append(struct dockerfile *p, json_t *arr, json_t *v);
int dockerfile_casecmp(const char *a, const char *b, size_t n);
void dockerfile_command(struct dockerfile *p, json_t *obj, const char *s,
                        size_t n, int shell_ok);
int dockerfile_err(struct dockerfile *p, long line, const char *what);
void dockerfile_set(struct dockerfile *p, json_t *obj, const char *key,
                    json_t *v);
void dockerfile_trim(const char **s, size_t *n);

/* ---- dockerfile_insn.c: one handler per instruction ---- */

int dockerfile_copy(struct dockerfile *p, struct dockerfile_insn *in,
                    struct dockerfile_words *ws);
int dockerfile_expose(struct dockerfile *p, struct dockerfile_insn *in,
                      struct dockerfile_words *ws);
int dockerfile_from(struct dockerfile *p, struct dockerfile_insn *in,
                    struct dockerfile_words *ws);
int dockerfile_healthcheck(struct dockerfile *p, struct dockerfile_insn *in);
int dockerfile_pairs(struct dockerfile *p, struct dockerfile_insn *in,
                     struct dockerfile_words *ws);
int dockerfile_simple(struct dockerfile *p, struct dockerfile_insn *in,
                      struct dockerfile_words *ws);
json_t *dockerfile_stage_json(struct dockerfile *p, int i);
int dockerfile_user(struct dockerfile *p, struct dockerfile_insn *in);
int dockerfile_workdir(struct dockerfile *p, struct dockerfile_insn *in);
/* Sets reaches_final on every stage and instruction, after the body. */
void dockerfile_reach(struct dockerfile *p);

#endif
