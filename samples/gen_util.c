/*
** gen_util.c - random streams, calendar arithmetic and the CSV writer of
** hospgen.
**
** Every random stream is keyed by (seed, tag, a, b) so that a month's data
** never depends on what else was generated.  The CSV writer formats numbers
** itself into one large buffer and writes it in big blocks; in the
** chinese-his profile it writes the Chinese formats of chinese-his.md and
** re-encodes each block to GB18030 with iconv.
*/
#include "samples/gen.h"

#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- rng */

uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

uint64_t hkey(uint64_t seed, uint64_t tag, uint64_t a, uint64_t b)
{
    return mix64(mix64(mix64(mix64(seed) ^ tag) ^ a) ^ b);
}

void rng_init(Rng *r, uint64_t key)
{
    uint64_t x = key;
    for (int i = 0; i < 4; i++) {
        x = mix64(x);
        r->s[i] = x;
    }
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(Rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double rng_unif(Rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

int rng_below(Rng *r, int n) { return n <= 1 ? 0 : (int)(rng_unif(r) * n); }

double rng_norm(Rng *r)
{
    double u = rng_unif(r), v = rng_unif(r);
    if (u < 1e-300) u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

int rng_poisson(Rng *r, double lambda)
{
    if (lambda <= 0) return 0;
    if (lambda > 30) {
        double x = lambda + sqrt(lambda) * rng_norm(r) + 0.5;
        return x < 0 ? 0 : (int)x;
    }
    double l = exp(-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= rng_unif(r);
    } while (p > l);
    return k - 1;
}

double rng_lognorm(Rng *r, double mean, double sigma)
{
    return mean * exp(sigma * rng_norm(r) - 0.5 * sigma * sigma);
}

/* --------------------------------------------------------- csv writer */

#define CSV_FLUSH (1u << 20)

static void csv_reserve(Csv *w, size_t n)
{
    if (w->len + n <= w->cap) return;
    size_t cap = w->cap * 2;
    while (cap < w->len + n) cap *= 2;
    char *p = realloc(w->buf, cap);
    if (!p) {
        w->err = ENOMEM;
        w->len = 0;
        return;
    }
    w->buf = p;
    w->cap = cap;
}

static void csv_flush(Csv *w)
{
    if (w->len == 0 || w->err) {
        w->len = 0;
        return;
    }
    if (!w->gb) {
        if (fwrite(w->buf, 1, w->len, w->f) != w->len) w->err = errno ? errno : EIO;
        w->len = 0;
        return;
    }
    size_t need = w->len * 2 + 16;
    if (w->convcap < need) {
        char *p = realloc(w->conv, need);
        if (!p) {
            w->err = ENOMEM;
            return;
        }
        w->conv = p;
        w->convcap = need;
    }
    char *in = w->buf, *out = w->conv;
    size_t inl = w->len, outl = w->convcap;
    if (iconv((iconv_t)w->cd, &in, &inl, &out, &outl) == (size_t)-1) w->err = errno;
    size_t n = w->convcap - outl;
    if (fwrite(w->conv, 1, n, w->f) != n) w->err = errno ? errno : EIO;
    w->len = 0;
}

int csv_open(Csv *w, const char *path, int zh, int gb)
{
    memset(w, 0, sizeof *w);
    w->zh = zh;
    w->gb = gb;
    w->cap = CSV_FLUSH * 2;
    w->buf = malloc(w->cap);
    if (!w->buf) return -1;
    if (gb) {
        iconv_t cd = iconv_open("GB18030", "UTF-8");
        if (cd == (iconv_t)-1) {
            free(w->buf);
            return -1;
        }
        w->cd = (void *)cd;
    }
    w->f = fopen(path, "wb");
    if (!w->f) {
        int e = errno;
        if (gb) iconv_close((iconv_t)w->cd);
        free(w->buf);
        errno = e;
        return -1;
    }
    return 0;
}

int csv_close(Csv *w)
{
    csv_flush(w);
    if (fclose(w->f) != 0 && !w->err) w->err = errno;
    if (w->gb) iconv_close((iconv_t)w->cd);
    free(w->buf);
    free(w->conv);
    if (w->err) {
        errno = w->err;
        return -1;
    }
    return 0;
}

static void sep(Csv *w)
{
    csv_reserve(w, 64);
    if (w->nf++) w->buf[w->len++] = ',';
}

void csv_end(Csv *w)
{
    csv_reserve(w, 2);
    if (w->zh) w->buf[w->len++] = '\r';
    w->buf[w->len++] = '\n';
    w->nf = 0;
    w->rows++;
    if (w->len >= CSV_FLUSH) csv_flush(w);
}

void csv_header(Csv *w, const char *const *en, const char *const *zh, int n)
{
    for (int i = 0; i < n; i++) csv_text(w, w->zh ? zh[i] : en[i]);
    csv_end(w);
    w->rows = 0;
}

void csv_text(Csv *w, const char *s)
{
    size_t n = strlen(s);
    sep(w);
    csv_reserve(w, 2 * n + 2);
    if (strpbrk(s, ",\"\r\n") == NULL) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        return;
    }
    w->buf[w->len++] = '"';
    for (; *s; s++) {
        if (*s == '"') w->buf[w->len++] = '"';
        w->buf[w->len++] = *s;
    }
    w->buf[w->len++] = '"';
}

/* Appends the decimal digits of v >= 0; returns the count. */
static int put_u(char *p, unsigned long long v)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++) p[i] = t[n - 1 - i];
    return n;
}

static void put_2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

void csv_int(Csv *w, long long v)
{
    sep(w);
    if (v < 0) {
        w->buf[w->len++] = '-';
        v = -v;
    }
    w->len += put_u(w->buf + w->len, (unsigned long long)v);
}

void csv_tenths(Csv *w, long long t)
{
    sep(w);
    if (t < 0) {
        w->buf[w->len++] = '-';
        t = -t;
    }
    w->len += put_u(w->buf + w->len, (unsigned long long)(t / 10));
    if (t % 10) {
        w->buf[w->len++] = '.';
        w->buf[w->len++] = (char)('0' + t % 10);
    }
}

void csv_money(Csv *w, long long c)
{
    sep(w);
    char *p = w->buf + w->len;
    int neg = c < 0;
    unsigned long long u = (unsigned long long)(neg ? -c : c);
    char digits[24];
    int n = put_u(digits, u / 100);
    int grouped = w->zh && n > 3;
    int k = 0;
    if (grouped) p[k++] = '"';
    if (neg) p[k++] = '-';
    for (int i = 0; i < n; i++) {
        if (grouped && i > 0 && (n - i) % 3 == 0) p[k++] = ',';
        p[k++] = digits[i];
    }
    p[k++] = '.';
    put_2(p + k, (int)(u % 100));
    k += 2;
    if (grouped) p[k++] = '"';
    w->len += k;
}

static int put_date(char *p, int day, char s)
{
    int y, m, d;
    calendar_civil_from_days(day, &y, &m, &d);
    put_2(p, y / 100);
    put_2(p + 2, y % 100);
    p[4] = s;
    put_2(p + 5, m);
    p[7] = s;
    put_2(p + 8, d);
    return 10;
}

void csv_date(Csv *w, int day)
{
    sep(w);
    w->len += put_date(w->buf + w->len, day, w->zh ? '/' : '-');
}

void csv_datetime(Csv *w, int day, int secs)
{
    sep(w);
    char *p = w->buf + w->len;
    put_date(p, day, w->zh ? '/' : '-');
    p[10] = ' ';
    put_2(p + 11, secs / 3600);
    p[13] = ':';
    put_2(p + 14, secs / 60 % 60);
    p[16] = ':';
    put_2(p + 17, secs % 60);
    w->len += 19;
}

void csv_month(Csv *w, int y, int m)
{
    sep(w);
    char *p = w->buf + w->len;
    put_2(p, y / 100);
    put_2(p + 2, y % 100);
    if (w->zh) {
        put_2(p + 4, m);
        w->len += 6;
    } else {
        p[4] = '-';
        put_2(p + 5, m);
        w->len += 7;
    }
}

void csv_enum(Csv *w, int idx, const char *const *en, const char *const *zh)
{
    csv_text(w, w->zh ? zh[idx] : en[idx]);
}
