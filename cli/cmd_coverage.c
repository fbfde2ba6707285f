/*
 * cmd_coverage.c: `fourc rules coverage FRAMEWORK`: every control of a
 * framework's catalogue against the rules a scan would run.
 *
 * A control is "automated" when at least one automated rule decides it,
 * "manual" when only rules with automated: false name it (each scan gives
 * a manual finding for a person to review), and "none" when no rule names
 * it. The benchmark's own assessment status (CIS "Automated"/"Manual") is
 * shown beside it: it says how CIS would check the control, not what
 * fourc does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "cmd.h"
#include "log.h"
#include "banned.h"

/* The rules of rs that map framework's control id; new reference, a list
 * of {"id", "automated"} in rule order. */
static json_t *coverage_rules(const struct ruleset *rs, const char *framework,
                              const char *id, int *automated)
{
    json_t *out = json_array();
    size_t i, j;

    *automated = 0;
    for (i = 0; i < rs->n; i++) {
        const struct rule *r = rs->rules[i];
        json_t *ids =
            json_object_get(json_object_get(r->doc, "frameworks"), framework);
        json_t *v;
        json_array_foreach(ids, j, v)
        {
            if (!json_is_string(v) || strcmp(json_string_value(v), id) != 0)
                continue;
            json_array_append_new(out, json_pack("{s:s, s:b}", "id", r->id,
                                                 "automated", r->automated));
            if (r->automated)
                *automated = 1;
            break;
        }
    }
    return out;
}

/* The coverage document ("fourc.coverage/v1"); new reference. */
static json_t *coverage_doc(const struct ruleset *rs, const struct catalogue *c)
{
    json_t *controls = json_array(), *doc;
    size_t i, counts[3] = {0, 0, 0};
    static const char *const names[] = {"automated", "manual", "none"};

    for (i = 0; i < c->n; i++) {
        const struct control *ct = &c->controls[i];
        int automated, k;
        json_t *rules = coverage_rules(rs, c->framework, ct->id, &automated);
        json_t *o;

        k = automated ? 0 : json_array_size(rules) ? 1 : 2;
        counts[k]++;
        o = json_pack(
            "{s:s, s:s, s:s?, s:s?, s:o, s:s, s:o}", "id", ct->id, "title",
            ct->title, "section", ct->section, "section_title",
            ct->section ? catalogue_section_title(c, ct->section) : NULL,
            "level", ct->level ? json_integer(ct->level) : json_null(),
            "coverage", names[k], "rules", rules);
        json_object_set_new(o, "assessment",
                            ct->automated < 0 ? json_null()
                            : ct->automated   ? json_string("automated")
                                              : json_string("manual"));
        json_array_append_new(controls, o);
    }
    doc = json_pack("{s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I}}", "schema",
                    "fourc.coverage/v1", "framework", c->framework, "title",
                    c->title, "version", c->version, "counts", "controls",
                    (json_int_t)c->n, "automated", (json_int_t)counts[0],
                    "manual", (json_int_t)counts[1], "none",
                    (json_int_t)counts[2]);
    json_object_set_new(doc, "controls", controls);
    return doc;
}

static void coverage_text(const json_t *doc)
{
    const json_t *counts = json_object_get(doc, "counts"), *ct;
    const json_t *controls = json_object_get(doc, "controls");
    const char *section = "";
    int w = 7; /* "CONTROL" */
    size_t i;

    json_array_foreach(controls, i, ct)
    {
        int n = (int)strlen(json_string_value(json_object_get(ct, "id")));
        if (n > w)
            w = n;
    }
    printf("%s %s (%s)\n", json_string_value(json_object_get(doc, "title")),
           json_string_value(json_object_get(doc, "version")),
           json_string_value(json_object_get(doc, "framework")));
    printf("\n%-*s %-10s %-10s %s\n", w, "CONTROL", "COVERAGE", "CATALOGUE",
           "TITLE / RULES");
    json_array_foreach(controls, i, ct)
    {
        const char *sec = json_string_value(json_object_get(ct, "section"));
        const char *assess =
            json_string_value(json_object_get(ct, "assessment"));
        const json_t *rules = json_object_get(ct, "rules"), *r;
        size_t j;

        if (sec && strcmp(sec, section) != 0) {
            const char *st =
                json_string_value(json_object_get(ct, "section_title"));
            printf("\n%s %s\n", sec, st ? st : "");
            section = sec;
        }
        printf("%-*s %-10s %-10s %s\n", w,
               json_string_value(json_object_get(ct, "id")),
               json_string_value(json_object_get(ct, "coverage")),
               assess ? assess : "-",
               json_string_value(json_object_get(ct, "title")));
        json_array_foreach(rules, j, r)
        {
            printf("%-*s %s%s\n", w + 22, "",
                   json_string_value(json_object_get(r, "id")),
                   json_is_true(json_object_get(r, "automated")) ? ""
                                                                 : " (manual)");
        }
    }
    printf("\n%lld controls: %lld automated, %lld manual, %lld not covered\n",
           (long long)json_integer_value(json_object_get(counts, "controls")),
           (long long)json_integer_value(json_object_get(counts, "automated")),
           (long long)json_integer_value(json_object_get(counts, "manual")),
           (long long)json_integer_value(json_object_get(counts, "none")));
}

int cmd_rules_coverage(const struct ruleset *rs, const char *framework,
                       const char *format)
{
    const struct catalogue *c = catalogue_find(framework), *all;
    struct strbuf known = STRBUF_INIT;
    json_t *doc;
    size_t i, n;

    if (!c) {
        all = catalogue_all(&n);
        for (i = 0; i < n; i++)
            sb_addf(&known, "%s%s", i ? ", " : "", all[i].framework);
        log_error("rules coverage: no catalogue for framework '%s' (known: "
                  "%s)",
                  framework, sb_str(&known));
        sb_release(&known);
        return EXIT_TROUBLE;
    }
    doc = coverage_doc(rs, c);
    if (strcmp(format, "json") == 0) {
        char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s)
            printf("%s\n", s);
        free(s);
    } else {
        coverage_text(doc);
    }
    json_decref(doc);
    return EXIT_CLEAN;
}
