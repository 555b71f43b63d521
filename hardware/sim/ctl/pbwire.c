/*
 * pbwire.c -- Protocol Buffers binary wire format, the subset described in
 * pbwire.h. Section names below are those of the protobuf encoding guide.
 */
#include "pbwire.h"

#include <stdio.h>
#include <string.h>

/* ---- writer -------------------------------------------------------------- */

void pbw_init(pb_writer_t *w, uint8_t *buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->overflow = 0;
}

static void put(pb_writer_t *w, uint8_t b) {
  if (w->overflow) return;
  if (w->len >= w->cap) {
    w->overflow = 1;
    return;
  }
  w->buf[w->len++] = b;
}

size_t pb_varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80u) {
    v >>= 7;
    n++;
  }
  return n;
}

/* "Base 128 Varints": seven bits per octet, least significant group first,
 * the top bit set on every octet but the last. */
void pbw_varint(pb_writer_t *w, uint64_t v) {
  while (v >= 0x80u) {
    put(w, (uint8_t)(v | 0x80u));
    v >>= 7;
  }
  put(w, (uint8_t)v);
}

/* "Message Structure": tag = (field_number << 3) | wire_type. */
void pbw_tag(pb_writer_t *w, uint32_t field, uint32_t wire_type) {
  pbw_varint(w, ((uint64_t)field << 3) | wire_type);
}

void pbw_uint(pb_writer_t *w, uint32_t field, uint64_t v) {
  if (v == 0) return;
  pbw_tag(w, field, PB_WT_VARINT);
  pbw_varint(w, v);
}

/* "Signed Integers": ZigZag maps 0, -1, 1, -2 ... to 0, 1, 2, 3 ... */
uint32_t pb_zigzag32(int32_t v) {
  return ((uint32_t)v << 1) ^ (uint32_t)(-(int32_t)((uint32_t)v >> 31));
}

int32_t pb_unzigzag32(uint32_t v) {
  return (int32_t)((v >> 1) ^ (uint32_t)(-(int32_t)(v & 1u)));
}

void pbw_sint32(pb_writer_t *w, uint32_t field, int32_t v) {
  if (v == 0) return;
  pbw_tag(w, field, PB_WT_VARINT);
  pbw_varint(w, pb_zigzag32(v));
}

void pbw_string(pb_writer_t *w, uint32_t field, const char *s, size_t n) {
  if (n == 0) return;
  pbw_tag(w, field, PB_WT_LEN);
  pbw_varint(w, n);
  for (size_t i = 0; i < n; i++) put(w, (uint8_t)s[i]);
}

size_t pbw_begin(pb_writer_t *w, uint32_t field) {
  pbw_tag(w, field, PB_WT_LEN);
  return w->len;
}

/* The length prefix of an embedded message is a varint of the content's
 * size: shift the content right by that many octets and write it in front. */
void pbw_end(pb_writer_t *w, size_t mark) {
  if (w->overflow) return;
  size_t content = w->len - mark;
  size_t n = pb_varint_size(content);
  if (w->len + n > w->cap) {
    w->overflow = 1;
    return;
  }
  memmove(w->buf + mark + n, w->buf + mark, content);
  uint64_t v = content;
  for (size_t i = 0; i < n; i++) {
    uint8_t b = (uint8_t)(v & 0x7Fu);
    v >>= 7;
    w->buf[mark + i] = (uint8_t)(i + 1 < n ? (b | 0x80u) : b);
  }
  w->len += n;
}

/* ---- reader -------------------------------------------------------------- */

void pbr_init(pb_reader_t *r, const uint8_t *p, size_t len, size_t base) {
  r->p = p;
  r->len = len;
  r->pos = 0;
  r->base = base;
}

int pbr_varint(pb_reader_t *r, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 10; i++) {
    if (r->pos >= r->len) return PB_EMALFORMED;
    uint8_t b = r->p[r->pos++];
    /* the tenth octet may only carry the 64th bit */
    if (i == 9 && b > 1u) return PB_EMALFORMED;
    v |= (uint64_t)(b & 0x7Fu) << (7u * i);
    if (!(b & 0x80u)) {
      *out = v;
      return PB_OK;
    }
  }
  return PB_EMALFORMED;
}

static int fail(pb_error_t *err, size_t offset, const char *field, const char *reason) {
  if (err) {
    err->offset = offset;
    snprintf(err->field, sizeof err->field, "%s", field);
    snprintf(err->reason, sizeof err->reason, "%s", reason);
  }
  return PB_EMALFORMED;
}

int pbr_next(pb_reader_t *r, pb_field_t *f, pb_error_t *err) {
  if (r->pos >= r->len) return PB_END;
  size_t at = r->base + r->pos;
  uint64_t tag;
  if (pbr_varint(r, &tag) != PB_OK) return fail(err, at, "tag", "truncated or over-long varint");
  if ((tag >> 3) == 0 || (tag >> 3) > PB_MAX_FIELD)
    return fail(err, at, "tag", "field number 0 or above 2^29-1");
  f->number = (uint32_t)(tag >> 3);
  f->wire_type = (uint32_t)(tag & 7u);
  f->offset = at;
  f->data = NULL;
  f->data_offset = 0;
  f->len = 0;
  f->varint = 0;
  switch (f->wire_type) {
    case PB_WT_VARINT:
      if (pbr_varint(r, &f->varint) != PB_OK) return fail(err, at, "varint", "truncated or over-long varint");
      return PB_OK;
    case PB_WT_FIXED64:
    case PB_WT_FIXED32: {
      size_t n = f->wire_type == PB_WT_FIXED64 ? 8u : 4u;
      if (r->len - r->pos < n) return fail(err, at, "fixed", "truncated fixed-width value");
      for (size_t i = 0; i < n; i++) f->varint |= (uint64_t)r->p[r->pos + i] << (8u * i);
      r->pos += n;
      return PB_OK;
    }
    case PB_WT_LEN: {
      uint64_t n;
      if (pbr_varint(r, &n) != PB_OK) return fail(err, at, "length", "truncated or over-long length");
      if (n > r->len - r->pos) return fail(err, at, "length", "length runs past the end of the message");
      f->data = r->p + r->pos;
      f->data_offset = r->base + r->pos;
      f->len = (size_t)n;
      r->pos += (size_t)n;
      return PB_OK;
    }
    default:
      return fail(err, at, "tag", "wire type 3, 4 (groups), 6 or 7 is not allowed");
  }
}

/* ---- table-driven walker ----------------------------------------------- */

static const pb_fielddesc_t *find_field(const pb_msgdesc_t *d, uint32_t number) {
  for (size_t i = 0; i < d->nfields; i++)
    if (d->fields[i].number == number) return &d->fields[i];
  return NULL;
}

static int encode_msg(pb_writer_t *w, const pb_msgdesc_t *d, const uint8_t *m, int depth);

/* length of a NUL-terminated string held in cap octets */
static size_t bounded_len(const char *s, size_t cap) {
  size_t n = 0;
  while (n < cap && s[n]) n++;
  return n;
}

static int encode_field(pb_writer_t *w, const pb_fielddesc_t *f, const uint8_t *m, int depth) {
  if (f->oneof_offset >= 0) {
    uint32_t which;
    memcpy(&which, m + f->oneof_offset, sizeof which);
    if (which != f->number) return PB_OK;
  }
  const uint8_t *v = m + f->offset;
  switch (f->kind) {
    case PBK_UINT32: {
      uint32_t x;
      memcpy(&x, v, sizeof x);
      pbw_uint(w, f->number, x);
      break;
    }
    case PBK_UINT64: {
      uint64_t x;
      memcpy(&x, v, sizeof x);
      pbw_uint(w, f->number, x);
      break;
    }
    case PBK_BOOL:
      pbw_uint(w, f->number, *v ? 1u : 0u);
      break;
    case PBK_SINT32: {
      int32_t x;
      memcpy(&x, v, sizeof x);
      pbw_sint32(w, f->number, x);
      break;
    }
    case PBK_STRING:
      pbw_string(w, f->number, (const char *)v, bounded_len((const char *)v, f->size));
      break;
    case PBK_MESSAGE: {
      /* a oneof member is present because its case is set */
      if (f->oneof_offset < 0 && f->presence_offset >= 0 && !m[f->presence_offset]) break;
      size_t mark = pbw_begin(w, f->number);
      int rc = encode_msg(w, f->sub, v, depth + 1);
      if (rc != PB_OK) return rc;
      pbw_end(w, mark);
      break;
    }
    case PBK_REPEATED_MSG: {
      uint32_t count;
      memcpy(&count, m + f->count_offset, sizeof count);
      if (count > f->max) count = f->max;
      for (uint32_t i = 0; i < count; i++) {
        size_t mark = pbw_begin(w, f->number);
        int rc = encode_msg(w, f->sub, v + (size_t)i * f->sub->size, depth + 1);
        if (rc != PB_OK) return rc;
        pbw_end(w, mark);
      }
      break;
    }
  }
  return w->overflow ? PB_EMALFORMED : PB_OK;
}

static int encode_msg(pb_writer_t *w, const pb_msgdesc_t *d, const uint8_t *m, int depth) {
  if (depth > PB_MAX_DEPTH) return PB_EMALFORMED;
  for (size_t i = 0; i < d->nfields; i++) {
    int rc = encode_field(w, &d->fields[i], m, depth);
    if (rc != PB_OK) return rc;
  }
  return w->overflow ? PB_EMALFORMED : PB_OK;
}

int pb_encode(pb_writer_t *w, const pb_msgdesc_t *d, const void *msg) {
  return encode_msg(w, d, (const uint8_t *)msg, 0);
}

/* "Message.field" into out (truncated to fit) */
static void join_name(char *out, size_t cap, const char *a, const char *b) {
  size_t n = 0;
  for (const char *s = a; *s && n + 1 < cap; s++) out[n++] = *s;
  if (n + 1 < cap) out[n++] = '.';
  for (const char *s = b; *s && n + 1 < cap; s++) out[n++] = *s;
  out[n] = 0;
}

static int field_fail(pb_error_t *err, size_t offset, const pb_msgdesc_t *d, const pb_fielddesc_t *f,
                      const char *reason) {
  char name[sizeof err->field];
  join_name(name, sizeof name, d->name, f->name);
  return fail(err, offset, name, reason);
}

static uint32_t expected_wire_type(pb_kind_t k) {
  return (k == PBK_STRING || k == PBK_MESSAGE || k == PBK_REPEATED_MSG) ? PB_WT_LEN : PB_WT_VARINT;
}

static int decode_msg(const pb_msgdesc_t *d, uint8_t *m, const uint8_t *buf, size_t len, size_t base,
                      int depth, pb_error_t *err);

static int decode_field(const pb_msgdesc_t *d, const pb_fielddesc_t *f, uint8_t *m, const pb_field_t *in,
                        int depth, pb_error_t *err) {
  if (in->wire_type != expected_wire_type(f->kind))
    return field_fail(err, in->offset, d, f, "wrong wire type for this field");
  if (f->oneof_offset >= 0) {
    uint32_t which;
    memcpy(&which, m + f->oneof_offset, sizeof which);
    if (which != f->number) {
      /* a member not selected so far starts from its defaults */
      if (f->kind == PBK_MESSAGE) memset(m + f->offset, 0, f->sub->size);
      which = f->number;
      memcpy(m + f->oneof_offset, &which, sizeof which);
    }
  }
  uint8_t *v = m + f->offset;
  switch (f->kind) {
    case PBK_UINT32: {
      /* "int32, uint32 ...": a wider value is truncated to 32 bits */
      uint32_t x = (uint32_t)in->varint;
      memcpy(v, &x, sizeof x);
      return PB_OK;
    }
    case PBK_UINT64:
      memcpy(v, &in->varint, sizeof in->varint);
      return PB_OK;
    case PBK_BOOL:
      *v = in->varint != 0;
      return PB_OK;
    case PBK_SINT32: {
      int32_t x = pb_unzigzag32((uint32_t)in->varint);
      memcpy(v, &x, sizeof x);
      return PB_OK;
    }
    case PBK_STRING:
      if (in->len >= f->size) return field_fail(err, in->offset, d, f, "string longer than this field allows");
      if (memchr(in->data, 0, in->len)) return field_fail(err, in->offset, d, f, "string contains NUL");
      memcpy(v, in->data, in->len);
      v[in->len] = 0;
      return PB_OK;
    case PBK_MESSAGE:
      if (f->presence_offset >= 0) m[f->presence_offset] = 1;
      /* "Last One Wins" for scalars, embedded messages merge */
      return decode_msg(f->sub, v, in->data, in->len, in->data_offset, depth + 1, err);
    case PBK_REPEATED_MSG: {
      uint32_t count;
      memcpy(&count, m + f->count_offset, sizeof count);
      if (count >= f->max) return field_fail(err, in->offset, d, f, "more elements than this field allows");
      uint8_t *elem = v + (size_t)count * f->sub->size;
      memset(elem, 0, f->sub->size);
      int rc = decode_msg(f->sub, elem, in->data, in->len, in->data_offset, depth + 1, err);
      if (rc != PB_OK) return rc;
      count++;
      memcpy(m + f->count_offset, &count, sizeof count);
      return PB_OK;
    }
  }
  return field_fail(err, in->offset, d, f, "unknown field kind");
}

static int decode_msg(const pb_msgdesc_t *d, uint8_t *m, const uint8_t *buf, size_t len, size_t base,
                      int depth, pb_error_t *err) {
  if (depth > PB_MAX_DEPTH) return fail(err, base, d->name, "messages nested too deep");
  pb_reader_t r;
  pbr_init(&r, buf, len, base);
  for (;;) {
    pb_field_t in;
    int rc = pbr_next(&r, &in, err);
    if (rc == PB_END) return PB_OK;
    if (rc != PB_OK) {
      if (err) {
        char what[sizeof err->field];
        memcpy(what, err->field, sizeof what);
        join_name(err->field, sizeof err->field, d->name, what);
      }
      return rc;
    }
    const pb_fielddesc_t *f = find_field(d, in.number);
    if (!f) continue; /* unknown field: skipped */
    rc = decode_field(d, f, m, &in, depth, err);
    if (rc != PB_OK) return rc;
  }
}

int pb_decode(const pb_msgdesc_t *d, void *msg, const uint8_t *buf, size_t len, pb_error_t *err) {
  return decode_msg(d, (uint8_t *)msg, buf, len, 0, 0, err);
}
