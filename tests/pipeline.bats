#!/usr/bin/env bats
# The eight programs together, in the two orders of cpo(7), on a small
# customer file: tests/fixtures/pipeline/customers.csv holds 38 good rows of
# data/customers.csv (every segment) and 2 bad ones. The pipelines run once
# for the file, every stage into its own file; the tests read those files.
# The last tests check the storage layout that make demo leaves, against the
# seed's schemas written out in tests/fixtures/pipeline/seed-schemas.json.

bats_require_minimum_version 1.5.0
load helpers

# stage OUT PROG ARGS...: runs PROG ARGS on the file of the previous stage
# ($prev) into OUT, and makes OUT the previous stage. Any status but 0 fails.
stage() {
	local out=$1
	shift
	"$@" "$prev" > "$out"
	prev=$out
}

setup_file() {
	export SOURCE_DATE_EPOCH=1764000000
	cd "$BATS_FILE_TMPDIR"
	local status=0 prev
	cpo-validate --rejects rejects.ndjson \
	    "$(fixture pipeline/customers.csv)" > customers.ndjson \
	    2> validate.err || status=$?
	echo "$status" > validate.status

	# The README's order.
	prev=customers.ndjson
	stage segmented.ndjson cpo-segment
	stage retrieved.ndjson cpo-retrieve
	stage generated.ndjson cpo-generate
	stage screened.ndjson cpo-safety --audit full-audit.csv
	stage assigned.ndjson cpo-assign
	stage simulated.ndjson cpo-simulate
	stage full.json cpo-lift

	# Assigning early.
	prev=segmented.ndjson
	stage early-assigned.ndjson cpo-assign
	stage early-retrieved.ndjson cpo-retrieve
	stage early-generated.ndjson cpo-generate
	stage early-screened.ndjson cpo-safety --audit early-audit.csv
	stage early-simulated.ndjson cpo-simulate
	stage early.json cpo-lift

	# What make demo does, on the fixture.
	make --no-print-directory -s -f "$CPO_ROOT/examples/Makefile" \
	    CPO_BIN="$CPO_BIN" CUSTOMERS="$(fixture pipeline/customers.csv)" \
	    OUT="$BATS_FILE_TMPDIR/demo" summary > summary.txt 2> make.err
}

setup() {
	cpo_setup
	cd "$BATS_FILE_TMPDIR"
}

# ids FILE: the customer_id of every record of FILE, one a line.
ids() {
	jq -r .customer_id "$1"
}

# conforms FILE WHAT [exact]: prints how FILE differs from the seed's
# schema WHAT (at most 10 lines; nothing when it conforms), with members
# the seed does not list counted as differences when the third argument is
# "exact".
conforms() {
	jq -r -L "$(fixture pipeline)" \
	    --slurpfile s "$(fixture pipeline/seed-schemas.json)" \
	    --arg what "$2" --argjson exact "$([ "${3-}" = exact ] &&
	        echo true || echo false)" \
	    'include "seed-schema"; mismatches($s[0][$what]; $exact)' "$1" |
	    head -n 10
}

TONES='["urgent","informational","friendly","control"]'
ARMS='{"control":"control","treatment_1":"urgent","treatment_2":"informational","treatment_3":"friendly"}'

@test "every customer is accounted for: 40 rows read, 38 through every stage of both orders, 2 rejected" {
	same 'cpo-validate status' 1 "$(cat validate.status)"
	same 'last line of cpo-validate' \
	    'cpo-validate: 40 read, 38 written, 2 rejected' \
	    "$(tail -n 1 validate.err)"
	same 'rejected lines' '40 C9999901
41 C9999902' "$(jq -r '"\(.line) \(.input | split(",")[0])"' rejects.ndjson)"
	local want f
	want=$(ids customers.ndjson)
	same 'customers' 38 "$(wc -l < customers.ndjson)"
	for f in segmented retrieved generated screened assigned simulated \
	    early-assigned early-retrieved early-generated early-screened \
	    early-simulated; do
		same "customers of $f.ndjson" "$want" "$(ids "$f.ndjson")"
	done
	same 'customers counted by cpo-lift' '38 38' \
	    "$(jq -r '"\(.total_customers) \([.arms[].sample_size] | add)"' \
	    full.json)"
}

@test "in the README's order cpo-generate writes one variant per tone, each for its own customer and segment" {
	same 'records without the four tones' '' \
	    "$(jq -c --argjson t "$TONES" \
	    'select([.variants[].tone] != $t) | .customer_id' generated.ndjson)"
	same 'variants of another customer or segment' '' \
	    "$(jq -c '. as $r | .variants[]
	    | select(.customer_id != $r.customer_id or .segment != $r.segment)
	    | .variant_id' generated.ndjson)"
	# The control message is "control" in every record, as the seed has it.
	same 'variant_ids of the control tone' '["control"]' \
	    "$(jq -sc '[.[].variants[] | select(.tone == "control")
	    | .variant_id] | unique' generated.ndjson)"
	same 'variants of the other tones, distinct variant_ids' '114 114' \
	    "$(jq -r '.variants[] | select(.tone != "control") | .variant_id' \
	    generated.ndjson | awk '{ n++; seen[$0] = 1 }
	    END { print n, length(seen) }')"
}

@test "cpo-safety screens every variant in both orders: a result on each and one audit row each" {
	local f
	for f in screened early-screened; do
		same "variants without their safety result in $f" '' \
		    "$(jq -c '.variants[] | select(.safety.variant_id != .variant_id
		    or (.safety.status | IN("pass", "block") | not))
		    | .variant_id' "$f.ndjson")"
	done
	same 'variants screened in each order' '152 38' \
	    "$(jq -s '[.[].variants | length] | add' screened.ndjson) $(jq -s \
	    '[.[].variants | length] | add' early-screened.ndjson)"
	same 'audit rows in each order' '152 38' \
	    "$(($(wc -l < full-audit.csv) - 1)) $(($(wc -l < early-audit.csv) - 1))"
	same 'variants in the audit, README order' \
	    "$(jq -r '.variants[].variant_id' screened.ndjson | sort)" \
	    "$(tail -n +2 full-audit.csv | cut -d, -f2 | sort)"
}

@test "cpo-assign puts 10, 10, 9 and 9 customers in the arms and keeps only the message of the arm's tone" {
	same 'arm sizes' '{"control":10,"treatment_1":10,"treatment_2":9,"treatment_3":9}' \
	    "$(jq -sc 'group_by(.assignment.experiment_arm)
	    | map({(.[0].assignment.experiment_arm): length}) | add' \
	    assigned.ndjson)"
	same 'records whose arm has the wrong tone' '' \
	    "$(jq -c --argjson a "$ARMS" 'select($a[.assignment.experiment_arm]
	    != .assignment.tone) | .customer_id' assigned.ndjson)"
	same 'records not holding exactly the message sent' '' \
	    "$(jq -c 'select((.variants | length) != 1
	    or .variants[0].tone != .assignment.tone
	    or .variants[0].variant_id != .assignment.variant_id)
	    | .customer_id' assigned.ndjson)"
	same 'the same arms when assigning early' \
	    "$(jq -c .assignment.experiment_arm assigned.ndjson)" \
	    "$(jq -c .assignment.experiment_arm early-assigned.ndjson)"
}

@test "assigning early, cpo-generate writes only the message of the customer's arm and fills in its variant_id" {
	same 'variant_ids before generation' '{"control":["control"],"treatment_1":[null],"treatment_2":[null],"treatment_3":[null]}' \
	    "$(jq -sc 'group_by(.assignment.experiment_arm)
	    | map({(.[0].assignment.experiment_arm):
	        ([.[].assignment.variant_id] | unique)}) | add' \
	    early-assigned.ndjson)"
	same 'records not holding exactly their arm'\''s message' '' \
	    "$(jq -c 'select((.variants | length) != 1
	    or .variants[0].tone != .assignment.tone
	    or .variants[0].variant_id != .assignment.variant_id)
	    | .customer_id' early-generated.ndjson)"
}

@test "both orders send every customer the same message and give the same results, byte for byte" {
	same 'messages sent' \
	    "$(jq -c '[.customer_id, .variants[0].variant_id, .variants[0].subject]' \
	    simulated.ndjson)" \
	    "$(jq -c '[.customer_id, .variants[0].variant_id, .variants[0].subject]' \
	    early-simulated.ndjson)"
	cmp full.json early.json
}

@test "the results document is the Metrics Model of the 38 customers" {
	same 'mismatches with the seed' '' "$(conforms full.json experiment_results)"
	same 'arms' 'control 10 10
treatment_1 10 10
treatment_2 9 9
treatment_3 9 9' "$(jq -r '.arms[] | "\(.arm_name) \(.sample_size) \(.counts.sent)"' \
	    full.json)"
	same 'comparisons' 'treatment_1 open_rate click_rate conversion_rate
treatment_2 open_rate click_rate conversion_rate
treatment_3 open_rate click_rate conversion_rate' \
	    "$(jq -r '.lift_analysis | group_by(.treatment_arm)[]
	    | "\(.[0].treatment_arm) \(map(.metric) | join(" "))"' full.json)"
	same 'intervals that do not hold the difference' '' \
	    "$(jq -c '.lift_analysis[] | .statistical_significance as $s
	    | select($s.confidence_interval.lower > .lift_absolute
	    or $s.confidence_interval.upper < .lift_absolute
	    or $s.p_value_adjusted < $s.p_value)
	    | [.treatment_arm, .metric]' full.json)"
	same 'segments' 'At-Risk 2
High-Value Recent 10
Loyal Frequent 2
New Customer 2
Standard 22' "$(jq -r '.segment_breakdown[] | "\(.segment) \(.sample_size)"' \
	    full.json)"
	same 'computed_at' '"2025-11-24T16:00:00Z"' "$(jq .computed_at full.json)"
}

@test "make demo's layout: the five files, each in the seed's schema with every field of the right type" {
	local d=demo/data/processed
	same 'segments.json' '' "$(conforms $d/segments.json segments exact)"
	same 'variants.json' '' "$(conforms $d/variants.json variants exact)"
	same 'assignments.json' '' \
	    "$(conforms $d/assignments.json assignments exact)"
	same 'experiment_results.json' '' \
	    "$(conforms $d/experiment_results.json experiment_results)"
	same 'objects in segments, variants and assignments' '38 152 38' \
	    "$(jq length $d/segments.json) $(jq length $d/variants.json) $(jq \
	    length $d/assignments.json)"
	same 'customers of segments.json' "$(ids customers.ndjson)" \
	    "$(jq -r '.[].customer_id' $d/segments.json)"
	same 'assignments' "$(jq -c '.assignment | [.customer_id, .experiment_arm,
	    .variant_id]' assigned.ndjson)" \
	    "$(jq -c '.[] | [.customer_id, .experiment_arm, .variant_id]' \
	    $d/assignments.json)"
	cmp $d/experiment_results.json full.json
	same 'safety_audit.csv header' \
	    'timestamp,variant_id,customer_id,segment,status,hate_severity,violence_severity,self_harm_severity,sexual_severity,max_severity,threshold_used,blocked_categories,block_reason,backend,text_sha256' \
	    "$(head -n 1 demo/logs/safety_audit.csv)"
	same 'audited variants' "$(jq -r '.[].variant_id' $d/variants.json | sort)" \
	    "$(tail -n +2 demo/logs/safety_audit.csv | cut -d, -f2 | sort)"
}

@test "the schema check finds a missing field, an extra one and a wrong type" {
	jq '.[0] | del(.confidence) | .extra = 1 | .segment_id = "0"' \
	    demo/data/processed/segments.json | jq -s . > broken.json
	same 'mismatches' '[0].confidence: missing
[0].extra: not in the seed'\''s schema
[0].segment_id: expected integer, got string "0"' \
	    "$(conforms broken.json segments exact)"
}

@test "make demo's summary counts customers, segments, variants, arms and the primary lift" {
	same 'diagnostics of the run' 'cpo-validate: 40 read, 38 written, 2 rejected' \
	    "$(grep -v ':4[01]: field' make.err)"
	same 'summary' 'customers: 40 read, 38 valid, 2 rejected (rejects.ndjson)
segments: Standard 22, High-Value Recent 10, At-Risk 2, Loyal Frequent 2, New Customer 2
variants: 152 generated, 152 passed, 0 blocked by safety
arms: control 10, treatment_1 10, treatment_2 9, treatment_3 9
primary metric open_rate, by intention to treat, z_pooled test, holm correction:' \
	    "$(head -n 5 summary.txt)"
	same 'primary comparisons' "$(jq -r '.lift_analysis[]
	    | select(.primary) | "  \(.treatment_arm): "' full.json)" \
	    "$(sed -n '6,8p' summary.txt | cut -d: -f1 | sed 's/$/: /')"
	if [ -x "$CPO_BIN/cpo-report" ]; then
		same 'last line' "report: $BATS_FILE_TMPDIR/demo/report.html" \
		    "$(tail -n 1 summary.txt)"
	fi
}
