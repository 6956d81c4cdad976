/*
 * digest.h -- SHA-256 of files and buffers (OpenSSL's libcrypto does the
 * hashing), as lowercase hex. Used by the ingest manifest and the run
 * registry to recognise identical inputs and outputs.
 */
#ifndef HR_DIGEST_H
#define HR_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/core/error.h"

#define DIGEST_HEX_SIZE 65 /* 64 hex digits and a NUL */

/* Hashes a whole file; also returns its size. */
int digest_file(const char *path, char hex[DIGEST_HEX_SIZE], uint64_t *size, hr_error *err);
void digest_buffer(const void *data, size_t len, char hex[DIGEST_HEX_SIZE]);

/* Incremental hashing, for code that already reads the bytes. */
typedef struct digest_ctx digest_ctx;
digest_ctx *digest_begin(void);
void digest_update(digest_ctx *ctx, const void *data, size_t len);
void digest_finish(digest_ctx *ctx, char hex[DIGEST_HEX_SIZE]); /* frees ctx */

#endif
