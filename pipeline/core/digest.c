/*
 * digest.c -- SHA-256 through libcrypto's EVP interface (see digest.h).
 */
#include "pipeline/core/digest.h"

#include "pipeline/core/xalloc.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct digest_ctx {
    EVP_MD_CTX *md;
};

digest_ctx *digest_begin(void)
{
    digest_ctx *c = xmalloc(sizeof *c);
    /* OpenSSL fails here only without memory (or without SHA-256 at all) */
    if (!(c->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1)
        abort();
    return c;
}

void digest_update(digest_ctx *c, const void *data, size_t len)
{
    EVP_DigestUpdate(c->md, data, len);
}

void digest_finish(digest_ctx *c, char hex[DIGEST_HEX_SIZE])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(c->md, md, &n);
    for (unsigned int i = 0; i < n && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
    EVP_MD_CTX_free(c->md);
    free(c);
}

void digest_buffer(const void *data, size_t len, char hex[DIGEST_HEX_SIZE])
{
    digest_ctx *c = digest_begin();
    digest_update(c, data, len);
    digest_finish(c, hex);
}

int digest_file(const char *path, char hex[DIGEST_HEX_SIZE], uint64_t *size, hr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hr_error_set(err, HR_EINPUT, path, 0, NULL, "cannot open: %s", strerror(errno));
    digest_ctx *c = digest_begin();
    static char buf[1 << 16];
    size_t n;
    uint64_t total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        digest_update(c, buf, n);
        total += n;
    }
    int bad = ferror(f);
    fclose(f);
    digest_finish(c, hex);
    if (bad)
        return hr_error_set(err, HR_EINPUT, path, 0, NULL, "read error");
    if (size)
        *size = total;
    return HR_OK;
}
