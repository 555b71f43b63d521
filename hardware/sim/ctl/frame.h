/*
 * frame.h -- framing of the card control protocol on a serial byte stream
 * (hardware/proto/README.md, "Framing"):
 *
 *   +------+------+---------+---------+-------------+-------------+
 *   | 0xA5 | 0x5A | LEN u16 | ~LEN u16| payload LEN | CRC-32 u32  |
 *   +------+------+---------+---------+-------------+-------------+
 *
 * Integers big-endian. LEN counts payload octets, 0..CC_MAX_PAYLOAD.
 * CRC-32 is CRC-32/ISO-HDLC (ISO/IEC 13239, as in ISO 3309 and IEEE 802.3:
 * reflected polynomial 0xEDB88320, initial 0xFFFFFFFF, final XOR
 * 0xFFFFFFFF; check value 0xCBF43926 for "123456789") over LEN, ~LEN and
 * the payload.
 *
 * Receiving: octets before a sync pair are skipped; a header whose ~LEN
 * does not complement LEN or whose LEN exceeds CC_MAX_PAYLOAD, and a frame
 * whose CRC does not match, are dropped by skipping one octet and scanning
 * again from the next, so a real frame that began inside the bad one is
 * still found. An incomplete frame followed by a gap of more than
 * CC_INTER_OCTET_TIMEOUT_MS is abandoned the same way (cc_deframer_abandon).
 */
#ifndef SIPT_CC_FRAME_H
#define SIPT_CC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CC_SYNC0 0xA5u
#define CC_SYNC1 0x5Au
#define CC_HEADER_BYTES 6u
#define CC_CRC_BYTES 4u
#define CC_MAX_PAYLOAD 8192u
#define CC_MAX_FRAME (CC_HEADER_BYTES + CC_MAX_PAYLOAD + CC_CRC_BYTES)
#define CC_INTER_OCTET_TIMEOUT_MS 200u

uint32_t cc_crc32(uint32_t crc, const uint8_t *p, size_t n); /* start with 0 */

/* Build one frame into out (capacity cap >= n + 10). Returns the frame's
 * length, or 0 if n > CC_MAX_PAYLOAD or cap is too small. */
size_t cc_frame_encode(const uint8_t *payload, size_t n, uint8_t *out, size_t cap);

typedef enum cc_df_kind {
  CC_DF_NONE = 0,    /* need more octets */
  CC_DF_FRAME,       /* payload/len valid until the next call */
  CC_DF_GARBAGE,     /* `skipped` octets before a sync pair were dropped */
  CC_DF_BAD_HEADER,  /* ~LEN mismatch or LEN above the maximum */
  CC_DF_BAD_CRC,     /* CRC mismatch */
  CC_DF_ABANDONED,   /* incomplete frame dropped (cc_deframer_abandon) */
} cc_df_kind_t;

typedef struct cc_df_result {
  cc_df_kind_t kind;
  const uint8_t *payload;
  size_t len;
  size_t skipped;
} cc_df_result_t;

typedef struct cc_deframer {
  uint8_t buf[CC_MAX_FRAME];
  size_t start; /* first unprocessed octet */
  size_t end;   /* one past the last octet */
} cc_deframer_t;

void cc_deframer_init(cc_deframer_t *d);
/* Copy as many of n octets as fit; returns how many were taken. After
 * cc_deframer_next returned CC_DF_NONE at least one octet always fits. */
size_t cc_deframer_feed(cc_deframer_t *d, const uint8_t *data, size_t n);
/* Take the next result from the octets fed so far. */
void cc_deframer_next(cc_deframer_t *d, cc_df_result_t *r);
/* 1 while octets of an incomplete frame are held. */
int cc_deframer_pending(const cc_deframer_t *d);
/* Give up an incomplete frame: its first octet is dropped and scanning
 * resumes from the next. Returns 1 if there was one. */
int cc_deframer_abandon(cc_deframer_t *d);

#ifdef __cplusplus
}
#endif

#endif
