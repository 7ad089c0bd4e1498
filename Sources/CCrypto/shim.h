#ifndef CCRYPTO_SHIM_H
#define CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/* SHA-256 through OpenSSL's low-level API: its context is a plain struct that a backup longer
 * than one Lambda invocation saves in its checkpoint and restores in the next; the EVP context
 * is opaque and cannot be. OpenSSL 3 deprecates these functions but keeps them, with the same
 * hardware-accelerated block function as EVP. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline void ccrypto_sha256_init(SHA256_CTX *context) { SHA256_Init(context); }
static inline void ccrypto_sha256_update(SHA256_CTX *context, const void *data, size_t count) { SHA256_Update(context, data, count); }
static inline void ccrypto_sha256_final(unsigned char *digest, SHA256_CTX *context) { SHA256_Final(digest, context); }
#pragma GCC diagnostic pop
#endif
