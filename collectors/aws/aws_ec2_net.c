/* aws_ec2_net.c: security groups, network ACLs and flow logs judged the
 * way EC2 applies them (aws_ec2_net.h). */
#include "aws_ec2_net.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

static const char *const aws_ec2_net_lists[] = {
    "ipPermissions",      "ipPermissionsEgress", "groups",
    "ipRanges",           "ipv6Ranges",          "prefixListIds",
    "blockDeviceMapping", "productCodes",        NULL};
static const char *const aws_ec2_net_ints[] = {"fromPort",
                                               "toPort",
                                               "ruleNumber",
                                               "from",
                                               "to",
                                               "httpPutResponseHopLimit",
                                               "amiLaunchIndex",
                                               "deviceIndex",
                                               "maxAggregationInterval",
                                               NULL};
static const char *const aws_ec2_net_bools[] = {"egress",
                                                "isDefault",
                                                "default",
                                                "main",
                                                "ebsOptimized",
                                                "sourceDestCheck",
                                                "deleteOnTermination",
                                                "primary",
                                                "enaSupport",
                                                "encrypted",
                                                "ebsEncryptionByDefault",
                                                NULL};

const struct aws_norm aws_ec2_net_norm = {
    .lists = aws_ec2_net_lists,
    .ints = aws_ec2_net_ints,
    .bools = aws_ec2_net_bools,
    .set_suffix = 1,
};

static const long aws_ec2_net_admin[] = {AWS_EC2_SSH, AWS_EC2_RDP};

enum aws_ec2_net_cov { COV_NO, COV_YES, COV_BAD };

static json_t *aws_ec2_net_marker(const char *what, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static json_t *aws_ec2_net_marker(const char *what, const char *fmt, ...)
{
    char msg[512], full[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(full, sizeof(full), "%s: %s", what, msg);
    return json_pack("{s:s}", "$error", full);
}

static int aws_ec2_net_all_protocols(const char *p)
{
    return strcmp(p, "-1") == 0 || strcasecmp(p, "all") == 0;
}

static int aws_ec2_net_tcp(const char *p)
{
    return strcmp(p, "6") == 0 || strcasecmp(p, "tcp") == 0;
}

/* Whether a security group permission covers TCP port. */
static enum aws_ec2_net_cov aws_ec2_net_sg_covers(const json_t *perm, long port)
{
    const char *p = json_string_value(json_object_get(perm, "ipProtocol"));
    const json_t *from = json_object_get(perm, "fromPort");
    const json_t *to = json_object_get(perm, "toPort");

    if (!p)
        return COV_BAD;
    if (aws_ec2_net_all_protocols(p))
        return COV_YES;
    if (!aws_ec2_net_tcp(p))
        return COV_NO;
    if (!from && !to) /* TCP without ports: every port */
        return COV_YES;
    if (!json_is_integer(from) || !json_is_integer(to))
        return COV_BAD;
    return json_integer_value(from) <= port && port <= json_integer_value(to)
               ? COV_YES
               : COV_NO;
}

/* What a security group's inbound rules open to the world: admin ports
 * over IPv4 and IPv6, and CIFS; each list replaced by a marker when a
 * rule that could add to it cannot be judged. */
enum { SG_V4, SG_V6, SG_CIFS, SG_N };

struct aws_ec2_net_sgout {
    json_t *list[SG_N];
    json_t *bad[SG_N];
};

static int aws_ec2_net_sg_hit(json_t *list, const json_t *perm, size_t i,
                              long port, const char *cidr, const char *pl)
{
    const char *p = json_string_value(json_object_get(perm, "ipProtocol"));
    json_t *from = json_object_get(perm, "fromPort");
    json_t *to = json_object_get(perm, "toPort");
    json_t *hit =
        json_pack("{s:I,s:s,s:s,s:I}", "port", (json_int_t)port, "cidr", cidr,
                  "protocol", p, "permission", (json_int_t)i);

    if (!hit)
        return -1;
    if (!aws_ec2_net_all_protocols(p) && json_is_integer(from) &&
        json_is_integer(to)) {
        json_object_set(hit, "from_port", from);
        json_object_set(hit, "to_port", to);
    }
    if (pl)
        json_object_set_new(hit, "prefix_list", json_string(pl));
    return json_array_append_new(list, hit);
}

/* perm lets the world of one family (cidr, through prefix list pl or
 * directly) in: a hit for each port it covers. */
static int aws_ec2_net_sg_world(struct aws_ec2_net_sgout *o, const json_t *perm,
                                size_t i, int ipv6, const char *cidr,
                                const char *pl)
{
    for (size_t a = 0; a < 2; a++)
        if (aws_ec2_net_sg_covers(perm, aws_ec2_net_admin[a]) == COV_YES &&
            aws_ec2_net_sg_hit(o->list[ipv6 ? SG_V6 : SG_V4], perm, i,
                               aws_ec2_net_admin[a], cidr, pl) < 0)
            return -1;
    if (aws_ec2_net_sg_covers(perm, AWS_EC2_CIFS) == COV_YES &&
        aws_ec2_net_sg_hit(o->list[SG_CIFS], perm, i, AWS_EC2_CIFS, cidr, pl) <
            0)
        return -1;
    return 0;
}

/* The world CIDRs of perm's ranges of one family: key "ipRanges", member
 * "cidrIp", world "0.0.0.0/0". 0, or -1 when a range list is malformed. */
static int aws_ec2_net_sg_family(struct aws_ec2_net_sgout *o,
                                 const json_t *perm, size_t i, int ipv6)
{
    const char *key = ipv6 ? "ipv6Ranges" : "ipRanges";
    const char *member = ipv6 ? "cidrIpv6" : "cidrIp";
    const char *world = ipv6 ? "::/0" : "0.0.0.0/0";
    const json_t *ranges = json_object_get(perm, key), *r;
    size_t k;

    if (!ranges)
        return 0;
    if (!json_is_array(ranges))
        return -1;
    json_array_foreach(ranges, k, r)
    {
        const char *cidr = json_string_value(json_object_get(r, member));
        if (cidr && strcmp(cidr, world) == 0 &&
            aws_ec2_net_sg_world(o, perm, i, ipv6, cidr, NULL) < 0)
            return -1;
    }
    return 0;
}

/* The prefix lists perm names: each one whose entries hold 0.0.0.0/0 or
 * ::/0 opens what perm covers to the world; one that could not be read
 * makes each list perm could add to a marker. 0, or -1 when malformed. */
static int aws_ec2_net_sg_prefix(struct aws_ec2_net_sgout *o,
                                 const json_t *perm, size_t i,
                                 const json_t *pls, const char *what)
{
    const json_t *refs = json_object_get(perm, "prefixListIds"), *r;
    size_t k;

    if (!refs)
        return 0;
    if (!json_is_array(refs))
        return -1;
    json_array_foreach(refs, k, r)
    {
        const char *id = json_string_value(json_object_get(r, "prefixListId"));
        const json_t *pl = id ? json_object_get(pls, id) : NULL;
        const json_t *why = json_object_get(pl, "$error");
        int idx[SG_N] = {0}, n = 0;

        if (!id)
            return -1;
        if (pl && !why) {
            if ((json_is_true(json_object_get(pl, "ipv4_world")) &&
                 aws_ec2_net_sg_world(o, perm, i, 0, "0.0.0.0/0", id) < 0) ||
                (json_is_true(json_object_get(pl, "ipv6_world")) &&
                 aws_ec2_net_sg_world(o, perm, i, 1, "::/0", id) < 0))
                return -1;
            continue;
        }
        /* unknown entries: whatever this rule covers is undecided */
        if (aws_ec2_net_sg_covers(perm, AWS_EC2_SSH) == COV_YES ||
            aws_ec2_net_sg_covers(perm, AWS_EC2_RDP) == COV_YES) {
            idx[n++] = SG_V4;
            idx[n++] = SG_V6;
        }
        if (aws_ec2_net_sg_covers(perm, AWS_EC2_CIFS) == COV_YES)
            idx[n++] = SG_CIFS;
        for (int x = 0; x < n; x++)
            if (!o->bad[idx[x]])
                o->bad[idx[x]] = aws_ec2_net_marker(
                    what, "ipPermissions[%zu]: prefix list %s: %s", i, id,
                    why ? json_string_value(why) : "its entries were not read");
    }
    return 0;
}

json_t *aws_ec2_net_prefix_list(const json_t *entries)
{
    const json_t *e;
    size_t i;
    int v4 = 0, v6 = 0;

    json_array_foreach(entries, i, e)
    {
        const char *c = json_string_value(json_object_get(e, "cidr"));
        v4 |= c && strcmp(c, "0.0.0.0/0") == 0;
        v6 |= c && strcmp(c, "::/0") == 0;
    }
    return json_pack("{s:b,s:b}", "ipv4_world", v4, "ipv6_world", v6);
}

int aws_ec2_net_sg(json_t *sg, const json_t *prefix_lists, const char *what)
{
    static const char *const keys[SG_N] = {
        "admin_ports_open_ipv4", "admin_ports_open_ipv6", "cifs_open_to_world"};
    const char *name = json_string_value(json_object_get(sg, "groupName"));
    json_t *perms = json_object_get(sg, "ipPermissions"), *perm;
    struct aws_ec2_net_sgout o = {{NULL}, {NULL}};
    json_t *bad = NULL;
    size_t i;
    int rc = -1, x;

    for (x = 0; x < SG_N; x++)
        if (!(o.list[x] = json_array()))
            goto out;
    if (perms && !json_is_array(perms)) {
        bad = aws_ec2_net_marker(what, "ipPermissions is not a list");
        goto judged;
    }
    json_array_foreach(perms, i, perm)
    {
        if (aws_ec2_net_sg_covers(perm, AWS_EC2_SSH) == COV_BAD) {
            bad = aws_ec2_net_marker(
                what,
                "ipPermissions[%zu]: ipProtocol, fromPort or toPort "
                "cannot be read",
                i);
            break;
        }
        if (aws_ec2_net_sg_family(&o, perm, i, 0) < 0 ||
            aws_ec2_net_sg_family(&o, perm, i, 1) < 0 ||
            aws_ec2_net_sg_prefix(&o, perm, i, prefix_lists, what) < 0) {
            bad = aws_ec2_net_marker(
                what, "ipPermissions[%zu]: a range list is malformed", i);
            break;
        }
    }
judged:
    if (json_object_set_new(sg, "is_default",
                            json_boolean(name && !strcmp(name, "default"))))
        goto out;
    for (x = 0; x < SG_N; x++) {
        json_t *v = bad ? bad : o.bad[x] ? o.bad[x] : o.list[x];
        if (!v || json_object_set(sg, keys[x], v))
            goto out;
    }
    rc = 0;
out:
    for (x = 0; x < SG_N; x++) {
        json_decref(o.list[x]);
        json_decref(o.bad[x]);
    }
    json_decref(bad);
    return rc;
}

struct aws_ec2_net_entry {
    long long number;
    const json_t *e;
};

static int aws_ec2_net_entry_cmp(const void *a, const void *b)
{
    const struct aws_ec2_net_entry *x = a, *y = b;
    return (x->number > y->number) - (x->number < y->number);
}

/* Whether a network ACL entry decides TCP port for the world CIDR of its
 * family, allow or deny; COV_BAD with *why set when it cannot be read. */
static enum aws_ec2_net_cov aws_ec2_net_acl_covers(const json_t *e, long port,
                                                   int allow, const char **why)
{
    const char *p = json_string_value(json_object_get(e, "protocol"));
    const json_t *range = json_object_get(e, "portRange");
    const json_t *from = json_object_get(range, "from");
    const json_t *to = json_object_get(range, "to");

    if (!p) {
        *why = "protocol cannot be read";
        return COV_BAD;
    }
    if (aws_ec2_net_all_protocols(p))
        return COV_YES;
    if (!aws_ec2_net_tcp(p))
        return COV_NO;
    /* TCP without a range: read as every port when it allows (the
     * stricter reading) and as nothing when it denies (it shadows
     * nothing), so that the doubt never opens a pass. */
    if (!range || (!from && !to))
        return allow ? COV_YES : COV_NO;
    if (!json_is_integer(from) || !json_is_integer(to)) {
        *why = "portRange cannot be read";
        return COV_BAD;
    }
    return json_integer_value(from) <= port && port <= json_integer_value(to)
               ? COV_YES
               : COV_NO;
}

/* The first entry (in rule order) deciding port from the world of one
 * family; its hit appended to open when it allows. */
static int aws_ec2_net_acl_port(json_t *open,
                                const struct aws_ec2_net_entry *es, size_t n,
                                long port, int ipv6, const char *what,
                                json_t **bad)
{
    const char *key = ipv6 ? "ipv6CidrBlock" : "cidrBlock";
    const char *world = ipv6 ? "::/0" : "0.0.0.0/0";
    const char *why = NULL;

    for (size_t i = 0; i < n; i++) {
        const json_t *e = es[i].e;
        const char *cidr = json_string_value(json_object_get(e, key));
        const char *act = json_string_value(json_object_get(e, "ruleAction"));
        int allow = 0;

        if (!cidr || strcmp(cidr, world) != 0)
            continue;
        if (act && strcasecmp(act, "allow") == 0)
            allow = 1;
        else if (act && strcasecmp(act, "deny") == 0)
            allow = 0;
        else
            why = "ruleAction is neither allow nor deny";
        if (!why) {
            enum aws_ec2_net_cov c =
                aws_ec2_net_acl_covers(e, port, allow, &why);
            if (c == COV_NO)
                continue;
            if (c == COV_YES && !allow)
                return 0;
            if (c == COV_YES)
                return json_array_append_new(
                    open,
                    json_pack(
                        "{s:I,s:s,s:I,s:s}", "port", (json_int_t)port, "cidr",
                        cidr, "rule_number", (json_int_t)es[i].number,
                        "protocol",
                        json_string_value(json_object_get(e, "protocol"))));
        }
        *bad = aws_ec2_net_marker(what, "inbound entry %lld: %s", es[i].number,
                                  why);
        return *bad ? 0 : -1;
    }
    return 0;
}

int aws_ec2_net_nacl(json_t *nacl, const char *what)
{
    json_t *entries = json_object_get(nacl, "entrySet"), *e;
    json_t *open = json_array(), *bad = NULL;
    struct aws_ec2_net_entry *es = NULL;
    size_t n = 0, i;
    int rc = -1;

    if (!open)
        goto out;
    if (entries && !json_is_array(entries)) {
        bad = aws_ec2_net_marker(what, "entrySet is not a list");
        goto judged;
    }
    es = calloc(json_array_size(entries) + 1, sizeof(*es));
    if (!es)
        goto out;
    json_array_foreach(entries, i, e)
    {
        const json_t *egress = json_object_get(e, "egress");
        long long num;
        if (!json_is_boolean(egress) ||
            !json_is_integer(json_object_get(e, "ruleNumber"))) {
            bad = aws_ec2_net_marker(
                what, "entrySet[%zu]: egress or ruleNumber cannot be read", i);
            goto judged;
        }
        if (json_is_true(egress))
            continue;
        num = json_integer_value(json_object_get(e, "ruleNumber"));
        es[n].number = num;
        es[n].e = e;
        n++;
    }
    qsort(es, n, sizeof(*es), aws_ec2_net_entry_cmp);
    for (size_t a = 0; a < 2 && !bad; a++)
        for (int ipv6 = 0; ipv6 < 2 && !bad; ipv6++)
            if (aws_ec2_net_acl_port(open, es, n, aws_ec2_net_admin[a], ipv6,
                                     what, &bad) < 0)
                goto out;
judged:
    if (json_object_set(nacl, "admin_ports_open_to_world", bad ? bad : open))
        goto out;
    rc = 0;
out:
    free(es);
    json_decref(open);
    json_decref(bad);
    return rc;
}

int aws_ec2_net_vpc(json_t *vpc, const json_t *flow_logs, const json_t *marker)
{
    const char *id = json_string_value(json_object_get(vpc, "vpcId"));
    json_t *mine, *active, *fl;
    size_t i;

    if (!flow_logs)
        return json_object_set(vpc, "flow_logs", (json_t *)marker) ||
                       json_object_set(vpc, "active_flow_logs",
                                       (json_t *)marker)
                   ? -1
                   : 0;
    mine = json_array();
    active = json_array();
    if (!mine || !active)
        goto fail;
    json_array_foreach(flow_logs, i, fl)
    {
        const char *res = json_string_value(json_object_get(fl, "resourceId"));
        const char *st =
            json_string_value(json_object_get(fl, "flowLogStatus"));
        const char *tt = json_string_value(json_object_get(fl, "trafficType"));
        if (!id || !res || strcmp(id, res) != 0)
            continue;
        if (json_array_append(mine, fl))
            goto fail;
        if (st && strcmp(st, "ACTIVE") == 0 && tt &&
            (strcmp(tt, "ALL") == 0 || strcmp(tt, "REJECT") == 0) &&
            json_array_append(active, fl))
            goto fail;
    }
    i = json_object_set_new(vpc, "flow_logs", mine) != 0;
    i += json_object_set_new(vpc, "active_flow_logs", active) != 0;
    return i ? -1 : 0;
fail:
    json_decref(mine);
    json_decref(active);
    return -1;
}
