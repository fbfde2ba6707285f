/*
 * workflow_int.h: what workflow.c (the entry points of code_int.h) shares
 * with the GitHub Actions and GitLab CI readers beside it.
 */
#ifndef FOURC_WORKFLOW_INT_H
#define FOURC_WORKFLOW_INT_H

#include <jansson.h>
#include <stddef.h>

#include "code_int.h"
#include "err.h"

/* The file's text, for the lines of jobs and steps. */
struct wf_text {
    const char *buf;
    size_t len;
};

/* The 1-based line of the first line at or after line `from` that holds
 * needle: anywhere, or at its start when needle starts with '^', or
 * right after its indentation when it starts with '~'; 0 when none. */
long wf_line_find(const struct wf_text *t, long from, const char *needle);

/*
 * The lines of the block-style list items ("- ...") of the sequence whose
 * key line is key_line (a "steps:" line): up to n of them into lines.
 * Returns how many were found (0 for a flow-style list).
 */
size_t wf_item_lines(const struct wf_text *t, long key_line, long *lines,
                     size_t n);

/* Sets key of o to v (stolen); v NULL is ignored. */
void wf_set(json_t *o, const char *key, json_t *v);

/* Whether a shell script pipes a download into a shell (curl ... | sh,
 * bash <(curl ...), sh -c "$(wget ...)"). */
int wf_curl_pipe_shell(const char *script);

/* Replaces secret-looking literal values in v, in place: values of keys
 * that name a credential (not expressions or variables), values in a
 * token format, credentials inside scripts. */
void wf_redact(json_t *v);

/* The readers: root is the parsed (unredacted) file, borrowed; they
 * return the code/Workflow document, or NULL with e set. */
json_t *wf_gha(const json_t *root, enum code_workflow_type t,
               const char *relpath, const struct wf_text *text, struct err *e);
json_t *wf_gitlab(const json_t *root, const char *relpath,
                  const struct wf_text *text, struct err *e);

#endif
