/*
 * aws_iam_report.c: the IAM credential report (CSV, RFC 4180) into rows,
 * and one row's credential facts as the documents carry them: booleans
 * for "true"/"false", null for the report's "no date" words, and the age
 * in days of each date the rules judge (the rule language has no clock).
 */
#include "aws_iam.h"

#include <stdio.h>
#include <string.h>

#include "util.h"
#include "banned.h"

#define REPORT_MAX_COLS 64

/* The columns the documents are built from: a header without one of
 * them is not the credential report. */
static const char *const report_cols[] = {"user",
                                          "arn",
                                          "password_enabled",
                                          "password_last_used",
                                          "mfa_active",
                                          "access_key_1_active",
                                          "access_key_1_last_rotated",
                                          "access_key_1_last_used_date",
                                          "access_key_2_active",
                                          "access_key_2_last_rotated",
                                          "access_key_2_last_used_date",
                                          NULL};

/* One record from *pos: its fields appended to fields (strings). 0 at the
 * end of a record, 1 at the end of the input (no record), -1 with e. */
static int csv_record(const char *s, size_t n, size_t *pos, json_t *fields,
                      size_t line, struct err *e)
{
    struct strbuf f = STRBUF_INIT;
    size_t i = *pos;
    int rc = -1;

    if (i >= n)
        return 1;
    for (;;) {
        json_t *v;
        sb_setlen(&f, 0);
        if (i < n && s[i] == '"') {
            for (i++;; i++) {
                if (i >= n) {
                    err_set(e, "line %zu: a quoted field is not closed", line);
                    goto out;
                }
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        sb_add(&f, "\"", 1);
                        i++;
                        continue;
                    }
                    i++;
                    break;
                }
                sb_add(&f, s + i, 1);
            }
            if (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
                err_set(e, "line %zu: text after a quoted field", line);
                goto out;
            }
        } else {
            size_t st = i;
            while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
                if (s[i] == '"') {
                    err_set(e, "line %zu: a quote inside an unquoted field",
                            line);
                    goto out;
                }
                i++;
            }
            sb_add(&f, s + st, i - st);
        }
        if (json_array_size(fields) >= REPORT_MAX_COLS) {
            err_set(e, "line %zu: more than %d fields", line, REPORT_MAX_COLS);
            goto out;
        }
        if (!utf8_valid(f.buf ? f.buf : "", f.len) ||
            !(v = json_stringn(f.buf ? f.buf : "", f.len))) {
            err_set(e, "line %zu: not UTF-8 text", line);
            goto out;
        }
        json_array_append_new(fields, v);
        if (i < n && s[i] == ',') {
            i++;
            continue;
        }
        if (i < n && s[i] == '\r')
            i++;
        if (i < n && s[i] == '\n')
            i++;
        break;
    }
    *pos = i;
    rc = 0;
out:
    sb_release(&f);
    return rc;
}

json_t *aws_iam_report_parse(const char *csv, size_t len, size_t max_rows,
                             struct err *e)
{
    json_t *head = json_array(), *rows = json_array(), *rec = NULL;
    size_t pos = 0, line = 1;
    int rc;

    if (!csv)
        csv = "";
    rc = csv_record(csv, len, &pos, head, line, e);
    if (rc != 0) {
        if (rc > 0)
            err_set(e, "empty, not the CSV credential report");
        goto fail;
    }
    for (size_t c = 0; report_cols[c]; c++) {
        size_t i;
        json_t *h;
        int found = 0;
        json_array_foreach(head, i, h)
        {
            if (!strcmp(json_string_value(h), report_cols[c]))
                found = 1;
        }
        if (!found) {
            err_set(e,
                    "not the CSV credential report: its header has no "
                    "column %s",
                    report_cols[c]);
            goto fail;
        }
    }
    for (;;) {
        json_t *row, *v;
        size_t i;

        line++;
        rec = json_array();
        rc = csv_record(csv, len, &pos, rec, line, e);
        if (rc < 0)
            goto fail;
        if (rc > 0)
            break;
        if (json_array_size(rec) == 1 &&
            json_string_length(json_array_get(rec, 0)) == 0) {
            json_decref(rec); /* a blank line */
            rec = NULL;
            continue;
        }
        if (json_array_size(rec) != json_array_size(head)) {
            err_set(e, "line %zu: %zu fields, the header has %zu", line,
                    json_array_size(rec), json_array_size(head));
            goto fail;
        }
        if (json_array_size(rows) >= max_rows) {
            err_set(e, "more than %zu rows", max_rows);
            goto fail;
        }
        row = json_object();
        json_array_foreach(rec, i, v)
        {
            json_object_set(row, json_string_value(json_array_get(head, i)), v);
        }
        json_array_append_new(rows, row);
        json_decref(rec);
        rec = NULL;
    }
    json_decref(rec);
    json_decref(head);
    return rows;
fail:
    json_decref(rec);
    json_decref(head);
    json_decref(rows);
    return NULL;
}

/* The report's words for "no date". */
static int no_date(const char *s)
{
    return !s || !*s || !strcmp(s, "N/A") || !strcmp(s, "no_information") ||
           !strcmp(s, "not_supported");
}

static json_t *bool_of(const json_t *row, const char *col)
{
    const char *s = json_string_value(json_object_get(row, col));
    if (s && !strcmp(s, "true"))
        return json_true();
    if (s && !strcmp(s, "false"))
        return json_false();
    return s ? json_string(s) : json_null();
}

static json_t *date_of(const json_t *row, const char *col)
{
    const char *s = json_string_value(json_object_get(row, col));
    return no_date(s) ? json_null() : json_string(s);
}

/* Whole days from the date in col to now: an integer, null when the
 * report holds no date there, else a string saying why (a rule comparing
 * it with a number is then `error`). *t gets the time (-1: none). */
static json_t *days_of(const json_t *row, const char *col, time_t now,
                       time_t *t)
{
    const char *s = json_string_value(json_object_get(row, col));
    char buf[160];

    *t = -1;
    if (no_date(s))
        return json_null();
    *t = rfc3339_parse(s);
    if (*t == (time_t)-1) {
        snprintf(buf, sizeof(buf), "unknown: %s is not a date", col);
        return json_string(buf);
    }
    return json_integer(now > *t ? (json_int_t)((now - *t) / 86400) : 0);
}

/* The days since the latest of a and b (either may be -1). */
static void latest(time_t *best, time_t t)
{
    if (t != (time_t)-1 && (*best == (time_t)-1 || t > *best))
        *best = t;
}

static json_t *key_slot(const json_t *row, int slot, time_t now, time_t *last)
{
    char c_act[32], c_rot[40], c_used[40], c_svc[48];
    json_t *k, *rot, *used;
    time_t trot, tused;

    snprintf(c_act, sizeof(c_act), "access_key_%d_active", slot);
    snprintf(c_rot, sizeof(c_rot), "access_key_%d_last_rotated", slot);
    snprintf(c_used, sizeof(c_used), "access_key_%d_last_used_date", slot);
    snprintf(c_svc, sizeof(c_svc), "access_key_%d_last_used_service", slot);
    rot = days_of(row, c_rot, now, &trot);
    used = days_of(row, c_used, now, &tused);
    k = json_pack("{s:i, s:o, s:o, s:o, s:o, s:o}", "slot", slot, "active",
                  bool_of(row, c_act), "last_rotated", date_of(row, c_rot),
                  "last_used", date_of(row, c_used), "last_used_service",
                  date_of(row, c_svc), "rotated_days", rot);
    /* Never used: unused since it was made (or last rotated). */
    json_object_set_new(k, "unused_days",
                        json_is_null(used) ? json_incref(rot) : used);
    if (json_is_null(used))
        json_decref(used);
    latest(last, tused);
    return k;
}

json_t *aws_iam_report_creds(const json_t *row, time_t now)
{
    json_t *c, *keys = json_array(), *pw_used, *pw_changed, *created;
    time_t tpw, tch, tcr, last = -1;
    int active = 0;

    pw_used = days_of(row, "password_last_used", now, &tpw);
    pw_changed = days_of(row, "password_last_changed", now, &tch);
    created = days_of(row, "user_creation_time", now, &tcr);
    latest(&last, tpw);
    for (int slot = 1; slot <= 2; slot++) {
        char c_act[32], c_rot[40];
        snprintf(c_act, sizeof(c_act), "access_key_%d_active", slot);
        snprintf(c_rot, sizeof(c_rot), "access_key_%d_last_rotated", slot);
        json_t *act = bool_of(row, c_act);
        const char *rot = json_string_value(json_object_get(row, c_rot));
        if (json_is_true(act))
            active++;
        /* a slot is in use when its key is active or has a date */
        if (!json_is_false(act) || !no_date(rot))
            json_array_append_new(keys, key_slot(row, slot, now, &last));
        json_decref(act);
    }
    c = json_pack("{s:o, s:o, s:o, s:o, s:o, s:i}", "password_enabled",
                  bool_of(row, "password_enabled"), "mfa_active",
                  bool_of(row, "mfa_active"), "password_last_used",
                  date_of(row, "password_last_used"), "password_last_changed",
                  date_of(row, "password_last_changed"), "access_keys", keys,
                  "access_keys_active", active);
    /* A password never used is unused since it was set (or since the
     * user was made, when the report does not say). */
    {
        json_t *en = json_object_get(c, "password_enabled"), *unused;
        if (json_is_false(en))
            unused = json_null();
        else if (!json_is_null(pw_used))
            unused = json_incref(pw_used);
        else if (!json_is_null(pw_changed))
            unused = json_incref(pw_changed);
        else
            unused = json_incref(created);
        json_object_set_new(c, "password_unused_days", unused);
    }
    json_object_set_new(c, "last_used",
                        last == (time_t)-1 ? json_null() : json_true());
    if (last != (time_t)-1) {
        char buf[32];
        struct tm tm;
        gmtime_r(&last, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_set_new(c, "last_used", json_string(buf));
        json_object_set_new(
            c, "last_used_days",
            json_integer(now > last ? (json_int_t)((now - last) / 86400) : 0));
    } else {
        json_object_set_new(c, "last_used_days", json_null());
    }
    json_decref(pw_used);
    json_decref(pw_changed);
    json_decref(created);
    return c;
}
