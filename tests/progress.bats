#!/usr/bin/env bats
# The progress line (lib/progress.h), as cpo-segment shows it while fitting
# k-means: on a terminal only, redrawn with a carriage return, erased at the
# end, silenced by --quiet. The terminal is a pseudo-terminal from script(1);
# the input pauses for a second after 100 records, longer than the line's
# quarter-second redraw interval, so the line is drawn at least once on any
# machine, however fast.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	cpo_setup
	if ! command -v script >/dev/null; then
		skip 'script(1) is missing: install bsdutils'
	fi
}

# on_terminal ARGS...: runs cpo-segment --method kmeans ARGS with its
# standard error on a pseudo-terminal, fed the fixture with a pause after
# 100 records; stdout goes to out.ndjson, and what the terminal showed,
# with the terminal's \r\n turned back into \n, to tty.txt.
on_terminal() {
	local fix cmd
	fix=$(fixture progress/customers.ndjson)
	cmd="(head -n 100 '$fix'; sleep 1; tail -n +101 '$fix') |"
	cmd+=" cpo-segment --method kmeans $* > out.ndjson"
	script -qfec "$cmd" /dev/null > tty.raw
	sed 's/\r$//' tty.raw > tty.txt
}

# The run without options, once for the tests that read it: its files are
# copied into each test's directory.
setup_file() {
	if command -v script > /dev/null; then
		(cd "$BATS_FILE_TMPDIR" && on_terminal)
	fi
}

# plain_run: copies the files of the run of setup_file here.
plain_run() {
	cp "$BATS_FILE_TMPDIR"/out.ndjson "$BATS_FILE_TMPDIR"/tty.raw \
	    "$BATS_FILE_TMPDIR"/tty.txt .
}

@test "fitting k-means on a terminal shows the stage, records and rate" {
	plain_run
	grep -q $'^\rcpo-segment: reading: 10[0-9] records, [0-9.]*/s' tty.txt
	grep -q $'\rcpo-segment: fitting k-means\\.\\.\\.' tty.txt
}

@test "the progress line is erased at the end, leaving the terminal clean" {
	plain_run
	# The last thing written is \r, blanks over the last line drawn, \r.
	run -0 python3 -c '
import re
t = open("tty.raw", "rb").read()
drawn = [x.rstrip(b" ") for x in t.split(b"\r") if x.strip()]
end = re.search(rb"\r( +)\r$", t)
print(len(drawn) > 0, end is not None and
    len(end.group(1)) >= len(drawn[-1]))'
	expect_stdout 'True True'
}

@test "--quiet shows no progress line on a terminal" {
	on_terminal --quiet
	same 'terminal' '' "$(cat tty.txt)"
	run -0 wc -l < out.ndjson
	same 'records' 120 "$output"
}

@test "with standard error not a terminal there is no progress line" {
	run -0 --separate-stderr cpo-segment --method kmeans \
	    "$(fixture progress/customers.ndjson)"
	expect_stderr ''
	same 'records' 120 "${#lines[@]}"
}

@test "the records written are the same with and without the line" {
	plain_run
	cpo-segment --method kmeans --quiet \
	    < "$(fixture progress/customers.ndjson)" > quiet.ndjson
	cmp out.ndjson quiet.ndjson
	run -0 jq -r .segment out.ndjson
	same 'segmented' 120 "${#lines[@]}"
}

# The same for cpo-safety, which shows the line while screening: the safety
# fixture's records repeated 100 times, with the pause after 100 of them.
@test "screening on a terminal shows records and rate; --quiet shows none" {
	local fix cmd i
	fix=$(fixture safety/variants.ndjson)
	for i in $(seq 100); do cat "$fix"; done > many.ndjson
	export SOURCE_DATE_EPOCH=0
	cmd="(head -n 100 many.ndjson; sleep 1; tail -n +101 many.ndjson) |"
	script -qfec "$cmd cpo-safety --audit a.csv > out.ndjson" /dev/null |
	    sed 's/\r$//' > tty.txt
	grep -q $'^\rcpo-safety: 1[0-9][0-9] records, [0-9.]*/s' tty.txt
	run -0 jq -r '.variants[].safety.status' out.ndjson
	same 'variants screened' "$(jq -s 'map(.variants | length) | add * 100' \
	    "$fix")" "${#lines[@]}"
	script -qfec "$cmd cpo-safety --quiet --audit b.csv > quiet.ndjson" \
	    /dev/null > tty.txt
	same 'terminal with --quiet' '' "$(cat tty.txt)"
	cmp out.ndjson quiet.ndjson
}

# And for cpo-generate with a model backend (the stub's answers; whether they
# pass the rules does not matter here): offline it shows nothing.
@test "generating with a model on a terminal shows records and rate; --quiet and offline show none" {
	local fix cmd i
	stub_start "$BATS_TEST_TMPDIR" --lifetime 60 \
	    --routes "$(fixture pipeline/llm-routes.json)"
	fix=$(fixture generate/records.ndjson)
	for i in $(seq 25); do cat "$fix"; done > many.ndjson
	export SOURCE_DATE_EPOCH=0 OPENAI_API_KEY=sk-progress-test
	cmd="(head -n 8 many.ndjson; sleep 1; tail -n +9 many.ndjson) |"
	cmd+=" cpo-generate --tones urgent --attempts 1"
	script -qfec "$cmd --backend openai --url http://127.0.0.1:$(cat stub.port)/v1 > out.ndjson" \
	    /dev/null | sed 's/\r$//' > tty.txt
	grep -q $'\rcpo-generate: [0-9]* records, [0-9.]*/s' tty.txt
	same 'records' 100 "$(wc -l < out.ndjson)"
	script -qfec "$cmd --backend openai --url http://127.0.0.1:$(cat stub.port)/v1 --quiet > quiet.ndjson" \
	    /dev/null | sed 's/\r$//' > tty.txt
	! grep -q 'records, ' tty.txt
	cmp out.ndjson quiet.ndjson
	script -qfec "$cmd > offline.ndjson" /dev/null > tty.txt
	same 'terminal offline' '' "$(cat tty.txt)"
}

teardown() {
	stub_stop "$BATS_TEST_TMPDIR"
}
