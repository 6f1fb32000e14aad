#!/usr/bin/env bats
# cpo-simulate, specified by its tests. The test names read like the manual
# page (man/cpo-simulate.1); each test checks the exact standard output, the
# exact standard error and the exact exit status. Bad model files are a
# table under tests/fixtures/simulate/model/, run by run_cases. Expected
# model values were computed independently, by a Python transcription of
# the model's formulas (same operations in the same order, so the doubles
# agree to the last bit).

bats_require_minimum_version 1.5.0
load helpers

USAGE='usage: cpo-simulate [--experiment FILE] [--model FILE] [--seed N] [--aa] [--truth FILE] [--rejects FILE] [--strict] [FILE]'

export SOURCE_DATE_EPOCH=1764000000

# customers N: writes in.ndjson, N customers with a spread of histories in
# four segments, by fixed formulas (no random numbers, so the same on every
# machine).
customers() {
	awk -v n="$1" 'BEGIN {
		split("High-Value Recent,At-Risk,Standard,New Customer", seg, ",")
		for (i = 1; i <= n; i++) {
			o = (i * 7919 % 1000) / 1000 * 0.7
			c = o * (i * 104729 % 1000) / 1000 * 0.4
			printf "{\"customer_id\":\"C%06d\",\"historical_open_rate\":%.3f,\"historical_click_rate\":%.4f,\"segment\":\"%s\"}\n",
			    i, o, c, seg[1 + i % 4]
		}
	}' > in.ndjson
}

# assigned N: customers N, assigned, in assigned.ndjson.
assigned() {
	customers "$1"
	cpo-assign in.ndjson > assigned.ndjson
}

# --- What is added ------------------------------------------------------

@test "every record gets an engagement, added last, and is otherwise passed through byte for byte" {
	run -0 --separate-stderr cpo-simulate "$(fixture assign/customers.assigned.ndjson)"
	expect_stdout "$(cat "$(fixture simulate/customers.simulated.ndjson)")"
	expect_stderr ''
	same 'records without engagement' \
	    "$(cat "$(fixture assign/customers.assigned.ndjson)")" \
	    "$(printf '%s\n' "$output" | sed 's/,"engagement":{[^}]*}}$/}/')"
}

@test "the engagement is the seed's Engagement Event Schema followed by delivered and fallback" {
	run -0 --separate-stderr sh -c 'sed -n 6p "$1" | cpo-simulate | jq -c .engagement' sh \
	    "$(fixture assign/customers.assigned.ndjson)"
	expect_stdout '{"customer_id":"C006","variant_id":null,"experiment_arm":"treatment_2","opened":true,"clicked":false,"converted":false,"engagement_at":"2025-11-24T16:00:00Z","engagement_source":"simulated","delivered":"treatment_2","fallback":null}'
	expect_stderr ''
}

@test "the funnel holds: a click implies an open, a conversion a click" {
	assigned 20000
	run -0 --separate-stderr sh -c 'cpo-simulate assigned.ndjson | jq -r ".engagement | [.opened, .clicked, .converted] | map(if . then 1 else 0 end) | join(\" \")" | sort | uniq -c'
	expect_stdout '  12808 0 0 0
   5640 1 0 0
   1398 1 1 0
    154 1 1 1'
	expect_stderr ''
}

# --- The truth ----------------------------------------------------------

@test "with 200,000 customers, each arm's observed open rate is within 3 standard errors of the truth" {
	assigned 200000
	cpo-simulate --truth truth.json assigned.ndjson |
	    jq -r '[.engagement.experiment_arm, (if .engagement.opened then 1 else 0 end)] | @tsv' > opens
	jq -r '.arms[] | [.arm_name, .expected.open_rate] | @tsv' truth.json > want
	run -0 --separate-stderr awk -F '\t' '
		NR == FNR { n[$1]++; o[$1] += $2; next }
		{ r = $2; se = sqrt(r * (1 - r) / n[$1]); z = (o[$1] / n[$1] - r) / se
		  printf "%s %d %s\n", $1, n[$1], (z < 3 && z > -3) ? "within 3 SE" : "OFF by " z " SE" }' opens want
	expect_stdout 'control 50000 within 3 SE
treatment_1 50000 within 3 SE
treatment_2 50000 within 3 SE
treatment_3 50000 within 3 SE'
	expect_stderr ''
}

@test "--truth writes the expected and potential rates per arm and per segment, and the true lifts" {
	run -0 --separate-stderr sh -c 'cpo-simulate --truth truth.json "$1" > /dev/null; jq -c "del(.segments[1:])" truth.json' sh \
	    "$(fixture assign/customers.assigned.ndjson)"
	expect_stdout "$(cat "$(fixture simulate/customers.truth.json)")"
	expect_stderr ''
}

@test "message features, tone and segment set the truth as the model says" {
	echo '{"noise_sd": 0}' > model.json
	run -0 --separate-stderr sh -c 'cpo-assign --keep-variants "$1" | cpo-simulate --model model.json --truth truth.json > /dev/null; jq -c ".arms[] | [.arm_name, .potential.open_rate, .potential.click_rate, .potential.conversion_rate]" truth.json' sh \
	    "$(fixture simulate/messages.ndjson)"
	expect_stdout '["control",0.325,0.07500000000000001,0.0075000000000000015]
["treatment_1",0.33056480000000005,0.08388259800640002,0.008682672790672002]
["treatment_2",0.335,0.10193510875000002,0.010546106912500002]
["treatment_3",0.3530375,0.08575017215000001,0.008575017215000001]'
	expect_stderr ''
}

@test "--aa makes every arm behave as control: equal potential rates and lifts of 0" {
	assigned 5000
	run -0 --separate-stderr sh -c 'cpo-simulate --aa --truth truth.json assigned.ndjson > /dev/null; jq -c "[.aa, ([.arms[].potential] | unique | length), ([.lift[].lift_absolute] | unique)]" truth.json'
	expect_stdout '[true,1,[0]]'
	expect_stderr ''
}

@test "without --aa the treatments have the model's effects" {
	assigned 5000
	run -0 --separate-stderr sh -c 'cpo-simulate --truth truth.json assigned.ndjson > /dev/null; jq -r ".lift[] | select(.metric == \"open_rate\") | [.treatment_arm, (.lift_percent * 10 | round / 10)] | @tsv" truth.json'
	expect_stdout 'treatment_1	8
treatment_2	0.2
treatment_3	8.8'
	expect_stderr ''
}

# --- Fallback -----------------------------------------------------------

@test "a customer sent the control message in place of a blocked variant behaves as control" {
	echo '{"noise_sd": 0}' > model.json
	run -0 --separate-stderr sh -c 'cpo-assign --seed 3 --keep-variants "$1" | cpo-simulate --model model.json --truth truth.json | jq -c ".engagement | [.customer_id, .experiment_arm, .variant_id, .delivered, .fallback]"; jq -c ".segments[] | [.segment, (.arms[] | select(.sample_size > 0) | [.arm_name, .expected.open_rate])]" truth.json' sh \
	    "$(fixture simulate/messages.ndjson)"
	expect_stdout '["M001","treatment_3","control","control","blocked"]
["M002","treatment_3","VAR-M002-F","treatment_3",null]
["At-Risk",["treatment_3",0.30607500000000004]]
["High-Value Recent",["treatment_3",0.4]]'
	expect_stderr ''
}

@test "a fallback recorded by cpo-assign is kept" {
	run -0 --separate-stderr sh -c 'cpo-assign --seed 3 "$1" | sed -n 1p | cpo-simulate | jq -c ".engagement | [.variant_id, .delivered, .fallback]"' sh \
	    "$(fixture simulate/messages.ndjson)"
	expect_stdout '["control","control","blocked"]'
	expect_stderr ''
}

@test "a variant blocked after assignment (assign-early pipelines) still falls back" {
	run -0 --separate-stderr sh -c 'jq -c "del(.variants)" "$1" | cpo-assign --seed 3 | jq -c ".variants = [{\"variant_id\": \"V9\", \"tone\": .assignment.tone, \"safety\": {\"status\": \"block\"}}]" | cpo-simulate | jq -c ".engagement | [.experiment_arm, .delivered, .fallback]"' sh \
	    "$(fixture simulate/messages.ndjson)"
	expect_stdout '["treatment_3","control","blocked"]
["treatment_3","control","blocked"]'
	expect_stderr ''
}

# --- Determinism --------------------------------------------------------

@test "the same seed gives byte-identical output and truth" {
	assigned 3000
	cpo-simulate --truth t1.json assigned.ndjson > one.ndjson
	cpo-simulate --truth t2.json assigned.ndjson > two.ndjson
	cmp t1.json t2.json
	run -0 --separate-stderr cmp one.ndjson two.ndjson
	expect_stdout ''
	expect_stderr ''
}

@test "a customer's outcome does not depend on the other customers or their order" {
	assigned 3000
	cpo-simulate assigned.ndjson | sort > forward
	tail -n 1000 assigned.ndjson | cpo-simulate > last
	run -0 --separate-stderr sh -c 'tac assigned.ndjson | cpo-simulate | sort | cmp - forward && sort last | comm -23 - forward | wc -l'
	expect_stdout '0'
	expect_stderr ''
}

@test "--seed changes the outcomes; it defaults to the experiment's seed" {
	assigned 3000
	cpo-simulate assigned.ndjson > default.ndjson
	cpo-simulate --seed 42 assigned.ndjson | cmp - default.ndjson
	run -0 --separate-stderr sh -c 'cpo-simulate --seed 43 assigned.ndjson | paste -d "\n" - default.ndjson | jq -r .engagement.opened | paste - - | awk "\$1 != \$2" | wc -l'
	expect_stdout '1142'
	expect_stderr ''
}

@test "data/engagement.json is the compiled-in model" {
	cpo-simulate --truth t1.json "$(fixture assign/customers.assigned.ndjson)" > one.ndjson
	run -0 --separate-stderr cpo-simulate --model "$CPO_ROOT/data/engagement.json" \
	    --truth t2.json "$(fixture assign/customers.assigned.ndjson)"
	expect_stdout "$(cat one.ndjson)"
	expect_stderr ''
	cmp t1.json t2.json
}

# --- Rejected records ---------------------------------------------------

@test "a record without an assignment to an arm of the experiment is rejected" {
	printf '%s\n' '{"customer_id":"A","historical_open_rate":0.3,"historical_click_rate":0.1}' \
	    '{"customer_id":"B","historical_open_rate":0.3,"historical_click_rate":0.1,"assignment":[]}' \
	    '{"customer_id":"C","historical_open_rate":0.3,"historical_click_rate":0.1,"assignment":{"experiment_arm":"treatment_9"}}' \
	    '{"customer_id":"D","historical_open_rate":0.3,"historical_click_rate":0.1,"assignment":{"experiment_arm":"control","fallback":"lost"}}' > in.ndjson
	run -1 --separate-stderr cpo-simulate in.ndjson
	expect_stdout ''
	expect_stderr "cpo-simulate: in.ndjson:1: field 'assignment': missing (run cpo-assign first)
cpo-simulate: in.ndjson:2: field 'assignment': expected an object, got []
cpo-simulate: in.ndjson:3: field 'assignment.experiment_arm': expected an arm of experiment EXP001, got \"treatment_9\"
cpo-simulate: in.ndjson:4: field 'assignment.fallback': expected null, \"blocked\" or \"missing\", got \"lost\"
cpo-simulate: 4 read, 0 written, 4 rejected"
}

@test "a record whose history rates are not numbers from 0 to 1 is rejected, with every problem" {
	printf '%s\n' '{"customer_id":"A","historical_open_rate":1.5,"historical_click_rate":"0.1","assignment":{"experiment_arm":"control"}}' \
	    '{"historical_open_rate":0.3,"assignment":{"experiment_arm":"control"}}' \
	    'null' > in.ndjson
	run -1 --separate-stderr cpo-simulate in.ndjson
	expect_stdout ''
	expect_stderr "cpo-simulate: in.ndjson:1: field 'historical_open_rate': expected a number from 0 to 1, got 1.5
cpo-simulate: in.ndjson:1: field 'historical_click_rate': expected a number from 0 to 1, got \"0.1\"
cpo-simulate: in.ndjson:2: field 'customer_id': missing
cpo-simulate: in.ndjson:2: field 'historical_click_rate': missing
cpo-simulate: in.ndjson:3: expected a JSON object, got null
cpo-simulate: 3 read, 0 written, 3 rejected"
}

@test "--rejects keeps rejected records and --strict stops at the first" {
	printf '%s\n' '{"customer_id":"A"}' '{"customer_id":"B"}' > in.ndjson
	run -1 --separate-stderr cpo-simulate --strict --rejects rej.ndjson in.ndjson
	expect_stdout ''
	expect_stderr "cpo-simulate: in.ndjson:1: field 'historical_open_rate': missing
cpo-simulate: in.ndjson:1: field 'historical_click_rate': missing
cpo-simulate: in.ndjson:1: field 'assignment': missing (run cpo-assign first)
cpo-simulate: 1 read, 0 written, 1 rejected"
	same 'rejects' '{"file":"in.ndjson","line":1,"reasons":["field '"'"'historical_open_rate'"'"': missing","field '"'"'historical_click_rate'"'"': missing","field '"'"'assignment'"'"': missing (run cpo-assign first)"],"input":"{\"customer_id\":\"A\"}"}' "$(cat rej.ndjson)"
}

# --- Configuration and usage --------------------------------------------

@test "an invalid model file is a usage error naming the key" {
	run_cases cpo-simulate "$(fixture simulate/model)"
}

@test "an invalid experiment file is a usage error naming the key" {
	echo '{"alpha": 2}' > exp.json
	run -2 --separate-stderr cpo-simulate --experiment exp.json /dev/null
	expect_stdout ''
	expect_stderr "cpo-simulate: exp.json: key 'alpha': expected a number above 0 and at most 0.5, got 2"
}

@test "a model or truth file that cannot be opened is an I/O error" {
	run -3 --separate-stderr cpo-simulate --model missing.json /dev/null
	expect_stdout ''
	expect_stderr 'cpo-simulate: missing.json: No such file or directory'
	run -3 --separate-stderr cpo-simulate --truth no/such/dir/truth.json /dev/null
	expect_stdout ''
	expect_stderr 'cpo-simulate: no/such/dir/truth.json: No such file or directory'
}

@test "usage errors: bad --seed, bad SOURCE_DATE_EPOCH, unknown option, extra FILE" {
	run -2 --separate-stderr cpo-simulate --seed -1 /dev/null
	expect_stderr "cpo-simulate: --seed: expected an integer from 0 to 2^53 - 1, got '-1'"
	SOURCE_DATE_EPOCH=1.5 run -2 --separate-stderr cpo-simulate /dev/null
	expect_stderr "cpo-simulate: SOURCE_DATE_EPOCH: expected a non-negative integer, got '1.5'"
	run -2 --separate-stderr cpo-simulate --bb
	expect_stderr "cpo-simulate: unknown option '--bb'
$USAGE"
	run -2 --separate-stderr cpo-simulate a b
	expect_stderr "cpo-simulate: too many arguments: expected one FILE
$USAGE"
	expect_stdout ''
}

@test "--help and --version print to standard output" {
	run -0 --separate-stderr cpo-simulate --help
	[ "${lines[0]}" = "$USAGE" ]
	[ "${lines[1]}" = "Simulate opens, clicks and conversions of assigned customers." ]
	run -0 --separate-stderr cpo-simulate --version
	expect_stdout 'cpo-simulate (cpo) 0.1.0'
	expect_stderr ''
}

# --- The manual's examples ----------------------------------------------

@test "EXAMPLES: simulate the sample customers and compare the open rates with the truth" {
	cd "$CPO_ROOT"
	run -0 --separate-stderr sh -c 'cpo-simulate --truth "$1" tests/fixtures/assign/customers.assigned.ndjson | jq -r "select(.engagement.opened) | .customer_id" | paste -s -d " " -; jq -r ".arms[] | \"\(.arm_name) \(.expected.open_rate * 1000 | round / 1000)\"" "$1"' sh \
	    "$BATS_TEST_TMPDIR/truth.json"
	expect_stdout 'C003 C005 C006 C009 C011 C012
control 0.415
treatment_1 0.469
treatment_2 0.348
treatment_3 0.346'
	expect_stderr ''
}
