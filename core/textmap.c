/* textmap.c: finding texts by content; see textmap.h. */
#include "textmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

#define TEXTMAP_NO_EVIDENCE UINT32_MAX
#define TEXTMAP_MIN_SLOTS 4096

struct textmap_slot {
    uint64_t hash;
    int64_t id; /* 0: empty */
    size_t off; /* message, then evidence, in the map's text */
    uint32_t message_len, evidence_len;
};

struct textmap {
    struct textmap_slot *slots;
    size_t nslots, used, budget, resets;
    struct strbuf text;
};

struct textmap *textmap_new(size_t budget)
{
    struct textmap *m = xcalloc(1, sizeof(*m));

    m->budget = budget;
    return m;
}

void textmap_free(struct textmap *m)
{
    if (!m)
        return;
    free(m->slots);
    sb_release(&m->text);
    free(m);
}

/* ---- the hash: 8 bytes a step, murmur3's finaliser at the end ---- */

/* n (1-8) bytes as a little-endian word whatever the host: the hash is
 * stored. */
static uint64_t textmap_word(const unsigned char *p, size_t n)
{
    uint64_t w = 0;

    memcpy(&w, p, n);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w); /* p[0] back in the low byte */
#endif
    return w;
}

static uint64_t textmap_mix(uint64_t h, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;

    h ^= (uint64_t)n * 0x9e3779b97f4a7c15u;
    for (; n >= 8; p += 8, n -= 8) {
        h ^= textmap_word(p, 8) * 0x87c37b91114253d5u;
        h = ((h << 31) | (h >> 33)) * 0x4cf5ad432745937fu;
    }
    if (n) {
        h ^= textmap_word(p, n) * 0x87c37b91114253d5u;
        h = ((h << 31) | (h >> 33)) * 0x4cf5ad432745937fu;
    }
    return h;
}

uint64_t textmap_hash(const struct textmap_key *k)
{
    uint64_t h = textmap_mix(1, k->message, k->message_len);

    /* Absent evidence and empty evidence differ. */
    h = k->evidence ? textmap_mix(h ^ 2, k->evidence, k->evidence_len)
                    : h ^ 0x5bd1e995u;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h;
}

/* ---- the map: open addressing, linear probing ---- */

static int textmap_equal(const struct textmap *m, const struct textmap_slot *s,
                         const struct textmap_key *k)
{
    const char *t = m->text.buf + s->off;

    if (s->message_len != k->message_len ||
        memcmp(t, k->message, k->message_len) != 0)
        return 0;
    if (!k->evidence)
        return s->evidence_len == TEXTMAP_NO_EVIDENCE;
    return s->evidence_len == k->evidence_len &&
           memcmp(t + s->message_len, k->evidence, k->evidence_len) == 0;
}

int64_t textmap_get(const struct textmap *m, const struct textmap_key *k,
                    uint64_t h)
{
    size_t mask = m->nslots - 1, i;

    if (!m->nslots)
        return 0;
    for (i = h & mask; m->slots[i].id; i = (i + 1) & mask)
        if (m->slots[i].hash == h && textmap_equal(m, &m->slots[i], k))
            return m->slots[i].id;
    return 0;
}

static void textmap_place(struct textmap *m, const struct textmap_slot *s)
{
    size_t mask = m->nslots - 1, i;

    for (i = s->hash & mask; m->slots[i].id; i = (i + 1) & mask)
        ;
    m->slots[i] = *s;
}

static void textmap_grow(struct textmap *m)
{
    struct textmap_slot *old = m->slots;
    size_t n = m->nslots, i;

    m->nslots = n ? n * 2 : TEXTMAP_MIN_SLOTS;
    m->slots = xcalloc(m->nslots, sizeof(*m->slots));
    for (i = 0; i < n; i++)
        if (old[i].id)
            textmap_place(m, &old[i]);
    free(old);
}

void textmap_clear(struct textmap *m)
{
    if (m->slots)
        memset(m->slots, 0, m->nslots * sizeof(*m->slots));
    m->used = 0;
    sb_setlen(&m->text, 0);
}

void textmap_put(struct textmap *m, const struct textmap_key *k, uint64_t h,
                 int64_t id)
{
    struct textmap_slot s;
    size_t need = k->message_len + (k->evidence ? k->evidence_len : 0);

    /* Texts too long for the slot's lengths are not remembered: the
     * database lookup finds them. */
    if (k->message_len >= TEXTMAP_NO_EVIDENCE ||
        (k->evidence && k->evidence_len >= TEXTMAP_NO_EVIDENCE))
        return;
    if (m->text.len + need > m->budget) {
        textmap_clear(m);
        m->resets++;
        if (need > m->budget)
            return;
    }
    if ((m->used + 1) * 2 > m->nslots)
        textmap_grow(m);
    s.hash = h;
    s.id = id;
    s.off = m->text.len;
    s.message_len = (uint32_t)k->message_len;
    s.evidence_len =
        k->evidence ? (uint32_t)k->evidence_len : TEXTMAP_NO_EVIDENCE;
    sb_add(&m->text, k->message, k->message_len);
    if (k->evidence)
        sb_add(&m->text, k->evidence, k->evidence_len);
    textmap_place(m, &s);
    m->used++;
}

size_t textmap_resets(const struct textmap *m)
{
    return m->resets;
}
