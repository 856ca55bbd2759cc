/* Rules versions (SPEC 2.10): read one, append the next. */
#ifndef LR_DB_RULES_STORE_H
#define LR_DB_RULES_STORE_H

#include <stdint.h>

#include "db/pool.h"

/* {"version", "created_at", "created_by", "document"} of version (0: the newest);
 * LR_DB_NOT_FOUND for an unknown version. */
enum lr_db_status lr_rules_get_json(struct lr_db_conn *c, int64_t version, char **json);

/* Inside the caller's transaction: stores document (a validated rules document as
 * JSON text) as the newest version plus one, audited with the previous and the new
 * document, and answers it as lr_rules_get_json does (caller frees). Concurrent
 * appends are serialised by a transaction lock, so versions never collide. */
enum lr_db_status lr_rules_append(struct lr_db_conn *c, const char *document, const char *actor,
                                  char **json);

/* The newest version number, and the document of a version as JSON text (caller
 * frees; LR_DB_NOT_FOUND for an unknown version). */
enum lr_db_status lr_rules_newest_version(struct lr_db_conn *c, int64_t *version);
enum lr_db_status lr_rules_document(struct lr_db_conn *c, int64_t version, char **text);

#endif
