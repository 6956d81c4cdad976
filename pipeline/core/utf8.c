/*
 * utf8.c -- decoding, safe copies and control-character removal (see
 * utf8.h).
 */
#include "pipeline/core/utf8.h"

#include <string.h>

int utf8_next(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int len = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (s[0] > 0xF4 || len == 0 || (size_t)len > n)
        return 0;
    uint32_t v = s[0] & (0x7F >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

int utf8_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF;
}

int utf8_needs_clean(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F) {
            i++;
            continue;
        }
        uint32_t cp;
        int len = utf8_next(s + i, n - i, &cp);
        if (len == 0 || utf8_is_control(cp))
            return 1;
        i += (size_t)len;
    }
    return 0;
}

char *utf8_clean(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src), used = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = utf8_next(src + i, n - i, &cp);
        if (len == 0) { /* not UTF-8: left out */
            i++;
            continue;
        }
        if (!utf8_is_control(cp)) {
            if (used + (size_t)len >= size)
                break;
            memcpy(dst + used, src + i, (size_t)len);
            used += (size_t)len;
        }
        i += (size_t)len;
    }
    dst[used] = '\0';
    return dst;
}

char *utf8_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
        /* back off over continuation bytes to the start of the character
         * that would be cut, when it is one */
        size_t k = n;
        while (k > 0 && ((unsigned char)src[k] & 0xC0) == 0x80)
            k--;
        uint32_t cp;
        if (k < n && utf8_next(src + k, strlen(src + k), &cp) > (int)(n - k))
            n = k;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    return dst;
}
