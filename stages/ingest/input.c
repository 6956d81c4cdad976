/*
 * input.c -- the byte source under the CSV reader (csv_open_source).
 *
 * It reads the file once and does three things on the way: hashes every
 * byte for the manifest (so an export is never read twice just to be
 * hashed), counts the size, and makes sure what the CSV reader sees is
 * UTF-8. Declared UTF-8 is checked in place, byte by byte, with a small
 * state machine that carries over chunk boundaries; GB18030 and GBK are
 * transcoded with iconv through an internal buffer. With no declared
 * encoding, the first chunk decides: valid UTF-8 is read as UTF-8, anything
 * else as GB18030. Bytes that are not valid in the encoding are a
 * file-level error naming the line (newlines handed over so far + 1).
 */
#include "pipeline/core/xalloc.h"

#include "stages/ingest/ingest_int.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INPUT_CHUNK (1u << 20)

struct ingest_input {
    int fd;
    char *path;
    profile_encoding declared, used;
    int decided;
    digest_ctx *hash;
    uint64_t size;
    int eof;
    long newlines; /* line ends in the UTF-8 handed over so far */
    int last_cr;   /* its last byte was a CR */
    /* UTF-8 check state: continuation bytes still needed, and the range
     * allowed for the next one (narrower after E0, ED, F0, F4). */
    int need;
    unsigned char lo, hi;
    const char *bom; /* a UTF-16/32 byte order mark at the start, or NULL */
    /* Transcoding (and detection): raw bytes not yet converted, converted
     * bytes not yet handed over. */
    iconv_t cd;
    char *raw;
    size_t raw_pos, raw_len;
    char *out;
    size_t out_pos, out_len;
};

/* The encoding a byte order mark at the start of `s` says, or NULL. UTF-32
 * is tested before UTF-16: FF FE 00 00 starts both. */
const char *ingest_bom_encoding(const unsigned char *s, size_t len)
{
    if (len >= 4 && s[0] == 0xFF && s[1] == 0xFE && s[2] == 0 && s[3] == 0)
        return "UTF-32LE";
    if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xFE && s[3] == 0xFF)
        return "UTF-32BE";
    if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE)
        return "UTF-16LE";
    if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF)
        return "UTF-16BE";
    return NULL;
}

static int fail_bytes(ingest_input *in, long line, hr_error *err)
{
    if (in->bom)
        return hr_error_set(err, HR_EINPUT, in->path, 1, NULL,
                            "the file is %s (its byte order mark says so), not %s: save or "
                            "convert it as UTF-8 or GB18030",
                            in->bom, profile_encoding_name(in->declared));
    if (in->declared == ENC_AUTO)
        return hr_error_set(err, HR_EINPUT, in->path, line, NULL,
                            "bytes at line %ld are neither UTF-8 nor GB18030 (the file was "
                            "read as %s; convert it, or declare its encoding in the profile)",
                            line, profile_encoding_name(in->used));
    return hr_error_set(err, HR_EINPUT, in->path, line, NULL,
                        "bytes not valid in %s at line %ld (declare the file's encoding in "
                        "the profile, or convert it)",
                        profile_encoding_name(in->used), line);
}

/* What kind of file st is, for a refusal ("a FIFO"), or NULL if regular. */
const char *ingest_not_regular(const struct stat *st)
{
    if (S_ISREG(st->st_mode))
        return NULL;
    if (S_ISFIFO(st->st_mode))
        return "a FIFO (named pipe)";
    if (S_ISCHR(st->st_mode))
        return "a character device";
    if (S_ISBLK(st->st_mode))
        return "a block device";
    if (S_ISSOCK(st->st_mode))
        return "a socket";
    if (S_ISDIR(st->st_mode))
        return "a folder";
    return "not a regular file";
}

ingest_input *ingest_input_open(const char *path, profile_encoding enc, hr_error *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; the file is
     * refused below unless it is a regular file, then reads block again. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        hr_error_set(err, HR_EINPUT, path, 0, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    const char *kind = fstat(fd, &st) != 0 ? "not readable" : ingest_not_regular(&st);
    if (kind) {
        hr_error_set(err, HR_EINPUT, path, 0, NULL,
                     "%s, not a regular file: an export must be a plain file", kind);
        close(fd);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    ingest_input *in = xcalloc(1, sizeof *in);
    in->path = xstrdup(path);
    in->fd = fd;
    in->declared = in->used = enc;
    in->decided = enc != ENC_AUTO;
    in->hash = digest_begin();
    in->cd = (iconv_t)-1;
    in->lo = 0x80, in->hi = 0xBF;
    return in;
}

void ingest_input_close(ingest_input *in)
{
    if (!in)
        return;
    if (in->hash) {
        char hex[DIGEST_HEX_SIZE];
        digest_finish(in->hash, hex);
    }
    if (in->cd != (iconv_t)-1)
        iconv_close(in->cd);
    close(in->fd);
    free(in->raw);
    free(in->out);
    free(in->path);
    free(in);
}

profile_encoding ingest_input_encoding(const ingest_input *in) { return in->used; }

/* Reads from the file, hashing what it read. */
static ssize_t read_file(ingest_input *in, char *buf, size_t cap, hr_error *err)
{
    if (in->eof || cap == 0)
        return 0;
    for (;;) {
        ssize_t n = read(in->fd, buf, cap);
        if (n > 0) {
            if (in->size == 0)
                in->bom = ingest_bom_encoding((const unsigned char *)buf, (size_t)n);
            digest_update(in->hash, buf, (size_t)n);
            in->size += (uint64_t)n;
            return n;
        }
        if (n == 0) {
            in->eof = 1;
            return 0;
        }
        if (errno != EINTR) {
            hr_error_set(err, HR_EINPUT, in->path, 0, NULL, "cannot read: %s", strerror(errno));
            return -1;
        }
    }
}

ssize_t ingest_input_read_raw(ingest_input *in, char *buf, size_t cap, hr_error *err)
{
    return read_file(in, buf, cap, err);
}

/* Runs the UTF-8 state machine over s; returns the offset of the first bad
 * byte, or len if all are good (a sequence may stay open in `need`). */
static size_t utf8_scan(ingest_input *in, const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (in->need == 0) {
            /* ASCII fast path, 8 bytes at a time. */
            while (i + 8 <= len) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (w & 0x8080808080808080ull)
                    break;
                i += 8;
            }
            if (i == len)
                break;
            unsigned char b = s[i];
            if (b < 0x80) {
                i++;
                continue;
            }
            in->lo = 0x80, in->hi = 0xBF;
            if (b >= 0xC2 && b <= 0xDF)
                in->need = 1;
            else if (b >= 0xE0 && b <= 0xEF) {
                in->need = 2;
                if (b == 0xE0)
                    in->lo = 0xA0;
                else if (b == 0xED)
                    in->hi = 0x9F;
            } else if (b >= 0xF0 && b <= 0xF4) {
                in->need = 3;
                if (b == 0xF0)
                    in->lo = 0x90;
                else if (b == 0xF4)
                    in->hi = 0x8F;
            } else
                return i;
            i++;
        } else {
            unsigned char b = s[i];
            if (b < in->lo || b > in->hi)
                return i;
            in->need--;
            in->lo = 0x80, in->hi = 0xBF;
            i++;
        }
    }
    return len;
}

int ingest_utf8_valid(const unsigned char *s, size_t len, size_t *bad_at)
{
    ingest_input st = {0};
    st.lo = 0x80, st.hi = 0xBF;
    size_t at = utf8_scan(&st, s, len);
    if (bad_at)
        *bad_at = at;
    return at == len && st.need == 0;
}

/* Line ends in s: every CR, and every LF not right after a CR (CRLF is one
 * line end, a lone CR one too, as for the CSV reader); prev_cr: the byte
 * before s was a CR. Two memchr passes: no slower than counting LFs. */
static long count_newlines(const char *s, size_t len, int prev_cr)
{
    long n = 0;
    const char *e = s + len, *p;
    for (p = s; (p = memchr(p, '\r', (size_t)(e - p))) != NULL; p++)
        n++;
    for (p = s; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        if (!(p == s ? prev_cr : p[-1] == '\r'))
            n++;
    return n;
}

/* Counts the line ends of bytes handed over. */
static void advance_lines(ingest_input *in, const char *s, size_t len)
{
    in->newlines += count_newlines(s, len, in->last_cr);
    if (len)
        in->last_cr = s[len - 1] == '\r';
}

/* Hands over converted or buffered bytes; 0 if none are pending. */
static size_t drain_out(ingest_input *in, char *buf, size_t cap)
{
    size_t n = in->out_len - in->out_pos;
    if (n > cap)
        n = cap;
    memcpy(buf, in->out + in->out_pos, n);
    in->out_pos += n;
    return n;
}

/* Reads the first chunk into `out` and decides between UTF-8 and GB18030.
 * The chunk stays pending: in `out` (UTF-8, checked) or in `raw`. */
static int detect(ingest_input *in, hr_error *err)
{
    in->out = xmalloc(INPUT_CHUNK);
    size_t got = 0;
    while (got < INPUT_CHUNK) {
        ssize_t n = read_file(in, in->out + got, INPUT_CHUNK - got, err);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    ingest_input probe = {0};
    probe.lo = 0x80, probe.hi = 0xBF;
    size_t at = utf8_scan(&probe, (const unsigned char *)in->out, got);
    /* An open sequence at the chunk's end is fine unless the file ended. */
    int utf8 = at == got && (probe.need == 0 || !in->eof);
    in->decided = 1;
    if (utf8) {
        in->used = ENC_UTF8;
        in->need = probe.need, in->lo = probe.lo, in->hi = probe.hi;
        in->out_pos = 0, in->out_len = got;
        advance_lines(in, in->out, got);
        return 0;
    }
    in->used = ENC_GB18030;
    in->raw = in->out;
    in->raw_pos = 0, in->raw_len = got;
    in->out = NULL;
    return 0;
}

/* Converts pending raw bytes (reading more as needed) into `out`. Returns 1
 * if output is pending, 0 at end of input, -1 on error. */
static int transcode_more(ingest_input *in, hr_error *err)
{
    if (in->cd == (iconv_t)-1) {
        in->cd = iconv_open("UTF-8", in->used == ENC_GBK ? "GBK" : "GB18030");
        if (in->cd == (iconv_t)-1)
            return hr_error_set(err, HR_EFAIL, in->path, 0, NULL, "iconv cannot convert from %s",
                                profile_encoding_name(in->used)), -1;
    }
    if (!in->raw)
        in->raw = xmalloc(INPUT_CHUNK);
    if (!in->out)
        in->out = xmalloc(INPUT_CHUNK);
    in->out_pos = in->out_len = 0;
    for (;;) {
        if (in->raw_pos == in->raw_len || !in->eof) {
            /* Keep the unconverted tail, then top the buffer up. */
            memmove(in->raw, in->raw + in->raw_pos, in->raw_len - in->raw_pos);
            in->raw_len -= in->raw_pos, in->raw_pos = 0;
            ssize_t n = read_file(in, in->raw + in->raw_len, INPUT_CHUNK - in->raw_len, err);
            if (n < 0)
                return -1;
            in->raw_len += (size_t)n;
        }
        if (in->raw_pos == in->raw_len)
            return 0;
        char *src = in->raw + in->raw_pos, *dst = in->out;
        size_t src_left = in->raw_len - in->raw_pos, dst_left = INPUT_CHUNK;
        size_t r = iconv(in->cd, &src, &src_left, &dst, &dst_left);
        int saved = errno;
        in->raw_pos = (size_t)(src - in->raw);
        in->out_len = (size_t)(dst - in->out);
        advance_lines(in, in->out, in->out_len);
        if (r != (size_t)-1 || saved == E2BIG || (saved == EINVAL && !in->eof)) {
            if (in->out_len > 0)
                return 1;
            continue; /* an incomplete character: read on */
        }
        return fail_bytes(in, in->newlines + 1, err), -1;
    }
}

ssize_t ingest_input_read(void *ctx, char *buf, size_t cap, hr_error *err)
{
    ingest_input *in = ctx;
    if (!in->decided && detect(in, err) < 0)
        return -1;
    if (in->out_pos < in->out_len)
        return (ssize_t)drain_out(in, buf, cap);
    if (in->used == ENC_GB18030 || in->used == ENC_GBK) {
        int more = transcode_more(in, err);
        return more <= 0 ? more : (ssize_t)drain_out(in, buf, cap);
    }
    ssize_t n = read_file(in, buf, cap, err);
    if (n < 0)
        return -1;
    if (n == 0) {
        if (in->need)
            return fail_bytes(in, in->newlines + 1, err), -1;
        return 0;
    }
    size_t bad = utf8_scan(in, (const unsigned char *)buf, (size_t)n);
    if (bad < (size_t)n)
        return fail_bytes(in, in->newlines + count_newlines(buf, bad, in->last_cr) + 1, err), -1;
    advance_lines(in, buf, (size_t)n);
    return n;
}

void ingest_input_finish(ingest_input *in, char hex[DIGEST_HEX_SIZE], uint64_t *size)
{
    char sink[65536];
    while (read_file(in, sink, sizeof sink, NULL) > 0)
        ;
    digest_finish(in->hash, hex);
    in->hash = NULL;
    *size = in->size;
}
