/*
 * test_textmap.c: finding texts by content: the stored hash (pinned: a
 * change would make every stored text unfindable), absent against empty
 * evidence, lookups that compare the text and not only the hash, and the
 * memory budget.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "textmap.h"

static struct textmap_key key(const char *message, const char *evidence)
{
    struct textmap_key k;

    k.message = message;
    k.message_len = strlen(message);
    k.evidence = evidence;
    k.evidence_len = evidence ? strlen(evidence) : 0;
    return k;
}

/* ---- the hash is part of the database format ---- */

static const struct {
    const char *message, *evidence;
    uint64_t hash;
} hash_cases[] = {
    {"a is 1, expected 1", "{\"path\":\"a\"}", 0x51c65bacce284bb5u},
    {"", NULL, 0xae2cfebdfb398870u},
    {"", "", 0x0b5181c509f8d8ceu},
    /* two full words and a tail */
    {"0123456789abcdefX", NULL, 0xbbe3fde2f61d77c2u},
};

static void test_hash_pinned(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(hash_cases) / sizeof(hash_cases[0]); i++) {
        struct textmap_key k =
            key(hash_cases[i].message, hash_cases[i].evidence);
        if (textmap_hash(&k) != hash_cases[i].hash)
            fail_msg("case %zu: hash %016llx, pinned %016llx", i,
                     (unsigned long long)textmap_hash(&k),
                     (unsigned long long)hash_cases[i].hash);
    }
}

static void test_hash_separates(void **state)
{
    struct textmap_key a = key("ab", "c"), b = key("a", "bc"),
                       c = key("abc", NULL), d = key("abc", "");

    (void)state;
    /* Where the message ends matters, and so does absent evidence. */
    assert_true(textmap_hash(&a) != textmap_hash(&b));
    assert_true(textmap_hash(&c) != textmap_hash(&d));
}

/* ---- lookups ---- */

static void test_get_put(void **state)
{
    struct textmap *m = textmap_new(1 << 20);
    struct textmap_key a = key("x is 1", "{}"), b = key("x is 1", NULL),
                       c = key("x is 1", ""), d = key("y is 2", "{}");
    char buf[32];
    int i;

    (void)state;
    assert_int_equal(textmap_get(m, &a, textmap_hash(&a)), 0);
    textmap_put(m, &a, textmap_hash(&a), 7);
    textmap_put(m, &b, textmap_hash(&b), 8);
    textmap_put(m, &c, textmap_hash(&c), 9);
    assert_int_equal(textmap_get(m, &a, textmap_hash(&a)), 7);
    assert_int_equal(textmap_get(m, &b, textmap_hash(&b)), 8);
    assert_int_equal(textmap_get(m, &c, textmap_hash(&c)), 9);
    assert_int_equal(textmap_get(m, &d, textmap_hash(&d)), 0);
    /* Same hash, other text: the text decides, not the hash. */
    assert_int_equal(textmap_get(m, &d, textmap_hash(&a)), 0);
    /* Growing keeps every entry. */
    for (i = 0; i < 20000; i++) {
        struct textmap_key k;
        snprintf(buf, sizeof(buf), "m%d", i);
        k = key(buf, NULL);
        textmap_put(m, &k, textmap_hash(&k), 100 + i);
    }
    for (i = 0; i < 20000; i += 997) {
        struct textmap_key k;
        snprintf(buf, sizeof(buf), "m%d", i);
        k = key(buf, NULL);
        assert_int_equal(textmap_get(m, &k, textmap_hash(&k)), 100 + i);
    }
    assert_int_equal(textmap_get(m, &a, textmap_hash(&a)), 7);
    assert_int_equal(textmap_resets(m), 0);
    textmap_clear(m);
    assert_int_equal(textmap_get(m, &a, textmap_hash(&a)), 0);
    textmap_free(m);
}

static void test_budget(void **state)
{
    struct textmap *m = textmap_new(64);
    struct textmap_key a = key("0123456789", "0123456789"), b, big;
    char long_text[100];

    (void)state;
    textmap_put(m, &a, textmap_hash(&a), 1);
    b = key("abcdefghij", "abcdefghij");
    textmap_put(m, &b, textmap_hash(&b), 2);
    b = key("klmnopqrst", "klmnopqrst");
    textmap_put(m, &b, textmap_hash(&b), 3);
    assert_int_equal(textmap_resets(m), 0);
    assert_int_equal(textmap_get(m, &a, textmap_hash(&a)), 1);
    /* The fourth 20-byte text does not fit in 64 bytes: start over. */
    b = key("uvwxyz0123", "uvwxyz0123");
    textmap_put(m, &b, textmap_hash(&b), 4);
    assert_int_equal(textmap_resets(m), 1);
    assert_int_equal(textmap_get(m, &a, textmap_hash(&a)), 0);
    assert_int_equal(textmap_get(m, &b, textmap_hash(&b)), 4);
    /* A text larger than the budget is never kept. */
    memset(long_text, 'z', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    big = key(long_text, NULL);
    textmap_put(m, &big, textmap_hash(&big), 5);
    assert_int_equal(textmap_get(m, &big, textmap_hash(&big)), 0);
    textmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_pinned),
        cmocka_unit_test(test_hash_separates),
        cmocka_unit_test(test_get_put),
        cmocka_unit_test(test_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
