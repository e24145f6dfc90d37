# ircserv: one non-recursive Makefile.
#   make            build ./ircserv and ./ircbot (make bonus: the bot alone)
#   make test       lint, unit + integration + end-to-end + interop tests (installs test tools if missing)
#   make web        WebSocket listener (python3-websockets) and the web page (headless Chromium)
#   make lint       the architecture rules (tests/lint.py), and proof that each can fail
#   make irctest    the irctest conformance suite, when ../shared/irctest or $IRCTEST_DIR has it
#   make asan       build and run unit + integration tests under ASan + UBSan
#   make fuzz       libFuzzer harnesses (FUZZ_SECONDS each); make stress; make valgrind
#   make stress-sasl  SASL logins under attack: loop stalls and real logins (30 s)
#   make bench      benchmark against other servers (tests/bench)
#   make interop    server links with ircd-hybrid (both directions) and Atheme (root)
#   make bench-cost server CPU per line of the costliest commands
#   make bench-history  memory of 100,000 kept messages, CPU of CHATHISTORY, compaction
#   make bench-ws   server CPU per message over WebSocket against TCP
#   make bench-upgrade  pause of a hot upgrade at 10,000 clients
#   make bench-link server CPU of a 10,000-user burst and of fanout over 3 linked servers
#   make install    PREFIX=/usr/local, DESTDIR for staging; install-systemd, uninstall
#   make clean / fclean / re
#   V=1             show full commands

NAME    := ircserv
CC      ?= cc
SAN     ?= 0
V       ?= 0

CSTD    := -std=c17 -D_XOPEN_SOURCE=700
WARN    := -Wall -Wextra -Werror -pedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
LDFLAGS ?=

ifeq ($(SAN),1)
BUILD   := build/asan
CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
BUILD   := build/release
endif

ALL_CFLAGS := $(CSTD) $(WARN) $(CFLAGS) -Iinclude -MMD -MP

ifeq ($(V),1)
Q :=
else
Q := @
endif

SRC      := $(wildcard src/*.c)
# The web page the WebSocket listener serves, compiled in (webpage.h).
PAGE_OBJ := $(BUILD)/gen/webpage.o
OBJ      := $(SRC:src/%.c=$(BUILD)/src/%.o) $(PAGE_OBJ)
CORE_OBJ := $(filter-out $(BUILD)/src/main.o,$(OBJ))
BIN      := $(BUILD)/$(NAME)

# The bonus bot: its own program from src/bot/, sharing no objects with the server.
BOT          := ircbot
BOT_SRC      := $(wildcard src/bot/*.c)
BOT_OBJ      := $(BOT_SRC:src/%.c=$(BUILD)/src/%.o)
BOT_CORE_OBJ := $(filter-out $(BUILD)/src/bot/main.o,$(BOT_OBJ))
BOT_BIN      := $(BUILD)/$(BOT)

UNIT_SRC := $(filter-out tests/unit/test_bot_%.c,$(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_LIB := $(BUILD)/tests/fake.o
BOT_UNIT_SRC := $(wildcard tests/unit/test_bot_*.c)
BOT_UNIT_BIN := $(BOT_UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

ITEST_SRC := $(wildcard tests/integration/test_*.c)
# The slowest first (their protocol timers, not the CPU, set their pace), so
# that TEST_JOBS binaries at once finish close together.
ITEST_FIRST := $(addprefix $(BUILD)/itests/,test_bot test_bot_robust test_link_chan test_ops \
	test_link test_link_query test_modes test_upgrade test_proxy)
ITEST_BIN := $(ITEST_FIRST) \
	$(filter-out $(ITEST_FIRST),$(ITEST_SRC:tests/integration/%.c=$(BUILD)/itests/%))
# How many integration test binaries run at once (tests/run-unit.sh).
TEST_JOBS ?= 3
ITEST_LIB := $(addprefix $(BUILD)/itests/,itest.o itest_v3.o itest_link.o itest_bot.o)

DEPS_SUITES := unit integration e2e stress lint fuzz valgrind irctest web interop

# libFuzzer harnesses: clang, the same warnings, ASan + UBSan; the core
# objects without the shell (main, conn, conn_wait, conn_upgrade, upgrade,
# loop). The compiler line is kept in FUZZ_FLAGS, rewritten only when it
# changes (FUZZ_CFLAGS), so a new line rebuilds everything with it.
FUZZ_CC     ?= clang
FUZZ_CFLAGS ?=
FUZZ_BUILD  := build/fuzz
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CC_LINE := $(FUZZ_CC) $(CSTD) $(WARN) -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
	$(FUZZ_CFLAGS) -Iinclude -MMD -MP
FUZZ_FLAGS  := $(FUZZ_BUILD)/obj/flags
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN    := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_OBJ    := $(filter-out %/main.o %/conn.o %/conn_wait.o %/conn_upgrade.o %/upgrade.o %/loop.o,$(SRC:src/%.c=$(FUZZ_BUILD)/obj/%.o))

DEP := $(OBJ:.o=.d) $(BOT_OBJ:.o=.d) $(UNIT_LIB:.o=.d) $(UNIT_BIN:=.d) \
	$(BOT_UNIT_BIN:=.d) $(ITEST_LIB:.o=.d) $(ITEST_BIN:=.d) $(FUZZ_OBJ:.o=.d) \
	$(FUZZ_BIN:=.d)

.PHONY: all bonus bench bench-cost bench-history bench-link bench-upgrade bench-ws interop clean fclean re test unit integration e2e web irctest asan deps fuzz \
	stress stress-sasl valgrind lint fuzz-build FORCE $(DEPS_SUITES:%=deps-%)
# Keep intermediate test objects between builds.
.SECONDARY:

all: $(NAME) $(BOT)

bonus: $(BOT)

# Release binaries are copied to the top level, where README says to run them.
ifeq ($(SAN),1)
$(NAME): $(BIN)
$(BOT): $(BOT_BIN)
else
$(NAME): $(BIN)
	$(Q)cp $(BIN) $(NAME)
$(BOT): $(BOT_BIN)
	$(Q)cp $(BOT_BIN) $(BOT)
endif

$(BIN): $(OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(BOT_BIN): $(BOT_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# src/web/index.html as a byte array: od and sed, no tool beyond POSIX.
$(BUILD)/gen/webpage.c: src/web/index.html
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q){ echo '#include "webpage.h"'; \
	    echo 'const unsigned char webpage_html[] = {'; \
	    od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	    echo '};'; \
	    echo 'const size_t webpage_html_len = sizeof(webpage_html);'; } >$@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Tests link every core object except main.o, plus cmocka.
$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(UNIT_LIB) $(CORE_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

# Bot unit tests link the bot's objects instead of the server's.
$(BUILD)/tests/test_bot_%: $(BUILD)/tests/test_bot_%.o $(BOT_CORE_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

$(BUILD)/itests/%.o: tests/integration/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/integration -c -o $@ $<

$(BUILD)/itests/test_%: $(BUILD)/itests/test_%.o $(ITEST_LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

# Install what the tests need on Debian when it is missing (CI runs as root):
# deps for every suite, deps-<suite> for one (tests/deps.sh lists them).
deps:
	$(Q)sh tests/deps.sh

$(DEPS_SUITES:%=deps-%):
	$(Q)sh tests/deps.sh $(@:deps-%=%)

unit: deps-unit $(UNIT_BIN) $(BOT_UNIT_BIN)
	$(Q)sh tests/run-unit.sh $(UNIT_BIN) $(BOT_UNIT_BIN)

integration: deps-integration $(BIN) $(BOT_BIN) $(ITEST_BIN)
	$(Q)TEST_JOBS=$(TEST_JOBS) IRCSERV_BIN=$(BIN) IRCBOT_BIN=$(BOT_BIN) \
	    sh tests/run-unit.sh $(ITEST_BIN)

# A stage of make test: it needs root and unshare (else skipped); deps
# brings Atheme and ircd-hybrid (docs/linking.md).
interop: deps-interop $(BIN)
	$(Q)sh tests/interop/run.sh $(BIN)

e2e: deps-e2e $(BIN)
	$(Q)IRCSERV_BIN=$(BIN) python3 tests/e2e/run.py

# The architecture rules of docs/architecture.md (python3 only), then a
# copy of the tree with each rule broken on purpose, to show it fails.
lint: deps-lint
	$(Q)python3 tests/lint.py
	$(Q)python3 tests/lint_test.py

# WebSocket clients and a browser against the binary; screenshots in $(BUILD)/web/.
web: deps-web $(BIN)
	$(Q)IRCSERV_BIN=$(CURDIR)/$(BIN) WEB_ARTIFACTS=$(CURDIR)/$(BUILD)/web \
	    /usr/bin/python3 tests/web/run.py

# The irctest conformance suite (tests/irctest/run.sh says where it looks).
irctest: deps-irctest $(BIN)
	$(Q)IRCSERV_BIN=$(CURDIR)/$(BIN) sh tests/irctest/run.sh

# The whole suite: release build (unit, integration, e2e, stress, fuzz,
# irctest when it is at hand), then unit and integration again under
# ASan + UBSan; one total at the end.
test:
	$(Q)MAKE="$(MAKE)" sh tests/run-all.sh

asan:
	$(Q)$(MAKE) --no-print-directory SAN=1 unit integration

$(FUZZ_FLAGS): FORCE
	@mkdir -p $(dir $@)
	$(Q)echo '$(FUZZ_CC_LINE)' | cmp -s - $@ || echo '$(FUZZ_CC_LINE)' >$@

$(FUZZ_BUILD)/obj/%.o: src/%.c $(FUZZ_FLAGS)
	@echo "  CC      $< (fuzz)"
	$(Q)$(FUZZ_CC_LINE) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ) $(FUZZ_FLAGS)
	@echo "  LD      $@"
	$(Q)$(FUZZ_CC_LINE) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ)

fuzz-build: deps-fuzz $(FUZZ_BIN)

# libFuzzer harnesses (clang): FUZZ_SECONDS per harness, default 60.
fuzz: fuzz-build
	$(Q)sh tests/fuzz/run.sh

# Compare ircserv with a line relay, ngIRCd, InspIRCd and ircd-hybrid
# (docs/performance.md); QUICK=1 for a run of about 4 minutes. Not part of
# make test: it takes about 13 minutes and downloads the other servers.
bench: $(NAME)
	$(Q)IRCSERV_BIN=$(CURDIR)/$(NAME) sh tests/bench/run.sh

# Server CPU per line of the costliest form of every command that takes
# lists or masks, at large state (docs/performance.md); about a minute.
bench-cost: $(NAME)
	$(Q)IRCSERV_BIN=$(CURDIR)/$(NAME) python3 tests/bench/cost.py

# The history store: RSS with 100,000 messages kept, server CPU of
# CHATHISTORY LATEST #chan * 100, and the longest loop round while the
# journal of 100,000 messages is compacted (docs/performance.md); about 10 to 20 seconds.
bench-history: $(NAME)
	$(Q)IRCSERV_BIN=$(CURDIR)/$(NAME) python3 tests/bench/history.py

# Server CPU per PRIVMSG over WebSocket (binary, text) against TCP, and the
# ratio (goal: at most 1.3); about a minute.
bench-ws: $(NAME)
	$(Q)IRCSERV_BIN=$(CURDIR)/$(NAME) python3 tests/bench/ws_cost.py

# The pause of a hot upgrade (SIGUSR2) with 10,000 clients in 1,000
# channels (goal: at most 500 ms; docs/performance.md); about a minute.
bench-upgrade: $(NAME)
	$(Q)IRCSERV_BIN=$(CURDIR)/$(NAME) python3 tests/bench/upgrade.py

# Server links: CPU of bursting 10,000 users and 1,000 channels, and CPU
# per delivered channel message over A - B - C against one server.
bench-link: $(NAME)
	$(Q)IRCSERV_BIN=$(CURDIR)/$(NAME) python3 tests/bench/link.py

# Churn, hostile input, slow readers, descriptor exhaustion, against the binary.
stress: deps-stress $(BIN)
	$(Q)IRCSERV_BIN=$(BIN) python3 tests/stress/stress.py

# Password checks under attack: PING round trips during a burst of 8 checks,
# real logins while 60 peers from 4 addresses spray failed ones.
stress-sasl: deps-stress $(BIN)
	$(Q)IRCSERV_BIN=$(BIN) python3 tests/stress/sasl_storm.py

# The integration tests with the server under valgrind memcheck (release
# build). Left out: test_proxy and test_bot*, whose fixed protocol deadlines
# (PROXY header timeout, the bot's pacing and backoff) a server slowed down
# by valgrind cannot meet; their code paths run under ASan in make test.
VALGRIND_ITEST_BIN := $(filter-out %/test_proxy %/test_bot %/test_bot_robust,$(ITEST_BIN))
valgrind: deps-valgrind $(BIN) $(BOT_BIN) $(VALGRIND_ITEST_BIN)
	$(Q)IRCSERV_REAL_BIN=$(BIN) IRCBOT_BIN=$(BOT_BIN) sh tests/stress/valgrind.sh \
	    $(VALGRIND_ITEST_BIN)

clean:
	$(Q)rm -rf build

fclean: clean
	$(Q)rm -f $(NAME) $(BOT)

re: fclean
	$(Q)$(MAKE) --no-print-directory all

# Installation (GNU conventions: PREFIX, and DESTDIR for staging):
#   make install            binary, ircserv(8), example configuration
#   make install-systemd    the above and the systemd unit, ExecStart in BINDIR
#   make uninstall          remove all of it
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/$(NAME)
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL ?= install

.PHONY: install install-systemd uninstall

install: $(BIN)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/$(NAME)
	$(INSTALL) -m 0644 docs/ircserv.8 $(DESTDIR)$(MANDIR)/man8/ircserv.8
	$(INSTALL) -m 0644 conf/ircserv.conf $(DESTDIR)$(DOCDIR)/ircserv.conf.example

# The unit names /usr/local paths; point them at where this install put things.
install-systemd: install
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	sed -e 's|/usr/local/bin/ircserv|$(BINDIR)/$(NAME)|' \
	    -e 's|/usr/local/share/doc/ircserv|$(DOCDIR)|' \
	    conf/ircserv.service >$(DESTDIR)$(UNITDIR)/ircserv.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ircserv.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(NAME) $(DESTDIR)$(MANDIR)/man8/ircserv.8 \
	    $(DESTDIR)$(DOCDIR)/ircserv.conf.example $(DESTDIR)$(UNITDIR)/ircserv.service
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true

-include $(DEP)

FORCE:
