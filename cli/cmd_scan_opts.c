/*
 * cmd_scan_opts.c: `fourc scan`'s command line: its own options and every
 * collector's, in one table, --help built from them, and the checks that
 * only the whole command line can make.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_scan_int.h"
#include "collector.h"
#include "log.h"
#include "reporter.h"
#include "util.h"
#include "banned.h"

static void scan_add_target(struct scan_opts *o, const char *type,
                            const char *ref, const void *opts)
{
    scan_insert_target(o, o->ntargets, type, ref, opts, NULL, NULL);
}

/* ---- options: scan's own table and the collectors' ---- */

/*
 * scan's own options, in the form collectors declare theirs (struct
 * collector_opt, state: struct scan_opts). A new scan option (one that
 * is no collector's) is one row here with its set hook; short_name is its
 * one-letter form, label what --help shows instead of "--name ARG"
 * (NULL: that), and a NULL help keeps it out of --help (another row
 * documents it). "{formats}" in a help text becomes the reporters' names.
 */
struct scan_opt {
    struct collector_opt o;
    char short_name;
    const char *label;
};

static int scan_set_db(void *state, const char *v, struct err *e)
{
    (void)e;
    ((struct scan_opts *)state)->db = v;
    return 0;
}

static int scan_set_rules(void *state, const char *v, struct err *e)
{
    struct scan_opts *o = state;

    (void)e;
    scan_push(&o->rule_dirs, &o->nrule_dirs, (char *)v);
    return 0;
}

static int scan_set_format(void *state, const char *v, struct err *e)
{
    struct scan_opts *o = state;
    char names[256];

    if (!reporter_find(v))
        return err_set(e, "--format %s: unknown format (known: %s)", v,
                       reporter_names(names, sizeof(names)));
    scan_push(&o->formats, &o->nformats, (char *)v);
    return 0;
}

static int scan_set_output(void *state, const char *v, struct err *e)
{
    struct scan_opts *o = state;

    if (o->noutputs >= o->nformats)
        return err_set(e, "-o %s: give --format before each -o", v);
    scan_push(&o->outputs, &o->noutputs, (char *)v);
    return 0;
}

static int scan_set_fail_on(void *state, const char *v, struct err *e)
{
    if (severity_rank(v) < 0)
        return err_set(e,
                       "--fail-on %s: expected critical, high, medium, low or "
                       "info",
                       v);
    ((struct scan_opts *)state)->fail_on = v;
    return 0;
}

static int scan_set_quiet(void *state, const char *v, struct err *e)
{
    (void)v;
    (void)e;
    ((struct scan_opts *)state)->quiet = 1;
    return 0;
}

static int scan_set_reevaluate(void *state, const char *v, struct err *e)
{
    char *end;

    if (strcmp(v, "latest") != 0 && (strtoll(v, &end, 10) <= 0 || *end))
        return err_set(e, "--reevaluate %s: expected a scan id or 'latest'", v);
    ((struct scan_opts *)state)->reevaluate = v;
    return 0;
}

static const struct scan_opt scan_options[] = {
    {{"reevaluate", "ID",
      "instead of targets: judge the resources stored by\nscan ID (or "
      "'latest') against today's rules, as a\nnew scan",
      0, scan_set_reevaluate},
     0,
     NULL},
    {{"db", "FILE", "database to store the scan in (default ./fourc.db)", 0,
      scan_set_db},
     0,
     NULL},
    {{"rules", "DIR", "also run the rule pack in DIR (repeatable)", 1,
      scan_set_rules},
     0,
     NULL},
    {{"format", "F",
      "write a report (repeatable; F: one of\n{formats});\nwithout -o the "
      "report goes to stdout and the\nsummary to stderr",
      1, scan_set_format},
     0,
     "--format F -o FILE"},
    {{"output", "FILE", NULL, 1, scan_set_output}, 'o', NULL},
    {{"fail-on", "SEVERITY",
      "exit 1 when a finding at or above SEVERITY (critical,\nhigh, medium, "
      "low, info) fails or could not be\nevaluated (error)",
      0, scan_set_fail_on},
     0,
     NULL},
    {{"quiet", NULL, "no summary, no progress", 1, scan_set_quiet},
     'q',
     "-q, --quiet"},
    {{"help", NULL, "this help", 1, NULL}, 'h', "-h, --help"},
};

#define SCAN_NOPTIONS (sizeof(scan_options) / sizeof(scan_options[0]))

/* One option the command line knows: scan's own (col NULL), a
 * collector's target option (opt NULL) or one of a collector's own. */
struct scan_optref {
    const struct collector_opt *opt;
    const struct collector *col;
    const struct scan_opt *own;
    void *state;
    int given;
};

static void scan_optref_add(struct scan_optref **v, size_t *n,
                            const struct collector_opt *opt,
                            const struct collector *col,
                            const struct scan_opt *own, void *state)
{
    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[*n].opt = opt;
    (*v)[*n].col = col;
    (*v)[*n].own = own;
    (*v)[*n].state = state;
    (*v)[(*n)++].given = 0;
}

/* Every option in --help order: each collector's target option followed
 * by its own options, then scan's own. */
static size_t scan_optrefs(struct scan_optref **out, void **states)
{
    struct scan_optref *v = NULL;
    const struct collector *c;
    const struct collector_opt *co;
    size_t n = 0, i;

    for (i = 0; (c = collector_at(i)); i++) {
        scan_optref_add(&v, &n, NULL, c, NULL, states ? states[i] : NULL);
        for (co = c->opts; co && co->name; co++)
            scan_optref_add(&v, &n, co, c, NULL, states ? states[i] : NULL);
    }
    for (i = 0; i < SCAN_NOPTIONS; i++)
        scan_optref_add(&v, &n, &scan_options[i].o, NULL, &scan_options[i],
                        NULL);
    *out = v;
    return n;
}

static const char *scan_optname(const struct scan_optref *r)
{
    return r->opt ? r->opt->name : r->col->name;
}

/* "  --image REF          help\n                       more help". */
static void scan_help_line(FILE *out, const char *label, const char *help,
                           const char *suffix)
{
    char names[256];
    const char *p;

    if (strlen(label) < 20)
        fprintf(out, "  %-20s ", label);
    else
        fprintf(out, "  %s  ", label);
    for (p = help; *p; p++) {
        if (*p == '\n') {
            fputs("\n                       ", out);
        } else if (strncmp(p, "{formats}", 9) == 0) {
            fputs(reporter_names(names, sizeof(names)), out);
            p += 8;
        } else {
            fputc(*p, out);
        }
    }
    fprintf(out, "%s\n", suffix);
}

static void scan_help(FILE *out)
{
    struct scan_optref *refs;
    size_t n = scan_optrefs(&refs, NULL), i;
    struct strbuf label = STRBUF_INIT;

    fputs("Usage: fourc scan [targets] [options]\n\nTargets (repeatable), "
          "each with its own options below it:\n",
          out);
    for (i = 0; i < n; i++) {
        const struct scan_optref *r = &refs[i];
        const char *help = r->opt ? r->opt->help : r->col->help;

        if (r->own && (i == 0 || !refs[i - 1].own))
            fputs("\nOptions:\n", out);
        if (!help)
            continue;
        sb_setlen(&label, 0);
        if (r->opt && r->col)
            sb_adds(&label, "  "); /* an option of the target above */
        if (r->own && r->own->label)
            sb_adds(&label, r->own->label);
        else if (r->opt ? !r->opt->arg : !r->col->arg)
            sb_addf(&label, "--%s", scan_optname(r));
        else
            sb_addf(&label, "--%s %s", scan_optname(r),
                    r->opt ? r->opt->arg : r->col->arg);
        scan_help_line(out, sb_str(&label), help,
                       !r->opt && r->col->target_once ? " (once)" : "");
    }
    fputs("\nExit status: 0 clean, 1 findings at or above --fail-on, 2 usage "
          "or runtime error.\n",
          out);
    sb_release(&label);
    free(refs);
}

/* "nothing to scan: give --manifests PATH, ... or --image REF" */
static int scan_nothing(void)
{
    struct strbuf sb = STRBUF_INIT;
    const struct collector *c;
    size_t i, n = 0;
    int rc;

    while (collector_at(n))
        n++;
    for (i = 0; (c = collector_at(i)); i++)
        sb_addf(&sb, "%s--%s%s%s",
                i == 0       ? ""
                : i + 1 == n ? " or "
                             : ", ",
                c->name, c->arg ? " " : "", c->arg ? c->arg : "");
    rc = cmd_usage("scan", "nothing to scan: give %s", sb_str(&sb));
    sb_release(&sb);
    return rc;
}

/* getopt_long over refs: 0, -1 after --help, or EXIT_TROUBLE. */
static int scan_parse_refs(struct scan_opts *o, int argc, char **argv,
                           struct scan_optref *refs, size_t n)
{
    struct option *longopts = xcalloc(n + 1, sizeof(*longopts));
    struct strbuf shorts = STRBUF_INIT;
    struct err e;
    size_t i, j;
    int c, rc = 0;

    sb_adds(&shorts, ":");
    for (i = 0; i < n; i++) {
        const struct scan_optref *r = &refs[i];
        for (j = 0; j < i; j++)
            if (strcmp(scan_optname(&refs[j]), scan_optname(r)) == 0) {
                /* two collectors (or one and scan) claim one name */
                log_error("internal: option --%s is declared twice",
                          scan_optname(r));
                rc = EXIT_TROUBLE;
                goto out;
            }
        longopts[i].name = scan_optname(r);
        /* a flag: an option without a value, or a target option of a
         * collector whose target takes none (--aws) */
        longopts[i].has_arg = (r->opt ? !r->opt->arg : !r->col->arg)
                                  ? no_argument
                                  : required_argument;
        longopts[i].val = 256 + (int)i;
        if (r->own && r->own->short_name)
            sb_addf(&shorts, "%c%s", r->own->short_name,
                    longopts[i].has_arg == no_argument ? "" : ":");
    }
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, sb_str(&shorts), longopts, NULL)) !=
           -1) {
        struct scan_optref *r = NULL;

        if (c == ':') {
            rc = cmd_usage("scan", "%s needs a value", argv[optind - 1]);
            goto out;
        }
        if (c >= 256)
            r = &refs[c - 256];
        for (i = 0; !r && c != '?' && i < n; i++)
            if (refs[i].own && refs[i].own->short_name == c)
                r = &refs[i];
        if (!r) {
            rc = cmd_usage("scan", "unknown option %s", argv[optind - 1]);
            goto out;
        }
        if (r->given++ &&
            !(r->opt ? r->opt->repeatable : !r->col->target_once)) {
            rc = cmd_usage("scan", "--%s given twice: it takes one %s",
                           scan_optname(r), r->opt ? "value" : "target");
            goto out;
        }
        if (!r->opt) {
            /* a target without a value is named by its collector */
            scan_add_target(o, r->col->name, optarg ? optarg : r->col->name,
                            r->state);
        } else if (!r->opt->set) {
            scan_help(stdout);
            rc = -1;
            goto out;
        } else if (r->opt->set(r->own ? (void *)o : r->state, optarg, &e)) {
            rc = cmd_usage("scan", "%s", e.msg);
            goto out;
        }
    }
out:
    free(longopts);
    sb_release(&shorts);
    return rc;
}

int scan_parse(struct scan_opts *o, int argc, char **argv)
{
    struct scan_optref *refs;
    size_t n = scan_optrefs(&refs, o->states), i;
    const struct collector *col;
    struct err e;
    int rc = scan_parse_refs(o, argc, argv, refs, n);

    /* --reevaluate judges what is stored: no collector option applies */
    for (i = 0; rc == 0 && o->reevaluate && i < n; i++)
        if (refs[i].given && refs[i].col)
            o->target_opt = scan_optname(&refs[i]);
    free(refs);
    if (rc)
        return rc;
    if (optind < argc)
        return cmd_usage("scan", "unexpected argument '%s'", argv[optind]);
    if (o->target_opt)
        return cmd_usage("scan",
                         "--reevaluate judges a stored scan and takes no "
                         "target options (--%s)",
                         o->target_opt);
    if (o->ntargets == 0 && !o->reevaluate)
        return scan_nothing();
    for (i = 0; (col = collector_at(i)); i++)
        if (col->opts_done && col->opts_done(o->states[i], &e))
            return cmd_usage("scan", "%s", e.msg);
    if (o->nformats > o->noutputs + 1)
        return cmd_usage("scan", "only one --format may go to stdout; give "
                                 "-o FILE after the others");
    return 0;
}
