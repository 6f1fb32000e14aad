# cpo: customer personalization orchestrator. See README.md.
#
#   make            static musl programs in bin/
#   make test       build, then run the bats suite on bin/ and lint the pages
#   make check-asan the same suite on an ASan + UBSan build
#   make demo       run the pipeline on the bundled data into out/demo/
#   make bench      benchmarks (slow; not part of test)

include config.mk

PROGS = cpo-validate
BIN = $(PROGS:%=bin/%)
MAN1 = $(PROGS:%=man/%.1)
MAN7 = man/cpo.7

LIBSRC = lib/buf.c lib/cli.c lib/csv.c lib/customer.c lib/diag.c lib/hash.c \
	lib/idset.c lib/input.c lib/json.c lib/jsonw.c lib/lineio.c lib/ndjson.c \
	lib/numparse.c lib/rdbuf.c lib/reasons.c lib/rng.c lib/run.c lib/timefmt.c \
	lib/utf8.c lib/xalloc.c
LIBHDR = $(LIBSRC:.c=.h) lib/status.h

GENSRC =

OBJ = build/obj
LIBOBJ = $(LIBSRC:lib/%.c=$(OBJ)/lib/%.o) $(GENSRC:%.c=$(OBJ)/%.o)
LIBA = build/libcpo.a

ASAN = build/asan
ASAN_LIBOBJ = $(LIBSRC:lib/%.c=$(ASAN)/obj/lib/%.o) \
	$(GENSRC:%.c=$(ASAN)/obj/%.o)
ASAN_LIBA = $(ASAN)/libcpo.a
ASAN_BIN = $(PROGS:%=$(ASAN)/bin/%)

# Tools the targets need, as command:package for scripts/ensure-packages.
TEST_TOOLS = bats:bats jq:jq mandoc:mandoc
BENCH_TOOLS = mlr:miller jq:jq python3:python3 hyperfine:hyperfine \
	file=/usr/bin/time:time

all: $(BIN)

include mk/deps.mk

# The compiler itself may need installing (musl-gcc comes with musl-tools).
build/.musl-tools:
	scripts/ensure-packages $(CC):musl-tools
	@mkdir -p $(@D)
	touch $@

# Every object depends on every header: blunt, but never stale (sbase).
$(OBJ)/%.o: %.c $(LIBHDR) config.mk $(DEPS_STAMP) | build/.musl-tools
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(DEPS_CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIBA): $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

# The INTERP check catches a link that silently went dynamic.
bin/%: $(OBJ)/cmd/%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(DEPS_LIBS) $(LDLIBS)
	@! readelf -l $@ | grep -q INTERP || { echo "$@ is not static" >&2; rm -f $@; exit 1; }

$(ASAN)/obj/%.o: %.c $(LIBHDR) config.mk $(ASAN_DEPS_STAMP)
	@mkdir -p $(@D)
	$(ASAN_CC) $(CPPFLAGS) $(ASAN_DEPS_CPPFLAGS) $(ASAN_CFLAGS) -c $< -o $@

$(ASAN_LIBA): $(ASAN_LIBOBJ)
	rm -f $@
	ar rcs $@ $(ASAN_LIBOBJ)

$(ASAN)/bin/%: $(ASAN)/obj/cmd/%.o $(ASAN_LIBA)
	@mkdir -p $(@D)
	$(ASAN_CC) $(ASAN_LDFLAGS) -o $@ $< $(ASAN_LIBA) $(ASAN_DEPS_LIBS) $(LDLIBS)

# A test-only program that prints library results for tests/lib.bats.
build/lib-check: $(OBJ)/tests/unit/lib-check.o $(LIBA)
	$(CC) $(CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(DEPS_LIBS) $(LDLIBS)

tools-test:
	scripts/ensure-packages $(TEST_TOOLS)

test: $(BIN) build/lib-check tools-test
	mandoc -T lint -W warning $(MAN1) $(MAN7)
	CPO_BIN=$(CURDIR)/bin bats tests

check-asan: $(ASAN_BIN) tools-test
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    CPO_BIN=$(CURDIR)/$(ASAN)/bin bats tests

demo: $(BIN)
	@mkdir -p out/demo
	bin/cpo-validate --rejects out/demo/rejects.ndjson data/customers.csv \
	    > out/demo/customers.ndjson
	@printf 'validated %s customers into out/demo/customers.ndjson\n' \
	    "$$(wc -l < out/demo/customers.ndjson)"

# make bench BENCH=validate runs only the benchmarks named (see bench/run).
bench: $(BIN) build/gen-customers build/retrieve-bench
	scripts/ensure-packages $(BENCH_TOOLS)
	bench/run $(BENCH)

build/gen-customers: $(OBJ)/bench/gen-customers.o $(LIBA)
	$(CC) $(CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(DEPS_LIBS) $(LDLIBS)

build/retrieve-bench: $(OBJ)/bench/retrieve-bench.o $(LIBA)
	$(CC) $(CFLAGS) -o $@ $< $(LIBA) $(LDFLAGS) $(DEPS_LIBS) $(LDLIBS)

install: $(BIN)
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 \
	    $(DESTDIR)$(MANPREFIX)/man7
	cp -f $(BIN) $(DESTDIR)$(PREFIX)/bin/
	cp -f $(MAN1) $(DESTDIR)$(MANPREFIX)/man1/
	cp -f $(MAN7) $(DESTDIR)$(MANPREFIX)/man7/

uninstall:
	cd $(DESTDIR)$(PREFIX)/bin && rm -f $(PROGS)
	cd $(DESTDIR)$(MANPREFIX)/man1 && rm -f $(PROGS:%=%.1)
	rm -f $(DESTDIR)$(MANPREFIX)/man7/cpo.7

lint: $(BIN) tools-test
	mandoc -T lint -W warning $(MAN1) $(MAN7)

# clean keeps the dependency builds (slow, and not ours); distclean doesn't.
clean:
	rm -rf bin $(OBJ) $(LIBA) $(ASAN)/obj $(ASAN)/bin $(ASAN_LIBA) \
	    build/gen-customers build/lib-check build/retrieve-bench build/gen \
	    out

distclean: clean
	rm -rf build

.PHONY: all test check-asan demo bench install uninstall lint clean \
	distclean tools-test
.SECONDARY: $(LIBOBJ) $(ASAN_LIBOBJ) $(PROGS:%=$(OBJ)/cmd/%.o) \
	$(PROGS:%=$(ASAN)/obj/cmd/%.o)
