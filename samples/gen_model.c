/*
** gen_model.c - hospgen's hospital model (model.h): calendar effects, the
** departments' volumes and seasons, ids, staff, equipment, stays simulated
** day by day with a look-back, outpatient visits, revenue, allocation
** drivers, costs and complaints, gathered into one Month.
**
** Every random draw comes from a stream keyed by (seed, what, day or month,
** department), so a month's data never depends on the other months asked
** for.  Stays are simulated continuously: a month looks back LOOKBACK days
** of admissions, so census, length of stay and operations are coherent.
*/
#include "samples/model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ errors */

void die(int code, const char *msg, const char *arg)
{
    fprintf(stderr, "hospgen: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(code);
}

void die_errno(const char *what, const char *path)
{
    fprintf(stderr, "hospgen: %s %s: %s\n", what, path, strerror(errno));
    exit(4);
}

void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p) die(4, "out of memory", NULL);
    return p;
}

/* ------------------------------------------------------------ calendar */

static int ym_of(int day)
{
    int y, m, d;
    calendar_civil_from_days(day, &y, &m, &d);
    return y * 100 + m;
}

static int doy_of(int day)
{
    int y, m, d;
    calendar_civil_from_days(day, &y, &m, &d);
    return day - calendar_days_from_civil(y, 1, 1);
}

static double bump(int doy, int peak, double width)
{
    int dd = abs(doy - peak);
    if (dd > 182) dd = 365 - dd;
    double x = dd / width;
    return exp(-x * x);
}

/* Spring Festival (Lunar New Year's Day), 2015..2035. */
static int cny_day(int y)
{
    static const int t[] = {219, 208, 128, 216, 205, 125, 212, 201, 122, 210, 129,
                            217, 206, 126, 213, 203, 123, 211, 131, 219, 208};
    if (y < 2015 || y > 2035) return -1;
    return calendar_days_from_civil(y, t[y - 2015] / 100, t[y - 2015] % 100);
}

/* Factor < 1 around the Spring Festival; depth is the fall at its bottom. */
double festival(int day, double depth)
{
    int y, m, d;
    calendar_civil_from_days(day, &y, &m, &d);
    int c = cny_day(y);
    if (c < 0) return 1;
    int k = day - c;
    double g = 0;
    if (k >= -10 && k <= -3) g = 0.35 * (k + 11) / 8.0;
    else if (k >= -2 && k <= 6) g = 1;
    else if (k >= 7 && k <= 14) g = (15 - k) / 9.0;
    return 1 - depth * g;
}

double holiday(int day)
{
    int y, m, d;
    calendar_civil_from_days(day, &y, &m, &d);
    if (m == 1 && d == 1) return 0.6;
    if (m == 5 && d <= 5) return 0.7;
    if (m == 10 && d <= 7) return 0.55;
    return 1;
}

static double growth(int day) { return exp(0.06297 * (day - D2025) / 365.25); }

/* --------------------------------------------------------- department */

int is_code(int i, const char *c) { return strcmp(DEPTS[i].code, c) == 0; }

static int dept_exists(int i, int ym) { return !is_code(i, NEW_CODE) || ym >= NEW_YM; }

int dept_index(const char *code)
{
    for (int i = 0; i < NDEPT; i++)
        if (is_code(i, code)) return i;
    return -1;
}

static double season(const DeptDef *d, int day)
{
    int doy = doy_of(day);
    double w = d->season == 'r' ? .35 : d->season == 'p' ? .30 : d->season == 'e' ? .15 : .05;
    double s = d->season == 'p' ? .12 : 0;
    return 1 + w * bump(doy, 15, 40) + s * bump(doy, 205, 28);
}

double op_lambda(const Model *M, int i, int day)
{
    static const double wk[7] = {1.12, 1, 1, 1, 1, .6, .45};
    const DeptDef *d = &DEPTS[i];
    if (d->op <= 0) return 0;
    double base = d->op * 1000.0 * M->opnorm / 30.44 * M->o.scale * growth(day) * season(d, day);
    int wd = calendar_weekday(day);
    double el = wk[wd] / 0.8814 * holiday(day) * festival(day, .5);
    double em = (wd >= 5 ? 1.08 : 0.97) * festival(day, .15);
    return base * ((1 - d->emer) * el + d->emer * em);
}

int is_icu(int i) { return is_code(i, "0113") || is_code(i, "0307"); }

double adm_lambda(const Model *M, int i, int day)
{
    static const double wk[7] = {1.15, 1.05, 1.05, 1.05, 1.05, .75, .7};
    const DeptDef *d = &DEPTS[i];
    if (d->ip <= 0) return 0;
    double base = d->ip * M->ipnorm / 30.44 * M->o.scale * growth(day) *
                  (1 + (season(d, day) - 1) * 0.8);
    double depth = d->season == 'e' || is_icu(i) ? .1 : d->surg >= .3 ? .5 : .3;
    double f = d->season == 'e' || is_icu(i) ? 1 : wk[calendar_weekday(day)] / 0.9786 * (0.5 + 0.5 * holiday(day));
    return base * f * festival(day, depth);
}

static double occ_target(const Model *M, int i)
{
    Rng r;
    rng_init(&r, hkey(M->o.seed, T_OCC, (uint64_t)i, 0));
    double u = rng_unif(&r);
    if (is_code(i, "0101") || is_code(i, "0104") || is_code(i, "0102") ||
        is_code(i, "0206") || is_code(i, "0110"))
        return 0.99 + 0.04 * u;
    return 0.80 + 0.13 * u;
}

/* Open beds: reviewed every January from the year's expected admissions. */
static int beds_of(const Model *M, int i, int y)
{
    const DeptDef *d = &DEPTS[i];
    if (d->ip <= 0) return 0;
    double adm = d->ip * M->ipnorm / 30.44 * M->o.scale * growth(calendar_days_from_civil(y, 7, 1));
    double b = d->los < 1.5 ? adm * 0.9 : adm * (d->los + 0.15) / occ_target(M, i);
    return b < 1 ? 1 : (int)(b + 0.5);
}

static double margin_of(const Model *M, int i, int ym)
{
    static const struct { const char *code; double m; } neg[] = {
        {"0303", -.07}, {"0109", -.09}, {"0405", -.05}, {"0304", -.04},
        {"0114", -.06}, {"0306", -.03}, {"0119", -.02}, {"0123", -.03}};
    Rng r;
    rng_init(&r, hkey(M->o.seed, T_MARGIN, (uint64_t)i, 0));
    double m = 0.03 + 0.09 * rng_unif(&r);
    for (size_t k = 0; k < sizeof neg / sizeof neg[0]; k++)
        if (is_code(i, neg[k].code)) m = neg[k].m;
    rng_init(&r, hkey(M->o.seed, T_MARGIN, (uint64_t)i, (uint64_t)ym));
    return m + 0.025 * (2 * rng_unif(&r) - 1);
}

/* ---------------------------------------------------------------- ids */

static void put_digits(char *p, long v, int n)
{
    for (int k = n - 1; k >= 0; k--) {
        p[k] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* prefix + YYMMDD + dept code + n-digit seq */
void make_id(char *b, const char *pre, int day, int dept, long seq, int n)
{
    int y, m, d;
    calendar_civil_from_days(day, &y, &m, &d);
    size_t k = strlen(pre);
    memcpy(b, pre, k);
    put_digits(b + k, y % 100, 2);
    put_digits(b + k + 2, m, 2);
    put_digits(b + k + 4, d, 2);
    memcpy(b + k + 6, DEPTS[dept].code, 4);
    put_digits(b + k + 10, seq, n);
    b[k + 10 + n] = 0;
}

void patient_key(char *b, const Model *M, uint32_t pat)
{
    static const char hx[] = "0123456789ABCDEF";
    uint64_t h = hkey(M->o.seed, T_PATKEY, pat, 0);
    b[0] = 'P';
    for (int k = 0; k < 10; k++) b[1 + k] = hx[(h >> (4 * k)) & 15];
    b[11] = 0;
}

void doctor_code(char *b, int dept, int k)
{
    b[0] = 'D';
    memcpy(b + 1, DEPTS[dept].code, 4);
    put_digits(b + 5, k, 3);
    b[8] = 0;
}

/* --------------------------------------------------------------- staff */

static const struct { const char *code; float d, n, t, o; } STAFF_NC[] = {
    {"0601", 45, 20, 140, 10}, {"0602", 10, 0, 160, 10}, {"0603", 60, 10, 5, 4},
    {"0604", 25, 0, 30, 5},    {"0605", 0, 0, 150, 20},  {"0606", 10, 5, 15, 2},
    {"0607", 10, 5, 30, 2},    {"0608", 2, 0, 12, 1},    {"0609", 15, 25, 5, 3},
    {"0701", 0, 10, 0, 70},    {"0702", 0, 0, 0, 35},    {"0703", 0, 0, 5, 45},
    {"0704", 0, 0, 30, 5},     {"0705", 0, 0, 0, 120},   {"0706", 0, 0, 0, 35},
    {"0801", 0, 0, 0, 30},     {"0802", 8, 0, 0, 20},    {"0803", 0, 0, 0, 60},
    {"0804", 0, 0, 0, 25},     {"0805", 0, 0, 0, 45},    {"0806", 0, 15, 0, 3},
    {"0807", 0, 0, 0, 20},
};

int tenths(double x) { return x <= 0 ? 0 : (int)(x * 10 + 0.5); }

static void staff_of(const Model *M, int i, int y, int m, int fte[4])
{
    const DeptDef *d = &DEPTS[i];
    int mid = calendar_days_from_civil(y, m, 15);
    double g = growth(mid), s = M->o.scale, f[4] = {0, 0, 0, 0};
    if (d->cat == 'c') {
        double opm = d->op * 1000.0 * M->opnorm * s * g;
        double beds = beds_of(M, i, y);
        f[0] = opm / 1100 + beds * (is_icu(i) ? .8 : .25);
        f[1] = beds * (is_icu(i) ? 2.5 : .52) + opm / 2000;
        f[2] = opm / 8000 + beds * .02;
        f[3] = beds * .05 + s * 2;
        if (f[0] < 1) f[0] = 1;
    } else {
        for (size_t k = 0; k < sizeof STAFF_NC / sizeof STAFF_NC[0]; k++) {
            if (strcmp(STAFF_NC[k].code, d->code) != 0) continue;
            double gs = sqrt(g) * s;
            f[0] = STAFF_NC[k].d * gs;
            f[1] = STAFF_NC[k].n * gs;
            f[2] = STAFF_NC[k].t * gs;
            f[3] = STAFF_NC[k].o * gs;
        }
        int big = 0;
        for (int k = 1; k < 4; k++)
            if (f[k] > f[big]) big = k;
        if (f[big] < 1) f[big] = 1;
    }
    Rng r;
    rng_init(&r, hkey(M->o.seed, T_STAFF, (uint64_t)i, (uint64_t)(y * 100 + m)));
    for (int k = 0; k < 4; k++) fte[k] = tenths(f[k] * (1 + 0.015 * rng_norm(&r)));
}

/* ----------------------------------------------------------- equipment */

void make_devices(Model *M)
{
    int n = 0, cap = 64;
    Device *dv = xcalloc((size_t)cap, sizeof *dv);
    int lo = calendar_days_from_civil(2015, 7, 1), hi = calendar_days_from_civil(2026, 6, 30);
    for (int t = 0; t < NEQUIP; t++) {
        const EquipDef *e = &EQUIPS[t];
        int cnt = (int)(e->count * M->o.scale + 0.5);
        /* A small hospital still has one of each common device, but one
         * sized to its scaled share of the work and in service since long
         * before the generated months: at full capacity, or bought mid-way,
         * it would swamp the exam counts with a step no hospital shows. */
        int token = 0;
        if (cnt < 1 && t < 12) cnt = 1, token = 1;
        for (int k = 0; k < cnt; k++) {
            if (n == cap) {
                cap *= 2;
                dv = realloc(dv, (size_t)cap * sizeof *dv);
                if (!dv) die(4, "out of memory", NULL);
            }
            Device *x = &dv[n];
            Rng r;
            rng_init(&r, hkey(M->o.seed, T_DEV, (uint64_t)t, (uint64_t)k));
            x->tmpl = t;
            x->dept = dept_index(e->dept);
            x->purchase = lo + rng_below(&r, (token ? 5 * 365 : hi - lo) + 1);
            double v = e->vmin + (e->vmax - e->vmin) * rng_unif(&r);
            x->value = (long long)(v * 10000 + 0.5) * 10000; /* to 100 CNY */
            x->years = e->years + (rng_unif(&r) < 0.2 ? (e->years < 10 ? 1 : -1) : 0);
            x->capacity = e->capacity;
            if (token) {
                /* Its share of the work, and of the price: a full-price
                 * PET-CT would sink a small hospital's balance. */
                double part = e->count * M->o.scale;
                int share = (int)(e->capacity * part + 0.5);
                x->capacity = share < 5 ? 5 : share;
                long long v100 = (long long)(x->value * part / 10000 + 0.5) * 10000;
                x->value = v100 < 2000000 ? 2000000 : v100; /* at least 20,000 CNY */
            }
            x->util = 0.35 + 0.75 * rng_unif(&r);
            x->idle = rng_unif(&r) < 0.2 ? 0.2 + 0.3 * rng_unif(&r) : 0.04 * rng_unif(&r);
            x->wkend = e->capacity >= 150 ? 0.75 : 0.25;
            memcpy(x->id, "SB", 2);
            put_digits(x->id + 2, n + 1, 5);
            x->id[7] = 0;
            n++;
        }
    }
    M->dev = dv;
    M->ndev = n;
}

int dev_in_ledger(const Device *x, int day) { return x->purchase <= day; }

static long long dev_month_dep(const Device *x, int y, int m)
{
    int last = calendar_days_from_civil(y, m, calendar_month_days(y, m));
    int py, pm, pd;
    if (!dev_in_ledger(x, last)) return 0;
    calendar_civil_from_days(x->purchase, &py, &pm, &pd);
    int age = (y * 12 + m) - (py * 12 + pm);
    if (age >= x->years * 12) return 0;
    return x->value / x->years / 12;
}

/* -------------------------------------------------------------- stays */

static int draw_los(Rng *r, const DeptDef *d, int admit)
{
    int los;
    if (d->los < 1.5) {
        los = rng_unif(r) < 0.4 ? 0 : 1;
    } else {
        los = (int)(rng_lognorm(r, d->los, 0.5) + 0.5);
        if (los < 1) los = 1;
        if (los > MAXLOS) los = MAXLOS;
    }
    if (calendar_weekday(admit + los) == 6 && rng_unif(r) < 0.5) los++;
    return los;
}

static double pdie_of(int i)
{
    static const struct { const char *c; double p; } t[] = {
        {"0113", .05}, {"0307", .03}, {"0111", .015}, {"0501", .015}, {"0110", .02},
        {"0102", .012}, {"0104", .008}, {"0101", .007}, {"0207", .01}, {"0405", .01},
        {"0107", .012}, {"0304", .004}};
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        if (is_code(i, t[k].c)) return t[k].p;
    return .002;
}

static int draw_grade(Rng *r, int gtype)
{
    static const double g[4][4] = {{.5, .4, .1, 0}, {.45, .40, .12, .03},
                                   {.12, .38, .38, .12}, {.04, .18, .43, .35}};
    double u = rng_unif(r), c = 0;
    for (int k = 0; k < 4; k++) {
        c += g[gtype][k];
        if (u < c) return k + 1;
    }
    return 4;
}

double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

static void stay_fees(Rng *r, int i, int los, Stay *s)
{
    const DeptDef *d = &DEPTS[i];
    int surgical = d->gtype >= 2 && d->surg >= .3;
    int implant = is_code(i, "0206") || is_code(i, "0216") || is_code(i, "0217") ||
                  is_code(i, "0205") || is_code(i, "0208") || is_code(i, "0215");
    double ml = d->los < 1.5 ? 1 : d->los;
    double fee = d->ipfee * 1000.0 * pow((los + 0.5) / (ml + 0.5), 0.6) * rng_lognorm(r, 1, 0.35);
    if (fee < 800) fee = 800;
    double ds = clampd((surgical ? .20 : is_icu(i) ? .30 : .33) + .05 * rng_norm(r), .03, .7);
    double ms = clampd((implant ? .28 : surgical ? .17 : .07) + .04 * rng_norm(r), .01, .6);
    double es = clampd(.16 + .04 * rng_norm(r), .03, .5);
    double sum = ds + ms + es;
    if (sum > .92) {
        ds *= .92 / sum;
        ms *= .92 / sum;
        es *= .92 / sum;
    }
    s->total = (long long)(fee * 100 + 0.5);
    s->drug = (long long)(s->total * ds);
    s->mat = (long long)(s->total * ms);
    s->exam = (long long)(s->total * es);
}

static void stay_outcome(Rng *r, int i, Stay *s)
{
    double u = rng_unif(r), pd = pdie_of(i);
    double cured = DEPTS[i].surg >= .3 ? .45 : .25;
    s->outcome = u < pd ? 3 : u < pd + .03 ? 2 : u < pd + .05 ? 4 : u < pd + .05 + cured ? 0 : 1;
    double g = rng_unif(r);
    s->rgrade = g < .93 ? 0 : g < .99 ? 1 : 2;
}

static void stay_surgery(Rng *r, int i, Stay *s)
{
    const DeptDef *d = &DEPTS[i];
    s->nsurg = 0;
    if (d->surg <= 0 || rng_unif(r) >= d->surg) return;
    int los = s->disch - s->admit;
    int pre = 0;
    if (d->season != 'e' && rng_unif(r) > .2) pre = (int)(-log(1 - rng_unif(r)) * 1.8);
    if (pre > los) pre = los;
    s->nsurg = rng_unif(r) < .08 ? 2 : 1;
    s->sdate[0] = s->admit + pre;
    s->sgrade[0] = (uint8_t)draw_grade(r, d->gtype);
    if (s->nsurg == 2) {
        s->sdate[1] = s->sdate[0] + rng_below(r, s->disch - s->sdate[0] + 1);
        s->sgrade[1] = (uint8_t)draw_grade(r, d->gtype > 1 ? d->gtype - 1 : 1);
    }
}

static Stay *push_stay(Month *mo)
{
    if (mo->ns == mo->scap) {
        mo->scap = mo->scap ? mo->scap * 2 : 4096;
        mo->s = realloc(mo->s, (size_t)mo->scap * sizeof *mo->s);
        if (!mo->s) die(4, "out of memory", NULL);
    }
    Stay *s = &mo->s[mo->ns++];
    memset(s, 0, sizeof *s);
    return s;
}

static void gen_stays_day(const Model *M, Month *mo, int i, int day)
{
    Rng r;
    rng_init(&r, hkey(M->o.seed, T_ADM, (uint64_t)day, (uint64_t)i));
    int n = rng_poisson(&r, adm_lambda(M, i, day));
    for (int k = 0; k < n; k++) {
        Stay *s = push_stay(mo);
        s->dept = (uint8_t)i;
        s->seq = (uint16_t)(k + 1);
        s->admit = day;
        int los = draw_los(&r, &DEPTS[i], day);
        s->disch = day + los;
        s->pat = (uint32_t)rng_below(&r, (int)M->pool);
        stay_fees(&r, i, los, s);
        stay_outcome(&r, i, s);
        stay_surgery(&r, i, s);
    }
}

static int cmp_ip(const void *a, const void *b, void *ctx)
{
    const Stay *st = ctx;
    const Stay *x = &st[*(const int *)a], *y = &st[*(const int *)b];
    if (x->disch != y->disch) return x->disch - y->disch;
    if (x->dept != y->dept) return x->dept - y->dept;
    if (x->admit != y->admit) return x->admit - y->admit;
    return x->seq - y->seq;
}

static int cmp_sr(const void *a, const void *b, void *ctx)
{
    const SurgRow *x = a, *y = b;
    const Stay *st = ctx;
    if (x->date != y->date) return x->date - y->date;
    const Stay *p = &st[x->stay], *q = &st[y->stay];
    if (p->dept != q->dept) return p->dept - q->dept;
    if (x->stay != y->stay) return x->stay - y->stay;
    return x->k - y->k;
}

static void gen_stays(const Model *M, Month *mo)
{
    int end = mo->d0 + mo->nd;
    for (int day = mo->d0 - LOOKBACK; day < end; day++) {
        int ym = ym_of(day);
        for (int i = 0; i < NDEPT; i++)
            if (DEPTS[i].ip > 0 && dept_exists(i, ym)) gen_stays_day(M, mo, i, day);
    }
    mo->ip = xcalloc((size_t)mo->ns, sizeof *mo->ip);
    mo->sr = xcalloc((size_t)mo->ns * 2, sizeof *mo->sr);
    for (long k = 0; k < mo->ns; k++) {
        Stay *s = &mo->s[k];
        Agg *a = &mo->a[s->dept];
        if (s->disch >= mo->d0 && s->disch < end) {
            mo->ip[mo->nip++] = (int)k;
            a->tot += s->total;
            a->drug += s->drug;
            a->mat += s->mat;
            a->exam += s->exam;
            a->bed += (long long)(s->disch - s->admit > 0 ? s->disch - s->admit : 1) *
                      (is_icu(s->dept) ? 40000 : 9000);
            a->dis++;
        }
        for (int j = 0; j < s->nsurg; j++)
            if (s->sdate[j] >= mo->d0 && s->sdate[j] < end) {
                mo->sr[mo->nsr++] = (SurgRow){(int)k, j, s->sdate[j], 0};
                a->surg++;
            }
        for (int d = s->admit; d <= s->disch; d++) {
            if (d < mo->d0 || d >= end) continue;
            int j = d - mo->d0;
            if (d == s->admit) mo->cadm[s->dept][j]++;
            if (d == s->disch) mo->cdis[s->dept][j]++;
            if (d < s->disch) mo->cocc[s->dept][j]++;
        }
    }
    qsort_r(mo->ip, (size_t)mo->nip, sizeof *mo->ip, cmp_ip, mo->s);
    qsort_r(mo->sr, (size_t)mo->nsr, sizeof *mo->sr, cmp_sr, mo->s);
    for (int i = 0; i < NDEPT; i++)
        for (int j = 0; j < mo->nd; j++) mo->a[i].pdays += mo->cocc[i][j];
}

/* ---------------------------------------------------------- outpatient */

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Visits per (dept, day): the model, or exactly --outpatient-rows. */
static void op_counts(const Model *M, const Month *mo, int *cnt)
{
    double W = 0, *w = xcalloc((size_t)NDEPT * 31, sizeof *w);
    for (int j = 0; j < mo->nd; j++)
        for (int i = 0; i < NDEPT; i++) {
            if (!mo->a[i].exists) continue;
            w[i * 31 + j] = op_lambda(M, i, mo->d0 + j);
            W += w[i * 31 + j];
        }
    double cum = 0;
    long prev = 0;
    for (int j = 0; j < mo->nd; j++)
        for (int i = 0; i < NDEPT; i++) {
            double l = w[i * 31 + j];
            if (M->o.op_rows > 0) {
                cum += l;
                long c = W > 0 ? (long)(cum / W * (double)M->o.op_rows + 0.5) : 0;
                cnt[i * 31 + j] = (int)(c - prev);
                prev = c;
            } else if (l > 0) {
                Rng r;
                rng_init(&r, hkey(M->o.seed, T_OPW, (uint64_t)(mo->d0 + j), (uint64_t)i));
                cnt[i * 31 + j] = l < 30 ? rng_poisson(&r, l)
                                         : (int)(l * (1 + .04 * rng_norm(&r)) + 0.5);
            }
        }
    free(w);
}

int visit_time(Rng *r, int emerg)
{
    if (emerg) {
        if (rng_unif(r) < .7) return 28800 + rng_below(r, 54000);
        return rng_below(r, 86400);
    }
    if (rng_unif(r) < .68) return 27000 + (int)((rng_unif(r) + rng_unif(r)) * 0.5 * 16200);
    return 48600 + rng_below(r, 14400);
}

static void gen_visits_dd(const Model *M, Month *mo, int i, int j, int n, int *tmp)
{
    const DeptDef *d = &DEPTS[i];
    int day = mo->d0 + j;
    Rng r, rw;
    rng_init(&r, hkey(M->o.seed, T_OPV, (uint64_t)day, (uint64_t)i));
    rng_init(&rw, hkey(M->o.seed, T_WAIT, (uint64_t)i, 0));
    double wmean = 12 + 30 * rng_unif(&rw);
    for (int k = 0; k < n; k++) {
        int e = d->emer >= 1 || rng_unif(&r) < d->emer;
        tmp[k] = visit_time(&r, e) * 2 + e;
    }
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_int);
    int ndoc = mo->a[i].fte[0] / 10;
    if (ndoc < 1) ndoc = 1;
    for (int k = 0; k < n; k++) {
        Visit *v = &mo->v[mo->nv++];
        int e = tmp[k] & 1;
        v->secs = tmp[k] >> 1;
        v->type = (uint8_t)e;
        v->dept = (uint8_t)i;
        v->day = (uint8_t)j;
        v->seq = (uint16_t)(k + 1);
        v->fault = 0;
        v->doctor = (uint16_t)(1 + rng_below(&r, ndoc));
        v->pat = (uint32_t)rng_below(&r, (int)M->pool);
        double fee = rng_lognorm(&r, d->opfee * (e ? 1.15 : 1), 0.55);
        if (fee < 15) fee = 15;
        double ds = clampd(d->drug + .12 * rng_norm(&r), 0, .85);
        double es = clampd(d->exam + .10 * rng_norm(&r), 0, .8);
        double ms = clampd(d->mat * (.5 + rng_unif(&r)), 0, .6);
        double sum = ds + ms + es;
        if (sum > .95) {
            ds *= .95 / sum;
            es *= .95 / sum;
            ms *= .95 / sum;
        }
        v->total = (int32_t)(fee * 100 + 0.5);
        v->drug = (int32_t)(v->total * ds);
        v->exam = (int32_t)(v->total * es);
        v->mat = (int32_t)(v->total * ms);
        double w = rng_lognorm(&r, e ? 9 : wmean, 0.6);
        v->wait = rng_unif(&r) < .03 ? -1 : (int16_t)(w > 300 ? 300 : w);
        Agg *a = &mo->a[i];
        a->tot += v->total;
        a->drug += v->drug;
        a->mat += v->mat;
        a->exam += v->exam;
        a->opv++;
    }
}

static void gen_outpatient(const Model *M, Month *mo)
{
    int *cnt = xcalloc((size_t)NDEPT * 31, sizeof *cnt);
    op_counts(M, mo, cnt);
    long total = 0;
    int maxn = 0;
    for (int k = 0; k < NDEPT * 31; k++) {
        total += cnt[k];
        if (cnt[k] > maxn) maxn = cnt[k];
    }
    if (maxn > 65535) die(4, "too many visits per department and day", NULL);
    mo->v = xcalloc((size_t)total, sizeof *mo->v);
    int *tmp = xcalloc((size_t)maxn + 1, sizeof *tmp);
    for (int j = 0; j < mo->nd; j++)
        for (int i = 0; i < NDEPT; i++)
            if (cnt[i * 31 + j] > 0) gen_visits_dd(M, mo, i, j, cnt[i * 31 + j], tmp);
    free(tmp);
    free(cnt);
}

/* ------------------------------------------------------------ revenue */

static void split_revenue(Month *mo)
{
    for (int i = 0; i < NDEPT; i++) {
        Agg *a = &mo->a[i];
        if (a->tot == 0) continue;
        long long rest = a->tot - a->drug - a->mat - a->exam;
        long long bed = a->bed < rest ? a->bed : rest;
        long long r2 = rest - bed;
        double ss = DEPTS[i].surg >= .3 ? .40 : DEPTS[i].surg > 0 ? .10 : 0;
        long long surg = (long long)(r2 * ss);
        /* treatment takes 55-76 % of what surgery leaves, by department,
         * "other" (registration, consultation, nursing) the rest: a flat
         * half made the two equal to the cent in every non-surgical one */
        long long treat = (long long)((r2 - surg) * (.55 + .03 * ((i * 7) % 8)));
        long long v[7] = {a->drug, a->mat, a->exam, treat, surg, bed, r2 - surg - treat};
        memcpy(a->rev, v, sizeof v);
    }
}

/* ------------------------------------------------------------ drivers */

typedef struct {
    const char *code;
    double a, b, g, p, f, dv, bd, mf; /* per visit, discharge, operation, patient day,
                                         FTE, device, bed; per medtech FTE */
    const char *only;
} DriverRule;

static const DriverRule RULES[] = {
    {"0701", .01, 1, 6, 0, 0, 0, 0, .6, NULL},
    {"0702", .002, 0, 0, 1.8, 0, 0, 0, 2, NULL},
    {"0703", 0, 0, 0, 2.6, 0, 0, 0, 0, NULL},
    {"0704", 0, 0, 0, 0, .05, 12, .1, 0, NULL},
    {"0705", 0, 0, 0, 0, 12, 0, 8, 12, NULL},
    {"0706", .001, 1, 0, 0, 0, 0, 0, 0, NULL},
    {"0601", .08, 1.2, 0, 0, 0, 0, 0, 0, NULL},
    {"0602", .5, 12, 0, 0, 0, 0, 0, 0, NULL},
    {"0603", .07, .8, 0, 0, 0, 0, 0, 0, NULL},
    {"0604", .01, 0, 1.5, 0, 0, 0, 0, 0, NULL},
    {"0605", .7, 8, 0, 0, 0, 0, 0, 0, NULL},
    {"0606", .005, .1, 0, 0, 0, 0, 0, 0, "0101 0106 0111 0501 0204 0502 0503 0220"},
    {"0607", .05, .6, 0, 0, 0, 0, 0, 0, NULL},
    {"0608", 0, .05, .6, 0, 0, 0, 0, 0, NULL},
    {"0609", .05, .6, 0, 0, 0, 0, 0, 0, "0103 0201 0203 0102 0214 0402 0124 0121"},
};

static double fte_total(const Agg *a) { return (a->fte[0] + a->fte[1] + a->fte[2] + a->fte[3]) / 10.0; }

static void gen_drivers(const Model *M, Month *mo)
{
    int nr = (int)(sizeof RULES / sizeof RULES[0]);
    mo->drv = xcalloc((size_t)nr * MAXD, sizeof *mo->drv);
    for (int k = 0; k < nr; k++) {
        const DriverRule *R = &RULES[k];
        int from = dept_index(R->code);
        if (from < 0 || !mo->a[from].exists) continue;
        for (int t = 0; t < NDEPT; t++) {
            const Agg *a = &mo->a[t];
            char cat = DEPTS[t].cat;
            if (!a->exists || t == from) continue;
            double u = 0;
            if (cat == 'c') {
                if (R->only && !strstr(R->only, DEPTS[t].code)) continue;
                u = R->a * a->opv + R->b * a->dis + R->g * a->surg + R->p * a->pdays +
                    R->f * fte_total(a) + R->dv * a->ndev + R->bd * a->beds;
            } else if (cat == 'm' && DEPTS[from].cat == 's') {
                u = R->mf * fte_total(a) + R->dv * a->ndev;
            }
            if (u <= 0) continue;
            Rng r;
            rng_init(&r, hkey(M->o.seed, T_AFF, (uint64_t)from, (uint64_t)t));
            double aff = 0.7 + 0.6 * rng_unif(&r);
            if (is_code(t, "0405") && (is_code(from, "0601") || is_code(from, "0602"))) aff *= 1.8;
            long long tn = (long long)(u * aff * 10 + 0.5);
            if (tn > 0) mo->drv[mo->ndrv++] = (Driver){from, t, tn};
        }
    }
}

/* -------------------------------------------------------------- costs */

/* Non-clinical direct costs other than personnel, thousand CNY a month at
   scale 1; medtech material also takes a share of the exam revenue. */
static const struct { const char *code; double mat, other, dep, maint, exam_share; } COST_NC[] = {
    {"0601", 100, 300, 200, 40, .035}, {"0602", 50, 200, 100, 30, .10},
    {"0603", 20, 100, 50, 10, .008},   {"0604", 30, 80, 40, 10, .02},
    {"0605", 50, 600, 80, 20, 0},      {"0606", 20, 60, 60, 20, .02},
    {"0607", 10, 50, 20, 5, .004},     {"0608", 30, 40, 20, 5, .03},
    {"0609", 40, 60, 30, 10, .012},
    {"0701", 600, 150, 250, 40, 0},    {"0702", 150, 250, 120, 30, 0},
    {"0703", 1600, 200, 80, 20, 0},    {"0704", 50, 100, 30, 20, 0},
    {"0705", 400, 7000, 1500, 900, 0}, {"0706", 20, 30, 20, 10, 0},
    {"0801", 20, 800, 50, 10, 0},      {"0802", 20, 300, 50, 10, 0},
    {"0803", 20, 400, 50, 10, 0},      {"0804", 20, 200, 50, 10, 0},
    {"0805", 20, 1800, 600, 300, 0},   {"0806", 20, 100, 50, 10, 0},
    {"0807", 20, 150, 50, 10, 0},
};

static long long cents(double cny) { return cny <= 0 ? 0 : (long long)(cny * 100 + 0.5); }

static void direct_costs_nc(const Model *M, Month *mo, int i, double g, long long exam_all)
{
    Agg *a = &mo->a[i];
    for (size_t k = 0; k < sizeof COST_NC / sizeof COST_NC[0]; k++) {
        if (strcmp(COST_NC[k].code, DEPTS[i].code) != 0) continue;
        double s = M->o.scale * g * 1000;
        a->cost[C_MAT] = cents(COST_NC[k].mat * s) + (long long)(exam_all * COST_NC[k].exam_share);
        a->cost[C_OTHER] = cents(COST_NC[k].other * s);
        a->cost[C_DEP] = cents(COST_NC[k].dep * s) + a->dep_eq;
        a->cost[C_MAINT] = cents(COST_NC[k].maint * s) + a->maint_eq;
    }
}

/* Level 1-3 allocation in floating point, the same rules as INDICATORS.md:
   used only to size clinical costs so that balances come out as planned. */
static void plan_allocation(Month *mo)
{
    double pool[MAXD];
    for (int i = 0; i < NDEPT; i++) {
        mo->a[i].recv = 0;
        pool[i] = 0;
        for (int c = 0; c < 6; c++) pool[i] += (double)mo->a[i].cost[c];
    }
    double ftesum = 0;
    for (int i = 0; i < NDEPT; i++)
        if (mo->a[i].exists && DEPTS[i].cat != 'a') ftesum += fte_total(&mo->a[i]);
    for (int i = 0; i < NDEPT; i++) {
        if (!mo->a[i].exists || DEPTS[i].cat != 'a' || ftesum <= 0) continue;
        for (int t = 0; t < NDEPT; t++)
            if (mo->a[t].exists && DEPTS[t].cat != 'a')
                mo->a[t].recv += pool[i] * fte_total(&mo->a[t]) / ftesum;
    }
    for (int lev = 0; lev < 2; lev++) {
        char cat = lev == 0 ? 's' : 'm';
        for (int i = 0; i < NDEPT; i++) {
            if (!mo->a[i].exists || DEPTS[i].cat != cat) continue;
            double p = pool[i] + mo->a[i].recv, u = 0;
            for (int k = 0; k < mo->ndrv; k++)
                if (mo->drv[k].from == i) u += (double)mo->drv[k].tenths;
            for (int k = 0; k < mo->ndrv && u > 0; k++)
                if (mo->drv[k].from == i) mo->a[mo->drv[k].to].recv += p * (double)mo->drv[k].tenths / u;
        }
    }
}

/* Clinical pay is a base salary (60 %) plus performance pay (绩效) that follows
   the department's result; "other" costs take the rest, so that the balance
   after allocation lands near the department's planned margin. */
static void clinical_plug(const Model *M, Month *mo, int i)
{
    Agg *a = &mo->a[i];
    double base = (double)a->cost[C_PERS] * .6;
    double fixed = base + (double)(a->cost[C_DRUG] + a->cost[C_MAT] + a->cost[C_DEP] + a->cost[C_MAINT]);
    double target = (double)a->tot * (1 - margin_of(M, i, mo->ym));
    double room = target - a->recv - fixed;
    double floor = (double)a->tot * .015 + 50000 * M->o.scale;
    double perf = 0, other = floor;
    if (room > floor) {
        perf = (room - floor) * .75;
        double cap = (double)a->cost[C_PERS] * .8;
        if (perf > cap) perf = cap;
        other = room - perf;
    }
    a->cost[C_PERS] = (long long)(base + perf);
    a->cost[C_OTHER] = (long long)other;
}

static void gen_costs(const Model *M, Month *mo)
{
    static const double sal[4] = {36000, 19000, 21000, 13000};
    int mid = calendar_days_from_civil(mo->y, mo->m, 15);
    double g = growth(mid), wage = exp(0.0392 * (mid - D2025) / 365.25);
    long long exam_all = 0;
    for (int i = 0; i < NDEPT; i++) exam_all += mo->a[i].exam;
    for (int i = 0; i < NDEPT; i++) {
        Agg *a = &mo->a[i];
        if (!a->exists) continue;
        double p = 0;
        for (int k = 0; k < 4; k++) p += a->fte[k] / 10.0 * sal[k] * wage;
        a->cost[C_PERS] = cents(p);
        if (DEPTS[i].cat != 'c') {
            direct_costs_nc(M, mo, i, g, exam_all);
        } else {
            a->cost[C_DRUG] = (long long)(a->drug * .985);
            a->cost[C_MAT] = (long long)(a->mat * .96);
            a->cost[C_DEP] = a->dep_eq + cents(a->beds * 700.0 + a->opv * 0.3);
            a->cost[C_MAINT] = a->maint_eq + cents(a->beds * 150.0);
        }
    }
    plan_allocation(mo);
    for (int i = 0; i < NDEPT; i++)
        if (mo->a[i].exists && DEPTS[i].cat == 'c') clinical_plug(M, mo, i);
    if (getenv("HOSPGEN_DEBUG")) {
        for (int i = 0; i < NDEPT; i++) {
            Agg *a = &mo->a[i];
            if (!a->exists || DEPTS[i].cat != 'c') continue;
            double dc = 0;
            for (int c = 0; c < 6; c++) dc += (double)a->cost[c];
            fprintf(stderr, "%d %s rev %.0f direct %.0f alloc %.0f balance %.1f%%\n", mo->ym,
                    DEPTS[i].code, a->tot / 100.0, dc / 100, a->recv / 100,
                    a->tot ? 100 * (a->tot - dc - a->recv) / a->tot : 0);
        }
    }
}

/* --------------------------------------------------------- complaints */

static int cmp_cmp(const void *a, const void *b)
{
    const Complaint *x = a, *y = b;
    if (x->day != y->day) return x->day - y->day;
    if (x->dept != y->dept) return x->dept - y->dept;
    return x->seq - y->seq;
}

static void gen_complaints(const Model *M, Month *mo)
{
    int cap = 64;
    mo->c = xcalloc((size_t)cap, sizeof *mo->c);
    for (int i = 0; i < NDEPT; i++) {
        const Agg *a = &mo->a[i];
        if (!a->exists) continue;
        double l = 0;
        if (DEPTS[i].cat == 'c') l = (a->opv + 5.0 * a->dis) / 12000;
        else if (is_code(i, "0601") || is_code(i, "0602") || is_code(i, "0603") || is_code(i, "0605"))
            l = 1.2 * M->o.scale;
        Rng r;
        rng_init(&r, hkey(M->o.seed, T_CMP, (uint64_t)i, (uint64_t)mo->ym));
        int n = rng_poisson(&r, l);
        for (int k = 0; k < n && k < 99; k++) {
            if (mo->nc == cap) {
                cap *= 2;
                mo->c = realloc(mo->c, (size_t)cap * sizeof *mo->c);
                if (!mo->c) die(4, "out of memory", NULL);
            }
            Complaint *c = &mo->c[mo->nc++];
            c->dept = i;
            c->seq = k + 1;
            c->day = rng_below(&r, mo->nd);
            double u = rng_unif(&r);
            c->cat = u < .45 ? 0 : u < .70 ? 1 : u < .90 ? 2 : 3;
            c->resolved = rng_unif(&r) < (c->day >= mo->nd - 5 ? .6 : .95);
        }
    }
    qsort(mo->c, (size_t)mo->nc, sizeof *mo->c, cmp_cmp);
}

/* ---------------------------------------------------------- the month */

Month *gen_month(const Model *M, int y, int m)
{
    Month *mo = xcalloc(1, sizeof *mo);
    mo->y = y;
    mo->m = m;
    mo->ym = y * 100 + m;
    mo->d0 = calendar_days_from_civil(y, m, 1);
    mo->nd = calendar_month_days(y, m);
    mo->mrx_after = -1;
    mo->cen_dept = mo->rev_dept = -1;
    int last = mo->d0 + mo->nd - 1;
    for (int i = 0; i < NDEPT; i++) {
        Agg *a = &mo->a[i];
        a->exists = dept_exists(i, mo->ym);
        if (!a->exists) continue;
        a->beds = beds_of(M, i, y);
        staff_of(M, i, y, m, a->fte);
    }
    for (int k = 0; k < M->ndev; k++) {
        const Device *x = &M->dev[k];
        if (x->dept < 0 || !dev_in_ledger(x, last)) continue;
        Agg *a = &mo->a[x->dept];
        a->ndev++;
        a->dep_eq += dev_month_dep(x, y, m);
        a->maint_eq += x->value / 240; /* 5 % of value a year */
    }
    gen_outpatient(M, mo);
    gen_stays(M, mo);
    split_revenue(mo);
    gen_drivers(M, mo);
    gen_costs(M, mo);
    gen_complaints(M, mo);
    return mo;
}

void free_month(Month *mo)
{
    free(mo->v);
    free(mo->s);
    free(mo->ip);
    free(mo->sr);
    free(mo->drv);
    free(mo->c);
    free(mo);
}
