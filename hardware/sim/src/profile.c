/*
 * profile.c -- card profiles: which spans and ports a simulated card has.
 *
 * A profile is a JSON document (RFC 8259), see hardware/profiles/README.md:
 *   { "model": "...", "description": "...", "law": "alaw"|"ulaw",
 *     "spans": [ { "type": "E1"|"T1", "name": "..." } ],
 *     "ports": [ { "kind": "FXS"|"FXO", "name": "...", "law": "...",
 *                  "loopCurrentMa": 25, "hookDebounceMs": 40, "flashMaxMs": 750 } ] }
 * Unknown members are rejected so that a misspelt key never goes unnoticed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sim.h"

#define DEFAULT_LOOP_MA 25u
#define DEFAULT_DEBOUNCE_MS 40u
#define DEFAULT_FLASH_MAX_MS 750u

static int only_keys(const json_value_t *o, const char *const *allowed, const char *where, char *err,
                     size_t errlen) {
  for (size_t i = 0; i < o->count; i++) {
    int ok = 0;
    for (const char *const *a = allowed; *a; a++)
      if (strcmp(*a, o->keys[i]) == 0) ok = 1;
    if (!ok) {
      snprintf(err, errlen, "profile: unknown member \"%s\" in %s", o->keys[i], where);
      return -1;
    }
  }
  return 0;
}

static int get_string(const json_value_t *o, const char *key, const char **out, const char *where, char *err,
                      size_t errlen) {
  const json_value_t *v = json_get(o, key);
  if (v == NULL) return 0;
  if (v->type != JSON_STRING) {
    snprintf(err, errlen, "profile: %s.%s must be a string", where, key);
    return -1;
  }
  *out = v->string;
  return 1;
}

static int get_uint(const json_value_t *o, const char *key, uint32_t *out, uint32_t lo, uint32_t hi,
                    const char *where, char *err, size_t errlen) {
  const json_value_t *v = json_get(o, key);
  if (v == NULL) return 0;
  if (v->type != JSON_NUMBER || v->number != (double)(uint32_t)v->number || v->number < lo || v->number > hi) {
    snprintf(err, errlen, "profile: %s.%s must be an integer from %u to %u", where, key, lo, hi);
    return -1;
  }
  *out = (uint32_t)v->number;
  return 1;
}

static int parse_law(const char *s, uint32_t *law) {
  if (strcmp(s, "alaw") == 0) *law = SIPT_LAW_ALAW;
  else if (strcmp(s, "ulaw") == 0) *law = SIPT_LAW_ULAW;
  else return -1;
  return 0;
}

static int alloc_units(struct sipt_card *c, uint32_t nspans, uint32_t nports) {
  c->nspans = nspans;
  c->nports = nports;
  c->spans = calloc(nspans ? nspans : 1, sizeof *c->spans);
  c->ports = calloc(nports ? nports : 1, sizeof *c->ports);
  if (c->spans == NULL || c->ports == NULL) return SIPT_CARD_ENOMEM;
  return SIPT_CARD_OK;
}

static void init_span(sim_span_t *s, uint32_t num, uint32_t type, const char *name) {
  s->num = num;
  s->type = type;
  s->nslots = type == SIPT_SPAN_E1 ? SIPT_CARD_E1_TIMESLOTS : SIPT_CARD_T1_TIMESLOTS;
  if (name) snprintf(s->name, sizeof s->name, "%s", name);
  else snprintf(s->name, sizeof s->name, "%s-%u", type == SIPT_SPAN_E1 ? "E1" : "T1", num);
}

static void init_port(sim_port_t *p, uint32_t num, uint32_t kind, uint32_t law, const char *name) {
  p->num = num;
  p->kind = kind;
  p->law = law;
  p->debounce_ms = DEFAULT_DEBOUNCE_MS;
  p->flash_max_ms = DEFAULT_FLASH_MAX_MS;
  p->loop_ma_cfg = DEFAULT_LOOP_MA;
  p->battery = kind == SIPT_PORT_FXS; /* FXS feeds battery from the start; FXO waits for the line */
  if (name) snprintf(p->name, sizeof p->name, "%s", name);
  else snprintf(p->name, sizeof p->name, "%s-%u", kind == SIPT_PORT_FXS ? "FXS" : "FXO", num);
}

int sim_load_profile(struct sipt_card *c, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "profile: cannot open %s: %s", path, strerror(errno));
    return SIPT_CARD_EPROFILE;
  }
  char *text = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (cap - len < 4096) {
      if (cap >= (1u << 20)) {
        fclose(f);
        free(text);
        snprintf(err, errlen, "profile: %s is larger than 1 MiB", path);
        return SIPT_CARD_EPROFILE;
      }
      char *n = realloc(text, cap + 8192);
      if (n == NULL) {
        fclose(f);
        free(text);
        return SIPT_CARD_ENOMEM;
      }
      text = n;
      cap += 8192;
    }
    size_t r = fread(text + len, 1, cap - len, f);
    len += r;
    if (r == 0) break;
  }
  fclose(f);
  json_value_t *root = NULL;
  json_doc_t *doc = json_parse(text, len, &root, err, errlen);
  free(text);
  if (doc == NULL) return SIPT_CARD_EPROFILE;

  int rc = SIPT_CARD_EPROFILE;
  static const char *const top_keys[] = {"model", "description", "law", "spans", "ports", NULL};
  static const char *const span_keys[] = {"type", "name", NULL};
  static const char *const port_keys[] = {"kind", "name", "law", "loopCurrentMa", "hookDebounceMs", "flashMaxMs", NULL};
  const char *model = NULL, *s = NULL;
  uint32_t law = SIPT_LAW_ALAW;
  if (root->type != JSON_OBJECT) {
    snprintf(err, errlen, "profile: the document must be an object");
    goto out;
  }
  if (only_keys(root, top_keys, "the profile", err, errlen) != 0) goto out;
  int gm = get_string(root, "model", &model, "profile", err, errlen);
  if (gm != 1) {
    if (gm == 0) snprintf(err, errlen, "profile: \"model\" (a string) is required");
    goto out;
  }
  int g = get_string(root, "law", &s, "profile", err, errlen);
  if (g < 0) goto out;
  if (g == 1 && parse_law(s, &law) != 0) {
    snprintf(err, errlen, "profile: law must be \"alaw\" or \"ulaw\"");
    goto out;
  }
  const json_value_t *spans = json_get(root, "spans");
  const json_value_t *ports = json_get(root, "ports");
  if ((spans && spans->type != JSON_ARRAY) || (ports && ports->type != JSON_ARRAY)) {
    snprintf(err, errlen, "profile: spans and ports must be arrays");
    goto out;
  }
  size_t ns = spans ? spans->count : 0, np = ports ? ports->count : 0;
  if (ns > SIPT_CARD_MAX_SPANS || np > SIPT_CARD_MAX_PORTS || ns + np == 0) {
    snprintf(err, errlen, "profile: needs 1..%u spans and/or 1..%u ports (has %zu spans, %zu ports)",
             SIPT_CARD_MAX_SPANS, SIPT_CARD_MAX_PORTS, ns, np);
    goto out;
  }
  if ((rc = alloc_units(c, (uint32_t)ns, (uint32_t)np)) != SIPT_CARD_OK) goto out;
  rc = SIPT_CARD_EPROFILE;
  snprintf(c->model, sizeof c->model, "%s", model);
  for (size_t i = 0; i < ns; i++) {
    const json_value_t *o = spans->items[i];
    char where[32];
    snprintf(where, sizeof where, "spans[%zu]", i);
    const char *type = NULL, *name = NULL;
    if (o->type != JSON_OBJECT) {
      snprintf(err, errlen, "profile: %s must be an object", where);
      goto out;
    }
    if (only_keys(o, span_keys, where, err, errlen) != 0) goto out;
    if (get_string(o, "type", &type, where, err, errlen) != 1 ||
        (strcmp(type, "E1") != 0 && strcmp(type, "T1") != 0)) {
      snprintf(err, errlen, "profile: %s.type must be \"E1\" or \"T1\"", where);
      goto out;
    }
    if (get_string(o, "name", &name, where, err, errlen) < 0) goto out;
    init_span(&c->spans[i], (uint32_t)i + 1, strcmp(type, "E1") == 0 ? SIPT_SPAN_E1 : SIPT_SPAN_T1, name);
  }
  for (size_t i = 0; i < np; i++) {
    const json_value_t *o = ports->items[i];
    char where[32];
    snprintf(where, sizeof where, "ports[%zu]", i);
    const char *kind = NULL, *name = NULL, *pl = NULL;
    uint32_t plaw = law;
    if (o->type != JSON_OBJECT) {
      snprintf(err, errlen, "profile: %s must be an object", where);
      goto out;
    }
    if (only_keys(o, port_keys, where, err, errlen) != 0) goto out;
    if (get_string(o, "kind", &kind, where, err, errlen) != 1 ||
        (strcmp(kind, "FXS") != 0 && strcmp(kind, "FXO") != 0)) {
      snprintf(err, errlen, "profile: %s.kind must be \"FXS\" or \"FXO\"", where);
      goto out;
    }
    if (get_string(o, "name", &name, where, err, errlen) < 0) goto out;
    g = get_string(o, "law", &pl, where, err, errlen);
    if (g < 0) goto out;
    if (g == 1 && parse_law(pl, &plaw) != 0) {
      snprintf(err, errlen, "profile: %s.law must be \"alaw\" or \"ulaw\"", where);
      goto out;
    }
    sim_port_t *p = &c->ports[i];
    init_port(p, (uint32_t)i + 1, strcmp(kind, "FXS") == 0 ? SIPT_PORT_FXS : SIPT_PORT_FXO, plaw, name);
    if (get_uint(o, "loopCurrentMa", &p->loop_ma_cfg, 10, 60, where, err, errlen) < 0) goto out;
    if (get_uint(o, "hookDebounceMs", &p->debounce_ms, 5, 200, where, err, errlen) < 0) goto out;
    if (get_uint(o, "flashMaxMs", &p->flash_max_ms, 100, 2000, where, err, errlen) < 0) goto out;
    if (p->debounce_ms >= p->flash_max_ms) {
      snprintf(err, errlen, "profile: %s.hookDebounceMs must be below flashMaxMs", where);
      goto out;
    }
  }
  rc = SIPT_CARD_OK;
out:
  json_free(doc);
  return rc;
}

/* spans="E1,E1,T1", ports="FXS,FXO" (either may be NULL or empty). */
int sim_inline_profile(struct sipt_card *c, const char *spans, const char *ports, uint32_t law) {
  const char *lists[2] = {spans ? spans : "", ports ? ports : ""};
  uint32_t counts[2] = {0, 0};
  uint32_t kinds[2][SIPT_CARD_MAX_PORTS];
  for (int k = 0; k < 2; k++) {
    const char *q = lists[k];
    while (*q) {
      const char *e = strchr(q, ',');
      size_t n = e ? (size_t)(e - q) : strlen(q);
      uint32_t kind;
      if (k == 0 && n == 2 && strncmp(q, "E1", 2) == 0) kind = SIPT_SPAN_E1;
      else if (k == 0 && n == 2 && strncmp(q, "T1", 2) == 0) kind = SIPT_SPAN_T1;
      else if (k == 1 && n == 3 && strncmp(q, "FXS", 3) == 0) kind = SIPT_PORT_FXS;
      else if (k == 1 && n == 3 && strncmp(q, "FXO", 3) == 0) kind = SIPT_PORT_FXO;
      else return SIPT_CARD_EINVAL;
      uint32_t max = k == 0 ? SIPT_CARD_MAX_SPANS : SIPT_CARD_MAX_PORTS;
      if (counts[k] >= max) return SIPT_CARD_EINVAL;
      kinds[k][counts[k]++] = kind;
      q += n;
      if (*q == ',') {
        q++;
        if (*q == '\0') return SIPT_CARD_EINVAL;
      }
    }
  }
  if (counts[0] + counts[1] == 0) return SIPT_CARD_EINVAL;
  int rc = alloc_units(c, counts[0], counts[1]);
  if (rc != SIPT_CARD_OK) return rc;
  snprintf(c->model, sizeof c->model, "inline");
  for (uint32_t i = 0; i < counts[0]; i++) init_span(&c->spans[i], i + 1, kinds[0][i], NULL);
  for (uint32_t i = 0; i < counts[1]; i++) init_port(&c->ports[i], i + 1, kinds[1][i], law, NULL);
  return SIPT_CARD_OK;
}
