# hospreport -- build, tests, demo, benchmarks.
#
#   make demo    install missing Debian packages, build, generate sample data,
#                run the pipeline, say where the PDFs are
#   make check   install, build, run every unit and end-to-end test
#   make bench   benchmarks against named baselines, printing figures
#   make asan    the same tests under AddressSanitizer + UBSan
#   make install PREFIX=/usr/local DESTDIR=   (and make uninstall)
#   make update-po  refresh locales/hospreport.pot and merge it into each .po
#
# Variables are recursive (=) on purpose: pkg-config is asked when a recipe
# runs, after the `deps` prerequisite has installed what was missing.

PREFIX   ?= /usr/local
BINDIR    = $(PREFIX)/bin
DATADIR   = $(PREFIX)/share/hospreport
LOCALEDIR = $(PREFIX)/share/locale
MANDIR    = $(PREFIX)/share/man
COMPDIR   = $(PREFIX)/share/bash-completion/completions

BUILD    ?= build
CC       ?= cc
PKGS      = libxml-2.0 sqlite3 harfbuzz harfbuzz-subset libcrypto xlsxwriter
OPTFLAGS ?= -O2 -g
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -pthread -Wall -Wextra -Werror $(OPTFLAGS) $(EXTRA_CFLAGS) \
             -I. \
             $(shell pkg-config --cflags $(PKGS))
LIBS_ALL  = $(shell pkg-config --libs $(PKGS)) -lhpdf -lm -pthread
TEST_LIBS = $(shell pkg-config --libs cmocka)

# Three archives, linked program -> stages -> core: pipeline/core/ is the
# library every stage uses, stages/*/ the stages, pipeline/*.c the program.
CORE_SRC  := $(wildcard pipeline/core/*.c)
STAGE_SRC := $(wildcard stages/*/*.c)
PROG_SRC  := $(filter-out pipeline/main.c,$(wildcard pipeline/*.c))
CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/schema.o
STAGE_OBJ := $(STAGE_SRC:%.c=$(BUILD)/obj/%.o)
PROG_OBJ  := $(PROG_SRC:%.c=$(BUILD)/obj/%.o)
SCHEMA    := $(sort $(wildcard pipeline/schema/*.sql))
CORE_LIB  := $(BUILD)/libhrcore.a
STAGE_LIB := $(BUILD)/libhrstages.a
PROG_LIB  := $(BUILD)/libhrprog.a
LIB       := $(PROG_LIB) $(STAGE_LIB) $(CORE_LIB)
BIN       := $(BUILD)/hospreport
GEN       := $(BUILD)/hospgen
GEN_SRC   := $(wildcard samples/*.c) pipeline/core/calendar.c
TESTS     := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
TESTKIT   := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/support/*.c))
.SECONDARY: $(TESTKIT)
# One catalog per language, locales/LL_CC.po, for the one domain hospreport:
# program messages, the renderer's strings and the templates' text.
# `make update-po` refreshes locales/hospreport.pot and merges it into them.
LANGS     := $(patsubst locales/%.po,%,$(wildcard locales/??_??.po))
MO        := $(LANGS:%=$(BUILD)/locale/%/LC_MESSAGES/hospreport.mo)

.PHONY: all deps check test-units demo bench asan install uninstall update-po clean
.DEFAULT_GOAL := all

MAN       := $(BUILD)/hospreport.1

all: $(BIN) $(GEN) $(MO) $(MAN)

# The manual page is made from the program's own --help (scripts/mkman.sh).
$(MAN): $(BIN) scripts/mkman.sh
	scripts/mkman.sh $(BIN) > $@.tmp && mv $@.tmp $@

deps:
	@scripts/deps.sh

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/schema.c: $(SCHEMA) scripts/embed_sql.sh
	@mkdir -p $(BUILD)
	scripts/embed_sql.sh $(SCHEMA) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/schema.o: $(BUILD)/schema.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(STAGE_LIB): $(STAGE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(PROG_LIB): $(PROG_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/obj/pipeline/main.o $(LIB)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

$(GEN): $(GEN_SRC) | deps
	@mkdir -p $(BUILD)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I. $(EXTRA_CFLAGS) -o $@ $(GEN_SRC) -lm

$(BUILD)/locale/%/LC_MESSAGES/hospreport.mo: locales/%.po | deps
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

update-po:
	scripts/update-po.sh

$(BUILD)/tests/%: tests/%.c $(TESTKIT) $(LIB) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -o $@ $< $(TESTKIT) $(LIB) $(LIBS_ALL) $(TEST_LIBS)

check: all $(TESTS)
	@scripts/check-includes.sh
	@scripts/check-idioms.sh
	@scripts/update-po.sh --check
	@BUILD=$(BUILD) scripts/run-tests.sh $(TESTS)

demo: all
	@BUILD=$(BUILD) scripts/demo.sh

bench: all
	@BUILD=$(BUILD) scripts/bench.sh

asan:
	$(MAKE) BUILD=build-asan OPTFLAGS="-O1 -g -fno-omit-frame-pointer" \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" check

# What a hospital runs: the program, its templates and configuration, the
# message catalogs, the manual page and bash completion (not the sample
# generator). Nothing depends on PREFIX at build time: the binary finds
# PREFIX/share/hospreport relative to itself, so a DESTDIR stage works where
# it is unpacked.
install: all
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(DATADIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(COMPDIR)"
	install -m 755 $(BIN) "$(DESTDIR)$(BINDIR)/hospreport"
	cp -R templates config "$(DESTDIR)$(DATADIR)/"
	install -m 644 $(MAN) "$(DESTDIR)$(MANDIR)/man1/hospreport.1"
	install -m 644 scripts/hospreport.bash-completion "$(DESTDIR)$(COMPDIR)/hospreport"
	for mo in $(MO); do lang=$$(basename $$(dirname $$(dirname $$mo))); \
	    install -d "$(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES"; \
	    install -m 644 $$mo "$(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/hospreport.mo"; done

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/hospreport" "$(DESTDIR)$(MANDIR)/man1/hospreport.1" \
	      "$(DESTDIR)$(COMPDIR)/hospreport"
	rm -rf "$(DESTDIR)$(DATADIR)"
	for lang in $(LANGS); do rm -f "$(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/hospreport.mo"; done

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
