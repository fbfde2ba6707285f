/*
 * aws_kms.c: KMS keys (aws/KMSKey), per region.
 *
 * ListKeys to the end, DescribeKey for each key, and GetKeyRotationStatus
 * for the keys rotation applies to: customer managed, symmetric
 * (SYMMETRIC_DEFAULT), key material from KMS (Origin AWS_KMS), enabled.
 * AWS rotates its own keys; asymmetric, HMAC and imported keys cannot
 * rotate automatically; a disabled key or one pending deletion is not in
 * use. Those keys carry no "rotation_enabled".
 *
 * A DescribeKey that failed leaves the marker in the key's metadata
 * fields, so a rule selecting on them is an `error` naming the action; a
 * rotation status that failed leaves it in "rotation_enabled".
 */
#include <stdio.h>
#include <string.h>

#include "aws_api.h"
#include "aws_int.h"
#include "util.h"

#include "banned.h"

static const char *const kms_kinds[] = {"aws/KMSKey", NULL};

/* The metadata fields of the document, from KeyMetadata's. */
static const char *const kms_fields[][2] = {
    {"key_manager", "KeyManager"},
    {"key_state", "KeyState"},
    {"key_spec", "KeySpec"},
    {"key_usage", "KeyUsage"},
    {"origin", "Origin"},
    {"description", "Description"},
    {"creation_date", "CreationDate"},
    {"multi_region", "MultiRegion"},
    {"enabled", "Enabled"},
};

static json_t *kms_call(struct aws_job *j, const char *target,
                        const char *key_id, struct aws_call_err *ce,
                        struct err *ae)
{
    json_t *body = json_pack("{s:s}", "KeyId", key_id);
    struct aws_json_req q = {
        .service = "kms",
        .region = j->region,
        .target = target,
        .body = body,
    };
    json_t *v = aws_json_call(j->client, &q, ce, ae);
    json_decref(body);
    return v;
}

static int str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && !strcmp(json_string_value(v), s);
}

/* 1 when the key's automatic rotation is the customer's to set. */
static int kms_rotatable(const json_t *md)
{
    const json_t *spec = json_object_get(md, "KeySpec");
    if (!spec) /* older answers: CustomerMasterKeySpec */
        spec = json_object_get(md, "CustomerMasterKeySpec");
    return str_is(json_object_get(md, "KeyManager"), "CUSTOMER") &&
           str_is(spec, "SYMMETRIC_DEFAULT") &&
           str_is(json_object_get(md, "Origin"), "AWS_KMS") &&
           str_is(json_object_get(md, "KeyState"), "Enabled");
}

/* The alias names of key id: an array (new reference), or a copy of the
 * marker when ListAliases failed. */
static json_t *kms_aliases_of(const json_t *aliases, const char *id)
{
    json_t *out, *a;
    size_t i;

    if (json_is_object(aliases))
        return json_deep_copy(aliases);
    out = json_array();
    json_array_foreach(aliases, i, a)
    {
        const char *t = json_string_value(json_object_get(a, "TargetKeyId"));
        const json_t *n = json_object_get(a, "AliasName");
        if (t && json_is_string(n) && !strcmp(t, id))
            json_array_append(out, (json_t *)n);
    }
    return out;
}

/* The key's name: its first alias, else its id. */
static void kms_name(const json_t *doc, const char *id, char *out, size_t cap)
{
    const char *a =
        json_string_value(json_array_get(json_object_get(doc, "aliases"), 0));
    snprintf(out, cap, "%s", a ? a : id);
}

static int kms_key(struct aws_job *j, const json_t *k, const json_t *aliases,
                   struct err *e)
{
    char name[300];
    const char *id = json_string_value(json_object_get(k, "KeyId"));
    const char *arn = json_string_value(json_object_get(k, "KeyArn"));
    struct aws_call_err ce = {0};
    struct err ae = {{0}};
    json_t *doc, *d, *md;

    if (!id)
        return 0;
    doc = json_pack("{s:s,s:o}", "key_id", id, "aliases",
                    kms_aliases_of(aliases, id));
    d = kms_call(j, "TrentService.DescribeKey", id, &ce, &ae);
    md = d ? json_object_get(d, "KeyMetadata") : NULL;
    if (!d || !json_is_object(md)) {
        json_t *m;
        if (!d && ce.kind == AWS_ERR_API &&
            !strcmp(ce.code, "NotFoundException")) {
            json_decref(doc); /* deleted while we looked */
            return 0;
        }
        m = d ? json_pack("{s:s}", "$error",
                          "aws kms DescribeKey: the answer has no KeyMetadata")
              : aws_unavailable(&ce, &ae);
        for (size_t i = 0; i < sizeof(kms_fields) / sizeof(kms_fields[0]); i++)
            json_object_set_new(doc, kms_fields[i][0], json_deep_copy(m));
        json_object_set_new(doc, "rotation_enabled", m);
        json_decref(d);
        kms_name(doc, id, name, sizeof(name));
        return aws_emit(j, "aws/KMSKey", NULL, id, name, arn, doc, e);
    }
    for (size_t i = 0; i < sizeof(kms_fields) / sizeof(kms_fields[0]); i++) {
        json_t *v = json_object_get(md, kms_fields[i][1]);
        json_object_set_new(doc, kms_fields[i][0],
                            v ? json_incref(v) : json_null());
    }
    if (!json_object_get(md, "KeySpec") &&
        json_object_get(md, "CustomerMasterKeySpec"))
        json_object_set(doc, "key_spec",
                        json_object_get(md, "CustomerMasterKeySpec"));
    if (kms_rotatable(md)) {
        json_t *r =
            kms_call(j, "TrentService.GetKeyRotationStatus", id, &ce, &ae);
        const json_t *on = r ? json_object_get(r, "KeyRotationEnabled") : NULL;
        if (!r)
            json_object_set_new(doc, "rotation_enabled",
                                aws_unavailable(&ce, &ae));
        else if (json_is_boolean(on))
            json_object_set_new(doc, "rotation_enabled",
                                json_incref((json_t *)on));
        else
            json_object_set_new(
                doc, "rotation_enabled",
                json_pack("{s:s}", "$error",
                          "aws kms GetKeyRotationStatus: the answer has no "
                          "KeyRotationEnabled"));
        if (r && json_is_integer(json_object_get(r, "RotationPeriodInDays")))
            json_object_set(doc, "rotation_period_days",
                            json_object_get(r, "RotationPeriodInDays"));
        json_decref(r);
    }
    if (!arn)
        arn = json_string_value(json_object_get(md, "Arn"));
    {
        int rc;
        kms_name(doc, id, name, sizeof(name));
        rc = aws_emit(j, "aws/KMSKey", NULL, id, name, arn, doc, e);
        json_decref(d);
        return rc;
    }
}

static int kms_collect(struct aws_job *j, struct err *e)
{
    json_t *body = json_pack("{s:i}", "Limit", 1000);
    struct aws_json_req q = {
        .service = "kms",
        .region = j->region,
        .target = "TrentService.ListKeys",
        .body = body,
        .list = "Keys",
        .token_in = "Marker",
        .token_out = "NextMarker",
    };
    struct aws_call_err ce = {0};
    struct err ae = {{0}};
    json_t *keys, *aliases, *k;
    size_t i;
    int rc = 0;

    keys = aws_json_call(j->client, &q, &ce, &ae);
    if (!keys) {
        json_decref(body);
        return aws_kind_failed(j, NULL, "aws/KMSKey", ae.msg, e);
    }
    /* the names users know keys by; no rule needs them */
    q.target = "TrentService.ListAliases";
    q.list = "Aliases";
    json_object_set_new(body, "Limit", json_integer(100));
    aliases = aws_json_call(j->client, &q, &ce, &ae);
    json_decref(body);
    if (!aliases)
        aliases = aws_unavailable(&ce, &ae);
    json_array_foreach(keys, i, k)
    {
        if ((rc = kms_key(j, k, aliases, e)) < 0)
            break;
    }
    json_decref(aliases);
    json_decref(keys);
    return rc;
}

const struct aws_service aws_service_kms = {
    .name = "kms",
    .global = 0,
    .kinds = kms_kinds,
    .collect = kms_collect,
};
