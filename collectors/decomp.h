/*
 * decomp.h: the byte stages in front of the tar parser. A layer blob goes
 *
 *     digest_sink (descriptor digest, compressed bytes)
 *       -> decomp_sink (gzip or zstd)
 *       -> digest_sink (diff_id, uncompressed bytes, optional)
 *       -> tar_sink
 *
 * Each stage pushes what it makes to the next and holds a fixed amount of
 * memory (zstd's window is capped by libzstd's default limit, 128 MiB at
 * most for frames that ask for it), so a layer of any size streams through.
 *
 * Ownership: a stage borrows its next sink; close() closes the next one
 * too (end of input travels down the chain), free() frees only itself.
 * `what` is copied; it names the blob in every error ("layer 2 of
 * registry.example/app:1.4").
 */
#ifndef FOURC_DECOMP_H
#define FOURC_DECOMP_H

#include <stddef.h>
#include <stdint.h>

#include "sink.h"

enum decomp_kind {
    DECOMP_UNKNOWN = -1, /* media type not a layer we can read */
    DECOMP_NONE = 0,     /* plain tar */
    DECOMP_GZIP,
    DECOMP_ZSTD,
    DECOMP_AUTO /* decomp_sink_new only: sniff the first bytes */
};

/*
 * New sink that hashes and counts the bytes it passes to next. expected is
 * "sha256:<64 hex>" or "sha512:<128 hex>", or NULL to only compute. At
 * close a different digest is an error "blob sha256:... of <what>: digest
 * mismatch (got sha256:...)"; the digest is checked before next is closed,
 * so a blob that is both wrong and truncated is reported as wrong.
 */
struct sink *digest_sink_new(const char *expected, const char *what,
                             struct sink *next);

/* Also require exactly size bytes (the descriptor's size). More bytes fail
 * at the write that crosses it, fewer at close. size < 0: no check. */
void digest_sink_expect_size(struct sink *s, int64_t size);

/* After a successful close: "sha256:<hex>" (or sha512) of what passed
 * through, and its length. Borrowed; "" before close. */
const char *digest_sink_digest(const struct sink *s);
uint64_t digest_sink_count(const struct sink *s);

/*
 * New sink that decompresses into next. Corrupt input fails at the write
 * that shows it ("<what>: corrupt gzip stream: ..."); input that stops
 * before the end of the compressed stream fails at close ("<what>:
 * truncated gzip stream"). gzip streams of several members are read whole,
 * as are zstd streams of several frames. DECOMP_AUTO decides from the
 * first bytes (decomp_kind_sniff); DECOMP_UNKNOWN is refused at the first
 * write.
 */
struct sink *decomp_sink_new(enum decomp_kind kind, const char *what,
                             struct sink *next);

/*
 * Bounds what s (a decomp_sink) may produce: layer_max bytes of this
 * blob, and image_max bytes added to *image_used, which the image's
 * layers share (0 or NULL: no bound). Crossing either fails the write
 * that would cross it, before a byte past the limit is passed on:
 * "<what>: decompresses to more than 8 GiB, the limit per layer
 * (--max-layer-size)". Uncompressed layers count as they are.
 */
void decomp_sink_limit(struct sink *s, uint64_t layer_max, uint64_t *image_used,
                       uint64_t image_max);
/* Non-zero once a write of s failed on a limit of decomp_sink_limit. */
int decomp_sink_over_limit(const struct sink *s);

/*
 * The compression a layer media type says: OCI
 * "application/vnd.oci.image.layer.v1.tar[+gzip|+zstd]" (nondistributable
 * too), Docker "application/vnd.docker.image.rootfs[.foreign].diff.tar.gzip"
 * and "...diff.tar", any type ending in "tar", "+gzip", ".gzip", "+zstd".
 * DECOMP_UNKNOWN for NULL, "" and anything else (encrypted layers,
 * artifacts), which the caller reports or sniffs.
 */
enum decomp_kind decomp_kind_for_media_type(const char *mt);

/*
 * The compression the first bytes of a blob show (docker archives carry no
 * media types): gzip and zstd magic, DECOMP_UNKNOWN for bzip2 and xz
 * (which we do not read), DECOMP_NONE otherwise (a tar, or garbage the tar
 * parser rejects). Four bytes are enough; fewer are judged as they are.
 */
enum decomp_kind decomp_kind_sniff(const void *buf, size_t len);

/* "gzip", "zstd", "none", "unknown", "auto". */
const char *decomp_kind_name(enum decomp_kind kind);

#endif
