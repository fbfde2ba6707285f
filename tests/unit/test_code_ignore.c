/*
 * test_code_ignore.c: the .gitignore matcher against git itself. Each
 * case builds a real repository with the ignore files and paths, asks
 * `git check-ignore` about every path, and expects the same answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "code_ignore.h"
#include "util.h"

static const struct {
    const char *pat, *s;
    int want;
} glob_cases[] = {
    {"*.o", "a.o", 1},          {"*.o", "dir/a.o", 0},
    {"a?c", "abc", 1},          {"a?c", "a/c", 0},
    {"**/foo", "foo", 1},       {"**/foo", "a/b/foo", 1},
    {"a/**/b", "a/b", 1},       {"a/**/b", "a/x/y/b", 1},
    {"a/**", "a/x/y", 1},       {"a/**", "a", 0},
    {"[a-c]x", "bx", 1},        {"[!a-c]x", "bx", 0},
    {"[!a-c]x", "dx", 1},       {"[[:digit:]]x", "7x", 1},
    {"\\*x", "*x", 1},          {"\\*x", "ax", 0},
    {"foo**bar", "fooXbar", 1}, {"foo**bar", "foo/bar", 0},
};

static void test_glob(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(glob_cases) / sizeof(*glob_cases); i++)
        if (code_ignore_glob(glob_cases[i].pat, glob_cases[i].s) !=
            glob_cases[i].want)
            fail_msg("glob %s on %s: expected %d", glob_cases[i].pat,
                     glob_cases[i].s, glob_cases[i].want);
}

/* The ignore files (path, then content) and the paths asked about;
 * a path ending in '/' is a directory. */
static const char *const git_files[] = {
    ".gitignore",
    "# comment\n"
    "*.log\n"
    "!keep.log\n"
    "/top-only.txt\n"
    "build/\n"
    "docs/**/*.tmp\n"
    "**/cache\n"
    "trailing-space.txt   \n"
    "\\#hash.txt\n"
    "\\!bang.txt\n"
    "a/*/c.txt\n"
    "secret[0-9].env\n"
    "out\n"
    "!out/keep.txt\n",
    "sub/.gitignore",
    "!*.log\n"
    "local.txt\n"
    "/anchored.txt\n"
    "deep/\n",
    "sub/inner/.gitignore",
    "*.log\n"
    "!important.log\n",
    NULL,
};

static const char *const git_paths[] = {
    "x.log",
    "keep.log",
    "dir/x.log",
    "top-only.txt",
    "dir/top-only.txt",
    "build/",
    "build/a.o",
    "src/build/",
    "src/build/x.c",
    "build.txt",
    "docs/a.tmp",
    "docs/x/y/a.tmp",
    "docs/a.txt",
    "cache/",
    "cache/x",
    "a/b/cache/",
    "a/b/cache/y",
    "trailing-space.txt",
    "#hash.txt",
    "!bang.txt",
    "a/b/c.txt",
    "a/b/d/c.txt",
    "a/c.txt",
    "secret1.env",
    "secretx.env",
    "out/",
    "out/keep.txt",
    "sub/x.log",
    "sub/local.txt",
    "local.txt",
    "sub/anchored.txt",
    "sub/z/anchored.txt",
    "anchored.txt",
    "sub/deep/",
    "sub/deep/f",
    "sub/z/deep/",
    "sub/inner/y.log",
    "sub/inner/important.log",
    "sub/inner/q.txt",
    NULL,
};

static void test_write(const char *dir, const char *rel, const char *text)
{
    struct strbuf p = STRBUF_INIT, cmd = STRBUF_INIT;
    FILE *f;
    char *sl;

    sb_addf(&p, "%s/%s", dir, rel);
    sl = strrchr(p.buf, '/');
    *sl = '\0';
    sb_addf(&cmd, "mkdir -p '%s'", p.buf);
    assert_int_equal(system(sb_str(&cmd)), 0);
    *sl = '/';
    if (str_has_suffix(rel, "/")) {
        sb_setlen(&cmd, 0);
        sb_addf(&cmd, "mkdir -p '%s'", p.buf);
        assert_int_equal(system(sb_str(&cmd)), 0);
    } else {
        f = fopen(sb_str(&p), "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
    }
    sb_release(&p);
    sb_release(&cmd);
}

static void test_against_git(void **state)
{
    char dir[] = "/tmp/test_code_ignore.XXXXXX";
    struct code_ignore *ig = code_ignore_new();
    struct strbuf cmd = STRBUF_INIT, rel = STRBUF_INIT;
    size_t i, disagree = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    sb_addf(&cmd, "git init -q '%s'", dir);
    assert_int_equal(system(sb_str(&cmd)), 0);
    for (i = 0; git_files[i]; i += 2) {
        const char *sl = strrchr(git_files[i], '/');
        char *base =
            sl ? xstrndup(git_files[i], (size_t)(sl - git_files[i])) : NULL;
        test_write(dir, git_files[i], git_files[i + 1]);
        code_ignore_add(ig, base ? base : "", git_files[i + 1],
                        strlen(git_files[i + 1]));
        free(base);
    }
    for (i = 0; git_paths[i]; i++)
        test_write(dir, git_paths[i], "x\n");
    for (i = 0; git_paths[i]; i++) {
        int is_dir = str_has_suffix(git_paths[i], "/");
        int git, mine, st;
        sb_setlen(&rel, 0);
        sb_add(&rel, git_paths[i], strlen(git_paths[i]) - (size_t)is_dir);
        sb_setlen(&cmd, 0);
        sb_addf(&cmd, "cd '%s' && git check-ignore -q '%s'", dir, sb_str(&rel));
        st = system(sb_str(&cmd));
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) <= 1);
        git = WEXITSTATUS(st) == 0;
        mine = code_ignore_check(ig, sb_str(&rel), is_dir);
        if (git != mine) {
            print_error("%s: git says %s, the matcher %s\n", git_paths[i],
                        git ? "ignored" : "not ignored",
                        mine ? "ignored" : "not ignored");
            disagree++;
        }
    }
    sb_setlen(&cmd, 0);
    sb_addf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(sb_str(&cmd)), 0);
    code_ignore_free(ig);
    sb_release(&cmd);
    sb_release(&rel);
    assert_int_equal(disagree, 0);
}

/* Leaving a directory forgets its ignore file. */
static void test_truncate(void **state)
{
    struct code_ignore *ig = code_ignore_new();
    size_t n;

    (void)state;
    code_ignore_add(ig, "", "*.a\n", 4);
    n = code_ignore_count(ig);
    code_ignore_add(ig, "d", "!x.a\n*.b\n", 9);
    assert_int_equal(code_ignore_check(ig, "d/x.a", 0), 0);
    assert_int_equal(code_ignore_check(ig, "d/y.b", 0), 1);
    assert_int_equal(code_ignore_check(ig, "e/y.b", 0), 0);
    code_ignore_truncate(ig, n);
    assert_int_equal(code_ignore_check(ig, "d/x.a", 0), 1);
    assert_int_equal(code_ignore_check(ig, "d/y.b", 0), 0);
    code_ignore_free(ig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_against_git),
        cmocka_unit_test(test_truncate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
