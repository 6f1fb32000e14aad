#!/usr/bin/env bats
# cpo-assign, specified by its tests. The test names read like the manual
# page (man/cpo-assign.1); each test checks the exact standard output, the
# exact standard error and the exact exit status. Bad experiment files are a
# table under tests/fixtures/assign/experiment/, run by run_cases.

bats_require_minimum_version 1.5.0
load helpers

USAGE='usage: cpo-assign [--experiment FILE] [--method stratified|hash] [--seed N] [--keep-variants] [--summary] [--rejects FILE] [--strict] [FILE]'

# Every test stamps the same time.
export SOURCE_DATE_EPOCH=1764000000

# customers N STRATA: writes in.ndjson, N customers C00001... whose
# segment is S0 ... S(STRATA-1), dealt in a fixed irregular order.
customers() {
	awk -v n="$1" -v k="$2" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"customer_id\":\"C%05d\",\"segment\":\"S%d\"}\n",
			    i, (i * 7 + int(i / 3)) % k
	}' > in.ndjson
}

# arms FILE: prints "customer_id arm" for each record of FILE.
arms() {
	jq -r '"\(.customer_id) \(.assignment.experiment_arm)"' "$1"
}

# --- What is added ------------------------------------------------------

@test "every record gets an assignment, added last, and is otherwise passed through byte for byte" {
	run -0 --separate-stderr cpo-assign "$(fixture assign/customers.ndjson)"
	expect_stdout "$(cat "$(fixture assign/customers.assigned.ndjson)")"
	expect_stderr ''
	same 'records without assignment' \
	    "$(cat "$(fixture assign/customers.ndjson)")" \
	    "$(printf '%s\n' "$output" | sed 's/,"assignment":{[^}]*}}$/}/')"
}

@test "the assignment is the seed's Experiment Assignment Schema followed by experiment_id, tone, delivered and fallback" {
	run -0 --separate-stderr sh -c 'head -n 1 "$1" | cpo-assign | jq -c .assignment' sh \
	    "$(fixture assign/customers.ndjson)"
	expect_stdout '{"customer_id":"C001","segment":"High-Value Recent","experiment_arm":"control","variant_id":"control","assigned_at":"2025-11-24T16:00:00Z","assignment_method":"stratified_random","experiment_id":"EXP001","tone":"control","delivered":"control","fallback":null}'
	expect_stderr ''
}

@test "the default experiment has a control arm and three treatments of 25% each" {
	customers 4000 1
	run -0 --separate-stderr sh -c 'cpo-assign in.ndjson | jq -r "[.assignment.experiment_arm, .assignment.tone] | join(\" \")" | sort | uniq -c'
	expect_stdout '   1000 control control
   1000 treatment_1 urgent
   1000 treatment_2 informational
   1000 treatment_3 friendly'
	expect_stderr ''
}

@test "a customer without a segment is assigned in the stratum (none), with segment null" {
	run -0 --separate-stderr sh -c 'echo "{\"customer_id\":\"X1\"}" | cpo-assign --summary | jq -c ".assignment | [.segment, .experiment_arm]"'
	expect_stdout '[null,"treatment_1"]'
	expect_stderr 'cpo-assign: stratum  control  treatment_1  treatment_2  treatment_3  total
cpo-assign: (none)         0            1            0            0      1
cpo-assign: total          0            1            0            0      1
cpo-assign: sample ratio: chi-square 3.0000 on 3 df, p 0.3916'
}

@test "assigned_at honours SOURCE_DATE_EPOCH" {
	run -0 --separate-stderr sh -c 'echo "{\"customer_id\":\"X1\"}" | SOURCE_DATE_EPOCH=0 cpo-assign | jq -r .assignment.assigned_at'
	expect_stdout '1970-01-01T00:00:00Z'
	expect_stderr ''
}

@test "an assignment already in the record is replaced in place" {
	run -0 --separate-stderr sh -c 'cpo-assign "$1" | cpo-assign --seed 3 | jq -c "[keys_unsorted[-2:], .assignment.experiment_arm]" | head -n 2' sh \
	    "$(fixture assign/customers.ndjson)"
	expect_stdout '[["segment","assignment"],"treatment_3"]
[["segment","assignment"],"treatment_1"]'
	expect_stderr ''
}

# --- Stratified permuted blocks -----------------------------------------

@test "permuted blocks keep every stratum within one block of balance at every point of the stream" {
	customers 10007 5
	cpo-assign in.ndjson > out.ndjson
	run -0 --separate-stderr sh -c 'jq -r "[.segment, .assignment.experiment_arm] | @tsv" out.ndjson | awk -F "\t" "
		{ n[\$1, \$2]++; s[\$1] = 1; a[\$2] = 1
		  max = 0; min = -1
		  for (x in a) { c = n[\$1, x]; if (c > max) max = c; if (min < 0 || c < min) min = c }
		  if (max - min > 1) { print \"unbalanced at line \" NR; exit 1 } }
		END { for (x in s) for (y in a) print x, y, n[x, y] }" | sort'
	expect_stdout 'S0 control 501
S0 treatment_1 500
S0 treatment_2 500
S0 treatment_3 500
S1 control 500
S1 treatment_1 501
S1 treatment_2 500
S1 treatment_3 500
S2 control 500
S2 treatment_1 500
S2 treatment_2 501
S2 treatment_3 501
S3 control 501
S3 treatment_1 500
S3 treatment_2 500
S3 treatment_3 500
S4 control 500
S4 treatment_1 501
S4 treatment_2 501
S4 treatment_3 500'
	expect_stderr ''
}

@test "every customer is assigned exactly once" {
	customers 10007 5
	run -0 --separate-stderr sh -c 'cpo-assign in.ndjson | jq -r .assignment.customer_id | sort | uniq -d | wc -l; cpo-assign in.ndjson | wc -l'
	expect_stdout '0
10007'
	expect_stderr ''
}

@test "the same seed gives byte-identical output" {
	customers 2000 5
	cpo-assign --seed 7 in.ndjson > one.ndjson
	cpo-assign --seed 7 in.ndjson > two.ndjson
	run -0 --separate-stderr cmp one.ndjson two.ndjson
	expect_stdout ''
	expect_stderr ''
}

@test "a different seed gives different arms" {
	customers 2000 5
	run -0 --separate-stderr sh -c 'cpo-assign --seed 7 in.ndjson | jq -r .assignment.experiment_arm > one; cpo-assign --seed 8 in.ndjson | jq -r .assignment.experiment_arm > two; paste one two | awk "\$1 != \$2" | wc -l'
	expect_stdout '1489'
	expect_stderr ''
}

@test "--seed overrides the experiment's seed, which defaults to 42" {
	customers 500 5
	cpo-assign in.ndjson > default.ndjson
	cpo-assign --seed 42 in.ndjson > seed42.ndjson
	echo '{"seed": 42}' > exp.json
	cpo-assign --experiment exp.json --seed 43 in.ndjson > seed43.ndjson
	run -1 --separate-stderr cmp -s default.ndjson seed43.ndjson
	run -0 --separate-stderr cmp default.ndjson seed42.ndjson
	expect_stdout ''
	expect_stderr ''
}

@test "a stratum's arms do not depend on how the strata are interleaved" {
	customers 3000 5
	arms <(cpo-assign in.ndjson) | sort > mixed
	jq -c 'select(.segment == "S3")' in.ndjson | cpo-assign > s3.ndjson
	run -0 --separate-stderr sh -c 'arms() { jq -r "\"\(.customer_id) \(.assignment.experiment_arm)\"" "$1"; }; arms s3.ndjson | sort | comm -23 - mixed | wc -l'
	expect_stdout '0'
	expect_stderr ''
}

@test "weights 2:1:1 deal blocks of four with two controls" {
	printf '%s\n' '{"arms": [{"name": "control", "tone": "control", "weight": 50},' \
	    '{"name": "a", "tone": "urgent", "weight": 25}, {"name": "b", "tone": "friendly", "weight": 25}]}' > exp.json
	customers 12 1
	run -0 --separate-stderr sh -c 'cpo-assign --experiment exp.json in.ndjson | jq -r .assignment.experiment_arm | paste -s -d " "'
	expect_stdout 'control a control b control a control b b a control control'
	expect_stderr ''
}

@test "a larger block_size deals bigger blocks" {
	echo '{"block_size": 8, "stratify_by": null}' > exp.json
	customers 16 5
	run -0 --separate-stderr sh -c 'cpo-assign --experiment exp.json in.ndjson | jq -r .assignment.experiment_arm | paste -s -d " "'
	expect_stdout 'control treatment_1 treatment_2 treatment_1 treatment_2 control treatment_3 treatment_3 control treatment_1 treatment_1 treatment_2 treatment_3 treatment_3 control treatment_2'
	expect_stderr ''
}

@test "stratify_by names any field; without one, every customer is in one stratum" {
	echo '{"stratify_by": "tier"}' > tier.json
	echo '{"stratify_by": null}' > none.json
	run -0 --separate-stderr sh -c 'cpo-assign --summary --experiment tier.json "$1" > /dev/null; cpo-assign --summary --experiment none.json "$1" > /dev/null' sh \
	    "$(fixture assign/customers.ndjson)"
	expect_stdout ''
	expect_stderr 'cpo-assign: stratum  control  treatment_1  treatment_2  treatment_3  total
cpo-assign: Gold           1            1            1            1      4
cpo-assign: Silver         1            2            1            1      5
cpo-assign: Bronze         1            1            0            1      3
cpo-assign: total          3            4            2            3     12
cpo-assign: sample ratio: chi-square 0.6667 on 3 df, p 0.881
cpo-assign: stratum  control  treatment_1  treatment_2  treatment_3  total
cpo-assign: all            3            3            3            3     12
cpo-assign: total          3            3            3            3     12
cpo-assign: sample ratio: chi-square 0.0000 on 3 df, p 1'
}

@test "a stratum that is not a string is named by its JSON text" {
	run -0 --separate-stderr sh -c 'printf "%s\n" "{\"customer_id\":\"A\",\"segment\":3}" "{\"customer_id\":\"B\",\"segment\":[1]}" | cpo-assign --summary > /dev/null'
	expect_stdout ''
	expect_stderr 'cpo-assign: stratum  control  treatment_1  treatment_2  treatment_3  total
cpo-assign: 3              0            1            0            0      1
cpo-assign: [1]            0            0            0            1      1
cpo-assign: total          0            1            0            1      2
cpo-assign: sample ratio: chi-square 2.0000 on 3 df, p 0.5724'
}

# --- Hash assignment ----------------------------------------------------

@test "--method hash buckets customers exactly as GrowthBook's published hash test cases (version 2)" {
	local seed value want got failed=0
	while IFS=$'\t' read -r seed value want; do
		jq -cn --arg s "$seed" '{hash_seed: $s}' > exp.json
		got=$(jq -cn --arg v "$value" '{customer_id: $v}' |
		    cpo-assign --method hash --experiment exp.json | jq -r .assignment.bucket)
		[ "$got" = "$want" ] || { echo "hash($seed, $value): want $want, got $got"; failed=1; }
	done < "$(fixture assign/growthbook-hash.tsv)"
	[ "$failed" = 0 ]
}

@test "--method hash puts a customer in the arm whose range of weights holds the bucket" {
	customers 2000 5
	run -0 --separate-stderr sh -c 'cpo-assign --method hash in.ndjson | jq -r ".assignment | [.bucket, .experiment_arm] | @tsv" | awk -F "\t" "{ i = int(\$1 * 4); if ((i == 0 && \$2 != \"control\") || (i > 0 && \$2 != \"treatment_\" i)) bad++ } END { print NR, bad + 0 }"'
	expect_stdout '2000 0'
	expect_stderr ''
}

@test "--method hash assigns a shard's customers as the whole input does" {
	customers 10007 5
	cpo-assign --method hash in.ndjson > whole.ndjson
	split -n l/7 in.ndjson shard.
	for f in shard.*; do cpo-assign --method hash "$f"; done > shards.ndjson
	run -0 --separate-stderr cmp whole.ndjson shards.ndjson
	expect_stdout ''
	expect_stderr ''
	[ "$(ls shard.* | wc -l)" = 7 ]
}

@test "--method hash depends on the seed; the hash seed defaults to the seed's decimal text" {
	customers 1000 5
	echo '{"hash_seed": "42"}' > exp.json
	cpo-assign --method hash in.ndjson > default.ndjson
	cpo-assign --method hash --experiment exp.json in.ndjson > text42.ndjson
	cmp default.ndjson text42.ndjson
	run -0 --separate-stderr sh -c 'cpo-assign --method hash --seed 43 in.ndjson | jq -r .assignment.experiment_arm > b; jq -r .assignment.experiment_arm default.ndjson > a; paste a b | awk "\$1 != \$2" | wc -l'
	expect_stdout '760'
	expect_stderr ''
}

# --- Variants and fallback ----------------------------------------------

@test "the arm's tone selects the variant; the other variants are dropped" {
	run -0 --separate-stderr sh -c 'head -n 1 "$1" | cpo-assign --seed 3 | jq -c "[.assignment.variant_id, .assignment.delivered, .assignment.fallback, [.variants[].variant_id]]"' sh \
	    "$(fixture assign/variants.ndjson)"
	expect_stdout '["VAR-V001-U","treatment_1",null,["VAR-V001-U"]]'
	expect_stderr ''
}

@test "--keep-variants keeps every variant" {
	run -0 --separate-stderr sh -c 'head -n 1 "$1" | cpo-assign --seed 3 --keep-variants | jq -c "[.assignment.variant_id, [.variants[].variant_id]]"' sh \
	    "$(fixture assign/variants.ndjson)"
	expect_stdout '["VAR-V001-U",["VAR-V001-C","VAR-V001-U","VAR-V001-I","VAR-V001-F"]]'
	expect_stderr ''
}

@test "a variant blocked by safety is not sent: the customer keeps the arm and is sent the control message" {
	run -0 --separate-stderr sh -c 'cpo-assign --seed 3 "$1" | sed -n 2p | jq -c "[.assignment.experiment_arm, .assignment.variant_id, .assignment.delivered, .assignment.fallback, [.variants[].variant_id]]"' sh \
	    "$(fixture assign/variants.ndjson)"
	expect_stdout '["treatment_2","VAR-V002-I","control","blocked",["VAR-V002-C","VAR-V002-I"]]'
	expect_stderr ''
}

@test "a record whose variants lack the arm's tone is sent the control message, with fallback missing" {
	run -0 --separate-stderr sh -c 'cpo-assign --seed 3 "$1" | sed -n 3p | jq -c "[.assignment.experiment_arm, .assignment.variant_id, .assignment.delivered, .assignment.fallback, [.variants[].variant_id]]"' sh \
	    "$(fixture assign/variants.ndjson)"
	expect_stdout '["treatment_3",null,"control","missing",["VAR-V003-C"]]'
	expect_stderr ''
}

@test "the control arm's variant_id is control" {
	run -0 --separate-stderr sh -c 'cpo-assign --seed 1 "$1" | jq -c "select(.assignment.experiment_arm == \"control\") | [.assignment.variant_id, .assignment.delivered, [.variants[].variant_id]]"' sh \
	    "$(fixture assign/variants.ndjson)"
	expect_stdout '["control","control",["VAR-V003-C"]]'
	expect_stderr ''
}

@test "without variants, a treatment's variant_id is null until cpo-generate writes the message" {
	run -0 --separate-stderr sh -c 'cpo-assign "$1" | sed -n 2p | jq -c ".assignment | [.experiment_arm, .variant_id, .tone, .delivered, .fallback]"' sh \
	    "$(fixture assign/customers.ndjson)"
	expect_stdout '["treatment_3",null,"friendly","treatment_3",null]'
	expect_stderr ''
}

# --- Summary ------------------------------------------------------------

@test "--summary prints arm sizes per stratum and a sample ratio check on standard error" {
	run -0 --separate-stderr cpo-assign --summary "$(fixture assign/customers.ndjson)"
	expect_stdout "$(cat "$(fixture assign/customers.assigned.ndjson)")"
	expect_stderr 'cpo-assign: stratum            control  treatment_1  treatment_2  treatment_3  total
cpo-assign: High-Value Recent        1            1            1            1      4
cpo-assign: Standard                 1            1            2            1      5
cpo-assign: At-Risk                  0            0            1            1      2
cpo-assign: New Customer             0            0            0            1      1
cpo-assign: total                    2            2            4            4     12
cpo-assign: sample ratio: chi-square 1.3333 on 3 df, p 0.7212'
}

@test "--summary warns of a sample ratio mismatch when its p-value is below 0.001" {
	printf '%s\n' '{"arms": [{"name": "control", "tone": "control"}, {"name": "t", "tone": "urgent"}], "stratify_by": null}' > exp.json
	customers 200 1
	cpo-assign --method hash --experiment exp.json in.ndjson |
	    jq -c 'select(.assignment.experiment_arm == "control") | del(.assignment)' | head -n 30 > lopsided.ndjson
	run -0 --separate-stderr cpo-assign --method hash --experiment exp.json --summary lopsided.ndjson
	expect_stderr 'cpo-assign: stratum  control  t  total
cpo-assign: all           30  0     30
cpo-assign: total         30  0     30
cpo-assign: sample ratio: chi-square 30.0000 on 1 df, p 4.32e-08 (mismatch: below 0.001)
cpo-assign: warning: sample ratio mismatch: the arm sizes do not match the weights'
}

# --- Rejected records ---------------------------------------------------

@test "a record without a customer_id string is rejected, naming the field" {
	run -1 --separate-stderr sh -c 'printf "%s\n" "{\"customer_id\":7}" "{\"customer_id\":\"\"}" "{\"id\":\"C1\"}" | cpo-assign'
	expect_stdout ''
	expect_stderr "cpo-assign: <stdin>:1: field 'customer_id': expected a non-empty string, got number
cpo-assign: <stdin>:2: field 'customer_id': expected a non-empty string, got \"\"
cpo-assign: <stdin>:3: field 'customer_id': expected a non-empty string, got missing
cpo-assign: 3 read, 0 written, 3 rejected"
}

@test "a line that is not a JSON object is rejected with its line number; blank lines are skipped" {
	run -1 --separate-stderr bash -o pipefail -c 'printf "%s\n" "{\"customer_id\":\"A\"" "" "[1]" "{\"customer_id\":\"B\"}" | cpo-assign | jq -r .customer_id'
	expect_stdout 'B'
	expect_stderr 'cpo-assign: <stdin>:1: invalid JSON at column 18
cpo-assign: <stdin>:3: expected a JSON object, got array
cpo-assign: 3 read, 1 written, 2 rejected'
}

@test "malformed variants are rejected, naming the field, and take no place in a block" {
	printf '%s\n' '{"customer_id":"A","variants":"none"}' \
	    '{"customer_id":"B","variants":[7]}' \
	    '{"customer_id":"C","variants":[{"tone":1}]}' \
	    '{"customer_id":"D","variants":[{"tone":"urgent","variant_id":2}]}' \
	    '{"customer_id":"E","variants":[{"tone":"urgent","safety":"ok"}]}' \
	    '{"customer_id":"F","variants":[{"tone":"urgent","safety":{"status":0}}]}' \
	    '{"customer_id":"G"}' > in.ndjson
	run -1 --separate-stderr bash -o pipefail -c 'cpo-assign in.ndjson | jq -r .assignment.experiment_arm'
	expect_stdout 'treatment_1'
	expect_stderr "cpo-assign: in.ndjson:1: field 'variants': expected an array, got string
cpo-assign: in.ndjson:2: field 'variants[0]': expected an object, got number
cpo-assign: in.ndjson:3: field 'variants[0].tone': expected a string, got number
cpo-assign: in.ndjson:4: field 'variants[0].variant_id': expected a string, got number
cpo-assign: in.ndjson:5: field 'variants[0].safety': expected an object, got string
cpo-assign: in.ndjson:6: field 'variants[0].safety.status': expected a string, got number
cpo-assign: 7 read, 1 written, 6 rejected"
}

@test "--rejects keeps rejected lines with their reasons" {
	printf '%s\n' '{"customer_id":1}' '{"customer_id":"B"}' > in.ndjson
	run -1 --separate-stderr bash -o pipefail -c 'cpo-assign --rejects rej.ndjson < in.ndjson | jq -r .customer_id'
	expect_stdout 'B'
	expect_stderr "cpo-assign: <stdin>:1: field 'customer_id': expected a non-empty string, got number
cpo-assign: 2 read, 1 written, 1 rejected"
	same 'rejects file' '{"file":"<stdin>","line":1,"reasons":["field '"'"'customer_id'"'"': expected a non-empty string, got number"],"input":"{\"customer_id\":1}"}' "$(cat rej.ndjson)"
}

@test "--strict stops at the first rejected record" {
	run -1 --separate-stderr bash -o pipefail -c 'printf "%s\n" "{\"customer_id\":\"A\"}" "{}" "{\"customer_id\":\"B\"}" | cpo-assign --strict | jq -r .customer_id'
	expect_stdout 'A'
	expect_stderr "cpo-assign: <stdin>:2: field 'customer_id': expected a non-empty string, got missing
cpo-assign: 2 read, 1 written, 1 rejected"
}

# --- The experiment file ------------------------------------------------

@test "data/experiment.json is the compiled-in default" {
	cpo-assign "$(fixture assign/customers.ndjson)" > default.ndjson
	run -0 --separate-stderr cpo-assign --experiment "$CPO_ROOT/data/experiment.json" \
	    "$(fixture assign/customers.ndjson)"
	expect_stdout "$(cat default.ndjson)"
	expect_stderr ''
}

@test "an experiment file may set only some keys; the others keep their defaults" {
	echo '{"experiment_id": "EXP-42"}' > exp.json
	run -0 --separate-stderr sh -c 'cpo-assign --experiment exp.json "$1" | jq -r .assignment.experiment_id | uniq -c; cpo-assign --experiment exp.json "$1" | jq -c "del(.assignment.experiment_id)" > a; cpo-assign "$1" | jq -c "del(.assignment.experiment_id)" | cmp - a' sh \
	    "$(fixture assign/customers.ndjson)"
	expect_stdout '     12 EXP-42'
	expect_stderr ''
}

@test "an invalid experiment file is a usage error naming the key" {
	run_cases cpo-assign "$(fixture assign/experiment)"
}

@test "an experiment file that cannot be read is an I/O error" {
	run -3 --separate-stderr cpo-assign --experiment missing.json /dev/null
	expect_stdout ''
	expect_stderr 'cpo-assign: missing.json: No such file or directory'
}

# --- Usage --------------------------------------------------------------

@test "an input that cannot be opened is an I/O error" {
	run -3 --separate-stderr cpo-assign missing.ndjson
	expect_stdout ''
	expect_stderr 'cpo-assign: missing.ndjson: No such file or directory'
}

@test "--method is stratified or hash" {
	run -2 --separate-stderr cpo-assign --method random /dev/null
	expect_stdout ''
	expect_stderr "cpo-assign: --method: expected stratified or hash, got 'random'"
}

@test "--seed is an integer from 0 to 2^53 - 1" {
	run -2 --separate-stderr cpo-assign --seed 9007199254740992 /dev/null
	expect_stdout ''
	expect_stderr "cpo-assign: --seed: expected an integer from 0 to 2^53 - 1, got '9007199254740992'"
}

@test "SOURCE_DATE_EPOCH must be a non-negative integer" {
	SOURCE_DATE_EPOCH=yesterday run -2 --separate-stderr cpo-assign /dev/null
	expect_stdout ''
	expect_stderr "cpo-assign: SOURCE_DATE_EPOCH: expected a non-negative integer, got 'yesterday'"
}

@test "an unknown option is a usage error" {
	run -2 --separate-stderr cpo-assign --shuffle
	expect_stdout ''
	expect_stderr "cpo-assign: unknown option '--shuffle'
$USAGE"
}

@test "an option without its argument is a usage error" {
	run -2 --separate-stderr cpo-assign --seed
	expect_stdout ''
	expect_stderr "cpo-assign: option '--seed' requires an argument
$USAGE"
}

@test "more than one FILE is a usage error" {
	run -2 --separate-stderr cpo-assign a b
	expect_stdout ''
	expect_stderr "cpo-assign: too many arguments: expected one FILE
$USAGE"
}

@test "--help prints the usage and the options to standard output" {
	run -0 --separate-stderr cpo-assign --help
	[ "${lines[0]}" = "$USAGE" ]
	[ "${lines[1]}" = "Randomize customers into the experiment's arms." ]
	expect_stderr ''
}

@test "--version prints the program and release" {
	run -0 --separate-stderr cpo-assign --version
	expect_stdout 'cpo-assign (cpo) 0.1.0'
	expect_stderr ''
}

# --- The manual's examples ----------------------------------------------

@test "EXAMPLES: assign the sample customers and count the arms" {
	cd "$CPO_ROOT"
	run -0 --separate-stderr sh -c 'cpo-assign tests/fixtures/assign/customers.ndjson | jq -r .assignment.experiment_arm | sort | uniq -c'
	expect_stdout '      2 control
      2 treatment_1
      4 treatment_2
      4 treatment_3'
	expect_stderr ''
}

@test "EXAMPLES: a blocked variant falls back to the control message" {
	cd "$CPO_ROOT"
	run -0 --separate-stderr sh -c 'cpo-assign --seed 3 tests/fixtures/assign/variants.ndjson | jq -c ".assignment | [.customer_id, .experiment_arm, .delivered, .fallback]"'
	expect_stdout '["V001","treatment_1","treatment_1",null]
["V002","treatment_2","control","blocked"]
["V003","treatment_3","control","missing"]'
	expect_stderr ''
}
