/*
 * advise.h -- the advise stage: key findings and improvement suggestions,
 * in Chinese and English, written from compute's results by the rules in
 * config/advice.xml (schema config/schema/advice.xsd), which a hospital
 * edits without recompiling.
 *
 * Runs after compute_period() for the same period and before render. Reads
 * indicator (the catalogue: names, units, direction, warning bands),
 * indicator_value, contribution and dept (names, categories); writes table
 * advice (migration 061_advice.sql), replacing the period's rows in one
 * transaction. A report template prints, for its period and scope:
 *
 *   SELECT text_zh, text_en, severity FROM advice
 *    WHERE period = ? AND scope = ? AND kind = 'finding'      -- or 'suggestion'
 *    ORDER BY sort_order
 *
 * The small-count rule of config/hospital.xml (smallcount.h) holds in the
 * texts as in render's tables: nothing is said about a department's hidden
 * value; a hidden base, another indicator's hidden value or a hidden
 * department in a list prints "<k" (a count) or "—" (a ratio); a hidden
 * department's part of a change prints "—".
 *
 * Numbers in the texts are formatted as people read them: thousands
 * separators, 1 decimal for % (2 for money), changes of % indicators in
 * 百分点 / pp, and "—" for an undefined value.
 */
#ifndef HR_ADVISE_H
#define HR_ADVISE_H

#include <sqlite3.h>

#include "pipeline/core/error.h"

/* Evaluates config/advice.xml (found with paths_data_file) for every scope
 * of the period and stores the sentences. Returns 0, or an hr_code with err
 * set: HR_EFAIL naming the rules file, line and element for a rules file
 * that is unreadable, breaks the schema or uses an unknown placeholder; a
 * database error. */
int advise_period(sqlite3 *db, const char *period, hr_error *err);

/* The same with another rules file (tests, a hospital's trial rules). The
 * schema is still config/schema/advice.xsd of the data dir. */
int advise_period_rules(sqlite3 *db, const char *period, const char *rules_path,
                        hr_error *err);

/* Shares of `total` (in %, one decimal) of n parts, rounded so that they add
 * up to exactly 100.0 when the parts add up to total (largest remainders get
 * the rounding). */
void advise_shares(const double *parts, int n, double total, double *shares);

/* The factor analysis (因素分析, 连环替代法) of amount = volume x price from
 * (v0, p0) to (v1, p1), volume replaced first: volume effect (v1 - v0) x p0,
 * price effect v1 x (p1 - p0); they add up to v1 p1 - v0 p0. */
void advise_factors(double v0, double p0, double v1, double p1, double *volume_effect,
                    double *price_effect);

#endif
