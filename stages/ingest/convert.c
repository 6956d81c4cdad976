/*
 * convert.c -- turning a field as a hospital writes it into its canonical
 * form: dates, datetimes and months in a profile's format (2026/10/03,
 * 20261003, 2026-10-03 08:15, 202610) into ISO text, and value maps
 * (门诊 -> O). Runs per field of millions of rows: no allocation.
 */
#include "ingest_int.h"

#include <stdio.h>
#include <string.h>

#include "../../pipeline/value.h"

enum { T_YEAR, T_MONTH, T_DAY, T_HOUR, T_MIN, T_SEC, T_COUNT };

/* The token at `f`: its kind and width, or -1 for a literal character. */
static int token_at(const char *f, int *width)
{
    static const struct { const char *text; int kind; } tokens[] = {
        {"YYYY", T_YEAR}, {"MM", T_MONTH}, {"DD", T_DAY},
        {"HH", T_HOUR},   {"mm", T_MIN},   {"ss", T_SEC},
    };
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        size_t n = strlen(tokens[i].text);
        if (strncmp(f, tokens[i].text, n) == 0) {
            *width = (int)n;
            return tokens[i].kind;
        }
    }
    *width = 1;
    return -1;
}

static const char *iso_format(ingest_type type)
{
    return type == IT_DATE ? "YYYY-MM-DD" : type == IT_MONTH ? "YYYY-MM" : "YYYY-MM-DD HH:mm:ss";
}

int convert_format_check(const char *format, ingest_type type)
{
    int seen[T_COUNT] = {0}, width;
    for (const char *f = format; *f; f += width) {
        int kind = token_at(f, &width);
        if (kind >= 0 && seen[kind]++)
            return -1;
        if (kind < 0 && *f >= '0' && *f <= '9')
            return -1;
    }
    if (!seen[T_YEAR] || !seen[T_MONTH])
        return -1;
    int has_time = seen[T_HOUR] || seen[T_MIN] || seen[T_SEC];
    switch (type) {
    case IT_MONTH: return seen[T_DAY] || has_time ? -1 : 0;
    case IT_DATE: return seen[T_DAY] && !has_time ? 0 : -1;
    case IT_DATETIME: return seen[T_DAY] && seen[T_HOUR] && seen[T_MIN] ? 0 : -1;
    default: return -1;
    }
}

int convert_temporal(const char *format, ingest_type type, const char *s, size_t len,
                     char out[20])
{
    if (!format)
        format = iso_format(type);
    int part[T_COUNT] = {0, 1, 1, 0, 0, 0}, width;
    size_t i = 0;
    for (const char *f = format; *f; f += width) {
        int kind = token_at(f, &width);
        if (i + (size_t)width > len)
            return -1;
        if (kind < 0) {
            if (s[i++] != *f)
                return -1;
            continue;
        }
        int v = 0;
        for (int k = 0; k < width; k++, i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v = v * 10 + (s[i] - '0');
        }
        part[kind] = v;
    }
    if (i != len || !value_valid_ymd(part[T_YEAR], part[T_MONTH], part[T_DAY]))
        return -1;
    if (part[T_HOUR] > 23 || part[T_MIN] > 59 || part[T_SEC] > 59)
        return -1;
    switch (type) {
    case IT_MONTH:
        return snprintf(out, 20, "%04d-%02d", part[T_YEAR], part[T_MONTH]);
    case IT_DATE:
        return snprintf(out, 20, "%04d-%02d-%02d", part[T_YEAR], part[T_MONTH], part[T_DAY]);
    default:
        return snprintf(out, 20, "%04d-%02d-%02d %02d:%02d:%02d", part[T_YEAR], part[T_MONTH],
                        part[T_DAY], part[T_HOUR], part[T_MIN], part[T_SEC]);
    }
}

void convert_map(const profile_field *f, const char **s, size_t *len)
{
    for (int i = 0; i < f->nmaps; i++) {
        const profile_map *m = &f->maps[i];
        if (m->from_len == *len && memcmp(m->from, *s, *len) == 0) {
            *s = m->to;
            *len = m->to_len;
            return;
        }
    }
}
