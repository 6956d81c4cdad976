/*
** gen.h - shared declarations of hospgen, the sample export generator.
**
** gen_util.c: random streams, calendar arithmetic, the buffered CSV writer
** (both output profiles, optional GB18030 re-encoding).
** gen_data.c: the fixed department and equipment catalogues.
** gen_drg.c:  the DRG groups (ADRG) of each inpatient department.
** model.h:    the hospital model and the files that simulate and write it.
*/
#ifndef HOSPGEN_GEN_H
#define HOSPGEN_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline/core/calendar.h"

/* ---- random streams (xoshiro256** seeded through splitmix64) ---- */
typedef struct { uint64_t s[4]; } Rng;
uint64_t mix64(uint64_t x);
uint64_t hkey(uint64_t seed, uint64_t tag, uint64_t a, uint64_t b);
void rng_init(Rng *r, uint64_t key);
uint64_t rng_next(Rng *r);
double rng_unif(Rng *r);              /* [0,1) */
double rng_norm(Rng *r);              /* N(0,1) */
int rng_below(Rng *r, int n);         /* 0..n-1 */
int rng_poisson(Rng *r, double lambda);
double rng_lognorm(Rng *r, double mean, double sigma); /* mean is E[X] */

/* ---- calendar: day numbers since 1970-01-01, pipeline/core/calendar.h ---- */

/* ---- CSV writer ---- */
typedef struct {
    FILE *f;
    char *buf;
    size_t len, cap;
    int zh;          /* chinese-his value formats, CRLF */
    int gb;          /* re-encode to GB18030 at flush */
    int nf;          /* fields written in the current row */
    void *cd;        /* iconv_t when gb */
    char *conv;      /* conversion buffer */
    size_t convcap;
    int err;
    long rows;       /* data rows written (header excluded) */
} Csv;

int csv_open(Csv *w, const char *path, int zh, int gb);
int csv_close(Csv *w);                 /* 0 ok, -1 error (errno set) */
void csv_header(Csv *w, const char *const *en, const char *const *zh, int n);
void csv_text(Csv *w, const char *s);  /* quoted when needed */
void csv_int(Csv *w, long long v);
void csv_tenths(Csv *w, long long tenths); /* decimal with 1 place, "12" or "12.5" */
void csv_money(Csv *w, long long cents);
void csv_date(Csv *w, int day);
void csv_datetime(Csv *w, int day, int secs);
void csv_month(Csv *w, int y, int m);
void csv_enum(Csv *w, int idx, const char *const *en, const char *const *zh);
void csv_end(Csv *w);

/* ---- catalogues (gen_data.c) ---- */
typedef struct {
    const char *code, *zh, *en;
    char cat;             /* 'c' clinical, 'm' medtech, 's' support, 'a' admin */
    float op;             /* outpatient+emergency visits a month, thousands (relative) */
    float emer;           /* share of visits that are emergency */
    float opfee;          /* mean outpatient fee, CNY */
    float drug, mat, exam;/* outpatient fee shares */
    float ip;             /* discharges a month (relative) */
    float los;            /* mean length of stay, days */
    float ipfee;          /* mean fee per stay, thousand CNY */
    float surg;           /* share of stays with an operation */
    int gtype;            /* 0 none, 1 minor, 2 medium, 3 major operations */
    int season;           /* 'r' respiratory, 'p' paediatric, 'e' emergency, 0 */
} DeptDef;

typedef struct {
    const char *zh, *en, *dept;
    float vmin, vmax;     /* original value range, million CNY */
    int capacity;         /* rated exams per working day */
    float price;          /* CNY per exam */
    int years;            /* depreciation years */
    float count;          /* devices at scale 1 */
} EquipDef;

/* An adjacent DRG group (gen_drg.c): with a severity (1, 3, 5) a group. */
typedef struct {
    const char *stem, *name, *dept; /* "FM1", its name, the department owning it */
    char kind;            /* 'S' operated stays, 'M' the others */
    float factor;         /* weight against the department's mean stay */
    char low_risk;        /* its groups with severity 3 and 5 are low-risk (低风险组) */
} AdrgDef;

extern const DeptDef DEPTS[];
extern const int NDEPT;
extern const EquipDef EQUIPS[];
extern const int NEQUIP;
extern const AdrgDef ADRGS[];
extern const int NADRG;

#endif
