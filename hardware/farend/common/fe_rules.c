/*
 * Per-number behaviour of a far end (see fe_rules.h).
 */
#include "fe_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define Q850_USER_BUSY 17 /* Q.850 Table 1, cause 17 */

void fe_rules_init(fe_rules *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->def.action = FE_ACT_ANSWER;
}

const char *fe_action_name(fe_action a)
{
	switch (a) {
	case FE_ACT_ANSWER: return "answer";
	case FE_ACT_RING: return "ring";
	case FE_ACT_BUSY: return "busy";
	case FE_ACT_RELEASE: return "release";
	case FE_ACT_MANUAL: return "manual";
	}
	return "?";
}

static const char *const allowed_keys[] = {
	"cmd", "id", "prefix", "action", "after_ms", "cause", "cause_from_digits", "alerting", "echo", "tone", "dbm0", NULL,
};

int fe_rule_from_json(const fj_obj *o, int need_prefix, fe_rule *out, char *err, size_t errlen)
{
	const char *s;
	long v;
	int b, i, k;

	memset(out, 0, sizeof(*out));
	out->tone_dbm0 = -10;
	for (i = 0; i < o->n; i++) {
		for (k = 0; allowed_keys[k]; k++)
			if (strcmp(allowed_keys[k], o->f[i].key) == 0)
				break;
		if (!allowed_keys[k]) {
			snprintf(err, errlen, "rule member \"%s\" is not known", o->f[i].key);
			return -1;
		}
	}
	switch (fj_get_str(o, "prefix", &s)) {
	case 1:
		if (strlen(s) >= sizeof(out->prefix)) {
			snprintf(err, errlen, "prefix longer than %zu digits", sizeof(out->prefix) - 1);
			return -1;
		}
		for (k = 0; s[k]; k++)
			if (!isdigit((unsigned char)s[k]) && !strchr("*#ABCDEF", s[k])) {
				snprintf(err, errlen, "prefix \"%s\" holds a character that is not a digit", s);
				return -1;
			}
		strcpy(out->prefix, s);
		break;
	case 0:
		if (need_prefix) {
			snprintf(err, errlen, "a rule needs a \"prefix\"");
			return -1;
		}
		break;
	default:
		snprintf(err, errlen, "\"prefix\" must be a string of digits");
		return -1;
	}
	if (fj_get_str(o, "action", &s) != 1) {
		snprintf(err, errlen, "a rule needs an \"action\": answer, ring, busy, release or manual");
		return -1;
	}
	if (strcmp(s, "answer") == 0)
		out->action = FE_ACT_ANSWER;
	else if (strcmp(s, "ring") == 0)
		out->action = FE_ACT_RING;
	else if (strcmp(s, "busy") == 0)
		out->action = FE_ACT_BUSY;
	else if (strcmp(s, "release") == 0)
		out->action = FE_ACT_RELEASE;
	else if (strcmp(s, "manual") == 0)
		out->action = FE_ACT_MANUAL;
	else {
		snprintf(err, errlen, "action \"%s\" is not one of answer, ring, busy, release, manual", s);
		return -1;
	}
	switch (fj_get_int(o, "after_ms", 0, 3600000, &v)) {
	case 1: out->after_ms = v; break;
	case -1: snprintf(err, errlen, "\"after_ms\" must be an integer from 0 to 3600000"); return -1;
	}
	switch (fj_get_int(o, "cause", 1, 127, &v)) {
	case 1: out->cause = (int)v; break;
	case -1: snprintf(err, errlen, "\"cause\" must be a Q.850 cause value from 1 to 127"); return -1;
	}
	switch (fj_get_int(o, "cause_from_digits", 1, 3, &v)) {
	case 1: out->cause_digits = (int)v; break;
	case -1: snprintf(err, errlen, "\"cause_from_digits\" must be 1, 2 or 3"); return -1;
	}
	switch (fj_get_bool(o, "alerting", &b)) {
	case 1: out->alerting = b; break;
	case -1: snprintf(err, errlen, "\"alerting\" must be true or false"); return -1;
	}
	switch (fj_get_bool(o, "echo", &b)) {
	case 1: out->echo = b; break;
	case -1: snprintf(err, errlen, "\"echo\" must be true or false"); return -1;
	}
	switch (fj_get_int(o, "tone", 1, 3999, &v)) {
	case 1: out->tone_hz = v; break;
	case -1: snprintf(err, errlen, "\"tone\" must be a frequency from 1 to 3999 Hz"); return -1;
	}
	switch (fj_get_int(o, "dbm0", -60, 3, &v)) {
	case 1: out->tone_dbm0 = v; break;
	case -1: snprintf(err, errlen, "\"dbm0\" must be an integer level from -60 to 3 dBm0"); return -1;
	}
	if (out->action == FE_ACT_RELEASE && !out->cause && !out->cause_digits) {
		snprintf(err, errlen, "a release rule needs \"cause\" or \"cause_from_digits\"");
		return -1;
	}
	if (out->action != FE_ACT_RELEASE && (out->cause || out->cause_digits || out->alerting)) {
		snprintf(err, errlen, "\"cause\", \"cause_from_digits\" and \"alerting\" belong to release rules");
		return -1;
	}
	if (out->action != FE_ACT_ANSWER && (out->echo || out->tone_hz)) {
		snprintf(err, errlen, "\"echo\" and \"tone\" belong to answer rules");
		return -1;
	}
	if (out->echo && out->tone_hz) {
		snprintf(err, errlen, "a rule cannot both echo and play a tone on the same timeslot");
		return -1;
	}
	if (out->action == FE_ACT_BUSY)
		out->cause = Q850_USER_BUSY;
	return 0;
}

int fe_rules_add(fe_rules *rs, const fe_rule *r)
{
	int i;
	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].prefix, r->prefix) == 0) {
			rs->r[i] = *r;
			return 0;
		}
	if (rs->n >= FE_MAX_RULES)
		return -1;
	rs->r[rs->n++] = *r;
	return 0;
}

int fe_rules_load_file(fe_rules *rs, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0;
	if (!f) {
		snprintf(err, errlen, "cannot open rules file %s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		static fj_obj o;
		fe_rule r;
		char perr[256];
		char *p = line;
		size_t n = strlen(line);
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (fj_parse(p, &o, perr, sizeof(perr)) < 0 || fe_rule_from_json(&o, 1, &r, perr, sizeof(perr)) < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, perr);
			fclose(f);
			return -1;
		}
		if (fe_rules_add(rs, &r) < 0) {
			snprintf(err, errlen, "%s:%d: more than %d rules", path, lineno, FE_MAX_RULES);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

const fe_rule *fe_rules_match(const fe_rules *rs, const char *called)
{
	const fe_rule *best = NULL;
	size_t best_len = 0;
	int i;
	for (i = 0; i < rs->n; i++) {
		size_t n = strlen(rs->r[i].prefix);
		if (strncmp(called, rs->r[i].prefix, n) == 0 && (!best || n > best_len)) {
			best = &rs->r[i];
			best_len = n;
		}
	}
	return best ? best : &rs->def;
}

int fe_rule_cause(const fe_rule *r, const char *called)
{
	size_t n = strlen(called), k;
	int cause = 0;
	if (!r->cause_digits)
		return r->cause;
	/* The end-of-pulsing signal (ST, '#') is not a digit of the number. */
	while (n > 0 && called[n - 1] == '#')
		n--;
	if (n < (size_t)r->cause_digits)
		return -1;
	for (k = n - (size_t)r->cause_digits; k < n; k++) {
		if (!isdigit((unsigned char)called[k]))
			return -1;
		cause = cause * 10 + (called[k] - '0');
	}
	return cause >= 1 && cause <= 127 ? cause : -1;
}

void fe_rule_put(fjw *w, const fe_rule *r)
{
	fjw_str(w, "prefix", r->prefix);
	fjw_str(w, "action", fe_action_name(r->action));
	if (r->after_ms)
		fjw_int(w, "after_ms", r->after_ms);
	if (r->action == FE_ACT_RELEASE || r->action == FE_ACT_BUSY) {
		if (r->cause_digits)
			fjw_int(w, "cause_from_digits", r->cause_digits);
		else
			fjw_int(w, "cause", r->cause);
		if (r->alerting)
			fjw_bool(w, "alerting", 1);
	}
	if (r->echo)
		fjw_bool(w, "echo", 1);
	if (r->tone_hz) {
		fjw_int(w, "tone", r->tone_hz);
		fjw_int(w, "dbm0", r->tone_dbm0);
	}
}
