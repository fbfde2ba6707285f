/*
 * dockerfile_parse.h: a Dockerfile as one JSON document (the document of a
 * code/Dockerfile resource), parsed the way BuildKit's frontend reads it:
 * parser directives at the top, continuations with the escape character,
 * comments and blank lines inside continuations dropped, JSON (exec) form
 * when the arguments are a valid JSON array of strings and shell form
 * otherwise, heredocs on RUN, COPY and ADD, case-insensitive instruction
 * names, CRLF and a leading BOM.
 *
 * Rules judge instructions[*] with `each: instructions`; an image collector
 * turns each history created_by line into the same instruction object, so
 * one rule serves both. The document:
 *
 *   {"path": "build/Dockerfile",
 *    "escape": "\\",                       the escape character
 *    "syntax": "docker/dockerfile:1",      # syntax= directive, or null
 *    "directives": {"syntax": ..., "escape": ..., "check": ...},
 *    "args": {"GOVERSION": "1.22"},        global ARGs (before the first
 *                                          FROM): default, or null when
 *                                          it has none (a --build-arg)
 *    "stages": [{"index": 0, "name": "build" | null, "line": 3,
 *                "from": {"image": "golang", "tag": "1.22" | null,
 *                         "digest": "sha256:..." | null,
 *                         "platform": "linux/amd64" | null,
 *                         "raw": "golang:${GOVERSION}",
 *                         "stage_ref": null | index of an earlier stage,
 *                         "valid": false when BuildKit would refuse the
 *                         reference (a digest not sha256:<64 hex> or
 *                         sha384/sha512 of their length, a malformed tag),
 *                         "invalid": why, or null,
 *                         "resolved": true when every ARG was static},
 *                "user": the user part of the stage's last USER
 *                        (inherited from a parent stage) or null,
 *                "healthcheck": null | "none" | "cmd" (likewise)}],
 *    "final_stage": index of the last stage,
 *    "user": the final stage's user or null,
 *    "user_check": {"status": "none" | "root" | "nonroot" | "name" |
 *                   "invalid" | "unresolved", "uid": N | null,
 *                   "reason": "USER \"+0\" is uid 0 (root): ..."}
 *                   the final stage's user as runc and containerd read it
 *                   (userspec.h); a value not static is taken as the build
 *                   makes it without --build-arg; also on each stage,
 *    stages[*].reaches_final, instructions[*].reaches_final: the stage is
 *                   built for the final one (it is the final stage, or the
 *                   final stage uses it through FROM, COPY/ADD --from or
 *                   RUN --mount=from, transitively),
 *    "healthcheck": the final stage's healthcheck or null,
 *    "redacted": true when any value was redacted,
 *    "instructions": [{
 *        "cmd": "RUN",                     upper case
 *        "line": 7, "end_line": 12,        physical lines, continuations
 *                                          and heredoc bodies included
 *        "stage": 0 | null (ARG before the first FROM),
 *        "raw": "RUN apt-get update && ...", continuations joined (escape
 *                                          and newline removed); rebuilt
 *                                          from the pairs when redacted
 *        "flags": {"--mount": ["type=cache,target=/x"], "--chown": "app",
 *                  "--from": "build", "--link": true, ...}
 *                                          (--mount and --exclude are
 *                                          lists, a flag without a value
 *                                          is true)
 *        "form": "exec" | "shell",         exec: the arguments were a JSON
 *                                          array of strings
 *        "args": [...] | null,             the exec-form array
 *        "shell": "..." | null,            shell-form command of RUN, CMD,
 *                                          ENTRYPOINT, HEALTHCHECK
 *        "command": "...",                 RUN CMD ENTRYPOINT HEALTHCHECK:
 *                                          shell string or exec words
 *                                          joined by spaces, then every
 *                                          heredoc body: the text to match,
 *                                          read as sh does: arguments of
 *                                          grep, and of echo/printf not
 *                                          written anywhere, and comments
 *                                          dropped; apt-get -t/-o/-c joined
 *                                          to their argument with '='
 *                                          (dockerfile_script.c)
 *        "heredocs": [{"name": "EOF", "content": "...\n", "expand": bool,
 *                      "strip_tabs": bool}],   RUN COPY ADD only
 *        per command:
 *        FROM: "image" "tag" "digest" "platform" "stage_name" "stage_ref"
 *              "resolved"
 *        "dynamic": true on USER WORKDIR ADD COPY ENV ARG LABEL (and
 *              STOPSIGNAL VOLUME) when a value was not static
 *        USER: "user", "group" (null without ':')
 *        EXPOSE: "ports": [{"port": 22, "end_port": 22, "proto": "tcp"}]
 *                (port null and "raw" when not static)
 *        ENV ARG LABEL: "pairs": {"KEY": "value after substitution" |
 *                null (ARG without default)}, "dynamic": bool,
 *                "dynamic_keys": ["KEY", ...] (names whose value was not
 *                static), "secret_keys": ["KEY", ...] (ARG and ENV names
 *                that look like credentials, with or without a value),
 *                "redacted": true
 *                when a value was replaced (see redact.h)
 *        WORKDIR: "path", "absolute"
 *        ADD COPY: "sources": [...], "dest": "...", "from": "--from" value
 *                or null, "from_stage": index or null, "remote": true when
 *                a source is a URL or git reference
 *        VOLUME: "paths"; STOPSIGNAL: "signal"; SHELL: uses "args"
 *        MAINTAINER: "maintainer"
 *        HEALTHCHECK: "none": true, or "form"/"args"/"shell"/"command"
 *        ONBUILD: "instruction": the inner instruction parsed (no
 *                substitution, no effect on the stage)
 *   }]}
 *
 * Substitution ($VAR, ${VAR}, ${VAR:-w}, ${VAR-w}, ${VAR:+w}, ${VAR+w})
 * follows Docker's scoping: a global ARG is visible in FROM lines and in a
 * stage only where redeclared; ENV carries to later instructions of the
 * stage and to stages built FROM it; ENV wins over ARG. ARG defaults are
 * taken as the values (a --build-arg may override them); an ARG without
 * default, or an unsupported expansion, is dynamic and left as written.
 * RUN, CMD and ENTRYPOINT are never substituted (the shell does that).
 *
 * Bounds (dockerfile_int.h): 10000 instructions, and 32 MiB of variable
 * values made by substitution, stored, or inherited by stages; past either
 * the file is an error naming file:line and the limit. Variable and stage
 * name lookups are hashed, so the work is linear in the file.
 *
 * Values of ENV, ARG and LABEL keys that look like credentials, and values
 * built from such variables, are replaced by redact_value() so the
 * plaintext is never stored.
 */
#ifndef FOURC_DOCKERFILE_PARSE_H
#define FOURC_DOCKERFILE_PARSE_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

/* Longest logical instruction (continuations and heredocs included). */
#define DOCKERFILE_MAX_INSTRUCTION (1024 * 1024)

/*
 * Parses len bytes of text (need not be NUL-terminated); path names the
 * file in the document and in errors ("path:line: unknown instruction
 * FOO"). On success *out is a new reference and 0 is returned; on error
 * *out is NULL and -1 is returned with e filled.
 */
int dockerfile_parse(const char *text, size_t len, const char *path,
                     json_t **out, struct err *e);

#endif
