#!/usr/bin/env bats
# Faults in services: every network backend (cpo-generate's openai and
# azure-openai, cpo-safety's azure and openai-moderation, cpo-retrieve's
# azure-search) against tests/stub/server.py injecting one fault at a time.
# The five backends of a test run at once, each in its own directory: they
# post to different paths, whose rules and counts the stub keeps apart, and
# most of a fault's time is spent waiting for a time-out or a backoff.
# Each ends in bounded time (every run is under `timeout 60`; --timeout is
# 10 s, and 2 s where the fault is a wait) with the documented outcome: a transient fault is retried and the
# record succeeds; a bad answer fails that record (rejected, or blocked by
# safety, which fails closed); a refused key or endpoint stops the run with
# exit 3. And the API key appears in no output, message, rejects file, audit
# log or cache file.

bats_require_minimum_version 1.5.0
load helpers

KEY=sk-fault-secret-4242424242
BACKENDS=(openai azure-openai azure openai-moderation azure-search)
export SOURCE_DATE_EPOCH=1767225600

setup_file() {
	stub_start "$BATS_FILE_TMPDIR"
}

teardown_file() {
	stub_stop "$BATS_FILE_TMPDIR"
}

setup() {
	cpo_setup
	PORT=$(cat "$BATS_FILE_TMPDIR/stub.port")
	STUB=http://127.0.0.1:$PORT
	local f=$BATS_TEST_DIRNAME/fixtures
	head -n 1 "$f/generate/records.ndjson" > gen.in
	echo '{"customer_id":"C1","segment":"At-Risk","variants":[{"variant_id":"V1","subject":"Hello","body":"A fine offer."}]}' > safety.in
	echo '{"customer_id":"C1","segment":"High-Value Recent","tier":"Gold","features":{"avg_purchase_frequency":26,"avg_order_value":328.15,"engagement_score":0.49}}' > retrieve.in
}

# stub METHOD PATH [BODY]: calls a control path of the stub. curl, since
# python3 can take seconds to start on a loaded machine.
stub() {
	if [ "$1" = POST ]; then
		curl -sS -X POST --data-binary "${3:-{\}}" "$STUB$2"
	else
		curl -sS "$STUB$2"
	fi
	echo
}

# path_of BACKEND: the path the backend posts to.
path_of() {
	case $1 in
	openai) echo /v1/chat/completions ;;
	azure-openai) echo /openai/deployments/mail/chat/completions ;;
	azure) echo /contentsafety/text:analyze ;;
	openai-moderation) echo /v1/moderations ;;
	azure-search) echo /indexes/passages/docs/search ;;
	esac
}

# good_answer BACKEND: a correct answer of the backend, as JSON.
good_answer() {
	local f=$BATS_TEST_DIRNAME/fixtures
	case $1 in
	openai | azure-openai) cat "$f/generate/llm/good.json" ;;
	azure) jq -c '."/contentsafety/text:analyze"[0].json' \
	    "$f/safety/routes.json" ;;
	openai-moderation) jq -c '."/v1/moderations"[0].json' \
	    "$f/safety/routes.json" ;;
	azure-search) echo '{"@odata.count":2,"value":[{"@search.score":3.25,"document_id":"AZ1","title":"Remote Returns Policy","snippet":"Returns are free for 60 days.","paragraph_index":0},{"@search.score":2.5,"document_id":"AZ2","title":"Remote Shipping Times","snippet":"Standard shipping takes 3 to 5 days.","paragraph_index":0}]}' ;;
	esac
}

# backend BACKEND URL: runs the program of BACKEND on its one record with the
# service at URL, writing out, err, rej (and cache/ or audit.csv); prints
# its exit status.
backend() {
	local st=0
	rm -rf out err rej cache audit.csv
	case $1 in
	openai)
		OPENAI_API_KEY=$KEY timeout 60 cpo-generate --backend openai \
		    --url "$2/v1" --tones urgent --timeout "${TIMEOUT:-10}" --cache cache \
		    --rejects rej gen.in > out 2> err || st=$? ;;
	azure-openai)
		AZURE_OPENAI_API_KEY=$KEY timeout 60 cpo-generate \
		    --backend azure-openai --url "$2" --model mail \
		    --tones urgent --timeout "${TIMEOUT:-10}" --cache cache --rejects rej \
		    gen.in > out 2> err || st=$? ;;
	azure)
		AZURE_CONTENT_SAFETY_ENDPOINT=$2 AZURE_CONTENT_SAFETY_KEY=$KEY \
		    timeout 60 cpo-safety --backend azure --timeout "${TIMEOUT:-10}" \
		    --audit audit.csv --rejects rej safety.in > out 2> err ||
		    st=$? ;;
	openai-moderation)
		OPENAI_BASE_URL=$2/v1 OPENAI_API_KEY=$KEY timeout 60 \
		    cpo-safety --backend openai-moderation --timeout "${TIMEOUT:-10}" \
		    --audit audit.csv --rejects rej safety.in > out 2> err ||
		    st=$? ;;
	azure-search)
		AZURE_SEARCH_ENDPOINT=$2/ AZURE_SEARCH_INDEX=passages \
		    AZURE_SEARCH_KEY=$KEY timeout 60 cpo-retrieve \
		    --backend azure-search --timeout "${TIMEOUT:-10}" --rejects rej \
		    retrieve.in > out 2> err || st=$? ;;
	esac
	echo "$st"
}

# outcome BACKEND STATUS STATS: one line saying how the run ended: the exit
# status, the requests the fault and the good answer got (from STATS, the
# stub's /_stub/stats after the run), what became of the record, and the
# first message, with the port written PORT.
outcome() {
	local be=$1 st=$2 what answered
	answered=$(jq -c --arg p "$(path_of "$be")" '.answered[$p]' <<< "$3")
	if [ ! -s out ]; then
		what="rejected $(jq -r .line rej 2> /dev/null | tr '\n' ' ')"
		what=${what% }
		[ -s rej ] || what="no output"
	else
		case $be in
		openai | azure-openai)
			what=$(jq -r '.variants[0] | if .subject != "" then
			    "written" else "blocked" end' out) ;;
		azure | openai-moderation)
			what=$(jq -r '.variants[0].safety | .status' out) ;;
		azure-search)
			what="results $(jq '.retrieval.results | length' out)" ;;
		esac
	fi
	printf '%s: exit %s, answered %s, %s: %s\n' "$be" "$st" "$answered" \
	    "$what" "$(head -n 1 err | sed -e "s/$PORT/PORT/g" \
	    -e 's|OpenSSL/[0-9.]*|OpenSSL|')"
}

# key_never_shown: fails, naming the file, when the key is in any file the
# run wrote.
key_never_shown() {
	local hits
	hits=$(grep -rl -- "$KEY" out err rej cache audit.csv 2> /dev/null) ||
	    true
	same "files showing the key" "" "$hits"
}

# all_backends URL: runs every backend at once against URL, each in a
# directory named after it holding copies of the inputs (so that messages
# name them as before), its exit status in BACKEND/status; waits for all.
all_backends() {
	local be
	local -a pids=()
	for be in "${BACKENDS[@]}"; do
		mkdir "$be"
		cp gen.in safety.in retrieve.in "$be"
		(cd "$be" && backend "$be" "$1" > status) &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# fault RULE [SCHEME]: for every backend, makes the stub answer with RULE
# and then, when RULE has "times", with a good answer; runs the backends
# with URL scheme SCHEME (http); prints one outcome line per backend, in the
# order of BACKENDS.
fault() {
	local rule=$1 scheme=${2:-http} be routes='{}' stats
	for be in "${BACKENDS[@]}"; do
		routes=$(jq -cn --argjson all "$routes" --arg p "$(path_of "$be")" \
		    --argjson r "$rule" --argjson g "$(good_answer "$be")" \
		    '$all + {($p): [$r, {json: $g}]}')
	done
	stub POST /_stub/routes "$routes" > /dev/null
	all_backends "$scheme://127.0.0.1:$PORT"
	stats=$(stub GET /_stub/stats)
	for be in "${BACKENDS[@]}"; do
		(
			cd "$be" || exit 1
			outcome "$be" "$(cat status)" "$stats"
			key_never_shown >&2 || echo "$be: the key was shown"
		)
	done
}

# --- transient faults: retried, then the record succeeds -------------------

@test "a slow first byte times out, is retried and succeeds" {
	TIMEOUT=2 run -0 fault '{"delay":5,"times":1}'
	expect_stdout 'openai: exit 0, answered [1,1], written: cpo-generate: requests 1, answered from the cache 0, tokens 900 in and 260 out, cost $0.0003
azure-openai: exit 0, answered [1,1], written: cpo-generate: requests 1, answered from the cache 0, tokens 900 in and 260 out, cost $0.0000 (no price for model '"'mail'"': counted as 0)
azure: exit 0, answered [1,1], pass: 
openai-moderation: exit 0, answered [1,1], pass: 
azure-search: exit 0, answered [1,1], results 2: '
}

@test "a stall in the middle of the body times out, is retried and succeeds" {
	TIMEOUT=2 run -0 fault '{"fault":"stall","stall":6,"size":4000,"times":1}'
	expect_stdout 'openai: exit 0, answered [1,1], written: cpo-generate: requests 1, answered from the cache 0, tokens 900 in and 260 out, cost $0.0003
azure-openai: exit 0, answered [1,1], written: cpo-generate: requests 1, answered from the cache 0, tokens 900 in and 260 out, cost $0.0000 (no price for model '"'mail'"': counted as 0)
azure: exit 0, answered [1,1], pass: 
openai-moderation: exit 0, answered [1,1], pass: 
azure-search: exit 0, answered [1,1], results 2: '
}

@test "a connection reset is retried and succeeds" {
	run -0 fault '{"fault":"reset","times":1}'
	expect_stdout 'openai: exit 0, answered [1,1], written: cpo-generate: requests 1, answered from the cache 0, tokens 900 in and 260 out, cost $0.0003
azure-openai: exit 0, answered [1,1], written: cpo-generate: requests 1, answered from the cache 0, tokens 900 in and 260 out, cost $0.0000 (no price for model '"'mail'"': counted as 0)
azure: exit 0, answered [1,1], pass: 
openai-moderation: exit 0, answered [1,1], pass: 
azure-search: exit 0, answered [1,1], results 2: '
}

# transient STATUS [HEADERS]: the outcome of one answer of STATUS and then a
# good one, which is the same for 408, 429, 500, 502 and 503.
transient() {
	local headers=${2:-'{}'}
	run -0 fault "{\"status\":$1,\"headers\":$headers,\"times\":1}"
	expect_stdout 'openai: exit 0, answered [1,1], written: cpo-generate: requests 1, answered from the cache 0, tokens 900 in and 260 out, cost $0.0003
azure-openai: exit 0, answered [1,1], written: cpo-generate: requests 1, answered from the cache 0, tokens 900 in and 260 out, cost $0.0000 (no price for model '"'mail'"': counted as 0)
azure: exit 0, answered [1,1], pass: 
openai-moderation: exit 0, answered [1,1], pass: 
azure-search: exit 0, answered [1,1], results 2: '
}

@test "408 is retried and succeeds" {
	transient 408
}

@test "429 with Retry-After is retried after the wait and succeeds" {
	transient 429 '{"Retry-After":"1"}'
}

@test "429 with retry-after-ms is retried after the wait and succeeds" {
	transient 429 '{"retry-after-ms":"300"}'
}

@test "500 is retried and succeeds" {
	transient 500
}

@test "502 is retried and succeeds" {
	transient 502
}

@test "503 is retried and succeeds" {
	transient 503
}

# --- faults that last --------------------------------------------------------

@test "500 on every try: the record is rejected, its message left out or blocked" {
	run -0 fault '{"status":500}'
	expect_stdout "openai: exit 1, answered [3,0], written: cpo-generate: gen.in:1: customer \"C101\", tone 'urgent': not generated: HTTP 500 after 3 attempts: the answer is not JSON
azure-openai: exit 1, answered [3,0], written: cpo-generate: gen.in:1: customer \"C101\", tone 'urgent': not generated: HTTP 500 after 3 attempts: the answer is not JSON
azure: exit 1, answered [3,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: azure: HTTP 500 after 3 attempts
openai-moderation: exit 1, answered [3,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: openai-moderation: HTTP 500 after 3 attempts
azure-search: exit 1, answered [3,0], rejected 1: cpo-retrieve: retrieve.in:1: azure-search: HTTP 500 after 3 attempts"
}

@test "401 stops the run with exit 3 (safety blocks the message first), the key redacted" {
	run -0 fault '{"status":401,"json":{"error":{"message":"Incorrect API key provided: sk-fault-secret-4242424242."}}}'
	expect_stdout "openai: exit 3, answered [1,0], no output: cpo-generate: http://127.0.0.1:PORT/v1/chat/completions: HTTP 401 after 1 attempt: Incorrect API key provided: [redacted].
azure-openai: exit 3, answered [1,0], no output: cpo-generate: http://127.0.0.1:PORT/openai/deployments/mail/chat/completions?api-version=2024-06-01: HTTP 401 after 1 attempt: Incorrect API key provided: [redacted].
azure: exit 3, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: azure: HTTP 401 after 1 attempt: \"Incorrect API key provided: [redacted].\"
openai-moderation: exit 3, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: openai-moderation: HTTP 401 after 1 attempt: \"Incorrect API key provided: [redacted].\"
azure-search: exit 3, answered [1,0], rejected 1: cpo-retrieve: retrieve.in:1: azure-search: HTTP 401 (check AZURE_SEARCH_KEY)"
}

@test "403 stops the run with exit 3, not retried" {
	run -0 fault '{"status":403}'
	expect_stdout "openai: exit 3, answered [1,0], no output: cpo-generate: http://127.0.0.1:PORT/v1/chat/completions: HTTP 403 after 1 attempt
azure-openai: exit 3, answered [1,0], no output: cpo-generate: http://127.0.0.1:PORT/openai/deployments/mail/chat/completions?api-version=2024-06-01: HTTP 403 after 1 attempt
azure: exit 3, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: azure: HTTP 403 after 1 attempt
openai-moderation: exit 3, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: openai-moderation: HTTP 403 after 1 attempt
azure-search: exit 3, answered [1,0], rejected 1: cpo-retrieve: retrieve.in:1: azure-search: HTTP 403 (check AZURE_SEARCH_KEY)"
}

@test "404 stops the run with exit 3, not retried" {
	run -0 fault '{"status":404}'
	expect_stdout "openai: exit 3, answered [1,0], no output: cpo-generate: http://127.0.0.1:PORT/v1/chat/completions: HTTP 404 after 1 attempt
azure-openai: exit 3, answered [1,0], no output: cpo-generate: http://127.0.0.1:PORT/openai/deployments/mail/chat/completions?api-version=2024-06-01: HTTP 404 after 1 attempt
azure: exit 3, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: azure: HTTP 404 after 1 attempt
openai-moderation: exit 3, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: openai-moderation: HTTP 404 after 1 attempt
azure-search: exit 3, answered [1,0], rejected 1: cpo-retrieve: retrieve.in:1: azure-search: HTTP 404 (check AZURE_SEARCH_ENDPOINT and AZURE_SEARCH_INDEX)"
}

@test "malformed JSON: the record is rejected, its message left out or blocked" {
	run -0 fault '{"body":"{\"choices\": [{"}'
	expect_stdout "openai: exit 1, answered [3,0], written: cpo-generate: gen.in:1: customer \"C101\", tone 'urgent': not generated: the answer is not JSON (at column 14); no answer passed the rules in 3 attempts
azure-openai: exit 1, answered [3,0], written: cpo-generate: gen.in:1: customer \"C101\", tone 'urgent': not generated: the answer is not JSON (at column 14); no answer passed the rules in 3 attempts
azure: exit 1, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: azure: unexpected answer: invalid JSON at line 1, column 14
openai-moderation: exit 1, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: openai-moderation: unexpected answer: invalid JSON at line 1, column 14
azure-search: exit 1, answered [1,0], rejected 1: cpo-retrieve: retrieve.in:1: azure-search: malformed answer: not JSON"
}

@test "JSON of the wrong shape: the record is rejected, its message left out or blocked" {
	run -0 fault '{"json":{"unexpected":[1,2,3]}}'
	expect_stdout "openai: exit 1, answered [3,0], written: cpo-generate: gen.in:1: customer \"C101\", tone 'urgent': not generated: the answer has no choices[0].message.content; no answer passed the rules in 3 attempts
azure-openai: exit 1, answered [3,0], written: cpo-generate: gen.in:1: customer \"C101\", tone 'urgent': not generated: the answer has no choices[0].message.content; no answer passed the rules in 3 attempts
azure: exit 1, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: azure: unexpected answer: no 'categoriesAnalysis' array
openai-moderation: exit 1, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: openai-moderation: unexpected answer: no 'results'
azure-search: exit 1, answered [1,0], rejected 1: cpo-retrieve: retrieve.in:1: azure-search: malformed answer: expected an object with an array 'value'"
}

@test "a huge body is cut at 16 MiB: the record is rejected, its message left out or blocked" {
	# A long time-out, so that a slow machine does not time out first.
	TIMEOUT=30 run -0 fault '{"size":20000000}'
	expect_stdout "openai: exit 1, answered [1,0], written: cpo-generate: gen.in:1: customer \"C101\", tone 'urgent': not generated: http://127.0.0.1:PORT/v1/chat/completions: answer longer than 16777216 bytes (1 attempt)
azure-openai: exit 1, answered [1,0], written: cpo-generate: gen.in:1: customer \"C101\", tone 'urgent': not generated: http://127.0.0.1:PORT/openai/deployments/mail/chat/completions?api-version=2024-06-01: answer longer than 16777216 bytes (1 attempt)
azure: exit 1, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: azure: answer longer than 16777216 bytes (1 attempt)
openai-moderation: exit 1, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: openai-moderation: answer longer than 16777216 bytes (1 attempt)
azure-search: exit 1, answered [1,0], rejected 1: cpo-retrieve: retrieve.in:1: azure-search: answer longer than 16777216 bytes (1 attempt)"
}

@test "an answer that is not HTTP: generate stops (exit 3); safety blocks; retrieve rejects" {
	run -0 fault '{"fault":"garbage"}'
	expect_stdout "openai: exit 3, answered [1,0], no output: cpo-generate: http://127.0.0.1:PORT/v1/chat/completions: Received HTTP/0.9 when not allowed (1 attempt)
azure-openai: exit 3, answered [1,0], no output: cpo-generate: http://127.0.0.1:PORT/openai/deployments/mail/chat/completions?api-version=2024-06-01: Received HTTP/0.9 when not allowed (1 attempt)
azure: exit 1, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: azure: Received HTTP/0.9 when not allowed (1 attempt)
openai-moderation: exit 1, answered [1,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: openai-moderation: Received HTTP/0.9 when not allowed (1 attempt)
azure-search: exit 1, answered [1,0], rejected 1: cpo-retrieve: retrieve.in:1: azure-search: Received HTTP/0.9 when not allowed (1 attempt)"
}

@test "TLS failure (https to a plain HTTP server): generate stops (exit 3); safety blocks; retrieve rejects" {
	run -0 fault '{"status":200}' https
	expect_stdout "openai: exit 3, answered [0,0], no output: cpo-generate: https://127.0.0.1:PORT/v1/chat/completions: OpenSSL: error:0A00010B:SSL routines::wrong version number (3 attempts)
azure-openai: exit 3, answered [0,0], no output: cpo-generate: https://127.0.0.1:PORT/openai/deployments/mail/chat/completions?api-version=2024-06-01: OpenSSL: error:0A00010B:SSL routines::wrong version number (3 attempts)
azure: exit 1, answered [0,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: azure: OpenSSL: error:0A00010B:SSL routines::wrong version number (3 attempts)
openai-moderation: exit 1, answered [0,0], block: cpo-safety: safety.in:1: variant 'V1': blocked, screening failed: openai-moderation: OpenSSL: error:0A00010B:SSL routines::wrong version number (3 attempts)
azure-search: exit 1, answered [0,0], rejected 1: cpo-retrieve: retrieve.in:1: azure-search: OpenSSL: error:0A00010B:SSL routines::wrong version number (3 attempts)"
}

@test "the key is in no file of a run with every kind of answer, cache and audit log included" {
	local be routes='{}' log
	for be in "${BACKENDS[@]}"; do
		routes=$(jq -cn --argjson all "$routes" --arg p "$(path_of "$be")" \
		    --arg k "$KEY" --argjson g "$(good_answer "$be")" '$all + {($p): [
		    {status: 500, json: {error: {message: "key \($k) broke"}}, times: 1},
		    {json: $g}]}')
	done
	stub POST /_stub/routes "$routes" > /dev/null
	all_backends "$STUB"
	log=$(stub GET /_stub/log)
	for be in "${BACKENDS[@]}"; do
		same "$be: status" 0 "$(cat "$be/status")"
		(cd "$be" && key_never_shown)
		# The key did reach the service, so the grep above can fail.
		jq -c --arg p "$(path_of "$be")" '.[] | select(.path == $p)' \
		    <<< "$log" | grep -q -- "$KEY"
	done
}
