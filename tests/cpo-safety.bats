#!/usr/bin/env bats
# cpo-safety, specified by its tests. The test names read like the manual
# page (man/cpo-safety.1); each test checks the exact standard output, the
# exact standard error and the exact exit status. The labelled sentences of
# the offline classifier are a table, tests/fixtures/safety/sentences.tsv;
# the network backends are tested against tests/stub/server.py, started
# once for the file with the routes of tests/fixtures/safety/routes.json.

bats_require_minimum_version 1.5.0
load helpers

USAGE='usage: cpo-safety [--backend local|azure|openai-moderation] [--threshold SPEC] [--audit FILE] [--lexicon DIR] [--jobs N] [--timeout S] [--attempts N] [--explain] [--rejects FILE] [--strict] [--quiet] [FILE]'
HEADER=timestamp,variant_id,customer_id,segment,status,hate_severity,violence_severity,self_harm_severity,sexual_severity,max_severity,threshold_used,blocked_categories,block_reason,backend,text_sha256
AZKEY=stub-key-0123456789
OAKEY=sk-stub-0123456789
export SOURCE_DATE_EPOCH=1700000000
STAMP=2023-11-14T22:13:20Z

setup_file() {
	stub_start "$BATS_FILE_TMPDIR" \
	    --routes "$BATS_TEST_DIRNAME/fixtures/safety/routes.json"
}

teardown_file() {
	stub_stop "$BATS_FILE_TMPDIR"
}

setup() {
	cpo_setup
	STUB=http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/stub.port")
}

# stub METHOD PATH: calls one of the stub's control paths, prints the answer.
stub() {
	python3 -c 'import sys, urllib.request as u
r = u.Request(sys.argv[2], method=sys.argv[1],
    data=b"{}" if sys.argv[1] == "POST" else None)
print(u.urlopen(r).read().decode())' "$1" "$STUB$2"
}

# record ID TEXT...: prints a record with one variant per TEXT, the text as
# its body, variant ids ID-1, ID-2 ...
record() {
	local id=$1 i=0 t v=
	shift
	for t in "$@"; do
		i=$((i + 1))
		v+=$(jq -cn --arg id "$id-$i" --arg b "$t" \
		    '{variant_id: $id, subject: "Hello", body: $b}'),
	done
	printf '{"customer_id":"%s","segment":"At-Risk","variants":[%s]}\n' \
	    "$id" "${v%,}"
}

# verdicts: prints, from the records on standard input, one line a
# variant: id, status, the four severities and the block reason.
verdicts() {
	jq -r '.variants[].safety | [.variant_id, .status,
	    (.severity_scores | .hate, .violence, .self_harm, .sexual
	    | tostring), (.block_reason // "-")] | join(" ")'
}

# sha TEXT: the SHA-256 of the screened text of a variant with subject
# "Hello" and body TEXT.
sha() {
	printf 'Hello\n\n%s' "$1" | sha256sum | cut -c1-64
}

azure() {
	AZURE_CONTENT_SAFETY_ENDPOINT=$STUB AZURE_CONTENT_SAFETY_KEY=$AZKEY \
	    cpo-safety --backend azure --timeout 1 "$@"
}

openai() {
	OPENAI_BASE_URL=$STUB/v1 OPENAI_API_KEY=$OAKEY \
	    cpo-safety --backend openai-moderation --timeout 1 "$@"
}

# --- The Safety Result ---------------------------------------------------

@test "each variant gets a Safety Result with the seed's fields in the seed's order" {
	record C1 'Kill it with this deal.' 'I will kill you.' > in.ndjson
	run -0 --separate-stderr cpo-safety in.ndjson
	expect_stdout '{"customer_id":"C1","segment":"At-Risk","variants":[{"variant_id":"C1-1","subject":"Hello","body":"Kill it with this deal.","safety":{"variant_id":"C1-1","customer_id":"C1","segment":"At-Risk","status":"pass","severity_scores":{"hate":0,"violence":0,"self_harm":0,"sexual":0},"blocked_categories":[],"threshold_used":4,"checked_at":"2023-11-14T22:13:20Z","block_reason":null}},{"variant_id":"C1-2","subject":"Hello","body":"I will kill you.","safety":{"variant_id":"C1-2","customer_id":"C1","segment":"At-Risk","status":"block","severity_scores":{"hate":0,"violence":6,"self_harm":0,"sexual":0},"blocked_categories":["violence"],"threshold_used":4,"checked_at":"2023-11-14T22:13:20Z","block_reason":"Violence severity (6) exceeds threshold (4)"}}]}'
	expect_stderr ''
}

@test "the labelled sentences get exactly the severities the table gives them" {
	local table
	table=$(fixture safety/sentences.tsv)
	grep -v '^#' "$table" | jq -R -c '{customer_id: "T", variants: [{
	    variant_id: "S", subject: "", body: (split("\t")[4])}]}' \
	    > in.ndjson
	[ "$(wc -l < in.ndjson)" -ge 150 ]
	run -0 --separate-stderr cpo-safety --audit audit.csv in.ndjson
	expect_stderr ''
	same 'severities (hate violence self_harm sexual text)' \
	    "$(grep -v '^#' "$table")" \
	    "$(printf '%s\n' "$output" | jq -r '.variants[0] |
	    [(.safety.severity_scores | .hate, .violence, .self_harm,
	    .sexual | tostring), .body] | join("\t")')"
}

@test "variant, customer and segment come from the variant, else from the record" {
	printf '%s\n' '{"customer_id":"C9","variants":[{"variant_id":"V","customer_id":"C8","segment":"New","subject":"","body":"hi"},{"variant_id":"W","subject":"","body":"hi"}]}' > in.ndjson
	run -0 --separate-stderr cpo-safety in.ndjson
	same ids 'V C8 New
W C9 null' "$(printf '%s\n' "$output" | jq -r '.variants[].safety |
	    "\(.variant_id) \(.customer_id) \(.segment)"')"
	expect_stderr ''
}

@test "the subject is screened as well as the body" {
	printf '%s\n' '{"variants":[{"variant_id":"V","subject":"Send nudes","body":"Our spring sale starts today."}]}' > in.ndjson
	run -0 --separate-stderr cpo-safety in.ndjson
	same verdict 'V block 0 0 0 4 Sexual severity (4) reaches threshold (4)' \
	    "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr ''
}

@test "the control message is screened like every other variant" {
	printf '%s\n' '{"customer_id":"C1","variants":[{"variant_id":"control","tone":"control","subject":"News","body":"Go die."}]}' > in.ndjson
	run -0 --separate-stderr cpo-safety in.ndjson
	same verdict 'control block 0 0 6 0 Self-harm severity (6) exceeds threshold (4)' \
	    "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr ''
}

@test "unknown fields of records and variants pass through unchanged and in order" {
	printf '%s\n' '{"z":1,"customer_id":"C1","variants":[{"x":[1,2.5],"variant_id":"V","subject":"","body":"hi","tone":"urgent"}],"a":{"b":null}}' > in.ndjson
	run -0 --separate-stderr cpo-safety in.ndjson
	same 'record without safety' '{"z":1,"customer_id":"C1","variants":[{"x":[1,2.5],"variant_id":"V","subject":"","body":"hi","tone":"urgent"}],"a":{"b":null}}' \
	    "$(printf '%s\n' "$output" | jq -c 'del(.variants[].safety)')"
	expect_stderr ''
}

@test "a record with blanks, escapes or other number forms comes out as cpo programs write JSON" {
	printf '%s\n' '{ "customer_id" : "C\u00e91", "n": 1.50, "m": 1e2, "s": "a\/b\u0007", "variants" : [ { "variant_id":"V", "subject":"Caf\u00e9", "body":"I will kill you." } ] }' > in.ndjson
	run -0 --separate-stderr cpo-safety --audit audit.csv in.ndjson
	expect_stdout '{"customer_id":"Cé1","n":1.5,"m":100,"s":"a/b\u0007","variants":[{"variant_id":"V","subject":"Café","body":"I will kill you.","safety":{"variant_id":"V","customer_id":"Cé1","segment":null,"status":"block","severity_scores":{"hate":0,"violence":6,"self_harm":0,"sexual":0},"blocked_categories":["violence"],"threshold_used":4,"checked_at":"2023-11-14T22:13:20Z","block_reason":"Violence severity (6) exceeds threshold (4)"}}]}'
	expect_stderr ''
	same 'hash of the unescaped text' \
	    "$(printf 'Café\n\nI will kill you.' | sha256sum | cut -c1-64)" \
	    "$(tail -n 1 audit.csv | awk -F, '{ print $NF }')"
}

@test "a variant's earlier Safety Result is replaced where it stands" {
	printf '%s\n' '{"variants":[{"variant_id":"V","safety":{"status":"old"},"subject":"","body":"hi","tone":"urgent"}]}' > in.ndjson
	run -0 --separate-stderr cpo-safety in.ndjson
	expect_stdout '{"variants":[{"variant_id":"V","safety":{"variant_id":"V","customer_id":null,"segment":null,"status":"pass","severity_scores":{"hate":0,"violence":0,"self_harm":0,"sexual":0},"blocked_categories":[],"threshold_used":4,"checked_at":"2023-11-14T22:13:20Z","block_reason":null},"subject":"","body":"hi","tone":"urgent"}]}'
	expect_stderr ''
}

@test "a sentence gets the same severities wherever it recurs, and no pattern spans two sentences" {
	record C1 'Great prices. I will kill you.' 'I will kill you. Great prices.' \
	    'I will. Kill you later' "$(printf 'I will kill\nyou')" \
	    'I will kill: you' 'I will k.i.l.l you' \
	    'We will beat any price. I will kill you' \
	    'Shoot us an email. I will shoot you' 'Great prices.' > in.ndjson
	run -0 --separate-stderr cpo-safety in.ndjson
	same 'violence severities' '6 6 4 0 0 6 6 6 0' \
	    "$(printf '%s\n' "$output" | jq -r '[.variants[].safety
	    .severity_scores.violence | tostring] | join(" ")')"
	expect_stderr ''
}

@test "thousands of records leave in order, each after its audit rows; a rejected one in between keeps its place" {
	for i in $(seq 3000); do
		if [ "$i" = 1500 ]; then
			echo '{"customer_id":"bad"}'
		else
			printf '{"customer_id":"C%d","variants":[{"variant_id":"V%d","subject":"Hi","body":"Our sale. I will kill you. Item %d"}]}\n' "$i" "$i" "$i"
		fi
	done > in.ndjson
	run -1 --separate-stderr cpo-safety --audit audit.csv --rejects rej.ndjson in.ndjson
	same ids "$(seq 3000 | grep -vx 1500 | sed 's/^/C/')" \
	    "$(printf '%s\n' "$output" | jq -r .customer_id)"
	same 'audit variants' "$(seq 3000 | grep -vx 1500 | sed 's/^/V/')" \
	    "$(tail -n +2 audit.csv | cut -d, -f2)"
	same 'blocked' 2999 "$(printf '%s\n' "$output" | grep -c '"status":"block"')"
	same rejects '1500 {"customer_id":"bad"}' \
	    "$(jq -r '"\(.line) \(.input)"' rej.ndjson)"
	expect_stderr "cpo-safety: in.ndjson:1500: field 'variants': missing (run cpo-generate first)
cpo-safety: 3000 read, 2999 written, 1 rejected"
}

@test "a record with an empty variants array passes through unchanged and adds no audit row" {
	printf '%s\n' '{"customer_id":"C1","variants":[]}' > in.ndjson
	run -0 --separate-stderr cpo-safety --audit audit.csv in.ndjson
	expect_stdout '{"customer_id":"C1","variants":[]}'
	expect_stderr ''
	same audit "$HEADER" "$(cat audit.csv)"
}

@test "records without variants or with malformed ones are rejected with every reason, exit 1" {
	printf '%s\n' '{"customer_id":"C1"}' '{"variants":{}}' \
	    '{"variants":[3,{"variant_id":7,"body":"x"}]}' 'nope' \
	    '{"variants":[{"variant_id":"V","subject":"s","body":"fine"}]}' \
	    > in.ndjson
	run -1 --separate-stderr cpo-safety --rejects rej.ndjson in.ndjson
	same verdict 'V pass 0 0 0 0 -' "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr "cpo-safety: in.ndjson:1: field 'variants': missing (run cpo-generate first)
cpo-safety: in.ndjson:2: field 'variants': expected an array, got object
cpo-safety: in.ndjson:3: field 'variants[0]': expected an object, got number
cpo-safety: in.ndjson:3: field 'variants[1].variant_id': expected a string, got number
cpo-safety: in.ndjson:3: field 'variants[1].subject': missing
cpo-safety: in.ndjson:4: invalid JSON at column 1
cpo-safety: 5 read, 1 written, 4 rejected"
	same rejects '1 2 3 4' "$(jq -r .line rej.ndjson | tr '\n' ' ' | sed 's/ $//')"
}

@test "--strict stops at the first rejected record, after writing the ones before it" {
	printf '%s\n' '{"variants":[{"variant_id":"V","subject":"","body":"a"}]}' \
	    '{"customer_id":"C1"}' \
	    '{"variants":[{"variant_id":"W","subject":"","body":"b"}]}' > in.ndjson
	run -1 --separate-stderr cpo-safety --strict in.ndjson
	same verdict 'V pass 0 0 0 0 -' "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr "cpo-safety: in.ndjson:2: field 'variants': missing (run cpo-generate first)
cpo-safety: 2 read, 1 written, 1 rejected"
}

@test "standard input is read when FILE is - or left out" {
	record C1 'hello' > in.ndjson
	run -0 --separate-stderr cpo-safety - < in.ndjson
	same verdict 'C1-1 pass 0 0 0 0 -' "$(printf '%s\n' "$output" | verdicts)"
	run -1 --separate-stderr cpo-safety < <(echo '{}')
	expect_stdout ''
	expect_stderr "cpo-safety: <stdin>:1: field 'variants': missing (run cpo-generate first)
cpo-safety: 1 read, 0 written, 1 rejected"
}

# --- Policy ---------------------------------------------------------------

@test "a severity that reaches the threshold blocks, one below passes" {
	record C1 'Sexy new looks.' 'Send nudes.' 'Kill them.' > in.ndjson
	run -0 --separate-stderr cpo-safety in.ndjson
	same verdicts 'C1-1 pass 0 0 0 2 -
C1-2 block 0 0 0 4 Sexual severity (4) reaches threshold (4)
C1-3 block 0 4 0 0 Violence severity (4) reaches threshold (4)' \
	    "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr ''
}

@test "--threshold N sets the threshold of every category" {
	record C1 'Sexy new looks.' 'Send nudes.' 'I will kill you.' > in.ndjson
	run -0 --separate-stderr cpo-safety --threshold 2 in.ndjson
	same verdicts 'C1-1 block 0 0 0 2 Sexual severity (2) reaches threshold (2)
C1-2 block 0 0 0 4 Sexual severity (4) exceeds threshold (2)
C1-3 block 0 6 0 0 Violence severity (6) exceeds threshold (2)' \
	    "$(printf '%s\n' "$output" | verdicts)"
	run -0 --separate-stderr cpo-safety --threshold 7 in.ndjson
	same verdicts 'C1-1 pass 0 0 0 2 -
C1-2 pass 0 0 0 4 -
C1-3 pass 0 6 0 0 -' "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr ''
}

@test "--threshold CATEGORY=N sets one category; threshold_used is the first blocked category's, else the lowest" {
	record C1 'Sexy new looks.' 'Kill them.' 'Welcome!' > in.ndjson
	run -0 --separate-stderr cpo-safety --threshold 6,sexual=2 in.ndjson
	same verdicts 'C1-1 block 0 0 0 2 Sexual severity (2) reaches threshold (2)
C1-2 pass 0 4 0 0 -
C1-3 pass 0 0 0 0 -' "$(printf '%s\n' "$output" | verdicts)"
	same thresholds '2 2 2' "$(printf '%s\n' "$output" |
	    jq -r '[.variants[].safety.threshold_used | tostring] | join(" ")')"
	expect_stderr ''
}

@test "every blocked category is listed, in the seed's order, and named in the reason" {
	record C1 'I will rape you.' 'Kill all Jews.' > in.ndjson
	run -0 --separate-stderr cpo-safety in.ndjson
	same categories '["violence","sexual"] Violence severity (6) exceeds threshold (4); Sexual severity (6) exceeds threshold (4)
["hate","violence"] Hate severity (6) exceeds threshold (4); Violence severity (6) exceeds threshold (4)' \
	    "$(printf '%s\n' "$output" | jq -r '.variants[].safety |
	    "\(.blocked_categories | tojson) \(.block_reason)"')"
	expect_stderr ''
}

@test "a bad --threshold exits 2 naming the problem" {
	run -2 --separate-stderr cpo-safety --threshold gore=4 < /dev/null
	expect_stdout ''
	expect_stderr "cpo-safety: --threshold: unknown category 'gore' (expected hate, violence, self_harm or sexual)
$USAGE"
	run -2 --separate-stderr cpo-safety --threshold hate=2,8x < /dev/null
	expect_stderr "cpo-safety: --threshold: expected a severity from 1 to 7, got '8x'
$USAGE"
}

@test "--explain adds the lexicon patterns that matched and the words they matched" {
	local threat aimed
	threat=$(grep -n -x '6 @iwill @intens? @intens? @harm @person' \
	    "$CPO_ROOT/data/safety/violence.txt" | cut -d: -f1)
	aimed=$(grep -n -x '4 @kill @person' \
	    "$CPO_ROOT/data/safety/violence.txt" | cut -d: -f1)
	record C1 'I will k.i.l.l you, shoot us an email.' > in.ndjson
	run -0 --separate-stderr cpo-safety --explain in.ndjson
	same matches '[{"category":"violence","severity":6,"rule":"safety/violence.txt:'"$threat"'","text":"I will k.i.l.l you"},{"category":"violence","severity":4,"rule":"safety/violence.txt:'"$aimed"'","text":"k.i.l.l you"}]' \
	    "$(printf '%s\n' "$output" | jq -c '.variants[0].safety.matches')"
	expect_stderr ''
}

# --- The lexicon ------------------------------------------------------------

@test "--lexicon DIR reads the six lexicon files from DIR instead" {
	mkdir lex
	cp "$CPO_ROOT"/data/safety/*.txt lex/
	echo '4 quux' >> lex/violence.txt
	record C1 'quux' > in.ndjson
	run -0 --separate-stderr cpo-safety --lexicon lex in.ndjson
	same verdict 'C1-1 block 0 4 0 0 Violence severity (4) reaches threshold (4)' \
	    "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr ''
	run -0 --separate-stderr cpo-safety in.ndjson
	same verdict 'C1-1 pass 0 0 0 0 -' "$(printf '%s\n' "$output" | verdicts)"
}

@test "a bad lexicon line exits 2 naming its file and line" {
	mkdir lex
	cp "$CPO_ROOT"/data/safety/*.txt lex/
	printf '5 foo\n' >> lex/hate.txt
	run -2 --separate-stderr cpo-safety --lexicon lex < /dev/null
	expect_stdout ''
	expect_stderr "cpo-safety: lex/hate.txt:$(wc -l < lex/hate.txt): expected a severity (2, 4 or 6) and a pattern"
	cp "$CPO_ROOT"/data/safety/hate.txt lex/
	printf '4 @nosuchclass\n' >> lex/sexual.txt
	run -2 --separate-stderr cpo-safety --lexicon lex < /dev/null
	expect_stderr "cpo-safety: lex/sexual.txt:$(wc -l < lex/sexual.txt): unknown class '@nosuchclass'"
}

@test "a lexicon file that cannot be read exits 3" {
	mkdir lex
	run -3 --separate-stderr cpo-safety --lexicon lex < /dev/null
	expect_stdout ''
	expect_stderr 'cpo-safety: lex/classes.txt: No such file or directory'
}

# --- The audit log ------------------------------------------------------------

@test "the audit log gets a header and one row per message, with the SHA-256 of subject, blank line and body" {
	record C1 'Kill it with this deal.' 'I will kill you.' > in.ndjson
	run -0 --separate-stderr cpo-safety --audit audit.csv in.ndjson
	expect_stderr ''
	same audit "$HEADER
$STAMP,C1-1,C1,At-Risk,pass,0,0,0,0,0,4,,,local,$(sha 'Kill it with this deal.')
$STAMP,C1-2,C1,At-Risk,block,0,6,0,0,6,4,violence,Violence severity (6) exceeds threshold (4),local,$(sha 'I will kill you.')" \
	    "$(cat audit.csv)"
}

@test "the audit log is logs/safety_audit.csv by default, its directories created" {
	record C1 'hello' > in.ndjson
	run -0 --separate-stderr cpo-safety in.ndjson
	same audit "$HEADER
$STAMP,C1-1,C1,At-Risk,pass,0,0,0,0,0,4,,,local,$(sha hello)" \
	    "$(cat logs/safety_audit.csv)"
	run -0 --separate-stderr cpo-safety --audit a/b/c/audit.csv in.ndjson
	[ -f a/b/c/audit.csv ]
}

@test "the audit log is appended to, never rewritten, and gets its header only once" {
	record C1 'hello' > in.ndjson
	run -0 --separate-stderr cpo-safety --audit audit.csv in.ndjson
	run -0 --separate-stderr cpo-safety --audit audit.csv in.ndjson
	same audit "$HEADER
$STAMP,C1-1,C1,At-Risk,pass,0,0,0,0,0,4,,,local,$(sha hello)
$STAMP,C1-1,C1,At-Risk,pass,0,0,0,0,0,4,,,local,$(sha hello)" \
	    "$(cat audit.csv)"
}

@test "CSV fields with commas, quotes or line ends are quoted, quotes doubled" {
	printf '%s\n' '{"customer_id":"C,1","segment":"say \"hi\"","variants":[{"variant_id":"V\n1","subject":"","body":"Send nudes. Kill them."}]}' > in.ndjson
	run -0 --separate-stderr cpo-safety --audit audit.csv in.ndjson
	same audit "$HEADER
$STAMP,\"V
1\",\"C,1\",\"say \"\"hi\"\"\",block,0,4,0,4,4,4,violence;sexual,Violence severity (4) reaches threshold (4); Sexual severity (4) reaches threshold (4),local,$(printf '\n\nSend nudes. Kill them.' | sha256sum | cut -c1-64)" \
	    "$(cat audit.csv)"
}

@test "a file that does not start with the audit header is refused, exit 2" {
	echo 'name,age' > audit.csv
	run -2 --separate-stderr cpo-safety --audit audit.csv < /dev/null
	expect_stdout ''
	expect_stderr 'cpo-safety: audit.csv: not a cpo-safety audit log (its first line is not the audit header)'
	same 'file left alone' 'name,age' "$(cat audit.csv)"
}

@test "an audit log that cannot be opened exits 3" {
	echo x > file
	run -3 --separate-stderr cpo-safety --audit file/audit.csv < /dev/null
	expect_stdout ''
	expect_stderr 'cpo-safety: file/audit.csv: Not a directory'
}

# --- Options ----------------------------------------------------------------

@test "--help prints the usage and the options to standard output and exits 0" {
	run -0 --separate-stderr cpo-safety --help
	same 'first line' "$USAGE" "${lines[0]}"
	expect_stderr ''
}

@test "--version prints the version and exits 0" {
	run -0 --separate-stderr cpo-safety --version
	[[ $output =~ ^cpo-safety\ \(cpo\)\ [0-9] ]]
	expect_stderr ''
}

@test "an unknown option, an unknown backend, a bad --jobs and a second FILE exit 2 with the usage" {
	run -2 --separate-stderr cpo-safety --bogus
	expect_stdout ''
	expect_stderr "cpo-safety: unknown option '--bogus'
$USAGE"
	run -2 --separate-stderr cpo-safety --backend gpt
	expect_stderr "cpo-safety: --backend: expected local, azure or openai-moderation, got 'gpt'
$USAGE"
	run -2 --separate-stderr cpo-safety --jobs 0
	expect_stderr "cpo-safety: --jobs: expected an integer from 1 to 256, got '0'
$USAGE"
	run -2 --separate-stderr cpo-safety --timeout 0
	expect_stderr "cpo-safety: --timeout: expected a number of seconds from 0.001 to 3600, got '0'
$USAGE"
	run -2 --separate-stderr cpo-safety --attempts 11
	expect_stderr "cpo-safety: --attempts: expected an integer from 1 to 10, got '11'
$USAGE"
	run -2 --separate-stderr cpo-safety a b
	expect_stderr "cpo-safety: too many arguments: expected one FILE
$USAGE"
}

@test "a SOURCE_DATE_EPOCH that is not a non-negative integer exits 2" {
	SOURCE_DATE_EPOCH=yesterday run -2 --separate-stderr cpo-safety < /dev/null
	expect_stdout ''
	expect_stderr "cpo-safety: SOURCE_DATE_EPOCH: expected a non-negative integer, got 'yesterday'"
}

@test "an input file that cannot be opened exits 3" {
	run -3 --separate-stderr cpo-safety --audit /dev/null missing.ndjson
	expect_stdout ''
	expect_stderr 'cpo-safety: missing.ndjson: No such file or directory'
}

# --- Azure AI Content Safety --------------------------------------------------

@test "--backend azure posts text:analyze with the key header and reads the categories by name, in any order" {
	stub POST /_stub/reset > /dev/null
	record C1 fine hateful > in.ndjson
	run -0 --separate-stderr azure --audit audit.csv in.ndjson
	same verdicts 'C1-1 pass 0 0 0 0 -
C1-2 block 6 2 0 0 Hate severity (6) exceeds threshold (4)' \
	    "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr ''
	same request '/contentsafety/text:analyze api-version=2024-09-01 stub-key-0123456789 {"text":"Hello\n\nfine","categories":["Hate","Violence","SelfHarm","Sexual"],"outputType":"FourSeverityLevels"}' \
	    "$(stub GET /_stub/log | jq -r 'map(select(.body | contains("fine")))[0] |
	    "\(.path) \(.query) \(.headers["Ocp-Apim-Subscription-Key"]) \(.body)"')"
	same 'audit backend' 'azure azure' "$(tail -n 2 audit.csv | cut -d, -f14 | tr '\n' ' ' | sed 's/ $//')"
}

@test "a 429 or 503 is retried after the wait the server asks for, then succeeds" {
	stub POST /_stub/reset > /dev/null
	record C1 flaky429 flaky503 > in.ndjson
	run -0 --separate-stderr azure in.ndjson
	same verdicts 'C1-1 pass 0 0 0 0 -
C1-2 pass 0 0 0 2 -' "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr ''
	same requests 4 "$(stub GET /_stub/stats | jq .requests)"
}

@test "a connection reset and a truncated answer are retried" {
	stub POST /_stub/reset > /dev/null
	record C1 reset truncated > in.ndjson
	run -0 --separate-stderr azure in.ndjson
	same verdicts 'C1-1 pass 0 0 0 0 -
C1-2 pass 0 0 0 0 -' "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr ''
	same requests 4 "$(stub GET /_stub/stats | jq .requests)"
}

@test "a 500 on every attempt blocks the message (fail closed), names the error and exits 1" {
	stub POST /_stub/reset > /dev/null
	record C1 broken fine > in.ndjson
	run -1 --separate-stderr azure --audit audit.csv in.ndjson
	same verdicts 'C1-1 block null null null null screening failed: azure: HTTP 500 after 3 attempts: "Failed for key [redacted]"
C1-2 pass 0 0 0 0 -' "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr 'cpo-safety: in.ndjson:1: variant '\''C1-1'\'': blocked, screening failed: azure: HTTP 500 after 3 attempts: "Failed for key [redacted]"
cpo-safety: 1 of 2 messages could not be screened and were blocked'
	same 'audit row' "$STAMP,C1-1,C1,At-Risk,block,,,,,,4,,\"screening failed: azure: HTTP 500 after 3 attempts: \"\"Failed for key [redacted]\"\"\",azure,$(sha broken)" \
	    "$(sed -n 2p audit.csv)"
}

@test "a timeout, a garbage body, a missing category, an odd severity and a wrong shape all block, exit 1" {
	record C1 slow garbage partial oddlevel wrongshape invalid > in.ndjson
	run -1 --separate-stderr azure --attempts 1 in.ndjson
	same verdicts 'C1-1 block null null null null screening failed: azure: timed out after 1 s (1 attempt)
C1-2 block null null null null screening failed: azure: unexpected answer: invalid JSON at line 1, column 47
C1-3 block null null null null screening failed: azure: unexpected answer: no severity for '\''SelfHarm'\''
C1-4 block null null null null screening failed: azure: unexpected answer: category '\''Violence'\'': expected a severity of 0, 2, 4 or 6, got 3
C1-5 block null null null null screening failed: azure: unexpected answer: no '\''categoriesAnalysis'\'' array
C1-6 block null null null null screening failed: azure: HTTP 400 after 1 attempt: "The text is not valid."' \
	    "$(printf '%s\n' "$output" | verdicts)"
	same 'last line of stderr' 'cpo-safety: 6 of 6 messages could not be screened and were blocked' \
	    "$(printf '%s\n' "$stderr" | tail -n 1)"
}

@test "a Retry-After longer than 30 seconds ends the retries at once and blocks" {
	record C1 busy > in.ndjson
	run -1 --separate-stderr azure in.ndjson
	same verdict 'C1-1 block null null null null screening failed: azure: HTTP 429 after 1 attempt (asked to wait 120 s, more than 30 s)' \
	    "$(printf '%s\n' "$output" | verdicts)"
}

@test "a refused key (401 or 403) blocks every message, sends no more requests and exits 3" {
	stub POST /_stub/reset > /dev/null
	record C1 fine fine2 > in.ndjson
	record C2 fine3 >> in.ndjson
	AZURE_CONTENT_SAFETY_ENDPOINT=$STUB/denied \
	    AZURE_CONTENT_SAFETY_KEY=$AZKEY run -3 --separate-stderr \
	    cpo-safety --backend azure --jobs 1 in.ndjson
	same verdicts 'C1-1 block null null null null screening failed: azure: HTTP 401 after 1 attempt: "Access denied due to invalid subscription key."
C1-2 block null null null null screening failed: not screened: azure: HTTP 401 after 1 attempt: "Access denied due to invalid subscription key."
C2-1 block null null null null screening failed: not screened: azure: HTTP 401 after 1 attempt: "Access denied due to invalid subscription key."' \
	    "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr 'cpo-safety: in.ndjson:1: variant '\''C1-1'\'': blocked, screening failed: azure: HTTP 401 after 1 attempt: "Access denied due to invalid subscription key."
cpo-safety: 3 of 3 messages could not be screened and were blocked
cpo-safety: --backend: azure: HTTP 401 after 1 attempt: "Access denied due to invalid subscription key."'
	same requests 1 "$(stub GET /_stub/stats | jq .requests)"
	AZURE_CONTENT_SAFETY_ENDPOINT=$STUB/forbidden \
	    AZURE_CONTENT_SAFETY_KEY=$AZKEY run -3 --separate-stderr \
	    cpo-safety --backend azure --jobs 1 in.ndjson
	same 'last line of stderr' 'cpo-safety: --backend: azure: HTTP 403 after 1 attempt: "Forbidden"' \
	    "$(printf '%s\n' "$stderr" | tail -n 1)"
}

@test "identical texts are screened once per run" {
	stub POST /_stub/reset > /dev/null
	record C1 fine-twice fine-twice > in.ndjson
	record C2 fine-twice >> in.ndjson
	run -0 --separate-stderr azure --jobs 1 in.ndjson
	same verdicts 'C1-1 pass 0 0 0 0 -
C1-2 pass 0 0 0 0 -
C2-1 pass 0 0 0 0 -' "$(printf '%s\n' "$output" | verdicts)"
	same requests 1 "$(stub GET /_stub/stats | jq .requests)"
}

@test "--jobs N keeps up to N requests in flight, and records come out in input order" {
	local i
	stub POST /_stub/reset > /dev/null
	for i in 1 2 3 4 5 6 7 8; do
		record "C$i" "paced $i"
	done > in.ndjson
	run -0 --separate-stderr azure --jobs 4 in.ndjson
	same order 'C1 C2 C3 C4 C5 C6 C7 C8' \
	    "$(printf '%s\n' "$output" | jq -r .customer_id | tr '\n' ' ' | sed 's/ $//')"
	same 'most in flight' 4 "$(stub GET /_stub/stats | jq .max_in_flight)"
}

@test "the API key appears in no output, audit row or message" {
	record C1 broken hateful > in.ndjson
	run -1 --separate-stderr azure --audit audit.csv in.ndjson
	! grep -q "$AZKEY" audit.csv
	[[ $output != *"$AZKEY"* ]]
	[[ $stderr != *"$AZKEY"* ]]
	[[ $stderr = *'[redacted]'* ]]
}

@test "a backend without its endpoint or key in the environment exits 2" {
	AZURE_CONTENT_SAFETY_ENDPOINT= AZURE_CONTENT_SAFETY_KEY=x run -2 \
	    --separate-stderr cpo-safety --backend azure < /dev/null
	expect_stdout ''
	expect_stderr 'cpo-safety: --backend: azure needs AZURE_CONTENT_SAFETY_ENDPOINT in the environment'
	OPENAI_API_KEY= run -2 --separate-stderr cpo-safety \
	    --backend openai-moderation < /dev/null
	expect_stderr 'cpo-safety: --backend: openai-moderation needs OPENAI_API_KEY in the environment'
}

# --- OpenAI moderation --------------------------------------------------------

@test "--backend openai-moderation posts to /moderations with a bearer key and maps scores by the table" {
	stub POST /_stub/reset > /dev/null
	record C1 fine table boundary > in.ndjson
	run -0 --separate-stderr openai in.ndjson
	same verdicts 'C1-1 pass 0 0 0 0 -
C1-2 block 4 6 4 6 Hate severity (4) reaches threshold (4); Violence severity (6) exceeds threshold (4); Self-harm severity (4) reaches threshold (4); Sexual severity (6) exceeds threshold (4)
C1-3 block 2 4 0 6 Violence severity (4) reaches threshold (4); Sexual severity (6) exceeds threshold (4)' \
	    "$(printf '%s\n' "$output" | verdicts)"
	expect_stderr ''
	same request '/v1/moderations Bearer sk-stub-0123456789 {"model":"omni-moderation-latest","input":"Hello\n\nfine"}' \
	    "$(stub GET /_stub/log | jq -r 'map(select(.body | contains("fine")))[0] |
	    "\(.path) \(.headers.Authorization) \(.body)"')"
}

@test "a moderation answer without a required score or with a bad one blocks, exit 1" {
	record C1 noscores badscore > in.ndjson
	run -1 --separate-stderr openai in.ndjson
	same verdicts 'C1-1 block null null null null screening failed: openai-moderation: unexpected answer: score '\''sexual'\'': expected a number from 0 to 1, got nothing
C1-2 block null null null null screening failed: openai-moderation: unexpected answer: score '\''hate'\'': expected a number from 0 to 1, got "high"' \
	    "$(printf '%s\n' "$output" | verdicts)"
}

@test "a service that cannot be reached blocks every message, exit 1" {
	record C1 fine > in.ndjson
	AZURE_CONTENT_SAFETY_ENDPOINT=http://127.0.0.1:1 \
	    AZURE_CONTENT_SAFETY_KEY=$AZKEY run -1 --separate-stderr \
	    cpo-safety --backend azure --attempts 2 in.ndjson
	same status 'C1-1 block' "$(printf '%s\n' "$output" | verdicts | cut -d' ' -f1,2)"
	[[ $stderr = *'(2 attempts)'* ]]
}
