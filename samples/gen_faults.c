/*
** gen_faults.c - the known problems --faults injects into the last two
** months (README.md): which rows and values to spoil, marked in the Month
** for the writers, which list each in faults.csv.
*/
#include "samples/model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------- faults */

const char *const F_NAMES[] = {"", "duplicate_key", "bad_date", "unknown_dept",
                               "out_of_period", "fee_sum"};

static void top_depts(const Month *mo, int *top, int n)
{
    for (int k = 0; k < n; k++) {
        top[k] = -1;
        for (int i = 0; i < NDEPT; i++) {
            int taken = 0;
            for (int q = 0; q < k; q++) taken |= top[q] == i;
            if (!taken && mo->a[i].opv > 0 && (top[k] < 0 || mo->a[i].tot > mo->a[top[k]].tot))
                top[k] = i;
        }
    }
}

static int in_top(const int *top, int n, int i)
{
    for (int k = 0; k < n; k++)
        if (top[k] == i) return 1;
    return 0;
}

/* Marks one outpatient row with kind; affected fees stay < 0.2 % of the
   department's HIS total so that no reconciliation tolerance is crossed. */
static void pick_visit(Month *mo, Rng *r, int kind, const int *top, long long *used)
{
    if (mo->nv < 100) return;
    for (int t = 0; t < 20000; t++) {
        long row = (long)(rng_unif(r) * (double)mo->nv);
        Visit *v = &mo->v[row];
        Agg *a = &mo->a[v->dept];
        if (v->fault || !in_top(top, 5, v->dept) || v->total > 30000) continue;
        if ((used[v->dept] + v->total) * 500 > a->tot) continue;
        if (kind == F_DUP) {
            if (row < 1 || mo->ndup >= 16) continue;
            long lim = row < 50 ? row : 50;
            long src = row - 1 - (long)(rng_unif(r) * (double)lim);
            if (mo->v[src].fault) continue;
            mo->v[src].fault = F_SRC;
            mo->dupsrc[mo->ndup] = src;
            mo->duprow[mo->ndup++] = row;
        }
        v->fault = (uint8_t)kind;
        used[v->dept] += v->total;
        return;
    }
}

static int pick_stay(Month *mo, Rng *r)
{
    for (int t = 0; t < 1000 && mo->nip > 0; t++) {
        int k = mo->ip[rng_below(r, (int)mo->nip)];
        if (mo->s[k].mrf == MR_NONE) return k;
    }
    return -1;
}

static int bedded_other(const Month *mo, Rng *r, int not)
{
    for (int t = 0; t < 1000; t++) {
        int i = rng_below(r, NDEPT);
        if (i != not && mo->a[i].exists && mo->a[i].beds > 0) return i;
    }
    return -1;
}

static void plan_stay_faults(Month *mo, Rng *r)
{
    int k = pick_stay(mo, r);
    if (k >= 0) mo->s[k].mrf = MR_MISSING;
    k = pick_stay(mo, r);
    int nd = k >= 0 ? bedded_other(mo, r, mo->s[k].dept) : -1;
    if (nd >= 0) {
        mo->s[k].mrf = MR_DEPT;
        mo->s[k].pad = (uint8_t)nd;
    }
    k = pick_stay(mo, r);
    if (k >= 0) mo->s[k].mrf = MR_DATE;
    int d = bedded_other(mo, r, -1);
    if (d >= 0) {
        memset(&mo->mrx, 0, sizeof mo->mrx);
        mo->mrx.dept = (uint8_t)d;
        mo->mrx.disch = mo->d0 + rng_below(r, mo->nd);
        mo->mrx.admit = mo->mrx.disch - 1 - rng_below(r, 6);
        mo->mrx.seq = (uint16_t)(9900 + rng_below(r, 99));
        mo->mrx_after = rng_below(r, (int)mo->nip + 1);
    }
    int n = 1 + rng_below(r, 2);
    for (int t = 0; t < 5000 && n > 0 && mo->nsr > 0; t++) {
        SurgRow *sr = &mo->sr[rng_below(r, (int)mo->nsr)];
        const Stay *s = &mo->s[sr->stay];
        if (sr->fault || s->mrf || s->admit <= mo->d0 || s->disch >= mo->d0 + mo->nd) continue;
        sr->fault = 1;
        n--;
    }
}

void plan_faults(const Model *M, Month *mo, int last)
{
    Rng r;
    rng_init(&r, hkey(M->o.seed, T_FAULT, (uint64_t)mo->ym, 0));
    mo->faulty = 1;
    mo->last = last;
    mo->gbdept = last && !M->o.zh;
    int top[5];
    long long used[MAXD] = {0};
    top_depts(mo, top, 5);
    for (int kind = F_DUP; kind <= F_FEESUM; kind++) {
        int n = 1 + rng_below(&r, 2);
        for (int c = 0; c < n; c++) pick_visit(mo, &r, kind, top, used);
    }
    plan_stay_faults(mo, &r);
    for (int t = 0; t < 1000; t++) {
        int i = rng_below(&r, NDEPT);
        if (!mo->a[i].exists || mo->a[i].beds == 0 || mo->a[i].dis < 5) continue;
        mo->cen_dept = i;
        mo->cen_day = rng_below(&r, mo->nd);
        mo->cen_delta = mo->a[i].dis / 100 + 3;
        break;
    }
    for (int t = 0; t < 1000; t++) {
        int i = rng_below(&r, NDEPT);
        const Agg *a = &mo->a[i];
        if (a->tot <= 0 || in_top(top, 5, i) || a->rev[3] <= 0) continue;
        double f = 0.012 + 0.018 * rng_unif(&r);
        if (rng_unif(&r) < .4 && (double)a->rev[3] > f * (double)a->tot) f = -f;
        mo->rev_dept = i;
        mo->rev_delta = (long long)((double)a->tot * f);
        break;
    }
}
