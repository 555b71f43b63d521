/*
 * LAPD / Q.931 frame decoding for reports (see q931_tap.h for the clauses).
 */
#include "q931_tap.h"

#include <string.h>

/* Q.931 Table 4-2, with the Q.932 HOLD/RETRIEVE family and FACILITY. */
static const struct {
	int code;
	const char *name;
} q931_msgs[] = {
	{ 0x01, "ALERTING" }, { 0x02, "CALL PROCEEDING" }, { 0x03, "PROGRESS" }, { 0x05, "SETUP" },
	{ 0x07, "CONNECT" }, { 0x0D, "SETUP ACKNOWLEDGE" }, { 0x0F, "CONNECT ACKNOWLEDGE" },
	{ 0x20, "USER INFORMATION" }, { 0x21, "SUSPEND REJECT" }, { 0x22, "RESUME REJECT" }, { 0x24, "HOLD" },
	{ 0x25, "SUSPEND" }, { 0x26, "RESUME" }, { 0x28, "HOLD ACKNOWLEDGE" }, { 0x2D, "SUSPEND ACKNOWLEDGE" },
	{ 0x2E, "RESUME ACKNOWLEDGE" }, { 0x30, "HOLD REJECT" }, { 0x31, "RETRIEVE" },
	{ 0x33, "RETRIEVE ACKNOWLEDGE" }, { 0x37, "RETRIEVE REJECT" }, { 0x45, "DISCONNECT" }, { 0x46, "RESTART" },
	{ 0x4D, "RELEASE" }, { 0x4E, "RESTART ACKNOWLEDGE" }, { 0x5A, "RELEASE COMPLETE" }, { 0x60, "SEGMENT" },
	{ 0x62, "FACILITY" }, { 0x6E, "NOTIFY" }, { 0x75, "STATUS ENQUIRY" }, { 0x79, "CONGESTION CONTROL" },
	{ 0x7B, "INFORMATION" }, { 0x7D, "STATUS" },
};

const char *q931_msg_name(int type)
{
	size_t i;
	for (i = 0; i < sizeof(q931_msgs) / sizeof(q931_msgs[0]); i++)
		if (q931_msgs[i].code == type)
			return q931_msgs[i].name;
	return NULL;
}

static void digits(char *dst, size_t dstlen, const uint8_t *p, size_t n)
{
	size_t i, k = 0;
	for (i = 0; i < n && k + 1 < dstlen; i++) {
		uint8_t ch = p[i] & 0x7F; /* IA5 digits (Q.931 §4.5.8) */
		if (ch >= 0x20 && ch < 0x7F)
			dst[k++] = (char)ch;
	}
	dst[k] = '\0';
}

static void decode_ies(const uint8_t *p, size_t n, q931_frame *out)
{
	size_t i = 0;
	while (i < n) {
		uint8_t id = p[i];
		const uint8_t *v;
		size_t len;
		if (id & 0x80) { /* single-octet IE (Q.931 §4.5.1), including shifts */
			i++;
			continue;
		}
		if (i + 1 >= n)
			return;
		len = p[i + 1];
		if (i + 2 + len > n)
			return;
		v = p + i + 2;
		switch (id) {
		case 0x08: /* cause: octet 3, optional 3a, then the cause value */
			if (len >= 2) {
				size_t o = (v[0] & 0x80) ? 1 : 2;
				if (o < len)
					out->cause = v[o] & 0x7F;
			}
			break;
		case 0x18: /* channel identification, primary rate interface (bit 6 of octet 3) */
			if (len >= 3 && (v[0] & 0x20) && (v[0] & 0x03) == 0x01) {
				size_t o = 1;
				if (v[0] & 0x40) /* octet 3.1 interface identifier, ended by its extension bit */
					while (o < len && !(v[o++] & 0x80))
						;
				if (o + 1 < len && !(v[o] & 0x10)) /* octet 3.2: channel number, not slot map */
					out->channel = v[o + 1] & 0x7F;
			}
			break;
		case 0x70: /* called party number: octet 3 then IA5 digits */
			if (len >= 1) {
				digits(out->called, sizeof(out->called), v + 1, len - 1);
				out->has_called = 1;
			}
			break;
		case 0x6C: /* calling party number: octet 3, optional 3a, then digits */
			if (len >= 1) {
				size_t o = (v[0] & 0x80) ? 1 : 2;
				if (o <= len) {
					digits(out->calling, sizeof(out->calling), v + o, len - o);
					out->has_calling = 1;
				}
			}
			break;
		default:
			break;
		}
		i += 2 + len;
	}
}

void q931_decode(const uint8_t *frame, size_t len, q931_frame *out)
{
	size_t n, ctl_len, i, crl, k;
	uint8_t c;
	memset(out, 0, sizeof(*out));
	out->l2 = -1;
	out->channel = -1;
	out->cause = -1;
	out->cref = -1;
	if (len < 5)
		return;
	n = len - 2; /* FCS placeholder */
	if ((frame[0] & 0x01) || !(frame[1] & 0x01))
		return; /* Q.921 §3.3.1: two-octet address, EA bits 0 then 1 */
	out->sapi = frame[0] >> 2;
	out->cr = (frame[0] >> 1) & 1;
	out->tei = frame[1] >> 1;
	c = frame[2];
	if (!(c & 0x01)) {
		out->l2 = 0;
		out->l2_name = "I";
		ctl_len = 2;
	} else if ((c & 0x03) == 0x01) {
		static const char *const s_names[4] = { "RR", "RNR", "?", "REJ" };
		out->l2 = 1;
		out->l2_name = s_names[(c >> 2) & 0x03];
		return;
	} else {
		switch (c & ~0x10) { /* P/F bit masked */
		case 0x6F: out->l2_name = "SABME"; break;
		case 0x63: out->l2_name = "UA"; break;
		case 0x43: out->l2_name = "DISC"; break;
		case 0x0F: out->l2_name = "DM"; break;
		case 0x87: out->l2_name = "FRMR"; break;
		case 0x03: out->l2_name = "UI"; break;
		case 0xAF: out->l2_name = "XID"; break;
		default: out->l2_name = "U?"; break;
		}
		out->l2 = 2;
		if ((c & ~0x10) != 0x03)
			return;
		ctl_len = 1;
	}
	i = 2 + ctl_len;
	if (n < i + 3 || frame[i] != 0x08) /* Q.931 §4.2 protocol discriminator */
		return;
	crl = frame[i + 1] & 0x0F;
	if (n < i + 2 + crl + 1)
		return;
	if (crl == 0) {
		out->cref = -1;
	} else {
		out->cref_flag = (frame[i + 2] >> 7) & 1;
		out->cref = frame[i + 2] & 0x7F;
		for (k = 1; k < crl; k++)
			out->cref = (out->cref << 8) | frame[i + 2 + k];
	}
	out->msg_type = frame[i + 2 + crl];
	out->q931 = 1;
	decode_ies(frame + i + 3 + crl, n - (i + 3 + crl), out);
}
