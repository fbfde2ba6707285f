/*
 * textmap.h: the finding texts a scan has already stored, by content.
 *
 * A scan of a large cluster writes millions of findings but only about a
 * tenth as many distinct (message, evidence) pairs: every passing
 * "securityContext.privileged is false" reads the same. The store keeps
 * each pair once, in the texts table, and findings refer to it by row id.
 * This map answers "which row holds this pair?" without asking SQLite. It
 * is a cache with a memory budget: when it is full it forgets everything,
 * and the store falls back to looking the pair up in the database.
 */
#ifndef FOURC_TEXTMAP_H
#define FOURC_TEXTMAP_H

#include <stddef.h>
#include <stdint.h>

/* A text: a message and evidence (evidence may be absent, which is not the
 * same as empty). */
struct textmap_key {
    const char *message;
    size_t message_len;
    const char *evidence; /* NULL: no evidence */
    size_t evidence_len;
};

struct textmap;

/* budget: bytes of text kept before the map starts over. */
struct textmap *textmap_new(size_t budget);
void textmap_free(struct textmap *m);

/*
 * The key's hash: stored with each text (texts.hash) so that a later scan
 * finds it through an index. Part of the database format: never change
 * it, or texts stored before stop being found (and get stored again).
 */
uint64_t textmap_hash(const struct textmap_key *k);

/* The row id stored for k (whose hash is h), or 0 if the map has none. */
int64_t textmap_get(const struct textmap *m, const struct textmap_key *k,
                    uint64_t h);
/* Remembers that k (hash h) is row id. May forget everything first when
 * the budget is spent: textmap_resets counts how often that happened. */
void textmap_put(struct textmap *m, const struct textmap_key *k, uint64_t h,
                 int64_t id);
size_t textmap_resets(const struct textmap *m);
/* Forgets everything (the rows it named were rolled back). */
void textmap_clear(struct textmap *m);

#endif
