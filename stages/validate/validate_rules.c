/*
 * validate_rules.c -- from config/rules/validation.xml to SQL.
 *
 * The rules file says, per source and field, what to check (see
 * config/schema/validation.xsd). Each rule becomes SQL over its table
 * (alias t): a condition that is true when a row breaks it and a message
 * expression; validate.c merges the conditions of a table into one pass.
 * A key rule keeps its columns (validate_keys.c checks them).
 * So a month of half a million rows is checked by SQLite without a row
 * ever crossing into C. Field names from the file are
 * checked against the table's columns before they go into SQL (a money
 * field `total_fee` is the column `total_fee_cents`); values go in quoted
 * with %Q, so the rules file cannot inject SQL.
 */
#include "stages/validate/validate_int.h"

#include <libxml/parser.h>
#include <errno.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/core/db.h"
#include "pipeline/core/msg.h"
#include "pipeline/core/strbuf.h"
#include "pipeline/core/xmlconf.h"
#include "pipeline/core/xalloc.h"

/* A column of a canonical table, as resolved from a rules-file field. */
typedef struct vcolumn {
    char name[80];   /* SQL column */
    char field[80];  /* as the export names it */
    int is_money;    /* *_cents: shown as CNY */
    int is_text;
    int is_int;      /* declared INTEGER */
    char shown[96];  /* SQL for its value in a message: t.name, or the mask
                      * for a patient identifier, never shown */
} vcolumn;

typedef struct vparse {
    sqlite3 *db;
    const char *path;
    vconfig *conf;
    hr_error *err;
    long long money_limit_cents;
    char money_limit_text[40];
    vcheck pending; /* the rule being parsed, in C (rule_add takes it) */
} vparse;

static void pending_set(vparse *p, vc_kind kind, const char *col)
{
    vcheck_free(&p->pending);
    p->pending.kind = kind;
    p->pending.col = xstrdup(col);
}

static void pending_list_add(vparse *p, const char *value)
{
    vcheck *c = &p->pending;
    c->list = xrealloc(c->list, (size_t)(c->nlist + 1) * sizeof *c->list);
    c->list[c->nlist++] = xstrdup(value);
}

static char *attr(xmlNode *n, const char *name)
{
    return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static int parse_fail(vparse *p, xmlNode *n, const char *field, const char *fmt, const char *arg)
{
    return hr_error_set(p->err, HR_EFAIL, p->path, n ? xmlGetLineNo(n) : 0, field, fmt, arg);
}

/* Resolves `field` of `table` to a column; 0 when found. */
static int column_find(sqlite3 *db, const char *table, const char *field, vcolumn *out)
{
    char *sql = sqlite3_mprintf("SELECT name, type FROM pragma_table_info(%Q) "
                                "WHERE name = %Q OR name = %Q || '_cents' "
                                "ORDER BY name = %Q DESC LIMIT 1",
                                table, field, field, field);
    sqlite3_stmt *st = NULL;
    int found = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        snprintf(out->name, sizeof out->name, "%s", name);
        snprintf(out->field, sizeof out->field, "%s", field);
        out->is_money = strcmp(name, field) != 0;
        out->is_text = type && strcmp(type, "TEXT") == 0;
        out->is_int = type && strcmp(type, "INTEGER") == 0;
        if (strcmp(name, "patient_key") == 0)
            snprintf(out->shown, sizeof out->shown, "'%s'", VQUARANTINE_MASK);
        else
            snprintf(out->shown, sizeof out->shown, "t.%s", name);
        found = 0;
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return found;
}

static int table_exists(sqlite3 *db, const char *table)
{
    vcolumn c;
    return column_find(db, table, "period", &c) == 0;
}

/* SQL for a column's value as shown in a message. */
static void value_sql(strbuf *sb, const vcolumn *c)
{
    if (c->is_money)
        sb_addf(sb, "printf('%%.2f', %s / 100.0)", c->name);
    else
        sb_addstr(sb, c->shown);
}

static int column_or_fail(vparse *p, xmlNode *n, const char *table, const char *field,
                          vcolumn *out)
{
    if (!field || !*field)
        return parse_fail(p, n, NULL, "rule without a field%s", "");
    if (column_find(p->db, table, field, out))
        return hr_error_set(p->err, HR_EFAIL, p->path, xmlGetLineNo(n), field,
                            "source '%s' has no field '%s'", table, field);
    return 0;
}

/* A rule's message is the SQL printf(FMT, args...) of one format that names
 * no field (the field is an argument): FMT is a message id of the catalog,
 * so that rule_add can make the Chinese message from the same arguments.
 * TRANSLATORS of these formats: SQLite's printf takes no %1$s, keep the
 * order of the conversions. */
static void msg_open(strbuf *m, const char *fmt)
{
    char *q = sqlite3_mprintf("printf(%Q", fmt);
    sb_addstr(m, q);
    sqlite3_free(q);
}

static void msg_text_arg(strbuf *m, const char *s)
{
    char *q = sqlite3_mprintf(", %Q", s);
    sb_addstr(m, q);
    sqlite3_free(q);
}

/* The message expression with its format (the first SQL string literal:
 * printf('FMT', ...) or a plain 'text') in Chinese: the quarantine file
 * gives the reason in both languages, as its header. */
char *vmessage_zh(const char *m)
{
    size_t start = strncmp(m, "printf('", 8) == 0 ? 7 : m[0] == '\'' ? 0 : (size_t)-1;
    if (start == (size_t)-1)
        return xstrdup(m);
    strbuf fmt = STRBUF_INIT;
    size_t i = start + 1;
    for (; m[i]; i++) {
        if (m[i] == '\'' && m[i + 1] == '\'')
            sb_addch(&fmt, '\''), i++;
        else if (m[i] == '\'')
            break;
        else
            sb_addch(&fmt, m[i]);
    }
    if (!m[i] || !fmt.len) {
        sb_release(&fmt);
        return xstrdup(m);
    }
    char *q = sqlite3_mprintf("%.*s%Q%s", (int)start, m, msg_tr_lang(1, fmt.buf), m + i + 1);
    char *out = xstrdup(q ? q : m);
    sqlite3_free(q);
    sb_release(&fmt);
    return out;
}

static void rule_add(vparse *p, const char *source, const char *field, const char *rule,
                     int is_warning, strbuf *where, strbuf *message, int needs_dept,
                     int needs_equip, int needs_stays)
{
    vconfig *c = p->conf;
    c->rules = xrealloc(c->rules, (size_t)(c->nrules + 1) * sizeof *c->rules);
    vrule *r = &c->rules[c->nrules];
    memset(r, 0, sizeof *r);
    r->source = xstrdup(source);
    r->field = xstrdup(field);
    r->rule = xstrdup(rule);
    r->is_warning = is_warning;
    r->needs_dept = needs_dept;
    r->needs_equip = needs_equip;
    r->needs_stays = needs_stays;
    r->cond = sb_detach(where, NULL);
    r->message = sb_detach(message, NULL);
    r->message_zh = vmessage_zh(r->message);
    r->check = p->pending;
    memset(&p->pending, 0, sizeof p->pending);
    c->nrules++;
}

static int rule_required(vparse *p, xmlNode *n, const char *src, const vcolumn *c,
                         strbuf *w, strbuf *m)
{
    (void)n, (void)src;
    pending_set(p, VC_REQUIRED, c->name);
    sb_addf(w, "t.%s IS NULL OR t.%s = ''", c->name, c->name);
    char *q = sqlite3_mprintf("%Q", N_("a value is required"));
    sb_addstr(m, q);
    sqlite3_free(q);
    return 0;
}

static int rule_enum(vparse *p, xmlNode *n, const char *src, const vcolumn *c, strbuf *w,
                     strbuf *m)
{
    (void)src;
    char *values = attr(n, "values");
    strbuf list = STRBUF_INIT, shown = STRBUF_INIT;
    char *save = NULL;
    if (c->is_text) /* text against text: no affinity to apply */
        pending_set(p, VC_ENUM, c->name);
    for (char *tok = strtok_r(values, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (c->is_text)
            pending_list_add(p, tok);
        char *q = sqlite3_mprintf("%Q", tok);
        sb_addstr(&list, list.len ? ", " : "");
        sb_addstr(&list, q);
        sb_addstr(&shown, shown.len ? ", " : "");
        sb_addstr(&shown, tok);
        sqlite3_free(q);
    }
    xmlFree(values);
    int rc = 0;
    if (!list.len) {
        rc = parse_fail(p, n, c->name, "enum rule without values%s", "");
    } else {
        sb_addf(w, "t.%s NOT IN (%s)", c->name, list.buf);
        msg_open(m, N_("'%s' is not one of %s"));
        sb_addf(m, ", %s", c->shown);
        msg_text_arg(m, shown.buf);
        sb_addstr(m, ")");
    }
    sb_release(&list);
    sb_release(&shown);
    return rc;
}

/* A bound of a range rule as SQL text, in the column's unit. */
static int bound_sql(vparse *p, xmlNode *n, const vcolumn *c, const char *which, char *out,
                     size_t size)
{
    char *v = attr(n, which);
    if (!v)
        return 1;
    char *end;
    double d = strtod(v, &end);
    int bad = end == v || *end != '\0' || !isfinite(d);
    xmlFree(v);
    if (bad)
    {
        parse_fail(p, n, c->field, "range %s is not a number", which);
        return -1;
    }
    if (c->is_money)
        snprintf(out, size, "%lld", (long long)llround(d * 100.0));
    else
        snprintf(out, size, "%.17g", d);
    return 0;
}

/* 1 when SQL reads `text` as an integer literal (its value in *v). */
static int integer_literal(const char *text, long long *v)
{
    char *end;
    errno = 0;
    *v = strtoll(text, &end, 10);
    return end != text && *end == '\0' && errno == 0;
}

static int rule_range(vparse *p, xmlNode *n, const char *src, const vcolumn *c, strbuf *w,
                      strbuf *m)
{
    (void)src;
    char lo[64], hi[64];
    int miss_lo = bound_sql(p, n, c, "min", lo, sizeof lo);
    int miss_hi = bound_sql(p, n, c, "max", hi, sizeof hi);
    if (miss_lo < 0 || miss_hi < 0)
        return p->err->code;
    if (miss_lo && miss_hi)
        return parse_fail(p, n, c->name, "range rule without min or max%s", "");
    /* min-exclusive="true": the minimum itself is outside (weight > 0) */
    char *excl = attr(n, "min-exclusive");
    int open_lo = excl && (strcmp(excl, "true") == 0 || strcmp(excl, "1") == 0);
    xmlFree(excl);
    pending_set(p, VC_RANGE, c->name);
    p->pending.has_lo = !miss_lo, p->pending.has_hi = !miss_hi, p->pending.lo_open = open_lo;
    p->pending.lo = miss_lo ? 0 : strtod(lo, NULL); /* as SQL reads the literal */
    p->pending.hi = miss_hi ? 0 : strtod(hi, NULL);
    p->pending.lo_int = !miss_lo && integer_literal(lo, &p->pending.lo_i);
    p->pending.hi_int = !miss_hi && integer_literal(hi, &p->pending.hi_i);
    sb_addf(w, "t.%s IS NOT NULL AND (", c->name);
    if (!miss_lo)
        sb_addf(w, "t.%s %s %s", c->name, open_lo ? "<=" : "<", lo);
    if (!miss_lo && !miss_hi)
        sb_addstr(w, " OR ");
    if (!miss_hi)
        sb_addf(w, "t.%s > %s", c->name, hi);
    sb_addstr(w, ")");
    msg_open(m, open_lo ? N_("%s %s is outside the range (%s, %s]")
                        : N_("%s %s is outside the range [%s, %s]"));
    msg_text_arg(m, c->field);
    sb_addstr(m, ", ");
    value_sql(m, c);
    char *bounds = sqlite3_mprintf(", %Q, %Q)", miss_lo ? "-" : lo, miss_hi ? "-" : hi);
    if (c->is_money) { /* show the bounds in CNY, as the rules file has them */
        sqlite3_free(bounds);
        char *vlo = attr(n, "min"), *vhi = attr(n, "max");
        bounds = sqlite3_mprintf(", %Q, %Q)", vlo ? vlo : "-", vhi ? vhi : "-");
        xmlFree(vlo);
        xmlFree(vhi);
    }
    sb_addstr(m, bounds);
    sqlite3_free(bounds);
    return 0;
}

static int rule_reference(vparse *p, xmlNode *n, const char *src, const vcolumn *c,
                          strbuf *w, strbuf *m, int *needs_dept, int *needs_equip,
                          int *needs_stays)
{
    (void)src;
    char *to = attr(n, "to");
    char *allow = attr(n, "allow");
    int rc = 0;
    const char *what;
    if (to && strcmp(to, "dept") == 0) {
        sb_addf(w, "t.%s NOT IN (SELECT dept_code FROM dept WHERE period = ?2)", c->name);
        *needs_dept = 1;
        what = N_("%s '%s' is not in the department dictionary of the month");
    } else if (to && strcmp(to, "equipment") == 0) {
        sb_addf(w, "t.%s NOT IN (SELECT equipment_id FROM equipment WHERE period = ?3)",
                c->name);
        *needs_equip = 1;
        what = N_("%s '%s' is not in the equipment ledger of the month");
    } else if (to && strcmp(to, "inpatient") == 0) {
        /* a stay discharged in the month: inpatient.csv of the same period
         * (its period rule keeps discharge dates in the month) */
        sb_addf(w, "t.%s NOT IN (SELECT stay_id FROM inpatient WHERE period = ?1)", c->name);
        *needs_stays = 1;
        what = N_("%s '%s' is not a stay discharged in the month (inpatient.csv)");
    } else {
        rc = parse_fail(p, n, c->name, "reference to '%s': expected dept, equipment or inpatient",
                        to ? to : "");
        what = "";
    }
    if (!rc) {
        pending_set(p, VC_REFERENCE, c->name);
        p->pending.ref = xstrdup(to);
        p->pending.allow = allow ? xstrdup(allow) : NULL;
    }
    if (!rc && allow) {
        char *q = sqlite3_mprintf(" AND t.%s <> %Q", c->name, allow);
        sb_addstr(w, q);
        sqlite3_free(q);
    }
    if (!rc) { /* the message's format, the field's name and value */
        msg_open(m, what);
        msg_text_arg(m, c->field);
        sb_addf(m, ", %s)", c->shown);
    }
    xmlFree(to);
    xmlFree(allow);
    return rc;
}

static int rule_period(vparse *p, xmlNode *n, const char *src, const vcolumn *c, strbuf *w,
                       strbuf *m)
{
    (void)n, (void)src;
    pending_set(p, VC_PERIOD, c->name);
    sb_addf(w, "substr(t.%s, 1, 7) <> ?1", c->name);
    msg_open(m, N_("%s %s is not in the period %s"));
    msg_text_arg(m, c->field);
    sb_addf(m, ", %s, ?1)", c->shown);
    return 0;
}

static const char *const COMPARE_OPS[][3] = {
    /* name, SQL of the broken case, the message's format */
    {"lt", ">=", N_("%s %s must be before %s %s")},
    {"le", ">", N_("%s %s must be on or before %s %s")},
    {"gt", "<=", N_("%s %s must be after %s %s")},
    {"ge", "<", N_("%s %s must be on or after %s %s")},
    {"eq", "<>", N_("%s %s must be equal to %s %s")},
    {"ne", "=", N_("%s %s must be different from %s %s")},
};

static int rule_compare(vparse *p, xmlNode *n, const char *src, const vcolumn *c, strbuf *w,
                        strbuf *m)
{
    char *op = attr(n, "op"), *other = attr(n, "other");
    vcolumn o;
    int rc = column_or_fail(p, n, src, other, &o);
    int k = -1;
    for (int i = 0; !rc && i < 6; i++)
        if (op && strcmp(op, COMPARE_OPS[i][0]) == 0)
            k = i;
    if (!rc && k < 0)
        rc = parse_fail(p, n, c->name, "compare op '%s': expected lt le gt ge eq ne", op ? op : "");
    if (!rc && ((c->is_text && o.is_text) || (c->is_int && o.is_int))) {
        pending_set(p, VC_COMPARE, c->name);
        p->pending.other = xstrdup(o.name);
        p->pending.op = k;
        p->pending.text = c->is_text;
    }
    if (!rc) {
        sb_addf(w, "t.%s %s t.%s", c->name, COMPARE_OPS[k][1], o.name);
        msg_open(m, COMPARE_OPS[k][2]);
        msg_text_arg(m, c->field);
        sb_addstr(m, ", ");
        value_sql(m, c);
        msg_text_arg(m, other);
        sb_addstr(m, ", ");
        value_sql(m, &o);
        sb_addstr(m, ")");
    }
    xmlFree(op);
    xmlFree(other);
    return rc;
}

/* sum-le: the parts (fields="a b c") add up to at most the total (field). */
static int rule_sum_le(vparse *p, xmlNode *n, const char *src, const vcolumn *c, strbuf *w,
                       strbuf *m)
{
    char *fields = attr(n, "parts");
    strbuf sum = STRBUF_INIT, names = STRBUF_INIT;
    char *save = NULL;
    int rc = 0;
    pending_set(p, VC_SUM_LE, c->name);
    for (char *tok = strtok_r(fields, " ", &save); tok && !rc; tok = strtok_r(NULL, " ", &save)) {
        vcolumn part;
        if ((rc = column_or_fail(p, n, src, tok, &part)))
            break;
        pending_list_add(p, part.name);
        sb_addf(&sum, "%s%s", sum.len ? " + " : "", part.name);
        sb_addf(&names, "%s%s", names.len ? " + " : "", tok);
    }
    xmlFree(fields);
    if (!rc && !sum.len)
        rc = parse_fail(p, n, c->name, "sum-le rule without parts%s", "");
    if (!rc) {
        sb_addf(w, "(%s) > t.%s", sum.buf, c->name);
        msg_open(m, c->is_money ? N_("%s = %.2f is more than %s %.2f")
                                : N_("%s = %s is more than %s %s"));
        msg_text_arg(m, names.buf);
        if (c->is_money)
            sb_addf(m, ", (%s) / 100.0", sum.buf);
        else
            sb_addf(m, ", (%s)", sum.buf);
        msg_text_arg(m, c->field);
        if (c->is_money)
            sb_addf(m, ", t.%s / 100.0)", c->name);
        else
            sb_addf(m, ", t.%s)", c->name);
    }
    sb_release(&sum);
    sb_release(&names);
    return rc;
}

/* code: a code that can be part of a file name and a PDF line as it is --
 * ASCII letters, digits, '_', '.' and '-', not starting with '.' or '-',
 * at most max-length (default 32) characters. So a department code can
 * never be "x/../../ESCAPED", hold a control character or a right-to-left
 * override, or be cut in the middle of a character. */
static int rule_code(vparse *p, xmlNode *n, const char *src, const vcolumn *c, strbuf *w,
                     strbuf *m)
{
    (void)src;
    char *v = attr(n, "max-length");
    long max = v ? strtol(v, NULL, 10) : 32;
    xmlFree(v);
    if (max < 1 || max > 255)
        return parse_fail(p, n, c->field, "code max-length must be 1 to 255%s", "");
    pending_set(p, VC_CODE, c->name);
    p->pending.max_len = max;
    sb_addf(w, "t.%s GLOB '*[^A-Za-z0-9_.-]*' OR t.%s GLOB '[.-]*' OR length(t.%s) > %ld",
            c->name, c->name, c->name, max);
    msg_open(m, N_("%s '%s' is not a code: only A-Z a-z 0-9 _ . - (not first: . -), at most "
                   "%d characters"));
    msg_text_arg(m, c->field);
    sb_addf(m, ", replace(replace(t.%s, char(10), ' '), char(13), ' '), %ld)", c->name, max);
    return 0;
}

/* money-limit: every money column of a source, |amount| <= the limit (CNY),
 * as the first rule of the source -- an amount beyond it is a typing or
 * export error, and would make sums meaningless or overflow. */
static int money_limit_rules(vparse *p, const char *src)
{
    char *sql = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q) WHERE name LIKE "
                                "'%%\\_cents' ESCAPE '\\' ORDER BY cid",
                                src);
    sqlite3_stmt *st = db_prepare(p->db, sql, p->err);
    int rc = st ? HR_OK : p->err->code;
    if (st) {
        while (db_row(st, &rc, p->err)) {
            const char *col = (const char *)sqlite3_column_text(st, 0);
            char field[80];
            snprintf(field, sizeof field, "%.*s", (int)(strlen(col) - 6), col);
            strbuf w = STRBUF_INIT, m = STRBUF_INIT;
            sb_addf(&w, "t.%s > %lld OR t.%s < -%lld", col, p->money_limit_cents, col,
                    p->money_limit_cents);
            pending_set(p, VC_RANGE, col);
            p->pending.has_lo = p->pending.has_hi = 1;
            p->pending.lo = -(double)p->money_limit_cents;
            p->pending.hi = (double)p->money_limit_cents;
            p->pending.lo_int = p->pending.hi_int = 1;
            p->pending.lo_i = -p->money_limit_cents;
            p->pending.hi_i = p->money_limit_cents;
            msg_open(&m, N_("%s %s%d.%02d is beyond the plausible limit of +-%s CNY "
                            "(money-limit in validation.xml)"));
            msg_text_arg(&m, field);
            sb_addf(&m, ", CASE WHEN t.%s < 0 THEN '-' ELSE '' END, abs(t.%s / 100), "
                        "abs(t.%s %% 100)", col, col, col);
            msg_text_arg(&m, p->money_limit_text);
            sb_addstr(&m, ")");
            rule_add(p, src, field, "range", 0, &w, &m, 0, 0, 0);
            sb_release(&w);
            sb_release(&m);
        }
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return rc;
}

/* key: the first row by (file_id, line_no) with a key value stays; later
 * ones are hits naming the first line (validate_keys.c finds them). */
static int rule_key(vparse *p, xmlNode *n, const char *src, int is_warning, const char *fields)
{
    strbuf cols = STRBUF_INIT, shown = STRBUF_INIT;
    char *save = NULL, *copy = xstrdup(fields);
    int rc = 0, nf = 0;
    char first[80] = "";
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        vcolumn c;
        if ((rc = column_or_fail(p, n, src, tok, &c)))
            break;
        if (!nf++)
            snprintf(first, sizeof first, "%s", tok);
        sb_addf(&cols, "%s%s", cols.len ? ", " : "", c.name);
        sb_addf(&shown, "%s%s", shown.len ? ", " : "", tok);
    }
    free(copy);
    if (!rc && !nf)
        rc = parse_fail(p, n, NULL, "key rule without fields%s", "");
    if (!rc && nf > 16)
        rc = parse_fail(p, n, NULL, "key rule with more than 16 fields%s", "");
    if (!rc) {
        vconfig *c = p->conf;
        c->rules = xrealloc(c->rules, (size_t)(c->nrules + 1) * sizeof *c->rules);
        vrule *r = &c->rules[c->nrules];
        memset(r, 0, sizeof *r);
        r->source = xstrdup(src);
        r->field = xstrdup(first);
        r->rule = xstrdup("key");
        r->is_warning = is_warning;
        r->key_cols = sb_detach(&cols, NULL);
        r->key_shown = sb_detach(&shown, NULL);
        r->nkey = nf;
        c->nrules++;
    }
    sb_release(&cols);
    sb_release(&shown);
    return rc;
}

/* One rule element of a <source>. */
static int rule_parse(vparse *p, xmlNode *n, const char *src)
{
    const char *kind = (const char *)n->name;
    char *sev = attr(n, "severity");
    int is_warning = sev && strcmp(sev, "warning") == 0;
    xmlFree(sev);
    if (strcmp(kind, "key") == 0) {
        char *fields = attr(n, "fields");
        int rc = rule_key(p, n, src, is_warning, fields ? fields : "");
        xmlFree(fields);
        return rc;
    }
    char *field = attr(n, "field");
    vcolumn c;
    int rc = column_or_fail(p, n, src, field, &c);
    strbuf w = STRBUF_INIT, m = STRBUF_INIT;
    int needs_dept = 0, needs_equip = 0, needs_stays = 0;
    const char *rule = kind;
    if (rc)
        ;
    else if (strcmp(kind, "required") == 0)
        rc = rule_required(p, n, src, &c, &w, &m);
    else if (strcmp(kind, "enum") == 0)
        rc = rule_enum(p, n, src, &c, &w, &m);
    else if (strcmp(kind, "range") == 0)
        rc = rule_range(p, n, src, &c, &w, &m);
    else if (strcmp(kind, "reference") == 0)
        rc = rule_reference(p, n, src, &c, &w, &m, &needs_dept, &needs_equip, &needs_stays);
    else if (strcmp(kind, "period") == 0)
        rc = rule_period(p, n, src, &c, &w, &m);
    else if (strcmp(kind, "compare") == 0)
        rc = rule_compare(p, n, src, &c, &w, &m), rule = "cross";
    else if (strcmp(kind, "sum-le") == 0)
        rc = rule_sum_le(p, n, src, &c, &w, &m), rule = "cross";
    else if (strcmp(kind, "code") == 0)
        rc = rule_code(p, n, src, &c, &w, &m);
    else
        rc = parse_fail(p, n, NULL, "unknown rule <%s>", kind);
    if (!rc)
        rule_add(p, src, field, rule, is_warning, &w, &m, needs_dept, needs_equip, needs_stays);
    xmlFree(field);
    sb_release(&w);
    sb_release(&m);
    return rc;
}

static double num_attr(xmlNode *n, const char *name, double dflt)
{
    char *v = attr(n, name);
    double d = v ? strtod(v, NULL) : dflt;
    xmlFree(v);
    return d;
}

static int threshold_parse(vparse *p, xmlNode *n)
{
    vconfig *c = p->conf;
    c->thresholds = xrealloc(c->thresholds, (size_t)(c->nthresholds + 1) * sizeof *c->thresholds);
    vthreshold *t = &c->thresholds[c->nthresholds];
    memset(t, 0, sizeof *t);
    char *src = attr(n, "source");
    t->kind = xstrdup((const char *)n->name);
    for (char *s = t->kind; *s; s++)
        if (*s == '-')
            *s = '_';
    t->source = xstrdup(src                                     ? src
                        : strcmp(t->kind, "drg_benchmark") == 0 ? "drg"
                                                                : "census");
    xmlFree(src);
    c->nthresholds++;
    if (!table_exists(p->db, t->source))
        return parse_fail(p, n, "source", "no source '%s'", t->source);
    t->band_percent = num_attr(n, "band-percent", 50);
    t->min_base = num_attr(n, "min-base", 100);
    t->min_daily = num_attr(n, "min-daily-mean", 20);
    t->min_zero_days = num_attr(n, "min-zero-days", 1);
    t->max_percent = num_attr(n, "max-percent", 120);
    t->min_open_beds = num_attr(n, "min-open-beds", 0);
    if (strcmp(t->kind, "zero_days") == 0) {
        char *f = attr(n, "date-field");
        vcolumn col;
        int rc = column_or_fail(p, n, t->source, f, &col);
        xmlFree(f);
        if (rc)
            return rc;
        t->date_column = xstrdup(col.name);
    }
    return 0;
}

/* The canonical tables ingest loads (they have file_id and line_no) with a
 * money column that no <source> of the rules file named: their money
 * limit rules come after the file's. */
static int money_limit_unnamed(vparse *p, xmlNode *root)
{
    sqlite3_stmt *st = db_prepare(p->db,
                                  "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND "
                                  "EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = "
                                  "'file_id') AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) "
                                  "WHERE name = 'line_no') ORDER BY m.name",
                                  p->err);
    if (!st)
        return p->err->code;
    int rc = HR_OK;
    while (!rc && db_row(st, &rc, p->err)) {
        const char *table = (const char *)sqlite3_column_text(st, 0);
        int named = strcmp(table, "quarantine") == 0;
        for (xmlNode *s = root->children; s && !named; s = s->next) {
            char *src = s->type == XML_ELEMENT_NODE ? attr(s, "name") : NULL;
            named = src && strcmp(src, table) == 0;
            xmlFree(src);
        }
        if (!named)
            rc = money_limit_rules(p, table);
    }
    sqlite3_finalize(st);
    return rc;
}

static int money_limit_parse(vparse *p, xmlNode *root)
{
    char *v = attr(root, "money-limit");
    snprintf(p->money_limit_text, sizeof p->money_limit_text, "%s", v ? v : "1000000000000");
    xmlFree(v);
    char *end;
    double d = strtod(p->money_limit_text, &end);
    if (end == p->money_limit_text || *end || !(d > 0) || d > 9.0e16)
        return parse_fail(p, root, "money-limit",
                          "money-limit '%s' must be a positive amount in CNY below 9e16",
                          p->money_limit_text);
    p->money_limit_cents = llround(d * 100.0);
    return 0;
}

static int document_parse(vparse *p, xmlNode *root)
{
    p->conf->limit_percent = num_attr(root, "quarantine-limit-percent", 1.0);
    if (money_limit_parse(p, root))
        return p->err->code;
    for (xmlNode *s = root->children; s; s = s->next) {
        if (s->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)s->name, "thresholds") == 0) {
            for (xmlNode *t = s->children; t; t = t->next)
                if (t->type == XML_ELEMENT_NODE && threshold_parse(p, t))
                    return p->err->code;
            continue;
        }
        char *src = attr(s, "name");
        int rc = 0;
        if (!src || !table_exists(p->db, src))
            rc = parse_fail(p, s, "name", "no source '%s'", src ? src : "");
        if (!rc)
            rc = money_limit_rules(p, src);
        for (xmlNode *r = s->children; r && !rc; r = r->next)
            if (r->type == XML_ELEMENT_NODE)
                rc = rule_parse(p, r, src);
        xmlFree(src);
        if (rc)
            return rc;
    }
    return money_limit_unnamed(p, root);
}

/* Parses `path` and validates it against <dir of rules>/../schema/<xsd_name>. */
static xmlDoc *document_load(const char *path, const char *xsd_name, hr_error *err)
{
    char xsd[4096];
    return xmlconf_load(path, xmlconf_schema_beside(path, xsd_name, xsd, sizeof xsd), HR_EFAIL,
                        err);
}

int vconfig_load(sqlite3 *db, const char *path, vconfig *out, hr_error *err)
{
    memset(out, 0, sizeof *out);
    xmlDoc *doc = document_load(path, "validation.xsd", err);
    if (!doc)
        return err->code;
    vparse p = {db, path, out, err, 0, "", {0}};
    int rc = document_parse(&p, xmlDocGetRootElement(doc));
    vcheck_free(&p.pending); /* a rule that failed to parse */
    xmlFreeDoc(doc);
    if (rc)
        vconfig_free(out);
    return rc;
}

void vconfig_free(vconfig *conf)
{
    for (int i = 0; i < conf->nrules; i++) {
        free(conf->rules[i].source);
        free(conf->rules[i].field);
        free(conf->rules[i].rule);
        free(conf->rules[i].key_cols);
        free(conf->rules[i].key_shown);
        free(conf->rules[i].cond);
        free(conf->rules[i].message);
        free(conf->rules[i].message_zh);
        vcheck_free(&conf->rules[i].check);
    }
    for (int i = 0; i < conf->nthresholds; i++) {
        free(conf->thresholds[i].kind);
        free(conf->thresholds[i].source);
        free(conf->thresholds[i].date_column);
    }
    free(conf->rules);
    free(conf->thresholds);
    memset(conf, 0, sizeof *conf);
}
