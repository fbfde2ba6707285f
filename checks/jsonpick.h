/*
 * jsonpick.h: the SQL function fourc_json_pick (docs/rules.md), which SQL
 * rules use to read a few members of a resource's document without
 * parsing all of it.
 */
#ifndef FOURC_JSONPICK_H
#define FOURC_JSONPICK_H

#include <sqlite3.h>

/* Adds fourc_json_pick to db; an SQLite result code. */
int jsonpick_register(sqlite3 *db);

#endif
