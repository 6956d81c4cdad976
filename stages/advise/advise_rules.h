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
    ADVISE_CONTRIBUTORS,
    ADVISE_EVENTS,     /* <department_events> */
    ADVISE_FACTORS,    /* <factors>: amount = volume x price, 连环替代法 */
    ADVISE_STATEMENT,  /* <statement>: balance = revenue - cost, by line */
    ADVISE_DEFICIT,    /* <deficit> */
    ADVISE_IDLE,       /* <idle_equipment> */
    ADVISE_PERSISTENT, /* <persistent>: outside the band N months running */
    ADVISE_BREAKS,     /* <breaks>: comparisons that are not like-for-like */
    ADVISE_DRG,        /* <drg_groups>: DRG groups costing far above benchmark or payment */
    ADVISE_OVERVIEW,   /* <overview> */
    ADVISE_NTYPES
} advise_rule_type;

enum { ADVISE_SCOPE_HOSPITAL = 1, ADVISE_SCOPE_DEPARTMENTS = 2 };

/* The texts a rule may carry (advise_rule.out). */
enum {
    ADVISE_FINDING,
    ADVISE_SUGGESTION,
    ADVISE_HEADLINE, /* a short phrase the overview quotes */
    ADVISE_SEASONAL, /* movers: the finding when the move is seasonal */
    ADVISE_OFFSETS,  /* contributors: the clause naming the offsets */
    ADVISE_WATCH,    /* a deterioration without a suggestion: 持续观察 */
    ADVISE_MISSING,  /* breaks: a source missing in the base period */
    ADVISE_BROAD,    /* contributors: no few departments cover `cover` % of the change */
    ADVISE_NTEXTS
};
/* The overview's texts, in the same slots. */
enum { ADVISE_OV_SUMMARY, ADVISE_OV_ATTENTION, ADVISE_OV_DECISION, ADVISE_OV_CALM };

typedef struct advise_sentence {
    int present;
    char severity[16]; /* info | warning | alert */
    char *zh, *en;     /* owned; white space runs collapsed to one space */
} advise_sentence;

#define ADVISE_MAX_PARTS 8

typedef struct advise_part { /* a factors rule's amount = volume x price */
    char ratio[96], volume[96];
    char zh[64], en[96];
} advise_part;

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
    int any_direction;   /* department_events: which="any" */
    int count;           /* departments or movers listed */
    int offsets;         /* contributors: offsetting departments named */
    double cover;        /* contributors: % of the drivers' total the named ones must make */
    int indicators;      /* contributors with "*": indicators listed */
    int months;          /* persistent: months running */
    int turned;          /* deficit: only a turn from surplus to deficit */
    double min_change;   /* relative change in %, absolute value */
    double min_share;    /* department_events: % of the hospital's base */
    double min_loss;     /* deficit: the loss as % of the scope's medical revenue, at least */
    double max_utilization, min_idle_rate; /* idle_equipment */
    int drg_payment;     /* drg_groups: basis="payment" (else the benchmark) */
    int drg_unpaid;      /* drg_groups: groups="unpaid": only groups without a payment */
    double line_gap;     /* drg_groups: pp a fee share must exceed the average by */
    int drg_cause;       /* drg_groups: 0 any, 1 los, 2 spending */
    int deficit_cause;   /* deficit: 0 any, 1 cost (a cost line grew), 2 revenue (none did) */
    int min_stays;       /* drg_groups: fewer stays never fire */
    double min_ratio, los_ratio; /* drg_groups */
    int has_weight;
    double weight;       /* priority weight overriding the dimension's */
    char categories[64]; /* space-separated department categories */
    char exclude[256];   /* space-separated ids, a trailing '*' = prefix */
    char list[512];      /* department_events: indicator ids; overview: KPIs */
    char workload[192];  /* deficit: indicators the personnel cost is set against */
    char replaces[256];  /* rule ids whose findings on the same indicator this one drops */
    char when[256];      /* conditions on the scope (advise_rules_when_ok checks the syntax) */
    int nparts;
    advise_part parts[ADVISE_MAX_PARTS];
    advise_sentence out[ADVISE_NTEXTS];
} advise_rule;

/* The connectors the sentences are built with (<word id="..." zh=".."
 * en=".."/> in <settings>): lists, clauses, the wording of a share. A
 * translator changes them in advice.xml; the defaults (advise_rules.c)
 * are the shipped file's. {n} is a count, {times} a multiple. */
enum {
    WORD_LIST,         /* 、 / ", " */
    WORD_LIST_LAST,    /* 及 / " and " */
    WORD_JOIN,         /* ； / "; " (headlines quoted in the overview) */
    WORD_OTHERS,       /* 其他 {n} 个科室 */
    WORD_MORE,         /* 等 {n} 个科室 / " and {n} more" */
    WORD_SHARE,        /* ，占  / ", " (before a driver's share) */
    WORD_USUAL,        /* ，为通常波动的 {times} 倍 */
    WORD_SIDE_REVENUE_FELL,
    WORD_SIDE_REVENUE_ROSE,
    WORD_SIDE_COST_ROSE,
    WORD_SIDE_COST_FELL,
    WORD_SAME_MONTH,   /* 去年同月 */
    WORD_SAME_QUARTER, /* 去年同季度 */
    WORD_LINES_AVG,    /* drg_groups: 全院住院病例 (what a group's fee shares compare with) */
    WORD_LINES_NONE,   /* drg_groups: no fee share above that average */
    WORD_DRUGS,        /* drg_groups: the fee lines' names */
    WORD_MATERIALS,
    WORD_EXAMS,
    ADVISE_NWORDS
};

extern const char *const advise_word_ids[ADVISE_NWORDS];

#define ADVISE_MAX_BASES 64
/* min_ratio_base when <settings> does not say: a ratio over fewer than 30
 * cases (stays, operations, visits) says nothing about a change */
#define ADVISE_MIN_RATIO_BASE 30

typedef struct advise_settings {
    int max_findings, max_suggestions; /* per scope; 0 = no cap */
    int history_months, min_history;
    int history_quarters, min_history_quarters; /* quarterly reports, from the months */
    double significance;   /* x the usual month-to-month variation; 0 = off */
    double seasonal_ratio; /* last year's move >= this x this year's: seasonal; 0 = off */
    double min_count_base; /* count flows: max(|base|, |value|) below it: no relative change */
    double min_ratio_base; /* ratios without a <min_base>: the smaller denominator below it */
    int nbases;
    struct {
        char indicator[96];
        double min;
        int of; /* 0 the value (flows) or denominator (ratios), 1 the numerator */
    } bases[ADVISE_MAX_BASES];
    char dimensions[256];  /* priority order, highest first */
    char device_indicators[256]; /* breaks: indicators a new/retired device affects */
    double new_dept_share; /* breaks: a new department's share of a hospital change */
    int nsaid;             /* <said_once>: indicators whose equal changes are said once */
    char said_once[8][192];
    char words[ADVISE_NWORDS][2][128]; /* [id][0 zh, 1 en] */
} advise_settings;

typedef struct advise_rules {
    advise_rule *rules;
    int count;
    advise_settings set;
} advise_rules;

int advise_rules_load(const char *path, const char *schema_path, advise_rules *out,
                      hr_error *err);
void advise_rules_free(advise_rules *r);

/* Whether `indicator` matches the rule's indicator and is not excluded. */
int advise_rule_matches(const advise_rule *r, const char *indicator);

/* Whether the space-separated `list` holds `word`. */
int advise_list_has(const char *list, const char *word);

#endif
