/*
 * g711.c - ITU-T G.711 lookup tables: decoding to linear (G.711 Tables 1a/2a) and the
 * A-law <-> mu-law conversions of G.711 Tables 3 and 4, taken from spandsp's implementation
 * so that the tick only does table lookups.
 */
#include "internal.h"

uint8_t sipt_a2u[256], sipt_u2a[256];
int16_t sipt_a2lin[256], sipt_u2lin[256];

void sipt_g711_init(void)
{
    for (unsigned i = 0; i < 256u; i++) {
        sipt_a2u[i] = alaw_to_ulaw((uint8_t) i);
        sipt_u2a[i] = ulaw_to_alaw((uint8_t) i);
        sipt_a2lin[i] = alaw_to_linear((uint8_t) i);
        sipt_u2lin[i] = ulaw_to_linear((uint8_t) i);
    }
}
