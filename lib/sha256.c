/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 as FIPS 180-4, section 6.2, describes it, with a second block
 * function for x86 CPUs that have the SHA extensions (sha256rnds2,
 * sha256msg1, sha256msg2), chosen at run time: the audit hashes every
 * screened text, and the instructions make that several times faster.
 * The instruction version follows Intel's white paper "Intel SHA
 * Extensions" (2013) and Jeffrey Walton's public-domain sha256-x86.c: the
 * state is kept as ABEF and CDGH, and each step does four rounds.
 */
#include <string.h>

/*
 * Clang 14 (Debian 12's, which builds the fuzz targets) does not know the
 * "sha" feature of __builtin_cpu_supports; it gets the portable code.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define HAVE_SHA_NI 1
#endif

#include "sha256.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static uint32_t
ror(uint32_t x, int n)
{
	return x >> n | x << (32 - n);
}

/* The portable block function: n blocks of 64 bytes at p. */
static void
blocks_c(uint32_t *h, const unsigned char *p, size_t n)
{
	uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
	int i;

	for (; n > 0; n--, p += 64) {
		for (i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 |
			    (uint32_t)p[4 * i + 1] << 16 |
			    (uint32_t)p[4 * i + 2] << 8 |
			    (uint32_t)p[4 * i + 3];
		for (i = 16; i < 64; i++)
			w[i] = (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^
			    w[i - 2] >> 10) + w[i - 7] + (ror(w[i - 15], 7) ^
			    ror(w[i - 15], 18) ^ w[i - 15] >> 3) + w[i - 16];
		a = h[0], b = h[1], c = h[2], d = h[3];
		e = h[4], f = h[5], g = h[6], k = h[7];
		for (i = 0; i < 64; i++) {
			t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
			    ((e & f) ^ (~e & g)) + K[i] + w[i];
			t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
			    ((a & b) ^ (a & c) ^ (b & c));
			k = g, g = f, f = e, e = d + t1;
			d = c, c = b, b = a, a = t1 + t2;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d;
		h[4] += e, h[5] += f, h[6] += g, h[7] += k;
	}
}

#ifdef HAVE_SHA_NI
/*
 * The same with the SHA extensions. Each of the 16 steps does four rounds
 * with the message words of one register, and the schedule keeps four
 * registers ahead: sha256msg1 starts the words four steps on, sha256msg2
 * finishes those of the next step.
 */
__attribute__((target("sha,sse4.1")))
static void
blocks_ni(uint32_t *h, const unsigned char *p, size_t n)
{
	const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
	    0x0405060700010203ULL);
	__m128i state0, state1, tmp, m, msg[4], abef, cdgh;
	int i;

	tmp = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
	state1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xb1);		/* CDAB */
	state1 = _mm_shuffle_epi32(state1, 0x1b);	/* EFGH */
	state0 = _mm_alignr_epi8(tmp, state1, 8);	/* ABEF */
	state1 = _mm_blend_epi16(state1, tmp, 0xf0);	/* CDGH */
	for (; n > 0; n--, p += 64) {
		abef = state0;
		cdgh = state1;
		for (i = 0; i < 4; i++)
			msg[i] = _mm_shuffle_epi8(_mm_loadu_si128(
			    (const __m128i *)(const void *)(p + 16 * i)), swap);
		for (i = 0; i < 16; i++) {
			m = _mm_add_epi32(msg[i & 3], _mm_loadu_si128(
			    (const __m128i *)(const void *)&K[4 * i]));
			state1 = _mm_sha256rnds2_epu32(state1, state0, m);
			if (i >= 3 && i < 15) {
				tmp = _mm_alignr_epi8(msg[i & 3],
				    msg[(i - 1) & 3], 4);
				msg[(i + 1) & 3] = _mm_sha256msg2_epu32(
				    _mm_add_epi32(msg[(i + 1) & 3], tmp),
				    msg[i & 3]);
			}
			m = _mm_shuffle_epi32(m, 0x0e);
			state0 = _mm_sha256rnds2_epu32(state0, state1, m);
			if (i >= 1 && i < 13)
				msg[(i - 1) & 3] = _mm_sha256msg1_epu32(
				    msg[(i - 1) & 3], msg[i & 3]);
		}
		state0 = _mm_add_epi32(state0, abef);
		state1 = _mm_add_epi32(state1, cdgh);
	}
	tmp = _mm_shuffle_epi32(state0, 0x1b);		/* FEBA */
	state1 = _mm_shuffle_epi32(state1, 0xb1);	/* DCHG */
	state0 = _mm_blend_epi16(tmp, state1, 0xf0);	/* DCBA */
	state1 = _mm_alignr_epi8(state1, tmp, 8);	/* HGFE */
	_mm_storeu_si128((__m128i *)(void *)&h[0], state0);
	_mm_storeu_si128((__m128i *)(void *)&h[4], state1);
}
#endif

static void
blocks(struct sha256 *s, const unsigned char *p, size_t n)
{
#ifdef HAVE_SHA_NI
	if (s->ni) {
		blocks_ni(s->h, p, n);
		return;
	}
#endif
	blocks_c(s->h, p, n);
}

void
sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f,
		0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
#ifdef HAVE_SHA_NI
	s->ni = __builtin_cpu_supports("sha") &&
	    __builtin_cpu_supports("sse4.1");
#else
	s->ni = 0;
#endif
}

void
sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t fill = (size_t)(s->len % 64), take;

	s->len += len;
	if (fill > 0) {
		take = 64 - fill < len ? 64 - fill : len;
		memcpy(s->block + fill, p, take);
		p += take;
		len -= take;
		if (fill + take < 64)
			return;
		blocks(s, s->block, 1);
	}
	if (len >= 64) {
		blocks(s, p, len / 64);
		p += len / 64 * 64;
		len %= 64;
	}
	if (len > 0)
		memcpy(s->block, p, len);
}

void
sha256_final(struct sha256 *s, unsigned char *out)
{
	uint64_t bits = s->len * 8;
	size_t fill = (size_t)(s->len % 64), i;

	/* The padding: 0x80, zeros to 56 bytes of a block, the length. */
	s->block[fill++] = 0x80;
	if (fill > 56) {
		memset(s->block + fill, 0, 64 - fill);
		blocks(s, s->block, 1);
		fill = 0;
	}
	memset(s->block + fill, 0, 56 - fill);
	for (i = 0; i < 8; i++)
		s->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	blocks(s, s->block, 1);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(s->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)s->h[i];
	}
}

void
sha256_digest(const void *p, size_t len, unsigned char *out)
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, p, len);
	sha256_final(&s, out);
}

void
sha256_hex(const unsigned char *d, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < SHA256_SIZE; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * SHA256_SIZE] = '\0';
}
