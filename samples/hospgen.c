/*
** hospgen.c - deterministic sample data generator for hospreport.
**
** Writes one folder of raw exports per month (EXPORTS.md) for a large
** tertiary hospital: HIS visits and stays, medical records, operations,
** ward census, finance ledger, costs, staff, allocation drivers, equipment,
** complaints and budgets, consistent with each other on clean runs.
**
** Every random draw comes from a stream keyed by (seed, what, day or month,
** department), so a month's data never depends on the other months asked
** for.  Stays are simulated continuously: a month looks back LOOKBACK days
** of admissions, so census, length of stay and operations are coherent.
** --faults injects known problems into the last two months and lists them
** in DIR/faults.csv (see README.md).
*/
#include "samples/gen.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAXD 96
#define MAXLOS 60
#define LOOKBACK 62
#define D2025 20270 /* 2025-07-01: volumes are normalised here */

enum { T_OPW = 1, T_OPV, T_ADM, T_DEV, T_USE, T_CMP, T_STAFF, T_FAULT,
       T_AFF, T_MARGIN, T_OCC, T_WAIT, T_PATKEY,
       /* v2 sources: streams of their own, so the v1 files stay as they were */
       T_DRG, T_DRGB, T_DRGF, T_ABX, T_APPT, T_SURGF, T_ENERGY };

/* Dictionary changes, fixed in calendar time so months stay independent. */
static const char NEW_CODE[] = "0112";
static const int NEW_YM = 202507;
static const char REN_CODE[] = "0102";
static const int REN_YM = 202503;
static const char REN_OLD_ZH[] = "呼吸内科";
static const char REN_OLD_EN[] = "Respiratory Medicine";

typedef struct {
    const char *out;
    int end_y, end_m, months;
    double scale;
    uint64_t seed;
    int faults, zh, quiet;
    long op_rows;           /* --outpatient-rows, 0 = model */
} Opts;

typedef struct {
    int tmpl, dept, purchase, years, capacity;
    long long value;        /* cents */
    double util, idle, wkend;
    char id[12];
} Device;

#define MAXADRG 4

typedef struct {
    Opts o;
    double opnorm, ipnorm;
    long pool;              /* patient key pool */
    Device *dev;
    int ndev;
    /* per department, its ADRGs (gen_drg.c) for operated and other stays */
    int adrg_s[MAXD][MAXADRG], nadrg_s[MAXD];
    int adrg_m[MAXD][MAXADRG], nadrg_m[MAXD];
} Model;

/* Fault kinds on rows. */
enum { F_NONE, F_DUP, F_BADDATE, F_UNKDEPT, F_OOP, F_FEESUM };
enum { MR_NONE, MR_MISSING, MR_DEPT, MR_DATE };

typedef struct {
    int32_t total, drug, mat, exam;
    int32_t secs;
    uint32_t pat;
    uint16_t seq, doctor;
    int16_t wait;
    uint8_t dept, day, type, fault;
} Visit;

typedef struct {
    int admit, disch;
    long long total, drug, mat, exam;
    uint32_t pat;
    int sdate[2];
    uint16_t seq;
    uint8_t dept, outcome, rgrade, nsurg, sgrade[2], mrf, pad;
} Stay;

typedef struct { int stay, k, date, fault; } SurgRow;
typedef struct { int from, to; long long tenths; } Driver;
typedef struct { int dept, day, seq, cat, resolved; } Complaint;

typedef struct {
    long long tot, drug, mat, exam, bed;   /* HIS fees of the month, cents */
    long long rev[7];
    long long cost[6];
    int exists, opv, dis, surg, pdays, beds, ndev;
    int fte[4];                            /* tenths */
    long long dep_eq, maint_eq;
    double recv;
} Agg;

typedef struct {
    char month[8];
    const char *file, *field, *kind;
    long line;
    char key[40], detail[120];
} FaultRec;

typedef struct { FaultRec *r; int n, cap; } FaultLog;

typedef struct {
    int y, m, ym, d0, nd;
    Agg a[MAXD];
    Visit *v;
    long nv;
    Stay *s;
    long ns, scap;
    int *ip;                               /* stays discharged, inpatient order */
    long nip;
    SurgRow *sr;
    long nsr;
    Driver *drv;
    int ndrv;
    Complaint *c;
    int nc;
    int cadm[MAXD][31], cdis[MAXD][31], cocc[MAXD][31];
    /* faults */
    int faulty, gbdept, last;              /* last: the last month (faults) */
    long dupsrc[16], duprow[16];
    int ndup;
    int cen_dept, cen_day, cen_delta;
    int rev_dept;
    long long rev_delta;
    long mrx_after;                        /* mr_extra after this inpatient row, -1 none */
    Stay mrx;
} Month;

/* ------------------------------------------------------------ errors */

static void die(int code, const char *msg, const char *arg)
{
    fprintf(stderr, "hospgen: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(code);
}

static void die_errno(const char *what, const char *path)
{
    fprintf(stderr, "hospgen: %s %s: %s\n", what, path, strerror(errno));
    exit(4);
}

static void *xcalloc(size_t n, size_t sz)
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
static double festival(int day, double depth)
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

static double holiday(int day)
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

static int is_code(int i, const char *c) { return strcmp(DEPTS[i].code, c) == 0; }

static int dept_exists(int i, int ym) { return !is_code(i, NEW_CODE) || ym >= NEW_YM; }

static int dept_index(const char *code)
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

static double op_lambda(const Model *M, int i, int day)
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

static int is_icu(int i) { return is_code(i, "0113") || is_code(i, "0307"); }

static double adm_lambda(const Model *M, int i, int day)
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
static void make_id(char *b, const char *pre, int day, int dept, long seq, int n)
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

static void patient_key(char *b, const Model *M, uint32_t pat)
{
    static const char hx[] = "0123456789ABCDEF";
    uint64_t h = hkey(M->o.seed, T_PATKEY, pat, 0);
    b[0] = 'P';
    for (int k = 0; k < 10; k++) b[1 + k] = hx[(h >> (4 * k)) & 15];
    b[11] = 0;
}

static void doctor_code(char *b, int dept, int k)
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

static int tenths(double x) { return x <= 0 ? 0 : (int)(x * 10 + 0.5); }

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

static void make_devices(Model *M)
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

static int dev_in_ledger(const Device *x, int day) { return x->purchase <= day; }

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

static double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

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

static int visit_time(Rng *r, int emerg)
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

enum { C_PERS, C_DRUG, C_MAT, C_DEP, C_MAINT, C_OTHER };

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

static Month *gen_month(const Model *M, int y, int m)
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

static void free_month(Month *mo)
{
    free(mo->v);
    free(mo->s);
    free(mo->ip);
    free(mo->sr);
    free(mo->drv);
    free(mo->c);
    free(mo);
}

/* ------------------------------------------------------------- faults */

static const char *const F_NAMES[] = {"", "duplicate_key", "bad_date", "unknown_dept",
                                      "out_of_period", "fee_sum"};
#define F_SRC 6 /* a visit whose id another row duplicates: keep it clean */

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

static void plan_faults(const Model *M, Month *mo, int last)
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

/* ------------------------------------------------------------ writing */

typedef struct {
    const Model *M;
    const Month *mo;
    FaultLog *log;
    char dir[3800];
    char mon[8];
} Out;

static void flog(Out *o, const char *file, long line, const char *field, const char *kind,
                 const char *key, const char *detail)
{
    FaultLog *L = o->log;
    if (L->n == L->cap) {
        L->cap = L->cap ? L->cap * 2 : 64;
        L->r = realloc(L->r, (size_t)L->cap * sizeof *L->r);
        if (!L->r) die(4, "out of memory", NULL);
    }
    FaultRec *f = &L->r[L->n++];
    memcpy(f->month, o->mon, sizeof f->month);
    f->file = file;
    f->line = line;
    f->field = field;
    f->kind = kind;
    snprintf(f->key, sizeof f->key, "%s", key);
    snprintf(f->detail, sizeof f->detail, "%s", detail);
}

static void open_csv(Csv *w, const Out *o, const char *name, int gb)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", o->dir, name);
    if (csv_open(w, path, o->M->o.zh, o->M->o.zh || gb) != 0) die_errno("cannot write", path);
}

static void close_csv(Csv *w, const Out *o, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", o->dir, name);
    if (csv_close(w) != 0) die_errno("cannot write", path);
}

static long line_no(const Csv *w) { return w->rows + 2; }

static void fmt_date(char *b, int day, int zh)
{
    int y, m, d;
    calendar_civil_from_days(day, &y, &m, &d);
    sprintf(b, zh ? "%04d/%02d/%02d" : "%04d-%02d-%02d", y, m, d);
}

static const char *const E_CAT[] = {"clinical", "medtech", "support", "admin"};
static const char *const Z_CAT[] = {"临床", "医技", "医辅", "行政后勤"};

static int cat_idx(char c) { return c == 'c' ? 0 : c == 'm' ? 1 : c == 's' ? 2 : 3; }

static void write_dept(Out *o)
{
    static const char *const H[] = {"dept_code", "name_zh", "name_en", "category"};
    static const char *const Z[] = {"科室编码", "科室名称", "英文名称", "科室类别"};
    const Month *mo = o->mo;
    Csv w;
    open_csv(&w, o, "dept.csv", mo->gbdept);
    csv_header(&w, H, Z, 4);
    for (int i = 0; i < NDEPT; i++) {
        if (!mo->a[i].exists) continue;
        int old = is_code(i, REN_CODE) && mo->ym < REN_YM;
        csv_text(&w, DEPTS[i].code);
        csv_text(&w, old ? REN_OLD_ZH : DEPTS[i].zh);
        csv_text(&w, old ? REN_OLD_EN : DEPTS[i].en);
        csv_enum(&w, cat_idx(DEPTS[i].cat), E_CAT, Z_CAT);
        csv_end(&w);
    }
    close_csv(&w, o, "dept.csv");
    if (mo->gbdept)
        flog(o, "dept.csv", 0, "", "gb18030_file", "", "whole file encoded in GB18030, not UTF-8");
}

static long dup_source(const Month *mo, long row)
{
    for (int k = 0; k < mo->ndup; k++)
        if (mo->duprow[k] == row) return mo->dupsrc[k];
    return row;
}

static void visit_id(char *b, const Month *mo, long row)
{
    const Visit *v = &mo->v[row];
    make_id(b, "MZ", mo->d0 + v->day, v->dept, v->seq, 5);
}

static void visit_fault(Out *o, Csv *w, long row)
{
    const Month *mo = o->mo;
    const Visit *v = &mo->v[row];
    int zh = o->M->o.zh;
    char id[32], d[120], t[40];
    visit_id(id, mo, row);
    int hh = v->secs / 3600, mi = v->secs / 60 % 60, ss = v->secs % 60;
    switch (v->fault) {
    case F_DUP:
        visit_id(id, mo, dup_source(mo, row));
        snprintf(d, sizeof d, "visit_id already on line %ld", dup_source(mo, row) + 2);
        flog(o, "outpatient.csv", line_no(w), "visit_id", F_NAMES[F_DUP], id, d);
        break;
    case F_BADDATE:
        snprintf(d, sizeof d, "visit_time %04d%c13%c45 %02d:%02d:%02d", mo->y, zh ? '/' : '-',
                 zh ? '/' : '-', hh, mi, ss);
        flog(o, "outpatient.csv", line_no(w), "visit_time", F_NAMES[F_BADDATE], id, d);
        break;
    case F_UNKDEPT:
        snprintf(d, sizeof d, "dept_code 0999 not in dept.csv (true %s)", DEPTS[v->dept].code);
        flog(o, "outpatient.csv", line_no(w), "dept_code", F_NAMES[F_UNKDEPT], id, d);
        break;
    case F_OOP:
        fmt_date(t, mo->d0 - 1, zh);
        snprintf(d, sizeof d, "visit_time %s %02d:%02d:%02d outside %s", t, hh, mi, ss, o->mon);
        flog(o, "outpatient.csv", line_no(w), "visit_time", F_NAMES[F_OOP], id, d);
        break;
    case F_FEESUM: {
        long long parts = v->drug + v->mat + (long long)v->total - v->drug - v->mat + 100 + v->seq % 5000;
        snprintf(d, sizeof d, "drug+material+exam %lld.%02lld > total_fee %d.%02d", parts / 100,
                 parts % 100, v->total / 100, v->total % 100);
        flog(o, "outpatient.csv", line_no(w), "total_fee", F_NAMES[F_FEESUM], id, d);
        break;
    }
    }
}

static void write_outpatient(Out *o)
{
    static const char *const H[] = {"visit_id", "visit_time", "dept_code", "doctor_code",
                                    "patient_key", "visit_type", "total_fee", "drug_fee",
                                    "material_fee", "exam_fee", "wait_minutes", "appointment"};
    static const char *const Z[] = {"就诊流水号", "就诊时间", "科室编码", "医生编码", "患者标识",
                                    "就诊类型", "总费用", "药品费", "材料费", "检查费", "候诊分钟",
                                    "预约标志"};
    static const char *const ET[] = {"O", "E"}, *const ZT[] = {"门诊", "急诊"};
    static const char *const EY[] = {"Y", "N"}, *const ZY[] = {"是", "否"};
    /* 预约诊疗: a share of 50-70 % of outpatient visits per department;
       emergency visits are never booked */
    uint64_t appt_limit[MAXD];
    for (int i = 0; i < NDEPT; i++) {
        Rng r;
        rng_init(&r, hkey(o->M->o.seed, T_APPT, (uint64_t)i, 0));
        appt_limit[i] = (uint64_t)((0.5 + 0.2 * rng_unif(&r)) * 18446744073709551615.0);
    }
    const Month *mo = o->mo;
    int zh = o->M->o.zh;
    Csv w;
    char id[32], pk[16], doc[16], bad[40];
    open_csv(&w, o, "outpatient.csv", 0);
    csv_header(&w, H, Z, 12);
    for (long row = 0; row < mo->nv; row++) {
        const Visit *v = &mo->v[row];
        int f = v->fault == F_SRC ? F_NONE : v->fault;
        if (f) visit_fault(o, &w, row);
        visit_id(id, mo, f == F_DUP ? dup_source(mo, row) : row);
        csv_text(&w, id);
        if (f == F_BADDATE) {
            snprintf(bad, sizeof bad, "%04d%c13%c45 %02d:%02d:%02d", mo->y, zh ? '/' : '-',
                     zh ? '/' : '-', v->secs / 3600, v->secs / 60 % 60, v->secs % 60);
            csv_text(&w, bad);
        } else {
            csv_datetime(&w, f == F_OOP ? mo->d0 - 1 : mo->d0 + v->day, v->secs);
        }
        csv_text(&w, f == F_UNKDEPT ? "0999" : DEPTS[v->dept].code);
        doctor_code(doc, v->dept, v->doctor);
        csv_text(&w, doc);
        patient_key(pk, o->M, v->pat);
        csv_text(&w, pk);
        csv_enum(&w, v->type, ET, ZT);
        csv_money(&w, v->total);
        csv_money(&w, v->drug);
        csv_money(&w, v->mat);
        if (f == F_FEESUM) csv_money(&w, (long long)v->total - v->drug - v->mat + 100 + v->seq % 5000);
        else csv_money(&w, v->exam);
        if (v->wait < 0) csv_text(&w, "");
        else csv_int(&w, v->wait);
        int booked = v->type == 0 &&
                     hkey(o->M->o.seed, T_APPT, (uint64_t)(mo->d0 + v->day),
                          ((uint64_t)v->dept << 16) | v->seq) < appt_limit[v->dept];
        csv_enum(&w, booked ? 0 : 1, EY, ZY);
        csv_end(&w);
    }
    close_csv(&w, o, "outpatient.csv");
}

static void stay_id(char *b, const Stay *s) { make_id(b, "ZY", s->admit, s->dept, s->seq, 4); }

static void write_inpatient(Out *o)
{
    static const char *const H[] = {"stay_id", "patient_key", "dept_code", "admit_date",
                                    "discharge_date", "total_fee", "drug_fee", "material_fee",
                                    "exam_fee", "outcome"};
    static const char *const Z[] = {"住院流水号", "患者标识", "出院科室编码", "入院日期", "出院日期",
                                    "总费用", "药品费", "材料费", "检查费", "转归"};
    static const char *const EO[] = {"cured", "improved", "unhealed", "died", "other"};
    static const char *const ZO[] = {"治愈", "好转", "未愈", "死亡", "其他"};
    const Month *mo = o->mo;
    Csv w;
    char id[32], pk[16];
    open_csv(&w, o, "inpatient.csv", 0);
    csv_header(&w, H, Z, 10);
    for (long r = 0; r < mo->nip; r++) {
        const Stay *s = &mo->s[mo->ip[r]];
        stay_id(id, s);
        if (s->mrf == MR_MISSING)
            flog(o, "inpatient.csv", line_no(&w), "stay_id", "mr_missing", id,
                 "stay in inpatient.csv, not in mr_front.csv");
        csv_text(&w, id);
        patient_key(pk, o->M, s->pat);
        csv_text(&w, pk);
        csv_text(&w, DEPTS[s->dept].code);
        csv_date(&w, s->admit);
        csv_date(&w, s->disch);
        csv_money(&w, s->total);
        csv_money(&w, s->drug);
        csv_money(&w, s->mat);
        csv_money(&w, s->exam);
        csv_enum(&w, s->outcome, EO, ZO);
        csv_end(&w);
    }
    close_csv(&w, o, "inpatient.csv");
}

static void mr_row(Csv *w, const Stay *s, int dept, int admit)
{
    static const char *const EG[] = {"A", "B", "C"}, *const ZG[] = {"甲", "乙", "丙"};
    char id[32];
    stay_id(id, s);
    csv_text(w, id);
    csv_text(w, DEPTS[dept].code);
    csv_date(w, admit);
    csv_date(w, s->disch);
    csv_enum(w, s->rgrade, EG, ZG);
    csv_end(w);
}

static void mr_extra(Out *o, Csv *w)
{
    char id[32];
    stay_id(id, &o->mo->mrx);
    flog(o, "mr_front.csv", line_no(w), "stay_id", "mr_extra", id,
         "stay in mr_front.csv, not in inpatient.csv");
    mr_row(w, &o->mo->mrx, o->mo->mrx.dept, o->mo->mrx.admit);
}

static void write_mr(Out *o)
{
    static const char *const H[] = {"stay_id", "dept_code", "admit_date", "discharge_date",
                                    "record_grade"};
    static const char *const Z[] = {"住院流水号", "出院科室编码", "入院日期", "出院日期", "病案质量等级"};
    const Month *mo = o->mo;
    int zh = o->M->o.zh, end = mo->d0 + mo->nd;
    Csv w;
    char id[32], d[120], a[16], b[16];
    long q = 0;
    open_csv(&w, o, "mr_front.csv", 0);
    csv_header(&w, H, Z, 5);
    for (long k = 0; k < mo->ns; k++) {
        const Stay *s = &mo->s[k];
        if (s->disch < mo->d0 || s->disch >= end || s->mrf == MR_MISSING) continue;
        if (q++ == mo->mrx_after) mr_extra(o, &w);
        int dept = s->dept, admit = s->admit;
        stay_id(id, s);
        if (s->mrf == MR_DEPT) {
            dept = s->pad;
            snprintf(d, sizeof d, "dept_code inpatient %s, mr_front %s", DEPTS[s->dept].code,
                     DEPTS[dept].code);
            flog(o, "mr_front.csv", line_no(&w), "dept_code", "mr_dept_mismatch", id, d);
        } else if (s->mrf == MR_DATE) {
            admit = s->admit - 1;
            fmt_date(a, s->admit, zh);
            fmt_date(b, admit, zh);
            snprintf(d, sizeof d, "admit_date inpatient %s, mr_front %s", a, b);
            flog(o, "mr_front.csv", line_no(&w), "admit_date", "mr_date_mismatch", id, d);
        }
        mr_row(&w, s, dept, admit);
    }
    if (mo->mrx_after >= 0 && q <= mo->mrx_after) mr_extra(o, &w);
    close_csv(&w, o, "mr_front.csv");
}

/* 微创手术 and 日间手术 of an operation: minimally invasive at a rate of the
   department's (interventional and endoscopic ones high, open surgery
   low); a day operation only in a stay of at most one night. */
static void surgery_flags(const Model *M, const Stay *s, int k, int *mi, int *day)
{
    static const struct { const char *c; float mi, day; } t[] = {
        {"0101", .85f, 0}, {"0103", .90f, 0}, {"0104", .90f, 0}, {"0201", .50f, .1f},
        {"0202", .60f, 0}, {"0203", .45f, 0}, {"0204", .30f, .1f}, {"0205", .70f, 0},
        {"0206", .25f, 0}, {"0207", .15f, 0}, {"0208", .10f, 0}, {"0209", .55f, 0},
        {"0210", .65f, .2f}, {"0214", .20f, .4f}, {"0215", .95f, .3f}, {"0216", .30f, 0},
        {"0217", .10f, 0}, {"0219", .90f, .3f}, {"0221", .60f, .97f}, {"0301", .60f, .2f},
        {"0302", 0, 0}, {"0401", .30f, .6f}, {"0402", .60f, .2f}, {"0502", .35f, 0},
        {"0503", .10f, 0}};
    double pmi = .2, pday = .1;
    for (size_t q = 0; q < sizeof t / sizeof t[0]; q++)
        if (is_code(s->dept, t[q].c)) pmi = t[q].mi, pday = t[q].day;
    Rng r;
    rng_init(&r, hkey(M->o.seed, T_SURGF, (uint64_t)s->admit,
                      ((uint64_t)s->dept << 20) | ((uint64_t)s->seq << 2) | (uint64_t)k));
    *mi = rng_unif(&r) < pmi;
    *day = rng_unif(&r) < pday && s->disch - s->admit <= 1;
}

static void write_surgery(Out *o)
{
    static const char *const H[] = {"surgery_id", "stay_id", "dept_code", "surgery_date", "grade",
                                    "minimally_invasive", "day_surgery"};
    static const char *const Z[] = {"手术编号", "住院流水号", "手术科室编码", "手术日期", "手术级别",
                                    "微创手术标志", "日间手术标志"};
    static const char *const EY[] = {"Y", "N"}, *const ZY[] = {"是", "否"};
    const Month *mo = o->mo;
    int zh = o->M->o.zh;
    Csv w;
    char sid[40], id[32], d[120], a[16], b[16], c[16];
    open_csv(&w, o, "surgery.csv", 0);
    csv_header(&w, H, Z, 7);
    for (long k = 0; k < mo->nsr; k++) {
        const SurgRow *r = &mo->sr[k];
        const Stay *s = &mo->s[r->stay];
        stay_id(id, s);
        snprintf(sid, sizeof sid, "SS%s%c", id + 2, (char)('1' + r->k));
        int date = r->date;
        if (r->fault) {
            date = s->admit - 1;
            fmt_date(a, date, zh);
            fmt_date(b, s->admit, zh);
            fmt_date(c, s->disch, zh);
            snprintf(d, sizeof d, "surgery_date %s outside stay %s %s..%s", a, id, b, c);
            flog(o, "surgery.csv", line_no(&w), "surgery_date", "surgery_outside_stay", sid, d);
        }
        csv_text(&w, sid);
        csv_text(&w, id);
        csv_text(&w, DEPTS[s->dept].code);
        csv_date(&w, date);
        csv_int(&w, s->sgrade[r->k]);
        int mi, day;
        surgery_flags(o->M, s, r->k, &mi, &day);
        csv_enum(&w, mi ? 0 : 1, EY, ZY);
        csv_enum(&w, day ? 0 : 1, EY, ZY);
        csv_end(&w);
    }
    close_csv(&w, o, "surgery.csv");
}

static void write_census(Out *o)
{
    static const char *const H[] = {"date", "dept_code", "open_beds", "occupied_beds",
                                    "admissions", "discharges"};
    static const char *const Z[] = {"日期", "科室编码", "实际开放床位", "实际占用床位", "入院人数",
                                    "出院人数"};
    const Month *mo = o->mo;
    Csv w;
    char d[120];
    open_csv(&w, o, "census.csv", 0);
    csv_header(&w, H, Z, 6);
    for (int j = 0; j < mo->nd; j++)
        for (int i = 0; i < NDEPT; i++) {
            const Agg *a = &mo->a[i];
            if (!a->exists || a->beds == 0) continue;
            int dis = mo->cdis[i][j];
            if (i == mo->cen_dept && j == mo->cen_day) {
                dis += mo->cen_delta;
                snprintf(d, sizeof d, "census discharges %d, inpatient %d", a->dis + mo->cen_delta,
                         a->dis);
                flog(o, "census.csv", line_no(&w), "discharges", "census_diff", DEPTS[i].code, d);
            }
            csv_date(&w, mo->d0 + j);
            csv_text(&w, DEPTS[i].code);
            csv_int(&w, a->beds);
            csv_int(&w, mo->cocc[i][j]);
            csv_int(&w, mo->cadm[i][j]);
            csv_int(&w, dis);
            csv_end(&w);
        }
    close_csv(&w, o, "census.csv");
}

static void write_revenue(Out *o)
{
    static const char *const H[] = {"month", "dept_code", "category", "amount"};
    static const char *const Z[] = {"统计年月", "科室编码", "收入类别", "金额"};
    static const char *const EC[] = {"drug", "material", "exam", "treatment", "surgery", "bed", "other"};
    static const char *const ZC[] = {"药品", "材料", "检查", "治疗", "手术", "床位", "其他"};
    const Month *mo = o->mo;
    Csv w;
    char d[64];
    open_csv(&w, o, "revenue.csv", 0);
    csv_header(&w, H, Z, 4);
    for (int i = 0; i < NDEPT; i++) {
        const Agg *a = &mo->a[i];
        if (!a->exists || a->tot == 0) continue;
        for (int c = 0; c < 7; c++) {
            long long v = a->rev[c];
            if (i == mo->rev_dept && c == 3) {
                v += mo->rev_delta;
                long long x = mo->rev_delta < 0 ? -mo->rev_delta : mo->rev_delta;
                snprintf(d, sizeof d, "%s%lld.%02lld", mo->rev_delta < 0 ? "-" : "", x / 100, x % 100);
                flog(o, "revenue.csv", line_no(&w), "amount", "revenue_diff", DEPTS[i].code, d);
            }
            csv_month(&w, mo->y, mo->m);
            csv_text(&w, DEPTS[i].code);
            csv_enum(&w, c, EC, ZC);
            csv_money(&w, v);
            csv_end(&w);
        }
    }
    close_csv(&w, o, "revenue.csv");
}

static void write_cost(Out *o)
{
    static const char *const H[] = {"month", "dept_code", "category", "amount"};
    static const char *const Z[] = {"统计年月", "科室编码", "成本类别", "金额"};
    static const char *const EC[] = {"personnel", "drug", "material", "depreciation", "maintenance",
                                     "energy", "other"};
    static const char *const ZC[] = {"人员", "药品", "材料", "折旧", "维修", "能耗", "其他"};
    const Month *mo = o->mo;
    Csv w;
    open_csv(&w, o, "cost.csv", 0);
    csv_header(&w, H, Z, 4);
    for (int i = 0; i < NDEPT; i++) {
        if (!mo->a[i].exists) continue;
        /* 能耗 (water, power, gas, heating): 1-2 % of the department's direct
           cost, taken out of "other" so that every total stays as it was */
        long long total = 0, v[7];
        for (int c = 0; c < 6; c++) total += mo->a[i].cost[c];
        Rng r;
        rng_init(&r, hkey(o->M->o.seed, T_ENERGY, (uint64_t)i, (uint64_t)mo->ym));
        long long energy = (long long)((double)total * (0.01 + 0.01 * rng_unif(&r)));
        if (energy > mo->a[i].cost[C_OTHER] / 2) energy = mo->a[i].cost[C_OTHER] / 2;
        for (int c = 0; c < 5; c++) v[c] = mo->a[i].cost[c];
        v[5] = energy;
        v[6] = mo->a[i].cost[C_OTHER] - energy;
        for (int c = 0; c < 7; c++) {
            csv_month(&w, mo->y, mo->m);
            csv_text(&w, DEPTS[i].code);
            csv_enum(&w, c, EC, ZC);
            csv_money(&w, v[c]);
            csv_end(&w);
        }
    }
    close_csv(&w, o, "cost.csv");
}

static void write_staff(Out *o)
{
    static const char *const H[] = {"month", "dept_code", "doctors", "nurses", "technicians", "others"};
    static const char *const Z[] = {"统计年月", "科室编码", "医师", "护士", "技师", "其他人员"};
    const Month *mo = o->mo;
    Csv w;
    open_csv(&w, o, "staff.csv", 0);
    csv_header(&w, H, Z, 6);
    for (int i = 0; i < NDEPT; i++) {
        if (!mo->a[i].exists) continue;
        csv_month(&w, mo->y, mo->m);
        csv_text(&w, DEPTS[i].code);
        for (int k = 0; k < 4; k++) csv_tenths(&w, mo->a[i].fte[k]);
        csv_end(&w);
    }
    close_csv(&w, o, "staff.csv");
}

static void write_drivers(Out *o)
{
    static const char *const H[] = {"month", "from_dept", "to_dept", "units"};
    static const char *const Z[] = {"统计年月", "分摊科室编码", "受益科室编码", "工作量"};
    const Month *mo = o->mo;
    Csv w;
    open_csv(&w, o, "alloc_driver.csv", 0);
    csv_header(&w, H, Z, 4);
    for (int k = 0; k < mo->ndrv; k++) {
        csv_month(&w, mo->y, mo->m);
        csv_text(&w, DEPTS[mo->drv[k].from].code);
        csv_text(&w, DEPTS[mo->drv[k].to].code);
        csv_tenths(&w, mo->drv[k].tenths);
        csv_end(&w);
    }
    close_csv(&w, o, "alloc_driver.csv");
}

static void write_equipment(Out *o)
{
    static const char *const H[] = {"equipment_id", "name_zh", "name_en", "dept_code", "purchase_date",
                                    "original_value", "depreciation_years", "daily_capacity"};
    static const char *const Z[] = {"设备编号", "设备名称", "英文名称", "使用科室编码", "购置日期",
                                    "原值", "折旧年限", "日额定检查量"};
    const Month *mo = o->mo;
    int last = mo->d0 + mo->nd - 1;
    Csv w;
    open_csv(&w, o, "equipment.csv", 0);
    csv_header(&w, H, Z, 8);
    for (int k = 0; k < o->M->ndev; k++) {
        const Device *x = &o->M->dev[k];
        if (x->dept < 0 || !dev_in_ledger(x, last)) continue;
        csv_text(&w, x->id);
        csv_text(&w, EQUIPS[x->tmpl].zh);
        csv_text(&w, EQUIPS[x->tmpl].en);
        csv_text(&w, DEPTS[x->dept].code);
        csv_date(&w, x->purchase);
        csv_money(&w, x->value);
        csv_int(&w, x->years);
        csv_int(&w, x->capacity);
        csv_end(&w);
    }
    close_csv(&w, o, "equipment.csv");
}

static void usage_row(const Model *M, Csv *w, const Device *x, int k, int day)
{
    Rng r;
    rng_init(&r, hkey(M->o.seed, T_USE, (uint64_t)day, (uint64_t)k));
    int wd = calendar_weekday(day);
    double f = wd == 6 ? x->wkend * .6 : wd == 5 ? x->wkend : 1;
    f *= 0.5 + 0.5 * holiday(day);
    f *= festival(day, .4);
    int down = 0; /* tenths of hours */
    if (rng_unif(&r) < .035) down = 10 + 5 * rng_below(&r, 19);
    int exams = 0;
    if (rng_unif(&r) >= x->idle * (wd >= 5 ? 2 : 1))
        exams = rng_poisson(&r, x->capacity * x->util * f * (1 - down / 120.0));
    double price = EQUIPS[x->tmpl].price * (0.92 + 0.16 * rng_unif(&r));
    csv_date(w, day);
    csv_text(w, x->id);
    csv_int(w, exams);
    csv_money(w, (long long)(exams * price * 100 + 0.5));
    csv_tenths(w, down);
    csv_end(w);
}

static void write_usage(Out *o)
{
    static const char *const H[] = {"date", "equipment_id", "exams", "revenue", "downtime_hours"};
    static const char *const Z[] = {"日期", "设备编号", "检查人次", "收入", "停机小时"};
    const Month *mo = o->mo;
    Csv w;
    open_csv(&w, o, "equipment_usage.csv", 0);
    csv_header(&w, H, Z, 5);
    for (int j = 0; j < mo->nd; j++)
        for (int k = 0; k < o->M->ndev; k++) {
            const Device *x = &o->M->dev[k];
            if (x->dept >= 0 && dev_in_ledger(x, mo->d0 + j)) usage_row(o->M, &w, x, k, mo->d0 + j);
        }
    close_csv(&w, o, "equipment_usage.csv");
}

static void write_complaints(Out *o)
{
    static const char *const H[] = {"complaint_id", "received_date", "dept_code", "category", "resolved"};
    static const char *const Z[] = {"投诉编号", "受理日期", "科室编码", "投诉类别", "是否办结"};
    static const char *const EC[] = {"service", "quality", "cost", "other"};
    static const char *const ZC[] = {"服务", "质量", "费用", "其他"};
    static const char *const EY[] = {"Y", "N"}, *const ZY[] = {"是", "否"};
    const Month *mo = o->mo;
    Csv w;
    char id[32];
    open_csv(&w, o, "complaints.csv", 0);
    csv_header(&w, H, Z, 5);
    for (int k = 0; k < mo->nc; k++) {
        const Complaint *c = &mo->c[k];
        snprintf(id, sizeof id, "TS%04d%02d%s%02d", mo->y, mo->m, DEPTS[c->dept].code, c->seq);
        csv_text(&w, id);
        csv_date(&w, mo->d0 + c->day);
        csv_text(&w, DEPTS[c->dept].code);
        csv_enum(&w, c->cat, EC, ZC);
        csv_enum(&w, c->resolved ? 0 : 1, EY, ZY);
        csv_end(&w);
    }
    close_csv(&w, o, "complaints.csv");
}

/* Expected year totals of the model, for budget targets. */
static void expect_year(const Model *M, int i, int y, double e[4])
{
    const DeptDef *d = &DEPTS[i];
    int a = calendar_days_from_civil(y, 1, 1), b = calendar_days_from_civil(y + 1, 1, 1);
    double ds = d->gtype >= 2 && d->surg >= .3 ? .20 : .33;
    for (int day = a; day < b; day++) {
        double l = op_lambda(M, i, day), s = adm_lambda(M, i, day);
        e[0] += l * (1 - d->emer);
        e[1] += s;
        e[2] += l * d->opfee * (1 + .15 * d->emer) + s * d->ipfee * 1000;
        e[3] += l * d->opfee * d->drug + s * d->ipfee * 1000 * ds;
    }
}

static void budget_rows(Csv *w, int y, const char *code, const double e[4])
{
    static const char *const H[] = {"", "outpatient_visits", "discharges", "medical_revenue"};
    for (int k = 1; k <= 4; k++) {
        if (k < 4 && e[k - 1] <= 0) continue;
        if (k == 4 && e[2] <= 0) continue;
        csv_int(w, y);
        csv_text(w, code);
        csv_text(w, k < 4 ? H[k] : "drug_ratio");
        if (k == 1 || k == 2) csv_int(w, (long long)(e[k - 1] * 1.04 + 0.5));
        else if (k == 3) csv_int(w, (long long)(e[2] * 1.05 / 1000 + 0.5) * 1000);
        else csv_tenths(w, (long long)((100 * e[3] / e[2] - 1.0) * 10 + 0.5));
        csv_end(w);
    }
}

static void write_budget(Out *o)
{
    static const char *const H[] = {"year", "dept_code", "indicator", "target"};
    static const char *const Z[] = {"年度", "科室编码", "指标", "目标值"};
    const Month *mo = o->mo;
    double all[4] = {0, 0, 0, 0}, e[MAXD][4];
    memset(e, 0, sizeof e);
    for (int i = 0; i < NDEPT; i++) {
        if (!mo->a[i].exists || DEPTS[i].cat != 'c') continue;
        expect_year(o->M, i, mo->y, e[i]);
        for (int k = 0; k < 4; k++) all[k] += e[i][k];
    }
    Csv w;
    open_csv(&w, o, "budget.csv", 0);
    csv_header(&w, H, Z, 4);
    budget_rows(&w, mo->y, "*", all);
    for (int i = 0; i < NDEPT; i++)
        if (mo->a[i].exists && DEPTS[i].cat == 'c') budget_rows(&w, mo->y, DEPTS[i].code, e[i]);
    close_csv(&w, o, "budget.csv");
}


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
static void write_drg(Out *o, int *nobench)
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

static void write_drg_benchmark(Out *o, int nobench)
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

static void write_antibiotic(Out *o)
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

static void mkdir_p(const char *path)
{
    char b[4096];
    snprintf(b, sizeof b, "%s", path);
    for (char *p = b + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(b, 0777) != 0 && errno != EEXIST) die_errno("cannot create", b);
        *p = '/';
    }
    if (mkdir(b, 0777) != 0 && errno != EEXIST) die_errno("cannot create", b);
}

static void write_month(const Model *M, const Month *mo, FaultLog *log)
{
    Out o;
    o.M = M;
    o.mo = mo;
    o.log = log;
    snprintf(o.mon, sizeof o.mon, "%04d-%02d", mo->y, mo->m);
    snprintf(o.dir, sizeof o.dir, "%s/%s", M->o.out, o.mon);
    mkdir_p(o.dir);
    write_dept(&o);
    write_outpatient(&o);
    write_inpatient(&o);
    write_mr(&o);
    write_surgery(&o);
    write_census(&o);
    write_revenue(&o);
    write_cost(&o);
    write_staff(&o);
    write_drivers(&o);
    write_equipment(&o);
    write_usage(&o);
    write_complaints(&o);
    if (mo->m == 1) write_budget(&o);
    int nobench;
    write_drg(&o, &nobench);
    write_drg_benchmark(&o, nobench);
    write_antibiotic(&o);
}

static void write_faults(const Model *M, const FaultLog *L)
{
    static const char *const H[] = {"month", "file", "line", "field", "fault", "key", "detail"};
    char path[4096];
    snprintf(path, sizeof path, "%s/faults.csv", M->o.out);
    Csv w;
    if (csv_open(&w, path, 0, 0) != 0) die_errno("cannot write", path);
    csv_header(&w, H, H, 7);
    for (int k = 0; k < L->n; k++) {
        const FaultRec *f = &L->r[k];
        csv_text(&w, f->month);
        csv_text(&w, f->file);
        if (f->line > 0) csv_int(&w, f->line);
        else csv_text(&w, "");
        csv_text(&w, f->field);
        csv_text(&w, f->kind);
        csv_text(&w, f->key);
        csv_text(&w, f->detail);
        csv_end(&w);
    }
    if (csv_close(&w) != 0) die_errno("cannot write", path);
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fputs("Usage: hospgen --out DIR --end YYYY-MM [--months N] [--scale S] [--seed N]\n"
          "               [--faults] [--profile standard|chinese-his] [--outpatient-rows N] [--quiet]\n"
          "Writes DIR/YYYY-MM/ raw monthly exports (EXPORTS.md) of a sample tertiary\n"
          "hospital for the N months (default 25) ending at --end.\n"
          "  --scale S            volume relative to a 3,000-bed hospital (default 1.0)\n"
          "  --seed N             random seed (default 1); same arguments, same bytes\n"
          "  --faults             inject known faults in the last 2 months, listed in DIR/faults.csv\n"
          "  --profile P          standard (UTF-8, EXPORTS.md) or chinese-his (GB18030, chinese-his.md)\n"
          "  --outpatient-rows N  exactly N outpatient rows in every month (benchmarks)\n"
          "  --quiet              no progress on stderr\n",
          f);
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (errno || e == s || *e || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static void bad_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "hospgen: %s%s%s\nTry 'hospgen --help'.\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(1);
}

static void parse_args(int argc, char **argv, Opts *o)
{
    memset(o, 0, sizeof *o);
    o->months = 25;
    o->scale = 1.0;
    o->seed = 1;
    const char *end = NULL;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        const char *val = NULL;
        char name[64];
        const char *eq = strchr(a, '=');
        size_t n = eq ? (size_t)(eq - a) : strlen(a);
        if (n >= sizeof name) bad_usage("unknown option", a);
        memcpy(name, a, n);
        name[n] = 0;
        if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
            usage(stdout);
            exit(0);
        }
        if (!strcmp(name, "--faults")) { o->faults = 1; continue; }
        if (!strcmp(name, "--quiet")) { o->quiet = 1; continue; }
        if (strcmp(name, "--out") && strcmp(name, "--end") && strcmp(name, "--months") &&
            strcmp(name, "--scale") && strcmp(name, "--seed") && strcmp(name, "--profile") &&
            strcmp(name, "--outpatient-rows"))
            bad_usage("unknown option", a);
        if (eq) val = eq + 1;
        else if (k + 1 < argc) val = argv[++k];
        else bad_usage("missing value for", name);
        double v;
        if (!strcmp(name, "--out")) o->out = val;
        else if (!strcmp(name, "--end")) end = val;
        else if (!strcmp(name, "--months")) {
            if (parse_num(val, 1, 1200, &v) || v != (int)v) bad_usage("bad --months", val);
            o->months = (int)v;
        } else if (!strcmp(name, "--scale")) {
            if (parse_num(val, 0.0001, 20, &v)) bad_usage("bad --scale", val);
            o->scale = v;
        } else if (!strcmp(name, "--seed")) {
            char *e;
            errno = 0;
            o->seed = strtoull(val, &e, 10);
            if (errno || e == val || *e) bad_usage("bad --seed", val);
        } else if (!strcmp(name, "--profile")) {
            if (!strcmp(val, "standard")) o->zh = 0;
            else if (!strcmp(val, "chinese-his")) o->zh = 1;
            else bad_usage("bad --profile", val);
        } else {
            if (parse_num(val, 1, 20000000, &v) || v != (long)v) bad_usage("bad --outpatient-rows", val);
            o->op_rows = (long)v;
        }
    }
    if (!o->out || !*o->out) bad_usage("--out DIR is required", NULL);
    if (!end) bad_usage("--end YYYY-MM is required", NULL);
    if (strlen(end) != 7 || end[4] != '-' || sscanf(end, "%4d-%2d", &o->end_y, &o->end_m) != 2 ||
        o->end_m < 1 || o->end_m > 12 || o->end_y < 2000 || o->end_y > 2099)
        bad_usage("bad --end (want YYYY-MM)", end);
}

static void init_model(Model *M)
{
    double op = 0, ip = 0;
    for (int i = 0; i < NDEPT; i++) {
        op += DEPTS[i].op;
        ip += DEPTS[i].ip;
    }
    M->opnorm = 500.0 / op;
    M->ipnorm = 12000.0 / ip;
    M->pool = (long)(2.5e6 * M->o.scale);
    if (M->pool < 1000) M->pool = 1000;
    make_devices(M);
    for (int a = 0; a < NADRG; a++) {
        int i = dept_index(ADRGS[a].dept);
        if (i < 0) die(4, "DRG catalogue names an unknown department", ADRGS[a].dept);
        for (int b = 0; b < a; b++)
            if (!strcmp(ADRGS[a].stem, ADRGS[b].stem)) die(4, "DRG stem twice", ADRGS[a].stem);
        if (ADRGS[a].kind == 'S' && M->nadrg_s[i] < MAXADRG) M->adrg_s[i][M->nadrg_s[i]++] = a;
        if (ADRGS[a].kind != 'S' && M->nadrg_m[i] < MAXADRG) M->adrg_m[i][M->nadrg_m[i]++] = a;
    }
}

int main(int argc, char **argv)
{
    Model M;
    memset(&M, 0, sizeof M);
    parse_args(argc, argv, &M.o);
    if (NDEPT > MAXD) die(4, "department table too large", NULL);
    init_model(&M);
    mkdir_p(M.o.out);
    FaultLog log = {NULL, 0, 0};
    int last = M.o.end_y * 12 + M.o.end_m - 1;
    for (int k = 0; k < M.o.months; k++) {
        int idx = last - (M.o.months - 1 - k);
        int y = idx / 12, m = idx % 12 + 1;
        Month *mo = gen_month(&M, y, m);
        if (M.o.faults && k >= M.o.months - 2) plan_faults(&M, mo, k == M.o.months - 1);
        write_month(&M, mo, &log);
        if (!M.o.quiet)
            fprintf(stderr, "%04d-%02d: %ld visits, %ld discharges, %ld operations\n", y, m, mo->nv,
                    mo->nip, mo->nsr);
        free_month(mo);
    }
    if (M.o.faults) write_faults(&M, &log);
    free(M.dev);
    free(log.r);
    return 0;
}
