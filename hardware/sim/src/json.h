/*
 * json.h -- a small JSON reader (RFC 8259) for card profiles.
 *
 * Parses a whole document into a tree allocated in one arena; the caller
 * frees it with json_free. Accepts exactly RFC 8259 JSON: no comments, no
 * trailing commas. \uXXXX escapes (surrogate pairs included) become UTF-8.
 * Depth is limited to JSON_MAX_DEPTH; errors report the byte offset.
 */
#ifndef SIPT_SIM_JSON_H
#define SIPT_SIM_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 32

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type_t;

typedef struct json_value json_value_t;
struct json_value {
  json_type_t type;
  int boolean;
  double number;
  char *string;          /* STRING: NUL-terminated UTF-8 */
  size_t count;          /* ARRAY / OBJECT: number of items */
  json_value_t **items;  /* ARRAY / OBJECT values */
  char **keys;           /* OBJECT keys, parallel to items */
};

typedef struct json_doc json_doc_t;

/* Parse text[0..len). On success returns the document and sets *root; on
 * failure returns NULL and writes a message naming the offset into err. */
json_doc_t *json_parse(const char *text, size_t len, json_value_t **root, char *err, size_t errlen);
void json_free(json_doc_t *doc);
/* Object member by key, or NULL (also NULL when v is not an object). */
const json_value_t *json_get(const json_value_t *v, const char *key);

#endif
