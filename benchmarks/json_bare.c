/*
 * json_bare.c: the bare parse of a tree of JSON files, for the JSON figures
 * of RESULTS.md: every *.json file under DIR read into memory and parsed
 * (then freed), nothing else. Prints files, bytes and seconds of parsing.
 *
 *   cc -O2 benchmarks/json_bare.c $(pkg-config --cflags --libs jansson) \
 *       -o /tmp/json_bare                      # jansson's json_loadb only
 *   cc -O2 -DWITH_JSONFAST -Icore benchmarks/json_bare.c \
 *       _build/perf/libfourc.a \
 *       $(pkg-config --cflags --libs jansson libcrypto) \
 *       -o /tmp/json_bare_fast                 # also fourc's jf_loadb
 *   taskset -c 0 /tmp/json_bare DIR [jansson|jsonfast]
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#ifdef WITH_JSONFAST
#include "jsonfast.h"
#endif

static int use_fast;
static double secs;
static long files, bytes;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int one(const char *path, const struct stat *st, int type,
               struct FTW *ftw)
{
    size_t n = strlen(path), len;
    char *buf;
    FILE *f;
    json_t *v;
    double t;

    (void)ftw;
    if (type != FTW_F || n < 5 || strcmp(path + n - 5, ".json") != 0)
        return 0;
    f = fopen(path, "rb");
    if (!f)
        return 0;
    buf = malloc((size_t)st->st_size + 1);
    len = fread(buf, 1, (size_t)st->st_size, f);
    fclose(f);
    t = now();
#ifdef WITH_JSONFAST
    if (use_fast) {
        struct err e;
        v = jf_loadb(buf, len, &e);
    } else
#endif
    {
        json_error_t je;
        v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    }
    if (!v) {
        fprintf(stderr, "%s: not parsed\n", path);
        exit(1);
    }
    json_decref(v);
    secs += now() - t;
    free(buf);
    files++;
    bytes += (long)len;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: json_bare DIR [jansson|jsonfast]\n");
        return 2;
    }
    use_fast = argc > 2 && strcmp(argv[2], "jsonfast") == 0;
    if (nftw(argv[1], one, 16, FTW_PHYS) != 0)
        return 1;
    printf("%s: %ld files, %ld bytes, %.2f s parsing\n",
           use_fast ? "jsonfast" : "jansson", files, bytes, secs);
    return 0;
}
