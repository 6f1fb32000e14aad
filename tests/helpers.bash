# Shared set-up for every cpo bats file: `load helpers` at the top.
#
# CPO_BIN is the directory holding the programs under test. `make test` sets
# it to bin/, `make check-asan` to the sanitizer build; run by hand, it
# defaults to the bin/ directory of the checkout these tests belong to. It
# goes first on PATH, so a test runs `cpo-validate`, never an installed copy.
# Each test starts in its own empty directory, $BATS_TEST_TMPDIR, so the files
# it writes (inputs, rejects files) are its own and relative names are short.

# python3 as the interpreter itself, not through a version manager's shim
# (pyenv's takes most of a second to start it, where the interpreter takes a
# fifth): a directory holding a link to what `python3` runs goes first on
# PATH. It is made once per file, when bats first reads the file, and
# exported to its tests; the interpreter is the same either way.
if [ -z "${CPO_PYTHON_DIR:-}" ] && [ -n "${BATS_FILE_TMPDIR:-}" ]; then
	CPO_PYTHON_DIR=$BATS_FILE_TMPDIR/python3-bin
	mkdir -p "$CPO_PYTHON_DIR"
	_python=$(python3 -c 'import sys; print(sys.executable)' 2> /dev/null) &&
	    [ -x "$_python" ] && ln -sf "$_python" "$CPO_PYTHON_DIR/python3"
	unset _python
	export CPO_PYTHON_DIR
fi
if [ -n "${CPO_PYTHON_DIR:-}" ] && [ -e "$CPO_PYTHON_DIR/python3" ]; then
	PATH=$CPO_PYTHON_DIR:$PATH
fi

CPO_BIN=${CPO_BIN:-$BATS_TEST_DIRNAME/../bin}
if [ -d "$CPO_BIN" ]; then
	CPO_BIN=$(cd "$CPO_BIN" && pwd)
fi
PATH=$CPO_BIN:$PATH
export CPO_BIN PATH

# The top of the checkout, for tests that run documented commands from there.
CPO_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# fixture NAME: prints the path of tests/fixtures/NAME.
fixture() {
	printf '%s\n' "$BATS_TEST_DIRNAME/fixtures/$1"
}

cpo_setup() {
	if [ ! -d "$CPO_BIN" ]; then
		echo "CPO_BIN: no such directory: $CPO_BIN (run make first)"
		return 1
	fi
	cd "$BATS_TEST_TMPDIR"
}

# stub_start DIR [ARGS...]: starts tests/stub/server.py in the background
# with ARGS (--routes FILE, --lifetime S, ...), its port in DIR/stub.port, its
# log in DIR/stub.err and its process id in DIR/stub.pid, and waits up to ten
# seconds for it to listen. DIR is $BATS_FILE_TMPDIR for a stub shared by a
# file (from setup_file) or $BATS_TEST_TMPDIR for one test's own.
stub_start() {
	local dir=$1 _
	shift
	python3 "$BATS_TEST_DIRNAME/stub/server.py" "$@" > "$dir/stub.port" \
	    2> "$dir/stub.err" 3>&- &
	echo $! > "$dir/stub.pid"
	for _ in $(seq 100); do
		[ -s "$dir/stub.port" ] && break
		sleep 0.1
	done
	[ -s "$dir/stub.port" ]
}

# stub_stop DIR: stops the stub stub_start DIR started, if any.
stub_stop() {
	if [ -f "$1/stub.pid" ]; then
		kill "$(cat "$1/stub.pid")" 2> /dev/null || true
	fi
}

# A file that needs more set-up defines its own setup() and calls cpo_setup.
setup() {
	cpo_setup
}

# same WHAT WANT GOT: succeeds when the two texts are equal; otherwise shows
# a diff of WHAT (-want +got) and fails.
same() {
	if [ "$2" = "$3" ]; then
		return 0
	fi
	printf '%s differs (-want +got):\n' "$1"
	diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | tail -n +3
	return 1
}

# expect_stdout WANT, expect_stderr WANT: compare with what `run` captured
# (`run --separate-stderr`; bats drops the final newline of both).
expect_stdout() {
	same stdout "$1" "$output"
}

expect_stderr() {
	same stderr "$1" "$stderr"
}

# run_cases PROG DIR: the table runner (style.md, section 7). Each DIR/*.case
# file starts with a sentence saying what the case shows, followed by
# sections, each introduced by a line "--- NAME":
#
#   --- args     the arguments, one a line
#   --- input    the bytes PROG reads on standard input
#   --- stdout   what PROG must write to standard output, byte for byte
#   --- stderr   what PROG must write to standard error, byte for byte
#   --- status   its exit status
#
# A section left out means no arguments, empty input, empty stdout, empty
# stderr, status 0. Every case that fails is shown with its sentence and a
# diff, and the test fails if any did. Adding a case means adding a file.
run_cases() {
	local prog=$1 dir=$2 case name work want got failed=0 ran=0 what
	local -a args

	for case in "$dir"/*.case; do
		[ -e "$case" ] || continue
		name=${case##*/}
		name=${name%.case}
		work=$BATS_TEST_TMPDIR/cases/$name
		mkdir -p "$work"
		: > "$work/args"
		: > "$work/input"
		: > "$work/stdout"
		: > "$work/stderr"
		echo 0 > "$work/status"
		awk -v dir="$work" '
			/^--- (args|input|stdout|stderr|status)$/ {
				file = dir "/" $2
				printf "" > file
				next
			}
			/^--- / {
				printf "%s:%d: unknown section\n", FILENAME, FNR
				exit 1
			}
			file != "" { print > file }
		' "$case" || return 1
		mapfile -t args < "$work/args"
		got=0
		"$prog" "${args[@]}" < "$work/input" > "$work/out" \
		    2> "$work/err" || got=$?
		want=$(cat "$work/status")
		ran=$((ran + 1))
		what=
		cmp -s "$work/stdout" "$work/out" || what="$what stdout"
		cmp -s "$work/stderr" "$work/err" || what="$what stderr"
		[ "$got" = "$want" ] || what="$what status"
		[ -z "$what" ] && continue
		failed=$((failed + 1))
		printf '\ncase %s: %s\n' "$name" "$(head -n 1 "$case")"
		printf 'wrong:%s\n' "$what"
		diff -u --label want --label got "$work/stdout" "$work/out" \
		    | sed 's/^/  stdout /'
		diff -u --label want --label got "$work/stderr" "$work/err" \
		    | sed 's/^/  stderr /'
		[ "$got" = "$want" ] || printf '  status: want %s, got %s\n' \
		    "$want" "$got"
	done
	if [ "$ran" -eq 0 ]; then
		echo "no cases in $dir"
		return 1
	fi
	if [ "$failed" -gt 0 ]; then
		printf '\n%d of %d cases failed\n' "$failed" "$ran"
		return 1
	fi
}
