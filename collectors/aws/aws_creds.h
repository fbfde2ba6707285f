/*
 * aws_creds.h: AWS credentials and regions, found the way the AWS CLI
 * finds them.
 *
 * Which credentials:
 *   1. an explicit profile (--aws-profile): that profile, the environment's
 *      keys ignored (the CLI's --profile);
 *   2. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN):
 *      these win over AWS_PROFILE, as in the CLI, which still takes the
 *      region from that profile;
 *   3. the profile AWS_DEFAULT_PROFILE or AWS_PROFILE names, else
 *      "default".
 * A named profile that does not exist is an error even when the
 * environment's keys would do (the CLI fails the same way).
 *
 * Within a profile (the settings of ~/.aws/credentials winning over those
 * of ~/.aws/config, or AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE):
 * role_arn with source_profile or credential_source = Environment (STS
 * AssumeRole through the caller's callback); else static keys of the
 * credentials file; else credential_process; else static keys of the
 * config file. A source profile with static keys gives them; one with
 * only role_arn assumes its own role first. Cycles are errors.
 *
 * Regions: the --region values, else AWS_REGION, else AWS_DEFAULT_REGION,
 * else the profile's region, else none (the caller lists the account's).
 * A region that is not a region name (letters, digits, inner '-') is an
 * error naming where it came from: it becomes part of host names.
 *
 * Secrets (the secret key, the session token) live only in struct
 * aws_creds, are wiped by aws_creds_release, and never appear in an error.
 */
#ifndef FOURC_AWS_CREDS_H
#define FOURC_AWS_CREDS_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "err.h"

struct aws_creds {
    char *access_key_id;
    char *secret_access_key; /* secret: wiped on release */
    char *session_token;     /* secret, NULL when none */
    time_t expiry;           /* 0: does not expire */
    /* Where they came from, for logs: "profile audit (role arn:... via
     * profile base)", "environment (AWS_ACCESS_KEY_ID)". */
    char *source;
};

/* STS AssumeRole, supplied by the caller (the signed query call). Fills
 * out's access_key_id, secret_access_key, session_token and expiry with
 * new allocations (released by aws_creds_release); external_id may be
 * NULL, duration_s 0 (STS's default), region NULL (the global endpoint).
 * 0, or -1 with e set (never quoting a secret). */
typedef int (*aws_assume_role_fn)(void *arg, const struct aws_creds *source,
                                  const char *role_arn,
                                  const char *role_session_name,
                                  const char *external_id, int duration_s,
                                  const char *region, struct aws_creds *out,
                                  struct err *e);

struct aws_creds_opts {
    const char *profile;        /* --aws-profile, NULL when not given */
    const char *const *regions; /* --region values */
    size_t nregions;
    aws_assume_role_fn assume_role; /* NULL: role profiles are errors */
    void *assume_role_arg;
    int process_timeout_s; /* credential_process; 0 means 60 */
};

struct aws_session {
    struct aws_creds creds;
    char *profile; /* the profile the settings came from; NULL: none */
    char **regions;
    size_t nregions; /* 0: none configured */
};

/* Overwrites every string inside doc (recursively): it held credentials.
 * jansson keeps no other copy of a parsed string. */
void aws_wipe_json(json_t *doc);

int aws_creds_resolve(const struct aws_creds_opts *o, struct aws_session *out,
                      struct err *e);

void aws_creds_release(struct aws_creds *c);
void aws_session_release(struct aws_session *s);

/* credential_process (aws_creds_proc.c): splits cmd into argv as the CLI
 * does (POSIX shell quoting, no shell), runs it bounded in time and
 * output, and reads its JSON (Version 1). profile names it in errors. */
int aws_creds_process(const char *profile, const char *cmd, int timeout_s,
                      struct aws_creds *out, struct err *e);

/* The argv cmd stands for, NULL-terminated (free with aws_creds_argv_free);
 * NULL with e set on an unclosed quote or a trailing backslash. */
char **aws_creds_split(const char *cmd, struct err *e);
void aws_creds_argv_free(char **argv);

#endif
