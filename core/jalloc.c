/*
 * jalloc.c: jansson's allocator, with per-parse arenas; see jalloc.h.
 */
#include "jalloc.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define JA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JA_ASAN 1
#endif
#endif

#ifdef JA_ASAN
#include <sanitizer/asan_interface.h>
#define JA_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define JA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define JA_POISON(p, n) ((void)(p), (void)(n))
#define JA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#include "banned.h"

#define JA_SIZE ((size_t)4 << 20) /* one arena */
#define JA_MAX 64                 /* arenas: parses at the same time */
#define JA_HEAD 8                 /* each value's size, before it */

/*
 * An arena is taken by one parse at a time (owned), which alone moves
 * top; the values it handed out may be freed from any thread (live).
 */
struct ja_arena {
    char *base, *end, *top;
    atomic_size_t live;
    atomic_int owned;
};

/* Arenas, made on demand and never given back: set up before ja_n counts
 * them, so a free on any thread sees a complete one. */
static struct ja_arena ja_arenas[JA_MAX];
static atomic_size_t ja_n;
static pthread_mutex_t ja_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t ja_once = PTHREAD_ONCE_INIT;
/* The arena of the parse running on this thread, or NULL. */
static _Thread_local struct ja_arena *ja_mine;

static void *ja_alloc(size_t n)
{
    struct ja_arena *a = ja_mine;
    size_t need = JA_HEAD + ((n + 7) & ~(size_t)7);
    char *p;

    if (!a)
        return malloc(n);
    if (a->top != a->base &&
        atomic_load_explicit(&a->live, memory_order_acquire) == 0) {
        /* nothing handed out is alive: start again from the bottom */
        JA_POISON(a->base, (size_t)(a->top - a->base));
        a->top = a->base;
    }
    if (need > (size_t)(a->end - a->top))
        return malloc(n);
    p = a->top;
    a->top += need;
    atomic_fetch_add_explicit(&a->live, 1, memory_order_relaxed);
    JA_UNPOISON(p, JA_HEAD);
    memcpy(p, &need, sizeof(need));
    /* the size stays poisoned: a write just before a value is caught */
    JA_POISON(p, JA_HEAD);
    JA_UNPOISON(p + JA_HEAD, n);
    return p + JA_HEAD;
}

/* The arena p lies in, or NULL. */
static struct ja_arena *ja_of(const void *ptr)
{
    size_t n = atomic_load_explicit(&ja_n, memory_order_acquire), i;
    const char *p = ptr;

    for (i = 0; p && i < n; i++)
        if (p >= ja_arenas[i].base && p < ja_arenas[i].end)
            return &ja_arenas[i];
    return NULL;
}

static void ja_free(void *ptr)
{
    struct ja_arena *a = ja_of(ptr);
    char *p = ptr;
    size_t need;

    if (!a) {
        free(ptr);
        return;
    }
    JA_UNPOISON(p - JA_HEAD, JA_HEAD);
    memcpy(&need, p - JA_HEAD, sizeof(need));
    JA_POISON(p - JA_HEAD, need);
    atomic_fetch_sub_explicit(&a->live, 1, memory_order_release);
}

static void ja_install(void)
{
    json_set_alloc_funcs(ja_alloc, ja_free);
}

void jalloc_begin(void)
{
    size_t n, i;
    int free_ = 0;

    pthread_once(&ja_once, ja_install);
    if (ja_mine)
        return;
    n = atomic_load_explicit(&ja_n, memory_order_acquire);
    for (i = 0; i < n; i++) {
        struct ja_arena *a = &ja_arenas[i];
        free_ = 0;
        if (!atomic_compare_exchange_strong(&a->owned, &free_, 1))
            continue;
        /* one that trees still alive have mostly filled is no use: this
         * parse would go to malloc; another, or a new one */
        if ((size_t)(a->end - a->top) < JA_SIZE / 4 &&
            atomic_load_explicit(&a->live, memory_order_acquire) > 0) {
            atomic_store(&a->owned, 0);
            continue;
        }
        ja_mine = a;
        return;
    }
    pthread_mutex_lock(&ja_lock);
    n = atomic_load_explicit(&ja_n, memory_order_relaxed);
    if (n < JA_MAX) {
        struct ja_arena *a = &ja_arenas[n];
        a->base = malloc(JA_SIZE);
        if (a->base) {
            a->top = a->base;
            a->end = a->base + JA_SIZE;
            atomic_store(&a->live, 0);
            atomic_store(&a->owned, 1);
            JA_POISON(a->base, JA_SIZE);
            atomic_store_explicit(&ja_n, n + 1, memory_order_release);
            ja_mine = a;
        }
    }
    pthread_mutex_unlock(&ja_lock);
    /* none to be had: this parse allocates with malloc */
}

void jalloc_end(void)
{
    if (!ja_mine)
        return;
    atomic_store(&ja_mine->owned, 0);
    ja_mine = NULL;
}

int jalloc_owns(const void *ptr)
{
    return ja_of(ptr) != NULL;
}

size_t jalloc_live(const void *ptr)
{
    struct ja_arena *a = ja_of(ptr);

    return a ? atomic_load(&a->live) : 0;
}
