/*
 * frame.c -- card control framing (frame.h, hardware/proto/README.md).
 */
#include "frame.h"

#include <pthread.h>
#include <string.h>

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    crc_table[i] = c;
  }
}

/* CRC-32/ISO-HDLC, reflected; cc_crc32(0, p, n) is the CRC of p[0..n).
 * Chaining: cc_crc32(cc_crc32(0, a, na), b, nb) is the CRC of a then b. */
uint32_t cc_crc32(uint32_t crc, const uint8_t *p, size_t n) {
  pthread_once(&crc_once, crc_init);
  crc = ~crc;
  for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

size_t cc_frame_encode(const uint8_t *payload, size_t n, uint8_t *out, size_t cap) {
  if (n > CC_MAX_PAYLOAD || cap < n + CC_HEADER_BYTES + CC_CRC_BYTES) return 0;
  uint16_t len = (uint16_t)n, inv = (uint16_t)~len;
  out[0] = CC_SYNC0;
  out[1] = CC_SYNC1;
  out[2] = (uint8_t)(len >> 8);
  out[3] = (uint8_t)len;
  out[4] = (uint8_t)(inv >> 8);
  out[5] = (uint8_t)inv;
  if (n) memcpy(out + CC_HEADER_BYTES, payload, n);
  uint32_t crc = cc_crc32(0, out + 2, 4 + n);
  uint8_t *c = out + CC_HEADER_BYTES + n;
  c[0] = (uint8_t)(crc >> 24);
  c[1] = (uint8_t)(crc >> 16);
  c[2] = (uint8_t)(crc >> 8);
  c[3] = (uint8_t)crc;
  return n + CC_HEADER_BYTES + CC_CRC_BYTES;
}

void cc_deframer_init(cc_deframer_t *d) {
  d->start = 0;
  d->end = 0;
}

size_t cc_deframer_feed(cc_deframer_t *d, const uint8_t *data, size_t n) {
  if (d->start > 0) {
    memmove(d->buf, d->buf + d->start, d->end - d->start);
    d->end -= d->start;
    d->start = 0;
  }
  size_t room = sizeof d->buf - d->end;
  if (n > room) n = room;
  memcpy(d->buf + d->end, data, n);
  d->end += n;
  return n;
}

int cc_deframer_pending(const cc_deframer_t *d) {
  return d->end > d->start;
}

int cc_deframer_abandon(cc_deframer_t *d) {
  if (d->end == d->start) return 0;
  d->start++;
  return 1;
}

void cc_deframer_next(cc_deframer_t *d, cc_df_result_t *r) {
  r->kind = CC_DF_NONE;
  r->payload = NULL;
  r->len = 0;
  r->skipped = 0;
  const uint8_t *p = d->buf + d->start;
  size_t avail = d->end - d->start;

  /* Hunt for the sync pair; a lone 0xA5 at the end may be its first half. */
  size_t i = 0;
  while (i < avail && !(p[i] == CC_SYNC0 && (i + 1 == avail || p[i + 1] == CC_SYNC1))) i++;
  if (i > 0) {
    d->start += i;
    r->kind = CC_DF_GARBAGE;
    r->skipped = i;
    return;
  }
  if (avail < CC_HEADER_BYTES) return;

  uint32_t len = ((uint32_t)p[2] << 8) | p[3];
  uint32_t inv = ((uint32_t)p[4] << 8) | p[5];
  if ((len ^ inv) != 0xFFFFu || len > CC_MAX_PAYLOAD) {
    d->start++;
    r->kind = CC_DF_BAD_HEADER;
    return;
  }
  size_t total = CC_HEADER_BYTES + len + CC_CRC_BYTES;
  if (avail < total) return;
  const uint8_t *c = p + CC_HEADER_BYTES + len;
  uint32_t want = ((uint32_t)c[0] << 24) | ((uint32_t)c[1] << 16) | ((uint32_t)c[2] << 8) | c[3];
  if (cc_crc32(0, p + 2, 4 + len) != want) {
    d->start++;
    r->kind = CC_DF_BAD_CRC;
    return;
  }
  r->kind = CC_DF_FRAME;
  r->payload = p + CC_HEADER_BYTES;
  r->len = len;
  d->start += total;
}
