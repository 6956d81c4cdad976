/*
 * utf8.h -- UTF-8 text as hospreport prints it: decoding one character,
 * copying without cutting a character in two, and removing what must never
 * reach a terminal, a file name or a PDF (control characters, including the
 * bidirectional override U+202E, which makes "...-<RLO>FDP.exe.en.pdf" read
 * as a ".exe" file).
 */
#ifndef HR_UTF8_H
#define HR_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1-4) of the well-formed UTF-8 character at s (n bytes
 * available), with its code point in *cp; 0 when the bytes there are not
 * one (a stray continuation byte, an overlong form, a surrogate, a cut
 * sequence). */
int utf8_next(const char *s, size_t n, uint32_t *cp);

/* 1 for a character never shown: C0 controls (tab and newline included),
 * DEL, C1 controls, the bidirectional marks, embeddings, overrides and
 * isolates (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), the
 * line and paragraph separators (U+2028, U+2029) and U+FEFF. */
int utf8_is_control(uint32_t cp);

/* 1 when utf8_clean() would change s: it has a control character or a byte
 * that is not UTF-8. */
int utf8_needs_clean(const char *s);

/* Copies src into dst (size >= 1 bytes) without its control characters and
 * non-UTF-8 bytes, cut before the character that would not fit. Returns
 * dst. */
char *utf8_clean(char *dst, size_t size, const char *src);

/* Copies src into dst (size >= 1 bytes) as snprintf would, but never cuts
 * a character in two: what does not fit is left out from a character
 * boundary on. Returns dst. */
char *utf8_copy(char *dst, size_t size, const char *src);

#endif
