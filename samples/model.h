/*
** model.h - the hospital model hospgen simulates, shared by its files.
**
** gen_model.c:  the model, one month at a time: calendar effects, the
**               departments, ids, staff, equipment, stays, outpatient
**               visits, revenue, allocation drivers, costs, complaints.
** gen_faults.c: the known problems --faults plans into the last two months.
** gen_write.c:  the v1 export files of a month (EXPORTS.md), faults.csv.
** gen_write_v2.c: the v2 sources (drg.csv, drg_benchmark.csv,
**               antibiotic.csv).
** hospgen.c:    the command line and the loop over the months.
** The random streams, the CSV writer and the catalogues are gen.h's.
*/
#ifndef HOSPGEN_MODEL_H
#define HOSPGEN_MODEL_H

#include "samples/gen.h"

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
#define F_SRC 6 /* a visit whose id another row duplicates: keep it clean */
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

/* Agg.cost[]: the cost categories of cost.csv. */
enum { C_PERS, C_DRUG, C_MAT, C_DEP, C_MAINT, C_OTHER };

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

/* One month's files being written (gen_write.c, gen_write_v2.c). */
typedef struct {
    const Model *M;
    const Month *mo;
    FaultLog *log;
    char dir[3800];
    char mon[8];
} Out;

/* ---- gen_model.c ---- */
void die(int code, const char *msg, const char *arg);
void die_errno(const char *what, const char *path);
void *xcalloc(size_t n, size_t sz);
double festival(int day, double depth);
double holiday(int day);
int is_code(int i, const char *c);
int dept_index(const char *code);
double op_lambda(const Model *M, int i, int day);
int is_icu(int i);
double adm_lambda(const Model *M, int i, int day);
void make_id(char *b, const char *pre, int day, int dept, long seq, int n);
void patient_key(char *b, const Model *M, uint32_t pat);
void doctor_code(char *b, int dept, int k);
int tenths(double x);
void make_devices(Model *M);
int dev_in_ledger(const Device *x, int day);
double clampd(double x, double lo, double hi);
int visit_time(Rng *r, int emerg);
Month *gen_month(const Model *M, int y, int m);
void free_month(Month *mo);

/* ---- gen_faults.c ---- */
extern const char *const F_NAMES[];
void plan_faults(const Model *M, Month *mo, int last);

/* ---- gen_write.c ---- */
void flog(Out *o, const char *file, long line, const char *field, const char *kind,
          const char *key, const char *detail);
void open_csv(Csv *w, const Out *o, const char *name, int gb);
void close_csv(Csv *w, const Out *o, const char *name);
long line_no(const Csv *w);
void fmt_date(char *b, int day, int zh);
void stay_id(char *b, const Stay *s);
void mkdir_p(const char *path);
void write_month(const Model *M, const Month *mo, FaultLog *log);
void write_faults(const Model *M, const FaultLog *L);

/* ---- gen_write_v2.c ---- */
void write_drg(Out *o, int *nobench);
void write_drg_benchmark(Out *o, int nobench);
void write_antibiotic(Out *o);

#endif
