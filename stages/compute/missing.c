/*
 * missing.c -- what absent sources cost (compute.h,
 * compute_undefined_by_sources): the indicators of the catalogue that a
 * month without those sources cannot have, read from the measure sets'
 * `sources`, the aliases and the indicators' expressions.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
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

/* The month's authority source for an alias's fact, or its default. */
static int alias_source(sqlite3 *db, const char *month, const ind_alias *a, char *out, size_t size,
                        hr_error *err)
{
    snprintf(out, size, "%s", a->default_source);
    sqlite3_stmt *st = db_prepare(db, "SELECT source FROM authority WHERE period = ? AND fact = ?",
                                  err);
    if (!st)
        return err->code;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->fact, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
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
    uint64_t *need = calloc((size_t)cat.nmeasures + 1, sizeof *need);
    if (!need)
        abort();
    for (int m = 0; m < cat.nmeasures; m++) {
        if (cat.measure_set[m] < 0)
            continue;
        const ind_measure_set *s = &cat.sets[cat.measure_set[m]];
        for (int i = 0; i < s->nsources; i++) {
            int k = absent_index(absent, nabsent, s->sources[i]);
            if (k >= 0)
                need[m] |= (uint64_t)1 << k;
        }
    }
    int rc = HR_OK;
    for (int a = 0; a < cat.naliases && rc == HR_OK; a++) {
        const ind_alias *al = &cat.aliases[a];
        char source[64];
        if ((rc = alias_source(db, month, al, source, sizeof source, err)))
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
        *out = realloc(*out, (size_t)(*n + 1) * sizeof **out);
        if (!*out)
            abort();
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
