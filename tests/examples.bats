#!/usr/bin/env bats
# examples/, specified by its tests: what examples/README claims. The runs
# use the 40 customers of tests/fixtures/pipeline/customers.csv (38 good, 2
# rejected) and a copy of data/, so that touching an input touches nothing
# of the checkout.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	cpo_setup
	cp -R "$CPO_ROOT/data" data
	cp "$(fixture pipeline/customers.csv)" customers.csv
	EX=$CPO_ROOT/examples
}

# ex ARGS...: the examples Makefile on the copies, quietly.
ex() {
	make --no-print-directory -s -f "$EX/Makefile" CPO_BIN="$CPO_BIN" \
	    DATA="$PWD/data" CUSTOMERS="$PWD/customers.csv" "$@"
}

# remade OUT: the files that make would write again in OUT, one a line, in
# the order it would write them (make -n shows "mv FILE.tmp FILE" for each,
# or "cp" for a copy).
remade() {
	ex -n OUT="$1" | awk -v out="$1/" '$1 == "mv" || $1 == "cp" {
		sub(out, "", $3); print $3 }'
}

# has_report: succeeds when there is a cpo-report, whose report.html the
# Makefile then makes after results.json.
has_report() {
	[ -x "$CPO_BIN/cpo-report" ]
}

# no_report: copies its input without the line of report.html, checked
# where the Makefile makes it by the tests of the first run.
no_report() {
	grep -vx report.html
}

# changed FILE: makes FILE newer than everything else of the run. The clock
# of file times ticks in steps of milliseconds, so a file touched just
# after make wrote its targets may look no newer than they are: every file
# of the run is first given the time of the newest program or script the
# Makefile runs, which leaves the run up to date.
changed() {
	local newest
	newest=$(ls -t "$CPO_BIN"/cpo-* "$EX/Makefile" "$EX/seed-layout" |
	    head -n 1)
	find data customers.csv out -exec touch -h -r "$newest" {} +
	touch "$1"
}

# single OUT: the experiment results of one plain pipe, assigning early.
single() {
	cpo-validate customers.csv 2> /dev/null | cpo-segment | cpo-assign |
	    cpo-retrieve | cpo-generate | cpo-safety --audit audit.csv |
	    cpo-simulate | cpo-lift
}

@test "the examples Makefile writes every stage and the layout, and twice gives the same bytes" {
	export SOURCE_DATE_EPOCH=1
	ex OUT="$PWD/one"
	ex OUT="$PWD/two"
	same 'files' 'assigned.ndjson
customers.ndjson
data/processed/assignments.json
data/processed/experiment_results.json
data/processed/segments.json
data/processed/variants.json
generated.ndjson
logs/safety_audit.csv
rejects.ndjson
results.json
retrieved.ndjson
screened.ndjson
segmented.ndjson
simulated.ndjson' "$(cd one && find . -type f ! -name report.html |
	    sed 's|^\./||' | LC_ALL=C sort)"
	same 'report.html made' "$(has_report && echo yes || echo no)" \
	    "$([ -s one/report.html ] && echo yes || echo no)"
	diff -r one two
	# The Makefile's own SOURCE_DATE_EPOCH, not the environment's.
	same 'computed_at' '"2025-11-24T16:00:00Z"' \
	    "$(jq .computed_at one/results.json)"
}

@test "after a run the examples Makefile has nothing to do" {
	ex OUT="$PWD/out"
	run -0 ex -q OUT="$PWD/out"
	same 'remade' '' "$(remade "$PWD/out")"
}

@test "touching one input remakes only the stages that read it" {
	ex OUT="$PWD/out"
	changed data/engagement.json
	same 'after the engagement model' 'simulated.ndjson
results.json
data/processed/experiment_results.json' "$(remade "$PWD/out" | no_report)"
	ex OUT="$PWD/out"
	changed data/templates/friendly.txt
	same 'after a template' 'generated.ndjson
logs/safety_audit.csv
screened.ndjson
assigned.ndjson
simulated.ndjson
results.json
data/processed/variants.json
data/processed/assignments.json
data/processed/experiment_results.json' "$(remade "$PWD/out" | no_report)"
	ex OUT="$PWD/out"
	changed data/content/approved_content/product_001.json
	same 'after a content document, first and last' 'retrieved.ndjson
data/processed/experiment_results.json' "$(remade "$PWD/out" | sed -n '1p;$p')"
	ex OUT="$PWD/out"
	changed customers.csv
	same 'after the customers, stages' 8 \
	    "$(remade "$PWD/out" | grep -c 'ndjson$\|^results.json$')"
	same 'report.html remade' "$(has_report && echo yes || echo no)" \
	    "$(remade "$PWD/out" | grep -qx report.html && echo yes || echo no)"
}

@test "a stage run again writes the same bytes" {
	ex OUT="$PWD/out"
	cp -p out/results.json before.json
	changed data/experiment.json
	same 'remade' 'generated.ndjson' "$(remade "$PWD/out" | head -n 1)"
	ex OUT="$PWD/out"
	[ out/results.json -nt before.json ]
	cmp before.json out/results.json
}

@test "assign-early gives the results of the examples Makefile, byte for byte" {
	ex OUT="$PWD/out"
	run -0 --separate-stderr env CPO_BIN="$CPO_BIN" KEEP=1 \
	    "$EX/assign-early" customers.csv early
	same 'last message' 'assign-early: 38 customers, results in early/results.json' \
	    "${stderr_lines[-1]}"
	cmp out/results.json early/results.json
	same 'rejected, kept, audited' '2 38 38' \
	    "$(wc -l < early/rejects.ndjson) $(wc -l < early/records.ndjson) $(($(wc -l < early/logs/safety_audit.csv) - 1))"
}

@test "the examples use the programs on PATH when CPO_BIN is empty" {
	ex OUT="$PWD/out"
	PATH=$CPO_BIN:$PATH
	run -0 env CPO_BIN= "$EX/assign-early" customers.csv early
	cmp out/results.json early/results.json
	same 'first program of the Makefile' "$CPO_BIN/cpo-validate" \
	    "$(make -n -f "$EX/Makefile" CPO_BIN= OUT="$PWD/fresh" \
	    DATA="$PWD/data" CUSTOMERS="$PWD/customers.csv" |
	    awk '$1 ~ /cpo-validate$/ { print $1; exit }')"
}

@test "the sharded run with GNU parallel gives the results of a single run, from 3 shards" {
	if ! command -v parallel > /dev/null; then
		echo 'GNU parallel is missing: apt-get install parallel'
		return 1
	fi
	export SOURCE_DATE_EPOCH=1764000000
	run -0 --separate-stderr env CPO_BIN="$CPO_BIN" SHARD_WITH=parallel \
	    "$EX/sharded" -j 3 --check customers.csv out
	same 'messages' 'sharded: 3 shards with parallel, results in out/results.json
sharded: the same as one run, byte for byte (out/single.json)' \
	    "$(printf '%s\n' "${stderr_lines[@]}" | grep '^sharded')"
	same 'customers in each shard' 'yes yes yes' \
	    "$(for f in out/shards/audit.*.csv; do
	        [ "$(wc -l < "$f")" -gt 1 ] && echo yes || echo no; done | xargs)"
	single > single.json
	cmp single.json out/results.json
	same 'audit rows' 38 "$(($(wc -l < out/logs/safety_audit.csv) - 1))"
}

@test "the sharded run with xargs -P gives the results of a single run" {
	export SOURCE_DATE_EPOCH=1764000000
	run -0 --separate-stderr env CPO_BIN="$CPO_BIN" SHARD_WITH=xargs \
	    "$EX/sharded" -j 4 customers.csv out
	same 'message' 'sharded: 4 shards with xargs, results in out/results.json' \
	    "${stderr_lines[-1]}"
	single > single.json
	cmp single.json out/results.json
	same 'customers in each shard' '10 9 10 9' \
	    "$(wc -l out/shards/part.?? | awk '$2 != "total" { print $1 }' | xargs)"
}

@test "llm-pipeline without a key names the variables and exits 2" {
	run -2 --separate-stderr env -u OPENAI_API_KEY -u AZURE_OPENAI_API_KEY \
	    CPO_BIN="$CPO_BIN" "$EX/llm-pipeline" customers.csv out
	expect_stderr 'llm-pipeline: no language model: set OPENAI_API_KEY, or AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT'
	[ ! -e out ]
}

# llm_stub: starts tests/stub/server.py with the routes of
# tests/fixtures/pipeline/llm-routes.json and sets STUB to its address.
llm_stub() {
	stub_start "$BATS_TEST_TMPDIR" --lifetime 120 \
	    --routes "$(fixture pipeline/llm-routes.json)"
	STUB=http://127.0.0.1:$(cat stub.port)
}

teardown() {
	stub_stop "$BATS_TEST_TMPDIR"
}

# llm OUT: llm-pipeline on the first 5 customers, with the OpenAI key and
# address of the stub in the environment and its cache in cache/.
llm() {
	env -u AZURE_OPENAI_API_KEY -u AZURE_CONTENT_SAFETY_KEY \
	    OPENAI_API_KEY=sk-stub-secret-0123456789 OPENAI_BASE_URL="$STUB/v1" \
	    SOURCE_DATE_EPOCH=1764000000 CACHE=cache CPO_BIN="$CPO_BIN" \
	    "$EX/llm-pipeline" first.csv "$1"
}

@test "llm-pipeline takes its key from the environment and answers a second run from its cache" {
	llm_stub
	head -n 6 customers.csv > first.csv
	run -0 --separate-stderr llm one
	same 'backends' 'llm-pipeline: messages by openai, screening by openai-moderation, answers cached in cache' \
	    "${stderr_lines[0]}"
	local asked
	asked=$(printf '%s\n' "${stderr_lines[@]}" |
	    sed -n 's/^cpo-generate: requests \([0-9]*\), answered from the cache 0,.*/\1/p')
	[ "$asked" -gt 0 ]
	run -0 --separate-stderr llm two
	same 'second run' "cpo-generate: requests 0, answered from the cache $asked, tokens 0 in and 0 out, cost \$0.0000" \
	    "$(printf '%s\n' "${stderr_lines[@]}" | grep '^cpo-generate: requests')"
	cmp one/results.json two/results.json
	same 'screened by the service' 'openai-moderation' \
	    "$(tail -n +2 one/logs/safety_audit.csv | cut -d, -f14 | sort -u)"
	# Customers whose message no answer could write stay in the
	# experiment, in their arm, with the control message.
	same 'customers: written, rejected by cpo-generate, counted' '5 0 5' \
	    "$(wc -l < one/records.ndjson) $(wc -l < one/generate-rejects.ndjson) $(jq .total_customers one/results.json)"
	run -1 grep -rl sk-stub-secret one two cache
}
