/*
 * test_hygiene.c: files that should not be committed
 * (collectors/code/hygiene.c): what each is and whether it holds a
 * credential, both ways, and that no value reaches the document.
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

#include "hygiene.h"

static void test_files(void **state)
{
    static const struct {
        const char *path, *text;
        const char *kind; /* NULL: not a subject */
        int secret, tmpl;
    } cases[] = {
        {".env", "DB_HOST=db\nDB_PASSWORD=s3cr3t-Pa55w0rd-42\n", "dotenv", 1,
         0},
        {"app/.env", "export API_TOKEN=\"9f8e7d6c5b4a39281706\"\n", "dotenv", 1,
         0},
        {".env", "DB_PASSWORD=\nAPI_KEY=${API_KEY}\nDEBUG=1\n", "dotenv", 0, 0},
        {".env.example", "DB_PASSWORD=changeme\nAPI_KEY=<your key>\n", "dotenv",
         0, 1},
        {"prod.env", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCY7z\n",
         "dotenv", 1, 0},
        {"keys/deploy.pem",
         "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE "
         "KEY-----\n",
         "private-key", 1, 0},
        {"id_ed25519",
         "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH "
         "PRIVATE KEY-----\n",
         "private-key", 1, 0},
        {"server.ppk", "PuTTY-User-Key-File-3: ssh-ed25519\n", "private-key", 1,
         0},
        {"cert.pem", "-----BEGIN CERTIFICATE-----\nMII\n", NULL, 0, 0},
        {"docs/key.md", "look for BEGIN PRIVATE KEY headers\n", NULL, 0, 0},
        {"ops/kubeconfig",
         "apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: a\n  "
         "user:\n    token: eyJhbGciOiJSUzI1NiJ9.e30.sig\n",
         "kubeconfig", 1, 0},
        {"ops/prod.kubeconfig",
         "apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: a\n  "
         "user:\n    exec:\n      command: aws\n",
         "kubeconfig", 0, 0},
        {"deploy/admin.yaml",
         "apiVersion: v1\nkind: Config\nclusters:\n- cluster: {}\nusers:\n- "
         "user:\n    client-key-data: LS0tLS1CRUdJTg==\n",
         "kubeconfig", 1, 0},
        {"infra/terraform.tfstate",
         "{\"version\": 4, \"resources\": [{\"type\": \"aws_db_instance\"}]}",
         "terraform-state", 1, 0},
        {"infra/empty.tfstate", "{\"version\": 4, \"resources\": []}",
         "terraform-state", 0, 0},
        {".npmrc", "//registry.npmjs.org/:_authToken=npm_abcdef0123456789\n",
         "npmrc", 1, 0},
        {".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", "npmrc",
         0, 0},
        {".pypirc", "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlw\n",
         "pypirc", 1, 0},
        {".pypirc", "[pypi]\nusername = __token__\n", "pypirc", 0, 0},
        {".netrc", "machine github.com login x password ghp_abc\n", "netrc", 1,
         0},
        {"src/main.c", "int main(void) { return 0; }\n", NULL, 0, 0},
        {"deploy.yaml", "apiVersion: v1\nkind: ConfigMap\n", NULL, 0, 0},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *d = code_hygiene_file(cases[i].path, cases[i].text,
                                      strlen(cases[i].text));
        char *dump;
        if (!cases[i].kind) {
            if (d)
                print_error("case %zu %s: not a subject\n", i, cases[i].path);
            assert_null(d);
            continue;
        }
        if (!d)
            print_error("case %zu %s: no document\n", i, cases[i].path);
        assert_non_null(d);
        assert_string_equal(json_string_value(json_object_get(d, "kind")),
                            cases[i].kind);
        if (json_is_true(json_object_get(d, "has_secret")) != cases[i].secret)
            print_error("case %zu %s: has_secret\n", i, cases[i].path);
        assert_int_equal(json_is_true(json_object_get(d, "has_secret")),
                         cases[i].secret);
        assert_int_equal(json_is_true(json_object_get(d, "template")),
                         cases[i].tmpl);
        assert_string_equal(json_string_value(json_object_get(d, "path")),
                            cases[i].path);
        dump = json_dumps(d, 0);
        /* no value from the file: only fixed texts and the path */
        assert_null(strstr(dump, "s3cr3t"));
        assert_null(strstr(dump, "npm_abc"));
        assert_null(strstr(dump, "eyJhbG"));
        assert_null(strstr(dump, "pypi-Ag"));
        free(dump);
        json_decref(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
