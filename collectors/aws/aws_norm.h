/*
 * aws_norm.h: AWS XML answers given the types their API declares.
 *
 * aws_xml turns every leaf into a string and every empty element into ""
 * (it cannot tell an empty list from an empty string). A service module
 * names which members are lists, integers and booleans, and aws_norm
 * rewrites a document in place so that rules read JSON types:
 * "fromPort": "22" becomes 22, "egress": "false" becomes false,
 * "ipRanges": "" becomes []. A value that does not read as its declared
 * type ("fromPort": "x") is left a string, so a rule comparing it is an
 * `error` (wrong type), never a verdict.
 */
#ifndef FOURC_AWS_NORM_H
#define FOURC_AWS_NORM_H

#include <jansson.h>

struct aws_norm {
    const char *const *lists; /* members that are lists, NULL-ended */
    const char *const *ints;  /* members that are integers */
    const char *const *bools; /* members that are booleans */
    /* RDS-style wrapped lists: pairs "Outer", "Inner", NULL-ended:
     * "VpcSecurityGroups": {"VpcSecurityGroupMembership": x} becomes
     * "VpcSecurityGroups": [x...] ("" becomes []). */
    const char *const *wraps;
    /* 1: every member whose name ends in "Set" is a list (EC2). */
    int set_suffix;
};

/* Rewrites v (objects and arrays, recursively) in place. */
void aws_norm(json_t *v, const struct aws_norm *n);

/* A string member that reads as a decimal integer: 1 with *out set. */
int aws_norm_int(const json_t *v, long long *out);

#endif
