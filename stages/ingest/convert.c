/*
 * convert.c -- turning a field as a hospital writes it into its canonical
 * form: dates, datetimes and months in a profile's format (2026/10/03,
 * 20261003, 2026-10-03 08:15, 202610) into ISO text, and value maps
 * (门诊 -> O). Runs per field of millions of rows: no allocation.
 */
#include "stages/ingest/ingest_int.h"

#include <string.h>

#include "pipeline/core/value.h"

enum { T_YEAR, T_MONTH, T_DAY, T_HOUR, T_MIN, T_SEC, T_COUNT };

/* The token at `f`: its kind and width, or -1 for a literal character.
 * Runs for every character of a format for every converted field: a
 * switch on the first character, not a table of strncmp. */
static int token_at(const char *f, int *width)
{
    int kind = -1;
    *width = 2;
    switch (f[0]) {
    case 'Y':
        if (f[1] == 'Y' && f[2] == 'Y' && f[3] == 'Y')
            kind = T_YEAR, *width = 4;
        break;
    case 'M': kind = f[1] == 'M' ? T_MONTH : -1; break;
    case 'D': kind = f[1] == 'D' ? T_DAY : -1; break;
    case 'H': kind = f[1] == 'H' ? T_HOUR : -1; break;
    case 'm': kind = f[1] == 'm' ? T_MIN : -1; break;
    case 's': kind = f[1] == 's' ? T_SEC : -1; break;
    }
    if (kind < 0)
        *width = 1;
    return kind;
}

/* Writes v as `width` digits (v < 10^width) at out; returns out + width. */
static char *put_digits(char *out, int v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
    return out + width;
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
    /* YYYY-MM[-DD[ HH:MM:SS]], written by hand: snprintf was a third of
     * the time of converting a GB18030 export. */
    char *o = put_digits(out, part[T_YEAR], 4);
    *o++ = '-';
    o = put_digits(o, part[T_MONTH], 2);
    if (type != IT_MONTH) {
        *o++ = '-';
        o = put_digits(o, part[T_DAY], 2);
    }
    if (type == IT_DATETIME) {
        *o++ = ' ';
        o = put_digits(o, part[T_HOUR], 2);
        *o++ = ':';
        o = put_digits(o, part[T_MIN], 2);
        *o++ = ':';
        o = put_digits(o, part[T_SEC], 2);
    }
    *o = '\0';
    return (int)(o - out);
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
