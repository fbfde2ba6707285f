/* cmd_report.c: `fourc report`: render a stored scan again. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "reporter.h"
#include "banned.h"

/* The formats come from the reporters' registry. */
static void report_help(FILE *out)
{
    const struct reporter *r;
    char names[256];
    size_t i;

    fprintf(out,
            "Usage: fourc report [--scan ID|latest] [--format F] [-o FILE] "
            "[--db FILE]\n"
            "\n"
            "Renders a stored scan. Any past scan can be rendered again.\n"
            "\n"
            "  --scan ID|latest   which scan (default latest: the newest "
            "complete one)\n"
            "  --format F         %s (default json)\n"
            "  -o, --output FILE  write there instead of stdout\n"
            "  --db FILE          database (default ./fourc.db)\n"
            "\n"
            "Formats:\n",
            reporter_names(names, sizeof(names)));
    for (i = 0; (r = reporter_at(i)); i++)
        fprintf(out, "  %-9s %-6s %s\n", r->name, r->ext, r->summary);
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"scan", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *scan = "latest", *format = "json", *out = "-",
               *db = CMD_DEFAULT_DB;
    const struct reporter *r;
    struct report_ctx rc;
    struct store *st = NULL;
    struct err e;
    int c, status = EXIT_TROUBLE;

    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            scan = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            report_help(stdout);
            return EXIT_CLEAN;
        case ':':
            return cmd_usage("report", "%s needs a value", argv[optind - 1]);
        default:
            return cmd_usage("report", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cmd_usage("report", "unexpected argument '%s'", argv[optind]);
    if (!(r = reporter_find(format))) {
        char names[256];
        return cmd_usage("report", "--format %s: unknown format (known: %s)",
                         format, reporter_names(names, sizeof(names)));
    }
    if (store_open(&st, db, STORE_READONLY, &e) ||
        store_resolve_scan(st, scan, &rc.scan_id, &e)) {
        log_error("%s", e.msg);
        goto out;
    }
    rc.st = st;
    if (report_write(r, &rc, out, &e)) {
        log_error("%s", e.msg);
        goto out;
    }
    status = EXIT_CLEAN;
out:
    store_free(st);
    return status;
}
