/*
 * secrets_engine_hs.c: the alternative collectors/secret/detect.c did not
 * take, measured: every detector pattern in one Vectorscan database.
 * Not built by make:
 *   cc -O2 -o hsbench benchmarks/secrets_engine_hs.c $(pkg-config --cflags
 *       --libs libhs)
 *   ./hsbench PATTERNS.txt CORPUS [som]
 * PATTERNS.txt: one PCRE2 pattern a line (a leading (?i) becomes
 * HS_FLAG_CASELESS); "som" adds HS_FLAG_SOM_LEFTMOST (match spans, which
 * extracting the secret group needs). Prints the patterns refused, the
 * compile time and size, and the scan throughput of CORPUS.
 */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned long long nmatch;

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (void)ctx;
    nmatch++;
    return 0;
}

int main(int argc, char **argv)
{
    static char *pats[4096];
    static unsigned flags[4096], ids[4096];
    unsigned extra = argc > 3 ? HS_FLAG_SOM_LEFTMOST : 0;
    hs_compile_error_t *ce;
    hs_database_t *db;
    hs_scratch_t *s = NULL;
    char line[16384], *buf;
    size_t sz;
    long len;
    double t;
    int n = 0, refused = 0;
    FILE *f, *g;

    if (argc < 3 || !(f = fopen(argv[1], "r")) || !(g = fopen(argv[2], "rb")))
        return 2;
    while (n < 4096 && fgets(line, sizeof(line), f)) {
        const char *p = line;
        unsigned fl = HS_FLAG_ALLOWEMPTY | extra, id = 0;

        line[strcspn(line, "\n")] = '\0';
        if (strncmp(p, "(?i)", 4) == 0) {
            p += 4;
            fl |= HS_FLAG_CASELESS;
        }
        if (hs_compile_multi(&p, &fl, &id, 1, HS_MODE_BLOCK, NULL, &db, &ce) !=
            HS_SUCCESS) {
            fprintf(stderr, "refused: %.60s: %s\n", p, ce->message);
            hs_free_compile_error(ce);
            refused++;
            continue;
        }
        hs_free_database(db);
        pats[n] = strdup(p);
        flags[n] = fl;
        ids[n] = (unsigned)n;
        n++;
    }
    printf("%d patterns compile, %d refused\n", n, refused);
    t = now();
    if (hs_compile_multi((const char *const *)pats, flags, ids, (unsigned)n,
                         HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS) {
        printf("together: %s (pattern %d)\n", ce->message, ce->expression);
        return 1;
    }
    hs_database_size(db, &sz);
    printf("compile %.2f s, database %zu KiB\n", now() - t, sz / 1024);
    fseek(g, 0, SEEK_END);
    len = ftell(g);
    fseek(g, 0, SEEK_SET);
    buf = malloc((size_t)len);
    if (!buf || fread(buf, 1, (size_t)len, g) != (size_t)len)
        return 2;
    hs_alloc_scratch(db, &s);
    t = now();
    hs_scan(db, buf, (unsigned)len, 0, s, on_match, NULL);
    t = now() - t;
    printf("scan %ld MB in %.2f s: %.0f MB/s, %llu matches\n", len >> 20, t,
           (double)len / t / 1e6, nmatch);
    return 0;
}
