#!/usr/bin/env bats
# Nothing lost: the whole pipeline fed a customer file where one row in ten
# is broken (tests/gen-broken-customers.py says how), with two more bad lines
# slipped in before every later stage, so that every stage has something to
# reject. At every stage records in = records out + records rejected, every
# rejected record is in that stage's rejects file with its line and reasons,
# and what the valid records become is byte for byte what a run on the
# valid rows alone makes of them. One valid row has a 1 MB location, which
# no message can hold: its customer stays in the experiment without those
# messages. Then the ways a stream ends badly: input cut in
# the middle of a line, a reader that goes away, a full disk.

bats_require_minimum_version 1.5.0
load helpers

export SOURCE_DATE_EPOCH=1767225600

# The NDJSON stages in pipeline order, after cpo-validate.
STAGES=(cpo-segment cpo-retrieve cpo-generate cpo-safety cpo-assign
	cpo-simulate cpo-lift)

# Two lines no stage can take: JSON cut short, and JSON that is no object.
BAD_JSON='{"customer_id":"BAD1","age":'
BAD_TYPE='[42]'

# inject: copies standard input, with BAD_JSON as the third line and
# BAD_TYPE as the last.
inject() {
	awk -v a="$BAD_JSON" -v b="$BAD_TYPE" \
	    'NR == 3 { print a } { print } END { print b }'
}

# stage_args PROG: the options every run of PROG gets.
stage_args() {
	case $1 in
	cpo-safety) echo --audit audit.csv ;;
	esac
}

# pipeline DIR CSV INJECT: runs the whole pipeline in DIR, as one shell
# pipeline, on CSV. Stage k's input is kept in in.k, its output in out.k,
# its rejects in rej.k and its stderr in err.k; the exit statuses of the
# eight programs go to DIR/status. With INJECT=yes the bad lines go in
# before every NDJSON stage.
pipeline() {
	local dir=$1 csv=$2 filter=cat
	if [ "$3" = yes ]; then
		filter=inject
	fi
	mkdir -p "$dir"
	(
		set +e
		cd "$dir" || exit 1
		cpo-validate --rejects rej.1 "$csv" 2> err.1 | tee out.1 |
		    $filter | tee in.2 |
		    cpo-segment --rejects rej.2 2> err.2 | tee out.2 |
		    $filter | tee in.3 |
		    cpo-retrieve --rejects rej.3 2> err.3 | tee out.3 |
		    $filter | tee in.4 |
		    cpo-generate --rejects rej.4 2> err.4 | tee out.4 |
		    $filter | tee in.5 |
		    cpo-safety --audit audit.csv --rejects rej.5 2> err.5 |
		    tee out.5 | $filter | tee in.6 |
		    cpo-assign --rejects rej.6 2> err.6 | tee out.6 |
		    $filter | tee in.7 |
		    cpo-simulate --rejects rej.7 2> err.7 | tee out.7 |
		    $filter | tee in.8 |
		    cpo-lift --rejects rej.8 > out.8 2> err.8
		# Each program is followed by tee, the filter and tee.
		local -a st=("${PIPESTATUS[@]}")
		echo "${st[0]} ${st[4]} ${st[8]} ${st[12]} ${st[16]} ${st[20]}" \
		    "${st[24]} ${st[28]}" > status
	)
}

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	python3 "$BATS_TEST_DIRNAME/gen-broken-customers.py" .
	pipeline all "$PWD/all.csv" yes
	pipeline good "$PWD/valid.csv" no
}

setup() {
	cpo_setup
	cd "$BATS_FILE_TMPDIR"
}

# lines FILE: the number of lines in FILE.
lines() {
	wc -l < "$1" | tr -d ' '
}

# rejected_lines FILE: the line numbers in rejects FILE, one line.
rejected_lines() {
	jq -r .line "$1" | tr '\n' ' '
}

@test "the generated file has 200 rows of which 20 are broken" {
	same rows 200 "$(($(lines all.csv) - 1))"
	same broken 20 "$(lines broken.tsv)"
	same good 180 "$(($(lines good.csv) - 1))"
}

@test "every program exits 1 when it rejected something, 0 on the good rows" {
	same "statuses (broken input)" "1 1 1 1 1 1 1 1" "$(cat all/status)"
	# cpo-generate could not write two messages of the 1 MB location.
	same "statuses (valid rows)" "0 0 0 1 0 0 0 0" "$(cat good/status)"
}

@test "cpo-validate: rows read = records written + rows rejected" {
	same written 181 "$(lines all/out.1)"
	same rejected 19 "$(lines all/rej.1)"
	same counts "cpo-validate: 200 read, 181 written, 19 rejected" \
	    "$(tail -n 1 all/err.1)"
}

@test "cpo-validate: every broken row is in the rejects file with its line and a reason" {
	same lines "$(awk -F '\t' '$2 == "cpo-validate" { printf "%s ", $1 }' broken.tsv)" \
	    "$(rejected_lines all/rej.1)"
	same "records without a reason" 0 \
	    "$(jq -s 'map(select((.reasons | length) == 0 or .file != "'"$PWD"'/all.csv")) | length' all/rej.1)"
	# Every reason is on stderr too, at the row's line.
	local line
	for line in $(jq -r .line all/rej.1); do
		grep -q "^cpo-validate: $PWD/all.csv:$line: " all/err.1 ||
		    { echo "line $line not reported on stderr"; return 1; }
	done
}

@test "cpo-validate: a rejected row keeps its text, the 1 MB field and the NUL byte included" {
	same "1 MB age" 1048576 \
	    "$(jq -r 'select(.line == 127) | .input | split(",")[1] | length' all/rej.1)"
	same "NUL byte" true \
	    "$(jq 'select(.line == 117) | .input | contains("Nash\u0000ville")' all/rej.1)"
	same "row 7" "$(sed -n 7p all.csv)" \
	    "$(jq -r 'select(.line == 7) | .input' all/rej.1)"
}

@test "every NDJSON stage: records in = records out + records rejected" {
	local k prog in out rej
	for k in 2 3 4 5 6 7; do
		prog=${STAGES[k - 2]}
		in=$(lines all/in.$k) out=$(lines all/out.$k) rej=$(lines all/rej.$k)
		same "$prog: in = out + rejected" "$in" "$((out + rej))"
		same "$prog: counts" "$prog: $in read, $out written, $rej rejected" \
		    "$(tail -n 1 all/err.$k)"
	done
	# cpo-lift writes one document: the customers it counted.
	in=$(lines all/in.8) rej=$(lines all/rej.8)
	same "cpo-lift: in = counted + rejected" "$in" \
	    "$(($(jq .total_customers all/out.8) + rej))"
}

@test "every NDJSON stage: the rejects file names each bad line, with a reason and the input" {
	local k prog in want
	for k in 2 3 4 5 6 7 8; do
		prog=${STAGES[k - 2]}
		in=$(lines all/in.$k)
		want="3 $in "
		same "$prog: lines" "$want" "$(rejected_lines all/rej.$k)"
		same "$prog: file" '"<stdin>"' \
		    "$(jq -s 'map(.file) | unique | .[]' all/rej.$k)"
		same "$prog: input of line 3" "$BAD_JSON" \
		    "$(jq -r 'select(.line == 3) | .input' all/rej.$k)"
		same "$prog: input of the last line" "$BAD_TYPE" \
		    "$(jq -r "select(.line == $in) | .input" all/rej.$k)"
		same "$prog: records without a reason" 0 \
		    "$(jq -s 'map(select((.reasons | length) == 0)) | length' all/rej.$k)"
		grep -q "^$prog: <stdin>:3: invalid JSON" all/err.$k ||
		    { echo "$prog: line 3 not reported"; cat all/err.$k; return 1; }
	done
}

@test "the 1 MB location stays in the experiment without the messages it cannot have" {
	local id line
	id=$(sed -n 137p all.csv | cut -d, -f1)
	line=$(grep -n NNNNNNNNNN all/in.4 | cut -d: -f1)
	same "cpo-generate: what it could not write" "cpo-generate: <stdin>:$line: customer \"$id\", tone 'informational': not generated: placeholder '{location}' has no value: field 'location' cannot go in a message: it is longer than 60 characters
cpo-generate: <stdin>:$line: customer \"$id\", tone 'friendly': not generated: placeholder '{location}' has no value: field 'location' cannot go in a message: it is longer than 60 characters" \
	    "$(grep -F "\"$id\"" all/err.4)"
	grep -q '^cpo-generate: 2 of [0-9]* messages could not be generated$' \
	    all/err.4
	same "variants written" '["urgent","control"]' \
	    "$(jq -c --arg id "$id" 'select(.customer_id == $id) |
	    [.variants[].tone]' all/out.4)"
	same "assigned and simulated" 1 \
	    "$(jq --arg id "$id" 'select(.customer_id == $id and
	    .assignment != null and .engagement != null)' all/out.7 | jq -s length)"
}

@test "no customer is lost: every row cpo-validate accepts reaches cpo-lift" {
	# 19 rows are rejected by cpo-validate, by line; every customer it
	# wrote, the 1 MB location included, reaches cpo-lift.
	same "customers at the end" 181 "$(lines all/out.7)"
	same "ids at the end" "$(jq -r .customer_id all/out.1)" \
	    "$(jq -r .customer_id all/out.7)"
	same "customers counted" 181 "$(jq .total_customers all/out.8)"
}

@test "the valid records' results are identical to a run on the valid rows alone" {
	local k
	for k in 1 2 3 4 5 6 7 8; do
		cmp all/out.$k good/out.$k ||
		    { echo "stage $k differs"; return 1; }
	done
	cmp all/audit.csv good/audit.csv
	same "valid run rejects" "" "$(cat good/rej.*)"
	# Only what cpo-generate says of the 1 MB location, at its own line.
	same "valid run stderr" "$(grep 'C9023704\|could not be generated' \
	    all/err.4 | sed 's/<stdin>:[0-9]*:/<stdin>:N:/')" \
	    "$(cat good/err.* | sed 's/<stdin>:[0-9]*:/<stdin>:N:/')"
}

@test "every NDJSON stage rejects a record with invalid UTF-8 rather than pass it on" {
	local k prog
	cd "$BATS_TEST_TMPDIR"
	for k in 1 2 3 4 5 6 7 8; do
		prog=$(prog_of "$k")
		# cpo-validate reads NDJSON too: what it writes.
		head -n 1 "$BATS_FILE_TMPDIR/good/$([ "$k" = 1 ] && echo out.1 ||
		    echo "in.$k")" |
		    sed 's/"customer_id":"C/"customer_id":"\xffC/' > in.$k
		run --separate-stderr "$prog" $(stage_args "$prog") in.$k
		same "$prog: status" 1 "$status"
		[ "$prog" = cpo-lift ] || same "$prog: stdout" "" "$output"
		same "$prog: stderr" "$prog: in.$k:1: invalid UTF-8 at column 17
$prog: 1 read, 0 written, 1 rejected" "$stderr"
	done
}

# --- input cut short --------------------------------------------------------

# cut_short FILE: prints FILE without its last 300 bytes: the last line is
# cut in the middle and has no newline.
cut_short() {
	head -c "$(($(stat -c %s "$1") - 300))" "$1"
}

# complete_lines FILE: succeeds when FILE is empty or ends with a newline
# and every line is a JSON value.
complete_lines() {
	[ ! -s "$1" ] && return 0
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] ||
	    { echo "$1: last line has no newline"; return 1; }
	jq -e . "$1" > /dev/null || { echo "$1: not JSON lines"; return 1; }
}

@test "input cut in the middle of a line: a clear message, exit 1, no partial line" {
	local k prog in n
	cd "$BATS_TEST_TMPDIR"
	for k in 1 2 3 4 5 6 7 8; do
		if [ "$k" = 1 ]; then
			prog=cpo-validate
			cut_short "$BATS_FILE_TMPDIR/good/out.1" > in.$k
		else
			prog=${STAGES[k - 2]}
			cut_short "$BATS_FILE_TMPDIR/good/in.$k" > in.$k
		fi
		n=$(($(lines in.$k) + 1))
		run --separate-stderr "$prog" $(stage_args "$prog") in.$k
		[ "$status" = 1 ] ||
		    { echo "$prog: exit status $status"; return 1; }
		printf '%s\n' "$output" > out.$k
		[ -z "$output" ] || complete_lines out.$k
		[[ $stderr == *"$prog: in.$k:$n: invalid JSON at column "*" (last line has no newline: input cut short?)"* ]] ||
		    { echo "$prog: stderr: $stderr"; return 1; }
		[[ $stderr == *"$prog: $n read, "*" 1 rejected" ]] ||
		    { echo "$prog: stderr: $stderr"; return 1; }
	done
}

# --- a reader that goes away --------------------------------------------------

# big_input PROG: makes big.in, input for PROG large enough that its output
# overflows a pipe many times over.
big_input() {
	local k i src
	if [ "$1" = cpo-validate ]; then
		python3 -c 'import sys
print("customer_id,age,location,tier,purchase_frequency,avg_order_value,last_engagement_days,historical_open_rate,historical_click_rate")
for n in range(20000):
    print("C%07d,40,Nashville,Gold,%d,100.00,5,0.50,0.10" % (n, n % 30))' > big.in
		return
	fi
	for k in 2 3 4 5 6 7; do
		[ "${STAGES[k - 2]}" = "$1" ] && src=$BATS_FILE_TMPDIR/good/in.$k
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		cat "$src"
	done > big.in
}

@test "a closed pipe downstream: every filter ends quietly, as by SIGPIPE, with no partial line" {
	local prog
	cd "$BATS_TEST_TMPDIR"
	# cpo-lift is left out: it writes one small document at the end.
	for prog in cpo-validate cpo-segment cpo-retrieve cpo-generate \
	    cpo-safety cpo-assign cpo-simulate; do
		big_input "$prog"
		run bash -c '"$@" big.in 2> err | head -n 1 > first
		    echo "${PIPESTATUS[0]}"' _ "$prog" $(stage_args "$prog")
		same "$prog: status" 141 "$output"
		same "$prog: stderr" "" "$(cat err)"
		same "$prog: first line" 1 "$(lines first)"
		complete_lines first
	done
}

# --- a full disk --------------------------------------------------------------

# input_of K: the input of stage K of the run on the good rows.
input_of() {
	if [ "$1" = 1 ]; then
		echo "$BATS_FILE_TMPDIR/good.csv"
	else
		echo "$BATS_FILE_TMPDIR/good/in.$1"
	fi
}

prog_of() {
	if [ "$1" = 1 ]; then
		echo cpo-validate
	else
		echo "${STAGES[$1 - 2]}"
	fi
}

@test "standard output on a full disk: every program says so and exits 3" {
	local k prog
	cd "$BATS_TEST_TMPDIR"
	for k in 1 2 3 4 5 6 7 8; do
		prog=$(prog_of "$k")
		run bash -c '"$@" > /dev/full 2> err' _ "$prog" \
		    $(stage_args "$prog") "$(input_of "$k")"
		same "$prog: status" 3 "$status"
		same "$prog: first message" \
		    "$prog: <stdout>: write error: No space left on device" \
		    "$(head -n 1 err)"
	done
}

@test "a full disk blames standard output and nothing else" {
	local k prog
	cd "$BATS_TEST_TMPDIR"
	for k in 1 2 3 4 5 6 7 8; do
		prog=$(prog_of "$k")
		[ "$prog" = cpo-safety ] && continue
		run bash -c '"$@" > /dev/full 2> err' _ "$prog" \
		    $(stage_args "$prog") "$(input_of "$k")"
		same "$prog: stderr" \
		    "$prog: <stdout>: write error: No space left on device" \
		    "$(cat err)"
	done
}

@test "cpo-safety on a full disk blames standard output, not its audit file" {
	cd "$BATS_TEST_TMPDIR"
	run bash -c 'cpo-safety --audit audit.csv "$1" > /dev/full 2> err' _ \
	    "$(input_of 5)"
	same stderr "cpo-safety: <stdout>: write error: No space left on device" \
	    "$(cat err)"
}

@test "a rejects file or an audit file on a full disk: exit 3, the file named" {
	local k prog
	cd "$BATS_TEST_TMPDIR"
	for k in 1 2 3 4 5 6 7 8; do
		prog=$(prog_of "$k")
		# Input with a bad line, so that there is something to reject.
		{ cat "$(input_of "$k")"; echo "$BAD_TYPE"; } > in
		run bash -c '"$@" > /dev/null 2> err' _ "$prog" \
		    $(stage_args "$prog") --rejects /dev/full in
		same "$prog: status" 3 "$status"
		same "$prog: last message" \
		    "$prog: /dev/full: write error: No space left on device" \
		    "$(tail -n 1 err)"
	done
	run bash -c 'cpo-safety --audit /dev/full "$1" > /dev/null 2> err' _ \
	    "$(input_of 5)"
	same "cpo-safety --audit: status" 3 "$status"
	same "cpo-safety --audit: message" "cpo-safety: /dev/full: No space left on device" \
	    "$(cat err)"
}
