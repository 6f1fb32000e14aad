/* SPDX-License-Identifier: MIT */
/*
 * Prints the values of lib/ functions whose results are promised to be the
 * same on every platform (RNG streams, hashes, number formatting), one
 * "name: value" per line, for tests/lib.bats to compare with values computed
 * independently from the published algorithms.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "jsonw.h"
#include "rng.h"
#include "sha256.h"
#include "timefmt.h"

static void
rng_stream(uint64_t seed)
{
	struct rng r;
	int i;

	rng_init(&r, seed);
	printf("xoshiro256** seed %" PRIu64 ":", seed);
	for (i = 0; i < 3; i++)
		printf(" %016" PRIx64, rng_next(&r));
	printf("\n");
}

/* XXH64 of s, labelled by its length: the vectors are long. */
static void
xxh64(const char *s)
{
	printf("xxh64 %zu: %016" PRIx64 "\n", strlen(s),
	    hash_xxh64(s, strlen(s)));
}

static void
format(const char *label, double d)
{
	char out[JSONW_DOUBLE_MAX];

	jsonw_format_double(d, out);
	printf("double %s: %s\n", label, out);
}

/*
 * The FIPS 180-4 examples (and NIST's one million 'a'), by the portable
 * code and, when the CPU has them, the SHA instructions; the million in
 * pieces of 997 bytes, so that partial blocks are joined.
 */
static void
sha256_vectors(int ni)
{
	static const char *const msg[] = { "abc", "",
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" };
	static const char *const label[] = { "abc", "empty", "448 bits" };
	unsigned char d[SHA256_SIZE], a[997];
	char hex[SHA256_HEX_SIZE];
	const char *name = ni ? "sha256-ni" : "sha256";
	struct sha256 s;
	size_t i, left;

	for (i = 0; i < 3; i++) {
		sha256_init(&s);
		s.ni = ni;
		sha256_update(&s, msg[i], strlen(msg[i]));
		sha256_final(&s, d);
		sha256_hex(d, hex);
		printf("%s %s: %s\n", name, label[i], hex);
	}
	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	s.ni = ni;
	for (left = 1000000; left > 0; left -= i) {
		i = left < sizeof(a) ? left : sizeof(a);
		sha256_update(&s, a, i);
	}
	sha256_final(&s, d);
	sha256_hex(d, hex);
	printf("%s million a: %s\n", name, hex);
}

int
main(void)
{
	char iso[TIMEFMT_ISO_SIZE];
	struct sha256 sha;
	struct rng r;
	time_t t;
	int i;

	rng_stream(0);
	rng_stream(42);
	rng_init(&r, 42);
	printf("uniform seed 42: %.17g\n", rng_uniform(&r));
	rng_init(&r, 7);
	printf("below 10 seed 7:");
	for (i = 0; i < 3; i++)
		printf(" %" PRIu64, rng_below(&r, 10));
	printf("\n");
	printf("fnv1a64 \"\": %016" PRIx64 "\n", hash_fnv1a64("", 0));
	printf("fnv1a64 \"a\": %016" PRIx64 "\n", hash_fnv1a64("a", 1));
	printf("fnv1a64 \"foobar\": %016" PRIx64 "\n", hash_fnv1a64("foobar", 6));
	printf("fnv1a32 \"a\": %08" PRIx32 "\n", hash_fnv1a32("a", 1));
	xxh64("");
	xxh64("a");
	xxh64("abc");
	xxh64("0123456789abc");
	xxh64("abcdefghijklmnopqrstuvwxyz0123456789");
	xxh64("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	printf("fnv1a32 \"foobar\": %08" PRIx32 "\n", hash_fnv1a32("foobar", 6));
	format("0.45", 0.45);
	format("0.1+0.2", 0.1 + 0.2);
	format("250", 250.0);
	format("-0", -0.0);
	format("1e21", 1e21);
	format("1e-7", 1e-7);
	format("123456789012345680000", 123456789012345680000.0);
	format("0.000001", 0.000001);
	format("5e-324", 5e-324);
	format("1.7976931348623157e308", 1.7976931348623157e308);
	format("2/3", 2.0 / 3.0);
	if (timefmt_choose("1700000000", 0, &t) == 0) {
		timefmt_iso(t, iso);
		printf("SOURCE_DATE_EPOCH 1700000000: %s\n", iso);
	}
	printf("SOURCE_DATE_EPOCH 12x: %d\n", timefmt_choose("12x", 0, &t));
	sha256_vectors(0);
	if (sha256_init(&sha), sha.ni)
		sha256_vectors(1);
	return 0;
}
