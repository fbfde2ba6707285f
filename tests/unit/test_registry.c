/*
 * test_registry.c: what the collectors' and reporters' registries declare,
 * which `fourc scan`, `rules test` and every list of formats are built
 * from (collectors/registry.c, report/registry.c).
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

#include "collector.h"
#include "engine.h"
#include "imgopts.h"
#include "reporter.h"
#include "rule.h"

/* Every collector declares what the command line is built from. */
static void test_collectors_declare(void **state)
{
    const struct collector *c, *d;
    const struct collector_opt *o, *p;
    size_t i, j, n = 0;

    (void)state;
    for (i = 0; (c = collector_at(i)); i++, n++) {
        assert_non_null(c->name);
        assert_ptr_equal(collector_find(c->name), c);
        /* no arg: a flag (--aws), whose target is named by the
         * collector, so it can be given once only */
        assert_true(c->arg || c->target_once);
        assert_non_null(c->help);
        assert_non_null(c->pillar);
        assert_non_null(c->kinds);
        assert_non_null(c->kinds[0]);
        assert_non_null(c->collect);
        /* A collector of something no file holds (a live cluster) reads
         * no fixtures: its kinds are another's, whose fixtures test the
         * rules. */
        if (!c->fixture_names) {
            for (j = 0; (d = collector_at(j)) && d != c; j++)
                if (d->fixture_names && d->kinds &&
                    strcmp(d->kinds[0], c->kinds[0]) == 0)
                    break;
            assert_true(d && d != c);
        } else {
            assert_non_null(c->fixture_names[0]);
        }
        /* option state: made and freed by the same collector */
        assert_true((c->opts_new == NULL) == (c->opts_free == NULL));
        for (o = c->opts; o && o->name; o++) {
            assert_non_null(o->help);
            assert_non_null(o->set);
            /* one name, one option: across collectors and targets */
            for (j = 0; (d = collector_at(j)); j++) {
                assert_string_not_equal(o->name, d->name);
                for (p = d->opts; p && p->name; p++)
                    if (p != o)
                        assert_string_not_equal(o->name, p->name);
            }
        }
    }
    assert_true(n >= 3);
    assert_null(collector_at(n));
    assert_null(collector_find("nosuch"));
}

static const struct collector_opt *opt_named(const struct collector *c,
                                             const char *name)
{
    const struct collector_opt *o;

    for (o = c->opts; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    fail_msg("%s has no option --%s", c->name, name);
    return NULL;
}

/* The image collector's options parse into its own state; a bad value is
 * an error naming the option and the value. */
static void test_image_options(void **state)
{
    const struct collector *c = collector_find("image");
    struct img_opts *io;
    struct err e;

    (void)state;
    assert_non_null(c);
    io = c->opts_new();
    assert_string_equal(io->platform, "linux/amd64");
    assert_int_equal(io->timeout, 30);
    assert_int_equal(opt_named(c, "platform")->set(io, "linux/arm64/v8", &e),
                     0);
    assert_string_equal(io->platform, "linux/arm64/v8");
    assert_int_equal(opt_named(c, "platform")->set(io, "linux", &e), -1);
    assert_non_null(strstr(e.msg, "--platform linux"));
    assert_int_equal(opt_named(c, "registry-timeout")->set(io, "5", &e), 0);
    assert_int_equal(io->timeout, 5);
    assert_int_equal(opt_named(c, "registry-timeout")->set(io, "0", &e), -1);
    assert_non_null(strstr(e.msg, "--registry-timeout 0"));
    assert_int_equal(opt_named(c, "max-layer-size")->set(io, "2M", &e), 0);
    assert_true(io->max_layer_size == UINT64_C(2) << 20);
    assert_int_equal(opt_named(c, "max-image-size")->set(io, "1GiB", &e), 0);
    assert_true(io->max_image_size == UINT64_C(1) << 30);
    assert_int_equal(opt_named(c, "max-image-size")->set(io, "0", &e), -1);
    assert_non_null(strstr(e.msg, "--max-image-size 0"));
    assert_int_equal(opt_named(c, "max-layer-size")->set(io, "9Q", &e), -1);
    assert_non_null(strstr(e.msg, "--max-layer-size 9Q"));
    /* repeatable: every host kept, in order */
    assert_true(opt_named(c, "insecure-registry")->repeatable);
    assert_false(opt_named(c, "platform")->repeatable);
    assert_int_equal(opt_named(c, "insecure-registry")->set(io, "a:5000", &e),
                     0);
    assert_int_equal(opt_named(c, "insecure-registry")->set(io, "b", &e), 0);
    assert_int_equal(io->ninsecure, 2);
    assert_string_equal(io->insecure[0], "a:5000");
    assert_string_equal(io->insecure[1], "b");
    assert_int_equal(opt_named(c, "registry-ca")->set(io, "/ca.pem", &e), 0);
    assert_string_equal(io->ca_file, "/ca.pem");
    c->opts_free(io);
}

struct fixture_case {
    const char *kinds[4];
    const char *path;
    const char *collector; /* NULL: none, why names the patterns */
};

static const struct fixture_case fixture_cases[] = {
    {{"k8s/Pod", "k8s/Deployment"}, "fx/R/pass.yaml", "manifests"},
    {{"k8s/Pod"}, "fx/R/fail-cronjob.yml", "manifests"},
    {{"k8s/Pod"}, "fx/R/fail.json", "manifests"},
    {{"k8s/Pod"}, "fx/R/fail.Dockerfile", NULL},
    {{"code/Dockerfile"}, "fx/R/fail-apk.Dockerfile", "dockerfile"},
    {{"code/Dockerfile"}, "fx/R/Containerfile", "dockerfile"},
    {{"code/Dockerfile"}, "fx/R/pass.yaml", NULL},
    /* one rule, two collectors: the file name chooses */
    {{"code/Dockerfile", "image/Config"}, "fx/R/pass.Dockerfile", "dockerfile"},
    {{"code/Dockerfile", "image/Config"}, "fx/R/pass.oci", "image"},
    {{"image/Filesystem"}, "fx/R/fail-setuid.oci", "image"},
    {{"image/Filesystem"}, "fx/R/fail.yaml", NULL},
    /* the engine's own kinds: any collector, by name */
    {{"fourc/InputError"}, "fx/R/fail.yaml", "manifests"},
    {{"fourc/InputError"}, "fx/R/fail.Dockerfile", "dockerfile"},
    {{"fourc/Target"}, "fx/R/pass.oci", "image"},
    {{"fourc/Target"}, "fx/R/pass.txt", NULL},
    /* nothing emits it */
    {{"cloud/Bucket"}, "fx/R/pass.yaml", NULL},
};

/* rules test picks the collector of a fixture from the registry. */
static void test_fixture_collector(void **state)
{
    size_t i, n;
    char why[512];

    (void)state;
    for (i = 0; i < sizeof(fixture_cases) / sizeof(fixture_cases[0]); i++) {
        const struct fixture_case *fc = &fixture_cases[i];
        const struct collector *c;

        for (n = 0; n < 4 && fc->kinds[n]; n++)
            ;
        why[0] = '\0';
        c = collector_for_fixture(fc->kinds, n, fc->path, why, sizeof(why));
        if (fc->collector) {
            if (!c)
                fail_msg("%s: expected %s, got none (%s)", fc->path,
                         fc->collector, why);
            assert_string_equal(c->name, fc->collector);
        } else {
            if (c)
                fail_msg("%s (%s): expected none, got %s", fc->path,
                         fc->kinds[0], c->name);
            assert_non_null(strstr(why, strrchr(fc->path, '/') + 1));
        }
    }
    /* the message names what would have matched */
    assert_null(collector_for_fixture(
        (const char *const[]){"code/Dockerfile", "image/Config"}, 2,
        "x/pass.yaml", why, sizeof(why)));
    assert_non_null(strstr(why, "dockerfile: *.Dockerfile"));
    assert_non_null(strstr(why, "image: *.oci"));
}

/*
 * The input-error pack has the rule of every collector's pillar (a scan
 * refuses to start without it): adding a collector of a new pillar
 * without its input rule fails here, not in a user's scan.
 */
static void test_input_rule_per_pillar(void **state)
{
    struct ruleset rs = {.kind_check = collector_kind_check};
    struct diag d = {0};
    const struct collector *c;
    size_t i;

    (void)state;
    ruleset_load_embedded(&rs, 0, &d);
    for (i = 0; i < d.n; i++)
        print_message("%s\n", d.msgs[i]);
    assert_int_equal(d.n, 0);
    assert_true(rs.n > 0);
    for (i = 0; (c = collector_at(i)); i++)
        if (!engine_has_input_rule(&rs, c->pillar))
            fail_msg("no fourc/InputError rule for pillar %s (collector %s)",
                     c->pillar, c->name);
    /* and the check can fail */
    assert_false(engine_has_input_rule(&rs, "nosuch"));
    ruleset_release(&rs);
    diag_release(&d);
}

/* Reporters: every format declared; the names list is reentrant and
 * bounded by its caller's buffer. */
static void test_reporters(void **state)
{
    const struct reporter *r;
    char a[256], b[8], want[256] = "";
    size_t i;

    (void)state;
    for (i = 0; (r = reporter_at(i)); i++) {
        assert_non_null(r->name);
        assert_non_null(r->ext);
        assert_int_equal(r->ext[0], '.');
        assert_non_null(r->summary);
        assert_non_null(r->render);
        assert_ptr_equal(reporter_find(r->name), r);
        snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
                 i ? ", " : "", r->name);
    }
    assert_true(i >= 6);
    assert_null(reporter_find("nosuch"));
    assert_ptr_equal(reporter_names(a, sizeof(a)), a);
    assert_string_equal(a, want);
    /* a second buffer does not disturb the first */
    assert_ptr_equal(reporter_names(b, sizeof(b)), b);
    assert_string_equal(a, want);
    assert_int_equal(strlen(b), sizeof(b) - 1);
    assert_memory_equal(b, want, sizeof(b) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collectors_declare),
        cmocka_unit_test(test_image_options),
        cmocka_unit_test(test_fixture_collector),
        cmocka_unit_test(test_input_rule_per_pillar),
        cmocka_unit_test(test_reporters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
