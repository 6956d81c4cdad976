/*
 * missing.c -- what absent sources cost (compute.h,
 * compute_undefined_by_sources): the indicators of the catalogue that a
 * month without those sources cannot have, read from the measure sets'
 * `sources`, the optional sources a measure `needs` (the time and cost
 * indices without drg_benchmark.csv), the aliases and the indicators'
 * expressions.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/xalloc.h"
#include "stages/compute/compute.h"
#include "stages/compute/compute_internal.h"

static uint64_t expr_needs(const uint64_t *need, const ind_expr *e)
{
    uint64_t m = 0;
    for (int i = 0; i < e->n; i++)
        m |= need[e->measure[i]];
    return m;
}

static uint64_t term_needs(const uint64_t *need, const ind_term *t)
{
    if (!t->present)
        return 0;
    return expr_needs(need, &t->expr) | (t->has_hospital ? expr_needs(need, &t->hospital) : 0);
}

static int absent_index(const char *const *absent, int nabsent, const char *source)
{
    for (int i = 0; i < nabsent; i++)
        if (strcmp(absent[i], source) == 0)
            return i;
    return -1;
}

/* Is an optional source the set reads as of the month (any_period) there
 * anyway, from an earlier month's file? 1, 0, or -1 on error. */
static int earlier_file(sqlite3 *db, const char *month, const ind_measure_set *s,
                        const char *source, hr_error *err)
{
    int as_of = 0;
    for (int a = 0; a < s->nany_period; a++)
        as_of |= strcmp(s->any_period[a], source) == 0;
    if (!as_of)
        return 0;
    int64_t n = 0;
    if (db_query_int(db, &n, err,
                     "SELECT count(*) FROM source_file WHERE current = 1 AND source = ?"
                     " AND period < ?",
                     source, month, NULL) < 0)
        return -1;
    return n > 0;
}

/* Adds to *need the absent optional sources measure m cannot do without
 * (its `needs`), but for one read as of the month that an earlier month
 * still provides. */
static int optional_needs(sqlite3 *db, const char *month, const ind_catalogue *cat, int m,
                          const char *const *absent, int nabsent, uint64_t *need, hr_error *err)
{
    const char *p = cat->measure_needs[m];
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        size_t len = strcspn(p, " \t\n");
        char source[64];
        snprintf(source, sizeof source, "%.*s", (int)len, p);
        p += len;
        int k = len ? absent_index(absent, nabsent, source) : -1;
        if (k < 0)
            continue;
        int earlier = earlier_file(db, month, &cat->sets[cat->measure_set[m]], source, err);
        if (earlier < 0)
            return err->code;
        if (!earlier)
            *need |= (uint64_t)1 << k;
    }
    return HR_OK;
}

int compute_undefined_by_sources(sqlite3 *db, const char *month, const char *const *absent,
                                 int nabsent, compute_undefined **out, int *n, hr_error *err)
{
    *out = NULL;
    *n = 0;
    if (nabsent <= 0)
        return HR_OK;
    if (nabsent > 64)
        nabsent = 64;
    ind_catalogue cat;
    if (ind_catalogue_load_default(&cat, err))
        return err->code;
    uint64_t *need = xcalloc((size_t)cat.nmeasures + 1, sizeof *need);
    int rc = HR_OK;
    for (int m = 0; m < cat.nmeasures && rc == HR_OK; m++) {
        if (cat.measure_set[m] < 0)
            continue;
        const ind_measure_set *s = &cat.sets[cat.measure_set[m]];
        for (int i = 0; i < s->nsources; i++) {
            int k = absent_index(absent, nabsent, s->sources[i]);
            if (k >= 0)
                need[m] |= (uint64_t)1 << k;
        }
        rc = optional_needs(db, month, &cat, m, absent, nabsent, &need[m], err);
    }
    for (int a = 0; a < cat.naliases && rc == HR_OK; a++) {
        const ind_alias *al = &cat.aliases[a];
        char source[64];
        if ((rc = ind_authority_source(db, month, al, source, sizeof source, err)))
            break;
        for (int u = 0; u < al->nuses; u++)
            if (strcmp(al->uses[u].source, source) == 0)
                need[al->measure] |= expr_needs(need, &al->uses[u].expr);
    }
    int budget = absent_index(absent, nabsent, "budget");
    for (int i = 0; i < cat.nind && rc == HR_OK; i++) {
        const ind_indicator *ind = &cat.ind[i];
        uint64_t m = term_needs(need, &ind->num) | term_needs(need, &ind->den);
        if (ind->is_budget && budget >= 0)
            m |= (uint64_t)1 << budget;
        if (!m)
            continue;
        *out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
        compute_undefined *u = &(*out)[(*n)++];
        memset(u, 0, sizeof *u);
        snprintf(u->id, sizeof u->id, "%s", ind->id);
        snprintf(u->name_zh, sizeof u->name_zh, "%s", ind->name_zh ? ind->name_zh : ind->id);
        snprintf(u->name_en, sizeof u->name_en, "%s", ind->name_en ? ind->name_en : ind->id);
        size_t len = 0;
        for (int k = 0; k < nabsent; k++)
            if (m & ((uint64_t)1 << k) && len + strlen(absent[k]) + 2 < sizeof u->sources)
                len += (size_t)snprintf(u->sources + len, sizeof u->sources - len, "%s%s",
                                        len ? " " : "", absent[k]);
    }
    free(need);
    ind_catalogue_free(&cat);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
