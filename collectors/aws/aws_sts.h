/*
 * aws_sts.h: the two STS calls a scan needs, over aws_call: AssumeRole
 * (the aws_assume_role_fn that aws_creds_resolve takes for role_arn
 * profiles) and GetCallerIdentity (the account id recorded with a scan).
 */
#ifndef FOURC_AWS_STS_H
#define FOURC_AWS_STS_H

#include "aws_call.h"
#include "aws_creds.h"

/* What aws_sts_assume_role needs besides its arguments: the HTTP client
 * and the endpoint override (NULL: STS's own). */
struct aws_sts {
    struct http *http;
    const char *endpoint;
};

/* An aws_assume_role_fn; arg is a struct aws_sts. Region NULL signs for
 * us-east-1 (the global endpoint). */
int aws_sts_assume_role(void *arg, const struct aws_creds *source,
                        const char *role_arn, const char *role_session_name,
                        const char *external_id, int duration_s,
                        const char *region, struct aws_creds *out,
                        struct err *e);

/* GetCallerIdentity with c's credentials: *account ("123456789012") and
 * *arn, new strings. 0, or -1 with e naming the call. */
int aws_sts_caller_identity(struct aws_client *c, const char *region,
                            char **account, char **arn, struct err *e);

#endif
