/*
 * smallcount.h -- the small-count rule (spec INDICATORS.md "Small
 * counts"), as config/hospital.xml sets it:
 *
 *   <small-counts threshold="5" indicators="mortality_rate ... complaints"/>
 *
 * On a department scope (any scope but "hospital"), a covered indicator
 * whose numerator is a count in 1 .. k-1 is hidden: its count prints as
 * "<k", a ratio over it as "—", and neither its changes nor its bases are
 * shown. One reading of the file for every stage that prints (render's
 * view over indicator_value, advise's sentences), so there is one
 * threshold and one default list.
 */
#ifndef HR_SMALLCOUNT_H
#define HR_SMALLCOUNT_H

#include <libxml/tree.h>

#include "pipeline/core/error.h"

/* The indicators covered when the element names none. */
#define SMALL_COUNTS_DEFAULT "mortality_rate low_risk_mortality complaints"

typedef struct small_counts {
    int k;           /* 0: the rule is off (no element) */
    char list[1024]; /* covered indicator ids, space-separated */
} small_counts;

/* From the <small-counts> element `n` (NULL: off). */
void small_counts_from_node(xmlNode *n, small_counts *out);

/* From config/hospital.xml of the data folder, checked against
 * config/schema/hospital.xsd; off (k = 0) when the file has no element.
 * HR_EFAIL with file and line when the file breaks its schema. */
int small_counts_load(small_counts *out, hr_error *err);

/* 1 when `indicator` is on the list. */
int small_counts_covers(const small_counts *s, const char *indicator);

/* 1 when the value of (scope, indicator) with numerator `num` (has_num: it
 * has one) is hidden by the rule. */
int small_counts_hidden(const small_counts *s, const char *scope, const char *indicator,
                        int has_num, double num);

#endif
