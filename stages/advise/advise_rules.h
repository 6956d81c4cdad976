/*
 * advise_rules.h -- the rules of config/advice.xml in memory (internal to
 * the advise stage; advise.h is the public entry point).
 *
 * advise_rules_load() parses and validates the file against its schema and
 * checks what the schema cannot (a threshold's limit, the placeholders of
 * each text); advise_rules_free() releases everything it allocated.
 */
#ifndef HR_ADVISE_RULES_H
#define HR_ADVISE_RULES_H

#include "pipeline/core/error.h"

typedef enum advise_rule_type {
    ADVISE_BAND,
    ADVISE_THRESHOLD,
    ADVISE_MOVERS,
    ADVISE_CONTRIBUTORS
} advise_rule_type;

enum { ADVISE_SCOPE_HOSPITAL = 1, ADVISE_SCOPE_DEPARTMENTS = 2 };
enum { ADVISE_FINDING = 0, ADVISE_SUGGESTION = 1 };

typedef struct advise_sentence {
    int present;
    char severity[16]; /* info | warning | alert */
    char *zh, *en;     /* owned; white space runs collapsed to one space */
} advise_sentence;

typedef struct advise_rule {
    advise_rule_type type;
    char id[64];
    char indicator[96];  /* an indicator id, or "*" */
    int scopes;          /* ADVISE_SCOPE_* bits */
    int side_high, side_low; /* band: which sides; threshold: from above/below */
    int has_above, has_below;
    double above, below; /* threshold limits */
    int trigger_any;     /* fire for the hospital when any department is beyond */
    int mom;             /* movers/contributors: 1 mom, 0 yoy */
    int improvement;     /* movers: 1 improvements, 0 deteriorations */
    int count;           /* departments or movers listed */
    int indicators;      /* contributors with "*": indicators listed */
    double min_change;   /* relative change in %, absolute value */
    char categories[64]; /* space-separated department categories */
    char exclude[256];   /* space-separated ids, a trailing '*' = prefix */
    advise_sentence out[2]; /* ADVISE_FINDING, ADVISE_SUGGESTION */
} advise_rule;

typedef struct advise_rules {
    advise_rule *rules;
    int count;
} advise_rules;

int advise_rules_load(const char *path, const char *schema_path, advise_rules *out,
                      hr_error *err);
void advise_rules_free(advise_rules *r);

/* Whether `indicator` matches the rule's indicator and is not excluded. */
int advise_rule_matches(const advise_rule *r, const char *indicator);

#endif
