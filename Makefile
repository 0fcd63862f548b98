# imscan - integrity scanner.  `make` builds ./imscan, `make check` runs
# every test, `make deps` installs what the build needs (Debian, as root).

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
RULESDIR ?= $(DATADIR)/imscan/rules
DESTDIR ?=

VERSION := 0.1.0
CC      ?= cc
PKG_CONFIG ?= pkg-config
# Where objects go; `make sanitize` uses another directory.
B       ?= build

LIBS_PC  := libsodium libxxhash libcjson zlib libcrypto
TEST_PC  := check
# Debian packages behind them, and the tools the tests use.
DEB_BUILD := build-essential pkg-config libsodium-dev libxxhash-dev libcjson-dev zlib1g-dev libssl-dev
DEB_TEST  := check jq attr acl libcap2-bin e2fsprogs python3 perl xxhash rsync
DEB_EXTRA := clang

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	-Wwrite-strings -Wformat=2 -Wno-format-nonliteral
ifeq ($(CI),true)
WARN += -Werror
endif
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=$(SANITIZE) -fno-omit-frame-pointer
endif

# Recursive (=) so that `make deps` and `make clean` work before the
# libraries are installed.
PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS   = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PC) 2>/dev/null)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PC) 2>/dev/null)

CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) $(SANFLAGS) $(CFLAGS) $(PC_CFLAGS) \
	-DIMSCAN_VERSION='"$(VERSION)"' -DIMSCAN_RULESDIR='"$(RULESDIR)"'
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
LDLIBS_ALL = $(PC_LIBS) -lpthread

SRC  := $(sort $(wildcard src/*.c src/*/*.c))
OBJ  := $(SRC:src/%.c=$(B)/%.o)
LIBOBJ := $(filter-out $(B)/main.o,$(OBJ))
UNIT_SRC := $(sort $(wildcard tests/unit/check_*.c))
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%.o)
HDR  := $(wildcard include/imscan/*.h src/*/*.h)

.PHONY: all deps check unit cli sanitize valgrind fuzz bench bench-entities bench-fmt install uninstall clean depcheck

all: imscan

depcheck:
	@missing=""; for p in $(LIBS_PC); do $(PKG_CONFIG) --exists $$p || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "imscan: missing libraries:$$missing; run 'make deps' (Debian: apt-get install $(DEB_BUILD))" >&2; exit 1; fi

imscan: $(B)/imscan
	cp $< $@

$(B)/imscan: $(OBJ) | depcheck
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ) $(LDLIBS_ALL)

$(B)/%.o: src/%.c $(HDR) Makefile | $(B) depcheck
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B) $(B)/unit:
	mkdir -p $@

# ---- tests ----------------------------------------------------------------

# Every "Suite *make_<x>_suite(void)" in tests/unit is collected here, so
# adding a suite is adding a file.
$(B)/unit/suites.h: $(UNIT_SRC) | $(B)/unit
	{ names=$$(sed -n 's/^Suite \*\(make_[a-z0-9_]*_suite\)(void).*/\1/p' $(UNIT_SRC)); \
	  for n in $$names; do echo "Suite *$$n(void);"; done; \
	  echo "static Suite *(*const unit_suites[])(void) = {"; \
	  for n in $$names; do echo "	$$n,"; done; \
	  echo "	NULL"; echo "};"; } > $@

# Suites are found by name, so their constructors need no prototype.
$(B)/unit/%.o: tests/unit/%.c $(HDR) tests/unit/unit.h $(B)/unit/suites.h | $(B)/unit
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Wno-missing-prototypes -I$(B)/unit -c -o $@ $<

$(B)/unit/runner.o: tests/unit/runner.c tests/unit/unit.h $(HDR) $(B)/unit/suites.h | $(B)/unit
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(B)/unit -c -o $@ $<

$(B)/unit_tests: $(B)/unit/runner.o $(UNIT_OBJ) $(LIBOBJ)
	@$(PKG_CONFIG) --exists check || { echo "imscan: Check is missing; run 'make deps'" >&2; exit 1; }
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

unit: $(B)/unit_tests
	$(B)/unit_tests

# CASES="update sandbox" runs only those CLI cases (cli, valgrind).
cli: $(B)/imscan
	IMSCAN=$(CURDIR)/$(B)/imscan sh tests/cli/run.sh $(CASES)

check: unit cli

# ASan runs the unit suites several times slower: Check's per-test
# timeouts are stretched to match, so that a slow machine is no failure.
sanitize:
	CK_TIMEOUT_MULTIPLIER=4 $(MAKE) B=build-san SANITIZE=address,undefined CFLAGS="-O1 -g" check

valgrind: $(B)/imscan $(B)/unit_tests
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $(B)/unit_tests
	IMSCAN=$(CURDIR)/$(B)/imscan IMSCAN_CASE_TIMEOUT=900 IMSCAN_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=%q{IMSCAN_VGLOG}/%p.log" sh tests/cli/run.sh $(CASES)

fuzz:
	$(MAKE) -C tests/fuzz FUZZ_SECONDS=$(or $(FUZZ_SECONDS),30)

bench: imscan $(B)/bench-entities
	sh bench/run.sh
	$(B)/bench-entities

# The non-file sources alone: live collection and a 5,000-package status.
bench-entities: $(B)/bench-entities
	$(B)/bench-entities

$(B)/bench-entities: bench/entities.c $(LIBOBJ) $(HDR)
	$(CC) $(ALL_CFLAGS) -o $@ bench/entities.c $(LIBOBJ) $(LDLIBS_ALL)

# The cost of one event line (bench/fmt.c); `$(B)/bench-fmt -d` dumps lines to compare builds.
bench-fmt: $(B)/bench-fmt
	$(B)/bench-fmt

$(B)/bench-fmt: bench/fmt.c $(LIBOBJ) $(HDR)
	$(CC) $(ALL_CFLAGS) -o $@ bench/fmt.c $(LIBOBJ) $(LDLIBS_ALL)

# ---- set-up, install ------------------------------------------------------

deps:
	@need=""; for p in $(DEB_BUILD) $(DEB_TEST) $(DEB_EXTRA); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || need="$$need $$p"; done; \
	if [ -z "$$need" ]; then echo "deps: all installed"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "deps: missing:$$need"; echo "run: sudo apt-get install -y$$need" >&2; exit 1; fi; \
	echo "deps: installing$$need"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need

install: imscan
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(RULESDIR)
	install -m 0755 imscan $(DESTDIR)$(BINDIR)/imscan
	install -m 0644 man/imscan.1 $(DESTDIR)$(MANDIR)/man1/imscan.1
	install -m 0644 man/imscan-rules.5 man/imscan-baseline.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 rules/*.json $(DESTDIR)$(RULESDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/imscan $(DESTDIR)$(MANDIR)/man1/imscan.1 \
	  $(DESTDIR)$(MANDIR)/man5/imscan-rules.5 $(DESTDIR)$(MANDIR)/man5/imscan-baseline.5
	rm -rf $(DESTDIR)$(RULESDIR)
	-rmdir $(DESTDIR)$(DATADIR)/imscan 2>/dev/null

clean:
	rm -rf build build-san imscan
	-$(MAKE) -C tests/fuzz clean 2>/dev/null
