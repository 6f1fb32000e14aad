#!/usr/bin/env bats
# cpo-validate, specified by its tests. The test names read like the manual
# page (man/cpo-validate.1); each test checks the exact standard output, the
# exact standard error and the exact exit status. Families of similar cases
# are tables under tests/fixtures/validate/ (integers, numbers, number-output),
# run by run_cases from helpers.bash.

bats_require_minimum_version 1.5.0
load helpers

HEADER=customer_id,age,location,tier,purchase_frequency,avg_order_value,last_engagement_days,historical_open_rate,historical_click_rate
USAGE='usage: cpo-validate [--format csv|ndjson|auto] [--tiers LIST] [--rejects FILE] [--strict] [FILE]'

# A good row and the record it becomes.
GOOD=C1,35,Boston,Gold,12,250.00,5,0.45,0.12
GOOD_OUT='{"customer_id":"C1","age":35,"location":"Boston","tier":"Gold","purchase_frequency":12,"avg_order_value":250,"last_engagement_days":5,"historical_open_rate":0.45,"historical_click_rate":0.12}'

# csv ROW...: writes in.csv, the header followed by the rows.
csv() {
	printf '%s\n' "$HEADER" "$@" > in.csv
}

# record ID AGE LOCATION TIER FREQ VALUE DAYS OPEN CLICK: prints the output
# record for these values, numbers exactly as given.
record() {
	printf '{"customer_id":"%s","age":%s,"location":"%s","tier":"%s","purchase_frequency":%s,"avg_order_value":%s,"last_engagement_days":%s,"historical_open_rate":%s,"historical_click_rate":%s}' "$@"
}

# The members of a good NDJSON record, to build lines from.
ND='"customer_id":"C1","age":35,"location":"Boston","tier":"Gold","purchase_frequency":12,"avg_order_value":250,"last_engagement_days":5,"historical_open_rate":0.45,"historical_click_rate":0.12'

# --- Output records -------------------------------------------------------

@test "each CSV row becomes one typed record with the schema's fields in the schema's order" {
	run -0 --separate-stderr cpo-validate "$(fixture validate/seed.csv)"
	expect_stdout "$(cat "$(fixture validate/seed.ndjson)")"
	expect_stderr ''
}

@test "the output is one JSON object a line, each line ending in a newline" {
	run -0 --separate-stderr sh -c 'cpo-validate "$1" > out.ndjson' sh \
	    "$(fixture validate/seed.csv)"
	expect_stdout ''
	expect_stderr ''
	cmp out.ndjson "$(fixture validate/seed.ndjson)"
}

@test "the nine required columns may come in any order" {
	run -0 --separate-stderr cpo-validate "$(fixture validate/reordered.csv)"
	expect_stdout "$(cat "$(fixture validate/seed.ndjson)")"
	expect_stderr ''
}

@test "columns beyond the schema pass through as strings after the schema fields, in file order" {
	run -0 --separate-stderr cpo-validate "$(fixture validate/extra-columns.csv)"
	expect_stdout "$(record C001 35 'New York' Gold 12 250 5 0.45 0.12 | sed 's/}$//'),\"email\":\"ana@example.com\",\"zip\":\"01234\",\"visits\":\"7\"}
$(record C002 28 'Los Angeles' Silver 6 150 30 0.35 0.08 | sed 's/}$//'),\"email\":\"bo@example.com\",\"zip\":\"\",\"visits\":\"12.50\"}"
	expect_stderr ''
}

@test "standard input is read when FILE is - or left out, and is called <stdin> in messages" {
	csv 'C1,17,Boston,Gold,12,250.00,5,0.45,0.12'
	run -1 --separate-stderr cpo-validate - < in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: <stdin>:2: field 'age': expected an integer from 18 to 120, got \"17\"
cpo-validate: 1 read, 0 written, 1 rejected"
	run -0 --separate-stderr cpo-validate < "$(fixture validate/seed.csv)"
	expect_stdout "$(cat "$(fixture validate/seed.ndjson)")"
	expect_stderr ''
}

@test "validating the program's own output changes nothing" {
	run -0 --separate-stderr cpo-validate "$(fixture validate/seed.ndjson)"
	expect_stdout "$(cat "$(fixture validate/seed.ndjson)")"
	expect_stderr ''
}

# --- The header ------------------------------------------------------------

@test "a header without required columns exits 2 naming each missing column" {
	printf 'customer_id,age,location,segment\nC1,35,Boston,x\n' > in.csv
	run -2 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:1: missing required column 'tier'
cpo-validate: in.csv:1: missing required column 'purchase_frequency'
cpo-validate: in.csv:1: missing required column 'avg_order_value'
cpo-validate: in.csv:1: missing required column 'last_engagement_days'
cpo-validate: in.csv:1: missing required column 'historical_open_rate'
cpo-validate: in.csv:1: missing required column 'historical_click_rate'"
}

@test "a header naming a column twice exits 2 naming the duplicate" {
	printf '%s,age\n%s,35\n' "$HEADER" "$GOOD" > in.csv
	run -2 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:1: duplicate column 'age'"
}

@test "a header with a repeated extra column and a missing column reports both and exits 2" {
	printf 'customer_id,age,location,note,note,purchase_frequency,avg_order_value,last_engagement_days,historical_open_rate,historical_click_rate\n' > in.csv
	run -2 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:1: duplicate column 'note'
cpo-validate: in.csv:1: missing required column 'tier'"
}

@test "a header that is not valid CSV exits 2" {
	printf '"customer_id"x,age\n' > in.csv
	run -2 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:1: header: unexpected text after a closing quote"
}

@test "a header with invalid UTF-8 exits 2" {
	printf '%s,n\377me\n%s,x\n' "$HEADER" "$GOOD" > in.csv
	run -2 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:1: field 'header': invalid UTF-8 at byte 2"
}

@test "an empty input has no customers: nothing is written and the status is 0" {
	: > in.csv
	run -0 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr ''
}

@test "a header without rows has no customers: nothing is written and the status is 0" {
	csv
	run -0 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr ''
}

# --- customer_id -----------------------------------------------------------

@test "an empty customer_id is rejected" {
	csv ',35,Boston,Gold,12,250.00,5,0.45,0.12'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:2: field 'customer_id': expected a non-empty string, got \"\"
cpo-validate: 1 read, 0 written, 1 rejected"
}

@test "a repeated customer_id is rejected naming the line of its first occurrence" {
	csv "$GOOD" 'C2,35,Boston,Gold,12,250.00,5,0.45,0.12' \
	    'C1,40,Denver,Silver,3,20.00,9,0.10,0.01'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$GOOD_OUT
$(record C2 35 Boston Gold 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: in.csv:4: field 'customer_id': duplicate value \"C1\", first seen on line 2
cpo-validate: 3 read, 2 written, 1 rejected"
}

@test "a row with a bad field and a repeated customer_id reports both problems" {
	csv "$GOOD" 'C1,17,Boston,Gold,12,250.00,5,0.45,0.12'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$GOOD_OUT"
	expect_stderr "cpo-validate: in.csv:3: field 'age': expected an integer from 18 to 120, got \"17\"
cpo-validate: in.csv:3: field 'customer_id': duplicate value \"C1\", first seen on line 2
cpo-validate: 2 read, 1 written, 1 rejected"
}

# --- Field checks ----------------------------------------------------------

@test "a row with a non-integer age is rejected with the field, the value and the line" {
	csv "$GOOD" 'C2,4x,Boston,Gold,12,250.00,5,0.45,0.12'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$GOOD_OUT"
	expect_stderr "cpo-validate: in.csv:3: field 'age': expected an integer, got \"4x\"
cpo-validate: 2 read, 1 written, 1 rejected"
}

@test "every problem of a row is reported, in schema order, not only the first" {
	csv 'C1,12.5,Boston,gold,abc,,1e3,1.5,NaN'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:2: field 'age': expected an integer, got \"12.5\"
cpo-validate: in.csv:2: field 'tier': expected one of Gold, Silver, Bronze, got \"gold\"
cpo-validate: in.csv:2: field 'purchase_frequency': expected an integer, got \"abc\"
cpo-validate: in.csv:2: field 'avg_order_value': expected a number, got \"\"
cpo-validate: in.csv:2: field 'last_engagement_days': expected an integer, got \"1e3\"
cpo-validate: in.csv:2: field 'historical_open_rate': expected a number from 0 to 1, got \"1.5\"
cpo-validate: in.csv:2: field 'historical_click_rate': expected a finite number, got \"NaN\"
cpo-validate: 1 read, 0 written, 1 rejected"
}

@test "integer fields take decimal integers with an optional sign and nothing else" {
	run_cases cpo-validate "$(fixture validate/integers)"
}

@test "number fields take finite decimal numbers within their ranges" {
	run_cases cpo-validate "$(fixture validate/numbers)"
}

@test "ages 18 and 120 are accepted and ages 17 and 121 are rejected" {
	csv 'C17,17,Boston,Gold,12,250.00,5,0.45,0.12' \
	    'C18,18,Boston,Gold,12,250.00,5,0.45,0.12' \
	    'C120,120,Boston,Gold,12,250.00,5,0.45,0.12' \
	    'C121,121,Boston,Gold,12,250.00,5,0.45,0.12'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$(record C18 18 Boston Gold 12 250 5 0.45 0.12)
$(record C120 120 Boston Gold 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: in.csv:2: field 'age': expected an integer from 18 to 120, got \"17\"
cpo-validate: in.csv:5: field 'age': expected an integer from 18 to 120, got \"121\"
cpo-validate: 4 read, 2 written, 2 rejected"
}

@test "negative purchase counts, order values and engagement days are rejected" {
	csv 'C1,35,Boston,Gold,-1,-250.00,-5,0.45,0.12'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:2: field 'purchase_frequency': expected an integer >= 0, got \"-1\"
cpo-validate: in.csv:2: field 'avg_order_value': expected a number >= 0, got \"-250.00\"
cpo-validate: in.csv:2: field 'last_engagement_days': expected an integer >= 0, got \"-5\"
cpo-validate: 1 read, 0 written, 1 rejected"
}

@test "rates of exactly 0 and 1 are accepted and rates outside [0,1] are rejected" {
	csv 'C1,35,Boston,Gold,12,250.00,5,0,1' \
	    'C2,35,Boston,Gold,12,250.00,5,1,0' \
	    'C3,35,Boston,Gold,12,250.00,5,1.01,-0.01'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$(record C1 35 Boston Gold 12 250 5 0 1)
$(record C2 35 Boston Gold 12 250 5 1 0)"
	expect_stderr "cpo-validate: in.csv:4: field 'historical_open_rate': expected a number from 0 to 1, got \"1.01\"
cpo-validate: in.csv:4: field 'historical_click_rate': expected a number from 0 to 1, got \"-0.01\"
cpo-validate: 3 read, 2 written, 1 rejected"
}

@test "NaN and infinities are rejected as not finite" {
	csv 'C1,35,Boston,Gold,12,nan,5,Infinity,-inf'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:2: field 'avg_order_value': expected a finite number, got \"nan\"
cpo-validate: in.csv:2: field 'historical_open_rate': expected a finite number, got \"Infinity\"
cpo-validate: in.csv:2: field 'historical_click_rate': expected a finite number, got \"-inf\"
cpo-validate: 1 read, 0 written, 1 rejected"
}

@test "a tier other than Gold, Silver or Bronze is rejected with the allowed list; case matters" {
	csv 'C1,35,Boston,gold,12,250.00,5,0.45,0.12' \
	    'C2,35,Boston,,12,250.00,5,0.45,0.12' \
	    'C3,35,Boston,Bronze,12,250.00,5,0.45,0.12'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$(record C3 35 Boston Bronze 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: in.csv:2: field 'tier': expected one of Gold, Silver, Bronze, got \"gold\"
cpo-validate: in.csv:3: field 'tier': expected one of Gold, Silver, Bronze, got \"\"
cpo-validate: 3 read, 1 written, 2 rejected"
}

@test "--tiers replaces the list of allowed tiers" {
	csv 'C1,35,Boston,Platinum,12,250.00,5,0.45,0.12' \
	    'C2,35,Boston,Gold,12,250.00,5,0.45,0.12' \
	    'C3,35,Boston,Silver,12,250.00,5,0.45,0.12'
	run -1 --separate-stderr cpo-validate --tiers Platinum,Gold in.csv
	expect_stdout "$(record C1 35 Boston Platinum 12 250 5 0.45 0.12)
$(record C2 35 Boston Gold 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: in.csv:4: field 'tier': expected one of Platinum, Gold, got \"Silver\"
cpo-validate: 3 read, 2 written, 1 rejected"
}

@test "--tiers with an empty name or more than 32 names exits 2" {
	csv "$GOOD"
	run -2 --separate-stderr cpo-validate --tiers Gold,,Silver in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: --tiers: expected a comma-separated list of at most 32 names, got 'Gold,,Silver'
$USAGE"
	run -2 --separate-stderr cpo-validate --tiers= in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: --tiers: expected a comma-separated list of at most 32 names, got ''
$USAGE"
	run -0 --separate-stderr cpo-validate --tiers "$(seq -s, -f 'T%g' 31),Gold" in.csv
	expect_stdout "$GOOD_OUT"
	expect_stderr ''
	many=$(seq -s, -f 'T%g' 33)
	run -2 --separate-stderr cpo-validate --tiers "$many" in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: --tiers: expected a comma-separated list of at most 32 names, got '$many'
$USAGE"
}

@test "invalid UTF-8 in a field is rejected with the byte where it starts" {
	printf '%s\nC1,35,S\303\243o Paulo,Gold,12,250.00,5,0.45,0.12\nC2,35,S\343o Paulo,Gold,12,250.00,5,0.45,0.12\n' \
	    "$HEADER" > in.csv
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$(record C1 35 'São Paulo' Gold 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: in.csv:3: field 'location': invalid UTF-8 at byte 2
cpo-validate: 2 read, 1 written, 1 rejected"
}

@test "a NUL byte in a field is rejected with its position" {
	printf '%s\nC1,35,Bos\000ton,Gold,12,250.00,5,0.45,0.12\nC2,35,Boston,Gold,12,250.00,5,0.45,0.12\n' \
	    "$HEADER" > in.csv
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$(record C2 35 Boston Gold 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: in.csv:2: field 'location': contains a NUL byte at byte 4
cpo-validate: 2 read, 1 written, 1 rejected"
}

@test "extra columns are checked for NUL bytes and invalid UTF-8 too" {
	printf '%s,note\n%s,ok\nC2,35,Boston,Gold,12,250.00,5,0.45,0.12,n\377\n' \
	    "$HEADER" "$GOOD" > in.csv
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "${GOOD_OUT%\}},\"note\":\"ok\"}"
	expect_stderr "cpo-validate: in.csv:3: field 'note': invalid UTF-8 at byte 2
cpo-validate: 2 read, 1 written, 1 rejected"
}

@test "values in messages are quoted with escapes, and cut after 60 bytes" {
	long=$(printf 'A%.0s' $(seq 70))
	csv 'C1,35,Boston,"Go""ld	\",12,250.00,5,0.45,0.12' \
	    "C2,35,Boston,$long,12,250.00,5,0.45,0.12"
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:2: field 'tier': expected one of Gold, Silver, Bronze, got \"Go\\\"ld\\t\\\\\"
cpo-validate: in.csv:3: field 'tier': expected one of Gold, Silver, Bronze, got \"$(printf 'A%.0s' $(seq 60))...\"
cpo-validate: 2 read, 0 written, 2 rejected"
}

@test "a row with more than 32 problems lists 32 and says how many more there were" {
	{
		printf '%s' "$HEADER"
		printf ',x%d' $(seq 40)
		printf '\n%s' "$GOOD"
		printf ',\377%.0s' $(seq 40)
		printf '\n'
	} > in.csv
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout ''
	expect_stderr "$(for i in $(seq 32); do
		echo "cpo-validate: in.csv:2: field 'x$i': invalid UTF-8 at byte 1"
	done)
cpo-validate: in.csv:2: 8 more problems not shown
cpo-validate: 1 read, 0 written, 1 rejected"
}

# --- Reading CSV -----------------------------------------------------------

@test "a quoted field may hold commas, doubled quotes and newlines, and later rows keep their line numbers" {
	run -1 --separate-stderr cpo-validate < "$(fixture validate/quoted.csv)"
	expect_stdout "$(record C001 35 'New York, NY' Gold 12 250 5 0.45 0.12)
$(record C002 28 'The \"Big\" Orange' Silver 6 150 30 0.35 0.08)
$(record C003 42 'Suite 5\n1 Main St\nChicago' Gold 18 300 3 0.5 0.15)"
	expect_stderr "cpo-validate: <stdin>:7: field 'age': expected an integer from 18 to 120, got \"17\"
cpo-validate: <stdin>:8: field 'customer_id': duplicate value \"C003\", first seen on line 4
cpo-validate: 5 read, 3 written, 2 rejected"
}

@test "CRLF line endings are accepted, and a CRLF inside quotes is data" {
	printf '%s\r\n%s\r\nC2,35,"Bos\r\nton",Gold,12,250.00,5,0.45,0.12\r\nC3,17,Boston,Gold,12,250.00,5,0.45,0.12\r\n' \
	    "$HEADER" "$GOOD" > in.csv
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$GOOD_OUT
$(record C2 35 'Bos\r\nton' Gold 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: in.csv:5: field 'age': expected an integer from 18 to 120, got \"17\"
cpo-validate: 3 read, 2 written, 1 rejected"
}

@test "a UTF-8 byte order mark before the header is skipped" {
	printf '\357\273\277%s\r\n%s\r\n' "$HEADER" "$GOOD" > in.csv
	run -0 --separate-stderr cpo-validate in.csv
	expect_stdout "$GOOD_OUT"
	expect_stderr ''
}

@test "blank lines are skipped and still counted in line numbers" {
	printf '\n%s\n\n%s\n\r\n\nC2,17,Boston,Gold,12,250.00,5,0.45,0.12\n\n' \
	    "$HEADER" "$GOOD" > in.csv
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$GOOD_OUT"
	expect_stderr "cpo-validate: in.csv:7: field 'age': expected an integer from 18 to 120, got \"17\"
cpo-validate: 2 read, 1 written, 1 rejected"
}

@test "a row with too few or too many fields is rejected with both counts" {
	csv 'C1,35,Boston,Gold,12,250.00,5,0.45' "$GOOD,extra" \
	    'C2,35,Boston,Gold,12,250.00,5,0.45,0.12'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$(record C2 35 Boston Gold 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: in.csv:2: expected 9 fields, got 8
cpo-validate: in.csv:3: expected 9 fields, got 10
cpo-validate: 3 read, 1 written, 2 rejected"
}

@test "an unterminated quoted field is rejected at the line where it starts" {
	csv "$GOOD" 'C2,35,"Boston,Gold,12,250.00,5,0.45,0.12' \
	    'C3,35,Boston,Gold,12,250.00,5,0.45,0.12'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$GOOD_OUT"
	expect_stderr "cpo-validate: in.csv:3: unterminated quoted field
cpo-validate: 2 read, 1 written, 1 rejected"
}

@test "text after a closing quote is rejected and reading goes on at the next line" {
	csv 'C1,35,"Boston"x,Gold,12,250.00,5,0.45,0.12' \
	    'C2,35,Boston,Gold,12,250.00,5,0.45,0.12'
	run -1 --separate-stderr cpo-validate in.csv
	expect_stdout "$(record C2 35 Boston Gold 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: in.csv:2: unexpected text after a closing quote
cpo-validate: 2 read, 1 written, 1 rejected"
}

@test "a quote inside an unquoted field is data" {
	csv 'C1,35,6" Street,Gold,12,250.00,5,0.45,0.12'
	run -0 --separate-stderr cpo-validate in.csv
	expect_stdout "$(record C1 35 '6\" Street' Gold 12 250 5 0.45 0.12)"
	expect_stderr ''
}

@test "the last row needs no final newline" {
	printf '%s\n%s' "$HEADER" "$GOOD" > in.csv
	run -0 --separate-stderr cpo-validate in.csv
	expect_stdout "$GOOD_OUT"
	expect_stderr ''
}

@test "--format csv reads CSV even when its first character is {" {
	printf '{note},%s\nhi,%s\n' "$HEADER" "$GOOD" > in.csv
	run -0 --separate-stderr cpo-validate --format csv in.csv
	expect_stdout "${GOOD_OUT%\}},\"{note}\":\"hi\"}"
	expect_stderr ''
}

# --- Reading NDJSON --------------------------------------------------------

@test "NDJSON input is recognised by a { as its first character" {
	run -0 --separate-stderr cpo-validate "$(fixture validate/customers.ndjson)"
	expect_stdout "$(record C001 35 'New York' Gold 12 250 5 0.45 0.12)
$(record C002 28 'Los Angeles' Silver 6 150 30 0.35 0.08)
$(record C003 42 Chicago Gold 18 300 3 0.5 0.15 | sed 's/}$//'),\"segment\":\"At-Risk\",\"features\":{\"scores\":[0.1,2.5,null,true],\"note\":\"x\"},\"score\":0.30000000000000004}"
	expect_stderr ''
}

@test "--format ndjson reads every line as a JSON object, even a CSV header" {
	run -1 --separate-stderr cpo-validate --format ndjson < "$(fixture validate/seed.csv)"
	expect_stdout ''
	expect_stderr "cpo-validate: <stdin>:1: invalid JSON at column 1
cpo-validate: <stdin>:2: invalid JSON at column 1
cpo-validate: <stdin>:3: invalid JSON at column 1
cpo-validate: <stdin>:4: invalid JSON at column 1
cpo-validate: 4 read, 0 written, 4 rejected"
}

@test "in NDJSON, numbers may be JSON numbers or numeric strings" {
	printf '%s\n' '{"customer_id":"C1","age":"35","location":"Boston","tier":"Gold","purchase_frequency":12,"avg_order_value":"250.00","last_engagement_days":"5","historical_open_rate":0.45,"historical_click_rate":"0.12"}' > in.ndjson
	run -0 --separate-stderr cpo-validate in.ndjson
	expect_stdout "$GOOD_OUT"
	expect_stderr ''
}

@test "in NDJSON, numeric strings follow the CSV rules" {
	printf '%s\n' '{"customer_id":"C1","age":"35.0","location":"Boston","tier":"Gold","purchase_frequency":"1e3","avg_order_value":"NaN","last_engagement_days":" 5","historical_open_rate":"0.45","historical_click_rate":"0.12"}' > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout ''
	expect_stderr "cpo-validate: in.ndjson:1: field 'age': expected an integer, got \"35.0\"
cpo-validate: in.ndjson:1: field 'purchase_frequency': expected an integer, got \"1e3\"
cpo-validate: in.ndjson:1: field 'avg_order_value': expected a finite number, got \"NaN\"
cpo-validate: in.ndjson:1: field 'last_engagement_days': expected an integer, got \" 5\"
cpo-validate: 1 read, 0 written, 1 rejected"
}

@test "in NDJSON, an integer field takes a JSON number without a fraction" {
	printf '{%s}\n' "${ND/\"age\":35/\"age\":35.0}" "${ND/\"age\":35/\"age\":35.5}" \
	    | sed '2s/"C1"/"C2"/' > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout "$GOOD_OUT"
	expect_stderr "cpo-validate: in.ndjson:2: field 'age': expected an integer, got 35.5
cpo-validate: 2 read, 1 written, 1 rejected"
}

@test "in NDJSON, unknown fields pass through after the schema fields in input order, nested values included" {
	printf '{"z":[1,{"b":null,"a":"x"}],%s,"a":{"k":[true,false]},"m":"\\u00e9\\n"}\n' "$ND" > in.ndjson
	run -0 --separate-stderr cpo-validate in.ndjson
	expect_stdout "${GOOD_OUT%\}},\"z\":[1,{\"b\":null,\"a\":\"x\"}],\"a\":{\"k\":[true,false]},\"m\":\"é\\n\"}"
	expect_stderr ''
}

@test "in NDJSON, a field of the wrong JSON type is rejected naming the type" {
	printf '%s\n' '{"customer_id":7,"age":35,"location":null,"tier":["Gold"],"purchase_frequency":12,"avg_order_value":{},"last_engagement_days":5,"historical_open_rate":false,"historical_click_rate":0.12}' > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout ''
	expect_stderr "cpo-validate: in.ndjson:1: field 'customer_id': expected a string, got number
cpo-validate: in.ndjson:1: field 'location': expected a string, got null
cpo-validate: in.ndjson:1: field 'tier': expected a string, got array
cpo-validate: in.ndjson:1: field 'avg_order_value': expected a number, got object
cpo-validate: in.ndjson:1: field 'historical_open_rate': expected a number, got boolean
cpo-validate: 1 read, 0 written, 1 rejected"
}

@test "in NDJSON, a boolean in an integer field is rejected as not an integer" {
	printf '{%s}\n' "${ND/\"purchase_frequency\":12/\"purchase_frequency\":true}" > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout ''
	expect_stderr "cpo-validate: in.ndjson:1: field 'purchase_frequency': expected an integer, got boolean
cpo-validate: 1 read, 0 written, 1 rejected"
}

@test "in NDJSON, a missing field is rejected as missing" {
	printf '%s\n' '{"customer_id":"C1","age":35,"location":"Boston","tier":"Gold","purchase_frequency":12,"avg_order_value":250}' > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout ''
	expect_stderr "cpo-validate: in.ndjson:1: field 'last_engagement_days': missing
cpo-validate: in.ndjson:1: field 'historical_open_rate': missing
cpo-validate: in.ndjson:1: field 'historical_click_rate': missing
cpo-validate: 1 read, 0 written, 1 rejected"
}

@test "in NDJSON, the same checks apply as in CSV" {
	printf '{%s}\n' "$ND" "$ND" \
	    "${ND/\"tier\":\"Gold\"/\"tier\":\"Platinum\"}" \
	    | sed '3s/"C1"/""/; 3s/"age":35/"age":121/; 3s/"historical_click_rate":0.12/"historical_click_rate":1.5/' \
	    > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout "$GOOD_OUT"
	expect_stderr "cpo-validate: in.ndjson:2: field 'customer_id': duplicate value \"C1\", first seen on line 1
cpo-validate: in.ndjson:3: field 'customer_id': expected a non-empty string, got \"\"
cpo-validate: in.ndjson:3: field 'age': expected an integer from 18 to 120, got 121
cpo-validate: in.ndjson:3: field 'tier': expected one of Gold, Silver, Bronze, got \"Platinum\"
cpo-validate: in.ndjson:3: field 'historical_click_rate': expected a number from 0 to 1, got 1.5
cpo-validate: 3 read, 1 written, 2 rejected"
}

@test "in NDJSON, a malformed line is rejected with its column and reading goes on" {
	printf '{"customer_id":"C0",}\n{%s} x\n{%s}\n' "$ND" "$ND" > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout "$GOOD_OUT"
	expect_stderr "cpo-validate: in.ndjson:1: invalid JSON at column 21
cpo-validate: in.ndjson:2: invalid JSON at column 193
cpo-validate: 3 read, 1 written, 2 rejected"
}

@test "in NDJSON, a line that is not an object is rejected naming its type" {
	printf '[1,2]\n"C1"\n42\nnull\n{%s}\n' "$ND" > in.ndjson
	run -1 --separate-stderr cpo-validate --format ndjson in.ndjson
	expect_stdout "$GOOD_OUT"
	expect_stderr "cpo-validate: in.ndjson:1: expected a JSON object, got array
cpo-validate: in.ndjson:2: expected a JSON object, got string
cpo-validate: in.ndjson:3: expected a JSON object, got number
cpo-validate: in.ndjson:4: expected a JSON object, got null
cpo-validate: 5 read, 1 written, 4 rejected"
}

@test "in NDJSON, blank lines and CRLF endings are accepted and lines keep their numbers" {
	printf '\n  \r\n{%s}\r\n\n{"customer_id":"C2"}\r\n' "$ND" > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout "$GOOD_OUT"
	expect_stderr "cpo-validate: in.ndjson:5: field 'age': missing
cpo-validate: in.ndjson:5: field 'location': missing
cpo-validate: in.ndjson:5: field 'tier': missing
cpo-validate: in.ndjson:5: field 'purchase_frequency': missing
cpo-validate: in.ndjson:5: field 'avg_order_value': missing
cpo-validate: in.ndjson:5: field 'last_engagement_days': missing
cpo-validate: in.ndjson:5: field 'historical_open_rate': missing
cpo-validate: in.ndjson:5: field 'historical_click_rate': missing
cpo-validate: 2 read, 1 written, 1 rejected"
}

@test "in NDJSON, a complete last line needs no newline, and a cut one is reported as cut short" {
	printf '{%s}' "$ND" > whole.ndjson
	run -0 --separate-stderr cpo-validate whole.ndjson
	expect_stdout "$GOOD_OUT"
	expect_stderr ''
	printf '{%s}\n{"customer_id":"C2","age":' "$ND" > cut.ndjson
	run -1 --separate-stderr cpo-validate cut.ndjson
	expect_stdout "$GOOD_OUT"
	expect_stderr "cpo-validate: cut.ndjson:2: invalid JSON at column 26 (last line has no newline: input cut short?)
cpo-validate: 2 read, 1 written, 1 rejected"
}

@test "in NDJSON, a number too large for a double is rejected as not finite, not written as null" {
	printf '{%s}\n' "${ND/\"avg_order_value\":250/\"avg_order_value\":1e400}" > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout ''
	expect_stderr "cpo-validate: in.ndjson:1: field 'avg_order_value': expected a finite number, got a number too large for a double
cpo-validate: 1 read, 0 written, 1 rejected"
}

@test "in NDJSON, a string with an escaped NUL is rejected, not cut short" {
	printf '{%s}\n' "${ND/\"location\":\"Boston\"/\"location\":\"Bos\\u0000ton\"}" > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout ''
	expect_stderr "cpo-validate: in.ndjson:1: a string holds an escaped NUL (\\u0000) at column 45
cpo-validate: 1 read, 0 written, 1 rejected"
}

@test "in NDJSON, invalid UTF-8 is rejected in passed-through fields too" {
	printf '{%s,"note":"n\377"}\n' "$ND" > in.ndjson
	run -1 --separate-stderr cpo-validate in.ndjson
	expect_stdout ''
	expect_stderr "cpo-validate: in.ndjson:1: invalid UTF-8 at column 201
cpo-validate: 1 read, 0 written, 1 rejected"
}

# --- Numbers in the output -------------------------------------------------

@test "numbers are written in the shortest form that reads back to the same double" {
	run_cases cpo-validate "$(fixture validate/number-output)"
}

# --- Rejected records ------------------------------------------------------

@test "--rejects writes one JSON object per rejected record with file, line, reasons and input" {
	cp "$(fixture validate/mixed.csv)" .
	run -1 --separate-stderr cpo-validate --rejects rejects.ndjson mixed.csv
	expect_stdout "$(record C001 35 'New York' Gold 12 250 5 0.45 0.12)
$(record C004 51 Houston Bronze 4 80 60 0.25 0.05)"
	expect_stderr "cpo-validate: mixed.csv:3: field 'age': expected an integer from 18 to 120, got \"17\"
cpo-validate: mixed.csv:4: field 'tier': expected one of Gold, Silver, Bronze, got \"Platinum\"
cpo-validate: mixed.csv:4: field 'historical_open_rate': expected a number from 0 to 1, got \"1.50\"
cpo-validate: mixed.csv:6: field 'customer_id': duplicate value \"C001\", first seen on line 2
cpo-validate: 5 read, 2 written, 3 rejected"
	same rejects.ndjson '{"file":"mixed.csv","line":3,"reasons":["field '\''age'\'': expected an integer from 18 to 120, got \"17\""],"input":"C002,17,Los Angeles,Silver,6,150.00,30,0.35,0.08"}
{"file":"mixed.csv","line":4,"reasons":["field '\''tier'\'': expected one of Gold, Silver, Bronze, got \"Platinum\"","field '\''historical_open_rate'\'': expected a number from 0 to 1, got \"1.50\""],"input":"C003,42,Chicago,Platinum,18,300.00,3,1.50,0.15"}
{"file":"mixed.csv","line":6,"reasons":["field '\''customer_id'\'': duplicate value \"C001\", first seen on line 2"],"input":"C001,29,Phoenix,Silver,7,120.00,14,0.40,0.10"}' "$(cat rejects.ndjson)"
	[ "$(tail -c 1 rejects.ndjson | od -An -c | tr -d ' ')" = '\n' ]
}

@test "--rejects keeps a record's raw text across lines, without its line ending, with invalid UTF-8 replaced by U+FFFD" {
	printf '%s\r\nC1,35,"Bos\nton",Gold,x,250.00,5,0.45,0.12\r\nC2,35,S\343o Paulo,Gold,12,250.00,5,0.45,0.12\r\n' \
	    "$HEADER" > in.csv
	run -1 --separate-stderr cpo-validate --rejects rejects.ndjson in.csv
	expect_stdout ''
	expect_stderr "cpo-validate: in.csv:2: field 'purchase_frequency': expected an integer, got \"x\"
cpo-validate: in.csv:4: field 'location': invalid UTF-8 at byte 2
cpo-validate: 2 read, 0 written, 2 rejected"
	same rejects.ndjson '{"file":"in.csv","line":2,"reasons":["field '\''purchase_frequency'\'': expected an integer, got \"x\""],"input":"C1,35,\"Bos\nton\",Gold,x,250.00,5,0.45,0.12"}
{"file":"in.csv","line":4,"reasons":["field '\''location'\'': invalid UTF-8 at byte 2"],"input":"C2,35,S�o Paulo,Gold,12,250.00,5,0.45,0.12"}' "$(cat rejects.ndjson)"
}

@test "--rejects keeps malformed NDJSON lines as text, with the standard input called <stdin>" {
	printf '{"customer_id":"C0",}\n[1]\n' > in.ndjson
	run -1 --separate-stderr cpo-validate --rejects rejects.ndjson < in.ndjson
	expect_stdout ''
	expect_stderr "cpo-validate: <stdin>:1: invalid JSON at column 21
cpo-validate: <stdin>:2: expected a JSON object, got array
cpo-validate: 2 read, 0 written, 2 rejected"
	same rejects.ndjson '{"file":"<stdin>","line":1,"reasons":["invalid JSON at column 21"],"input":"{\"customer_id\":\"C0\",}"}
{"file":"<stdin>","line":2,"reasons":["expected a JSON object, got array"],"input":"[1]"}' "$(cat rejects.ndjson)"
}

@test "--rejects leaves an empty file when nothing is rejected" {
	echo stale > rejects.ndjson
	run -0 --separate-stderr cpo-validate --rejects rejects.ndjson "$(fixture validate/seed.csv)"
	expect_stdout "$(cat "$(fixture validate/seed.ndjson)")"
	expect_stderr ''
	[ -f rejects.ndjson ] && [ ! -s rejects.ndjson ]
}

@test "--strict stops at the first rejected record and exits 1" {
	cp "$(fixture validate/mixed.csv)" .
	run -1 --separate-stderr cpo-validate --strict --rejects rejects.ndjson mixed.csv
	expect_stdout "$(record C001 35 'New York' Gold 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: mixed.csv:3: field 'age': expected an integer from 18 to 120, got \"17\"
cpo-validate: 2 read, 1 written, 1 rejected"
	same rejects.ndjson '{"file":"mixed.csv","line":3,"reasons":["field '\''age'\'': expected an integer from 18 to 120, got \"17\""],"input":"C002,17,Los Angeles,Silver,6,150.00,30,0.35,0.08"}' "$(cat rejects.ndjson)"
}

@test "--strict changes nothing when every record is good" {
	run -0 --separate-stderr cpo-validate --strict "$(fixture validate/seed.csv)"
	expect_stdout "$(cat "$(fixture validate/seed.ndjson)")"
	expect_stderr ''
}

@test "records read equal records written plus records rejected, over many records" {
	# 10,000 rows: every 7th has age 17, every 11th an empty tier, so
	# 1428 + 909 - 129 = 2208 are rejected (129 rows have both problems).
	awk -v header="$HEADER" 'BEGIN {
		print header
		for (i = 1; i <= 10000; i++) {
			r = i % 100
			printf "C%05d,%d,\"City %d, ST\",%s,%d,%d.50,%d,0.%02d,0.%02d\n",
			    i, i % 7 ? 18 + i % 90 : 17, i % 13,
			    i % 11 ? (i % 3 ? "Silver" : "Gold") : "", i % 40,
			    i % 900, i % 365, r, r / 2
		}
	}' > big.csv
	awk 'BEGIN {
		for (i = 1; i <= 10000; i++) {
			if (i % 7 == 0 || i % 11 == 0)
				continue
			r = i % 100
			h = int(r / 2)
			printf "{\"customer_id\":\"C%05d\",\"age\":%d,\"location\":\"City %d, ST\",\"tier\":\"%s\",\"purchase_frequency\":%d,\"avg_order_value\":%d.5,\"last_engagement_days\":%d,\"historical_open_rate\":%s,\"historical_click_rate\":%s}\n",
			    i, 18 + i % 90, i % 13, i % 3 ? "Silver" : "Gold",
			    i % 40, i % 900, i % 365, rate(r), rate(h)
		}
	}
	function rate(x) {
		if (x == 0)
			return "0"
		if (x % 10 == 0)
			return "0." x / 10
		return sprintf("0.%02d", x)
	}' > want.ndjson
	awk 'BEGIN {
		for (i = 1; i <= 10000; i++) {
			if (i % 7 == 0)
				printf "cpo-validate: big.csv:%d: field '\''age'\'': expected an integer from 18 to 120, got \"17\"\n", i + 1
			if (i % 11 == 0)
				printf "cpo-validate: big.csv:%d: field '\''tier'\'': expected one of Gold, Silver, Bronze, got \"\"\n", i + 1
		}
		print "cpo-validate: 10000 read, 7792 written, 2208 rejected"
	}' > want.err
	run -1 --separate-stderr sh -c 'cpo-validate --rejects rejects.ndjson big.csv > out.ndjson'
	expect_stdout ''
	expect_stderr "$(cat want.err)"
	cmp out.ndjson want.ndjson
	[ "$(wc -l < rejects.ndjson)" -eq 2208 ]
	[ "$(jq -s 'map(.line - 1) | add' rejects.ndjson)" -eq "$(awk 'BEGIN {
		for (i = 1; i <= 10000; i++)
			if (i % 7 == 0 || i % 11 == 0)
				s += i
		print s
	}')" ]
}

@test "nothing is printed on standard error when every record is good" {
	run -0 --separate-stderr cpo-validate "$(fixture validate/customers.ndjson)"
	[ "${#lines[@]}" -eq 3 ]
	expect_stderr ''
}

# --- Options ---------------------------------------------------------------

@test "--help prints the usage to standard output and exits 0" {
	run -0 --separate-stderr cpo-validate --help
	expect_stdout "$USAGE

Check customers against the data model and write typed NDJSON.

  -f, --format FMT    input format: csv, ndjson or auto (default auto)
  -t, --tiers LIST    allowed tiers, comma-separated
                      (default Gold,Silver,Bronze)
  -r, --rejects FILE  write rejected rows, with reasons, to FILE
  -s, --strict        stop at the first rejected row
  -h, --help          show this help and exit
  -V, --version       show the version and exit"
	expect_stderr ''
}

@test "--version prints the program name and the release from config.mk and exits 0" {
	version=$(sed -n 's/^VERSION *= *//p' "$CPO_ROOT/config.mk")
	run -0 --separate-stderr cpo-validate --version
	expect_stdout "cpo-validate (cpo) $version"
	expect_stderr ''
	run -0 --separate-stderr cpo-validate -V
	expect_stdout "cpo-validate (cpo) $version"
	expect_stderr ''
}

@test "the short options -f, -t, -r and -s do what the long ones do" {
	csv 'C1,35,Boston,Iron,12,250.00,5,0.45,0.12' "$GOOD"
	run -1 --separate-stderr cpo-validate -f csv -t Iron,Tin -s -r rej.ndjson in.csv
	expect_stdout "$(record C1 35 Boston Iron 12 250 5 0.45 0.12)"
	expect_stderr "cpo-validate: in.csv:3: field 'tier': expected one of Iron, Tin, got \"Gold\"
cpo-validate: in.csv:3: field 'customer_id': duplicate value \"C1\", first seen on line 2
cpo-validate: 2 read, 1 written, 1 rejected"
	[ "$(jq -r .line rej.ndjson)" = 3 ]
}

@test "an unknown option exits 2 with the usage" {
	run -2 --separate-stderr cpo-validate --bogus "$(fixture validate/seed.csv)"
	expect_stdout ''
	expect_stderr "cpo-validate: unknown option '--bogus'
$USAGE"
	run -2 --separate-stderr cpo-validate -x
	expect_stdout ''
	expect_stderr "cpo-validate: unknown option '-x'
$USAGE"
}

@test "a missing option argument exits 2 with the usage" {
	run -2 --separate-stderr cpo-validate --rejects
	expect_stdout ''
	expect_stderr "cpo-validate: option '--rejects' requires an argument
$USAGE"
}

@test "a missing argument to a short option exits 2 with the usage" {
	run -2 --separate-stderr cpo-validate -t
	expect_stdout ''
	expect_stderr "cpo-validate: option '-t' requires an argument
$USAGE"
	run -2 --separate-stderr cpo-validate -s -r
	expect_stdout ''
	expect_stderr "cpo-validate: option '-r' requires an argument
$USAGE"
}

@test "a --format other than csv, ndjson or auto exits 2" {
	run -2 --separate-stderr cpo-validate --format=json "$(fixture validate/seed.csv)"
	expect_stdout ''
	expect_stderr "cpo-validate: --format: expected csv, ndjson or auto, got 'json'
$USAGE"
}

@test "more than one FILE exits 2 with the usage" {
	run -2 --separate-stderr cpo-validate "$(fixture validate/seed.csv)" "$(fixture validate/mixed.csv)"
	expect_stdout ''
	expect_stderr "cpo-validate: too many arguments: expected one FILE
$USAGE"
}

# --- Input and output errors -----------------------------------------------

@test "a missing input file exits 3 naming it" {
	run -3 --separate-stderr cpo-validate missing.csv
	expect_stdout ''
	expect_stderr "cpo-validate: missing.csv: No such file or directory"
}

@test "an input that cannot be read exits 3 with a read error" {
	mkdir dir
	run -3 --separate-stderr cpo-validate dir
	expect_stdout ''
	expect_stderr "cpo-validate: dir: read error: Is a directory"
	run -3 --separate-stderr cpo-validate --format ndjson dir
	expect_stdout ''
	expect_stderr "cpo-validate: dir: read error: Is a directory"
}

@test "a rejects file that cannot be created exits 3 before anything is read" {
	run -3 --separate-stderr cpo-validate --rejects no/such/dir.ndjson "$(fixture validate/seed.csv)"
	expect_stdout ''
	expect_stderr "cpo-validate: no/such/dir.ndjson: No such file or directory"
}

@test "a write error on standard output exits 3" {
	run -3 --separate-stderr sh -c 'cpo-validate "$1" > /dev/full' sh "$(fixture validate/seed.csv)"
	expect_stdout ''
	expect_stderr "cpo-validate: <stdout>: write error: No space left on device"
}

@test "a write error in the middle of a large output exits 3 and is reported once" {
	awk -v header="$HEADER" 'BEGIN {
		print header
		for (i = 1; i <= 20000; i++)
			printf "C%05d,35,Boston,Gold,12,250.00,5,0.45,0.12\n", i
	}' > big.csv
	run -3 --separate-stderr sh -c 'cpo-validate big.csv > /dev/full'
	expect_stdout ''
	expect_stderr "cpo-validate: <stdout>: write error: No space left on device"
}

@test "a write error on the rejects file exits 3" {
	cp "$(fixture validate/mixed.csv)" .
	run -3 --separate-stderr sh -c 'cpo-validate --rejects /dev/full mixed.csv > out.ndjson'
	expect_stdout ''
	expect_stderr "cpo-validate: mixed.csv:3: field 'age': expected an integer from 18 to 120, got \"17\"
cpo-validate: mixed.csv:4: field 'tier': expected one of Gold, Silver, Bronze, got \"Platinum\"
cpo-validate: mixed.csv:4: field 'historical_open_rate': expected a number from 0 to 1, got \"1.50\"
cpo-validate: mixed.csv:6: field 'customer_id': duplicate value \"C001\", first seen on line 2
cpo-validate: 5 read, 2 written, 3 rejected
cpo-validate: /dev/full: write error: No space left on device"
	[ "$(wc -l < out.ndjson)" -eq 2 ]
}

@test "a reader that stops early ends the program quietly" {
	awk -v header="$HEADER" 'BEGIN {
		print header
		for (i = 1; i <= 20000; i++)
			printf "C%05d,35,Boston,Gold,12,250.00,5,0.45,0.12\n", i
	}' > big.csv
	run -0 --separate-stderr bash -c 'trap - PIPE; cpo-validate big.csv 2> err | head -n 1; echo "${PIPESTATUS[0]}"'
	expect_stdout "$(record C00001 35 Boston Gold 12 250 5 0.45 0.12)
141"
	expect_stderr ''
	[ ! -s err ]
}
