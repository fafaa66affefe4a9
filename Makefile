# chaos-shim: the preload library, its control CLI, tests and demo.
# `make` builds, `make test` runs every suite, `make demo` shows it working.

PREFIX     ?= /usr/local
DESTDIR    ?=
LIBDIR     ?= $(PREFIX)/lib
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
PKG_CONFIG ?= pkg-config
CC         ?= cc
BUILD      ?= build
VERSION    := 0.1.0

CFLAGS     ?= -O2 -g
DEPS_CFLAGS = $(shell $(PKG_CONFIG) --cflags libconfig liburcu-bp 2>/dev/null)
CS_CFLAGS   = -std=gnu11 -Wall -Wextra -Werror -fPIC -fvisibility=hidden \
              -D_GNU_SOURCE -Iinclude -Isrc $(DEPS_CFLAGS) $(CFLAGS)
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
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
SHIM_OBJ   := $(SHIM_SRC:%.c=$(BUILD)/%.o)
CTL_OBJ    := $(CTL_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

LIB := $(BUILD)/libchaos-shim.so
CTL := $(BUILD)/chaos-shim-ctl
COMMON_LIB := $(BUILD)/libcs-common.a

.PHONY: all deps test test-unit test-integration demo bench clean install check-profiles

all: $(LIB) $(CTL)

$(BUILD)/%.o: %.c $(wildcard include/*.h src/*/*.h)
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CS_CFLAGS) -MMD -c $< -o $@

$(COMMON_LIB): $(COMMON_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB): $(SHIM_OBJ) $(COMMON_LIB) src/shim/exports.map
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,libchaos-shim.so -Wl,--version-script=src/shim/exports.map \
	  -Wl,-z,now -Wl,-z,nodelete -o $@ $(SHIM_OBJ) $(COMMON_LIB) $(CONFIG_LIBS) $(URCU_LIBS) -ldl -lpthread

$(CTL): $(CTL_OBJ) $(COMMON_LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $(CTL_OBJ) $(COMMON_LIB) $(CONFIG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(COMMON_LIB) $(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CS_CFLAGS) -Wno-unused-parameter -o $@ $< $(COMMON_LIB) $(CONFIG_LIBS) $(CMOCKA_LIBS) -lm

# The two commands of the README check their Debian packages first.
deps:
	@tools/deps.sh

test: deps
	@$(MAKE) --no-print-directory test-unit test-integration

test-unit: $(UNIT_BIN)
	@tests/unit/run.sh $(UNIT_BIN)

test-integration: all
	@tests/integration/run.sh

check-profiles: $(CTL)
	$(CTL) check profiles/*.cfg

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

$(BUILD)/chaos-shim.pc: tools/chaos-shim.pc.in
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	  -e 's|@DATADIR@|$(DATADIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

install: all $(BUILD)/chaos-shim.pc
	install -D -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libchaos-shim.so
	install -D -m 0755 $(CTL) $(DESTDIR)$(BINDIR)/chaos-shim-ctl
	install -D -m 0644 $(BUILD)/chaos-shim.pc $(DESTDIR)$(LIBDIR)/pkgconfig/chaos-shim.pc
	install -d $(DESTDIR)$(DATADIR)/chaos-shim/profiles
	install -m 0644 profiles/*.cfg $(DESTDIR)$(DATADIR)/chaos-shim/profiles/
	for page in $(wildcard docs/man/*.[1-8]); do \
	  sec=$${page##*.}; install -D -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$sec/$${page##*/}; \
	done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
