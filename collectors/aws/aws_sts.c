/* aws_sts.c: STS AssumeRole and GetCallerIdentity over the query protocol. */
#include "aws_sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

#define AWS_STS_VERSION "2011-06-15"

/* The string at the '/'-separated path under doc, or NULL. */
static const char *aws_sts_at(const json_t *doc, const char *path)
{
    char key[64];
    const char *slash;

    while (doc && (slash = strchr(path, '/'))) {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        doc = json_object_get(doc, key);
        path = slash + 1;
    }
    return json_string_value(json_object_get(doc, path));
}

int aws_sts_assume_role(void *arg, const struct aws_creds *source,
                        const char *role_arn, const char *role_session_name,
                        const char *external_id, int duration_s,
                        const char *region, struct aws_creds *out,
                        struct err *e)
{
    const struct aws_sts *sts = arg;
    struct aws_client c;
    struct aws_call_err ce;
    struct strbuf p[4] = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
    const char *params[5];
    const char *akid, *secret, *token, *exp;
    size_t n = 0, i;
    json_t *doc;
    int rc = -1;

    memset(&c, 0, sizeof(c));
    c.http = sts->http;
    c.endpoint = sts->endpoint;
    c.access_key = source->access_key_id;
    c.secret_key = source->secret_access_key;
    c.session_token = source->session_token;
    sb_addf(&p[n], "RoleArn=%s", role_arn);
    params[n] = sb_str(&p[n]);
    n++;
    sb_addf(&p[n], "RoleSessionName=%s", role_session_name);
    params[n] = sb_str(&p[n]);
    n++;
    if (external_id) {
        sb_addf(&p[n], "ExternalId=%s", external_id);
        params[n] = sb_str(&p[n]);
        n++;
    }
    if (duration_s > 0) {
        sb_addf(&p[n], "DurationSeconds=%d", duration_s);
        params[n] = sb_str(&p[n]);
        n++;
    }
    params[n] = NULL;
    {
        struct aws_query q = {"sts",
                              region ? region : "us-east-1",
                              AWS_STS_VERSION,
                              "AssumeRole",
                              params,
                              NULL,
                              NULL,
                              NULL,
                              NULL};
        doc = aws_query_once(&c, &q, &ce, e);
    }
    for (i = 0; i < n; i++)
        sb_release(&p[i]);
    if (!doc)
        return -1;
    akid = aws_sts_at(doc, "AssumeRoleResult/Credentials/AccessKeyId");
    secret = aws_sts_at(doc, "AssumeRoleResult/Credentials/SecretAccessKey");
    token = aws_sts_at(doc, "AssumeRoleResult/Credentials/SessionToken");
    exp = aws_sts_at(doc, "AssumeRoleResult/Credentials/Expiration");
    if (!akid || !*akid || !secret || !*secret || !token || !*token) {
        err_set(e,
                "aws sts AssumeRole %s: the answer holds no credentials "
                "(AccessKeyId, SecretAccessKey and SessionToken)",
                role_arn);
        goto out;
    }
    out->access_key_id = xstrdup(akid);
    out->secret_access_key = xstrdup(secret);
    out->session_token = xstrdup(token);
    out->expiry = exp ? rfc3339_parse(exp) : 0;
    if (out->expiry == (time_t)-1)
        out->expiry = 0; /* unreadable: treated as not expiring this scan */
    rc = 0;
out:
    aws_wipe_json(doc);
    json_decref(doc);
    return rc;
}

int aws_sts_caller_identity(struct aws_client *c, const char *region,
                            char **account, char **arn, struct err *e)
{
    struct aws_query q = {"sts",
                          region ? region : "us-east-1",
                          AWS_STS_VERSION,
                          "GetCallerIdentity",
                          NULL,
                          NULL,
                          NULL,
                          NULL,
                          NULL};
    struct aws_call_err ce;
    json_t *doc = aws_query_once(c, &q, &ce, e);
    const char *a, *r;
    int rc = -1;

    if (!doc)
        return -1;
    a = aws_sts_at(doc, "GetCallerIdentityResult/Account");
    r = aws_sts_at(doc, "GetCallerIdentityResult/Arn");
    if (!a || strlen(a) != 12 || strspn(a, "0123456789") != 12) {
        err_set(e,
                "aws sts GetCallerIdentity %s: the answer holds no "
                "12-digit account id",
                q.region);
    } else {
        *account = xstrdup(a);
        *arn = xstrdup(r ? r : "");
        rc = 0;
    }
    json_decref(doc);
    return rc;
}
