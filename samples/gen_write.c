/*
** gen_write.c - a month's v1 export files (EXPORTS.md, or chinese-his.md
** with --profile chinese-his), each fault a writer plants logged for
** faults.csv; write_month() writes them all, the v2 ones included.
*/
#include "samples/model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ writing */

void flog(Out *o, const char *file, long line, const char *field, const char *kind,
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

void open_csv(Csv *w, const Out *o, const char *name, int gb)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", o->dir, name);
    if (csv_open(w, path, o->M->o.zh, o->M->o.zh || gb) != 0) die_errno("cannot write", path);
}

void close_csv(Csv *w, const Out *o, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", o->dir, name);
    if (csv_close(w) != 0) die_errno("cannot write", path);
}

long line_no(const Csv *w) { return w->rows + 2; }

void fmt_date(char *b, int day, int zh)
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

void stay_id(char *b, const Stay *s) { make_id(b, "ZY", s->admit, s->dept, s->seq, 4); }

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

void mkdir_p(const char *path)
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

void write_month(const Model *M, const Month *mo, FaultLog *log)
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

void write_faults(const Model *M, const FaultLog *L)
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
