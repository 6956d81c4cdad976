/*
** hospgen.c - deterministic sample data generator for hospreport: the
** command line and the loop over the months.
**
** Writes one folder of raw exports per month (EXPORTS.md) for a large
** tertiary hospital: HIS visits and stays, medical records, operations,
** ward census, finance ledger, costs, staff, allocation drivers, equipment,
** complaints and budgets, consistent with each other on clean runs.
** Same arguments, same bytes.  --faults injects known problems into the
** last two months and lists them in DIR/faults.csv (see README.md).
** The model and the writers are in the files model.h lists.
*/
#include "samples/model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
