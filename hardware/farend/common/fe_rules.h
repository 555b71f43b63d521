/*
 * Per-number behaviour of a far end: what it does with an incoming call.
 *
 * A rule matches the called number by prefix (the longest matching prefix
 * wins; the default rule applies when none matches). Causes are Q.850 cause
 * values (1..127), carried in ISUP REL (Q.763 §3.12) or Q.931 DISCONNECT /
 * RELEASE (Q.931 §4.5.12).
 */
#ifndef FE_RULES_H
#define FE_RULES_H

#include <stddef.h>

#include "fe_json.h"

typedef enum {
	FE_ACT_ANSWER = 1, /* alert, then answer after after_ms */
	FE_ACT_RING,       /* alert and keep ringing until cancelled or told otherwise */
	FE_ACT_BUSY,       /* release with cause 17 (user busy) before alerting */
	FE_ACT_RELEASE,    /* release with a cause, before alerting or after it */
	FE_ACT_MANUAL,     /* do nothing: commands drive the call */
} fe_action;

typedef struct {
	char prefix[32];
	fe_action action;
	long after_ms;     /* delay before answering / releasing */
	int cause;         /* FE_ACT_RELEASE: Q.850 cause value */
	int cause_digits;  /* FE_ACT_RELEASE: take the cause from the last N called digits */
	int alerting;      /* FE_ACT_RELEASE: alert first, release after_ms later */
	int echo;          /* FE_ACT_ANSWER: loop the bearer back once answered */
	long tone_hz;      /* FE_ACT_ANSWER: play this tone once answered (0: none) */
	long tone_dbm0;
} fe_rule;

#define FE_MAX_RULES 64

typedef struct {
	fe_rule r[FE_MAX_RULES];
	int n;
	fe_rule def;
} fe_rules;

void fe_rules_init(fe_rules *rs);
/* Builds a rule from a parsed object (a "rule" command or a rules-file line). */
int fe_rule_from_json(const fj_obj *o, int need_prefix, fe_rule *out, char *err, size_t errlen);
/* Adds a rule, replacing one with the same prefix. Returns 0 or -1 when full. */
int fe_rules_add(fe_rules *rs, const fe_rule *r);
/* Loads JSON lines from a file ('#' starts a comment line). */
int fe_rules_load_file(fe_rules *rs, const char *path, char *err, size_t errlen);
const fe_rule *fe_rules_match(const fe_rules *rs, const char *called);
/* The cause a release rule gives for this called number, or -1 if its digits make no cause. */
int fe_rule_cause(const fe_rule *r, const char *called);
const char *fe_action_name(fe_action a);
void fe_rule_put(fjw *w, const fe_rule *r);

#endif
