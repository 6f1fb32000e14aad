#!/usr/bin/env bats
# cpo-lift's calibration against cpo-simulate's truth: repeated seeded runs
# of the whole experiment (assign, simulate, analyze), checking that the
# tests reject a true null as often as alpha says and that the intervals
# cover the true lift as often as their level says. Slow: about 400 runs.

bats_require_minimum_version 1.5.0
load helpers

export SOURCE_DATE_EPOCH=1764000000

# customers N: writes in.ndjson, N customers by fixed formulas.
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

@test "over 200 seeded A/A runs, the raw open-rate test at alpha 0.05 rejects 2% to 9% of the time" {
	local s
	customers 2000
	for s in $(seq 1 200); do
		cpo-assign --seed "$s" in.ndjson | cpo-simulate --aa --seed "$s" |
		    cpo-lift
	done > docs.ndjson
	run -0 --separate-stderr sh -c 'jq -r ".lift_analysis[] | select(.metric == \"open_rate\") | .statistical_significance.p_value" docs.ndjson | awk "{ n++; if (\$1 < 0.05) k++ } END { r = k / n; printf \"%d tests, %d rejected, rate %.3f, %s\n\", n, k, r, (r >= 0.02 && r <= 0.09) ? \"within 0.02..0.09\" : \"OUTSIDE 0.02..0.09\" }"'
	expect_stdout '600 tests, 34 rejected, rate 0.057, within 0.02..0.09'
	expect_stderr ''
}

@test "over 200 seeded runs with the model's effects, the 95% intervals cover the truth's lift 90% to 99% of the time" {
	local s
	customers 2000
	for s in $(seq 1 200); do
		cpo-assign --seed "$s" in.ndjson |
		    cpo-simulate --seed "$s" --truth truth.json | cpo-lift
		cat truth.json
	done > docs.ndjson
	run -0 --separate-stderr sh -c 'jq -s -r "[range(0; length; 2) as \$i | .[\$i] as \$d | .[\$i + 1] as \$t | \$d.lift_analysis[] | select(.metric == \"open_rate\") | . as \$c | (\$t.lift[] | select(.treatment_arm == \$c.treatment_arm and .metric == \"open_rate\") | .lift_absolute) as \$truth | \$c.statistical_significance.confidence_interval | .lower <= \$truth and \$truth <= .upper] | \"\(length) intervals, \(map(select(.)) | length) cover\"" docs.ndjson'
	expect_stdout '600 intervals, 565 cover'
	expect_stderr ''
	[ "$(echo "$output" | awk '{ r = $3 / $1; print (r >= 0.90 && r <= 0.99) }')" = 1 ]
}
