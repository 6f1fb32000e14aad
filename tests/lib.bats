#!/usr/bin/env bats
# The library's promises of platform-independent results, checked against
# values computed independently: the RNG streams by a Python transcription of
# the published xoshiro256** and SplitMix64 code, the hashes from the FNV
# reference vectors, and number formatting by node's JSON.stringify.

bats_require_minimum_version 1.5.0

setup() {
	load helpers
	LIB_CHECK=${LIB_CHECK:-$BATS_TEST_DIRNAME/../build/lib-check}
	[ -x "$LIB_CHECK" ] || skip "build/lib-check not built (make test builds it)"
	run -0 "$LIB_CHECK"
}

line_of() {
	local prefix=$1 l
	for l in "${lines[@]}"; do
		case $l in "$prefix: "*) printf '%s\n' "${l#"$prefix: "}"; return 0 ;; esac
	done
	return 1
}

@test "xoshiro256** seeded by SplitMix64 gives the reference stream for seed 0" {
	[ "$(line_of 'xoshiro256** seed 0')" = "99ec5f36cb75f2b4 bf6e1f784956452a 1a5f849d4933e6e0" ]
}

@test "xoshiro256** seeded by SplitMix64 gives the reference stream for seed 42" {
	[ "$(line_of 'xoshiro256** seed 42')" = "15780b2e0c2ec716 6104d9866d113a7e ae17533239e499a1" ]
}

@test "a uniform double is the top 53 bits of the next output times 2^-53" {
	[ "$(line_of 'uniform seed 42')" = "0.083862971059882163" ]
}

@test "bounded integers follow Lemire's multiply-and-reject method" {
	[ "$(line_of 'below 10 seed 7')" = "7 2 8" ]
}

@test "64-bit FNV-1a matches the reference vectors" {
	[ "$(line_of 'fnv1a64 ""')" = "cbf29ce484222325" ]
	[ "$(line_of 'fnv1a64 "a"')" = "af63dc4c8601ec8c" ]
	[ "$(line_of 'fnv1a64 "foobar"')" = "85944171f73967e8" ]
}

@test "XXH64 matches the reference implementation's values" {
	# xxhsum -H1 of "", "a", "abc", "0123456789abc", a-z0-9 and 100 x:
	# every tail (1, 4 and 8 bytes) and the 32-byte stripes.
	[ "$(line_of 'xxh64 0')" = "ef46db3751d8e999" ]
	[ "$(line_of 'xxh64 1')" = "d24ec4f1a98c6e5b" ]
	[ "$(line_of 'xxh64 3')" = "44bc2cf5ad770999" ]
	[ "$(line_of 'xxh64 13')" = "ba453e84431e55e5" ]
	[ "$(line_of 'xxh64 36')" = "64f23ecf1609b766" ]
	[ "$(line_of 'xxh64 100')" = "92f0de5a88a3c094" ]
}

@test "32-bit FNV-1a matches the reference vectors" {
	[ "$(line_of 'fnv1a32 "a"')" = "e40c292c" ]
	[ "$(line_of 'fnv1a32 "foobar"')" = "bf9cf968" ]
}

@test "numbers print as JSON.stringify prints them: shortest round trip" {
	[ "$(line_of 'double 0.45')" = "0.45" ]
	[ "$(line_of 'double 0.1+0.2')" = "0.30000000000000004" ]
	[ "$(line_of 'double 2/3')" = "0.6666666666666666" ]
	[ "$(line_of 'double 5e-324')" = "5e-324" ]
	[ "$(line_of 'double 1.7976931348623157e308')" = "1.7976931348623157e+308" ]
}

@test "integral numbers print without a fraction and -0 prints as 0" {
	[ "$(line_of 'double 250')" = "250" ]
	[ "$(line_of 'double -0')" = "0" ]
	[ "$(line_of 'double 123456789012345680000')" = "123456789012345680000" ]
}

@test "exponents are used only below 1e-6 and from 1e21 up" {
	[ "$(line_of 'double 1e21')" = "1e+21" ]
	[ "$(line_of 'double 1e-7')" = "1e-7" ]
	[ "$(line_of 'double 0.000001')" = "0.000001" ]
}

@test "SOURCE_DATE_EPOCH gives the timestamp and a malformed value is refused" {
	[ "$(line_of 'SOURCE_DATE_EPOCH 1700000000')" = "2023-11-14T22:13:20Z" ]
	[ "$(line_of 'SOURCE_DATE_EPOCH 12x')" = "-1" ]
}

@test "SHA-256 gives the FIPS 180-4 digests, with and without the SHA instructions" {
	local name
	for name in sha256 sha256-ni; do
		[ "$name" = sha256 ] || line_of "$name abc" > /dev/null || continue
		[ "$(line_of "$name abc")" = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad ]
		[ "$(line_of "$name empty")" = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ]
		[ "$(line_of "$name 448 bits")" = 248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1 ]
		[ "$(line_of "$name million a")" = cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0 ]
	done
}
