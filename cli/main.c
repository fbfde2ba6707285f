/*
 * main.c: the command table. `fourc <command> [options]`; every command
 * takes --help. Nothing below main() exits: commands return a status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <yaml.h>

#include "cmd.h"
#include "log.h"
#include "reporter.h"
#include "banned.h"

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

static int main_version(int argc, char **argv);
static int main_help(int argc, char **argv);

static const struct command main_commands[] = {
    {.name = "scan",
     .summary = "collect targets, evaluate rules, store and "
                "report the findings",
     .run = cmd_scan},
    {.name = "report",
     .summary = "render a stored scan", /* + the formats: main_usage */
     .run = cmd_report},
    {.name = "diff",
     .summary = "new, fixed and changed findings between two scans",
     .run = cmd_diff},
    {.name = "rules",
     .summary = "list, show, lint, test and import rules",
     .run = cmd_rules},
    {.name = "secrets",
     .summary = "find secrets in files and directories (exit 1 on any)",
     .run = cmd_secrets},
    {.name = "version",
     .summary = "print the version and the libraries",
     .run = main_version},
    {.name = "help", .summary = "show help for a command", .run = main_help},
};

#define MAIN_NCOMMANDS (sizeof(main_commands) / sizeof(main_commands[0]))

int cmd_usage(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_error("%s", msg);
    fprintf(stderr, "Try 'fourc %s%s--help'.\n", cmd ? cmd : "",
            cmd ? " " : "");
    return EXIT_TROUBLE;
}

static void main_usage(FILE *out)
{
    char names[256];
    size_t i;

    fputs("Usage: fourc <command> [options]\n\n"
          "Compliance auditor for the four Cs of cloud-native security:\n"
          "code, container, cluster and cloud.\n\nCommands:\n",
          out);
    for (i = 0; i < MAIN_NCOMMANDS; i++) {
        fprintf(out, "  %-9s %s", main_commands[i].name,
                main_commands[i].summary);
        if (main_commands[i].run == cmd_report)
            fprintf(out, " (%s)", reporter_names(names, sizeof(names)));
        fputc('\n', out);
    }
    fputs("\nRun 'fourc <command> --help' for a command's options.\n"
          "Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage "
          "or runtime error.\n",
          out);
}

static int main_version(int argc, char **argv)
{
    curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            puts("Usage: fourc version\n\nPrints the version of fourc, of "
                 "the libraries it runs on and of its\nreport and database "
                 "schemas.");
            return EXIT_CLEAN;
        }
        return cmd_usage("version", "%s %s: version takes no arguments",
                         argv[1][0] == '-' ? "unknown option" : "unexpected",
                         argv[1]);
    }
    printf("fourc %s\n", PACKAGE_VERSION);
    printf("  sqlite %s, jansson %s, libyaml %s, libcurl %s, %s\n",
           store_sqlite_version(), jansson_version_str(),
           yaml_get_version_string(), cv->version,
           OpenSSL_version(OPENSSL_VERSION));
    printf("  report schema fourc.report/v1, database schema %d\n",
           STORE_SCHEMA_VERSION);
    return EXIT_CLEAN;
}

static const struct command *main_find(const char *name)
{
    size_t i;

    for (i = 0; i < MAIN_NCOMMANDS; i++)
        if (strcmp(main_commands[i].name, name) == 0)
            return &main_commands[i];
    return NULL;
}

static int main_help(int argc, char **argv)
{
    const struct command *c;
    char *args[] = {NULL, "--help", NULL};

    if (argc < 2) {
        main_usage(stdout);
        return EXIT_CLEAN;
    }
    c = main_find(argv[1]);
    if (!c || c->run == main_help || c->run == main_version) {
        if (!c)
            return cmd_usage(NULL, "'%s' is not a fourc command", argv[1]);
        main_usage(stdout);
        return EXIT_CLEAN;
    }
    args[0] = argv[1];
    return c->run(2, args);
}

int main(int argc, char **argv)
{
    const struct command *c;
    int rc;

    if (argc < 2) {
        main_usage(stderr);
        return EXIT_TROUBLE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        main_usage(stdout);
        return EXIT_CLEAN;
    }
    if (strcmp(argv[1], "--version") == 0)
        return main_version(1, argv + 1);
    c = main_find(argv[1]);
    if (!c)
        return cmd_usage(NULL, "'%s' is not a fourc command", argv[1]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = c->run(argc - 1, argv + 1);
    curl_global_cleanup();
    return rc;
}
