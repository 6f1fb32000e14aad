#!/usr/bin/env bats
# The manual pages in man/: they pass mandoc's lint, a program's SYNOPSIS is
# its usage line, and the EXAMPLES of a program's page run as shown (jq tests
# its manual's examples the same way).

bats_require_minimum_version 1.5.0
load helpers

# plain PAGE: prints PAGE formatted as plain text, on lines long enough that
# nothing is folded.
plain() {
	mandoc -T ascii -O width=500 "$1" | sed 's/.\x08//g'
}

# examples PAGE: prints the literal displays of PAGE's EXAMPLES section as
# they read on the page, each display after a line "--- display".
examples() {
	awk '
		/^\.Sh / { inside = $0 == ".Sh EXAMPLES"; next }
		inside && /^\.Bd -literal/ { show = 1; print "--- display"; next }
		inside && /^\.Ed/ { show = 0; next }
		show { print }
	' "$1" | sed -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\-/-/g' \
	    -e 's/\\&//g' -e 's/\\e/\\/g'
}

# check_display N TEXT: runs one display as a terminal session. Lines that
# start with "$ " are commands, "> " continues a command, and the other lines
# are what the commands print, standard error included. The commands run in a
# new directory where tests/ and data/ are those of the checkout, so the files
# they write go there. Every command must exit 0 or 1, and the output must be
# the one shown.
check_display() {
	local n=$1 text=$2 dir want= script= pending= line d status
	local statuses=$BATS_TEST_TMPDIR/statuses.$n

	dir=$BATS_TEST_TMPDIR/display.$n
	mkdir -p "$dir"
	for d in tests data; do
		if [ -e "$CPO_ROOT/$d" ]; then
			ln -s "$CPO_ROOT/$d" "$dir/$d"
		fi
	done
	: > "$statuses"
	# After each command, note its status and give it back to $? for a
	# following "echo $?".
	local record="s=\$?; echo \"\$s\" >> '$statuses'; (exit \"\$s\")"
	while IFS= read -r line; do
		case $line in
		'$ '*)
			if [ -n "$pending" ]; then
				script+=$'\n'$record$'\n'
			fi
			script+=${line#'$ '}
			pending=1
			;;
		'> '*)
			script+=$'\n'${line#'> '}
			;;
		*)
			want+=$line$'\n'
			;;
		esac
	done <<< "${text%$'\n'}"
	if [ -n "$pending" ]; then
		script+=$'\n'$record$'\n'
	fi
	run --separate-stderr bash -c 'cd "$1" && bash -c "$2" 2>&1' sh \
	    "$dir" "$script"
	printf 'display %s:\n%s\n' "$n" "$script"
	expect_stdout "${want%$'\n'}"
	expect_stderr ''
	while read -r status; do
		case $status in
		0|1)	;;
		*)	echo "display $n: a command exited $status"
			return 1 ;;
		esac
	done < "$statuses"
}

# check_examples PAGE MIN: runs every display of PAGE's EXAMPLES section with
# check_display and fails unless there are at least MIN of them.
check_examples() {
	local text= line n=0
	while IFS= read -r line; do
		if [ "$line" = '--- display' ]; then
			if [ -n "$text" ]; then
				n=$((n + 1))
				check_display "$n" "$text"
			fi
			text=
			continue
		fi
		text+=$line$'\n'
	done < <(examples "$CPO_ROOT/man/$1")
	if [ -n "$text" ]; then
		n=$((n + 1))
		check_display "$n" "$text"
	fi
	same "displays in $1" "at least $2" "at least $((n < $2 ? n : $2))"
}

# Runs none of the programs: left out of the sanitizer run (make check-asan).
# bats test_tags=no-sanitizer
@test "every page passes mandoc -T lint at the warning level" {
	local page n=0
	for page in "$CPO_ROOT"/man/*.[1-9]; do
		run -0 --separate-stderr mandoc -T lint -W warning "$page"
		expect_stdout ''
		expect_stderr ''
		n=$((n + 1))
	done
	[ "$n" -ge 2 ]
}

# Runs none of the programs: left out of the sanitizer run (make check-asan).
# bats test_tags=no-sanitizer
@test "every program has a page in section 1" {
	local prog missing=
	for prog in "$CPO_BIN"/cpo-*; do
		if [ ! -f "$CPO_ROOT/man/${prog##*/}.1" ]; then
			missing+=" man/${prog##*/}.1"
		fi
	done
	same 'missing pages' '' "${missing# }"
}

@test "the SYNOPSIS of a program's page is the program's usage line" {
	local page name synopsis n=0
	for page in "$CPO_ROOT"/man/cpo-*.1; do
		name=${page##*/}
		name=${name%.1}
		synopsis=$(plain "$page" | awk '
			/^SYNOPSIS/ { on = 1; next }
			/^[A-Z]/ { on = 0 }
			on' | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//')
		run -0 --separate-stderr "$name" --help
		same "$name SYNOPSIS" "usage: $synopsis" "${lines[0]}"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}

# Runs none of the programs: left out of the sanitizer run (make check-asan).
# bats test_tags=no-sanitizer
@test "cpo(7) refers to the page of every program there is" {
	local prog missing=
	for prog in "$CPO_BIN"/cpo-*; do
		if ! plain "$CPO_ROOT/man/cpo.7" | grep -q "^ *${prog##*/}(1)\$"
		then
			missing+=" ${prog##*/}(1)"
		fi
	done
	same 'programs missing from cpo(7)' '' "${missing# }"
}

@test "the EXAMPLES of cpo-validate(1) run as shown and exit 0 or 1" {
	check_examples cpo-validate.1 3
}

@test "the EXAMPLES of cpo-segment(1) run as shown and exit 0 or 1" {
	check_examples cpo-segment.1 5
}

@test "the EXAMPLES of cpo-retrieve(1) run as shown and exit 0 or 1" {
	check_examples cpo-retrieve.1 4
}

@test "the EXAMPLES of cpo-generate(1) run as shown and exit 0 or 1" {
	check_examples cpo-generate.1 3
}

@test "the EXAMPLES of cpo-safety(1) run as shown and exit 0 or 1" {
	check_examples cpo-safety.1 4
}

@test "the EXAMPLES of cpo-assign(1) run as shown and exit 0 or 1" {
	check_examples cpo-assign.1 4
}

@test "the EXAMPLES of cpo-simulate(1) run as shown and exit 0 or 1" {
	check_examples cpo-simulate.1 2
}

@test "the EXAMPLES of cpo-lift(1) run as shown and exit 0 or 1" {
	check_examples cpo-lift.1 4
}

@test "the EXAMPLES of cpo-report(1) run as shown and exit 0 or 1" {
	check_examples cpo-report.1 3
}
