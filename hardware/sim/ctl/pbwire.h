/*
 * pbwire.h -- Protocol Buffers binary wire format (encoding guide,
 * https://protobuf.dev/programming-guides/encoding/): base-128 varints,
 * ZigZag sint32, length-delimited fields and fixed32/fixed64 skipping, plus
 * a table-driven walker that encodes and decodes C structures described by
 * field tables (one table per message, one generic walker).
 *
 * Scope: the subset the card control protocol (hardware/proto) uses --
 * proto3 scalars uint32, uint64, sint32, bool, enum, string, embedded
 * messages, repeated embedded messages and oneof members. Unknown fields of
 * any valid wire type are skipped; groups (wire types 3 and 4) and wire
 * types 6 and 7 are rejected as malformed.
 *
 * Decoding never reads outside the input and never writes outside the
 * structure; every failure is reported with the offset, the field and why.
 */
#ifndef SIPT_PBWIRE_H
#define SIPT_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_WT_VARINT 0u
#define PB_WT_FIXED64 1u
#define PB_WT_LEN 2u
#define PB_WT_FIXED32 5u

#define PB_MAX_FIELD 536870911u /* 2^29 - 1 */
#define PB_MAX_DEPTH 8          /* nesting limit of embedded messages */

/* ---- writer -------------------------------------------------------------- */
typedef struct pb_writer {
  uint8_t *buf;
  size_t cap;
  size_t len;
  int overflow; /* set once anything did not fit; len stops growing */
} pb_writer_t;

void pbw_init(pb_writer_t *w, uint8_t *buf, size_t cap);
void pbw_varint(pb_writer_t *w, uint64_t v);
void pbw_tag(pb_writer_t *w, uint32_t field, uint32_t wire_type);
/* Scalar fields; proto3 leaves a field at its default value (0, false,
 * "") off the wire, and so do these. */
void pbw_uint(pb_writer_t *w, uint32_t field, uint64_t v);
void pbw_sint32(pb_writer_t *w, uint32_t field, int32_t v);
void pbw_string(pb_writer_t *w, uint32_t field, const char *s, size_t n);
/* Embedded message: pbw_begin writes the tag and returns a mark; after the
 * content, pbw_end inserts the length before it. */
size_t pbw_begin(pb_writer_t *w, uint32_t field);
void pbw_end(pb_writer_t *w, size_t mark);
size_t pb_varint_size(uint64_t v);
uint32_t pb_zigzag32(int32_t v);
int32_t pb_unzigzag32(uint32_t v);

/* ---- reader -------------------------------------------------------------- */
typedef struct pb_reader {
  const uint8_t *p;
  size_t len;
  size_t pos;
  size_t base; /* offset of p[0] in the outermost input, for error offsets */
} pb_reader_t;

typedef struct pb_field {
  uint32_t number;
  uint32_t wire_type;
  uint64_t varint;     /* PB_WT_VARINT value; FIXED32/FIXED64 little-endian value */
  const uint8_t *data; /* PB_WT_LEN: the bytes */
  size_t len;          /* PB_WT_LEN: their count */
  size_t data_offset;  /* PB_WT_LEN: offset of the bytes in the outermost input */
  size_t offset;       /* offset of the tag in the outermost input */
} pb_field_t;

typedef struct pb_error {
  size_t offset;
  char field[48];   /* "Envelope.configure_span_request.span" or "tag" */
  char reason[96];
} pb_error_t;

#define PB_OK 0
#define PB_END 1
#define PB_EMALFORMED (-1)

void pbr_init(pb_reader_t *r, const uint8_t *p, size_t len, size_t base);
/* Read one varint; PB_OK, or PB_EMALFORMED if truncated or longer than 10
 * octets / 64 bits. */
int pbr_varint(pb_reader_t *r, uint64_t *out);
/* Read the next field: PB_OK with *f filled, PB_END at the end of input, or
 * PB_EMALFORMED with *err set. */
int pbr_next(pb_reader_t *r, pb_field_t *f, pb_error_t *err);

/* ---- table-driven messages --------------------------------------------- */
typedef enum pb_kind {
  PBK_UINT32,       /* uint32_t; also proto3 enums (open: unknown values kept) */
  PBK_UINT64,       /* uint64_t */
  PBK_BOOL,         /* uint8_t 0/1 */
  PBK_SINT32,       /* int32_t, ZigZag on the wire */
  PBK_STRING,       /* char[size], NUL-terminated; longer input is malformed */
  PBK_MESSAGE,      /* embedded struct of `sub` */
  PBK_REPEATED_MSG, /* array of `max` structs of `sub`, count in a uint32_t at count_offset */
} pb_kind_t;

struct pb_msgdesc;

typedef struct pb_fielddesc {
  uint32_t number;
  pb_kind_t kind;
  const char *name;
  size_t offset;
  size_t size;                    /* STRING: capacity including the NUL */
  const struct pb_msgdesc *sub;   /* MESSAGE, REPEATED_MSG */
  size_t count_offset;            /* REPEATED_MSG */
  uint32_t max;                   /* REPEATED_MSG */
  long presence_offset;           /* MESSAGE: uint8_t set when present; -1: always encoded */
  long oneof_offset;              /* oneof member: uint32_t case = member's number; -1: none */
} pb_fielddesc_t;

typedef struct pb_msgdesc {
  const char *name;
  size_t size;
  const pb_fielddesc_t *fields;
  size_t nfields;
} pb_msgdesc_t;

/* Encode `msg` as the content of a message of type `d` (no outer tag or
 * length). Returns PB_OK, or PB_EMALFORMED if it did not fit (w->overflow). */
int pb_encode(pb_writer_t *w, const pb_msgdesc_t *d, const void *msg);
/* Decode into `msg`, which the caller zeroes first (fields absent from the
 * input keep their value: proto3 defaults for a zeroed structure). Repeated
 * occurrences of a scalar keep the last; of an embedded message merge; a
 * oneof keeps the last member seen. */
int pb_decode(const pb_msgdesc_t *d, void *msg, const uint8_t *buf, size_t len, pb_error_t *err);

#ifdef __cplusplus
}
#endif

#endif
