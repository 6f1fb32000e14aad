#!/usr/bin/env bats
# cpo-retrieve: approved-content search for each customer's segment. The
# fixture library (tests/fixtures/retrieve/library) is six small documents
# about running shoes; invalid/ holds one valid document and one of each
# kind of invalid one. Every test runs at SOURCE_DATE_EPOCH 2026-01-01, so
# retrieved_at and the approval filter are fixed.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	cpo_setup
	cp -R "$(fixture retrieve)"/. .
	export SOURCE_DATE_EPOCH=1767225600
	STUB_PID=
}

teardown() {
	if [ -n "$STUB_PID" ]; then
		kill "$STUB_PID" 2> /dev/null || true
	fi
}

# start_stub MODE: starts tests/azure-search-stub.py on a free port of
# 127.0.0.1 and points the AZURE_SEARCH_* variables at it. Its requests are
# logged to requests.log.
start_stub() {
	python3 "$BATS_TEST_DIRNAME/azure-search-stub.py" --port-file port \
	    --log requests.log --mode "$1" --key "stub-secret-key" \
	    > stub.out 2>&1 3>&- &
	STUB_PID=$!
	for _ in $(seq 100); do
		[ -f port ] && break
		sleep 0.05
	done
	[ -f port ]
	export AZURE_SEARCH_ENDPOINT=http://127.0.0.1:$(cat port)/
	export AZURE_SEARCH_INDEX=passages
	export AZURE_SEARCH_KEY=stub-secret-key
	unset AZURE_SEARCH_SEMANTIC_CONFIG AZURE_SEARCH_API_VERSION
}

# ids: prints "DOC/PARAGRAPH" for each result of the --query output.
ids() {
	jq -r '[.results[] | "\(.document_id)/\(.paragraph_index)"] | join(" ")'
}

@test "--help prints the synopsis and the options on stdout and exits 0" {
	run -0 --separate-stderr cpo-retrieve --help
	[ "${lines[0]}" = "usage: cpo-retrieve [--content DIR] [--queries FILE] [--audiences FILE] [--category LIST] [--top K] [--per-document N] [--min-score X] [--k1 X] [--b X] [--weights LIST] [--analyzer english|plain] [--no-rerank] [--depth N] [--backend local|azure-search] [--timeout S] [--attempts N] [--rejects FILE] [--strict] [--stats] [--query TEXT [--segment NAME] | FILE]" ]
	expect_stderr ""
}

@test "--version prints the program and version" {
	run -0 --separate-stderr cpo-retrieve --version
	expect_stdout "cpo-retrieve (cpo) 0.1.0"
}

@test "a record gets retrieval: query, segment, results with every field, total_results" {
	head -n 1 records.ndjson > one.ndjson
	run -0 --separate-stderr cpo-retrieve --content library \
	    --queries queries.json --top 1 one.ndjson
	expect_stdout '{"customer_id":"C001","tier":"Gold","segment":"High-Value Recent","segment_id":0,"confidence":0.9,"features":{"avg_purchase_frequency":14,"avg_order_value":310,"engagement_score":0.42},"retrieval":{"query":"gold exclusive shoes sale","segment":"High-Value Recent","results":[{"document_id":"GOLD1","title":"Gold Member Shoe Sale","snippet":"The exclusive sale opens to Gold members 48 hours before everyone else, and shipping is free on sale orders.","relevance_score":4.3578,"reranker_score":5.0685,"paragraph_index":1,"retrieved_at":"2026-01-01T00:00:00Z"}],"total_results":7}}'
	expect_stderr ""
}

@test "the query is the segment's terms then the terms of the feature rules that hold, each word once" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --queries queries.json records.ndjson
	run -0 jq -r '"\(.customer_id) \(.retrieval.query)"' <<< "$output"
	expect_stdout "C001 gold exclusive shoes sale
C002 comeback offer
C003 gold exclusive shoes sale
C004 trail running shoes"
}

@test "the compiled-in query table holds the reference's terms for the five segments" {
	printf '%s\n' '{"segment":"High-Value Recent","features":{"avg_purchase_frequency":1,"avg_order_value":1,"engagement_score":1}}' \
	    '{"segment":"At-Risk","features":{"avg_purchase_frequency":1,"avg_order_value":1,"engagement_score":1}}' \
	    '{"segment":"New Customer","features":{"avg_purchase_frequency":1,"avg_order_value":1,"engagement_score":1}}' \
	    '{"segment":"Loyal Frequent","features":{"avg_purchase_frequency":1,"avg_order_value":1,"engagement_score":1}}' \
	    '{"segment":"Standard","features":{"avg_purchase_frequency":1,"avg_order_value":1,"engagement_score":1}}' \
	    '{"segment":"Standard","features":{"avg_purchase_frequency":20,"avg_order_value":400,"engagement_score":0.1}}' \
	    '{"segment":"Lapsed VIP","features":{"avg_purchase_frequency":1,"avg_order_value":1,"engagement_score":1}}' \
	    > in.ndjson
	run -0 --separate-stderr cpo-retrieve --content library in.ndjson
	run -0 jq -r .retrieval.query <<< "$output"
	expect_stdout "premium exclusive high-value gold
retention engagement comeback special offer
welcome getting started introduction new customer
loyalty rewards frequent thank you
features benefits products
features benefits products premium rewards points comeback
Lapsed VIP features benefits products"
}

@test "results are passages ordered by reranker score, at most two from one document" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "trail running shoes"
	run -0 jq -c '.total_results, (.results[] | [.document_id, .paragraph_index, .relevance_score, .reranker_score])' <<< "$output"
	expect_stdout '8
["SHOE1",0,1.7611,2.296]
["SHOE1",2,1.7537,2.2523]
["GOLD1",0,0.6358,0.7226]
["BACK1",0,0.5827,0.5422]
["RET1",0,0.2642,0.2188]'
}

@test "--per-document N allows N passages of one document" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "trail running shoes" --per-document 3 --top 4
	run -0 ids <<< "$output"
	expect_stdout "SHOE1/0 SHOE1/2 SHOE1/1 GOLD1/0"
}

@test "--top K keeps the K best and total_results counts every match" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "trail running shoes" --top 2
	run -0 jq -c '[.total_results, (.results | length)]' <<< "$output"
	expect_stdout "[8,2]"
}

@test "--no-rerank keeps BM25's order and writes reranker_score null" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "trail running shoes" --no-rerank
	run -0 jq -c '.results[] | [.document_id, .paragraph_index, .relevance_score, .reranker_score]' <<< "$output"
	expect_stdout '["SHOE1",0,1.7611,null]
["SHOE1",2,1.7537,null]
["GOLD1",0,0.6358,null]
["BACK1",0,0.5827,null]
["RET1",0,0.2642,null]'
}

@test "--min-score drops passages whose BM25 score is lower, and total_results counts the rest" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "trail running shoes" --min-score 0.6
	run -0 jq -c '[.total_results, [.results[] | "\(.document_id)/\(.paragraph_index)"]]' <<< "$output"
	expect_stdout '[4,["SHOE1/0","SHOE1/2","GOLD1/0"]]'
}

@test "paragraph_index numbers the blank-line separated paragraphs from 0" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "refunds business days warehouse" --top 1
	run -0 jq -r '.results[0] | "\(.paragraph_index) \(.snippet)"' <<< "$output"
	expect_stdout "1 Refunds reach your card within five business days after the returned pair arrives at our warehouse."
}

@test "a paragraph over 200 words is cut at sentence ends into passages that keep its paragraph_index" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "steady easy taper" --per-document 5
	run -0 jq -r '.results[] | "\(.paragraph_index) \(.snippet | split(" ") | length) \(.snippet[:24])|\(.snippet[-12:])"' <<< "$output"
	expect_stdout "0 182 The first sentence about| easy walks.
0 92 The third sentence about|aper calmly."
}

@test "the English analyzer stems: 'runs' finds run and running; the plain analyzer does not" {
	run -0 --separate-stderr cpo-retrieve --content library --query runs \
	    --per-document 9
	run -0 ids <<< "$output"
	expect_stdout "SHOE1/2 SHOE1/0 SHOE1/1 BACK1/0 GOLD1/0"
	run -0 --separate-stderr cpo-retrieve --content library --query runs \
	    --analyzer plain
	expect_stdout '{"query":"runs","segment":null,"results":[],"total_results":0}'
}

@test "the English analyzer stems 'weighing' to match 'weighs'" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query weighing
	run -0 ids <<< "$output"
	expect_stdout "SHOE1/1"
}

@test "stop words alone match nothing" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "the and of it"
	expect_stdout '{"query":"the and of it","segment":null,"results":[],"total_results":0}'
}

@test "a segment sees documents for All, for its own name and for the audiences mapped to it" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "gold exclusive sale"
	run -0 ids <<< "$output"
	expect_stdout "GOLD1/1 GOLD1/0"
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "gold exclusive sale" --segment Standard
	expect_stdout '{"query":"gold exclusive sale","segment":"Standard","results":[],"total_results":0}'
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "gold exclusive sale" --segment "High-Value Recent"
	run -0 ids <<< "$output"
	expect_stdout "GOLD1/1 GOLD1/0"
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "comeback offer" --segment At-Risk
	run -0 ids <<< "$output"
	expect_stdout "BACK1/0"
}

@test "--audiences FILE replaces the audience map" {
	printf '{"Standard": ["High-Value"]}\n' > aud.json
	run -0 --separate-stderr cpo-retrieve --content library \
	    --audiences aud.json --query "gold exclusive sale" \
	    --segment Standard
	run -0 ids <<< "$output"
	expect_stdout "GOLD1/1 GOLD1/0"
}

@test "--category keeps only the categories listed" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "shoes" --category Support,General
	run -0 ids <<< "$output"
	expect_stdout "RET1/0 RET1/1 BACK1/0"
}

@test "a document whose approval_date is after the run's time is not yet approved" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "lighter 2030 trail shoe" --top 1
	run -0 ids <<< "$output"
	expect_stdout "SHOE1/0"
	SOURCE_DATE_EPOCH=1904000000 run -0 --separate-stderr cpo-retrieve \
	    --content library --query "lighter 2030 trail shoe" --top 1
	run -0 jq -r '"\(.results[0].document_id) \(.results[0].retrieved_at)"' <<< "$output"
	expect_stdout "NEW2030 2030-05-03T00:53:20Z"
}

@test "--weights title=0,keywords=0 searches the passage text alone" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --query "guide" --weights title=0,keywords=0
	expect_stdout '{"query":"guide","segment":null,"results":[],"total_results":0}'
	run -0 --separate-stderr cpo-retrieve --content library --query guide
	run -0 jq .total_results <<< "$output"
	expect_stdout 3
}

@test "each distinct query is searched once: --stats counts the answers from the cache" {
	run -0 --separate-stderr cpo-retrieve --content library \
	    --queries queries.json --stats records.ndjson
	expect_stderr "cpo-retrieve: searches 3, answered from the cache 1"
	run -0 jq -c '[.customer_id, .retrieval.total_results]' <<< "$output"
	expect_stdout '["C001",7]
["C002",1]
["C003",7]
["C004",5]'
}

@test "a cached answer is the same as a fresh one, for any number of customers" {
	for i in $(seq 200); do sed -n 4p records.ndjson; done > many.ndjson
	run -0 --separate-stderr cpo-retrieve --content library --stats \
	    --queries queries.json many.ndjson
	expect_stderr "cpo-retrieve: searches 1, answered from the cache 199"
	printf '%s\n' "$output" > out.ndjson
	run -0 bash -c 'jq -c .retrieval out.ndjson | sort -u | wc -l'
	expect_stdout 1
}

@test "unknown fields pass through in order and a second run replaces retrieval in place" {
	printf '%s\n' '{"z":1,"segment":"Standard","a":[true,null],"features":{"avg_purchase_frequency":1,"avg_order_value":1,"engagement_score":1}}' > in.ndjson
	run -0 --separate-stderr bash -c 'cpo-retrieve --content library --top 1 in.ndjson | cpo-retrieve --content library --top 1 --queries queries.json'
	run -0 jq -c '[keys_unsorted, .retrieval.query]' <<< "$output"
	expect_stdout '[["z","segment","a","features","retrieval"],"trail running shoes"]'
}

@test "invalid documents are reported with file name and reason and left out; the rest are indexed" {
	run -0 --separate-stderr cpo-retrieve --content invalid --query trail
	run -0 ids <<< "$output"
	expect_stdout "OK1/0"
	expect_stderr "cpo-retrieve: invalid/b-not-json.json: invalid JSON at line 2, column 12
cpo-retrieve: invalid/c-array.json: expected a JSON object, got array
cpo-retrieve: invalid/d-missing-title.json: field 'title': missing
cpo-retrieve: invalid/e-short.json: field 'content': expected at least 100 characters, got 10
cpo-retrieve: invalid/f-category.json: field 'category': expected Product, Promotion, Support or General, got \"Blog\"
cpo-retrieve: invalid/g-duplicate.json: field 'document_id': duplicate value \"OK1\", first in invalid/a-valid.json
cpo-retrieve: invalid/h-date.json: field 'approval_date': expected an ISO 8601 date and time, got \"2025-02-30\"
cpo-retrieve: invalid/i-keywords.json: field 'keywords': expected an array of strings, got string
cpo-retrieve: invalid/j-title-type.json: field 'title': expected a string, got number
cpo-retrieve: invalid: 9 invalid documents left out, 1 indexed"
}

@test "--strict makes an invalid document a configuration error" {
	run -2 --separate-stderr cpo-retrieve --content invalid --strict \
	    --query trail
	expect_stdout ""
	[ "${stderr_lines[9]}" = "cpo-retrieve: invalid: 9 invalid documents left out, 1 indexed" ]
}

@test "a library without one valid document is a configuration error" {
	mkdir empty
	run -2 --separate-stderr cpo-retrieve --content empty --query trail
	expect_stderr "cpo-retrieve: empty: no valid documents"
}

@test "a content directory that cannot be read is an I/O error" {
	run -3 --separate-stderr cpo-retrieve --content nowhere --query trail
	expect_stderr "cpo-retrieve: nowhere: No such file or directory"
}

@test "without --content, data/content/approved_content is read when present, else the compiled-in library" {
	# The compiled-in library's approval dates run through 2026.
	export SOURCE_DATE_EPOCH=1796083200
	run -0 --separate-stderr cpo-retrieve --query "Leaf Points" --top 1
	run -0 jq -r '.results[0].title' <<< "$output"
	expect_stdout "How Leaf Points Work"
	mkdir -p data/content
	cp -R library data/content/approved_content
	run -0 --separate-stderr cpo-retrieve --query "Leaf Points" --top 1
	expect_stdout '{"query":"Leaf Points","segment":null,"results":[],"total_results":0}'
}

@test "the bundled library has at least 40 valid documents, in all four categories and every audience" {
	lib=$CPO_ROOT/data/content/approved_content
	run -0 bash -c "jq -s 'length' '$lib'/*.json"
	[ "$output" -ge 40 ]
	run -0 bash -c "jq -r .category '$lib'/*.json | sort -u | paste -sd ' '"
	expect_stdout "General Product Promotion Support"
	run -0 bash -c "jq -r .audience '$lib'/*.json | sort -u | paste -sd ' '"
	expect_stdout "All At-Risk High-Value Loyal New Customer Standard"
	run -0 --separate-stderr cpo-retrieve --content "$lib" --query x
	expect_stderr ""
}

@test "the compiled-in library answers as the bundled files do" {
	export SOURCE_DATE_EPOCH=1796083200
	for q in "Leaf Points" "warranty claim" "gold exclusive preview"; do
		cpo-retrieve --query "$q" > builtin.json
		cpo-retrieve --content "$CPO_ROOT/data/content/approved_content" \
		    --query "$q" > files.json
		cmp builtin.json files.json
	done
}

@test "a record without segment is rejected, naming the field" {
	printf '%s\n' '{"customer_id":"C9"}' '{"customer_id":"C8","segment":7}' > in.ndjson
	run -1 --separate-stderr cpo-retrieve --content library in.ndjson
	expect_stdout ""
	expect_stderr "cpo-retrieve: in.ndjson:1: field 'segment': missing (run cpo-segment first)
cpo-retrieve: in.ndjson:2: field 'segment': expected a string, got 7
cpo-retrieve: 2 read, 0 written, 2 rejected"
}

@test "a feature rule's feature must be there and be a number" {
	printf '%s\n' '{"segment":"Standard"}' \
	    '{"segment":"Standard","features":[]}' \
	    '{"segment":"Standard","features":{"avg_order_value":"x"}}' \
	    > in.ndjson
	run -1 --separate-stderr cpo-retrieve --content library in.ndjson
	expect_stderr "cpo-retrieve: in.ndjson:1: field 'features': missing
cpo-retrieve: in.ndjson:2: field 'features': expected an object, got array
cpo-retrieve: in.ndjson:3: field 'features.avg_order_value': expected a number, got \"x\"
cpo-retrieve: 3 read, 0 written, 3 rejected"
}

@test "bad lines are rejected with their reasons, good records are still written, --rejects keeps them" {
	{ sed -n 2p records.ndjson; echo 'not json'; sed -n 4p records.ndjson; } > in.ndjson
	run -1 --separate-stderr cpo-retrieve --content library \
	    --rejects rej.ndjson in.ndjson
	run -0 jq -r .customer_id <<< "$output"
	expect_stdout "C002
C004"
	expect_stderr "cpo-retrieve: in.ndjson:2: invalid JSON at column 1
cpo-retrieve: 3 read, 2 written, 1 rejected"
	run -0 jq -c . rej.ndjson
	expect_stdout '{"file":"in.ndjson","line":2,"reasons":["invalid JSON at column 1"],"input":"not json"}'
}

@test "--strict stops at the first rejected record" {
	{ echo '{}'; sed -n 2p records.ndjson; } > in.ndjson
	run -1 --separate-stderr cpo-retrieve --content library --strict \
	    in.ndjson
	expect_stdout ""
}

@test "records come from standard input when there is no FILE" {
	run -0 --separate-stderr bash -c 'sed -n 2p records.ndjson | cpo-retrieve --content library --queries queries.json'
	run -0 jq -r '.retrieval.results[0].document_id' <<< "$output"
	expect_stdout "BACK1"
}

@test "--queries FILE that is not a valid table is a configuration error naming the field" {
	printf '{"segments":{},"default":"x","features":[{"feature":"f","op":"=>","value":1,"terms":"t"}]}\n' > q1.json
	run -2 --separate-stderr cpo-retrieve --content library --queries q1.json records.ndjson
	expect_stderr "cpo-retrieve: q1.json: field 'features[0].op': expected one of < <= > >= == !=, got \"=>\""
	printf '{"segments":[],"default":"x"}\n' > q2.json
	run -2 --separate-stderr cpo-retrieve --content library --queries q2.json records.ndjson
	expect_stderr "cpo-retrieve: q2.json: field 'segments': expected an object, got []"
	printf '{"segments":{}}' > q3.json
	run -2 --separate-stderr cpo-retrieve --content library --queries q3.json records.ndjson
	expect_stderr "cpo-retrieve: q3.json: field 'default': expected a string, got nothing"
	run -3 --separate-stderr cpo-retrieve --content library --queries q4.json records.ndjson
	expect_stderr "cpo-retrieve: q4.json: No such file or directory"
}

@test "--audiences FILE that is not a map of arrays is a configuration error" {
	printf '{"Standard": "All"}\n' > a.json
	run -2 --separate-stderr cpo-retrieve --content library --audiences a.json records.ndjson
	expect_stderr "cpo-retrieve: a.json: field 'Standard': expected an array of audience names, got \"All\""
	printf '{"Standard": [' > b.json
	run -2 --separate-stderr cpo-retrieve --content library --audiences b.json records.ndjson
	expect_stderr "cpo-retrieve: b.json: invalid JSON at line 1, column 14"
}

@test "usage errors name the option and the value, and exit 2" {
	run -2 --separate-stderr cpo-retrieve --top 0 --query x
	expect_stderr "cpo-retrieve: --top: expected an integer from 1 to 1000, got '0'"
	run -2 --separate-stderr cpo-retrieve --min-score -1 --query x
	expect_stderr "cpo-retrieve: --min-score: expected a number from 0 to 1e+09, got '-1'"
	run -2 --separate-stderr cpo-retrieve --b 2 --query x
	expect_stderr "cpo-retrieve: --b: expected a number from 0 to 1, got '2'"
	run -2 --separate-stderr cpo-retrieve --weights title=2,body=1 --query x
	expect_stderr "cpo-retrieve: --weights: expected FIELD=WEIGHT,... with FIELD title, keywords or text and WEIGHT from 0 to 100, got \"body=1\""
	run -2 --separate-stderr cpo-retrieve --category Product,Blog --query x
	expect_stderr "cpo-retrieve: --category: expected Product, Promotion, Support or General, got \"Blog\""
	run -2 --separate-stderr cpo-retrieve --analyzer snowball --query x
	expect_stderr "cpo-retrieve: --analyzer: expected english or plain, got 'snowball'"
	run -2 --separate-stderr cpo-retrieve --backend azure --query x
	expect_stderr "cpo-retrieve: --backend: expected local or azure-search, got 'azure'"
	run -2 --separate-stderr cpo-retrieve --segment Standard
	expect_stderr "cpo-retrieve: --segment: needs --query (records carry their own segment)"
	run -2 --separate-stderr cpo-retrieve --depth 5000 records.ndjson
	expect_stderr "cpo-retrieve: --depth: expected an integer from 1 to 1000, got '5000'"
}

@test "--query with a FILE, or two FILEs, is a usage error with the synopsis" {
	run -2 --separate-stderr cpo-retrieve --query x records.ndjson
	[ "${stderr_lines[0]}" = "cpo-retrieve: options '--query' and FILE cannot be used together" ]
	[ "${stderr_lines[1]:0:28}" = "usage: cpo-retrieve [--conte" ]
	run -2 --separate-stderr cpo-retrieve a b
	[ "${stderr_lines[0]}" = "cpo-retrieve: too many arguments: expected one FILE" ]
}

@test "an unknown option or a missing argument is a usage error" {
	run -2 --separate-stderr cpo-retrieve --bogus
	[ "${stderr_lines[0]}" = "cpo-retrieve: unknown option '--bogus'" ]
	run -2 --separate-stderr cpo-retrieve --query
	[ "${stderr_lines[0]}" = "cpo-retrieve: option '--query' requires an argument" ]
}

@test "a SOURCE_DATE_EPOCH that is not a non-negative integer is a configuration error" {
	SOURCE_DATE_EPOCH=yesterday run -2 --separate-stderr cpo-retrieve --query x
	expect_stderr "cpo-retrieve: SOURCE_DATE_EPOCH: expected a non-negative integer, got 'yesterday'"
}

@test "an input file that cannot be opened is an I/O error" {
	run -3 --separate-stderr cpo-retrieve --content library missing.ndjson
	expect_stderr "cpo-retrieve: missing.ndjson: No such file or directory"
}

@test "the same input gives byte-identical output" {
	cpo-retrieve --content library records.ndjson > one.out
	cpo-retrieve --content library records.ndjson > two.out
	cmp one.out two.out
}

# --- --backend azure-search, against tests/azure-search-stub.py ----------

@test "azure-search: the query, the filters as OData and the key go to the index's search API" {
	start_stub ok
	run -0 --separate-stderr cpo-retrieve --backend azure-search \
	    --query "returns" --segment "High-Value Recent" --category Support
	run -0 jq -c '[.path, .key_ok, .body]' requests.log
	expect_stdout '["/indexes/passages/docs/search?api-version=2023-11-01",true,{"search":"returns","top":50,"count":true,"filter":"(audience eq '"'All'"' or audience eq '"'High-Value Recent'"' or audience eq '"'High-Value'"') and (category eq '"'Support'"') and approval_date le 2026-01-01T00:00:00Z","select":"document_id,title,snippet,paragraph_index"}]'
}

@test "azure-search: @search.score is relevance_score, reranker_score is null without semantic ranking" {
	start_stub ok
	run -0 --separate-stderr cpo-retrieve --backend azure-search \
	    --query returns
	expect_stdout '{"query":"returns","segment":null,"results":[{"document_id":"AZ1","title":"Remote Returns Policy","snippet":"Returns are free for 60 days.","relevance_score":3.25,"reranker_score":null,"paragraph_index":0,"retrieved_at":"2026-01-01T00:00:00Z"},{"document_id":"AZ1","title":"Remote Returns Policy","snippet":"Refunds take five business days.","relevance_score":2.5,"reranker_score":null,"paragraph_index":1,"retrieved_at":"2026-01-01T00:00:00Z"},{"document_id":"AZ2","title":"Remote Shipping Times","snippet":"Standard shipping takes 3 to 5 days.","relevance_score":1.125,"reranker_score":null,"paragraph_index":0,"retrieved_at":"2026-01-01T00:00:00Z"}],"total_results":4}'
	expect_stderr ""
}

@test "azure-search: AZURE_SEARCH_SEMANTIC_CONFIG asks for semantic ranking and @search.rerankerScore is reranker_score" {
	start_stub ok
	AZURE_SEARCH_SEMANTIC_CONFIG=default run -0 --separate-stderr \
	    cpo-retrieve --backend azure-search --query returns --top 2
	run -0 jq -c '.results[] | [.document_id, .relevance_score, .reranker_score]' <<< "$output"
	expect_stdout '["AZ1",3.25,3.5]
["AZ1",2.5,3]'
	run -0 jq -c '.body | [.queryType, .semanticConfiguration]' requests.log
	expect_stdout '["semantic","default"]'
}

@test "azure-search: records get retrieval, one request per distinct query" {
	start_stub ok
	run -0 --separate-stderr cpo-retrieve --backend azure-search --stats \
	    records.ndjson
	run -0 jq -c '[.customer_id, .retrieval.total_results, (.retrieval.results | length)]' <<< "$output"
	expect_stdout '["C001",4,3]
["C002",4,3]
["C003",4,3]
["C004",4,3]'
	run -0 wc -l < requests.log
	expect_stdout 3
}

@test "azure-search: a 401 stops the run with exit 3 and never shows the key" {
	start_stub 401
	run -3 --separate-stderr cpo-retrieve --backend azure-search \
	    records.ndjson
	expect_stdout ""
	expect_stderr "cpo-retrieve: records.ndjson:1: azure-search: HTTP 401 (check AZURE_SEARCH_KEY)
cpo-retrieve: 1 read, 0 written, 1 rejected"
	run -0 wc -l < requests.log
	expect_stdout 1
}

@test "azure-search: a 401 for --query exits 3" {
	start_stub 401
	run -3 --separate-stderr cpo-retrieve --backend azure-search --query x
	expect_stderr "cpo-retrieve: azure-search: HTTP 401 (check AZURE_SEARCH_KEY)"
}

@test "azure-search: 429 is retried after the wait Retry-After asks for" {
	start_stub 429
	run -0 --separate-stderr cpo-retrieve --backend azure-search \
	    --query returns --top 1
	run -0 jq -r .results[0].document_id <<< "$output"
	expect_stdout AZ1
	run -0 jq -s '[length, (.[1].t - .[0].t >= 0.95), (.[2].t - .[1].t >= 0.95)]' requests.log
	expect_stdout "$(printf '[\n  3,\n  true,\n  true\n]')"
}

@test "azure-search: retry-after-ms is preferred to Retry-After" {
	start_stub 429-ms
	run -0 --separate-stderr cpo-retrieve --backend azure-search \
	    --query returns --top 1
	run -0 jq -s '[length, (.[1].t - .[0].t >= 0.25 and .[1].t - .[0].t < 2)]' requests.log
	expect_stdout "$(printf '[\n  3,\n  true\n]')"
}

@test "azure-search: a 429 that does not end is a per-record error after --attempts tries" {
	start_stub 429-always
	sed -n 2p records.ndjson > in.ndjson
	run -1 --separate-stderr cpo-retrieve --backend azure-search \
	    --attempts 2 in.ndjson
	expect_stdout ""
	expect_stderr "cpo-retrieve: in.ndjson:1: azure-search: HTTP 429 after 2 attempts
cpo-retrieve: 1 read, 0 written, 1 rejected"
}

@test "azure-search: a 500 is a per-record error, and a failed search is tried again for the next record" {
	start_stub 500
	{ sed -n 2p records.ndjson; sed -n 2p records.ndjson; } > in.ndjson
	run -1 --separate-stderr cpo-retrieve --backend azure-search \
	    --attempts 2 in.ndjson
	expect_stderr "cpo-retrieve: in.ndjson:1: azure-search: HTTP 500 after 2 attempts
cpo-retrieve: in.ndjson:2: azure-search: HTTP 500 after 2 attempts
cpo-retrieve: 2 read, 0 written, 2 rejected"
	run -0 wc -l < requests.log
	expect_stdout 4
}

@test "azure-search: a server that does not answer in --timeout is a per-record error" {
	start_stub hang
	sed -n 2p records.ndjson > in.ndjson
	run -1 --separate-stderr cpo-retrieve --backend azure-search \
	    --timeout 0.3 --attempts 2 in.ndjson
	expect_stderr "cpo-retrieve: in.ndjson:1: azure-search: timed out after 0.3 s (2 attempts)
cpo-retrieve: 1 read, 0 written, 1 rejected"
}

@test "azure-search: an answer that is not JSON is a per-record error, never an empty result" {
	start_stub malformed
	sed -n 2p records.ndjson > in.ndjson
	run -1 --separate-stderr cpo-retrieve --backend azure-search in.ndjson
	expect_stdout ""
	expect_stderr "cpo-retrieve: in.ndjson:1: azure-search: malformed answer: not JSON
cpo-retrieve: 1 read, 0 written, 1 rejected"
}

@test "azure-search: a passage with a wrong field is a per-record error naming it" {
	start_stub bad-hit
	sed -n 2p records.ndjson > in.ndjson
	run -1 --separate-stderr cpo-retrieve --backend azure-search in.ndjson
	expect_stderr "cpo-retrieve: in.ndjson:1: azure-search: malformed answer: value[1].paragraph_index: expected a whole number, got string
cpo-retrieve: 1 read, 0 written, 1 rejected"
}

@test "azure-search: a refused connection is a per-record error" {
	start_stub ok
	kill "$STUB_PID"
	wait "$STUB_PID" 2> /dev/null || true
	STUB_PID=
	sed -n 2p records.ndjson > in.ndjson
	run -1 --separate-stderr cpo-retrieve --backend azure-search \
	    --attempts 1 in.ndjson
	# libcurl's message names the port, which the system chose.
	[[ ${stderr_lines[0]} =~ ^"cpo-retrieve: in.ndjson:1: azure-search: "(Failed\ to\ connect.*:\ )?"Couldn't connect to server (1 attempt)"$ ]]
	[ "${stderr_lines[1]}" = "cpo-retrieve: 1 read, 0 written, 1 rejected" ]
}

@test "azure-search: the endpoint, index and key must be in the environment" {
	unset AZURE_SEARCH_ENDPOINT AZURE_SEARCH_INDEX
	export AZURE_SEARCH_KEY=k
	run -2 --separate-stderr cpo-retrieve --backend azure-search --query x
	expect_stderr "cpo-retrieve: --backend: azure-search needs AZURE_SEARCH_ENDPOINT in the environment"
	export AZURE_SEARCH_ENDPOINT=http://127.0.0.1:9 AZURE_SEARCH_INDEX=i
	unset AZURE_SEARCH_KEY
	run -2 --separate-stderr cpo-retrieve --backend azure-search --query x
	expect_stderr "cpo-retrieve: --backend: azure-search needs AZURE_SEARCH_KEY in the environment"
}

@test "azure-search: --timeout and --attempts are checked" {
	run -2 --separate-stderr cpo-retrieve --timeout 0 --query x
	expect_stderr "cpo-retrieve: --timeout: expected a number from 0.001 to 3600, got '0'"
	run -2 --separate-stderr cpo-retrieve --attempts 0 --query x
	expect_stderr "cpo-retrieve: --attempts: expected an integer from 1 to 1000, got '0'"
}
