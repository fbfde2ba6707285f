/*
 * aws.c: the cloud collector, `--aws [--aws-profile P] [--region R]...
 * [--aws-endpoint URL]`: one AWS account, audited through its APIs.
 *
 * Credentials and regions are found the way the AWS CLI finds them
 * (aws_creds.c); STS GetCallerIdentity names the account, which is
 * recorded with the scan (the target's "aws" entry). Without --region (or
 * a configured region) the account's enabled regions come from EC2
 * DescribeRegions. Each service module (aws_int.h, the table in
 * aws_services.def) whose kinds some rule of the scan names runs once per
 * region, or once for a global service, as jobs on a pool of at most
 * --aws-concurrency threads, each thread with its own HTTP handle: the
 * regions and services are fetched at the same time, each response once.
 * Storing is serialised here.
 *
 * What cannot be reached at all (no credentials, a profile that does not
 * exist, an expired token, an endpoint refusing connections) is one error
 * line and COLLECT_UNREACHABLE. A region or a call that fails costs the
 * rules of what it would have given, in that region only (aws_kind_failed,
 * aws_unavailable); the rest of the account is judged.
 *
 * `fixture:FILE.aws.json` (for `fourc rules test`) reads resource
 * documents from a file instead: {"account": "...", "resources": [{"kind",
 * "id", "name", "region", "arn", "doc"}]}, emitted as a scan would.
 */
#include "collector.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_call.h"
#include "aws_creds.h"
#include "aws_int.h"
#include "aws_sts.h"
#include "log.h"
#include "util.h"
#include "banned.h"

#define AWS_CONCURRENCY 8
#define AWS_TIMEOUT 60 /* s: an answer's deadline */
#define AWS_MAX_REGIONS 64
#define AWS_FIXTURE_MAX (16u << 20)

/* The service modules (aws_services.def: one AWS_SERVICE(name) line each,
 * defining `const struct aws_service aws_service_<name>`). */
#define AWS_SERVICE(n) extern const struct aws_service aws_service_##n;
#include "aws_services.def"
#undef AWS_SERVICE
#define AWS_SERVICE(n) &aws_service_##n,
const struct aws_service *const aws_services[] = {
#include "aws_services.def"
    NULL};
#undef AWS_SERVICE

struct aws_opts {
    const char *profile;
    const char *regions[AWS_MAX_REGIONS];
    size_t nregions;
    const char *endpoint;
    const char *ca_bundle;
    int no_verify;
    long timeout;
    long concurrency;
};

struct aws_scan {
    struct collect_ctx *ctx;
    const struct aws_opts *o;
    pthread_mutex_t lock; /* the ctx, account, warned, counts, next */
    json_t *account;      /* the aws/Account document being assembled */
    json_t *warned;       /* warnings already given */
    char *account_id;
    char partition[16]; /* "aws", "aws-cn", "aws-us-gov": from the ARN */
    struct aws_session sess;
    struct http_opts hopts;
    struct aws_stats *stats; /* every request, by service */
    /* the jobs, and the next one to take */
    struct aws_job *jobs;
    const struct aws_service **job_svc;
    size_t njobs, next, done;
    int failed; /* a job's store failed: stop */
    struct err err;
};

/* ---- what modules call ------------------------------------------------- */

static void aws_lock(struct aws_scan *s)
{
    pthread_mutex_lock(&s->lock);
}

static void aws_unlock(struct aws_scan *s)
{
    pthread_mutex_unlock(&s->lock);
}

void aws_region_uid(const char *account, const char *region, char *out,
                    size_t cap)
{
    snprintf(out, cap, "aws/%s/%s/Region/%s", account, region, region);
}

static int aws_emit_locked(struct collect_ctx *ctx, const char *account,
                           const char *kind, const char *region, const char *id,
                           const char *name, const char *arn, json_t *doc,
                           struct err *e)
{
    struct strbuf uid = STRBUF_INIT, src = STRBUF_INIT;
    const char *shortk = strncmp(kind, "aws/", 4) == 0 ? kind + 4 : kind;
    struct resource r;
    int rc;

    if (!json_is_object(doc)) {
        json_decref(doc);
        return err_set(e, "internal: %s %s: document is not an object", kind,
                       id);
    }
    json_object_set_new(doc, "account", json_string(account));
    json_object_set_new(doc, "region", json_string_lossy(region));
    if (arn)
        json_object_set_new(doc, "arn", json_string_lossy(arn));
    sb_addf(&uid, "aws/%s/%s/%s/%s", account, region, shortk, id);
    sb_addf(&src, "aws://%s/%s/", account, region);
    if (arn)
        sb_adds(&src, arn);
    else
        sb_addf(&src, "%s/%s", shortk, id);
    r.kind = kind;
    r.uid = sb_str(&uid);
    r.name = name ? name : id;
    r.namespace = NULL;
    r.source = sb_str(&src);
    r.doc = doc;
    rc = ctx->emit(ctx, &r, e);
    json_decref(doc);
    sb_release(&uid);
    sb_release(&src);
    return rc ? -1 : 0;
}

int aws_emit(struct aws_job *j, const char *kind, const char *region,
             const char *id, const char *name, const char *arn, json_t *doc,
             struct err *e)
{
    struct aws_scan *s = j->scan;
    int rc;

    aws_lock(s);
    rc = aws_emit_locked(s->ctx, j->account, kind, region ? region : j->region,
                         id, name, arn, doc, e);
    if (rc)
        s->failed = 1;
    aws_unlock(s);
    return rc;
}

int aws_kind_failed(struct aws_job *j, const char *scope_uid, const char *kind,
                    const char *msg, struct err *e)
{
    struct aws_scan *s = j->scan;
    struct collect_ctx *ctx = s->ctx;
    int rc = 0;

    aws_lock(s);
    if (ctx->kind_not_evaluated)
        rc = ctx->kind_not_evaluated(ctx, scope_uid ? scope_uid : j->scope_uid,
                                     kind, msg, e);
    else
        rc = ctx->not_evaluated(ctx, kind, msg, e);
    if (rc)
        s->failed = 1;
    aws_unlock(s);
    return rc ? -1 : 0;
}

json_t *aws_unavailable(const struct aws_call_err *ce, const struct err *ce_e)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *v;

    if (ce && ce->kind == AWS_ERR_DENIED)
        sb_adds(&sb, "access denied: ");
    sb_adds(&sb, ce_e && ce_e->msg[0] ? ce_e->msg : "the call failed");
    v = json_pack("{s:o}", "$error", json_string_lossy(sb_str(&sb)));
    sb_release(&sb);
    return v;
}

int aws_account_set(struct aws_job *j, const char *key, json_t *value,
                    struct err *e)
{
    (void)e;
    aws_lock(j->scan);
    json_object_set_new(j->scan->account, key, value);
    aws_unlock(j->scan);
    return 0;
}

int aws_account_set_region(struct aws_job *j, const char *region,
                           const char *key, json_t *value, struct err *e)
{
    json_t *regions, *r;

    (void)e;
    aws_lock(j->scan);
    regions = json_object_get(j->scan->account, "regions");
    r = json_object_get(regions, region);
    if (!r) {
        r = json_pack("{s:s}", "region", region);
        json_object_set_new(regions, region, r);
    }
    json_object_set_new(r, key, value);
    aws_unlock(j->scan);
    return 0;
}

void aws_warn(struct aws_job *j, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;
    char buf[1024];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    sb_adds(&sb, buf);
    aws_lock(j->scan);
    if (!json_object_get(j->scan->warned, sb_str(&sb))) {
        json_object_set_new(j->scan->warned, sb_str(&sb), json_true());
        log_warn("%s", sb_str(&sb));
    }
    aws_unlock(j->scan);
    sb_release(&sb);
}

/* ---- the fixture reader ------------------------------------------------ */

static int aws_fixture(const char *path, struct collect_ctx *ctx, struct err *e)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *list;
    const char *account;
    size_t i;
    int rc = 0;

    if (!root)
        return err_set(e, "%s:%d: %s", path, je.line, je.text);
    account = json_string_value(json_object_get(root, "account"));
    if (!account)
        account = "123456789012";
    list = json_object_get(root, "resources");
    if (!json_is_array(list)) {
        json_decref(root);
        return err_set(e, "%s: expected {\"resources\": [...]}", path);
    }
    for (i = 0; i < json_array_size(list) && rc == 0; i++) {
        json_t *x = json_array_get(list, i);
        const char *kind = json_string_value(json_object_get(x, "kind"));
        const char *id = json_string_value(json_object_get(x, "id"));
        const char *region = json_string_value(json_object_get(x, "region"));
        json_t *doc = json_object_get(x, "doc");
        if (!kind || !id || !json_is_object(doc) ||
            strncmp(kind, "aws/", 4) != 0) {
            rc = err_set(e,
                         "%s: resources[%zu]: expected kind (aws/...), id "
                         "and doc (an object)",
                         path, i);
            break;
        }
        rc = aws_emit_locked(ctx, account, kind, region ? region : "us-east-1",
                             id, json_string_value(json_object_get(x, "name")),
                             json_string_value(json_object_get(x, "arn")),
                             json_deep_copy(doc), e);
    }
    json_decref(root);
    return rc;
}

/* ---- the live collector ------------------------------------------------ */

static int aws_wanted(const struct collect_ctx *ctx, const char *const *kinds)
{
    const char *const *k, *const *want;

    if (!ctx->rule_kinds)
        return 1;
    for (want = ctx->rule_kinds; *want; want++) {
        if (strcmp(*want, "aws/*") == 0)
            return 1;
        for (k = kinds; k && *k; k++)
            if (strcmp(*k, *want) == 0)
                return 1;
    }
    return 0;
}

static int aws_client_init(struct aws_scan *s, struct aws_client *c,
                           struct err *e)
{
    memset(c, 0, sizeof(*c));
    c->http = http_new(&s->hopts, e);
    if (!c->http)
        return -1;
    c->endpoint = s->o->endpoint;
    c->access_key = s->sess.creds.access_key_id;
    c->secret_key = s->sess.creds.secret_access_key;
    c->session_token = s->sess.creds.session_token;
    c->stats = s->stats;
    return 0;
}

static void *aws_worker(void *arg)
{
    struct aws_scan *s = arg;
    struct aws_client c;
    struct err e;

    if (aws_client_init(s, &c, &e)) {
        aws_lock(s);
        if (!s->failed) {
            s->failed = 1;
            s->err = e;
        }
        aws_unlock(s);
        return NULL;
    }
    for (;;) {
        struct aws_job *j;
        const struct aws_service *svc;
        size_t i;
        int rc;

        aws_lock(s);
        if (s->failed || s->next == s->njobs) {
            aws_unlock(s);
            break;
        }
        i = s->next++;
        aws_unlock(s);
        j = &s->jobs[i];
        svc = s->job_svc[i];
        j->client = &c;
        rc = svc->collect(j, &e);
        aws_lock(s);
        s->done++;
        progress_update(s->done, svc->name);
        if (rc && !s->failed) {
            s->failed = 1;
            s->err = e;
        }
        aws_unlock(s);
    }
    http_free(c.http);
    return NULL;
}

/* Runs the jobs on at most o->concurrency threads. */
static int aws_run_jobs(struct aws_scan *s, struct err *e)
{
    size_t n = (size_t)s->o->concurrency, i, started = 0;
    pthread_t *th;

    if (n > s->njobs)
        n = s->njobs;
    if (n == 0)
        return 0;
    th = xcalloc(n, sizeof(*th));
    progress_start("aws", s->njobs);
    for (i = 0; i < n; i++) {
        if (pthread_create(&th[i], NULL, aws_worker, s) != 0)
            break;
        started++;
    }
    if (started == 0)
        aws_worker(s);
    for (i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    progress_done();
    free(th);
    if (s->failed) {
        *e = s->err;
        return -1;
    }
    return 0;
}

/* The regions to scan: the session's, else DescribeRegions'. */
static int aws_regions(struct aws_scan *s, struct aws_client *c, char ***out,
                       size_t *n, struct err *e)
{
    static const char *const params[] = {NULL};
    const struct aws_query q = {.service = "ec2",
                                .region = "us-east-1",
                                .version = "2016-11-15",
                                .action = "DescribeRegions",
                                .params = params,
                                .list = "regionInfo"};
    struct aws_call_err ce;
    json_t *list, *x;
    size_t i;

    if (s->sess.nregions) {
        *out = xcalloc(s->sess.nregions + 1, sizeof(char *));
        for (i = 0; i < s->sess.nregions; i++)
            (*out)[i] = xstrdup(s->sess.regions[i]);
        *n = s->sess.nregions;
        return 0;
    }
    list = aws_query_list(c, &q, &ce, e);
    if (!list) {
        struct err was = *e;
        return err_set(e, "%s (name the regions with --region)", was.msg);
    }
    *out = xcalloc(json_array_size(list) + 1, sizeof(char *));
    *n = 0;
    json_array_foreach(list, i, x)
    {
        const char *name = json_string_value(json_object_get(x, "regionName"));
        /* regions of another partition (an emulator lists every one)
         * take other credentials */
        if (name && (strncmp(name, "cn-", 3) == 0) !=
                        (strcmp(s->partition, "aws-cn") == 0))
            continue;
        if (name && (strncmp(name, "us-gov-", 7) == 0) !=
                        (strcmp(s->partition, "aws-us-gov") == 0))
            continue;
        if (name && *n < AWS_MAX_REGIONS)
            (*out)[(*n)++] = xstrdup(name);
    }
    json_decref(list);
    if (*n == 0)
        return err_set(e, "aws ec2 DescribeRegions: no region is enabled");
    return 0;
}

static void aws_free_regions(char **r)
{
    for (size_t i = 0; r && r[i]; i++)
        free(r[i]);
    free(r);
}

/* What the scan records of the account (the JSON report's
 * scan.targets[].aws). */
static json_t *aws_info(struct aws_scan *s, const char *arn, char **regions,
                        size_t nregions)
{
    json_t *info = json_pack("{s:s, s:s, s:s}", "account", s->account_id, "arn",
                             arn, "partition", s->partition),
           *r = json_array();
    size_t i;

    for (i = 0; i < nregions; i++)
        json_array_append_new(r, json_string(regions[i]));
    json_object_set_new(info, "regions", r);
    json_object_set_new(
        info, "regions_from",
        json_string(s->sess.nregions ? "configuration" : "DescribeRegions"));
    if (s->sess.profile)
        json_object_set_new(info, "profile",
                            json_string_lossy(s->sess.profile));
    if (s->sess.creds.source)
        json_object_set_new(info, "credentials",
                            json_string_lossy(s->sess.creds.source));
    if (s->o->endpoint)
        json_object_set_new(info, "endpoint",
                            json_string_lossy(s->o->endpoint));
    return info;
}

/* The jobs: each wanted service once per region, a global one once. */
static void aws_plan(struct aws_scan *s, char **regions, size_t nregions,
                     char (*scopes)[256])
{
    size_t i, k, n = 0;

    for (i = 0; aws_services[i]; i++)
        if (aws_wanted(s->ctx, aws_services[i]->kinds))
            n += aws_services[i]->global ? 1 : nregions;
    s->jobs = xcalloc(n ? n : 1, sizeof(*s->jobs));
    s->job_svc = xcalloc(n ? n : 1, sizeof(*s->job_svc));
    for (i = 0; aws_services[i]; i++) {
        const struct aws_service *svc = aws_services[i];
        if (!aws_wanted(s->ctx, svc->kinds))
            continue;
        for (k = 0; k < (svc->global ? 1 : nregions); k++) {
            struct aws_job *j = &s->jobs[s->njobs];
            j->scan = s;
            j->account = s->account_id;
            j->partition = s->partition;
            j->region = svc->global ? "us-east-1" : regions[k];
            j->regions = (const char *const *)regions;
            j->scope_uid = svc->global ? NULL : scopes[k];
            s->job_svc[s->njobs++] = svc;
        }
    }
}

static int aws_live(const struct aws_opts *o, struct collect_ctx *ctx,
                    struct err *e)
{
    struct aws_scan s;
    struct aws_sts sts;
    struct aws_creds_opts co;
    struct aws_client c;
    char **regions = NULL, *arn = NULL, (*scopes)[256] = NULL;
    size_t nregions = 0, i;
    int rc = COLLECT_UNREACHABLE;
    struct timespec t0, t1;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&s, 0, sizeof(s));
    memset(&c, 0, sizeof(c));
    pthread_mutex_init(&s.lock, NULL);
    s.ctx = ctx;
    s.o = o;
    s.warned = json_object();
    s.stats = aws_stats_new();
    s.hopts.timeout_hint = "--aws-timeout";
    s.hopts.ca_file = o->ca_bundle;
    s.hopts.insecure = o->no_verify;
    s.hopts.allow_http = o->endpoint && strncmp(o->endpoint, "http://", 7) == 0;
    s.hopts.deadline = o->timeout;
    s.hopts.stall_timeout = o->timeout;
    s.hopts.no_redirects = 1; /* S3 redirects are followed, re-signed */

    /* STS for role profiles, over its own handle */
    sts.endpoint = o->endpoint;
    sts.http = http_new(&s.hopts, e);
    if (!sts.http)
        goto out;
    memset(&co, 0, sizeof(co));
    co.profile = o->profile;
    co.regions = o->regions;
    co.nregions = o->nregions;
    co.assume_role = aws_sts_assume_role;
    co.assume_role_arg = &sts;
    if (aws_creds_resolve(&co, &s.sess, e))
        goto out;
    if (aws_client_init(&s, &c, e))
        goto out;
    if (aws_sts_caller_identity(
            &c, s.sess.nregions ? s.sess.regions[0] : "us-east-1",
            &s.account_id, &arn, e))
        goto out;
    snprintf(s.partition, sizeof(s.partition), "aws");
    if (strncmp(arn, "arn:", 4) == 0 && strchr(arn + 4, ':') &&
        strchr(arn + 4, ':') - (arn + 4) < (long)sizeof(s.partition))
        snprintf(s.partition, sizeof(s.partition), "%.*s",
                 (int)(strchr(arn + 4, ':') - (arn + 4)), arn + 4);
    if (aws_regions(&s, &c, &regions, &nregions, e))
        goto out; /* no region known: nothing of the account can be read */
    rc = -1;
    log_info("aws: account %s as %s, %zu region%s", s.account_id, arn, nregions,
             nregions == 1 ? "" : "s");
    if (ctx->target_info &&
        ctx->target_info(ctx, "aws", aws_info(&s, arn, regions, nregions), e))
        goto out;

    /* one aws/Region per region: the scope of its kinds' failures */
    scopes = xcalloc(nregions ? nregions : 1, sizeof(*scopes));
    s.account = json_pack("{s:s, s:o}", "account_id", s.account_id, "regions",
                          json_object());
    for (i = 0; i < nregions; i++) {
        aws_region_uid(s.account_id, regions[i], scopes[i], sizeof(scopes[i]));
        json_object_set_new(json_object_get(s.account, "regions"), regions[i],
                            json_pack("{s:s}", "region", regions[i]));
        if (aws_emit_locked(ctx, s.account_id, "aws/Region", regions[i],
                            regions[i], regions[i], NULL,
                            json_pack("{s:s}", "name", regions[i]), e))
            goto out;
    }
    aws_plan(&s, regions, nregions, scopes);
    if (aws_run_jobs(&s, e))
        goto out;
    /* the account last: every module has added its part */
    json_object_set_new(s.account, "caller_arn", json_string_lossy(arn));
    rc = aws_emit_locked(ctx, s.account_id, "aws/Account", "global",
                         s.account_id, s.account_id, NULL,
                         json_incref(s.account), e);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc == 0) {
        struct strbuf by = STRBUF_INIT;
        long total, repeated;
        aws_stats_summary(s.stats, &by, &total, &repeated);
        log_info("aws: %ld requests (%s), %ld repeated, in %.2f s", total,
                 sb_str(&by), repeated,
                 (double)(t1.tv_sec - t0.tv_sec) +
                     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        sb_release(&by);
    }
out:
    if (c.http)
        http_free(c.http);
    if (sts.http)
        http_free(sts.http);
    aws_session_release(&s.sess);
    aws_free_regions(regions);
    free(scopes);
    free(arn);
    free(s.account_id);
    free(s.jobs);
    free(s.job_svc);
    json_decref(s.account);
    json_decref(s.warned);
    aws_stats_free(s.stats);
    pthread_mutex_destroy(&s.lock);
    return rc;
}

static int aws_collect(const struct target *t, struct collect_ctx *ctx,
                       struct err *e)
{
    static const struct aws_opts defaults = {.timeout = AWS_TIMEOUT,
                                             .concurrency = AWS_CONCURRENCY};
    const struct aws_opts *o = t->opts ? t->opts : &defaults;

    if (strncmp(t->ref, "fixture:", 8) == 0)
        return aws_fixture(t->ref + 8, ctx, e);
    return aws_live(o, ctx, e);
}

static int aws_check(const struct target *t, struct err *e)
{
    if (strncmp(t->ref, "fixture:", 8) == 0 || strcmp(t->ref, "aws") == 0)
        return 0;
    return err_set(e, "--aws takes no value (got %s)", t->ref);
}

/* ---- options ----------------------------------------------------------- */

static void *aws_opts_new(void)
{
    struct aws_opts *o = xcalloc(1, sizeof(*o));

    o->timeout = AWS_TIMEOUT;
    o->concurrency = AWS_CONCURRENCY;
    return o;
}

static void aws_opts_free(void *state)
{
    free(state);
}

static int aws_set_profile(void *state, const char *v, struct err *e)
{
    if (!*v)
        return err_set(e, "--aws-profile: expected a profile name");
    ((struct aws_opts *)state)->profile = v;
    return 0;
}

static int aws_set_region(void *state, const char *v, struct err *e)
{
    struct aws_opts *o = state;

    if (o->nregions == AWS_MAX_REGIONS)
        return err_set(e, "--region: at most %d regions", AWS_MAX_REGIONS);
    o->regions[o->nregions++] = v;
    return 0;
}

static int aws_set_endpoint(void *state, const char *v, struct err *e)
{
    if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
        return err_set(e,
                       "--aws-endpoint %s: expected an http:// or "
                       "https:// URL",
                       v);
    ((struct aws_opts *)state)->endpoint = v;
    return 0;
}

static int aws_set_ca(void *state, const char *v, struct err *e)
{
    if (!*v)
        return err_set(e, "--aws-ca-bundle: expected a file");
    ((struct aws_opts *)state)->ca_bundle = v;
    return 0;
}

static int aws_set_no_verify(void *state, const char *v, struct err *e)
{
    (void)v;
    (void)e;
    ((struct aws_opts *)state)->no_verify = 1;
    return 0;
}

static int aws_set_long(const char *opt, const char *v, long lo, long hi,
                        long *out, struct err *e)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (end == v || *end || n < lo || n > hi)
        return err_set(e, "--%s %s: expected a number from %ld to %ld", opt, v,
                       lo, hi);
    *out = n;
    return 0;
}

static int aws_set_timeout(void *state, const char *v, struct err *e)
{
    return aws_set_long("aws-timeout", v, 1, 3600,
                        &((struct aws_opts *)state)->timeout, e);
}

static int aws_set_concurrency(void *state, const char *v, struct err *e)
{
    return aws_set_long("aws-concurrency", v, 1, 64,
                        &((struct aws_opts *)state)->concurrency, e);
}

/* AWS_CA_BUNDLE as the CLI reads it, when --aws-ca-bundle is not given. */
static int aws_opts_done(void *state, struct err *e)
{
    struct aws_opts *o = state;

    (void)e;
    if (!o->ca_bundle && getenv("AWS_CA_BUNDLE") && *getenv("AWS_CA_BUNDLE"))
        o->ca_bundle = getenv("AWS_CA_BUNDLE");
    return 0;
}

static const struct collector_opt aws_options[] = {
    {"aws-profile", "PROFILE",
     "the profile of ~/.aws/config and ~/.aws/credentials\n(else "
     "AWS_ACCESS_KEY_ID..., AWS_PROFILE, default)",
     0, aws_set_profile},
    {"region", "REGION",
     "a region to audit (repeatable; else AWS_REGION,\nthe profile's "
     "region, or every enabled region)",
     1, aws_set_region},
    {"aws-endpoint", "URL",
     "send every request to URL (an emulator, a private\ncloud, a test "
     "server)",
     0, aws_set_endpoint},
    {"aws-ca-bundle", "FILE",
     "CA certificates for TLS to AWS (else AWS_CA_BUNDLE)", 0, aws_set_ca},
    {"aws-no-verify-ssl", NULL, "do not verify AWS's TLS certificates", 0,
     aws_set_no_verify},
    {"aws-timeout", "SECONDS", "how long one AWS answer may take (default 60)",
     0, aws_set_timeout},
    {"aws-concurrency", "N",
     "requests in flight at once, across regions and\nservices (default 8)", 0,
     aws_set_concurrency},
    {NULL, NULL, NULL, 0, NULL}};

const struct collector collector_aws = {
    .name = "aws",
    .summary = "an AWS account, through its APIs",
    .arg = NULL, /* --aws takes no value */
    .help = "an AWS account: IAM, S3, EC2, VPC, RDS, CloudTrail,\nConfig, "
            "KMS, CloudWatch (credentials and regions as\nthe AWS CLI "
            "finds them)",
    .target_once = 1,
    .opts = aws_options,
    .opts_new = aws_opts_new,
    .opts_done = aws_opts_done,
    .opts_free = aws_opts_free,
    .fixture_names = (const char *const[]){"*.aws.json", NULL},
    .fixture_prefix = "fixture:",
    .pillar = "cloud",
    .kind_prefix = "aws/",
    .kinds = (const char *const[]){"aws/Account",
                                   "aws/Region",
                                   "aws/IAMUser",
                                   "aws/IAMGroup",
                                   "aws/IAMRole",
                                   "aws/IAMPolicy",
                                   "aws/ServerCertificate",
                                   "aws/S3Bucket",
                                   "aws/SecurityGroup",
                                   "aws/NetworkAcl",
                                   "aws/Instance",
                                   "aws/Vpc",
                                   "aws/Trail",
                                   "aws/KMSKey",
                                   "aws/DBInstance",
                                   "aws/EFSFileSystem",
                                   "aws/ConfigRecorder",
                                   "aws/MetricFilter",
                                   "aws/Alarm",
                                   "aws/AccessAnalyzer",
                                   "aws/SecurityHub",
                                   NULL},
    .check = aws_check,
    .collect = aws_collect,
};
