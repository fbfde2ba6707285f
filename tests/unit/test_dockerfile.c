/*
 * test_dockerfile.c: the Dockerfile parser (collectors/dockerfile_parse.c).
 *
 * Table-driven: each case is a Dockerfile and the values that rule paths
 * (the same jsonpath subset rules use) must find in its document, compared
 * with json_equal; "~text" means a string containing text, "absent" means
 * no value. Then errors naming path:line, redaction (the plaintext appears
 * nowhere in the dump), size limits, and real-world fixtures from
 * tests/unit/data/dockerfile. Every document is dumped and released, so an
 * ASan run checks every path for leaks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dockerfile_int.h"
#include "dockerfile_parse.h"
#include "err.h"
#include "jsonpath.h"
#include "redact.h"
#include "util.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
#define MAX_CHECKS 32

struct check {
    const char *path;
    const char *want; /* JSON, "~substring" or "absent" */
};

struct doc_case {
    const char *name;
    const char *text; /* or a fixture file name when file is set */
    int file;
    struct check checks[MAX_CHECKS];
};

static json_t *parse_ok(const char *name, const char *text, size_t len)
{
    struct err e;
    json_t *doc = NULL;
    int rc;

    memset(&e, 0, sizeof(e));
    rc = dockerfile_parse(text, len, name, &doc, &e);
    if (rc != 0)
        print_error("%s: unexpected error: %s\n", name, e.msg);
    assert_int_equal(rc, 0);
    assert_non_null(doc);
    return doc;
}

/* The value at path (borrowed), NULL when absent. */
static json_t *at(json_t *doc, const char *path)
{
    struct err e;
    struct jpath *jp = jpath_parse(path, &e);
    struct jp_matches ms;
    struct jp_scope sc;
    json_t *v = NULL;

    if (!jp)
        print_error("bad path %s: %s\n", path, e.msg);
    assert_non_null(jp);
    memset(&ms, 0, sizeof(ms));
    memset(&sc, 0, sizeof(sc));
    sc.doc = doc;
    sc.kind = "code/Dockerfile";
    sc.cur = doc;
    sc.cur_path = "";
    assert_int_equal(jpath_resolve(jp, &sc, &ms, &e), 0);
    if (ms.n == 1)
        v = ms.m[0].v;
    jp_matches_release(&ms);
    jpath_free(jp);
    return v;
}

static void check_doc(const char *name, json_t *doc, const struct check *c)
{
    for (; c->path; c++) {
        json_t *got = at(doc, c->path), *want;
        char *dump = got ? json_dumps(got, DUMP_FLAGS) : NULL;
        int ok;

        if (!strcmp(c->want, "absent")) {
            ok = got == NULL;
        } else if (c->want[0] == '~') {
            ok = json_is_string(got) &&
                 strstr(json_string_value(got), c->want + 1) != NULL;
        } else {
            json_error_t je;
            want = json_loads(c->want, JSON_DECODE_ANY, &je);
            if (!want)
                print_error("%s: bad want %s: %s\n", name, c->want, je.text);
            assert_non_null(want);
            ok = got && json_equal(got, want);
            json_decref(want);
        }
        if (!ok)
            print_error("%s: %s\n  want %s\n  got  %s\n", name, c->path,
                        c->want, dump ? dump : "(absent)");
        free(dump);
        assert_true(ok);
    }
}

static char *read_fixture(const char *file, size_t *len)
{
    const char *top = getenv("TOP_SRCDIR");
    char path[4096];
    FILE *f;
    struct strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t n;

    snprintf(path, sizeof(path), "%s/tests/unit/data/dockerfile/%s",
             top ? top : ".", file);
    f = fopen(path, "rb");
    if (!f)
        print_error("cannot open %s\n", path);
    assert_non_null(f);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_add(&sb, buf, n);
    fclose(f);
    *len = sb.len;
    return sb_detach(&sb);
}

static void run_cases(const struct doc_case *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char *text = NULL, *dump;
        size_t len;
        json_t *doc;

        if (cases[i].file) {
            text = read_fixture(cases[i].text, &len);
            doc = parse_ok(cases[i].text, text, len);
        } else {
            doc = parse_ok("Dockerfile", cases[i].text, strlen(cases[i].text));
        }
        dump = json_dumps(doc, DUMP_FLAGS);
        assert_non_null(dump);
        check_doc(cases[i].name, doc, cases[i].checks);
        free(dump);
        free(text);
        json_decref(doc);
    }
}

/* ---- syntax: lines, continuations, directives, forms ---- */

static const struct doc_case syntax_cases[] = {
    {"bom, crlf, lower-case instructions",
     "\xEF\xBB\xBF"
     "from debian:12\r\nrun echo hi\r\n",
     0,
     {{"instructions[0].cmd", "\"FROM\""},
      {"instructions[1].cmd", "\"RUN\""},
      {"instructions[1].shell", "\"echo hi\""},
      {"instructions[1].line", "2"},
      {"stages[0].from.image", "\"debian\""},
      {"stages[0].from.tag", "\"12\""},
      {"syntax", "null"},
      {"escape", "\"\\\\\""},
      {"final_stage", "0"},
      {NULL, NULL}}},
    {"continuation with comments and blank lines",
     "FROM alpine\n"
     "RUN apk add \\\n"
     "# a comment\n"
     "    curl \\   \n"
     "\n"
     "    jq\n"
     "\n"
     "  # trailing comment\n"
     "USER app\n",
     0,
     {{"instructions[1].line", "2"},
      {"instructions[1].end_line", "6"},
      {"instructions[1].raw", "\"RUN apk add     curl     jq\""},
      {"instructions[1].shell", "\"apk add     curl     jq\""},
      {"instructions[1].command", "\"apk add     curl     jq\""},
      {"instructions[2].line", "9"},
      {"instructions[2].user", "\"app\""},
      {"user", "\"app\""},
      {NULL, NULL}}},
    {"escape directive (backtick)",
     "# escape=`\n"
     "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
     "RUN dir `\n"
     "    C:\\Windows\n"
     "WORKDIR C:\\app\n",
     0,
     {{"escape", "\"`\""},
      {"directives", "{\"escape\": \"`\"}"},
      {"stages[0].from.image", "\"mcr.microsoft.com/windows/servercore\""},
      {"stages[0].from.tag", "\"ltsc2022\""},
      {"instructions[1].shell", "\"dir     C:\\\\Windows\""},
      {"instructions[1].end_line", "4"},
      {"instructions[2].path", "\"C:\\\\app\""},
      {"instructions[2].absolute", "true"},
      {NULL, NULL}}},
    {"directives only at the top",
     "FROM alpine\n"
     "# escape=`\n"
     "RUN echo \\\n"
     "  hi\n",
     0,
     {{"escape", "\"\\\\\""},
      {"directives", "{}"},
      {"instructions[1].shell", "\"echo   hi\""},
      {NULL, NULL}}},
    {"syntax directive",
     "# syntax=docker/dockerfile:1\n"
     "#check=skip=JSONArgsRecommended\n"
     "\n"
     "FROM scratch\n",
     0,
     {{"syntax", "\"docker/dockerfile:1\""},
      {"directives.check", "\"skip=JSONArgsRecommended\""},
      {"instructions[0].line", "4"},
      {NULL, NULL}}},
    {"exec and shell forms",
     "FROM alpine\n"
     "CMD [\"nginx\", \"-g\", \"daemon off;\"]\n"
     "ENTRYPOINT [not json]\n"
     "RUN [\"echo\", 1]\n"
     "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n"
     "RUN  [ \"a b\" ]  \n"
     "CMD\n",
     0,
     {{"instructions[1].form", "\"exec\""},
      {"instructions[1].args", "[\"nginx\", \"-g\", \"daemon off;\"]"},
      {"instructions[1].shell", "null"},
      {"instructions[1].command", "\"nginx -g daemon off;\""},
      {"instructions[2].form", "\"shell\""},
      {"instructions[2].args", "null"},
      {"instructions[2].shell", "\"[not json]\""},
      {"instructions[3].form", "\"shell\""},
      {"instructions[3].shell", "\"[\\\"echo\\\", 1]\""},
      {"instructions[4].args", "[\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]"},
      {"instructions[5].args", "[\"a b\"]"},
      {"instructions[6].form", "\"shell\""},
      {"instructions[6].shell", "\"\""},
      {NULL, NULL}}},
    {"flags",
     "FROM --platform=linux/arm64 alpine AS a\n"
     "RUN --mount=type=cache,target=/a --mount=type=secret,id=x "
     "--network=none make\n"
     "COPY --chown=app:app --chmod=644 --link a \"b c\" /dest/\n",
     0,
     {{"stages[0].from.platform", "\"linux/arm64\""},
      {"instructions[0].platform", "\"linux/arm64\""},
      {"instructions[0].stage_name", "\"a\""},
      {"instructions[1].flags",
       "{\"--mount\": [\"type=cache,target=/a\", \"type=secret,id=x\"],"
       " \"--network\": \"none\"}"},
      {"instructions[1].shell", "\"make\""},
      {"instructions[2].flags",
       "{\"--chown\": \"app:app\", \"--chmod\": \"644\", \"--link\": true}"},
      {"instructions[2].sources", "[\"a\", \"b c\"]"},
      {"instructions[2].dest", "\"/dest/\""},
      {"instructions[2].from", "null"},
      {NULL, NULL}}},
    {"heredocs inline",
     "FROM alpine\n"
     "RUN <<-EOT sh\n"
     "\t\techo one\n"
     "\techo two\n"
     "\tEOT\n"
     "RUN cat <<\"A\" >/a && cat 3<<B\n"
     "$x\n"
     "A\n"
     "B\n"
     "COPY <<EOF /etc/motd\n"
     "hello\n"
     "EOF\n"
     "RUN echo '<<NOT'\n"
     "RUN [\"cat\", \"<<NO\"]\n",
     0,
     {{"instructions[1].heredocs",
       "[{\"name\": \"EOT\", \"content\": \"echo one\\necho two\\n\","
       " \"expand\": true, \"strip_tabs\": true}]"},
      {"instructions[1].line", "2"},
      {"instructions[1].end_line", "5"},
      /* echo's arguments are data: dropped from the text rules match */
      {"instructions[1].command", "\"<<-EOT sh\\necho \\necho \\n\""},
      {"instructions[1].heredocs[0].content", "\"echo one\\necho two\\n\""},
      {"instructions[2].heredocs[0].name", "\"A\""},
      {"instructions[2].heredocs[0].content", "\"$x\\n\""},
      {"instructions[2].heredocs[0].expand", "false"},
      {"instructions[2].heredocs[1].name", "\"B\""},
      {"instructions[2].heredocs[1].content", "\"\""},
      {"instructions[2].end_line", "9"},
      {"instructions[3].line", "10"},
      {"instructions[3].heredocs[0].content", "\"hello\\n\""},
      {"instructions[3].dest", "\"/etc/motd\""},
      {"instructions[4].line", "13"},
      {"instructions[4].heredocs", "absent"},
      {"instructions[5].heredocs", "absent"},
      {NULL, NULL}}},
    {"other instructions",
     "FROM alpine\n"
     "MAINTAINER Jane <j@example.com>\n"
     "USER app:staff\n"
     "USER 0\n"
     "WORKDIR app\n"
     "STOPSIGNAL SIGTERM\n"
     "VOLUME /data /logs\n"
     "HEALTHCHECK NONE\n"
     "ONBUILD RUN make\n"
     "ONBUILD COPY . /src\n",
     0,
     {{"instructions[1].maintainer", "\"Jane <j@example.com>\""},
      {"instructions[2].user", "\"app\""},
      {"instructions[2].group", "\"staff\""},
      {"instructions[3].user", "\"0\""},
      {"instructions[3].group", "null"},
      {"instructions[4].absolute", "false"},
      {"instructions[5].signal", "\"SIGTERM\""},
      {"instructions[6].paths", "[\"/data\", \"/logs\"]"},
      {"instructions[7].none", "true"},
      {"instructions[8].instruction.cmd", "\"RUN\""},
      {"instructions[8].instruction.shell", "\"make\""},
      {"instructions[8].instruction.line", "9"},
      {"instructions[9].instruction.dest", "\"/src\""},
      {"user", "\"0\""},
      {"healthcheck", "\"none\""},
      {"stages[0].user", "\"0\""},
      {NULL, NULL}}},
    {"expose",
     "FROM scratch\n"
     "ARG PORT\n"
     "EXPOSE 22 80/tcp 53/UDP 8000-8010 $PORT\n",
     0,
     {{"instructions[2].ports[0]",
       "{\"port\": 22, \"end_port\": 22, \"proto\": \"tcp\", \"raw\": \"22\"}"},
      {"instructions[2].ports[1].proto", "\"tcp\""},
      {"instructions[2].ports[2]",
       "{\"port\": 53, \"end_port\": 53, \"proto\": \"udp\","
       " \"raw\": \"53/UDP\"}"},
      {"instructions[2].ports[3].end_port", "8010"},
      {"instructions[2].ports[4].port", "null"},
      {"instructions[2].ports[4].dynamic", "true"},
      {"instructions[2].ports[4].raw", "\"$PORT\""},
      {NULL, NULL}}},
    {"healthcheck cmd",
     "FROM alpine\n"
     "HEALTHCHECK --interval=5m CMD [\"curl\", \"-f\", \"http://x/\"]\n",
     0,
     {{"instructions[1].none", "false"},
      {"instructions[1].form", "\"exec\""},
      {"instructions[1].args", "[\"curl\", \"-f\", \"http://x/\"]"},
      {"instructions[1].command", "\"curl -f http://x/\""},
      {"instructions[1].flags", "{\"--interval\": \"5m\"}"},
      {"healthcheck", "\"cmd\""},
      {"user", "null"},
      {NULL, NULL}}},
};

/* ---- substitution and stages ---- */

static const struct doc_case subst_cases[] = {
    {"ARG and ENV substitution",
     "ARG BASE=debian\n"
     "ARG TAG\n"
     "FROM ${BASE}:${TAG:-12} AS base\n"
     "ARG BASE\n"
     "ENV APP_HOME=/opt/app PATH=$APP_HOME/bin:$PATH\n"
     "WORKDIR ${APP_HOME}\n"
     "ENV LOG=${APP_HOME}/log\n"
     "LABEL home=\"$APP_HOME\" plus=${APP_HOME:+set} q='$APP_HOME' "
     "e=\\$APP_HOME\n"
     "FROM base AS second\n"
     "WORKDIR $APP_HOME/x\n"
     "ARG TAG\n"
     "USER ${TAG}\n"
     "FROM ${BASE}\n"
     "RUN echo $APP_HOME\n",
     0,
     {{"args", "{\"BASE\": \"debian\", \"TAG\": null}"},
      {"stages[0].from.raw", "\"${BASE}:${TAG:-12}\""},
      {"stages[0].from.image", "\"debian\""},
      {"stages[0].from.resolved", "false"},
      {"instructions[0].stage", "null"},
      {"instructions[2].stage", "0"},
      {"instructions[3].pairs", "{\"BASE\": \"debian\"}"},
      {"instructions[4].pairs.APP_HOME", "\"/opt/app\""},
      {"instructions[4].pairs.PATH", "\"$APP_HOME/bin:$PATH\""},
      {"instructions[4].dynamic_keys", "[\"PATH\"]"},
      {"instructions[4].dynamic", "true"},
      {"instructions[6].dynamic", "false"},
      {"instructions[5].path", "\"/opt/app\""},
      {"instructions[6].pairs.LOG", "\"/opt/app/log\""},
      {"instructions[7].pairs",
       "{\"home\": \"/opt/app\", \"plus\": \"set\", \"q\": \"$APP_HOME\","
       " \"e\": \"$APP_HOME\"}"},
      {"stages[1].from.stage_ref", "0"},
      {"stages[1].name", "\"second\""},
      {"instructions[9].path", "\"/opt/app/x\""},
      {"instructions[9].stage", "1"},
      {"instructions[10].pairs", "{\"TAG\": null}"},
      {"instructions[11].user", "\"${TAG}\""},
      {"instructions[11].dynamic", "true"},
      {"stages[2].from",
       "{\"image\": \"debian\", \"tag\": null,"
       " \"digest\": null, \"platform\": null,"
       " \"raw\": \"${BASE}\", \"stage_ref\": null,"
       " \"resolved\": true, \"valid\": true, \"invalid\": null}"},
      {"instructions[13].shell", "\"echo $APP_HOME\""},
      {"final_stage", "2"},
      {NULL, NULL}}},
    {"global ARG scope and defaults",
     "ARG V=1\n"
     "ARG D=${NOPE:-fallback}\n"
     "ARG E=${D:+yes}\n"
     "ARG F=${NOPE-dash}\n"
     "ARG G=\"$D-x\" H=${D#f}\n"
     "FROM scratch\n"
     "LABEL a=$V\n"
     "ARG V\n"
     "LABEL b=$V c=${V}${V}\n",
     0,
     {{"args",
       "{\"V\": \"1\", \"D\": \"fallback\", \"E\": \"yes\", \"F\": \"dash\","
       " \"G\": \"fallback-x\", \"H\": \"${D#f}\"}"},
      {"instructions[4].dynamic_keys", "[\"H\"]"},
      {"instructions[6].pairs", "{\"a\": \"\"}"},
      {"instructions[7].pairs", "{\"V\": \"1\"}"},
      {"instructions[8].pairs", "{\"b\": \"1\", \"c\": \"11\"}"},
      {NULL, NULL}}},
    {"ENV wins over ARG; one ENV line sees the env before it",
     "FROM scratch\n"
     "ENV X=env\n"
     "ARG X=arg\n"
     "LABEL x=$X\n"
     "ENV A=1\n"
     "ENV A=2 B=$A\n"
     "LABEL a=$A b=$B\n"
     "ENV MY_NAME John Doe\n"
     "LABEL n=\"$MY_NAME\"\n",
     0,
     {{"instructions[3].pairs", "{\"x\": \"env\"}"},
      {"instructions[6].pairs", "{\"a\": \"2\", \"b\": \"1\"}"},
      {"instructions[7].pairs", "{\"MY_NAME\": \"John Doe\"}"},
      {"instructions[8].pairs", "{\"n\": \"John Doe\"}"},
      {NULL, NULL}}},
    {"multi-stage references",
     "FROM golang:1.22 AS Build\n"
     "ENV GOPATH=/go\n"
     "FROM build AS test\n"
     "WORKDIR $GOPATH/src\n"
     "FROM scratch\n"
     "COPY --from=build /a /b\n"
     "COPY --from=1 /a /b\n"
     "COPY --from=nginx:latest /etc/nginx /etc/nginx\n"
     "COPY --from=7 /a /b\n",
     0,
     {{"stages[1].from.stage_ref", "0"},
      {"instructions[2].stage_ref", "0"},
      {"instructions[3].path", "\"/go/src\""},
      {"instructions[5].from", "\"build\""},
      {"instructions[5].from_stage", "0"},
      {"instructions[6].from_stage", "1"},
      {"instructions[7].from", "\"nginx:latest\""},
      {"instructions[7].from_stage", "null"},
      {"instructions[8].from_stage", "null"},
      {"stages[2].from.stage_ref", "null"},
      {"final_stage", "2"},
      {NULL, NULL}}},
    {"image references",
     "FROM registry.example.com:5000/team/app:1.4 AS a\n"
     "FROM localhost:5000/app\n"
     "FROM debian:12@sha256:abc\n",
     0,
     {{"stages[0].from.image", "\"registry.example.com:5000/team/app\""},
      {"stages[0].from.tag", "\"1.4\""},
      {"stages[1].from.image", "\"localhost:5000/app\""},
      {"stages[1].from.tag", "null"},
      {"stages[2].from.tag", "\"12\""},
      {"stages[2].from.digest", "\"sha256:abc\""},
      {NULL, NULL}}},
};

/* ---- real-world fixtures ---- */

static const struct doc_case fixture_cases[] = {
    {"go multi-stage",
     "go-multistage.Dockerfile",
     1,
     {{"syntax", "\"docker/dockerfile:1.7\""},
      {"args",
       "{\"GO_VERSION\": \"1.22\","
       " \"DISTROLESS\": \"gcr.io/distroless/static-debian12:nonroot\"}"},
      {"stages[0].from.tag", "\"1.22-bookworm\""},
      {"stages[0].from.platform", "\"$BUILDPLATFORM\""},
      {"stages[0].name", "\"build\""},
      {"stages[1].from.image", "\"gcr.io/distroless/static-debian12\""},
      {"stages[1].from.tag", "\"nonroot\""},
      {"stages[1].from.resolved", "true"},
      {"instructions[4].line", "7"},
      {"instructions[4].end_line", "8"},
      {"instructions[4].pairs",
       "{\"CGO_ENABLED\": \"0\", \"GOFLAGS\": \"-trimpath\"}"},
      {"instructions[5].sources", "[\"go.mod\", \"go.sum\"]"},
      {"instructions[6].flags.--mount", "[\"type=cache,target=/go/pkg/mod\"]"},
      {"instructions[6].shell", "\"go mod download\""},
      {"instructions[8].pairs", "{\"TARGETOS\": null, \"TARGETARCH\": null}"},
      {"instructions[9].line", "14"},
      {"instructions[9].end_line", "15"},
      {"instructions[11].from_stage", "0"},
      {"instructions[12].group", "\"nonroot\""},
      {"instructions[13].ports[0].port", "8080"},
      {"instructions[14].args", "[\"/app\"]"},
      {"user", "\"nonroot\""},
      {"final_stage", "1"},
      {NULL, NULL}}},
    {"debian apt-get",
     "debian-apt.Dockerfile",
     1,
     {{"instructions[1].pairs[\"org.opencontainers.image.vendor\"]",
       "\"Example Corp\""},
      {"instructions[2].line", "7"},
      {"instructions[2].end_line", "12"},
      {"instructions[2].command",
       "~apt-get install -y --no-install-recommends"},
      {"instructions[2].command", "~curl=7.88.1-10+deb12u5"},
      {"instructions[3].line", "14"},
      {"instructions[4].ports",
       "[{\"port\": 80, \"end_port\": 80, \"proto\": \"tcp\","
       " \"raw\": \"80/tcp\"},"
       " {\"port\": 443, \"end_port\": 443, \"proto\": \"tcp\","
       " \"raw\": \"443\"}]"},
      {"instructions[5].shell", "\"curl -fsS http://localhost/ || exit 1\""},
      {"instructions[5].flags", "{\"--interval\": \"30s\","
                                " \"--timeout\": \"3s\"}"},
      {"instructions[6].signal", "\"SIGQUIT\""},
      {"instructions[7].form", "\"exec\""},
      {"healthcheck", "\"cmd\""},
      {"user", "null"},
      {NULL, NULL}}},
    {"alpine apk",
     "alpine-apk.Dockerfile",
     1,
     {{"stages[0].from.tag", "\"3.19\""},
      {"instructions[1].cmd", "\"MAINTAINER\""},
      {"instructions[1].maintainer", "\"Jane Doe <jane@example.com>\""},
      {"instructions[2].command", "~apk add --no-cache python3"},
      {"instructions[2].end_line", "4"},
      {"instructions[3].absolute", "false"},
      {"instructions[4].user", "\"10001\""},
      {"instructions[5].form", "\"shell\""},
      {"instructions[5].shell", "\"python3 -m http.server 8000\""},
      {"user", "\"10001\""},
      {NULL, NULL}}},
    {"curl | sh",
     "curl-sh.Dockerfile",
     1,
     {{"stages[0].from.tag", "\"latest\""},
      {"instructions[1].shell", "\"apt-get update\""},
      {"instructions[2].command", "~| sh"},
      {"instructions[3].command", "~| bash"},
      {"instructions[4].ports[0].port", "22"},
      {"instructions[5].command", "~sudo "},
      {NULL, NULL}}},
    {"ADD URL",
     "add-url.Dockerfile",
     1,
     {{"stages[0].from.image", "\"debian\""},
      {"stages[0].from.tag", "null"},
      {"stages[0].from.digest", "\"sha256:0123456789abcdef0123456789abcdef"
                                "0123456789abcdef0123456789abcdef\""},
      {"instructions[1].remote", "true"},
      {"instructions[1].sources",
       "[\"https://example.com/releases/tool-1.2.tar.gz\"]"},
      {"instructions[1].dest", "\"/opt/\""},
      {"instructions[2].flags.--checksum",
       "\"sha256:24454f830cdb571e2c4ad15481119c43"
       "b3cafd48dd869a9b2945d1036d1dc68d\""},
      {"instructions[3].remote", "false"},
      {"instructions[4].form", "\"exec\""},
      {"instructions[4].sources", "[\"src dir/\"]"},
      {"instructions[4].dest", "\"/app/\""},
      {"instructions[5].paths", "[\"/var/lib/data\", \"/var/log\"]"},
      {NULL, NULL}}},
    {"heredoc scripts",
     "heredoc.Dockerfile",
     1,
     {{"syntax", "\"docker/dockerfile:1\""},
      {"instructions[1].line", "3"},
      {"instructions[1].end_line", "8"},
      {"instructions[1].heredocs[0].content",
       "\"set -eux\\napt-get update\\napt-get install -y "
       "--no-install-recommends python3\\nrm -rf /var/lib/apt/lists/*\\n\""},
      {"instructions[1].command", "~apt-get install -y --no-install"},
      {"instructions[2].line", "9"},
      {"instructions[2].heredocs[0].name", "\"PY\""},
      {"instructions[2].heredocs[0].expand", "false"},
      {"instructions[2].heredocs[0].content",
       "\"print(\\\"hello $HOME\\\")\\n\""},
      {"instructions[3].line", "12"},
      {"instructions[3].end_line", "15"},
      {"instructions[3].dest", "\"/etc/app.conf\""},
      {"instructions[3].heredocs[0].content",
       "\"listen 8080\\nlog stdout\\n\""},
      {"instructions[4].line", "16"},
      {"instructions[4].end_line", "20"},
      {"instructions[4].heredocs[0].content", "\"first\\n\""},
      {"instructions[4].heredocs[1].content", "\"second\\n\""},
      {"instructions[5].line", "21"},
      {"user", "\"app\""},
      {NULL, NULL}}},
};

static void test_syntax(void **state)
{
    (void)state;
    run_cases(syntax_cases, sizeof(syntax_cases) / sizeof(syntax_cases[0]));
}

static void test_substitution(void **state)
{
    (void)state;
    run_cases(subst_cases, sizeof(subst_cases) / sizeof(subst_cases[0]));
}

static void test_fixtures(void **state)
{
    (void)state;
    run_cases(fixture_cases, sizeof(fixture_cases) / sizeof(fixture_cases[0]));
}

/* ---- errors ---- */

static const struct {
    const char *text;
    const char *want; /* the whole message */
} error_cases[] = {
    {"", "Dockerfile:1: no FROM instruction"},
    {"# only a comment\n\n", "Dockerfile:2: no FROM instruction"},
    {"ARG X=1\n", "Dockerfile:1: no FROM instruction"},
    {"FROM a\nFOO bar\n", "Dockerfile:2: unknown instruction FOO"},
    {"FROM a\nRUN x \\\n\\\n y\nBAD\n",
     "Dockerfile:5: unknown instruction BAD"},
    {"FROM a\nRUN <<EOF\nx\nEOF\nnope\n",
     "Dockerfile:5: unknown instruction nope"},
    /* a word that cannot be an instruction is not quoted: it is often
     * the rest of a command whose continuation broke */
    {"FROM a\nRUN mysql -u root\n  -pS3cret db\n",
     "Dockerfile:3: no instruction starts this line (a word of 8 bytes, "
     "not shown: a broken line continuation?)"},
    {"FROM a\nS3cr3t_pw\n",
     "Dockerfile:2: no instruction starts this line (a word of 9 bytes, "
     "not shown: a broken line continuation?)"},
    {"RUN x\nFROM a\n", "Dockerfile:1: RUN before the first FROM"},
    {"FROM a\nRUN <<EOF\nx\n", "Dockerfile:2: heredoc EOF is not terminated"},
    {"FROM a b c d\n",
     "Dockerfile:1: FROM takes an image and optionally AS name"},
    {"FROM a\nONBUILD FROM b\n", "Dockerfile:2: ONBUILD does not allow FROM"},
    {"FROM a\nONBUILD ONBUILD RUN x\n",
     "Dockerfile:2: ONBUILD does not allow ONBUILD"},
    {"# escape=x\nFROM a\n", "Dockerfile:1: escape must be \\ or `"},
    {"# escape=`\n# escape=\\\nFROM a\n",
     "Dockerfile:2: directive escape given twice"},
    {"FROM a\nUSER\n", "Dockerfile:2: USER requires arguments"},
    {"FROM a\nENV\n", "Dockerfile:2: ENV requires arguments"},
    {"FROM a\nENV FOO\n", "Dockerfile:2: missing '=' in key=value"},
    /* a pair before the bad word: its pending value must be freed (found
     * by tests/fuzz under LeakSanitizer) */
    {"FROM a\nENV A=1 B\n", "Dockerfile:2: missing '=' in key=value"},
    {"FROM a\nSHELL /bin/sh -c\n", "Dockerfile:2: SHELL requires a JSON array"},
    {"FROM a\nHEALTHCHECK curl x\n",
     "Dockerfile:2: HEALTHCHECK takes CMD or NONE"},
    {"FROM a\nCOPY onlyone\n",
     "Dockerfile:2: requires a source and a destination"},
};

static void test_errors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        struct err e;
        json_t *doc = (json_t *)1;
        int rc;

        memset(&e, 0, sizeof(e));
        rc = dockerfile_parse(error_cases[i].text, strlen(error_cases[i].text),
                              "Dockerfile", &doc, &e);
        if (rc != -1 || strcmp(e.msg, error_cases[i].want) != 0)
            print_error("case %zu: rc %d\n  want %s\n  got  %s\n", i, rc,
                        error_cases[i].want, e.msg);
        assert_int_equal(rc, -1);
        assert_null(doc);
        assert_string_equal(e.msg, error_cases[i].want);
    }
}

static void test_error_names_path(void **state)
{
    static const char text[] = "FROM a\n\nWHATEVER x\n";
    struct err e;
    json_t *doc;

    (void)state;
    assert_int_equal(dockerfile_parse(text, sizeof(text) - 1,
                                      "build/app/Dockerfile", &doc, &e),
                     -1);
    assert_string_equal(e.msg,
                        "build/app/Dockerfile:3: unknown instruction WHATEVER");
    /* a NUL byte: not a text file, named with its line */
    assert_int_equal(dockerfile_parse("FROM a\nRUN \0x", 13, "bin", &doc, &e),
                     -1);
    assert_string_equal(e.msg, "bin:2: NUL byte: not a text file");
}

/* ---- the command text rules match (dockerfile_script.c) ---- */

static const struct {
    const char *in, *out;
} script_cases[] = {
    {"apt-get install -y curl", "apt-get install -y curl"},
    /* flags quoted inside grep/echo/printf arguments are data */
    {"grep -q -- \"--force-yes\" /etc/x && apt-get install -y a",
     "grep && apt-get install -y a"},
    {"echo 'apt-get install --allow-unauthenticated x'; true", "echo ; true"},
    {"printf '%s\\n' \"curl -k\" | cat", "printf '%s\\n' \"curl -k\" | cat"},
    {"/bin/echo \"-y\"", "/bin/echo "},
    {"egrep -e '--insecure' f || fgrep x", "egrep || fgrep "},
    /* ... unless the output is written somewhere or runs */
    {"echo \"deb [trusted=yes] http://r ./\" > /etc/apt/sources.list",
     "echo \"deb [trusted=yes] http://r ./\" > /etc/apt/sources.list"},
    {"echo 'strict-ssl=false' >>~/.npmrc",
     "echo 'strict-ssl=false' >>~/.npmrc"},
    {"echo x | tee f", "echo x | tee f"},
    {"echo $(curl -k https://x)", "echo $(curl -k https://x)"},
    {"echo `id`", "echo `id`"},
    /* comments are not commands */
    {"true # apt-get install -y --force-yes x\nls", "true \nls"},
    {"a=#b", "a=#b"},
    /* apt-get options take their argument as the next word */
    {"apt-get install -y -t bookworm-backports curl=1",
     "apt-get install -y -t=bookworm-backports curl=1"},
    {"DEBIAN_FRONTEND=noninteractive apt-get -o "
     "Dpkg::Options::=--force-confold "
     "install -y x=1",
     "DEBIAN_FRONTEND=noninteractive apt-get "
     "-o=Dpkg::Options::=--force-confold "
     "install -y x=1"},
    {"sudo -E apt --target-release  sid install a",
     "sudo -E apt --target-release=sid install a"},
    {"yum -t x", "yum -t x"},
    /* quotes and operators inside a word stay in it */
    {"echo \"a;b|c\" ; ls", "echo ; ls"},
    {"sh -c \"echo hi\"", "sh -c \"echo hi\""},
    {"if grep -q \"-y\" f; then echo \"-k\"; fi", "if grep ; then echo ; fi"},
    {"while true; do printf x; done", "while true; do printf ; done"},
};

/* Runs of blanks become one (dropped words leave their blanks). */
static void squeeze_blanks(char *s)
{
    char *w = s, *start = s;

    if (!s)
        return;
    for (; *s; s++)
        if (*s != ' ' || w == start || w[-1] != ' ')
            *w++ = *s;
    *w = '\0';
}

static void test_script(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(script_cases) / sizeof(script_cases[0]); i++) {
        sb_setlen(&sb, 0);
        dockerfile_script(script_cases[i].in, strlen(script_cases[i].in), &sb);
        squeeze_blanks(sb.buf);
        if (strcmp(sb_str(&sb), script_cases[i].out) != 0)
            print_error("%s\n  want %s\n  got  %s\n", script_cases[i].in,
                        script_cases[i].out, sb_str(&sb));
        assert_string_equal(sb_str(&sb), script_cases[i].out);
    }
    sb_release(&sb);
}

/* ---- reaches_final, secret_keys, from.valid ---- */

static void test_derived_fields(void **state)
{
    static const char text[] = "ARG DB_PASSWORD\n"
                               "FROM a AS b\n" /* 0: mount from */
                               "RUN apt-get update\n"
                               "FROM a AS c\n" /* 1: FROM of 2 */
                               "FROM c AS d\n" /* 2: FROM of 5 */
                               "RUN --mount=type=cache,from=B,target=/x y\n"
                               "FROM d\n" /* 3: unused */
                               "COPY --from=0 /a /b\n"
                               "FROM a@sha256:1234 AS e\n" /* 4: unused */
                               "FROM d\n"                  /* 5: final */
                               "ENV API_TOKEN=$NOPE HOME=/x\n";
    static const struct check checks[] = {
        {"stages[0].reaches_final", "true"},
        {"stages[1].reaches_final", "true"},
        {"stages[2].reaches_final", "true"},
        {"stages[3].reaches_final", "false"},
        {"stages[4].reaches_final", "false"},
        {"stages[5].reaches_final", "true"},
        {"instructions[0].reaches_final", "true"}, /* global ARG */
        {"instructions[2].reaches_final", "true"},
        {"instructions[7].reaches_final", "false"},
        {"instructions[0].secret_keys", "[\"DB_PASSWORD\"]"},
        {"instructions[10].secret_keys", "[\"API_TOKEN\"]"},
        {"instructions[2].secret_keys", "absent"},
        {"stages[4].from.valid", "false"},
        {"stages[4].from.invalid", "~length of its algorithm"},
        {"stages[0].from.valid", "true"},
        {"stages[2].from.valid", "true"},
    };
    json_t *doc = parse_ok("derived", text, sizeof(text) - 1);
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        json_t *v = at(doc, checks[i].path);
        const char *want = checks[i].want;
        if (!strcmp(want, "absent")) {
            assert_null(v);
        } else if (want[0] == '~') {
            assert_non_null(v);
            assert_non_null(strstr(json_string_value(v), want + 1));
        } else {
            json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
            if (!json_equal(v, w))
                print_error("%s: want %s\n", checks[i].path, want);
            assert_true(json_equal(v, w));
            json_decref(w);
        }
    }
    json_decref(doc);
}

/* ---- the effective user (collectors/userspec.c after substitution) ---- */

struct user_case {
    const char *text;
    const char *status; /* user_check.status of the document */
    const char *reason; /* a part of user_check.reason, or NULL */
};

static const struct user_case user_cases[] = {
    {"FROM a\n", "none", "no USER"},
    {"FROM a\nUSER app\n", "name", NULL},
    {"FROM a\nUSER 10001\n", "nonroot", "runs as uid 10001"},
    {"FROM a\nUSER +0\n", "root", "strconv.Atoi"},
    {"FROM a\nUSER -0\n", "root", NULL},
    {"FROM a\nUSER 00:00\n", "root", NULL},
    {"FROM a\nUSER 4294967296\n", "root", "uint32"},
    {"FROM a\nUSER -5\n", "invalid", "runc refuses"},
    {"FROM a\nUSER :1000\n", "root", "empty user part"},
    /* defaults: the value without --build-arg or base-image ENV */
    {"FROM a\nUSER ${X:-root}\n", "root", "no --build-arg"},
    {"FROM a\nUSER ${X-0}\n", "root", NULL},
    {"FROM a\nUSER ${X:-10001}\n", "nonroot", NULL},
    {"FROM a\nARG U\nUSER $U\n", "root", "is empty"},
    {"FROM a\nARG U\nUSER ${U:-app}\n", "name", NULL},
    {"FROM a\nARG U=10001\nUSER $U\n", "nonroot", NULL},
    {"FROM a\nARG U=+0\nUSER $U\n", "root", NULL},
    {"FROM a\nENV U=0\nUSER ${U:-10001}\n", "root", NULL},
    {"FROM a\nUSER ${X:+10001}\n", "root", "is empty"},
    {"FROM scratch\nUSER ${X:-0}\n", "root", NULL},
    {"FROM a\nUSER ${X:-${Y:-${Z:-0}}}\n", "root", NULL},
    {"FROM a\nUSER ${X#root}\n", "unresolved", "cannot be evaluated"},
    {"FROM a\nUSER ${X:?no user}\n", "unresolved", NULL},
    {"FROM a\nUSER ${X:-0\n", "unresolved", NULL},
    /* inherited from the stage the final one is built FROM */
    {"FROM a AS b\nUSER 10001\nFROM b\n", "nonroot", NULL},
    {"FROM a AS b\nUSER 10001\nFROM a\n", "none", NULL},
    {"FROM a AS b\nUSER 10001\nFROM b\nUSER +0\n", "root", NULL},
};

static void test_user_check(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *doc;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(user_cases) / sizeof(user_cases[0]); i++) {
        const struct user_case *c = &user_cases[i];
        const char *st, *why;
        doc = parse_ok("user", c->text, strlen(c->text));
        st = json_string_value(at(doc, "user_check.status"));
        why = json_string_value(at(doc, "user_check.reason"));
        if (!st || strcmp(st, c->status) != 0 ||
            (c->reason && (!why || !strstr(why, c->reason))))
            print_error("%s: status %s (%s), want %s (%s)\n", c->text,
                        st ? st : "null", why ? why : "null", c->status,
                        c->reason ? c->reason : "");
        assert_non_null(st);
        assert_string_equal(st, c->status);
        if (c->reason)
            assert_non_null(strstr(why, c->reason));
        json_decref(doc);
    }

    /* defaults nested past the substitution depth cannot be judged */
    for (i = 0; i < 2; i++) {
        size_t k, levels = i ? 40 : 10;
        sb_setlen(&sb, 0);
        sb_adds(&sb, "FROM a\nUSER ");
        for (k = 0; k < levels; k++)
            sb_adds(&sb, "${X:-");
        sb_adds(&sb, "0");
        for (k = 0; k < levels; k++)
            sb_adds(&sb, "}");
        sb_adds(&sb, "\n");
        doc = parse_ok("nested", sb.buf, sb.len);
        assert_string_equal(json_string_value(at(doc, "user_check.status")),
                            i ? "unresolved" : "root");
        json_decref(doc);
    }
    sb_release(&sb);
}

/* ---- limits ---- */

static void test_limits(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    struct err e;
    json_t *doc;
    size_t i;
    char want[128];

    (void)state;
    /* one long line just under the cap parses */
    sb_adds(&sb, "FROM a\nRUN ");
    for (i = 0; i < DOCKERFILE_MAX_INSTRUCTION - 100; i++)
        sb_add(&sb, "x", 1);
    sb_adds(&sb, "\nUSER u\n");
    doc = parse_ok("long", sb.buf, sb.len);
    assert_int_equal(json_integer_value(at(doc, "instructions[2].line")), 3);
    json_decref(doc);

    /* one line over it */
    sb_setlen(&sb, 0);
    sb_adds(&sb, "FROM a\nRUN ");
    for (i = 0; i < DOCKERFILE_MAX_INSTRUCTION + 1; i++)
        sb_add(&sb, "x", 1);
    assert_int_equal(dockerfile_parse(sb.buf, sb.len, "huge", &doc, &e), -1);
    snprintf(want, sizeof(want), "huge:2: instruction longer than %d bytes",
             DOCKERFILE_MAX_INSTRUCTION);
    assert_string_equal(e.msg, want);

    /* continuations adding up past it name the first line */
    sb_setlen(&sb, 0);
    sb_adds(&sb, "FROM a\n\nRUN \\\n");
    for (i = 0; i < 2000; i++) {
        char line[1100];
        memset(line, 'y', sizeof(line) - 3);
        line[sizeof(line) - 3] = '\\';
        line[sizeof(line) - 2] = '\n';
        line[sizeof(line) - 1] = '\0';
        sb_adds(&sb, line);
    }
    assert_int_equal(dockerfile_parse(sb.buf, sb.len, "cont", &doc, &e), -1);
    snprintf(want, sizeof(want), "cont:3: instruction longer than %d bytes",
             DOCKERFILE_MAX_INSTRUCTION);
    assert_string_equal(e.msg, want);

    /* so do heredoc bodies */
    sb_setlen(&sb, 0);
    sb_adds(&sb, "FROM a\nRUN <<EOF\n");
    for (i = 0; i < 2000; i++) {
        char line[1100];
        memset(line, 'z', sizeof(line) - 2);
        line[sizeof(line) - 2] = '\n';
        line[sizeof(line) - 1] = '\0';
        sb_adds(&sb, line);
    }
    sb_adds(&sb, "EOF\n");
    assert_int_equal(dockerfile_parse(sb.buf, sb.len, "hd", &doc, &e), -1);
    snprintf(want, sizeof(want), "hd:2: instruction longer than %d bytes",
             DOCKERFILE_MAX_INSTRUCTION);
    assert_string_equal(e.msg, want);

    /* deep ${a:-${a:-...}} nesting stays bounded and dynamic */
    sb_setlen(&sb, 0);
    sb_adds(&sb, "FROM scratch\nLABEL x=");
    for (i = 0; i < 5000; i++)
        sb_adds(&sb, "${a:-");
    sb_adds(&sb, "v");
    for (i = 0; i < 5000; i++)
        sb_adds(&sb, "}");
    sb_adds(&sb, "\n");
    doc = parse_ok("deep", sb.buf, sb.len);
    assert_non_null(at(doc, "instructions[1].dynamic_keys[0]"));
    json_decref(doc);

    /* substitution that doubles line after line stops at the cap, naming
     * the file, the line and the limit */
    sb_setlen(&sb, 0);
    sb_adds(&sb, "FROM scratch\nENV A=0123456789abcdef\n");
    for (i = 0; i < 40; i++)
        sb_adds(&sb, "ENV A=$A$A\n");
    assert_int_equal(dockerfile_parse(sb.buf, sb.len, "double", &doc, &e), -1);
    snprintf(want, sizeof(want),
             "double:%d: variable substitution and stage inheritance make "
             "more than %d MiB of values (limit)",
             21, DOCKERFILE_MAX_EXPANSION >> 20);
    assert_string_equal(e.msg, want);
    /* ... also through a default or an ARG, and in a FROM */
    sb_setlen(&sb, 0);
    sb_adds(&sb, "ARG A=0123456789abcdef\n");
    for (i = 0; i < 40; i++)
        sb_adds(&sb, "ARG A=${B:-$A$A}\n");
    sb_adds(&sb, "FROM a:$A\n");
    assert_int_equal(dockerfile_parse(sb.buf, sb.len, "arg", &doc, &e), -1);
    if (!strstr(e.msg, "arg:20: variable substitution"))
        print_error("%s\n", e.msg);
    assert_non_null(strstr(e.msg, "arg:20: variable substitution"));
    /* ... and under it, a large but bounded value is fine */
    sb_setlen(&sb, 0);
    sb_adds(&sb, "FROM scratch\nENV A=0123456789abcdef\n");
    for (i = 0; i < 16; i++)
        sb_adds(&sb, "ENV A=$A$A\n");
    doc = parse_ok("double-ok", sb.buf, sb.len);
    assert_int_equal(json_string_length(at(doc, "instructions[17].pairs.A")),
                     16 << 16);
    json_decref(doc);

    /* the instruction count is bounded */
    sb_setlen(&sb, 0);
    sb_adds(&sb, "FROM a\n");
    for (i = 0; i < DOCKERFILE_MAX_INSTRUCTIONS + 5; i++)
        sb_adds(&sb, "RUN x\n");
    assert_int_equal(dockerfile_parse(sb.buf, sb.len, "many", &doc, &e), -1);
    snprintf(want, sizeof(want), "many:%d: more than %d instructions (limit)",
             DOCKERFILE_MAX_INSTRUCTIONS + 1, DOCKERFILE_MAX_INSTRUCTIONS);
    assert_string_equal(e.msg, want);

    /* thousands of stages, each FROM and COPY --from an earlier one by
     * name (case-insensitively), resolve in linear time */
    sb_setlen(&sb, 0);
    sb_adds(&sb, "FROM a AS S0\n");
    for (i = 0; i < DOCKERFILE_MAX_INSTRUCTIONS / 2 - 1; i++)
        sb_addf(&sb, "FROM s%zu AS s%zu\nCOPY --from=S%zu /a /b\n", i, i + 1,
                i / 2);
    doc = parse_ok("stages", sb.buf, sb.len);
    assert_int_equal(json_integer_value(at(doc, "stages[4000].from.stage_ref")),
                     3999);
    assert_int_equal(
        json_integer_value(at(doc, "instructions[8000].from_stage")), 1999);
    json_decref(doc);
    /* a chain of stages copying a growing ENV stops at the cap */
    sb_setlen(&sb, 0);
    sb_adds(&sb, "FROM a AS s0\n");
    for (i = 0; i < 3000; i++)
        sb_addf(&sb, "FROM s%zu AS s%zu\nENV V%zu=x\n", i, i + 1, i);
    assert_int_equal(dockerfile_parse(sb.buf, sb.len, "chain", &doc, &e), -1);
    assert_non_null(strstr(e.msg, "MiB of values (limit)"));
    assert_non_null(strstr(e.msg, "chain:"));

    /* invalid UTF-8 is replaced, never passed to jansson */
    doc = parse_ok("utf8", "FROM a\nLABEL k=\xff\xfe\n", 17);
    assert_string_equal(json_string_value(at(doc, "instructions[1].pairs.k")),
                        "\xEF\xBF\xBD\xEF\xBF\xBD");
    json_decref(doc);
    sb_release(&sb);
}

/* ---- redaction ---- */

static void test_redaction(void **state)
{
    static const char text[] =
        "ARG GITHUB_TOKEN=ghp_plaintextAAAA1111\n"
        "FROM alpine\n"
        "ENV DB_PASSWORD=hunter2-plain \\\n"
        "    APP_NAME=shop\n"
        "ARG API_KEY=sk_live_zzzz9999\n"
        "LABEL leak=\"x${DB_PASSWORD}y\"\n"
        "ONBUILD ENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\n"
        "ENV OLD_SECRET legacyform-value-77\n"
        "ARG GITHUB_TOKEN\n"
        "LABEL token=$GITHUB_TOKEN\n"
        "RUN echo $DB_PASSWORD\n";
    static const char *const plain[] = {
        "ghp_plaintextAAAA1111", "hunter2-plain",
        "sk_live_zzzz9999",      "xhunter2",
        "wJalrXUtnFEMI",         "legacyform-value-77",
        "plaintextAAAA",         NULL};
    json_t *doc = parse_ok("secrets", text, sizeof(text) - 1), *want;
    char *dump = json_dumps(doc, DUMP_FLAGS);
    size_t i;

    (void)state;
    assert_non_null(dump);
    for (i = 0; plain[i]; i++) {
        if (strstr(dump, plain[i]))
            print_error("plaintext %s in %s\n", plain[i], dump);
        assert_null(strstr(dump, plain[i]));
    }
    free(dump);
    assert_true(json_is_true(at(doc, "redacted")));
    want = redact_value("ghp_plaintextAAAA1111", 21);
    assert_true(json_equal(at(doc, "args.GITHUB_TOKEN"), want));
    assert_true(
        json_equal(at(doc, "instructions[0].pairs.GITHUB_TOKEN"), want));
    assert_true(
        json_equal(at(doc, "instructions[7].pairs.GITHUB_TOKEN"), want));
    assert_true(json_equal(at(doc, "instructions[8].pairs.token"), want));
    json_decref(want);
    assert_true(json_is_true(at(doc, "instructions[2].redacted")));
    assert_string_equal(
        json_string_value(at(doc, "instructions[2].pairs.APP_NAME")), "shop");
    assert_non_null(strstr(json_string_value(at(doc, "instructions[2].raw")),
                           "APP_NAME=shop"));
    for (i = 3; i <= 8; i++) {
        char path[64];
        snprintf(path, sizeof(path), "instructions[%zu].redacted", i);
        if (!json_is_true(at(doc, path)))
            print_error("%s is not true\n", path);
        assert_true(json_is_true(at(doc, path)));
    }
    assert_true(json_is_true(at(doc, "instructions[5].instruction.redacted")));
    /* RUN is not substituted: the reference stays, the value never came */
    assert_string_equal(json_string_value(at(doc, "instructions[9].shell")),
                        "echo $DB_PASSWORD");
    assert_null(at(doc, "instructions[9].redacted"));
    json_decref(doc);

    /* nothing to redact: the marker is false */
    doc = parse_ok("clean", "FROM a\nENV A=b\n", 15);
    assert_true(json_is_false(at(doc, "redacted")));
    assert_null(at(doc, "instructions[1].redacted"));
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_substitution),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_names_path),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_user_check),
        cmocka_unit_test(test_script),
        cmocka_unit_test(test_derived_fields),
        cmocka_unit_test(test_redaction),
    };

    return cmocka_run_group_tests_name("dockerfile", tests, NULL, NULL);
}
