/*
 * Decoding of the MTP2 frames the switch sends, for the "tx" events: which
 * ISUP message went out on which CIC, including the ones libss7 sends by
 * itself (timer-driven REL, RSC, BLO, GRS repetitions).
 *
 * Q.703 §2.2 (signal unit format: BSN/BIB, FSN/FIB, LI), Q.704 §14.2 (SIO),
 * Q.704 §2.2 / T1.111.4 §2.2 (routing label: ITU 32 bits, ANSI 56 bits),
 * Q.763 §1.2 and Table 4 (CIC and message type codes), Q.763 §3.12 (cause).
 */
#ifndef WIRE_TAP_H
#define WIRE_TAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	int kind;        /* 0 FISU, 1 LSSU, 2 MSU, -1 malformed */
	int si;          /* MSU: service indicator (3 SCCP, 5 ISUP, 0/1/2 network management and tests) */
	int isup;        /* 1 when an ISUP message was decoded */
	unsigned opc, dpc;
	int cic;
	int msg_type;
	int cause;       /* REL: Q.850 cause value, -1 when absent */
} wire_msu;

/* Decodes one frame as written by libss7 (two FCS placeholder bytes at the end). */
void wire_decode(const uint8_t *frame, size_t len, int ansi, wire_msu *out);
/* Q.763 Table 4 acronym of an ISUP message type ("IAM"), or NULL if unknown. */
const char *isup_msg_name(int type);

#endif
