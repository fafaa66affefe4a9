# chaos-shim: the preload library, its control CLI, tests and demo.
# `make` builds, `make test` runs every suite, `make demo` shows it working.

PREFIX     ?= /usr/local
DESTDIR    ?=
LIBDIR     ?= $(PREFIX)/lib
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
INCLUDEDIR ?= $(PREFIX)/include
PKG_CONFIG ?= pkg-config
CC         ?= cc
BUILD      ?= build
VERSION    := 0.1.0
SOVERSION  := 0

CFLAGS     ?= -O2 -g
DEPS_CFLAGS = $(shell $(PKG_CONFIG) --cflags libconfig liburcu-bp 2>/dev/null)
CS_CFLAGS   = -std=gnu11 -Wall -Wextra -Werror -fPIC -fvisibility=hidden \
              -D_GNU_SOURCE -DCS_VERSION='"$(VERSION)"' -Iinclude -Isrc $(DEPS_CFLAGS) $(CFLAGS)
CONFIG_LIBS = $(shell $(PKG_CONFIG) --libs libconfig 2>/dev/null)
URCU_LIBS   = $(shell $(PKG_CONFIG) --libs liburcu-bp 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

COMMON_SRC := $(sort $(wildcard src/common/*.c))
SHIM_SRC   := $(sort $(wildcard src/shim/*.c))
CTL_SRC    := $(sort $(wildcard src/ctl/*.c))
CTLLIB_SRC := $(sort $(wildcard src/ctllib/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
SHIM_OBJ   := $(SHIM_SRC:%.c=$(BUILD)/%.o)
CTL_OBJ    := $(CTL_SRC:%.c=$(BUILD)/%.o)
CTLLIB_OBJ := $(CTLLIB_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Dependencies copied beside the library or the tool are found there
# first (a container volume: docs/CI.md).
ORIGIN_RUNPATH := -Wl,-rpath,'$$ORIGIN'

LIB := $(BUILD)/libchaos-shim.so
CTL := $(BUILD)/chaos-shim-ctl
# The controller library: the real file, its soname, and the name a linker
# looks for.
CTLLIB_SO   := libchaos-shim-ctl.so.$(SOVERSION)
CTLLIB_REAL := $(BUILD)/libchaos-shim-ctl.so.$(VERSION)
CTLLIB      := $(BUILD)/libchaos-shim-ctl.so
COMMON_LIB := $(BUILD)/libcs-common.a

.PHONY: FORCE all deb deps test test-unit test-integration demo bench clean install check-profiles \
        reliability-bin test-reliability test-asan test-tsan fuzz

all: $(LIB) $(CTL) $(CTLLIB)

$(BUILD)/%.o: %.c $(wildcard include/*.h include/chaos-shim/*.h src/*/*.h)
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CS_CFLAGS) -MMD -c $< -o $@

$(COMMON_LIB): $(COMMON_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB): $(SHIM_OBJ) $(COMMON_LIB) src/shim/exports.map
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,libchaos-shim.so -Wl,--version-script=src/shim/exports.map $(ORIGIN_RUNPATH) \
	  -Wl,-z,now -Wl,-z,nodelete -o $@ $(SHIM_OBJ) $(COMMON_LIB) $(CONFIG_LIBS) $(URCU_LIBS) -ldl -lpthread

# chaos-shim-ctl carries the controller library's code inside, so that the
# tool copied alone (a container volume) still runs.
$(CTL): $(CTL_OBJ) $(CTLLIB_OBJ) $(COMMON_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ORIGIN_RUNPATH) -o $@ $(CTL_OBJ) $(CTLLIB_OBJ) $(COMMON_LIB) $(CONFIG_LIBS)

$(CTLLIB_REAL): $(CTLLIB_OBJ) $(COMMON_LIB) src/ctllib/exports.map
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,$(CTLLIB_SO) -Wl,--version-script=src/ctllib/exports.map \
	  -Wl,-z,defs -o $@ $(CTLLIB_OBJ) $(COMMON_LIB) $(CONFIG_LIBS)

$(CTLLIB): $(CTLLIB_REAL)
	$(Q)ln -sf $(notdir $<) $(BUILD)/$(CTLLIB_SO) && ln -sf $(CTLLIB_SO) $@

$(BUILD)/tests/%: tests/unit/%.c $(COMMON_LIB) $(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@) $(BUILD)/unit-deps
	$(Q)$(CC) $(CS_CFLAGS) -Wno-unused-parameter -MMD -MT $@ -MF $(BUILD)/unit-deps/$*.d -o $@ $< $(COMMON_LIB) $(CONFIG_LIBS) $(CMOCKA_LIBS) -lm

# `make bench` measures the shim beside native calls and its peers
# (tests/bench/run.sh; BENCH_QUICK=1 for a smoke run).
BENCH_BIN := $(BUILD)/bench/bench_calls $(BUILD)/bench/toggle_probe

$(BUILD)/bench/%: tests/bench/%.c
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CS_CFLAGS) -o $@ $<

bench: all $(BENCH_BIN)
	@BUILD=$(BUILD) tests/bench/run.sh

# Reliability (docs/RELIABILITY.md): stress, process-life, start-up and
# security tests, fuzz targets replayed over their corpus, and the same
# suites under sanitizers, each build in its own folder.
REL_BIN    := $(patsubst tests/reliability/progs/%.c,$(BUILD)/reliability/%,$(sort $(wildcard tests/reliability/progs/*.c)))
STRESS_BIN := $(BUILD)/stress/stress
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/replay_%)
ASAN_CC    := $(CC) -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_CC    := $(CC) -fsanitize=thread -Wno-tsan # fences order cross-process reads only
FUZZ_SECONDS ?= 60

REL_LIBS   := $(patsubst tests/reliability/lib/%.c,$(BUILD)/reliability/lib%.so,$(sort $(wildcard tests/reliability/lib/*.c)))

$(BUILD)/reliability/lib%.so: tests/reliability/lib/%.c
	$(call msg,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CS_CFLAGS) -shared -o $@ $< -Wl,--as-needed -lssl -lcrypto

$(BUILD)/reliability/%: tests/reliability/progs/%.c $(REL_LIBS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CS_CFLAGS) -o $@ $< -Wl,--as-needed -L$(BUILD)/reliability -lctor \
	  -Wl,-rpath,$(abspath $(BUILD)/reliability) -lpthread -ldl

$(STRESS_BIN): tests/stress/stress.c
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CS_CFLAGS) -o $@ $< -lpthread

$(BUILD)/fuzz/replay_%: tests/fuzz/%.c tests/fuzz/replay.c $(COMMON_LIB)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CS_CFLAGS) -o $@ tests/fuzz/replay.c $< $(COMMON_LIB) $(CONFIG_LIBS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(COMMON_LIB)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CS_CFLAGS) -fsanitize=fuzzer -o $@ $< $(COMMON_LIB) $(CONFIG_LIBS)

reliability-bin: all $(REL_LIBS) $(REL_BIN) $(STRESS_BIN) $(REPLAY_BIN) $(UNIT_BIN)

test-reliability: reliability-bin
	@tests/reliability/suite.sh plain $(abspath $(BUILD))

test-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan CC='$(ASAN_CC)' CFLAGS='-O1 -g' reliability-bin
	@tests/reliability/suite.sh asan $(abspath build/asan)

test-tsan:
	@$(MAKE) --no-print-directory BUILD=build/tsan CC='$(TSAN_CC)' CFLAGS='-O1 -g' reliability-bin
	@tests/reliability/suite.sh tsan $(abspath build/tsan)

# libFuzzer needs clang, which only this target asks for.
fuzz:
	@tools/deps.sh clang
	@$(MAKE) --no-print-directory BUILD=build/libfuzzer CC=clang \
	  CFLAGS='-O1 -g -fsanitize=fuzzer-no-link,address,undefined' $(FUZZ_SRC:tests/fuzz/%.c=build/libfuzzer/fuzz/%)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_SRC:tests/fuzz/%.c=build/libfuzzer/fuzz/%)

# The two commands of the README check their Debian packages first.
deps:
	@tools/deps.sh

# Every suite appends its counts to the tally; the last line adds them up.
test: deps
	@mkdir -p $(BUILD) && rm -f $(BUILD)/tally
	@CS_TEST_TALLY=$(abspath $(BUILD)/tally) $(MAKE) --no-print-directory \
	  test-unit test-integration test-reliability test-asan
	@awk '{ p += $$1; f += $$2 } END { printf "total: %d passed, %d failed\n", p, f }' $(BUILD)/tally

test-unit: $(UNIT_BIN)
	@tests/unit/run.sh $(UNIT_BIN)

test-integration: all
	@tests/integration/run.sh

check-profiles: $(CTL)
	$(CTL) check profiles/*.cfg

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

# Files made from the install variables depend on a stamp of their values,
# rewritten only when a value changes: `make install PREFIX=/a` then
# `PREFIX=/b` regenerates them for /b.
INSTALL_VARS := PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) DATADIR=$(DATADIR) VERSION=$(VERSION)

$(BUILD)/install-vars: FORCE
	@mkdir -p $(dir $@)
	@echo '$(INSTALL_VARS)' | cmp -s - $@ 2>/dev/null || echo '$(INSTALL_VARS)' > $@

FORCE:

$(BUILD)/%.pc: tools/%.pc.in $(BUILD)/install-vars
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  -e 's|@DATADIR@|$(DATADIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

install: all $(BUILD)/chaos-shim.pc $(BUILD)/chaos-shim-ctl.pc
	install -D -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libchaos-shim.so
	install -D -m 0755 $(CTLLIB_REAL) $(DESTDIR)$(LIBDIR)/$(notdir $(CTLLIB_REAL))
	ln -sf $(notdir $(CTLLIB_REAL)) $(DESTDIR)$(LIBDIR)/$(CTLLIB_SO)
	ln -sf $(CTLLIB_SO) $(DESTDIR)$(LIBDIR)/$(notdir $(CTLLIB))
	install -D -m 0644 include/chaos-shim/ctl.h $(DESTDIR)$(INCLUDEDIR)/chaos-shim/ctl.h
	install -D -m 0644 $(BUILD)/chaos-shim-ctl.pc $(DESTDIR)$(LIBDIR)/pkgconfig/chaos-shim-ctl.pc
	install -D -m 0755 $(CTL) $(DESTDIR)$(BINDIR)/chaos-shim-ctl
	install -D -m 0644 $(BUILD)/chaos-shim.pc $(DESTDIR)$(LIBDIR)/pkgconfig/chaos-shim.pc
	install -d $(DESTDIR)$(DATADIR)/chaos-shim/profiles
	install -m 0644 profiles/*.cfg $(DESTDIR)$(DATADIR)/chaos-shim/profiles/
	for page in $(wildcard docs/man/*.[1-8]); do \
	  sec=$${page##*.}; install -D -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$sec/$${page##*/}; \
	done
	install -D -m 0644 tools/chaos-shim-ctl.bash \
	  $(DESTDIR)$(DATADIR)/bash-completion/completions/chaos-shim-ctl

# A Debian package of what `make install` puts in /usr (tools/mkdeb.sh).
deb: all
	@tools/mkdeb.sh $(BUILD) $(VERSION)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
