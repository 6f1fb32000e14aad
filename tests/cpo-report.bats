#!/usr/bin/env bats
# cpo-report: an experiment metrics document as one self-contained HTML
# page. The page is read back with python's html.parser
# (fixtures/report/page.py) and, in the last tests, rendered by headless
# Chromium.

bats_require_minimum_version 1.5.0
load helpers

FIX=$BATS_TEST_DIRNAME/fixtures/report

page() {
	python3 "$FIX/page.py" "$@"
}

@test "the arm table has each arm's customers, counts, rates and fallbacks" {
	run -0 cpo-report "$FIX/metrics.json"
	printf '%s\n' "$output" > page.html
	run -0 page page.html table arms
	expect_stdout 'Arm | Customers | sent | opened | clicked | converted | open_rate | click_rate | conversion_rate | Fallbacks | Fallback rate
control | 499 | 499 | 159 | 43 | 3 | 31.9% | 8.6% | 0.6% | 0 | 0.0%
treatment_1 | 501 | 501 | 213 | 80 | 6 | 42.5% | 16.0% | 1.2% | 0 | 0.0%
treatment_2 | 501 | 501 | 166 | 60 | 8 | 33.1% | 12.0% | 1.6% | 0 | 0.0%
treatment_3 | 499 | 499 | 200 | 82 | 8 | 40.1% | 16.4% | 1.6% | 0 | 0.0%'
}

@test "a forest plot per metric shows every treatment's relative lift and interval, significant ones marked" {
	cpo-report "$FIX/metrics.json" > page.html
	run -0 page page.html forest
	expect_stdout 'figure: open_rate (primary metric)
* treatment_1: +33.4% [+11.6, +55.3] *
  treatment_2: +4.0% [-14.6, +22.6]
* treatment_3: +25.8% [+4.7, +46.8] *
zero line: 1
axis: Relative lift over control (%), 95% intervals
figure: click_rate
* treatment_1: +85.3% [+20.6, +150.0] *
  treatment_2: +39.0% [-12.6, +90.6]
* treatment_3: +90.7% [+24.4, +157.0] *
zero line: 1
axis: Relative lift over control (%), 95% intervals
figure: conversion_rate
  treatment_1: +99.2% [-175.8, +374.2]
  treatment_2: +165.6% [-185.3, +516.5]
  treatment_3: +166.7% [-185.6, +519.0]
zero line: 1
axis: Relative lift over control (%), 95% intervals'
}

@test "the forest plot's axis spans zero and every interval, with round ticks" {
	cpo-report "$FIX/metrics.json" > page.html
	# The tick labels of the first plot (open_rate: -14.6 to +55.3).
	run -0 python3 -c '
import re
svg = open("page.html").read().split("<svg")[1]
print(" ".join(re.findall(r"font-size=\"11\" text-anchor=\"middle\" fill=\"#24292f\">([^<]*)<", svg)))'
	expect_stdout '-20 0 20 40 60'
}

@test "the lift table has both intervals, the test, raw and adjusted p-values and notes" {
	cpo-report "$FIX/metrics.json" > page.html
	run -0 page page.html table lift
	expect_stdout 'Treatment | Metric | Control | Treatment | Relative lift [interval] | Difference, points [interval] | Test | p | p adjusted | Significant
treatment_1 | open_rate | 31.9% | 42.5% | +33.4% [+11.6, +55.3] | +10.65 [+4.66, +16.53] | z_pooled | 0.0005 | 0.0035 | yes
treatment_1 | click_rate | 8.6% | 16.0% | +85.3% [+20.6, +150.0] | +7.35 [+3.29, +11.43] | z_pooled | 0.0004 | 0.0032 | yes
treatment_1 | conversion_rate | 0.6% | 1.2% | +99.2% [-175.8, +374.2] | +0.60 [-0.72, +2.04] | fisher_exact | 0.5058 | 1.0000 | no
 | an expected count is below 5: Fisher'"'"'s exact test is used
treatment_2 | open_rate | 31.9% | 33.1% | +4.0% [-14.6, +22.6] | +1.27 [-4.53, +7.05] | z_pooled | 0.6681 | 1.0000 | no
treatment_2 | click_rate | 8.6% | 12.0% | +39.0% [-12.6, +90.6] | +3.36 [-0.43, +7.17] | z_pooled | 0.0806 | 0.4030 | no
treatment_2 | conversion_rate | 0.6% | 1.6% | +165.6% [-185.3, +516.5] | +1.00 [-0.40, +2.57] | z_pooled | 0.1312 | 0.5181 | no
treatment_3 | open_rate | 31.9% | 40.1% | +25.8% [+4.7, +46.8] | +8.22 [+2.26, +14.09] | z_pooled | 0.0068 | 0.0411 | yes
treatment_3 | click_rate | 8.6% | 16.4% | +90.7% [+24.4, +157.0] | +7.82 [+3.72, +11.93] | z_pooled | 0.0002 | 0.0017 | yes
treatment_3 | conversion_rate | 0.6% | 1.6% | +166.7% [-185.6, +519.0] | +1.00 [-0.39, +2.58] | z_pooled | 0.1295 | 0.5181 | no'
}

@test "the segment breakdown has each segment's best arm, lift and every arm's rate" {
	cpo-report "$FIX/metrics.json" > page.html
	run -0 page page.html table segments
	expect_stdout 'Segment | Customers | Best arm | Metric | Lift | p | p adjusted | Significant | control | treatment_1 | treatment_2 | treatment_3
At-Risk | 184 | treatment_3 | open_rate | +100.0% | 0.0393 | 0.0817 | no | 19.6% (46) | 30.4% (46) | 30.4% (46) | 39.1% (46)
High-Value Recent | 330 | treatment_3 | open_rate | +40.5% | 0.0187 | 0.0749 | no | 45.1% (82) | 49.4% (83) | 39.8% (83) | 63.4% (82)
Loyal Frequent | 128 | treatment_1 | open_rate | +14.8% | 0.1961 | 0.1961 | no | 84.4% (32) | 96.9% (32) | 84.4% (32) | 87.5% (32)
New Customer | 346 | treatment_1 | open_rate | +79.2% | 0.0272 | 0.0817 | no | 18.6% (86) | 33.3% (87) | 10.3% (87) | 15.1% (86)
Standard | 1012 | treatment_1 | open_rate | +40.0% | 0.0082 | 0.0411 | yes | 27.7% (253) | 38.7% (253) | 32.8% (253) | 35.2% (253)'
}

@test "the SRM verdict is at the top, with the check's numbers and the fallback rates below" {
	cpo-report "$FIX/metrics.json" > page.html
	run -0 page page.html text srm-verdict
	expect_stdout 'SRM: no sample ratio mismatch. The arm sizes agree with the planned split.'
	run -0 page page.html table checks
	expect_stdout 'Arm | Customers | Share | Planned share | Fallbacks | Fallback rate
control | 499 | 24.9% | 25.0% | 0 | 0.0%
treatment_1 | 501 | 25.1% | 25.0% | 0 | 0.0%
treatment_2 | 501 | 25.1% | 25.0% | 0 | 0.0%
treatment_3 | 499 | 24.9% | 25.0% | 0 | 0.0%'
	grep -qF '<p>Chi-square 0.008 on 3 degrees of freedom, p 0.9998; a mismatch is declared below p 0.0010.</p>' page.html
}

@test "a sample ratio mismatch is shown as a warning" {
	jq '.sample_ratio.mismatch = true | .arms[1].fallback = {count: 7, rate: 0.014}' \
	    "$FIX/metrics.json" | cpo-report > page.html
	run -0 page page.html text srm-verdict
	expect_stdout 'SRM: sample ratio mismatch. The arm sizes differ from the planned split by more than chance allows; randomization or logging may be broken, and the lifts below may be biased.'
	run -0 page page.html table checks
	same 'treatment_1' 'treatment_1 | 501 | 25.1% | 25.0% | 7 | 1.4%' "${lines[2]}"
}

@test "the test and the multiple-comparison correction used are named" {
	cpo-report "$FIX/metrics.json" > page.html
	run -0 python3 -c '
import re
m = open("page.html").read().split("id=\"method\"")[1]
for dt, dd in re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", m):
    print(dt + ": " + dd)'
	expect_stdout 'Tests used: z_pooled, fisher_exact
Multiple-comparison correction: holm
Significance level: 0.050
unit: intention_to_treat
test: z_pooled
small sample test: fisher_exact
small sample rule: an expected count below 5
interval: newcombe
relative interval: delta
correction: holm
family: every treatment arm and metric
significant when: p_value_adjusted &lt; alpha
lift percent: 100 * (treatment - control) / control'
}

@test "the page is well formed, self-contained and has no script" {
	cpo-report "$FIX/metrics.json" > page.html
	run -0 page page.html nesting
	expect_stdout ok
	run -0 page page.html tags
	expect_stdout 'body
dd
div
dl
dt
figcaption
figure
footer
g
h1
h2
head
html
line
meta
p
path
rect
span
strong
style
svg
table
tbody
td
text
th
thead
title
tr'
	run -1 grep -Ei 'src=|href=|url\(|@import|<script|javascript:' page.html
}

@test "every string from the document is escaped: a hostile arm name stays text" {
	run -0 cpo-report "$FIX/hostile.json"
	printf '%s\n' "$output" > page.html
	run -0 page page.html nesting
	expect_stdout ok
	# No element came from the document: the tags are the page's own.
	run -0 page page.html tags
	run -1 grep -xE 'script|img|b|i|u' <<< "$output"
	run -1 grep -iE '<(script|img|b|i|u|svg onload)[ >]' page.html
	grep -qF '<th scope="row">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</th>' page.html
	grep -qF '<title>Experiment report: &lt;/title&gt;&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;</title>' page.html
	run -0 page page.html table arms
	same 'arm row' "<script>alert(\"x\")</script> & 'co' | 100 | 100 | 30 | 30.0%" "${lines[2]}"
	run -0 page page.html forest
	same 'forest row' "  <script>alert(\"x\")</script> & 'co': +50.0% (no interval)" "${lines[1]}"
	run -0 page page.html table segments
	same 'segment row' "\"><svg onload=alert(2)> | 200 | <script>alert(\"x\")</script> & 'co' | open_rate | +50.0% | n/a | n/a | n/a | n/a | n/a" "${lines[1]}"
}

@test "a long arm name is cut in the plot but whole in its title and the tables" {
	jq '.arms[1].arm_name = "treatment_one_with_a_very_long_name" |
	    .lift_analysis[0].treatment_arm = "treatment_one_with_a_very_long_name"' \
	    "$FIX/metrics.json" | cpo-report > page.html
	grep -qF '>treatment_one_with_…</text>' page.html
	grep -qF '<title>treatment_one_with_a_very_long_name: +33.4% [+11.6, +55.3] *</title>' page.html
}

@test "the seed's shape is read: arms keyed by name, metrics_by_arm, test_type" {
	cpo-report "$FIX/seed.json" > page.html
	run -0 page page.html table arms
	same 'arms' 'treatment_3 | 62 | 62 | 24 | 0 | 0 | 38.7% | 0.0% | 0.0%' "${lines[4]}"
	run -0 page page.html forest
	same 'first plot' 'figure: open_rate (primary metric)
  treatment_1: +21.1% (no interval)
  treatment_2: +5.3% (no interval)
  treatment_3: +26.3% (no interval)
zero line: 1
axis: Relative lift over control (%)' "$(head -n 6 <<< "$output")"
	run -0 page page.html table segments
	same 'segment' 'New Customer | 20 | control | open_rate | 0.0% | n/a | n/a | n/a | 0.0% (5) | 0.0% (5) | 0.0% (5) | 20.0% (5)' "${lines[3]}"
	run -0 page page.html text srm-verdict
	expect_stdout 'SRM: not checked. The document has no sample ratio check; compare the arm sizes below with the planned split.'
	grep -qF '<dt>Tests used</dt><dd>chi_square, failed</dd>' page.html
	grep -qF 'error: The internally computed table of expected frequencies' page.html
}

@test "a document with only arms gives a page that says what it lacks" {
	run -0 --separate-stderr cpo-report "$FIX/minimal.json"
	expect_stderr ''
	printf '%s\n' "$output" > page.html
	run -0 page page.html table arms
	expect_stdout 'Arm | Customers
control | 10
treatment_1 | 12'
	grep -qF '<p>The document has no lift analysis.</p>' page.html
	grep -qF '<p>The document has no segment breakdown.</p>' page.html
	grep -qF '<dt>Tests used</dt><dd>not stated</dd>' page.html
	run -0 page page.html text srm-verdict
	expect_stdout 'SRM: not checked. The document has no sample ratio check; compare the arm sizes below with the planned split.'
}

@test "the same document gives the same bytes, from a file or the standard input" {
	cpo-report "$FIX/metrics.json" > a.html
	cpo-report < "$FIX/metrics.json" > b.html
	cpo-report - < "$FIX/metrics.json" > c.html
	cmp a.html b.html
	cmp a.html c.html
	cpo-report "$FIX/metrics.json" | cmp - a.html
}

@test "--output writes the page to FILE and nothing to the standard output" {
	run -0 --separate-stderr cpo-report -o out.html "$FIX/metrics.json"
	expect_stdout ''
	expect_stderr ''
	cpo-report "$FIX/metrics.json" | cmp - out.html
	run -0 --separate-stderr cpo-report --output out2.html < "$FIX/metrics.json"
	cmp out.html out2.html
}

@test "malformed documents and bad options: each error names the file and the field" {
	run_cases cpo-report "$FIX/cases"
}

@test "an error in a named file names the file, and no --output file is left" {
	printf '{"arms": [{"arm_name": "control", "sample_size": "ten"}]}\n' > bad.json
	run -1 --separate-stderr cpo-report -o out.html bad.json
	expect_stdout ''
	expect_stderr "cpo-report: bad.json: field 'arms[0].sample_size': expected a number, got \"ten\""
	[ ! -e out.html ]
}

@test "a missing input file is an I/O error, exit 3" {
	run -3 --separate-stderr cpo-report nosuch.json
	expect_stdout ''
	expect_stderr 'cpo-report: nosuch.json: No such file or directory'
}

@test "an --output file that cannot be created is an I/O error, exit 3" {
	run -3 --separate-stderr cpo-report -o nodir/out.html "$FIX/minimal.json"
	expect_stdout ''
	expect_stderr 'cpo-report: nodir/out.html: No such file or directory'
}

@test "--help prints the usage and the options" {
	run -0 --separate-stderr cpo-report --help
	expect_stderr ''
	expect_stdout 'usage: cpo-report [--output FILE] [FILE]

Write an experiment metrics document as a self-contained HTML page.

  -o, --output FILE      write the page to FILE (default: stdout)
  -h, --help             show this help and exit
  -V, --version          show the version and exit'
}

@test "--version prints the program and the release" {
	run -0 --separate-stderr cpo-report --version
	[[ $output =~ ^cpo-report\ \(cpo\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "cpo-lift's output, piped in, makes a page" {
	run -0 bash -c "cpo-report < '$FIX/metrics.json' | head -c 15"
	expect_stdout '<!DOCTYPE html>'
}

# chromium_or_skip: makes sure headless Chromium is there, installing it
# through scripts/ensure-packages when it is not (as `make test` does), and
# skips the test with the reason only when it cannot be had.
chromium_or_skip() {
	if ! command -v chromium >/dev/null &&
	    ! "$CPO_ROOT/scripts/ensure-packages" chromium:chromium \
	    >/dev/null 2>&1; then
		if [ "$(id -u)" -ne 0 ]; then
			skip 'chromium is missing and cannot be installed without root: apt-get install chromium'
		fi
		skip 'chromium is missing and apt-get could not install it'
	fi
	# Chromium writes its profile and crash files under HOME.
	export HOME=$BATS_TEST_TMPDIR
}

# Chromium reads a page that other tests check cpo-report writes from the
# same document: left out of the sanitizer run (make check-asan).
# bats test_tags=no-sanitizer
@test "in headless Chromium the page renders to a picture that is not blank" {
	chromium_or_skip
	cpo-report -o page.html "$FIX/metrics.json"
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --hide-scrollbars --screenshot="$PWD/page.png" \
	    --window-size=1200,1600 "file://$PWD/page.html" 2>/dev/null
	# Decode the PNG: its size, and how many distinct rows its image data
	# has (a blank page, all one colour, has one or two).
	run -0 python3 -c '
import struct, zlib
data = open("page.png", "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, colour = struct.unpack(">IIBB", body[:10])
    if kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = 1 + w * {2: 3, 6: 4}[colour] * depth // 8
rows = set(raw[i * stride + 1:(i + 1) * stride] for i in range(h))
print(w, h, len(rows) > 50)'
	expect_stdout '1200 1600 True'
}

# Chromium reads a page that other tests check cpo-report writes from the
# same document: left out of the sanitizer run (make check-asan).
# bats test_tags=no-sanitizer
@test "in headless Chromium the DOM has the arm names, metric names and SRM" {
	chromium_or_skip
	cpo-report -o page.html "$FIX/metrics.json"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --dump-dom \
	    "file://$PWD/page.html" > dom.html 2>/dev/null
	run -0 page dom.html forest
	same 'plots in the DOM' "$(cpo-report "$FIX/metrics.json" > p.html &&
	    page p.html forest)" "$output"
	local label
	for label in control treatment_1 treatment_2 treatment_3 open_rate \
	    click_rate conversion_rate 'SRM: no sample ratio mismatch.' \
	    'Relative lift over control (%), 95% intervals' holm z_pooled; do
		grep -qF -- "$label" dom.html || { echo "missing: $label"; return 1; }
	done
}
