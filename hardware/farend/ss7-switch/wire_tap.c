/*
 * Decoding of outgoing MTP2 frames (see wire_tap.h for the clauses).
 */
#include "wire_tap.h"

#include <string.h>

/* Q.763 Table 4 (ITU) with the ANSI T1.113 additions (CRA..EXM, 0xE9..0xED). */
static const struct {
	int code;
	const char *name;
} isup_msgs[] = {
	{ 0x01, "IAM" }, { 0x02, "SAM" }, { 0x03, "INR" }, { 0x04, "INF" }, { 0x05, "COT" }, { 0x06, "ACM" },
	{ 0x07, "CON" }, { 0x08, "FOT" }, { 0x09, "ANM" }, { 0x0C, "REL" }, { 0x0D, "SUS" }, { 0x0E, "RES" },
	{ 0x10, "RLC" }, { 0x11, "CCR" }, { 0x12, "RSC" }, { 0x13, "BLO" }, { 0x14, "UBL" }, { 0x15, "BLA" },
	{ 0x16, "UBA" }, { 0x17, "GRS" }, { 0x18, "CGB" }, { 0x19, "CGU" }, { 0x1A, "CGBA" }, { 0x1B, "CGUA" },
	{ 0x1C, "CMR" }, { 0x1D, "CMC" }, { 0x1E, "CMRJ" }, { 0x1F, "FAR" }, { 0x20, "FAA" }, { 0x21, "FRJ" },
	{ 0x22, "FAD" }, { 0x23, "FAI" }, { 0x24, "LPA" }, { 0x25, "CSVQ" }, { 0x26, "CSVR" }, { 0x27, "DRS" },
	{ 0x28, "PAM" }, { 0x29, "GRA" }, { 0x2A, "CQM" }, { 0x2B, "CQR" }, { 0x2C, "CPG" }, { 0x2D, "USR" },
	{ 0x2E, "UCIC" }, { 0x2F, "CFN" }, { 0x30, "OLM" }, { 0x31, "CRG" }, { 0x32, "NRM" }, { 0x33, "FAC" },
	{ 0x34, "UPT" }, { 0x35, "UPA" }, { 0x36, "IDR" }, { 0x37, "IRS" }, { 0x38, "SGM" }, { 0x40, "LOP" },
	{ 0x41, "APM" }, { 0x42, "PRI" }, { 0x43, "SDN" }, { 0xE9, "CRA" }, { 0xEA, "CRM" }, { 0xEB, "CVR" },
	{ 0xEC, "CVT" }, { 0xED, "EXM" },
};

const char *isup_msg_name(int type)
{
	size_t i;
	for (i = 0; i < sizeof(isup_msgs) / sizeof(isup_msgs[0]); i++)
		if (isup_msgs[i].code == type)
			return isup_msgs[i].name;
	return NULL;
}

#define ISUP_REL 0x0C

void wire_decode(const uint8_t *frame, size_t len, int ansi, wire_msu *out)
{
	size_t n, rl_len, p;
	unsigned li;
	memset(out, 0, sizeof(*out));
	out->cause = -1;
	out->kind = -1;
	if (len < 5) /* BSN, FSN, LI and the two FCS placeholder bytes */
		return;
	n = len - 2;
	li = frame[2] & 0x3F; /* Q.703 §2.3.3: LI is 6 bits; 63 stands for 63 or more octets */
	if (li == 0) {
		out->kind = 0;
		return;
	}
	if (li <= 2) {
		out->kind = 1;
		return;
	}
	out->kind = 2;
	if (n < 4)
		return;
	out->si = frame[3] & 0x0F;
	p = 4;
	rl_len = ansi ? 7 : 4;
	if (n < p + rl_len)
		return;
	if (ansi) {
		/* T1.111.4 §2.2: DPC 24 bits, OPC 24 bits, SLS 8 bits, each least significant octet first. */
		out->dpc = (unsigned)frame[p] | ((unsigned)frame[p + 1] << 8) | ((unsigned)frame[p + 2] << 16);
		out->opc = (unsigned)frame[p + 3] | ((unsigned)frame[p + 4] << 8) | ((unsigned)frame[p + 5] << 16);
	} else {
		/* Q.704 §2.2.2: DPC 14 bits, OPC 14 bits, SLS 4 bits, packed least significant bit first. */
		uint32_t rl = (uint32_t)frame[p] | ((uint32_t)frame[p + 1] << 8) | ((uint32_t)frame[p + 2] << 16) |
			      ((uint32_t)frame[p + 3] << 24);
		out->dpc = rl & 0x3FFF;
		out->opc = (rl >> 14) & 0x3FFF;
	}
	p += rl_len;
	if (out->si != 5 || n < p + 3)
		return;
	/* Q.763 §1.2: CIC, 12 bits in ITU (T1.113: 14 bits), then the message type code. */
	out->cic = frame[p] | ((frame[p + 1] & (ansi ? 0x3F : 0x0F)) << 8);
	out->msg_type = frame[p + 2];
	out->isup = 1;
	p += 3;
	if (out->msg_type == ISUP_REL && n > p) {
		/* REL: the cause indicators are the first mandatory variable parameter (Q.763 §3.12). */
		size_t q = p + frame[p];
		if (q < n && frame[q] >= 2 && q + frame[q] < n) {
			size_t o = q + 1;
			if (!(frame[o] & 0x80)) /* extension bit 0: octet 1a (recommendation) follows */
				o++;
			o++;
			if (o <= q + frame[q])
				out->cause = frame[o] & 0x7F;
		}
	}
}
