/*
 * pdffix.h -- mends, in a PDF libharu 2.3.0 has just written, the one
 * thing it gets wrong for our font: the /ToUnicode CMap.
 *
 * With HPDF_UseUTFEncodings the text is shown in 2-byte codes that are the
 * characters' Unicode (BMP) values, but libharu writes its encoding CMap
 * (Identity-H, `begincidrange`) as the font's /ToUnicode, which is not a
 * ToUnicode CMap at all: poppler warns on every PDF and falls back on the
 * embedded font's cmap, and a reader that trusts /ToUnicode copies or
 * searches nothing. pdf_fix_tounicode() replaces that object with a real
 * ToUnicode CMap, identity `bfrange`s over the 256-character blocks of the
 * text the document shows (whether the font can draw it or not), and moves
 * the objects after it in the xref table.
 */
#ifndef HR_RENDER_PDFFIX_H
#define HR_RENDER_PDFFIX_H

#include <stddef.h>

#include "pipeline/core/error.h"

/* blocks[b] non-zero: code points b*256 .. b*256+255 may be shown. A PDF
 * without libharu's CMap, or laid out other than libharu writes (one xref
 * table at startxref), is left as it is. Errors: the file cannot be read or
 * written. */
int pdf_fix_tounicode(const char *path, const unsigned char blocks[256], hr_error *err);

/* The same on a PDF in memory: writes the mended PDF into *out (malloc'd,
 * *out_len bytes) and returns 1, or returns 0 when it leaves it as it is. */
int pdf_fix_tounicode_mem(const char *pdf, size_t len, const unsigned char blocks[256],
                          char **out, size_t *out_len);

#endif
