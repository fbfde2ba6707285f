/*
 * code_int.h: what the code collector's parts share (collectors/code/).
 *
 * code.c (the `--code DIR|URL` collector: the walk, .gitignore, remote
 * clones, --git-history, secrets, hand-over of manifests and Dockerfiles)
 * calls the parsers below for the files it recognises.
 */
#ifndef FOURC_CODE_INT_H
#define FOURC_CODE_INT_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

enum code_workflow_type {
    CODE_WF_NONE = 0,
    CODE_WF_GITHUB,        /* .github/workflows/NAME.y(a)ml, NAME.gha.yml */
    CODE_WF_GITHUB_ACTION, /* action.yml / action.yaml (composite) */
    CODE_WF_GITLAB         /* .gitlab-ci.yml, or *.gitlab-ci.yml */
};

/* Which workflow a repository-relative path is ("" parts allowed). */
enum code_workflow_type code_workflow_type(const char *relpath);

/*
 * The code/Workflow document of one workflow file (new reference), with
 * the raw structure and the derived facts the rules read; NULL with e set
 * (naming relpath:line) when the YAML is malformed. Secret-looking values
 * are redacted.
 */
json_t *code_workflow_parse(enum code_workflow_type t, const char *relpath,
                            const char *buf, size_t len, struct err *e);

#endif
