#!/usr/bin/env bats
# cpo-segment: the rules and their confidence, k-means and its models, the
# summary, and every diagnostic. Case tables live in tests/fixtures/segment/
# (see its README); the tests below are the cases a table cannot hold.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	cpo_setup
	FIX=$(fixture segment)
}

# customers: the reference system's customers as typed records.
customers() {
	cpo-validate "$FIX/customers.csv"
}

# blobs N SEED: N customers in each of three well-separated groups, with up
# to 5% noise from awk's seeded generator; "blob" says which group.
blobs() {
	awk -v n="$1" -v seed="$2" 'BEGIN {
		srand(seed)
		centre["young"] = "25 2 40 120 0.10 0.02"
		centre["rich"] = "45 20 400 5 0.70 0.30"
		centre["lapsed"] = "65 8 150 60 0.40 0.10"
		split("young rich lapsed", names, " ")
		for (g = 1; g <= 3; g++) {
			split(centre[names[g]], c, " ")
			for (i = 1; i <= n; i++) {
				for (f = 1; f <= 6; f++)
					v[f] = c[f] * (1 + 0.1 * (rand() - 0.5))
				printf "{\"customer_id\":\"%s%d\",\"blob\":\"%s\"," \
				    "\"age\":%d,\"purchase_frequency\":%d," \
				    "\"avg_order_value\":%.2f," \
				    "\"last_engagement_days\":%d," \
				    "\"historical_open_rate\":%.3f," \
				    "\"historical_click_rate\":%.3f}\n",
				    names[g], i, names[g], v[1] + 0.5, v[2] + 0.5,
				    v[3], v[4] + 0.5, v[5], v[6]
			}
		}
	}'
}

@test "the rules give the reference customers the reference system's segments, 84, 145 and 21" {
	customers > customers.ndjson
	run -0 --separate-stderr cpo-segment customers.ndjson
	expect_stderr ''
	printf '%s\n' "$output" > segmented.ndjson
	run -0 jq -c '{customer_id, segment, segment_id, features}' \
	    segmented.ndjson
	expect_stdout "$(cat "$FIX/reference-segments.ndjson")"
	run -0 bash -c 'jq -r .segment segmented.ndjson | sort | uniq -c'
	expect_stdout "     84 High-Value Recent
     21 New Customer
    145 Standard"
}

@test "records: the segment of each crafted customer, boundaries, pass-through and rejects" {
	run_cases cpo-segment "$FIX/records"
}

@test "options: each bad option or combination is named, and exits 2 or 3" {
	run_cases cpo-segment "$FIX/options"
}

@test "a bad rules file is a usage error naming the rule, the condition and the field" {
	run_cases cpo-segment "$FIX/rules-errors"
}

@test "a bad model file is a usage error naming the member or the cluster" {
	run_cases cpo-segment "$FIX/models"
}

@test "the last line needs no newline, and one cut short says so" {
	printf '%s\n%s' '{"age":40,"purchase_frequency":5,"avg_order_value":150,"last_engagement_days":20,"historical_open_rate":0.3,"historical_click_rate":0.1}' \
	    '{"age":40,"purchase_frequency":5,"avg_order_value":150,"last_engagement_days":20,"historical_open_rate":0.3,"historical_click_rate":0.1}' \
	    > whole.ndjson
	run -0 --separate-stderr cpo-segment whole.ndjson
	[ "${#lines[@]}" -eq 2 ]
	expect_stderr ''
	printf '%s\n%s' '{"age":40,"purchase_frequency":5,"avg_order_value":150,"last_engagement_days":20,"historical_open_rate":0.3,"historical_click_rate":0.1}' \
	    '{"age":40,"purchase_frequency":5,"avg' > cut.ndjson
	run -1 --separate-stderr cpo-segment cut.ndjson
	[ "${#lines[@]}" -eq 1 ]
	expect_stderr 'cpo-segment: cut.ndjson:2: invalid JSON at column 35 (last line has no newline: input cut short?)
cpo-segment: 2 read, 1 written, 1 rejected'
}

@test "every input member passes through unchanged and in order, and the four fields follow" {
	customers > customers.ndjson
	run -0 --separate-stderr bash -c \
	    'cpo-segment customers.ndjson |
	    jq -c "del(.segment, .segment_id, .confidence, .features)" |
	    cmp - customers.ndjson && cpo-segment customers.ndjson |
	    jq -c "keys_unsorted[9:]" | sort -u'
	expect_stdout '["segment","segment_id","confidence","features"]'
	expect_stderr ''
}

@test "the built-in rules written as a rules file give the same output" {
	customers > customers.ndjson
	cpo-segment customers.ndjson > default.ndjson
	run -0 --separate-stderr cpo-segment --rules "$FIX/builtin-rules.json" \
	    customers.ndjson
	expect_stderr ''
	same output "$(cat default.ndjson)" "$output"
}

@test "a rules file replaces the built-in rules, and --rules with --method kmeans names the clusters" {
	customers > customers.ndjson
	run -0 --separate-stderr bash -c "cpo-segment --rules \
	    '$FIX/vip-rules.json' customers.ndjson | jq -r .segment |
	    sort | uniq -c"
	expect_stdout "    140 Everyone else
     41 Lapsed
     69 VIP"
	run -0 --separate-stderr bash -c "cpo-segment --method kmeans --rules \
	    '$FIX/vip-rules.json' customers.ndjson | jq -r .segment |
	    sort | uniq -c"
	expect_stdout "     89 Everyone else
     69 Lapsed
     14 Lapsed 2
     78 VIP"
}

@test "a condition of a rules file may set its own margin, and >= 0.4 holds for rates that add up to 0.8" {
	cat > rules.json <<-'EOF'
	[{"segment": "Engaged", "segment_id": 7, "conditions": [
	  {"field": "engagement_score", "op": ">=", "value": 0.4, "margin": 0.2}]},
	 {"segment": "Other", "segment_id": 8, "conditions": []}]
	EOF
	run -0 --separate-stderr bash -c 'for r in "0.1 0.7" "0.5 0.4" "0.6 0.4" "0.3 0.2" "0.2 0.1"; do
	    set -- $r
	    printf "{\"age\":30,\"purchase_frequency\":1,\"avg_order_value\":1,\"last_engagement_days\":1,\"historical_open_rate\":%s,\"historical_click_rate\":%s}\n" "$1" "$2"
	    done | cpo-segment --rules rules.json |
	    jq -c "[.segment, .segment_id, .confidence]"'
	expect_stdout '["Engaged",7,0.5]
["Engaged",7,0.625]
["Engaged",7,0.75]
["Other",8,0.875]
["Other",8,1]'
	expect_stderr ''
}

@test "confidence is 1 deep inside a rule and falls towards 0.5 at the boundary that decides it" {
	run -0 --separate-stderr bash -c 'for d in 0 10 15 20 25 29 30 31 35 45 60; do
	    printf "{\"age\":40,\"purchase_frequency\":10,\"avg_order_value\":250,\"last_engagement_days\":%d,\"historical_open_rate\":0.3,\"historical_click_rate\":0.1}\n" "$d"
	    done | cpo-segment |
	    jq -r "[.last_engagement_days, .segment, .confidence] | @tsv"'
	expect_stdout "0	High-Value Recent	1
10	High-Value Recent	1
15	High-Value Recent	1
20	High-Value Recent	0.8333
25	High-Value Recent	0.6667
29	High-Value Recent	0.5333
30	Standard	0.5
31	At-Risk	0.5333
35	At-Risk	0.6667
45	At-Risk	1
60	At-Risk	1"
	expect_stderr ''
}

@test "the rules file shown in cpo-segment(1) is the built-in rules" {
	awk '/^\.Ss RULES FILE/ { on = 1 }
	    on && /^\.Bd -literal/ { show = 1; next }
	    show && /^\.Ed/ { exit }
	    show' "$CPO_ROOT/man/cpo-segment.1" > rules.json
	run -0 --separate-stderr cmp rules.json "$FIX/builtin-rules.json"
}

@test "running it twice gives the same records as running it once" {
	customers > customers.ndjson
	cpo-segment customers.ndjson > once.ndjson
	run -0 --separate-stderr cpo-segment once.ndjson
	expect_stderr ''
	same output "$(cat once.ndjson)" "$output"
}

@test "--summary writes one line per segment: size, percentage, averages and definition" {
	customers | cpo-segment --summary summary.ndjson > /dev/null
	run -0 cat summary.ndjson
	expect_stdout '{"segment":"High-Value Recent","segment_id":0,"size":84,"percentage":33.6,"characteristics":{"avg_age":40.5,"avg_purchase_frequency":18.19047619047619,"avg_order_value":333.0357142857143,"avg_engagement":0.345595238095238},"definition":"avg_order_value > 200 and last_engagement_days < 30"}
{"segment":"At-Risk","segment_id":1,"size":0,"percentage":0,"characteristics":{"avg_age":null,"avg_purchase_frequency":null,"avg_order_value":null,"avg_engagement":null},"definition":"purchase_frequency > 6 and last_engagement_days > 30, and not High-Value Recent"}
{"segment":"New Customer","segment_id":2,"size":21,"percentage":8.4,"characteristics":{"avg_age":30.857142857142858,"avg_purchase_frequency":2,"avg_order_value":72.38095238095238,"avg_engagement":0.10309523809523811},"definition":"purchase_frequency < 3, and not High-Value Recent or At-Risk"}
{"segment":"Standard","segment_id":3,"size":145,"percentage":58,"characteristics":{"avg_age":33.39310344827586,"avg_purchase_frequency":6.572413793103448,"avg_order_value":142.27586206896552,"avg_engagement":0.19427586206896555},"definition":"every customer not High-Value Recent, At-Risk, New Customer or Loyal Frequent"}
{"segment":"Loyal Frequent","segment_id":4,"size":0,"percentage":0,"characteristics":{"avg_age":null,"avg_purchase_frequency":null,"avg_order_value":null,"avg_engagement":null},"definition":"purchase_frequency > 12 and engagement_score > 0.4, and not High-Value Recent, At-Risk or New Customer"}'
}

@test "--summary with k-means has a line per cluster, defined by its centre and the rule that named it" {
	customers > customers.ndjson
	cpo-segment --method kmeans --summary summary.ndjson customers.ndjson \
	    > /dev/null
	run -0 jq -r '[.segment_id, .segment, .size, .definition] | @tsv' \
	    summary.ndjson
	expect_stdout "0	Standard	89	customers around age 34.06, purchase_frequency 8.91, avg_order_value 183.8, last_engagement_days 19.88, historical_open_rate 0.3848, historical_click_rate 0.09933; named by rule 5 (no conditions)
1	High-Value Recent	78	customers around age 41.49, purchase_frequency 18.47, avg_order_value 337.4, last_engagement_days 4.462, historical_open_rate 0.5151, historical_click_rate 0.1822; named by rule 1 (avg_order_value > 200 and last_engagement_days < 30)
2	Standard 2	69	customers around age 29.72, purchase_frequency 3.493, avg_order_value 89.57, last_engagement_days 63.26, historical_open_rate 0.211, historical_click_rate 0.04493; named by rule 5 (no conditions), whose name 'Standard' a larger cluster took
3	Standard 3	14	customers around age 41, purchase_frequency 3.429, avg_order_value 90.71, last_engagement_days 64, historical_open_rate 0.2114, historical_click_rate 0.045; named by rule 5 (no conditions), whose name 'Standard' a larger cluster took"
	run -0 jq -s -c 'map(.percentage) | add' summary.ndjson
	expect_stdout 100
}

@test "--rejects keeps each rejected line with its file, line and reasons" {
	printf '%s\n' '{"customer_id":"C1","age":"x"}' 'oops' > in.ndjson
	run -1 --separate-stderr cpo-segment --rejects rejects.ndjson in.ndjson
	expect_stdout ''
	run -0 cat rejects.ndjson
	expect_stdout '{"file":"in.ndjson","line":1,"reasons":["field '\''age'\'': expected a number, got \"x\"","field '\''purchase_frequency'\'': missing","field '\''avg_order_value'\'': missing","field '\''last_engagement_days'\'': missing","field '\''historical_open_rate'\'': missing","field '\''historical_click_rate'\'': missing"],"input":"{\"customer_id\":\"C1\",\"age\":\"x\"}"}
{"file":"in.ndjson","line":2,"reasons":["invalid JSON at column 1"],"input":"oops"}'
}

@test "k-means recovers well-separated blobs and names them by the rules" {
	blobs 50 7 > blobs.ndjson
	run -0 --separate-stderr bash -c 'cpo-segment --method kmeans --k 3 \
	    blobs.ndjson | jq -s -c "group_by(.blob) | map({blob: .[0].blob,
	    segment: ([.[].segment] | unique), sure: (map(.confidence) | min
	    > 0.99)})"'
	expect_stdout '[{"blob":"lapsed","segment":["At-Risk"],"sure":true},{"blob":"rich","segment":["High-Value Recent"],"sure":true},{"blob":"young","segment":["New Customer"],"sure":true}]'
	expect_stderr ''
}

@test "--k auto finds the three blobs and keeps the silhouette of each k in the model" {
	blobs 40 11 > blobs.ndjson
	run -0 --separate-stderr bash -c 'cpo-segment --method kmeans --k auto \
	    --save-model model.json blobs.ndjson |
	    jq -s -c "group_by(.blob) | map([.[].segment_id] | unique) |
	    [map(length), (flatten | unique | length)]"'
	expect_stdout '[[1,1,1],3]'
	expect_stderr ''
	run -0 jq -c '[.silhouette[].k], (.silhouette | max_by(.score) | .k),
	    (.clusters | length)' model.json
	expect_stdout '[2,3,4,5,6,7,8]
3
3'
}

@test "k-means writes the records in input order, every member unchanged" {
	blobs 30 3 > blobs.ndjson
	run -0 --separate-stderr bash -c 'cpo-segment --method kmeans \
	    blobs.ndjson | jq -c "del(.segment, .segment_id, .confidence,
	    .features)" | cmp - <(jq -c . blobs.ndjson) && echo same'
	expect_stdout same
	expect_stderr ''
}

@test "the same seed gives the same output byte for byte, and the seed is in the model" {
	blobs 30 5 > blobs.ndjson
	cpo-segment --method kmeans --seed 9 --save-model a.json blobs.ndjson \
	    > a.ndjson
	cpo-segment --method kmeans --seed 9 --save-model b.json blobs.ndjson \
	    > b.ndjson
	run -0 cmp a.ndjson b.ndjson
	run -0 cmp a.json b.json
	run -0 jq -c '[.seed, .restarts, .customers]' a.json
	expect_stdout '[9,10,90]'
}

@test "the same seed fits the same model on every platform: the reference model" {
	customers > customers.ndjson
	cpo-segment --method kmeans --save-model model.json customers.ndjson \
	    > /dev/null
	run -0 --separate-stderr cat model.json
	same model "$(cat "$FIX/reference-model.json")" "$output"
}

@test "a saved model labels the customers exactly as the fit that saved it" {
	customers > customers.ndjson
	cpo-segment --method kmeans --k 5 --restarts 3 --save-model model.json \
	    customers.ndjson > fitted.ndjson
	run -0 --separate-stderr cpo-segment --model model.json customers.ndjson
	expect_stderr ''
	same output "$(cat fitted.ndjson)" "$output"
	run -0 --separate-stderr cpo-segment --model "$FIX/reference-model.json" \
	    customers.ndjson
	same output "$(cpo-segment --method kmeans customers.ndjson)" "$output"
}

@test "a model fitted on a sample labels customers it never saw, one record at a time" {
	customers > customers.ndjson
	head -n 100 customers.ndjson | cpo-segment --method kmeans \
	    --save-model sample.json > sample.ndjson
	run -0 --separate-stderr bash -c 'cpo-segment --model sample.json \
	    customers.ndjson | head -n 100 | cmp - sample.ndjson &&
	    cpo-segment --model sample.json customers.ndjson | wc -l'
	expect_stdout 250
	expect_stderr ''
}

@test "k-means keeps the records in a temporary file under TMPDIR; one it cannot create is an I/O error" {
	customers > customers.ndjson
	mkdir tmp
	TMPDIR=$PWD/tmp run -0 --separate-stderr cpo-segment --method kmeans \
	    customers.ndjson
	expect_stderr ''
	run -0 ls -A tmp
	expect_stdout ''
	TMPDIR=$PWD/missing run -3 --separate-stderr cpo-segment \
	    --method kmeans customers.ndjson
	expect_stdout ''
	expect_stderr 'cpo-segment: temporary file: No such file or directory'
}

@test "a write error on standard output, the summary or the model exits 3" {
	customers > customers.ndjson
	run -3 --separate-stderr bash -c 'cpo-segment customers.ndjson > /dev/full'
	expect_stderr 'cpo-segment: <stdout>: write error: No space left on device'
	run -3 --separate-stderr cpo-segment --summary /dev/full customers.ndjson
	expect_stderr 'cpo-segment: /dev/full: write error: No space left on device'
	run -3 --separate-stderr cpo-segment --method kmeans \
	    --save-model /dev/full customers.ndjson
	expect_stderr 'cpo-segment: /dev/full: write error: No space left on device'
}

@test "--help prints the usage and the options to standard output and exits 0" {
	run -0 --separate-stderr cpo-segment --help
	expect_stdout 'usage: cpo-segment [--method rules|kmeans] [--rules FILE] [--k N|auto] [--restarts N] [--seed N] [--model FILE] [--save-model FILE] [--summary FILE] [--rejects FILE] [--strict] [--quiet] [FILE]

Add segment, segment_id, confidence and features to customer records.

  -m, --method M         rules (default) or kmeans
      --rules FILE       segment rules as JSON (default: built in)
  -k, --k N|auto         k-means clusters, 1 to 100, or auto (default 4)
      --restarts N       k-means restarts (default 10)
      --seed N           seed of the k-means restarts (default 42)
      --model FILE       label with a saved k-means model
      --save-model FILE  save the fitted k-means model to FILE
      --summary FILE     write one line per segment to FILE
  -r, --rejects FILE     write rejected records, with reasons, to FILE
  -s, --strict           stop at the first rejected record
  -q, --quiet            no progress line while fitting k-means
  -h, --help             show this help and exit
  -V, --version          show the version and exit'
	expect_stderr ''
}

@test "--version prints the program and the release" {
	run -0 --separate-stderr cpo-segment --version
	[[ $output =~ ^cpo-segment\ \(cpo\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	expect_stderr ''
}
