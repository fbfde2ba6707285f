/*
 * aws_s3_eval.c: S3 bucket policies and Block Public Access settings,
 * judged as AWS reads them (see aws_s3_eval.h).
 *
 * Wildcard patterns are run as a small automaton (one state per pattern
 * position), which also answers the two questions a prefix asks: does the
 * pattern match every string starting with "s3:" (a Deny of all S3
 * actions), and does it match any (a NotAction that spares one).
 */
#include "aws_s3_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "banned.h"

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Adds the positions reachable without input: a '*' may match nothing. */
static void nfa_close(const char *pat, size_t n, unsigned char *set)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] && pat[i] == '*')
            set[i + 1] = 1;
}

/* The pattern positions (set, n + 1 of them) alive after reading s. */
static void nfa_run(const char *pat, const char *s, int icase,
                    unsigned char *set, unsigned char *tmp)
{
    size_t n = strlen(pat);

    memset(set, 0, n + 1);
    set[0] = 1;
    nfa_close(pat, n, set);
    for (; *s; s++) {
        int c = icase ? lower((unsigned char)*s) : (unsigned char)*s;
        memset(tmp, 0, n + 1);
        for (size_t i = 0; i < n; i++) {
            int p =
                icase ? lower((unsigned char)pat[i]) : (unsigned char)pat[i];
            if (!set[i])
                continue;
            if (pat[i] == '*')
                tmp[i] = 1;
            else if (pat[i] == '?' || p == c)
                tmp[i + 1] = 1;
        }
        nfa_close(pat, n, tmp);
        memcpy(set, tmp, n + 1);
    }
}

enum prefix_q { MATCH_EXACT, MATCH_ALL_AFTER, MATCH_SOME_AFTER };

static int nfa_ask(const char *pat, const char *s, int icase, enum prefix_q q)
{
    size_t n = strlen(pat);
    unsigned char *set = xmalloc(n + 1), *tmp = xmalloc(n + 1);
    int r = 0;

    nfa_run(pat, s, icase, set, tmp);
    if (q == MATCH_EXACT) {
        r = set[n];
    } else if (q == MATCH_SOME_AFTER) {
        for (size_t i = 0; i <= n && !r; i++)
            r = set[i];
    } else {
        /* Every continuation matches when a live position has only '*'
         * left, at least one of them. */
        for (size_t i = 0; i < n && !r; i++)
            if (set[i] && pat[i] == '*' && strspn(pat + i, "*") == n - i)
                r = 1;
    }
    free(set);
    free(tmp);
    return r;
}

int aws_s3_eval_glob(const char *pat, const char *s, int icase)
{
    return nfa_ask(pat, s, icase, MATCH_EXACT);
}

/* A string or an array of strings, one at a time: the i-th string, NULL
 * past the end; -1 when v is neither (or an item is not a string). */
static int str_at(const json_t *v, size_t i, const char **out)
{
    *out = NULL;
    if (json_is_string(v)) {
        if (i == 0)
            *out = json_string_value(v);
        return 0;
    }
    if (!json_is_array(v))
        return -1;
    if (i >= json_array_size(v))
        return 0;
    if (!json_is_string(json_array_get(v, i)))
        return -1;
    *out = json_string_value(json_array_get(v, i));
    return 0;
}

/* 1: the principal is everyone; 0: not; -1 malformed. */
static int tls_everyone(const json_t *p)
{
    const char *s;

    if (json_is_string(p))
        return !strcmp(json_string_value(p), "*");
    if (!json_is_object(p))
        return -1;
    p = json_object_get(p, "AWS");
    if (!p)
        return 0;
    for (size_t i = 0;; i++) {
        if (str_at(p, i, &s) < 0)
            return -1;
        if (!s)
            return 0;
        if (!strcmp(s, "*"))
            return 1;
    }
}

/* 1: the statement's actions include every S3 action; 0: not; -1. */
static int tls_all_actions(const json_t *st)
{
    const json_t *a = json_object_get(st, "Action");
    const json_t *na = json_object_get(st, "NotAction");
    const char *s;

    if (a && na)
        return -1;
    if (!a && !na)
        return 0;
    for (size_t i = 0;; i++) {
        if (str_at(a ? a : na, i, &s) < 0)
            return -1;
        if (!s)
            return a ? 0 : 1; /* NotAction: none spares an S3 action */
        if (a && nfa_ask(s, "s3:", 1, MATCH_ALL_AFTER))
            return 1;
        if (na && nfa_ask(s, "s3:", 1, MATCH_SOME_AFTER))
            return 0;
    }
}

/* Which of the bucket and its objects the statement's resources cover
 * (bit 1: the bucket, bit 2: every object); -1 when malformed. */
static int tls_resources(const json_t *st, const char *bucket_arn,
                         const char *objects_prefix)
{
    const json_t *r = json_object_get(st, "Resource");
    const json_t *nr = json_object_get(st, "NotResource");
    const char *s;
    int cov = r ? 0 : 3;

    if (r && nr)
        return -1;
    if (!r && !nr)
        return 0;
    for (size_t i = 0;; i++) {
        if (str_at(r ? r : nr, i, &s) < 0)
            return -1;
        if (!s)
            return cov;
        if (r) {
            if (aws_s3_eval_glob(s, bucket_arn, 0))
                cov |= 1;
            if (nfa_ask(s, objects_prefix, 0, MATCH_ALL_AFTER))
                cov |= 2;
        } else {
            /* NotResource: the statement covers what no entry names. */
            if (aws_s3_eval_glob(s, bucket_arn, 0))
                cov &= ~1;
            if (nfa_ask(s, objects_prefix, 0, MATCH_SOME_AFTER))
                cov &= ~2;
        }
    }
}

/* 1: the value of aws:SecureTransport matches a request without TLS
 * ("false", any case, or false, alone or in a list); 0: not; -1. */
static int tls_false_value(const json_t *v)
{
    if (json_is_false(v))
        return 1;
    if (json_is_true(v))
        return 0;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strlen(s) == 5 && lower(s[0]) == 'f' && lower(s[1]) == 'a' &&
            lower(s[2]) == 'l' && lower(s[3]) == 's' && lower(s[4]) == 'e')
            return 1;
        return 0;
    }
    if (json_is_array(v)) {
        size_t i;
        const json_t *x;
        int any = 0;
        json_array_foreach(v, i, x)
        {
            int r = tls_false_value(x);
            if (r < 0 || json_is_array(x))
                return -1;
            any |= r;
        }
        return any;
    }
    return -1;
}

static int key_is_secure_transport(const char *k)
{
    const char *want = "aws:securetransport";
    for (; *k && *want; k++, want++)
        if (lower((unsigned char)*k) != *want)
            return 0;
    return !*k && !*want;
}

/* 1: the statement applies to every request without TLS; 0: something
 * narrows it; -1 malformed. */
static int tls_condition(const json_t *st)
{
    const json_t *c = json_object_get(st, "Condition");
    const char *op, *key;
    const json_t *keys, *v;
    int saw = 0;

    if (!c)
        return 1;
    if (!json_is_object(c))
        return -1;
    json_object_foreach((json_t *)c, op, keys)
    {
        if (!json_is_object(keys))
            return -1;
        if (strcmp(op, "Bool") && strcmp(op, "BoolIfExists"))
            return 0; /* another operator narrows the Deny */
        json_object_foreach((json_t *)keys, key, v)
        {
            int r;
            if (!key_is_secure_transport(key))
                return 0;
            r = tls_false_value(v);
            if (r <= 0)
                return r;
            saw = 1;
        }
    }
    return saw || json_object_size(c) == 0 ? 1 : 0;
}

static int tls_statement(const json_t *st, const char *bucket_arn,
                         const char *objects_prefix, char *why, size_t cap)
{
    const json_t *eff = json_object_get(st, "Effect");
    const json_t *pr = json_object_get(st, "Principal");
    int r, cov;

    if (!json_is_object(st))
        return snprintf(why, cap, "a Statement is not an object"), -1;
    if (!json_is_string(eff))
        return snprintf(why, cap, "a Statement's Effect is not a string"), -1;
    if (strcmp(json_string_value(eff), "Deny"))
        return 0;
    if (json_object_get(st, "NotPrincipal") || !pr)
        return 0; /* some principals are spared */
    if ((r = tls_everyone(pr)) <= 0) {
        if (r < 0)
            snprintf(why, cap, "a Statement's Principal is malformed");
        return r;
    }
    if ((r = tls_all_actions(st)) <= 0) {
        if (r < 0)
            snprintf(why, cap, "a Statement's Action is malformed");
        return r;
    }
    if ((r = tls_condition(st)) <= 0) {
        if (r < 0)
            snprintf(why, cap, "a Statement's Condition is malformed");
        return r;
    }
    if ((cov = tls_resources(st, bucket_arn, objects_prefix)) < 0)
        snprintf(why, cap, "a Statement's Resource is malformed");
    return cov;
}

int aws_s3_eval_tls(const json_t *policy, const char *partition,
                    const char *bucket, struct aws_s3_tls *out, char *why,
                    size_t cap)
{
    char arn[512], objs[520];
    const json_t *sts;
    int cov = 0;

    out->objects = out->bucket = 0;
    if (!json_is_object(policy))
        return snprintf(why, cap, "the policy is not a JSON object"), -1;
    snprintf(arn, sizeof(arn), "arn:%s:s3:::%s", partition, bucket);
    snprintf(objs, sizeof(objs), "%s/", arn);
    sts = json_object_get(policy, "Statement");
    if (json_is_object(sts)) {
        if ((cov = tls_statement(sts, arn, objs, why, cap)) < 0)
            return -1;
    } else if (json_is_array(sts)) {
        size_t i;
        const json_t *st;
        json_array_foreach(sts, i, st)
        {
            int r = tls_statement(st, arn, objs, why, cap);
            if (r < 0)
                return -1;
            cov |= r;
        }
    } else if (sts) {
        return snprintf(why, cap, "the policy's Statement is not a list"), -1;
    }
    out->bucket = (cov & 1) != 0;
    out->objects = (cov & 2) != 0;
    return 0;
}

static const char *const pab_xml[] = {"BlockPublicAcls", "IgnorePublicAcls",
                                      "BlockPublicPolicy",
                                      "RestrictPublicBuckets", NULL};
static const char *const pab_key[] = {"block_public_acls", "ignore_public_acls",
                                      "block_public_policy",
                                      "restrict_public_buckets", NULL};

json_t *aws_s3_eval_pab(const json_t *xml, char *why, size_t cap)
{
    json_t *out;

    if (!json_is_object(xml)) {
        snprintf(why, cap, "PublicAccessBlockConfiguration is not an element");
        return NULL;
    }
    out = json_object();
    for (size_t i = 0; pab_xml[i]; i++) {
        const json_t *v = json_object_get(xml, pab_xml[i]);
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        int on;
        if (!v) {
            on = 0;
        } else if (s && !strcmp(s, "true")) {
            on = 1;
        } else if (s && !strcmp(s, "false")) {
            on = 0;
        } else {
            snprintf(why, cap, "%s is not true or false", pab_xml[i]);
            json_decref(out);
            return NULL;
        }
        json_object_set_new(out, pab_key[i], json_boolean(on));
    }
    return out;
}

/* One side's setting: 1 on, 0 off (or none set), -1 unknown. */
static int pab_side(const json_t *side, const char *key)
{
    const json_t *v;

    if (json_is_null(side) || !side)
        return 0;
    if (!json_is_object(side) || json_object_get(side, "$error"))
        return -1;
    v = json_object_get(side, key);
    return json_is_boolean(v) ? json_is_true(v) : -1;
}

static json_t *pab_marker(const json_t *side, const char *key)
{
    const json_t *m =
        json_is_object(side) ? json_object_get(side, "$error") : NULL;
    char msg[512];

    if (json_is_string(m))
        return json_pack("{s:s}", "$error", json_string_value(m));
    snprintf(msg, sizeof(msg), "public access block setting %s is unknown",
             key);
    return json_pack("{s:s}", "$error", msg);
}

json_t *aws_s3_eval_pab_effective(const json_t *bucket, const json_t *account)
{
    json_t *out = json_object();

    for (size_t i = 0; pab_key[i]; i++) {
        int b = pab_side(bucket, pab_key[i]);
        int a = pab_side(account, pab_key[i]);
        json_t *v;
        if (b == 1 || a == 1)
            v = json_true();
        else if (b == 0 && a == 0)
            v = json_false();
        else
            v = pab_marker(b < 0 ? bucket : account, pab_key[i]);
        json_object_set_new(out, pab_key[i], v);
    }
    return out;
}
