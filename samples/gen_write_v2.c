/*
** gen_write_v2.c - the v2 sources of a month (国考, DRG): drg.csv grouped
** from the month's stays, drg_benchmark.csv, antibiotic.csv; streams of
** their own, so the v1 files stay as they were.
*/
#include "samples/model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------- v2 sources (国考, DRG) */

/* A DRG group is g = ADRG * 3 + severity (0: code ...1, with major
   complications; 1: ...3, with complications; 2: ...5, without).  Weights
   follow the owning department's mean fee (18,000 CNY = weight 1), so the
   surgical departments weigh more; the region's benchmark cost is the fee
   a stay of the group costs here times a regional factor (0.88-1.12), and
   the insurer pays weight x 17,640 CNY: groups whose factor is low, or
   whose ADRG weighs less than its fees, are paid below cost. */
static const double SEV_FEE[3] = {1.45, 1.10, 0.81}; /* fee of the severity / dept mean */
static const double SEV_LOS[3] = {1.90, 1.18, 0.70}; /* los of the severity / dept mean */
static const char *const SEV_ZH[3] = {"，伴严重并发症或合并症", "，伴一般并发症或合并症",
                                      "，不伴并发症或合并症"};
#define DRG_RATE_CENTS 1764000.0 /* payment per unit of weight */

static double dept_los_base(const DeptDef *d) { return d->los < 1.5 ? 1.0 : d->los; }

static double drg_weight(int g)
{
    const AdrgDef *a = &ADRGS[g / 3];
    const DeptDef *d = &DEPTS[dept_index(a->dept)];
    double w = clampd(d->ipfee / 18.0 * a->factor * SEV_FEE[g % 3], 0.3, 5.0);
    return floor(w * 10000 + 0.5) / 10000;
}

static void drg_code(char *b, int g) { sprintf(b, "%s%c", ADRGS[g / 3].stem, "135"[g % 3]); }

static void drg_name(char *b, size_t n, int g)
{
    snprintf(b, n, "%s%s", ADRGS[g / 3].name, SEV_ZH[g % 3]);
}

static int drg_low_risk(int g) { return ADRGS[g / 3].low_risk && g % 3 > 0; }

/* The group of a stay, or -1 when its department has none. */
static int stay_group(const Model *M, const Stay *s)
{
    Rng r;
    rng_init(&r, hkey(M->o.seed, T_DRG, (uint64_t)s->admit, ((uint64_t)s->dept << 16) | s->seq));
    rng_next(&r);
    int i = s->dept, a;
    int ops = s->nsurg > 0 && M->nadrg_s[i] > 0;
    if (ops || M->nadrg_m[i] == 0) {
        if (M->nadrg_s[i] == 0) return -1;
        a = M->adrg_s[i][rng_below(&r, M->nadrg_s[i])];
    } else {
        a = M->adrg_m[i][rng_below(&r, M->nadrg_m[i])];
    }
    double ratio = (s->disch - s->admit) / dept_los_base(&DEPTS[i]);
    int sev = ratio > 1.4 ? 0 : ratio > 1.0 ? 1 : 2;
    return a * 3 + sev;
}

/* 1 when the stay pays out of pocket (no payment under the group). */
static int stay_self_pay(const Model *M, const Stay *s)
{
    Rng r;
    rng_init(&r, hkey(M->o.seed, T_DRG, (uint64_t)s->admit, ((uint64_t)s->dept << 16) | s->seq));
    rng_next(&r);
    rng_next(&r);
    return rng_unif(&r) < 0.05;
}

static void drg_row(Csv *w, const Model *M, const Stay *s, int g)
{
    static const char *const EY[] = {"Y", "N"}, *const ZY[] = {"是", "否"};
    char id[32], code[8], name[200], num[32];
    stay_id(id, s);
    drg_code(code, g);
    drg_name(name, sizeof name, g);
    double wt = drg_weight(g);
    csv_text(w, id);
    csv_text(w, code);
    csv_text(w, name);
    snprintf(num, sizeof num, "%.4f", wt);
    csv_text(w, num);
    if (stay_self_pay(M, s)) csv_text(w, "");
    else csv_money(w, llround(wt * DRG_RATE_CENTS));
    csv_enum(w, drg_low_risk(g) ? 0 : 1, EY, ZY);
    csv_end(w);
}

static uint64_t stay_hash(const Model *M, const Stay *s)
{
    return hkey(M->o.seed, T_DRG, (uint64_t)s->admit, ((uint64_t)s->dept << 16) | s->seq);
}

static int cmp_u64(const void *a, const void *b, void *ctx)
{
    const uint64_t *h = ctx;
    uint64_t x = h[*(const long *)a], y = h[*(const long *)b];
    return (x > y) - (x < y);
}

/* The stays the grouper left out (未入组): per department, about 1.2 % of
   its discharges (0 or 1 in a small one), those with the smallest hash --
   never more than max(2, 3 %), the tolerance of reconcile.xml, so that
   clean data reconciles. ung[q] for mo->ip[q]. Caller frees. */
static char *ungrouped(const Model *M, const Month *mo)
{
    char *ung = xcalloc((size_t)mo->nip + 1, 1);
    uint64_t *h = xcalloc((size_t)mo->nip + 1, sizeof *h);
    long *idx = xcalloc((size_t)mo->nip + 1, sizeof *idx);
    for (long q = 0; q < mo->nip; q++) h[q] = stay_hash(M, &mo->s[mo->ip[q]]);
    for (int i = 0; i < NDEPT; i++) {
        long n = 0;
        for (long q = 0; q < mo->nip; q++)
            if (mo->s[mo->ip[q]].dept == i) idx[n++] = q;
        if (n == 0) continue;
        Rng r;
        rng_init(&r, hkey(M->o.seed, T_DRG, (uint64_t)i, (uint64_t)mo->ym));
        long k = (long)(n * 0.012 + rng_unif(&r));
        qsort_r(idx, (size_t)n, sizeof *idx, cmp_u64, h);
        for (long j = 0; j < k && j < n; j++) ung[idx[j]] = 1;
    }
    free(h);
    free(idx);
    return ung;
}

/* drg.csv; with --faults, one group whose benchmark write_drg_benchmark
   leaves out (*nobench, else -1) and, in the last month, one stay not
   discharged in the month, in the month before, one stay twice (another
   group on a later line): one quarantined row a month, so that even a
   small hospital's drg.csv stays within the quarantine limit. */
void write_drg(Out *o, int *nobench)
{
    static const char *const H[] = {"stay_id", "drg_code", "drg_name", "weight", "payment",
                                    "low_risk"};
    static const char *const Z[] = {"住院流水号", "DRG编码", "DRG名称", "权重", "支付标准",
                                    "低风险组标志"};
    const Month *mo = o->mo;
    const Model *M = o->M;
    int end = mo->d0 + mo->nd;
    long unknown_after = -1, dup_of = -1, dup_after = -1;
    int unknown = -1;
    *nobench = -1;
    char *ung = ungrouped(M, mo);
    if (mo->faulty && mo->nip > 10) {
        Rng r;
        rng_init(&r, hkey(M->o.seed, T_DRGF, (uint64_t)mo->ym, 0));
        for (int t = 0; t < 1000 && unknown < 0 && mo->last; t++) { /* admitted, not yet discharged */
            int k = rng_below(&r, (int)mo->ns);
            if (mo->s[k].disch >= end && mo->s[k].admit < end && stay_group(M, &mo->s[k]) >= 0)
                unknown = k;
        }
        unknown_after = rng_below(&r, (int)mo->nip);
        for (int t = 0; t < 1000 && dup_of < 0 && !mo->last; t++) {
            long q = rng_below(&r, (int)mo->nip - 1);
            if (!ung[q] && stay_group(M, &mo->s[mo->ip[q]]) >= 0) dup_of = q;
        }
        if (dup_of >= 0) dup_after = dup_of + 1 + rng_below(&r, (int)(mo->nip - dup_of - 1));
        for (int t = 0; t < 1000 && *nobench < 0; t++) {
            long q = rng_below(&r, (int)mo->nip);
            int g = stay_group(M, &mo->s[mo->ip[q]]);
            if (g >= 0 && !ung[q]) *nobench = g;
        }
    }
    Csv w;
    char id[32], d[160], code[8];
    open_csv(&w, o, "drg.csv", 0);
    csv_header(&w, H, Z, 6);
    long nobench_stays = 0;
    for (long q = 0; q < mo->nip; q++) {
        const Stay *s = &mo->s[mo->ip[q]];
        int g = ung[q] ? -1 : stay_group(M, s);
        if (g >= 0) {
            drg_row(&w, M, s, g);
            if (g == *nobench) nobench_stays++;
        }
        if (q == unknown_after && unknown >= 0) {
            const Stay *u = &mo->s[unknown];
            stay_id(id, u);
            char dd[16], det[160];
            fmt_date(dd, u->disch, 0);
            snprintf(det, sizeof det, "stay in drg.csv not discharged in the month (discharged %s)", dd);
            flog(o, "drg.csv", line_no(&w), "stay_id", "drg_unknown_stay", id, det);
            drg_row(&w, M, u, stay_group(M, u));
        }
        if (q == dup_after && dup_of >= 0) {
            const Stay *u = &mo->s[mo->ip[dup_of]];
            int g0 = stay_group(M, u), g2 = g0 % 3 == 0 ? g0 + 1 : g0 - 1;
            stay_id(id, u);
            snprintf(d, sizeof d, "stay_id already on an earlier line, grouped again");
            flog(o, "drg.csv", line_no(&w), "stay_id", F_NAMES[F_DUP], id, d);
            drg_row(&w, M, u, g2);
        }
    }
    close_csv(&w, o, "drg.csv");
    free(ung);
    if (*nobench >= 0) {
        drg_code(code, *nobench);
        snprintf(d, sizeof d, "group without a row in drg_benchmark.csv: %ld stays", nobench_stays);
        flog(o, "drg_benchmark.csv", 0, "drg_code", "drg_no_benchmark", code, d);
    }
}

void write_drg_benchmark(Out *o, int nobench)
{
    static const char *const H[] = {"drg_code", "avg_los", "avg_cost"};
    static const char *const Z[] = {"DRG编码", "平均住院日", "次均费用"};
    const Model *M = o->M;
    Csv w;
    char code[8], num[32];
    open_csv(&w, o, "drg_benchmark.csv", 0);
    csv_header(&w, H, Z, 3);
    for (int g = 0; g < NADRG * 3; g++) {
        if (g == nobench) continue;
        const DeptDef *d = &DEPTS[dept_index(ADRGS[g / 3].dept)];
        Rng r;
        rng_init(&r, hkey(M->o.seed, T_DRGB, (uint64_t)g, 0));
        double cost_f = 0.88 + 0.24 * rng_unif(&r), los_f = 0.9 + 0.2 * rng_unif(&r);
        double los = dept_los_base(d) * SEV_LOS[g % 3] * los_f;
        drg_code(code, g);
        csv_text(&w, code);
        snprintf(num, sizeof num, "%.1f", los < 0.5 ? 0.5 : los);
        csv_text(&w, num);
        csv_money(&w, llround(d->ipfee * 1000.0 * SEV_FEE[g % 3] * cost_f * 100));
        csv_end(&w);
    }
    close_csv(&w, o, "drg_benchmark.csv");
}

/* DDDs per 100 patient-days a department runs at (抗菌药物使用强度). */
static double abx_level(int i)
{
    const DeptDef *d = &DEPTS[i];
    if (is_icu(i)) return 85;
    if (is_code(i, "0109")) return 60;
    if (is_code(i, "0102")) return 52;
    if (is_code(i, "0304")) return 20;
    if (is_code(i, "0303")) return 26;
    if (is_code(i, "0114") || is_code(i, "0116") || is_code(i, "0117") || is_code(i, "0119") ||
        is_code(i, "0122"))
        return 8;
    if (is_code(i, "0111") || is_code(i, "0501") || is_code(i, "0107")) return 22;
    if (d->gtype == 3 && d->surg >= .3) return 46;
    if (d->surg >= .3) return 38;
    return 30;
}

void write_antibiotic(Out *o)
{
    static const char *const H[] = {"month", "dept_code", "ddd"};
    static const char *const Z[] = {"统计年月", "科室编码", "抗菌药物DDD数"};
    const Month *mo = o->mo;
    long pdays[MAXD] = {0};
    for (long q = 0; q < mo->nip; q++) {
        const Stay *s = &mo->s[mo->ip[q]];
        pdays[s->dept] += s->disch - s->admit > 0 ? s->disch - s->admit : 1;
    }
    Csv w;
    open_csv(&w, o, "antibiotic.csv", 0);
    csv_header(&w, H, Z, 3);
    for (int i = 0; i < NDEPT; i++) {
        if (!mo->a[i].exists || pdays[i] == 0) continue;
        Rng r;
        rng_init(&r, hkey(o->M->o.seed, T_ABX, (uint64_t)i, (uint64_t)mo->ym));
        double ddd = pdays[i] * abx_level(i) / 100.0 * (0.9 + 0.2 * rng_unif(&r));
        csv_month(&w, mo->y, mo->m);
        csv_text(&w, DEPTS[i].code);
        csv_tenths(&w, (long long)(ddd * 10 + 0.5));
        csv_end(&w);
    }
    close_csv(&w, o, "antibiotic.csv");
}
