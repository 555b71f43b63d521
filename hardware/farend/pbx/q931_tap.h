/*
 * Decoding of the LAPD frames a PBX sends and receives, for the "tx"/"rx"
 * events: the Q.931 message and its call reference, channel, numbers, cause.
 *
 * Q.921 §3.3 (address field: SAPI, C/R, TEI) and §3.4 (control field: I, S
 * and U formats), Q.931 §4.2 (protocol discriminator 0x08), §4.3 (call
 * reference and its flag), §4.4 and Table 4-2 (message types), §4.5 (IE
 * format), §4.5.8 / §4.5.10 (called / calling party number), §4.5.12 (cause),
 * §4.5.13 (channel identification). QSIG (ECMA-143 / ISO 11572) uses the same
 * message set.
 */
#ifndef Q931_TAP_H
#define Q931_TAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	int l2;            /* 0 I-frame, 1 S-frame, 2 U-frame, -1 malformed */
	const char *l2_name;
	int sapi, tei, cr;
	int q931;          /* 1 when a Q.931 message was decoded */
	int msg_type;
	int cref;          /* call reference value, -1 for the dummy (zero-length) one */
	int cref_flag;     /* Q.931 §4.3: 1 when sent by the side that did not allocate it */
	int channel;       /* channel identification: B-channel number, -1 if absent */
	int cause;         /* -1 if absent */
	char called[64];
	char calling[64];
	int has_called, has_calling;
} q931_frame;

/* Decodes one frame with its two FCS placeholder bytes at the end. */
void q931_decode(const uint8_t *frame, size_t len, q931_frame *out);
const char *q931_msg_name(int type);

#endif
