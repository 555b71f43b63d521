/*
 * json.c -- RFC 8259 JSON reader for card profiles (see json.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  max_align_t data[];
} arena_block_t;

struct json_doc {
  arena_block_t *blocks;
};

typedef struct {
  const char *s;
  size_t len, pos;
  json_doc_t *doc;
  char *err;
  size_t errlen;
  int failed;
} parser_t;

static void *arena_alloc(json_doc_t *doc, size_t n) {
  n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
  arena_block_t *b = doc->blocks;
  if (b == NULL || b->cap - b->used < n) {
    size_t cap = n > 4096 ? n : 4096;
    b = malloc(sizeof(*b) + cap);
    if (b == NULL) return NULL;
    b->next = doc->blocks;
    b->used = 0;
    b->cap = cap;
    doc->blocks = b;
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  return p;
}

static void fail(parser_t *p, const char *fmt, ...) {
  if (p->failed) return;
  p->failed = 1;
  char msg[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(p->err, p->errlen, "JSON error at offset %zu: %s", p->pos, msg);
}

static void skip_ws(parser_t *p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') p->pos++;
    else break;
  }
}

static int peek(parser_t *p) { return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1; }

static json_value_t *new_value(parser_t *p, json_type_t t) {
  json_value_t *v = arena_alloc(p->doc, sizeof *v);
  if (v == NULL) {
    fail(p, "out of memory");
    return NULL;
  }
  memset(v, 0, sizeof *v);
  v->type = t;
  return v;
}

static int hex4(parser_t *p, unsigned *out) {
  if (p->len - p->pos < 4) {
    fail(p, "truncated \\u escape");
    return -1;
  }
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->s[p->pos++];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else {
      fail(p, "bad hex digit in \\u escape");
      return -1;
    }
  }
  *out = v;
  return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* RFC 8259 §7: strings. The output is never longer than the input. */
static char *parse_string(parser_t *p) {
  p->pos++; /* opening quote */
  size_t start = p->pos;
  size_t end = start;
  while (end < p->len && p->s[end] != '"') {
    if (p->s[end] == '\\') end++;
    end++;
  }
  if (end >= p->len) {
    fail(p, "unterminated string");
    return NULL;
  }
  char *out = arena_alloc(p->doc, end - start + 1);
  if (out == NULL) {
    fail(p, "out of memory");
    return NULL;
  }
  size_t o = 0;
  while (p->pos < end) {
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c < 0x20) {
      fail(p, "control character in string");
      return NULL;
    }
    if (c != '\\') {
      out[o++] = (char)c;
      p->pos++;
      continue;
    }
    p->pos++;
    char e = p->s[p->pos++];
    switch (e) {
      case '"': out[o++] = '"'; break;
      case '\\': out[o++] = '\\'; break;
      case '/': out[o++] = '/'; break;
      case 'b': out[o++] = '\b'; break;
      case 'f': out[o++] = '\f'; break;
      case 'n': out[o++] = '\n'; break;
      case 'r': out[o++] = '\r'; break;
      case 't': out[o++] = '\t'; break;
      case 'u': {
        unsigned cp;
        if (hex4(p, &cp) != 0) return NULL;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned lo;
          if (p->pos + 2 > end || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
            fail(p, "unpaired surrogate");
            return NULL;
          }
          p->pos += 2;
          if (hex4(p, &lo) != 0) return NULL;
          if (lo < 0xDC00 || lo > 0xDFFF) {
            fail(p, "unpaired surrogate");
            return NULL;
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          fail(p, "unpaired surrogate");
          return NULL;
        }
        if (cp == 0) {
          fail(p, "NUL character in string");
          return NULL;
        }
        o += put_utf8(out + o, cp);
        break;
      }
      default:
        fail(p, "bad escape '\\%c'", e);
        return NULL;
    }
  }
  out[o] = '\0';
  p->pos = end + 1;
  return out;
}

/* RFC 8259 §6: numbers. */
static int parse_number(parser_t *p, double *out) {
  size_t start = p->pos;
  if (peek(p) == '-') p->pos++;
  if (peek(p) == '0') {
    p->pos++;
  } else if (peek(p) >= '1' && peek(p) <= '9') {
    while (peek(p) >= '0' && peek(p) <= '9') p->pos++;
  } else {
    fail(p, "bad number");
    return -1;
  }
  if (peek(p) == '.') {
    p->pos++;
    if (!(peek(p) >= '0' && peek(p) <= '9')) {
      fail(p, "bad fraction");
      return -1;
    }
    while (peek(p) >= '0' && peek(p) <= '9') p->pos++;
  }
  if (peek(p) == 'e' || peek(p) == 'E') {
    p->pos++;
    if (peek(p) == '+' || peek(p) == '-') p->pos++;
    if (!(peek(p) >= '0' && peek(p) <= '9')) {
      fail(p, "bad exponent");
      return -1;
    }
    while (peek(p) >= '0' && peek(p) <= '9') p->pos++;
  }
  char buf[64];
  size_t n = p->pos - start;
  if (n >= sizeof buf) {
    fail(p, "number too long");
    return -1;
  }
  memcpy(buf, p->s + start, n);
  buf[n] = '\0';
  errno = 0;
  *out = strtod(buf, NULL);
  return 0;
}

static json_value_t *parse_value(parser_t *p, int depth);

static int push_item(parser_t *p, json_value_t *v, size_t *cap, char *key, json_value_t *item) {
  if (v->count == *cap) {
    size_t ncap = *cap ? *cap * 2 : 8;
    json_value_t **ni = arena_alloc(p->doc, ncap * sizeof *ni);
    char **nk = arena_alloc(p->doc, ncap * sizeof *nk);
    if (ni == NULL || nk == NULL) {
      fail(p, "out of memory");
      return -1;
    }
    if (v->count) {
      memcpy(ni, v->items, v->count * sizeof *ni);
      memcpy(nk, v->keys, v->count * sizeof *nk);
    }
    v->items = ni;
    v->keys = nk;
    *cap = ncap;
  }
  v->keys[v->count] = key;
  v->items[v->count] = item;
  v->count++;
  return 0;
}

static json_value_t *parse_container(parser_t *p, int depth, int is_object) {
  json_value_t *v = new_value(p, is_object ? JSON_OBJECT : JSON_ARRAY);
  if (v == NULL) return NULL;
  size_t cap = 0;
  char close = is_object ? '}' : ']';
  p->pos++;
  skip_ws(p);
  if (peek(p) == close) {
    p->pos++;
    return v;
  }
  for (;;) {
    char *key = NULL;
    skip_ws(p);
    if (is_object) {
      if (peek(p) != '"') {
        fail(p, "expected a member name");
        return NULL;
      }
      key = parse_string(p);
      if (key == NULL) return NULL;
      skip_ws(p);
      if (peek(p) != ':') {
        fail(p, "expected ':'");
        return NULL;
      }
      p->pos++;
    }
    json_value_t *item = parse_value(p, depth + 1);
    if (item == NULL) return NULL;
    if (push_item(p, v, &cap, key, item) != 0) return NULL;
    skip_ws(p);
    int c = peek(p);
    if (c == ',') {
      p->pos++;
      continue;
    }
    if (c == close) {
      p->pos++;
      return v;
    }
    fail(p, "expected ',' or '%c'", close);
    return NULL;
  }
}

static int match_word(parser_t *p, const char *w) {
  size_t n = strlen(w);
  if (p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0) {
    p->pos += n;
    return 1;
  }
  return 0;
}

static json_value_t *parse_value(parser_t *p, int depth) {
  if (depth > JSON_MAX_DEPTH) {
    fail(p, "nesting deeper than %d", JSON_MAX_DEPTH);
    return NULL;
  }
  skip_ws(p);
  int c = peek(p);
  json_value_t *v;
  switch (c) {
    case '{': return parse_container(p, depth, 1);
    case '[': return parse_container(p, depth, 0);
    case '"': {
      char *s = parse_string(p);
      if (s == NULL) return NULL;
      v = new_value(p, JSON_STRING);
      if (v) v->string = s;
      return v;
    }
    case 't':
    case 'f':
    case 'n':
      if (match_word(p, "true")) {
        v = new_value(p, JSON_BOOL);
        if (v) v->boolean = 1;
        return v;
      }
      if (match_word(p, "false")) return new_value(p, JSON_BOOL);
      if (match_word(p, "null")) return new_value(p, JSON_NULL);
      fail(p, "unexpected word");
      return NULL;
    default:
      if (c == '-' || (c >= '0' && c <= '9')) {
        double d;
        if (parse_number(p, &d) != 0) return NULL;
        v = new_value(p, JSON_NUMBER);
        if (v) v->number = d;
        return v;
      }
      fail(p, c < 0 ? "unexpected end of input" : "unexpected character");
      return NULL;
  }
}

json_doc_t *json_parse(const char *text, size_t len, json_value_t **root, char *err, size_t errlen) {
  json_doc_t *doc = calloc(1, sizeof *doc);
  if (doc == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  parser_t p = {.s = text, .len = len, .pos = 0, .doc = doc, .err = err, .errlen = errlen, .failed = 0};
  json_value_t *v = parse_value(&p, 0);
  if (v != NULL) {
    skip_ws(&p);
    if (p.pos != p.len) fail(&p, "trailing characters after the document");
  }
  if (p.failed || v == NULL) {
    json_free(doc);
    return NULL;
  }
  *root = v;
  return doc;
}

void json_free(json_doc_t *doc) {
  if (doc == NULL) return;
  arena_block_t *b = doc->blocks;
  while (b) {
    arena_block_t *n = b->next;
    free(b);
    b = n;
  }
  free(doc);
}

const json_value_t *json_get(const json_value_t *v, const char *key) {
  if (v == NULL || v->type != JSON_OBJECT) return NULL;
  for (size_t i = 0; i < v->count; i++)
    if (strcmp(v->keys[i], key) == 0) return v->items[i];
  return NULL;
}
