/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4): fingerprints of screened texts in the safety
 * audit, and keys of the language-model response cache. Our own code, not
 * OpenSSL's: OpenSSL is linked for libcurl's TLS only, and every
 * third-party library has one wrapping module.
 */
#ifndef CPO_SHA256_H
#define CPO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_SIZE 32		/* bytes of a digest */
#define SHA256_HEX_SIZE 65	/* 64 hexadecimal digits and the NUL */

struct sha256 {
	uint32_t h[8];			/* the chaining state */
	uint64_t len;			/* bytes hashed so far */
	unsigned char block[64];	/* a partial block, len % 64 bytes */
	int ni;				/* use the CPU's SHA instructions */
};

/*
 * Starts a hash. ni is set when the CPU has the x86 SHA extensions; a
 * caller may clear it to force the portable code (both give the same
 * digests). Can't fail.
 */
void sha256_init(struct sha256 *s);

/* Adds len bytes of data. */
void sha256_update(struct sha256 *s, const void *data, size_t len);

/* Writes the digest (SHA256_SIZE bytes) to out; s is then spent. */
void sha256_final(struct sha256 *s, unsigned char *out);

/* The digest of len bytes of p, in one call. */
void sha256_digest(const void *p, size_t len, unsigned char *out);

/*
 * Writes digest d as 64 lower-case hexadecimal digits and a NUL to out
 * (SHA256_HEX_SIZE bytes). The digest of "abc" prints as
 * "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".
 */
void sha256_hex(const unsigned char *d, char *out);

#endif
