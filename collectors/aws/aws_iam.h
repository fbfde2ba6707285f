/*
 * aws_iam.h: the pure parts of the IAM module (aws_iam.c), apart so that
 * their tests need no server: IAM policy documents read the way AWS reads
 * them (aws_iam_policy.c) and the credential report's CSV
 * (aws_iam_report.c).
 */
#ifndef FOURC_AWS_IAM_H
#define FOURC_AWS_IAM_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

/*
 * A policy document as IAM returns it (URL-encoded per RFC 3986 in
 * GetAccountAuthorizationDetails and GetPolicyVersion, plain JSON in some
 * answers: text not starting with '{' is decoded first), parsed and
 * normalised (new reference): Statement always an array of objects;
 * Action, NotAction, Resource and NotResource always arrays of strings;
 * Principal and NotPrincipal always objects of arrays ("*" is
 * {"AWS": ["*"]}). Anything else AWS would not accept (a Statement that is
 * a string, an Action that is a number) is NULL with e saying where.
 */
json_t *aws_iam_policy_parse(const char *text, size_t len, struct err *e);

/* 1 when a normalised document grants everything: an Allow statement
 * whose Action holds "*" (or "*:*") on Resource "*", without Condition. */
int aws_iam_policy_full_admin(const json_t *doc);

/*
 * The credential report (GetCredentialReport's decoded Content): an array
 * of rows (new reference), each an object of the header's column names to
 * the field strings. RFC 4180 fields (quoted, "" for a quote, CRLF or
 * LF). NULL with e set when it is not the report: no header naming the
 * columns the rules need, a row with another number of fields, a quote
 * left open, text that is not UTF-8, more than max_rows rows.
 */
json_t *aws_iam_report_parse(const char *csv, size_t len, size_t max_rows,
                             struct err *e);

/*
 * The credential facts of one report row as documents carry them (new
 * reference): password_enabled, mfa_active, password_last_used,
 * password_last_changed, password_unused_days, access_keys (one entry per
 * key slot in use: slot, active, last_rotated, last_used,
 * last_used_service, rotated_days, unused_days), access_keys_active (how
 * many) and last_used / last_used_days (the latest use of the password or
 * a key). Days count from now. "true"/"false" become booleans, "N/A",
 * "no_information" and "not_supported" dates null; a value the report
 * should not hold stays a string, so a rule reading it is `error`.
 */
json_t *aws_iam_report_creds(const json_t *row, time_t now);

#endif
