/*
 * cmd_rules.c: `fourc rules list|show|lint|test|import|coverage`, and the
 * loading of the rules every scan runs.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalogue.h"
#include "cmd.h"
#include "collector.h"
#include "engine.h"
#include "log.h"
#include "util.h"
#include "banned.h"

static const char rules_help[] =
    "Usage: fourc rules <list|show|lint|test|import|coverage> [options]\n"
    "\n"
    "  list [--pack P]           the rules a scan runs, one line each\n"
    "  show ID                   one rule in full\n"
    "  lint PATH...              check rule packs; every problem as "
    "file:line\n"
    "  test PATH...              run each rule of a pack on its fixtures\n"
    "                            (fixtures/<ID>/pass* and fail*, read by the\n"
    "                            collector of the rule's kinds)\n"
    "  import DIR                store a pack in the database for every "
    "later scan\n"
    "  coverage FRAMEWORK        every control of the framework's catalogue "
    "and the\n"
    "                            rules that decide it (--format text|json)\n"
    "\n"
    "Options: --db FILE (default ./fourc.db), --rules DIR (repeatable) adds "
    "a pack\n"
    "to list, show and coverage.\n";

static int rules_print_diag(struct diag *d)
{
    size_t i;

    for (i = 0; i < d->n; i++)
        fprintf(stderr, "%s\n", d->msgs[i]);
    return d->n ? -1 : 0;
}

static int rules_cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct rules_imported {
    struct ruleset *rs;
    struct store *st;
    struct diag *d;
    size_t problems;
};

static int rules_load_pack(const char *name, const char *files_json, void *arg)
{
    struct rules_imported *ri = arg;
    json_t *files = json_loads(files_json ? files_json : "", 0, NULL);
    const char *file;
    json_t *text;
    struct strbuf origin = STRBUF_INIT;
    const char **names = xcalloc(json_object_size(files) + 1, sizeof(*names));
    size_t nn = 0, j;

    /* in the order of their names, as from the pack's directory: a
     * view is declared in a file that sorts before the rules' */
    json_object_foreach(files, file, text)
    {
        names[nn++] = file;
    }
    if (nn > 1)
        qsort(names, nn, sizeof(*names), rules_cmp_name);
    for (j = 0; j < nn; j++) {
        text = json_object_get(files, names[j]);
        sb_setlen(&origin, 0);
        sb_addf(&origin, "%s(imported %s)/%s", store_path(ri->st), name,
                names[j]);
        ri->problems += ruleset_load_text(ri->rs, name, sb_str(&origin),
                                          json_string_value(text),
                                          json_string_length(text), ri->d);
    }
    free(names);
    sb_release(&origin);
    json_decref(files);
    return 0;
}

static size_t rules_load_imported(struct ruleset *rs, struct store *st,
                                  struct diag *d)
{
    struct rules_imported ri = {rs, st, d, 0};
    struct err fe;

    if (store_packs_foreach(st, rules_load_pack, &ri, &fe)) {
        diag_add(d, "%s", fe.msg);
        return ri.problems + 1;
    }
    return ri.problems;
}

int cmd_load_rules(struct ruleset *rs, struct store *st, char **dirs,
                   size_t ndirs)
{
    struct diag d = {0};
    size_t i, problems;

    if (!rs->kind_check)
        rs->kind_check = collector_kind_check;
    problems = ruleset_load_embedded(rs, 0, &d);
    if (st)
        problems += rules_load_imported(rs, st, &d);
    for (i = 0; i < ndirs; i++)
        problems += ruleset_load_path(rs, dirs[i], &d);
    if (problems == 0)
        problems += ruleset_check_unique(rs, &d);
    if (problems)
        log_error("%zu problem%s in the rules; nothing was scanned:", problems,
                  problems == 1 ? "" : "s");
    rules_print_diag(&d);
    diag_release(&d);
    return problems ? -1 : 0;
}

static const char *rules_cis(const struct rule *r)
{
    json_t *ids = json_object_get(json_object_get(r->doc, "frameworks"),
                                  "cis-kubernetes");
    if (!ids)
        ids = json_object_get(json_object_get(r->doc, "frameworks"),
                              "cis-docker");
    return json_string_value(json_array_get(ids, 0));
}

static int rules_list(const struct ruleset *rs, const char *pack)
{
    size_t i;

    printf("%-30s %-9s %-8s %-7s %-8s %s\n", "ID", "SEVERITY", "PILLAR", "CIS",
           "TYPE", "TITLE");
    for (i = 0; i < rs->n; i++) {
        const struct rule *r = rs->rules[i];
        const char *cis = rules_cis(r);
        if (pack && strcmp(pack, r->pack) != 0)
            continue;
        printf("%-30s %-9s %-8s %-7s %-8s %s\n", r->id, r->severity, r->pillar,
               cis ? cis : "-",
               !r->automated                          ? "manual"
               : r->check && r->check->type == CK_SQL ? "sql"
                                                      : "auto",
               r->title);
    }
    return EXIT_CLEAN;
}

static void rules_show_field(const struct rule *r, const char *key)
{
    const char *v = json_string_value(json_object_get(r->doc, key));
    if (v)
        printf("%s:\n  %s\n", key, v);
}

static int rules_show(const struct ruleset *rs, const char *id)
{
    const struct rule *r = ruleset_find(rs, id);
    json_t *v, *ids;
    const char *k;
    char *check;
    size_t i;

    if (!r) {
        log_error("no rule %s (see 'fourc rules list')", id);
        return EXIT_TROUBLE;
    }
    printf("id:        %s\ntitle:     %s\npack:      %s (%s)\nversion:   %s\n"
           "pillar:    %s\nseverity:  %s\nlevel:     %d\nautomated: %s\n"
           "kinds:    ",
           r->id, r->title, r->pack, r->origin, r->hash, r->pillar, r->severity,
           r->level, r->automated ? "yes" : "no (manual)");
    for (i = 0; i < r->nkinds; i++)
        printf(" %s", r->kinds[i]);
    printf("\nframeworks:\n");
    json_object_foreach(json_object_get(r->doc, "frameworks"), k, ids)
    {
        printf("  %-22s", k);
        json_array_foreach(ids, i, v)
        {
            printf(" %s", json_string_value(v));
        }
        printf("\n");
    }
    rules_show_field(r, "description");
    rules_show_field(r, "rationale");
    rules_show_field(r, "remediation");
    if ((v = json_object_get(r->doc, "references"))) {
        json_t *ref;
        printf("references:\n");
        json_array_foreach(v, i, ref)
        {
            printf("  %s\n", json_string_value(ref));
        }
    }
    if ((v = json_object_get(r->doc, "check"))) {
        check = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("check:\n%s\n", check ? check : "");
        free(check);
    }
    return EXIT_CLEAN;
}

static int rules_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Says which frameworks the rules cite have no catalogue, so their ids
 * went unchecked (a user's own framework, a tool's rule ids). */
static void rules_lint_uncatalogued(const struct ruleset *rs)
{
    json_t *seen = json_object();
    const char *fw;
    json_t *v;
    size_t i;

    for (i = 0; i < rs->n; i++)
        json_object_foreach(json_object_get(rs->rules[i]->doc, "frameworks"),
                            fw, v)
        {
            if (!catalogue_find(fw))
                json_object_set_new(seen, fw, json_true());
        }
    if (json_object_size(seen)) {
        struct strbuf sb = STRBUF_INIT;
        const char **names = xcalloc(json_object_size(seen), sizeof(*names));
        size_t n = 0;
        json_object_foreach(seen, fw, v)
        {
            names[n++] = fw;
        }
        qsort(names, n, sizeof(*names), rules_cmp_str);
        for (i = 0; i < n; i++)
            sb_addf(&sb, "%s%s", i ? ", " : "", names[i]);
        printf("note: no catalogue for %s: those ids are not checked\n",
               sb_str(&sb));
        sb_release(&sb);
        free(names);
    }
    json_decref(seen);
}

static int rules_lint(int n, char **paths)
{
    struct ruleset rs = {.kind_check = collector_kind_check};
    struct diag d = {0};
    size_t problems = 0;
    int i;

    if (n == 0)
        return cmd_usage("rules", "lint needs a rule file or pack directory");
    problems += catalogue_problems(&d);
    for (i = 0; i < n; i++)
        problems += ruleset_load_path(&rs, paths[i], &d);
    problems += ruleset_check_unique(&rs, &d);
    rules_print_diag(&d);
    if (problems)
        fprintf(stderr, "%zu problem%s\n", problems, problems == 1 ? "" : "s");
    else
        printf("%zu rules, no problems\n", rs.n);
    rules_lint_uncatalogued(&rs);
    diag_release(&d);
    ruleset_release(&rs);
    return problems ? EXIT_TROUBLE : EXIT_CLEAN;
}

/* ---- rules test: every rule against its fixtures ---- */

struct rules_fixture {
    struct engine *eng;
    const char *target_uid;
    const char *pillar;
};

static int rules_fx_emit(struct collect_ctx *ctx, const struct resource *r,
                         struct err *e)
{
    struct rules_fixture *fx = ctx->data;
    return engine_resource(fx->eng, fx->target_uid, r, e);
}

static int rules_fx_input(struct collect_ctx *ctx, const char *source,
                          const char *msg, struct err *e)
{
    struct rules_fixture *fx = ctx->data;
    return engine_input_error(fx->eng, fx->target_uid, fx->pillar, source, msg,
                              e);
}

static int rules_fx_not_evaluated(struct collect_ctx *ctx,
                                  const char *kind_prefix, const char *msg,
                                  struct err *e)
{
    struct rules_fixture *fx = ctx->data;
    return engine_target_failed(fx->eng, fx->target_uid, kind_prefix, msg, e);
}

/*
 * A fixture "NAME.input.json", {"pillar": P, "source": S, "error": M}: the
 * input error a collector of pillar P reports as M about S. The input rules
 * of pillars that no collector reads files for are tested with these.
 */
static int rules_fx_input_json(struct engine *eng, const char *path,
                               struct err *e)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    const char *pillar, *source, *msg;
    int rc;

    if (!j)
        return err_set(e, "%s:%d: %s", path, je.line, je.text);
    pillar = json_string_value(json_object_get(j, "pillar"));
    source = json_string_value(json_object_get(j, "source"));
    msg = json_string_value(json_object_get(j, "error"));
    if (!pillar || !source || !msg)
        rc = err_set(e,
                     "%s: an input error fixture needs the strings pillar, "
                     "source and error",
                     path);
    else
        rc = engine_input_error(eng, "target:fixture", pillar, source, msg, e);
    json_decref(j);
    return rc;
}

/* A rule that judges input errors: its verdict on a bad input is error. */
static int rules_is_input_rule(const struct rule *r)
{
    return r->nkinds == 1 && strcmp(r->kinds[0], "fourc/InputError") == 0;
}

/* A fixture run's findings of its rule: counts by status, and the first
 * finding that did not pass. */
struct rules_fx_count {
    size_t *counts;
    char *first_msg;
    size_t cap;
};

static int rules_fx_status(const char *s, const char *msg, void *arg)
{
    struct rules_fx_count *fc = arg;
    int k;

    for (k = 0; k < 6; k++)
        if (strcmp(s, status_names[k]) == 0)
            fc->counts[k]++;
    if (strcmp(s, "pass") != 0 && !fc->first_msg[0])
        snprintf(fc->first_msg, fc->cap, "%s: %s", s, msg);
    return 0;
}

/* Scans one fixture with one rule in a fresh in-memory database and
 * counts the rule's findings by status. col reads it; NULL: nothing is
 * collected (a target of the rule's pillar alone, plus the input error
 * of a *.input.json). */
static int rules_run_fixture(struct rule *r, const struct ruleset *pack,
                             const char *path, const struct collector *col,
                             size_t counts[6], char *first_msg, size_t cap,
                             struct err *e)
{
    /* the rule alone, with the views of its pack */
    struct ruleset one = {&r, 1, pack->views, pack->nviews, pack->kind_check};
    struct store *st = NULL;
    struct engine *eng = NULL;
    struct strbuf ref = STRBUF_INIT;
    struct target t = {col ? col->name : "fixture", path, NULL, NULL};
    const char *pillar = col ? col->pillar : r->pillar;
    struct rules_fixture fx;
    struct collect_ctx ctx = {.target = &t,
                              .emit = rules_fx_emit,
                              .input_error = rules_fx_input,
                              .not_evaluated = rules_fx_not_evaluated,
                              .data = &fx};
    struct rules_fx_count fc = {counts, first_msg, cap};
    int64_t id;
    int rc = -1;

    memset(counts, 0, 6 * sizeof(size_t));
    first_msg[0] = '\0';
    if (col && col->fixture_prefix) {
        sb_addf(&ref, "%s%s", col->fixture_prefix, path);
        t.ref = sb_str(&ref);
    }
    if (store_open(&st, ":memory:", STORE_CREATE, e) ||
        store_scan_begin(st, "[]", "rules test", &id, e) ||
        engine_store_rules(st, id, &one, e))
        goto out;
    eng = engine_new(st, id, &one);
    fx.eng = eng;
    fx.target_uid = "target:fixture";
    fx.pillar = pillar;
    {
        json_t *tdoc = json_pack("{s:s, s:s, s:o}", "pillar", pillar, "type",
                                 t.type, "ref", json_string_lossy(path));
        struct resource tr = {
            "fourc/Target", "target:fixture", path, NULL, path, tdoc};
        int bad = engine_resource(eng, "target:fixture", &tr, e);
        json_decref(tdoc);
        if (bad ||
            (str_has_suffix(path, ".input.json")
                 ? rules_fx_input_json(eng, path, e)
             : col ? col->collect(&t, &ctx, e)
                   : 0) ||
            engine_finish(eng, e))
            goto out;
    }
    if (store_rule_findings_foreach(st, r->ref, rules_fx_status, &fc, e))
        goto out;
    rc = 0;
out:
    engine_free(eng);
    store_free(st);
    sb_release(&ref);
    return rc;
}

static int rules_test_rule(struct rule *r, const struct ruleset *pack,
                           const char *pack_dir, size_t *failures)
{
    struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT;
    DIR *d;
    struct dirent *de;
    int have_pass = 0, have_fail = 0;
    const struct collector *col;
    size_t counts[6];
    char msg[512];
    struct err e;

    sb_addf(&dir, "%s/fixtures/%s", pack_dir, r->id);
    d = opendir(sb_str(&dir));
    while (d && (de = readdir(d))) {
        int want_pass = strncmp(de->d_name, "pass", 4) == 0;
        int want_fail = strncmp(de->d_name, "fail", 4) == 0;
        const char *verdict = "ok";

        /* every pass* and fail* is a fixture: one no collector reads is
         * a problem, never silently left out */
        if (!(want_pass || want_fail))
            continue;
        sb_setlen(&path, 0);
        sb_addf(&path, "%s/%s", sb_str(&dir), de->d_name);
        /* the collector: one emitting the rule's kinds that reads files
         * named so (collectors' fixture_names) */
        col = NULL;
        if (!str_has_suffix(de->d_name, ".input.json") &&
            !(col = collector_for_fixture((const char *const *)r->kinds,
                                          r->nkinds, sb_str(&path), msg,
                                          sizeof(msg)))) {
            printf("FAIL %-30s %s: %s\n", r->id, de->d_name, msg);
            (*failures)++;
            continue;
        }
        log_set_quiet(1);
        if (rules_run_fixture(r, pack, sb_str(&path), col, counts, msg,
                              sizeof(msg), &e)) {
            log_set_quiet(0);
            printf("FAIL %-30s %s: %s\n", r->id, de->d_name, e.msg);
            (*failures)++;
            continue;
        }
        log_set_quiet(0);
        if (!r->automated) {
            if (counts[ST_MANUAL] == 0 || counts[ST_PASS] || counts[ST_FAIL])
                verdict = "expected manual findings only";
        } else if (rules_is_input_rule(r)) {
            /* an input rule has findings for bad input only: error */
            have_pass |= want_pass;
            have_fail |= want_fail;
            if (want_pass &&
                (counts[ST_PASS] || counts[ST_FAIL] || counts[ST_ERROR]))
                verdict = "expected no input error";
            else if (want_fail && counts[ST_ERROR] == 0)
                verdict = "expected an error (an input error), got none";
            else if (want_fail && (counts[ST_PASS] || counts[ST_FAIL]))
                verdict = "expected errors only";
        } else if (want_pass) {
            have_pass = 1;
            if (!counts[ST_PASS] && !counts[ST_FAIL] && !counts[ST_ERROR] &&
                !counts[ST_SKIP])
                /* a pass fixture proves nothing if the rule never looked
                 * at it (kinds, or a select: that picks nothing) */
                verdict = "expected a pass, got no finding of the rule "
                          "(do its kinds and select: pick a resource of "
                          "the fixture?)";
            else if (counts[ST_PASS] == 0)
                verdict = "expected a pass, got none";
            else if (counts[ST_FAIL] || counts[ST_ERROR])
                verdict = "expected only passes";
        } else {
            have_fail = 1;
            if (counts[ST_FAIL] == 0)
                verdict = "expected a fail, got none";
        }
        if (strcmp(verdict, "ok") == 0) {
            printf("ok   %-30s %-24s pass=%zu fail=%zu error=%zu skip=%zu "
                   "manual=%zu\n",
                   r->id, de->d_name, counts[ST_PASS], counts[ST_FAIL],
                   counts[ST_ERROR], counts[ST_SKIP], counts[ST_MANUAL]);
        } else {
            printf("FAIL %-30s %s: %s (pass=%zu fail=%zu error=%zu) %s\n",
                   r->id, de->d_name, verdict, counts[ST_PASS], counts[ST_FAIL],
                   counts[ST_ERROR], msg);
            (*failures)++;
        }
    }
    if (d)
        closedir(d);
    if (!r->automated) {
        /* A manual rule needs no fixture: a target of its pillar alone
         * must yield manual. */
        if (rules_run_fixture(r, pack, "/dev/null", NULL, counts, msg,
                              sizeof(msg), &e) ||
            counts[ST_MANUAL] == 0 || counts[ST_PASS] || counts[ST_FAIL]) {
            printf("FAIL %-30s a manual rule must give manual findings only "
                   "(kinds: [fourc/Target]?)\n",
                   r->id);
            (*failures)++;
        } else {
            printf("ok   %-30s %-24s manual=%zu\n", r->id, "(manual)",
                   counts[ST_MANUAL]);
        }
    } else if (!have_pass || !have_fail) {
        printf("FAIL %-30s missing fixture: %s/%s\n", r->id, sb_str(&dir),
               !have_pass ? "pass.yaml" : "fail.yaml");
        (*failures)++;
    }
    sb_release(&dir);
    sb_release(&path);
    return 0;
}

static int rules_test(int n, char **paths)
{
    size_t failures = 0, tested = 0, i;
    int k;

    if (n == 0)
        return cmd_usage("rules", "test needs a pack directory");
    for (k = 0; k < n; k++) {
        struct ruleset rs = {.kind_check = collector_kind_check};
        struct diag d = {0};
        if (ruleset_load_path(&rs, paths[k], &d) ||
            ruleset_check_unique(&rs, &d)) {
            rules_print_diag(&d);
            diag_release(&d);
            ruleset_release(&rs);
            return EXIT_TROUBLE;
        }
        for (i = 0; i < rs.n; i++, tested++)
            rules_test_rule(rs.rules[i], &rs, paths[k], &failures);
        diag_release(&d);
        ruleset_release(&rs);
    }
    printf("%zu rules tested, %zu problem%s\n", tested, failures,
           failures == 1 ? "" : "s");
    return failures ? EXIT_FINDINGS : EXIT_CLEAN;
}

/* ---- rules import ---- */

static int rules_import(const char *db, const char *dir)
{
    struct ruleset rs = {.kind_check = collector_kind_check};
    struct diag d = {0};
    struct store *st = NULL;
    struct err e;
    json_t *files = json_object();
    DIR *dh;
    struct dirent *de;
    const char *slash;
    char *pack = NULL, *filesj = NULL, now[32];
    int status = EXIT_TROUBLE;
    struct strbuf p = STRBUF_INIT;

    if (ruleset_load_path(&rs, dir, &d) || ruleset_check_unique(&rs, &d)) {
        rules_print_diag(&d);
        log_error("%s: not imported", dir);
        goto out;
    }
    if (!(dh = opendir(dir))) {
        log_error("%s: import takes a pack directory: %s", dir,
                  strerror(errno));
        goto out;
    }
    while ((de = readdir(dh))) {
        FILE *f;
        char buf[65536];
        size_t n;
        if (de->d_name[0] == '.' || !(str_has_suffix(de->d_name, ".yaml") ||
                                      str_has_suffix(de->d_name, ".yml")))
            continue;
        sb_setlen(&p, 0);
        sb_addf(&p, "%s/%s", dir, de->d_name);
        if (!(f = fopen(sb_str(&p), "rb")))
            continue;
        sb_setlen(&p, 0);
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
            sb_add(&p, buf, n);
        fclose(f);
        json_object_set_new(files, de->d_name, json_stringn(sb_str(&p), p.len));
    }
    closedir(dh);
    sb_setlen(&p, 0);
    sb_adds(&p, dir);
    while (p.len > 1 && p.buf[p.len - 1] == '/')
        sb_setlen(&p, p.len - 1);
    slash = strrchr(sb_str(&p), '/');
    pack = xstrdup(slash ? slash + 1 : sb_str(&p));
    if (store_open(&st, db, STORE_CREATE, &e)) {
        log_error("%s", e.msg);
        goto out;
    }
    /* An imported pack may not redefine a rule already known. */
    {
        struct ruleset all = {.kind_check = collector_kind_check};
        if (cmd_load_rules(&all, st, NULL, 0) == 0) {
            size_t i;
            for (i = 0; i < rs.n; i++) {
                const struct rule *dup = ruleset_find(&all, rs.rules[i]->id);
                if (dup && strcmp(dup->pack, pack) != 0) {
                    log_error("%s: rule %s is already defined at %s",
                              rs.rules[i]->origin, rs.rules[i]->id,
                              dup->origin);
                    ruleset_release(&all);
                    goto out;
                }
            }
        }
        ruleset_release(&all);
    }
    filesj = json_dumps(files, JSON_COMPACT | JSON_SORT_KEYS);
    now_rfc3339(now);
    if (store_pack_put(st, pack, dir, filesj, now, &e)) {
        log_error("%s", e.msg);
        goto out;
    }
    printf("imported pack %s: %zu rules into %s\n", pack, rs.n, db);
    status = EXIT_CLEAN;
out:
    store_free(st);
    ruleset_release(&rs);
    diag_release(&d);
    json_decref(files);
    free(pack);
    free(filesj);
    sb_release(&p);
    return status;
}

int cmd_rules(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"rules", required_argument, NULL, 'r'},
        {"pack", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = CMD_DEFAULT_DB, *pack = NULL, *sub, *format = "text";
    char **dirs = NULL;
    size_t ndirs = 0;
    struct ruleset rs = {.kind_check = collector_kind_check};
    struct store *st = NULL;
    struct err e;
    struct stat sb;
    int c, status = EXIT_TROUBLE;

    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'r':
            dirs = xrealloc(dirs, (ndirs + 1) * sizeof(*dirs));
            dirs[ndirs++] = optarg;
            break;
        case 'p':
            pack = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(rules_help, stdout);
            free(dirs);
            return EXIT_CLEAN;
        case ':':
            free(dirs);
            return cmd_usage("rules", "%s needs a value", argv[optind - 1]);
        default:
            free(dirs);
            return cmd_usage("rules", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        free(dirs);
        return cmd_usage("rules",
                         "which? list, show, lint, test, import or coverage");
    }
    sub = argv[optind++];
    if (strcmp(sub, "lint") == 0)
        status = rules_lint(argc - optind, argv + optind);
    else if (strcmp(sub, "test") == 0)
        status = rules_test(argc - optind, argv + optind);
    else if (strcmp(sub, "import") == 0)
        status = argc - optind == 1
                     ? rules_import(db, argv[optind])
                     : cmd_usage("rules", "import takes one pack directory");
    else if (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0 ||
             strcmp(sub, "coverage") == 0) {
        if (strcmp(sub, "list") != 0 && argc - optind != 1) {
            status = cmd_usage("rules", "%s takes one %s", sub,
                               *sub == 's' ? "rule id" : "framework");
            goto out;
        }
        if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
            status = cmd_usage("rules", "--format %s: unknown (text or json)",
                               format);
            goto out;
        }
        /* Imported packs count, but listing never creates a database. */
        if (stat(db, &sb) == 0 && store_open(&st, db, STORE_EXISTING, &e)) {
            log_error("%s", e.msg);
            goto out;
        }
        if (cmd_load_rules(&rs, st, dirs, ndirs))
            goto out;
        if (strcmp(sub, "coverage") == 0)
            status = cmd_rules_coverage(&rs, argv[optind], format);
        else
            status = strcmp(sub, "list") == 0 ? rules_list(&rs, pack)
                                              : rules_show(&rs, argv[optind]);
    } else {
        status = cmd_usage("rules", "'%s' is not a rules command", sub);
    }
out:
    ruleset_release(&rs);
    store_free(st);
    free(dirs);
    return status;
}
