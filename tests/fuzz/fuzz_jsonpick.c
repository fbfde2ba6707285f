/*
 * fuzz_jsonpick.c: libFuzzer target for fourc_json_pick (checks/jsonpick.c),
 * which SQL rules may call on any text: the input is a document, then a
 * path after the first NUL byte. Nothing may crash or read past the text;
 * on valid JSON the picked member must read the same through json_type as
 * the document does. Run with run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "jsonpick.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sqlite3 *db;
    static sqlite3_stmt *stmt;
    const char *nul = memchr(data, '\0', size);
    size_t dlen = nul ? (size_t)(nul - (const char *)data) : size;
    const char *path = nul ? nul + 1 : "$";
    /* The path ends at a second NUL: SQLite's path parser stops there. */
    size_t plen = nul ? strnlen(path, size - dlen - 1) : 1;

    if (!db) {
        if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
            jsonpick_register(db) != SQLITE_OK ||
            sqlite3_prepare_v2(
                db,
                "SELECT json_valid(?1), "
                "json_type(fourc_json_pick(?1, ?2, 'a', 'b'), '$.a') IS "
                "json_type(?1, ?2 || '.a')",
                -1, &stmt, NULL) != SQLITE_OK)
            abort();
    }
    sqlite3_bind_text(stmt, 1, (const char *)data, (int)dlen, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, path, (int)plen, SQLITE_TRANSIENT);
    /* Errors (bad path, malformed JSON) are fine; on a valid document
     * with a valid path both readings agree. */
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) &&
        sqlite3_column_type(stmt, 1) != SQLITE_NULL &&
        !sqlite3_column_int(stmt, 1))
        abort();
    sqlite3_reset(stmt);
    return 0;
}
