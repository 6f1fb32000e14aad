#!/usr/bin/env bats
# cpo-lift, specified by its tests. The test names read like the manual page
# (man/cpo-lift.1). Statistics are checked against R 4.2.2 (Debian 12): the
# numbers were computed by tests/fixtures/lift/reference.R and cuped.R,
# whose output is kept beside them, and are written here as literals; they
# must agree to 9 significant digits. The calibration runs are in
# tests/cpo-lift-calibration.bats.

bats_require_minimum_version 1.5.0
load helpers

USAGE='usage: cpo-lift [--experiment FILE] [--test TEST] [--interval newcombe|wald] [--correction holm|bh|bonferroni|none] [--alpha A] [--cuped] [--power] [--mde R] [--partial] [--merge] [--format json|table] [--rejects FILE] [--strict] [FILE ...]'

export SOURCE_DATE_EPOCH=1764000000

# agree WHAT WANT GOT: succeeds when GOT is WANT to a relative 1e-9 (or
# both are within 1e-12 of each other).
agree() {
	awk -v what="$1" -v w="$2" -v g="$3" 'BEGIN {
		d = w - g; if (d < 0) d = -d
		s = w < 0 ? -w : w
		if (g != "" && g != "null" && (d <= 1e-9 * s || d <= 1e-12)) exit 0
		printf "%s: want %s, got %s\n", what, w, g; exit 1
	}'
}

# partial ARM SENT OPENED: one --partial line of the two-arm experiment
# (tests/fixtures/lift/two-arms.json) for ARM, with no clicks.
partial() {
	printf '{"cpo_lift_partial":1,"experiment_id":"EXP001","arms":["control","treatment"],"segment":null,"arm":"%s","sent":%s,"opened":%s,"clicked":0,"converted":0,"fallback":0,"covariates":0,"x":["0","0"],"xx":["0","0"],"xy":["0","0","0"]}\n' "$@"
}

# counts XC NC XT NT: writes counts.ndjson, control XC of NC opened against
# treatment XT of NT.
counts() {
	{ partial control "$2" "$1"; partial treatment "$4" "$3"; } > counts.ndjson
}

# open ARGS...: prints the open-rate comparison of counts.ndjson.
open_rate() {
	cpo-lift --experiment "$(fixture lift/two-arms.json)" --merge "$@" \
	    counts.ndjson | jq -c '.lift_analysis[0]'
}

# engaged N: writes engaged.ndjson, N customers (by fixed formulas, the
# same on every machine) assigned and simulated with the default seed.
engaged() {
	awk -v n="$1" 'BEGIN {
		split("High-Value Recent,At-Risk,Standard,New Customer", seg, ",")
		for (i = 1; i <= n; i++) {
			o = (i * 7919 % 1000) / 1000 * 0.7
			c = o * (i * 104729 % 1000) / 1000 * 0.4
			printf "{\"customer_id\":\"C%06d\",\"historical_open_rate\":%.3f,\"historical_click_rate\":%.4f,\"segment\":\"%s\"}\n",
			    i, o, c, seg[1 + i % 4]
		}
	}' | cpo-assign | cpo-simulate > engaged.ndjson
}

# --- The document -------------------------------------------------------

@test "the document is the seed's Metrics Model, with the analysis it used, a sample ratio check and computed_at" {
	run -0 --separate-stderr sh -c 'cpo-lift "$1" | jq -c "[keys_unsorted, (.arms[0] | keys_unsorted), (.lift_analysis[0] | keys_unsorted), (.lift_analysis[0].statistical_significance | keys_unsorted), (.segment_breakdown[0] | keys_unsorted)]"' sh \
	    "$(fixture simulate/customers.simulated.ndjson)"
	expect_stdout '[["experiment_id","experiment_name","total_customers","primary_metric","alpha","analysis","arms","lift_analysis","sample_ratio","segment_breakdown","computed_at"],["arm_name","sample_size","metrics","counts","fallback"],["treatment_arm","metric","primary","control_value","treatment_value","lift_percent","lift_absolute","statistical_significance","notes"],["test","statistic","p_value","p_value_adjusted","correction","significant","confidence_interval","relative_confidence_interval"],["segment","sample_size","best_performing_arm","lift_percent","metric","lift_absolute","test","p_value","p_value_adjusted","significant","notes","arms"]]'
	expect_stderr ''
}

@test "the whole document for the sample customers" {
	run -0 --separate-stderr cpo-lift "$(fixture simulate/customers.simulated.ndjson)"
	expect_stdout "$(cat "$(fixture lift/customers.metrics.json)")"
	expect_stderr ''
}

@test "each arm has its counts, its rates over the customers sent, and its fallback rate" {
	run -0 --separate-stderr sh -c 'cpo-assign --seed 3 --keep-variants "$1" | cpo-simulate | cpo-lift | jq -c ".arms[] | select(.arm_name == \"treatment_3\")"' sh \
	    "$(fixture simulate/messages.ndjson)"
	expect_stdout '{"arm_name":"treatment_3","sample_size":2,"metrics":{"open_rate":0.5,"click_rate":0.5,"conversion_rate":0.5},"counts":{"sent":2,"opened":1,"clicked":1,"converted":1},"fallback":{"count":1,"rate":0.5}}'
	expect_stderr ''
}

@test "the analysis says which test, interval and correction were used and what decides significance" {
	run -0 --separate-stderr sh -c 'cpo-lift < /dev/null | jq -c .analysis'
	expect_stdout '{"unit":"intention_to_treat","test":"z_pooled","small_sample_test":"fisher_exact","small_sample_rule":"an expected count below 5","interval":"newcombe","relative_interval":"delta","correction":"holm","family":"every treatment arm and metric","significant_when":"p_value_adjusted < alpha","lift_percent":"100 * (treatment - control) / control"}'
	expect_stderr ''
}

@test "bare engagement events are analyzed as records are" {
	cpo-lift "$(fixture simulate/customers.simulated.ndjson)" | jq -c '.arms' > records
	run -0 --separate-stderr sh -c 'jq -c .engagement "$1" | cpo-lift | jq -c .arms | cmp - records && echo same' sh \
	    "$(fixture simulate/customers.simulated.ndjson)"
	expect_stdout 'same'
	expect_stderr ''
}

# --- Tests and intervals, against R -------------------------------------

@test "the default test is the pooled two-proportion z-test: 100/1000 against 130/1000 gives z 2.1027, p 0.03549 (R prop.test)" {
	counts 100 1000 130 1000
	open_rate > out
	agree z 2.10274060562211 "$(jq .statistical_significance.statistic out)"
	agree p 0.0354884504664747 "$(jq .statistical_significance.p_value out)"
	[ "$(jq -r .statistical_significance.test out)" = z_pooled ]
	agree lift_absolute 0.03 "$(jq .lift_absolute out)"
	agree lift_percent 30 "$(jq .lift_percent out)"
}

@test "--test z_unpooled, chi_square_yates and fisher_exact agree with R" {
	counts 100 1000 130 1000
	open_rate --test z_unpooled > out
	agree z 2.105068793018 "$(jq .statistical_significance.statistic out)"
	agree p 0.0352853202504929 "$(jq .statistical_significance.p_value out)"
	open_rate --test chi_square_yates > out
	agree X2 4.13166298206829 "$(jq .statistical_significance.statistic out)"
	agree p 0.0420879717671758 "$(jq .statistical_significance.p_value out)"
	open_rate --test fisher_exact > out
	agree p 0.0419045483837351 "$(jq .statistical_significance.p_value out)"
	counts 4980 50000 5210 50000
	open_rate --test chi_square_yates > out
	agree X2 5.73023039916675 "$(jq .statistical_significance.statistic out)"
	agree p 0.0166752947092192 "$(jq .statistical_significance.p_value out)"
	open_rate --test fisher_exact > out
	agree p 0.0166718940482367 "$(jq .statistical_significance.p_value out)"
	counts 30 62 23 62
	open_rate > out
	agree z -1.27069632365771 "$(jq .statistical_significance.statistic out)"
	agree p 0.203836703976891 "$(jq .statistical_significance.p_value out)"
	open_rate --test fisher_exact > out
	agree p 0.276034823644837 "$(jq .statistical_significance.p_value out)"
}

@test "Fisher's exact test replaces an approximate test when an expected count is below 5, and the entry says so" {
	counts 1 34 7 34
	run -0 --separate-stderr sh -c 'cpo-lift --experiment "$1" --merge counts.ndjson | jq -c ".lift_analysis[0] | [.statistical_significance.test, .statistical_significance.statistic, .notes]"' sh \
	    "$(fixture lift/two-arms.json)"
	expect_stdout '["fisher_exact",null,["an expected count is below 5: Fisher'"'"'s exact test is used"]]'
	expect_stderr ''
	open_rate > out
	agree p 0.0544001304950657 "$(jq .statistical_significance.p_value out)"
}

@test "the default interval is Newcombe's hybrid score interval: 1/34 against 7/34 gives (0.019, 0.340) (Fagerland et al.)" {
	counts 1 34 7 34
	open_rate > out
	agree lower 0.018921443885773 "$(jq .statistical_significance.confidence_interval.lower out)"
	agree upper 0.340368687032707 "$(jq .statistical_significance.confidence_interval.upper out)"
	counts 100 1000 130 1000
	open_rate > out
	agree lower 0.00200234871528303 "$(jq .statistical_significance.confidence_interval.lower out)"
	agree upper 0.0580704850222028 "$(jq .statistical_significance.confidence_interval.upper out)"
	counts 0 50 3 50
	open_rate > out
	agree lower -0.0214963831265329 "$(jq .statistical_significance.confidence_interval.lower out)"
	agree upper 0.162170916888382 "$(jq .statistical_significance.confidence_interval.upper out)"
}

@test "--interval wald gives the normal approximation: 100/1000 against 130/1000 gives (0.00207, 0.05793)" {
	counts 100 1000 130 1000
	open_rate --interval wald > out
	agree lower 0.00206793443937637 "$(jq .statistical_significance.confidence_interval.lower out)"
	agree upper 0.0579320655606236 "$(jq .statistical_significance.confidence_interval.upper out)"
	[ "$(jq -r .statistical_significance.confidence_interval.method out)" = wald ]
}

@test "the relative lift has a delta-method interval: 30% with a standard error of 16.28 points" {
	counts 100 1000 130 1000
	open_rate > out
	agree se 16.2849623886578 "$(jq .statistical_significance.relative_confidence_interval.se out)"
	agree lower -1.9179397713587 "$(jq .statistical_significance.relative_confidence_interval.lower out)"
	agree upper 61.9179397713587 "$(jq .statistical_significance.relative_confidence_interval.upper out)"
}

@test "a control rate of 0 leaves the relative lift null, with a reason" {
	counts 0 50 3 50
	run -0 --separate-stderr sh -c 'cpo-lift --experiment "$1" --merge counts.ndjson | jq -c ".lift_analysis[0] | [.control_value, .lift_percent, .statistical_significance.relative_confidence_interval.lower, .notes]"' sh \
	    "$(fixture lift/two-arms.json)"
	expect_stdout '[0,null,null,["the control rate is 0: the relative lift is undefined","an expected count is below 5: Fisher'"'"'s exact test is used"]]'
	expect_stderr ''
	open_rate > out
	agree fisher 0.242424242424242 "$(jq .statistical_significance.p_value out)"
}

@test "--alpha sets the level of the intervals and the threshold of significance" {
	counts 100 1000 130 1000
	run -0 --separate-stderr sh -c 'cpo-lift --experiment "$1" --merge --alpha 0.01 counts.ndjson | jq -c "[.alpha, (.lift_analysis[0].statistical_significance | .significant, .confidence_interval.level, .confidence_interval.lower < 0)]"' sh \
	    "$(fixture lift/two-arms.json)"
	expect_stdout '[0.01,false,0.99,true]'
	expect_stderr ''
}

# --- Multiple comparisons -----------------------------------------------

@test "Holm's correction, by default, adjusts every treatment arm and metric as R's p.adjust does; significant uses the adjusted p-value" {
	engaged 20000
	cpo-lift engaged.ndjson > doc.json
	local raw=(0.0036766817240633802 0.004700107859634392 0.35696164811856157 0.33347324834207953 0.0003399713843497523 0.5569663147374837 0.00013692330500051996 0.04806234211543882 0.5569663147374837)
	local want=(0.0257367720684437 0.0282006471578064 1 1 0.00271977107479802 1 0.00123230974500468 0.240311710577194 1) i
	for i in 0 1 2 3 4 5 6 7 8; do
		agree "p $i" "${raw[$i]}" "$(jq ".lift_analysis[$i].statistical_significance.p_value" doc.json)"
		agree "holm $i" "${want[$i]}" "$(jq ".lift_analysis[$i].statistical_significance.p_value_adjusted" doc.json)"
	done
	run -0 --separate-stderr jq -c '[.lift_analysis[].statistical_significance.significant]' doc.json
	expect_stdout '[true,true,false,false,true,false,true,false,false]'
}

@test "--correction bh and bonferroni adjust as R's p.adjust does; none leaves the p-values as they are" {
	engaged 20000
	local bh=(0.0105752426841774 0.0105752426841774 0.458950690438151 0.458950690438151 0.00152987122957389 0.556966314737484 0.00123230974500468 0.0865122158077899 0.556966314737484)
	local bonf=(0.0330901355165704 0.0423009707367095 1 1 0.00305974245914777 1 0.00123230974500468 0.432561079038949 1)
	local i
	cpo-lift --correction bh engaged.ndjson > bh.json
	cpo-lift --correction bonferroni engaged.ndjson > bonf.json
	for i in 0 1 2 3 4 5 6 7 8; do
		agree "bh $i" "${bh[$i]}" "$(jq ".lift_analysis[$i].statistical_significance.p_value_adjusted" bh.json)"
		agree "bonferroni $i" "${bonf[$i]}" "$(jq ".lift_analysis[$i].statistical_significance.p_value_adjusted" bonf.json)"
	done
	run -0 --separate-stderr sh -c 'cpo-lift --correction none engaged.ndjson | jq "[.lift_analysis[].statistical_significance | .p_value == .p_value_adjusted] | all"'
	expect_stdout 'true'
}

# --- Sample ratio -------------------------------------------------------

@test "the sample ratio check: 5000 against 5200 at 50/50 gives chi-square 3.92157, p 0.04767, no mismatch" {
	counts 500 5000 520 5200
	run -0 --separate-stderr sh -c 'cpo-lift --experiment "$1" --merge counts.ndjson | jq -c ".sample_ratio | [.df, .mismatch, .threshold, .weights]"' sh \
	    "$(fixture lift/two-arms.json)"
	expect_stdout '[1,false,0.001,{"control":0.5,"treatment":0.5}]'
	expect_stderr ''
	cpo-lift --experiment "$(fixture lift/two-arms.json)" --merge counts.ndjson > doc.json
	agree chisq 3.92156862745098 "$(jq .sample_ratio.chi_square doc.json)"
	agree p 0.0476703806561615 "$(jq .sample_ratio.p_value doc.json)"
}

@test "a sample ratio mismatch below p 0.001 is flagged in the document and warned of on standard error" {
	counts 500 5000 600 6000
	run -0 --separate-stderr sh -c 'cpo-lift --experiment "$1" --merge counts.ndjson | jq -c ".sample_ratio | [.chi_square, .mismatch]"' sh \
	    "$(fixture lift/two-arms.json)"
	expect_stdout '[90.9090909090909,true]'
	expect_stderr 'cpo-lift: warning: sample ratio mismatch: chi-square 90.9091 on 1 df, p 1.5e-21 (below 0.001)'
}

# --- Segments -----------------------------------------------------------

@test "the segment breakdown gives, per segment, the best arm by the primary metric, its lift and its Holm-corrected significance" {
	engaged 20000
	cpo-lift engaged.ndjson > doc.json
	run -0 --separate-stderr jq -c '.segment_breakdown[] | [.segment, .sample_size, .best_performing_arm, .lift_percent, .test, .significant]' doc.json
	expect_stdout '["At-Risk",5000,"treatment_3",27.315914489311172,"z_pooled",true]
["High-Value Recent",5000,"treatment_1",3.2558139534883854,"z_pooled",false]
["New Customer",5000,"treatment_1",11.590909090909092,"z_pooled",false]
["Standard",5000,"treatment_1",12.771084337349395,"z_pooled",false]'
	expect_stderr ''
	local p=(2.225073606152832e-06 0.5570730186362332 0.034870320446645287 0.026572606145738593)
	local holm=(8.900294424611328e-06 0.5570730186362332 0.07971781843721579 0.07971781843721579) i
	for i in 0 1 2 3; do
		agree "p $i" "${p[$i]}" "$(jq ".segment_breakdown[$i].p_value" doc.json)"
		agree "holm $i" "${holm[$i]}" "$(jq ".segment_breakdown[$i].p_value_adjusted" doc.json)"
	done
}

@test "a segment where control is best has a lift of 0 and no test" {
	engaged 2000
	run -0 --separate-stderr sh -c 'cpo-lift engaged.ndjson | jq -c ".segment_breakdown[] | select(.best_performing_arm == \"control\") | [.segment, .lift_percent, .test, .p_value, .notes]"'
	expect_stdout '["High-Value Recent",0,null,null,["the control arm is best"]]
["New Customer",0,null,null,["the control arm is best"]]'
	expect_stderr ''
}

# --- CUPED and power ----------------------------------------------------

@test "--cuped adjusts with the historical rates and reports the variance reduction, as computed in R" {
	engaged 1000
	cpo-lift --cuped engaged.ndjson > doc.json
	run -0 --separate-stderr jq -c '.cuped' doc.json
	expect_stdout '{"available":true,"covariates":{"open_rate":"historical_open_rate","click_rate":"historical_click_rate","conversion_rate":"historical_click_rate"},"missing":0}'
	local row metric arm want i
	while read -r metric arm want; do
		[ "$metric" = '#' ] && continue
		read -r -a w <<< "$want"
		i=$(jq --arg m "$metric" --arg a "$arm" '.lift_analysis | map(.metric == $m and .treatment_arm == $a) | index(true)' doc.json)
		agree "$metric $arm theta" "${w[0]}" "$(jq ".lift_analysis[$i].cuped.theta" doc.json)"
		agree "$metric $arm control" "${w[1]}" "$(jq ".lift_analysis[$i].cuped.control_value" doc.json)"
		agree "$metric $arm treatment" "${w[2]}" "$(jq ".lift_analysis[$i].cuped.treatment_value" doc.json)"
		agree "$metric $arm lower" "${w[3]}" "$(jq ".lift_analysis[$i].cuped.confidence_interval.lower" doc.json)"
		agree "$metric $arm upper" "${w[4]}" "$(jq ".lift_analysis[$i].cuped.confidence_interval.upper" doc.json)"
		agree "$metric $arm p" "${w[5]}" "$(jq ".lift_analysis[$i].cuped.p_value" doc.json)"
		agree "$metric $arm reduction" "${w[6]}" "$(jq ".lift_analysis[$i].cuped.variance_reduction" doc.json)"
	done < "$(fixture lift/cuped.txt)"
}

@test "--cuped without the covariates in every record says it is unavailable" {
	run -0 --separate-stderr sh -c 'jq -c .engagement "$1" | cpo-lift --cuped | jq -c "[.cuped, (.lift_analysis[0] | has(\"cuped\"))]"' sh \
	    "$(fixture simulate/customers.simulated.ndjson)"
	expect_stdout '[{"available":false,"covariates":{"open_rate":"historical_open_rate","click_rate":"historical_click_rate","conversion_rate":"historical_click_rate"},"missing":12},false]'
	expect_stderr ''
}

@test "--power gives the minimum detectable effect at 80% power: 4.07 points over 0.1 with 1000 a group (R power.prop.test)" {
	counts 100 1000 100 1000
	cpo-lift --experiment "$(fixture lift/two-arms.json)" --merge --power counts.ndjson > doc.json
	agree mde 0.040745154311823 "$(jq '.power.minimum_detectable_effect[0].mde_absolute' doc.json)"
	run -0 --separate-stderr jq -c '.power | [.power, .alpha, (.minimum_detectable_effect[] | [.metric, .baseline])]' doc.json
	expect_stdout '[0.8,0.05,["open_rate",0.1],["click_rate",0],["conversion_rate",0]]'
}

@test "--mde R gives the customers per arm needed to detect a relative lift R: 1774 for 0.1 to 0.13" {
	counts 100 1000 100 1000
	run -0 --separate-stderr sh -c 'cpo-lift --experiment "$1" --merge --mde 0.3 counts.ndjson | jq -c ".power.sample_size[0]"' sh \
	    "$(fixture lift/two-arms.json)"
	expect_stdout '{"metric":"open_rate","baseline":0.1,"relative_lift":0.3,"per_arm":1774}'
	expect_stderr ''
}

# --- Degenerate data ----------------------------------------------------

@test "an empty input gives a document of empty arms with null rates, not an error" {
	run -0 --separate-stderr sh -c 'cpo-lift < /dev/null | jq -c "[.total_customers, .arms[0].metrics, .lift_analysis[0].statistical_significance.p_value, .lift_analysis[0].notes, .sample_ratio.p_value, .segment_breakdown]"'
	expect_stdout '[0,{"open_rate":null,"click_rate":null,"conversion_rate":null},null,["an arm has no customers: nothing to compare"],null,[]]'
	expect_stderr ''
}

@test "an experiment with a single arm has no lift analysis" {
	echo '{"arms": [{"name": "control", "tone": "control"}]}' > one.json
	run -0 --separate-stderr sh -c 'jq -c ".engagement.experiment_arm = \"control\"" "$1" | cpo-lift --experiment one.json | jq -c "[.total_customers, .lift_analysis, .sample_ratio.df, .sample_ratio.p_value]"' sh \
	    "$(fixture simulate/customers.simulated.ndjson)"
	expect_stdout '[12,[],0,null]'
	expect_stderr ''
}

@test "rates of 0 in both arms give a p-value of 1 from Fisher's exact test" {
	counts 0 40 0 40
	run -0 --separate-stderr sh -c 'cpo-lift --experiment "$1" --merge counts.ndjson | jq -c ".lift_analysis[0] | [.lift_absolute, .statistical_significance.test, .statistical_significance.p_value, .statistical_significance.confidence_interval.lower < 0]"' sh \
	    "$(fixture lift/two-arms.json)"
	expect_stdout '[0,"fisher_exact",1,true]'
	expect_stderr ''
}

# --- Partial and merge --------------------------------------------------

@test "--partial on shards and --merge of the partials give the single run's document, byte for byte" {
	engaged 3000
	cpo-lift --cuped --power engaged.ndjson > whole.json
	split -n l/5 engaged.ndjson shard.
	for f in shard.*; do cpo-lift --partial "$f" > "$f.partial"; done
	run -0 --separate-stderr sh -c 'cpo-lift --merge --cuped --power shard.*.partial | cmp - whole.json && cat shard.*.partial | cpo-lift --merge --partial | cpo-lift --merge --cuped --power | cmp - whole.json && echo same'
	expect_stdout 'same'
	expect_stderr ''
}

@test "--partial writes one line of sufficient statistics per segment and arm" {
	run -0 --separate-stderr sh -c 'cpo-lift --partial "$1" | head -n 1'  sh \
	    "$(fixture simulate/customers.simulated.ndjson)"
	expect_stdout '{"cpo_lift_partial":1,"experiment_id":"EXP001","arms":["control","treatment_1","treatment_2","treatment_3"],"segment":"High-Value Recent","arm":"control","sent":1,"opened":0,"clicked":0,"converted":0,"fallback":0,"covariates":1,"x":["450000","120000"],"xx":["202500000000","14400000000"],"xy":["0","0","0"]}'
	expect_stderr ''
}

@test "--merge rejects lines that are not partials of this experiment" {
	printf '%s\n' '{"customer_id":"C1"}' \
	    '{"cpo_lift_partial":1,"experiment_id":"EXP002","arms":["control","treatment"],"segment":null,"arm":"control"}' \
	    '{"cpo_lift_partial":1,"experiment_id":"EXP001","arms":["control","treatment"],"segment":7,"arm":"placebo","sent":-1,"opened":1,"clicked":0,"converted":0,"fallback":0,"covariates":0,"x":["0"],"xx":["0","0"],"xy":["0","0","x"]}' > bad.ndjson
	run -1 --separate-stderr sh -c 'cpo-lift --experiment "$1" --merge bad.ndjson > /dev/null' sh "$(fixture lift/two-arms.json)"
	expect_stdout ''
	expect_stderr "cpo-lift: bad.ndjson:1: not a cpo-lift --partial line
cpo-lift: bad.ndjson:2: not a partial of experiment EXP001 with the arms of the experiment configuration
cpo-lift: bad.ndjson:3: field 'segment': expected a string or null, got 7
cpo-lift: bad.ndjson:3: field 'arm': expected an arm of the experiment, got \"placebo\"
cpo-lift: bad.ndjson:3: field 'sent': expected a count, got -1
cpo-lift: bad.ndjson:3: field 'x': expected an array of 2 decimal strings, got [\"0\"]
cpo-lift: bad.ndjson:3: field 'xy': expected an array of 3 decimal strings, got [\"0\",\"0\",\"x\"]
cpo-lift: 3 read, 0 written, 3 rejected"
}

# --- Table --------------------------------------------------------------

@test "--format table prints the analysis for people" {
	run -0 --separate-stderr cpo-lift --format table "$(fixture simulate/customers.simulated.ndjson)"
	expect_stdout "$(cat "$(fixture lift/customers.table.txt)")"
	expect_stderr ''
}

# --- Rejected records ---------------------------------------------------

@test "records without an engagement, with an unknown arm or with outcomes that are not true or false are rejected; the rest are analyzed" {
	printf '%s\n' '{"customer_id":"A"}' \
	    '{"engagement":{"experiment_arm":"treatment_9","opened":true,"clicked":false,"converted":false}}' \
	    '{"engagement":{"experiment_arm":"control","opened":1,"clicked":"no"}}' \
	    '{"engagement":[]}' \
	    'not json' \
	    '{"engagement":{"experiment_arm":"control","opened":true,"clicked":false,"converted":false}}' > in.ndjson
	run -1 --separate-stderr sh -c 'cpo-lift --rejects rej.ndjson in.ndjson > doc.json; rc=$?; jq -c "[.total_customers, .arms[0].counts]" doc.json; wc -l < rej.ndjson; exit $rc'
	expect_stdout '[1,{"sent":1,"opened":1,"clicked":0,"converted":0}]
5'
	expect_stderr "cpo-lift: in.ndjson:1: field 'engagement': missing (run cpo-simulate, or give engagement events)
cpo-lift: in.ndjson:2: field 'engagement.experiment_arm': expected an arm of experiment EXP001, got \"treatment_9\"
cpo-lift: in.ndjson:3: field 'engagement.opened': expected true or false, got 1
cpo-lift: in.ndjson:3: field 'engagement.clicked': expected true or false, got \"no\"
cpo-lift: in.ndjson:3: field 'engagement.converted': missing
cpo-lift: in.ndjson:4: field 'engagement': expected an object, got []
cpo-lift: in.ndjson:5: invalid JSON at column 1
cpo-lift: 6 read, 1 written, 5 rejected"
}

@test "--strict stops at the first rejected record, and writes no document" {
	printf '%s\n' '{"engagement":{"experiment_arm":"control","opened":true,"clicked":false,"converted":false}}' '{}' > in.ndjson
	run -1 --separate-stderr cpo-lift --strict in.ndjson
	expect_stdout ''
	expect_stderr "cpo-lift: in.ndjson:2: field 'engagement': missing (run cpo-simulate, or give engagement events)
cpo-lift: 2 read, 1 written, 1 rejected"
}

# --- Usage --------------------------------------------------------------

@test "--test, --interval, --correction, --format, --alpha and --mde take only their values" {
	run -2 --separate-stderr cpo-lift --test t /dev/null
	expect_stderr "cpo-lift: --test: expected z_pooled, z_unpooled, chi_square_yates or fisher_exact, got 't'"
	run -2 --separate-stderr cpo-lift --interval exact /dev/null
	expect_stderr "cpo-lift: --interval: expected newcombe or wald, got 'exact'"
	run -2 --separate-stderr cpo-lift --correction fdr /dev/null
	expect_stderr "cpo-lift: --correction: expected holm, bh, bonferroni or none, got 'fdr'"
	run -2 --separate-stderr cpo-lift --format csv /dev/null
	expect_stderr "cpo-lift: --format: expected json or table, got 'csv'"
	run -2 --separate-stderr cpo-lift --alpha 0.6 /dev/null
	expect_stderr "cpo-lift: --alpha: expected a number above 0 and at most 0.5, got '0.6'"
	run -2 --separate-stderr cpo-lift --mde 0 /dev/null
	expect_stderr "cpo-lift: --mde: expected a relative lift above 0 and at most 10, got '0'"
	expect_stdout ''
}

@test "--partial and --format cannot be used together" {
	run -2 --separate-stderr cpo-lift --partial --format table /dev/null
	expect_stdout ''
	expect_stderr "cpo-lift: --partial and --format cannot be used together
$USAGE"
}

@test "other usage and I/O errors" {
	run -2 --separate-stderr cpo-lift --lift
	expect_stderr "cpo-lift: unknown option '--lift'
$USAGE"
	echo '{"primary_metric": "revenue"}' > exp.json
	run -2 --separate-stderr cpo-lift --experiment exp.json /dev/null
	expect_stderr "cpo-lift: exp.json: key 'primary_metric': expected open_rate, click_rate or conversion_rate, got \"revenue\""
	SOURCE_DATE_EPOCH=soon run -2 --separate-stderr cpo-lift /dev/null
	expect_stderr "cpo-lift: SOURCE_DATE_EPOCH: expected a non-negative integer, got 'soon'"
	run -3 --separate-stderr cpo-lift missing.ndjson
	expect_stderr 'cpo-lift: missing.ndjson: No such file or directory'
	expect_stdout ''
}

@test "--help and --version print to standard output" {
	run -0 --separate-stderr cpo-lift --help
	[ "${lines[0]}" = "$USAGE" ]
	[ "${lines[1]}" = "Analyze an experiment's engagement: lifts, tests, intervals." ]
	run -0 --separate-stderr cpo-lift --version
	expect_stdout 'cpo-lift (cpo) 0.1.0'
	expect_stderr ''
}

# --- The manual's examples ----------------------------------------------

@test "EXAMPLES: the lift of each treatment on the primary metric" {
	cd "$CPO_ROOT"
	run -0 --separate-stderr sh -c 'cpo-lift tests/fixtures/simulate/customers.simulated.ndjson | jq -r ".lift_analysis[] | select(.primary) | [.treatment_arm, .lift_percent, .statistical_significance.p_value_adjusted] | join(\" \")"'
	expect_stdout 'treatment_1 0 1
treatment_2 0 1
treatment_3 0 1'
	expect_stderr ''
}

@test "EXAMPLES: an A/A test finds nothing" {
	cd "$CPO_ROOT"
	run -0 --separate-stderr sh -c 'cpo-simulate --aa tests/fixtures/assign/customers.assigned.ndjson | cpo-lift | jq "[.lift_analysis[].statistical_significance.significant] | any"'
	expect_stdout 'false'
	expect_stderr ''
}
