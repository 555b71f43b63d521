/*
 * test_ctl.c -- unit tests of the control endpoint's codecs: protobuf wire
 * primitives (pbwire.c), framing (frame.c) and the Envelope tables
 * (ccmsg.c), against hardware/proto/vectors/ and random input.
 *
 *   build/test_ctl [VECTOR_DIR]   (default ../../proto/vectors)
 * Prints one line per failed check and "test_ctl: N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccmsg.h"
#include "frame.h"
#include "pbwire.h"

static int passed, failed;

#define CHECK(cond, ...)                                  \
  do {                                                    \
    if (cond) {                                           \
      passed++;                                           \
    } else {                                              \
      failed++;                                           \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);         \
      printf(__VA_ARGS__);                                \
      printf("\n");                                       \
    }                                                     \
  } while (0)

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint32_t rnd(void) {
  /* xorshift64*: reproducible pseudo-random input */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545F4914F6CDD1Du) >> 32);
}

static size_t from_hex(const char *h, uint8_t *out, size_t cap) {
  size_t n = 0;
  if (strcmp(h, "-") == 0) return 0;
  while (*h && n < cap) {
    if (*h == ' ') {
      h++;
      continue;
    }
    unsigned v;
    if (!h[1] || sscanf(h, "%2x", &v) != 1) break;
    out[n++] = (uint8_t)v;
    h += 2;
  }
  return n;
}

static char *to_hex(const uint8_t *p, size_t n) {
  static char buf[2 * CC_MAX_FRAME + 1];
  for (size_t i = 0; i < n && i < CC_MAX_FRAME; i++) sprintf(buf + 2 * i, "%02x", p[i]);
  buf[2 * (n < CC_MAX_FRAME ? n : CC_MAX_FRAME)] = 0;
  return buf;
}

/* ---- protobuf primitives ----------------------------------------------- */

static void test_varint(void) {
  static const struct {
    uint64_t v;
    const char *hex;
  } vec[] = {
      {0, "00"},
      {1, "01"},
      {127, "7f"},
      {128, "8001"},
      {300, "ac02"}, /* the encoding guide's example */
      {4294967295u, "ffffffff0f"},
      {UINT64_MAX, "ffffffffffffffffff01"},
  };
  for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
    uint8_t buf[16], want[16];
    pb_writer_t w;
    pbw_init(&w, buf, sizeof buf);
    pbw_varint(&w, vec[i].v);
    size_t wn = from_hex(vec[i].hex, want, sizeof want);
    CHECK(w.len == wn && memcmp(buf, want, wn) == 0, "varint %llu encodes as %s", (unsigned long long)vec[i].v,
          vec[i].hex);
    CHECK(pb_varint_size(vec[i].v) == wn, "varint size of %llu", (unsigned long long)vec[i].v);
    pb_reader_t r;
    uint64_t got = 1234;
    pbr_init(&r, want, wn, 0);
    CHECK(pbr_varint(&r, &got) == PB_OK && got == vec[i].v && r.pos == wn, "varint %s decodes", vec[i].hex);
  }
  static const char *bad[] = {
      "80",                     /* truncated */
      "ffffffffffffffffff02",   /* tenth octet above 1: beyond 64 bits */
      "ffffffffffffffffff8001", /* eleven octets */
      "",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t in[16];
    size_t n = bad[i][0] ? from_hex(bad[i], in, sizeof in) : 0;
    pb_reader_t r;
    uint64_t got;
    pbr_init(&r, in, n, 0);
    CHECK(pbr_varint(&r, &got) == PB_EMALFORMED, "varint '%s' is rejected", bad[i]);
  }
  /* writer overflow is reported, never written past */
  uint8_t small[3];
  pb_writer_t w;
  pbw_init(&w, small, sizeof small);
  pbw_varint(&w, UINT64_MAX);
  CHECK(w.overflow && w.len <= sizeof small, "writer overflow flagged");
}

static void test_zigzag(void) {
  static const struct {
    int32_t v;
    uint32_t z;
  } vec[] = {{0, 0}, {-1, 1}, {1, 2}, {-2, 3}, {2147483647, 4294967294u}, {-2147483647 - 1, 4294967295u}};
  for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
    CHECK(pb_zigzag32(vec[i].v) == vec[i].z, "zigzag(%d) = %u", vec[i].v, vec[i].z);
    CHECK(pb_unzigzag32(vec[i].z) == vec[i].v, "unzigzag(%u) = %d", vec[i].z, vec[i].v);
  }
}

static void test_fields(void) {
  /* field 1 varint 150 (the guide's "08 96 01"), fixed32, fixed64, a string */
  uint8_t in[64];
  size_t n = from_hex("089601" "1d01020304" "210102030405060708" "2a0474657374", in, sizeof in);
  pb_reader_t r;
  pb_field_t f;
  pb_error_t e;
  pbr_init(&r, in, n, 0);
  CHECK(pbr_next(&r, &f, &e) == PB_OK && f.number == 1 && f.wire_type == PB_WT_VARINT && f.varint == 150,
        "08 96 01 is field 1 = 150");
  CHECK(pbr_next(&r, &f, &e) == PB_OK && f.number == 3 && f.wire_type == PB_WT_FIXED32 && f.varint == 0x04030201u,
        "fixed32 little-endian");
  CHECK(pbr_next(&r, &f, &e) == PB_OK && f.number == 4 && f.wire_type == PB_WT_FIXED64 &&
            f.varint == 0x0807060504030201ull,
        "fixed64 little-endian");
  CHECK(pbr_next(&r, &f, &e) == PB_OK && f.number == 5 && f.len == 4 && memcmp(f.data, "test", 4) == 0 &&
            f.data_offset == n - 4,
        "length-delimited");
  CHECK(pbr_next(&r, &f, &e) == PB_END, "end of input");

  static const char *bad[] = {
      "0b",         /* wire type 3: start group */
      "0c",         /* wire type 4: end group */
      "0e00",       /* wire type 6 */
      "0f00",       /* wire type 7 */
      "0001",       /* field number 0 */
      "0a05616263", /* length past the end */
      "1d0102",     /* truncated fixed32 */
      "21010203",   /* truncated fixed64 */
      "f8ffffff7f00" /* field number 2^32-1 >> 3 > 2^29-1 */,
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    n = from_hex(bad[i], in, sizeof in);
    pbr_init(&r, in, n, 0);
    int rc = pbr_next(&r, &f, &e);
    CHECK(rc == PB_EMALFORMED, "field '%s' is rejected (rc %d)", bad[i], rc);
  }
}

/* ---- framing --------------------------------------------------------------- */

static void test_crc(void) {
  CHECK(cc_crc32(0, (const uint8_t *)"123456789", 9) == 0xCBF43926u, "CRC-32/ISO-HDLC check value");
  uint32_t part = cc_crc32(0, (const uint8_t *)"1234", 4);
  CHECK(cc_crc32(part, (const uint8_t *)"56789", 5) == 0xCBF43926u, "CRC-32 chains");
}

typedef struct collected {
  int frames, garbage, bad_header, bad_crc;
  size_t garbage_octets;
  uint8_t last[CC_MAX_PAYLOAD];
  size_t last_len;
  int matches; /* frames equal to `want` */
  const uint8_t *want;
  size_t want_len;
} collected_t;

static void drain(cc_deframer_t *d, collected_t *c) {
  for (;;) {
    cc_df_result_t r;
    cc_deframer_next(d, &r);
    switch (r.kind) {
      case CC_DF_NONE:
        return;
      case CC_DF_FRAME:
        c->frames++;
        memcpy(c->last, r.payload, r.len);
        c->last_len = r.len;
        if (c->want && r.len == c->want_len && memcmp(r.payload, c->want, r.len) == 0) c->matches++;
        break;
      case CC_DF_GARBAGE:
        c->garbage++;
        c->garbage_octets += r.skipped;
        break;
      case CC_DF_BAD_HEADER:
        c->bad_header++;
        break;
      case CC_DF_BAD_CRC:
        c->bad_crc++;
        break;
      case CC_DF_ABANDONED:
        break;
    }
  }
}

static void feed_all(cc_deframer_t *d, collected_t *c, const uint8_t *p, size_t n, size_t chunk) {
  while (n > 0) {
    size_t want = chunk && chunk < n ? chunk : n;
    size_t k = cc_deframer_feed(d, p, want);
    p += k;
    n -= k;
    drain(d, c);
  }
}

static void test_frame_vectors(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/frames.txt", dir);
  FILE *fp = fopen(path, "r");
  CHECK(fp != NULL, "open %s", path);
  if (!fp) return;
  static char line[65536];
  int count = 0;
  while (fgets(line, sizeof line, fp)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char name[64];
    static char ph[2 * CC_MAX_FRAME + 2], fh[2 * CC_MAX_FRAME + 2];
    if (sscanf(line, "%63s %16385s %16405s", name, ph, fh) != 3) continue;
    static uint8_t payload[CC_MAX_FRAME], want[CC_MAX_FRAME], got[CC_MAX_FRAME];
    size_t pn = from_hex(ph, payload, sizeof payload);
    size_t fn = from_hex(fh, want, sizeof want);
    size_t gn = cc_frame_encode(payload, pn, got, sizeof got);
    CHECK(gn == fn && memcmp(got, want, fn) == 0, "frame %s encodes as the vector", name);
    for (size_t chunk = 0; chunk <= 3; chunk++) {
      cc_deframer_t d;
      collected_t c;
      memset(&c, 0, sizeof c);
      cc_deframer_init(&d);
      feed_all(&d, &c, want, fn, chunk);
      CHECK(c.frames == 1 && c.last_len == pn && memcmp(c.last, payload, pn) == 0 && c.garbage == 0,
            "frame %s decodes (chunk %zu)", name, chunk);
      CHECK(!cc_deframer_pending(&d), "frame %s leaves nothing pending", name);
    }
    count++;
  }
  fclose(fp);
  CHECK(count >= 5, "frame vectors read (%d)", count);
}

static void test_deframer(void) {
  static uint8_t stream[3 * CC_MAX_FRAME], f1[64], f2[64];
  const uint8_t p1[] = {0x08, 0x01, 0x52, 0x00}, p2[] = {0x08, 0x02, 0x72, 0x00};
  size_t n1 = cc_frame_encode(p1, sizeof p1, f1, sizeof f1);
  size_t n2 = cc_frame_encode(p2, sizeof p2, f2, sizeof f2);

  /* garbage, frame, garbage with a lone sync octet, frame */
  size_t n = 0;
  memcpy(stream + n, "\x00\x11\xa5\x22", 4);
  n += 4;
  memcpy(stream + n, f1, n1);
  n += n1;
  memcpy(stream + n, "\xa5\xa5\x33", 3);
  n += 3;
  memcpy(stream + n, f2, n2);
  n += n2;
  for (size_t chunk = 0; chunk <= 2; chunk++) {
    cc_deframer_t d;
    collected_t c;
    memset(&c, 0, sizeof c);
    cc_deframer_init(&d);
    feed_all(&d, &c, stream, n, chunk);
    CHECK(c.frames == 2 && c.last_len == sizeof p2 && memcmp(c.last, p2, sizeof p2) == 0,
          "two frames among garbage (chunk %zu)", chunk);
    CHECK(c.garbage_octets == 7, "7 garbage octets counted (chunk %zu): %zu", chunk, c.garbage_octets);
  }

  /* corrupted CRC, then a good frame: the bad one is dropped, the good one kept */
  n = 0;
  memcpy(stream, f1, n1);
  stream[n1 - 1] ^= 0x01;
  n = n1;
  memcpy(stream + n, f2, n2);
  n += n2;
  {
    cc_deframer_t d;
    collected_t c;
    memset(&c, 0, sizeof c);
    c.want = p2;
    c.want_len = sizeof p2;
    cc_deframer_init(&d);
    feed_all(&d, &c, stream, n, 0);
    CHECK(c.bad_crc == 1 && c.frames == 1 && c.matches == 1, "CRC error dropped, next frame kept");
  }

  /* header check: ~LEN wrong, and LEN above the maximum */
  {
    uint8_t h1[] = {0xA5, 0x5A, 0x00, 0x04, 0xFF, 0xFA};
    uint16_t big = CC_MAX_PAYLOAD + 1, inv = (uint16_t)~big;
    uint8_t h2[] = {0xA5, 0x5A, (uint8_t)(big >> 8), (uint8_t)big, (uint8_t)(inv >> 8), (uint8_t)inv};
    n = 0;
    memcpy(stream + n, h1, sizeof h1);
    n += sizeof h1;
    memcpy(stream + n, h2, sizeof h2);
    n += sizeof h2;
    memcpy(stream + n, f1, n1);
    n += n1;
    cc_deframer_t d;
    collected_t c;
    memset(&c, 0, sizeof c);
    c.want = p1;
    c.want_len = sizeof p1;
    cc_deframer_init(&d);
    feed_all(&d, &c, stream, n, 1);
    CHECK(c.bad_header == 2 && c.matches == 1, "bad headers dropped (%d), frame found", c.bad_header);
  }

  /* a false header claiming a long payload swallows a real frame; when the
   * false frame's CRC fails the scan restarts inside it and finds it */
  {
    n = 0;
    uint16_t len = 200, inv = (uint16_t)~len;
    uint8_t h[] = {0xA5, 0x5A, (uint8_t)(len >> 8), (uint8_t)len, (uint8_t)(inv >> 8), (uint8_t)inv};
    memcpy(stream, h, sizeof h);
    n = sizeof h;
    memcpy(stream + n, f1, n1);
    n += n1;
    memset(stream + n, 0, 300);
    n += 300;
    cc_deframer_t d;
    collected_t c;
    memset(&c, 0, sizeof c);
    c.want = p1;
    c.want_len = sizeof p1;
    cc_deframer_init(&d);
    feed_all(&d, &c, stream, n, 7);
    CHECK(c.bad_crc == 1 && c.matches == 1, "frame inside a false frame recovered");
  }

  /* abandon: an incomplete frame is given up, the scan restarts */
  {
    cc_deframer_t d;
    collected_t c;
    memset(&c, 0, sizeof c);
    c.want = p2;
    c.want_len = sizeof p2;
    cc_deframer_init(&d);
    feed_all(&d, &c, f1, n1 - 2, 0);
    CHECK(cc_deframer_pending(&d) && c.frames == 0, "truncated frame pending");
    CHECK(cc_deframer_abandon(&d) == 1, "abandoned");
    drain(&d, &c);
    feed_all(&d, &c, f2, n2, 0);
    CHECK(c.matches == 1, "frame after an abandoned one decodes");
    CHECK(cc_deframer_abandon(&d) == 0, "nothing to abandon");
  }

  /* the largest payload, and one octet more is refused by the encoder */
  {
    static uint8_t big[CC_MAX_PAYLOAD + 1], fr[CC_MAX_FRAME + 1];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)rnd();
    size_t fn = cc_frame_encode(big, CC_MAX_PAYLOAD, fr, sizeof fr);
    CHECK(fn == CC_MAX_FRAME, "largest frame encodes");
    CHECK(cc_frame_encode(big, CC_MAX_PAYLOAD + 1, fr, sizeof fr) == 0, "oversized payload refused");
    cc_deframer_t d;
    collected_t c;
    memset(&c, 0, sizeof c);
    c.want = big;
    c.want_len = CC_MAX_PAYLOAD;
    cc_deframer_init(&d);
    feed_all(&d, &c, fr, fn, 1000);
    CHECK(c.matches == 1, "largest frame decodes");
  }
}

static void test_deframer_random(void) {
  static uint8_t stream[4 * CC_MAX_FRAME], fr[64];
  const uint8_t p[] = {0x08, 0x2a, 0x72, 0x00};
  size_t fn = cc_frame_encode(p, sizeof p, fr, sizeof fr);
  int ok = 1;
  for (int iter = 0; iter < 3000; iter++) {
    size_t n = 0, g = rnd() % 120;
    for (size_t i = 0; i < g; i++) {
      uint32_t r = rnd();
      /* plenty of sync octets so false headers occur */
      stream[n++] = (r & 3) == 0 ? CC_SYNC0 : (r & 3) == 1 ? CC_SYNC1 : (uint8_t)(r >> 8);
    }
    memcpy(stream + n, fr, fn);
    n += fn;
    memset(stream + n, 0, CC_MAX_FRAME + 16); /* enough to complete any false frame */
    n += CC_MAX_FRAME + 16;
    cc_deframer_t d;
    collected_t c;
    memset(&c, 0, sizeof c);
    c.want = p;
    c.want_len = sizeof p;
    cc_deframer_init(&d);
    feed_all(&d, &c, stream, n, 1 + rnd() % 64);
    if (c.matches != 1) {
      ok = 0;
      printf("iteration %d: frame seen %d times after %zu garbage octets\n", iter, c.matches, g);
      break;
    }
  }
  CHECK(ok, "a frame after random garbage is always found exactly once");
}

/* ---- envelopes ------------------------------------------------------------ */

static void build(const char *name, cc_envelope_t *e) {
  memset(e, 0, sizeof *e);
  if (!strcmp(name, "identify_request")) {
    e->id = 1;
    e->body = CC_BODY_IDENTIFY_REQ;
  } else if (!strcmp(name, "identify_response")) {
    e->id = 1;
    e->body = CC_BODY_IDENTIFY_RESP;
    cc_identify_resp_t *r = &e->identify_response;
    strcpy(r->model, "sim-e1x2");
    strcpy(r->firmware, "sipt-simctl 1.0");
    strcpy(r->serial_number, "SIM-0001");
    strcpy(r->driver, "sipt-sim");
    r->abi_version = 65536;
    r->protocol_version = 1;
    r->span_count = 2;
    r->port_count = 2;
  } else if (!strcmp(name, "configure_span_request")) {
    e->id = 2;
    e->body = CC_BODY_CONFIGURE_SPAN_REQ;
    cc_configure_span_req_t *q = &e->configure_span_request;
    q->span = 1;
    q->has_config = 1;
    q->config = (cc_span_config_t){2, 1, 2, 1, 1, 4294901758u, 65536u};
  } else if (!strcmp(name, "configure_span_response")) {
    e->id = 2;
    e->body = CC_BODY_CONFIGURE_SPAN_RESP;
  } else if (!strcmp(name, "query_status_request")) {
    e->id = 3;
    e->body = CC_BODY_QUERY_STATUS_REQ;
  } else if (!strcmp(name, "query_status_response")) {
    e->id = 3;
    e->body = CC_BODY_QUERY_STATUS_RESP;
    cc_query_status_resp_t *r = &e->query_status_response;
    r->nspans = 2;
    cc_span_status_t *s = &r->spans[0];
    s->span = 1;
    strcpy(s->name, "E1-1");
    s->type = 1;
    s->configured = 1;
    s->has_config = 1;
    s->config = (cc_span_config_t){2, 1, 1, 0, 1, 4294901758u, 65536u};
    s->alarms.los = s->alarms.lof = 1;
    s->clock_source = 1;
    s->slips = 3;
    s->crc_errors = 70000;
    s->fas_errors = 1;
    s->rx_blocks = 123456789012ull;
    s->tx_blocks = 5;
    s->line_cut = 1;
    s = &r->spans[1];
    s->span = 2;
    strcpy(s->name, "E1-2");
    s->type = 1;
    s->loopback = CC_LOOPBACK_PAYLOAD;
    s->injected_alarms.rai = 1;
    r->nports = 2;
    cc_port_status_t *p = &r->ports[0];
    p->port = 1;
    strcpy(p->name, "fxs1");
    p->kind = 1;
    p->off_hook = p->reversed = p->battery = 1;
    p->loop_ma = 25;
    p = &r->ports[1];
    p->port = 2;
    strcpy(p->name, "fxo1");
    p->kind = 2;
    p->ringing = 1;
    r->link = (cc_link_counters_t){10, 11, 1, 2, 300, 4, 5, 6};
    r->uptime_ms = 1234567;
  } else if (!strcmp(name, "set_loopback_request")) {
    e->id = 4;
    e->body = CC_BODY_SET_LOOPBACK_REQ;
    e->set_loopback_request.span = 2;
    e->set_loopback_request.mode = CC_LOOPBACK_PAYLOAD;
  } else if (!strcmp(name, "inject_fault_alarm")) {
    e->id = 5;
    e->body = CC_BODY_INJECT_FAULT_REQ;
    e->inject_fault_request.span = 1;
    e->inject_fault_request.fault = CC_FAULT_ALARM;
    e->inject_fault_request.alarm.alarm = CC_ALARM_LOS;
    e->inject_fault_request.alarm.on = 1;
  } else if (!strcmp(name, "inject_fault_span_errors")) {
    e->id = 6;
    e->body = CC_BODY_INJECT_FAULT_REQ;
    e->inject_fault_request.span = 1;
    e->inject_fault_request.fault = CC_FAULT_SPAN_ERRORS;
    e->inject_fault_request.span_errors.kind = 1;
    e->inject_fault_request.span_errors.count = 5;
  } else if (!strcmp(name, "inject_fault_sig_errors")) {
    e->id = 7;
    e->body = CC_BODY_INJECT_FAULT_REQ;
    e->inject_fault_request.span = 2;
    e->inject_fault_request.fault = CC_FAULT_SIG_ERRORS;
    e->inject_fault_request.signalling_errors = (cc_sig_errors_t){16, 1, 3};
  } else if (!strcmp(name, "inject_fault_line_cut")) {
    e->id = 8;
    e->body = CC_BODY_INJECT_FAULT_REQ;
    e->inject_fault_request.span = 1;
    e->inject_fault_request.fault = CC_FAULT_LINE_CUT;
    e->inject_fault_request.line_cut.cut = 1;
  } else if (!strcmp(name, "alarm_event")) {
    e->body = CC_BODY_ALARM_EVENT;
    e->alarm_event.span = 1;
    e->alarm_event.alarms.los = e->alarm_event.alarms.lof = 1;
    e->alarm_event.changed.los = e->alarm_event.changed.lof = 1;
    e->alarm_event.sequence = 1;
    e->alarm_event.time_ns = 1700000000123456789ull;
  } else if (!strcmp(name, "error")) {
    e->id = 9;
    e->body = CC_BODY_ERROR;
    e->error.code = CC_ERR_NOT_FOUND;
    strcpy(e->error.text, "InjectFault: no span 3 (this card has 2)");
    e->error.card_error = -2;
  } else {
    e->body = 0xFFFFFFFFu; /* unknown vector name */
  }
}

static cc_envelope_t ea, eb;

static void test_envelope_vectors(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/envelopes.txt", dir);
  FILE *fp = fopen(path, "r");
  CHECK(fp != NULL, "open %s", path);
  if (!fp) return;
  static char line[65536];
  int count = 0;
  while (fgets(line, sizeof line, fp)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char name[64];
    static char hex[2 * CC_MAX_PAYLOAD + 2];
    if (sscanf(line, "%63s %16385s", name, hex) != 2) continue;
    static uint8_t want[CC_MAX_PAYLOAD], got[CC_MAX_PAYLOAD];
    size_t wn = from_hex(hex, want, sizeof want);
    build(name, &ea);
    CHECK(ea.body != 0xFFFFFFFFu, "vector %s is known to the test", name);
    size_t gn = cc_envelope_encode(&ea, got, sizeof got);
    CHECK(gn == wn && memcmp(got, want, wn) == 0, "%s encodes as the vector:\n  got  %s", name, to_hex(got, gn));
    pb_error_t err;
    int rc = cc_envelope_decode(&eb, want, wn, &err);
    CHECK(rc == PB_OK, "%s decodes (%s at %zu: %s)", name, err.field, err.offset, err.reason);
    size_t rn = cc_envelope_encode(&eb, got, sizeof got);
    CHECK(rn == wn && memcmp(got, want, wn) == 0, "%s decode/encode round trip", name);
    CHECK(eb.id == ea.id && eb.body == ea.body, "%s id and body", name);
    /* every truncation decodes or fails cleanly */
    for (size_t cut = 0; cut < wn; cut++) {
      rc = cc_envelope_decode(&eb, want, cut, &err);
      if (rc != PB_OK && rc != PB_EMALFORMED) CHECK(0, "%s truncated to %zu: rc %d", name, cut, rc);
    }
    count++;
  }
  fclose(fp);
  CHECK(count == 13, "envelope vectors read (%d)", count);
}

static void test_envelope_rules(void) {
  uint8_t in[256];
  pb_error_t err;
  /* unknown fields of every wire type are skipped */
  size_t n = from_hex("0801" "9806 07" "a5060a0b0c0d" "a906 0102030405060708" "b20602 6869" "5200", in, sizeof in);
  CHECK(cc_envelope_decode(&ea, in, n, &err) == PB_OK && ea.id == 1 && ea.body == CC_BODY_IDENTIFY_REQ,
        "unknown fields skipped");
  /* a group is malformed */
  n = from_hex("08019b06", in, sizeof in);
  CHECK(cc_envelope_decode(&ea, in, n, &err) == PB_EMALFORMED && ea.id == 1, "group rejected, id kept");
  /* a known field with the wrong wire type */
  n = from_hex("0d01000000", in, sizeof in);
  CHECK(cc_envelope_decode(&ea, in, n, &err) == PB_EMALFORMED && strstr(err.field, "Envelope.id") != NULL,
        "wrong wire type rejected: %s", err.field);
  /* oneof: the last member wins */
  n = from_hex("08015200" "7200", in, sizeof in);
  CHECK(cc_envelope_decode(&ea, in, n, &err) == PB_OK && ea.body == CC_BODY_QUERY_STATUS_REQ, "oneof last wins");
  /* uint32 takes the low 32 bits of a wider varint */
  n = from_hex("0881808080 10 5200", in, sizeof in);
  CHECK(cc_envelope_decode(&ea, in, n, &err) == PB_OK && ea.id == 1, "uint32 truncation");
  /* embedded message repeated: merged */
  n = from_hex("0802" "6202 0801" "6204 1202 0802", in, sizeof in);
  CHECK(cc_envelope_decode(&ea, in, n, &err) == PB_OK && ea.configure_span_request.span == 1 &&
            ea.configure_span_request.has_config && ea.configure_span_request.config.framing == 2,
        "embedded messages merge");
  /* a string longer than its field */
  {
    static uint8_t big[200];
    size_t k = 0;
    big[k++] = 0x5a; /* identify_response */
    big[k++] = 0x43;
    big[k++] = 0x1a; /* serial_number, 64 octets: the field holds 31 */
    big[k++] = 0x40;
    for (int i = 0; i < 64; i++) big[k++] = 'x';
    big[1] = (uint8_t)(k - 2);
    CHECK(cc_envelope_decode(&ea, big, k, &err) == PB_EMALFORMED &&
              strstr(err.field, "serial_number") != NULL,
          "over-long string rejected: %s", err.field);
  }
  /* more repeated elements than the structure holds */
  {
    static uint8_t big[512];
    size_t k = 0;
    big[k++] = 0x7a; /* query_status_response */
    big[k++] = 0;
    for (unsigned i = 0; i <= CC_MAX_SPANS; i++) {
      big[k++] = 0x0a;
      big[k++] = 0x02;
      big[k++] = 0x08;
      big[k++] = (uint8_t)(i + 1);
    }
    big[1] = (uint8_t)(k - 2);
    CHECK(cc_envelope_decode(&ea, big, k, &err) == PB_EMALFORMED, "17 spans rejected");
  }
  /* the encoder refuses to overflow its buffer */
  build("query_status_response", &ea);
  uint8_t small[40];
  CHECK(cc_envelope_encode(&ea, small, sizeof small) == 0, "encode into a small buffer fails cleanly");
}

static void test_envelope_random(void) {
  static uint8_t buf[512];
  int ok = 1;
  for (int iter = 0; iter < 200000 && ok; iter++) {
    size_t n = rnd() % sizeof buf;
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)rnd();
    /* bias toward valid tags of the Envelope so decoding goes deep */
    if (n > 2 && (iter & 1)) buf[0] = (uint8_t)(0x52 + 8 * (rnd() % 6));
    pb_error_t err;
    int rc = cc_envelope_decode(&ea, buf, n, &err);
    if (rc != PB_OK && rc != PB_EMALFORMED) ok = 0;
    if (rc == PB_OK) {
      /* what decoded re-encodes; decoding that gives the same encoding again */
      static uint8_t out[CC_MAX_PAYLOAD], again[CC_MAX_PAYLOAD];
      size_t m = cc_envelope_encode(&ea, out, sizeof out);
      size_t m2 = 0;
      if (m == 0 && ea.body != CC_BODY_NONE) ok = 0;
      if (cc_envelope_decode(&eb, out, m, &err) != PB_OK) ok = 0;
      m2 = cc_envelope_encode(&eb, again, sizeof again);
      if (m2 != m || memcmp(out, again, m) != 0) ok = 0;
      if (!ok) printf("iteration %d: decoded input does not round-trip\n", iter);
    }
  }
  CHECK(ok, "random input decodes or fails cleanly; decoded input round-trips");
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "../../proto/vectors";
  test_varint();
  test_zigzag();
  test_fields();
  test_crc();
  test_frame_vectors(dir);
  test_deframer();
  test_deframer_random();
  test_envelope_vectors(dir);
  test_envelope_rules();
  test_envelope_random();
  printf("test_ctl: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
