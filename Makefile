# csgw - child support data exchange gateway.
#
#   make            build build/csgw
#   make test       every test; ends with one line "N passed, N failed"
#   make test SANITIZE=1   the same under AddressSanitizer and UBSan
#   make demo       the main job, for real
#   make bench      speed and memory against xmllint and openssl (prints figures)
#   make bench-sign only its signing part
#   make bench-sftp only its SFTP part (SFTP_BENCH_MIB=N for a smaller file)
#   make bench-audit only its audit log part (AUDIT_BENCH_N=N entries)
#   make bench-e2e  only csgw run end to end, and a locate request's latency
#   make bench-scale 1M and 10M records through map, policy apply and csgw run
#                   (not part of make bench: ~45 GB of disk, many minutes)
#   make fuzz       the parsers under libFuzzer, FUZZ_SECONDS each
#   make fuzz-long  each for FUZZ_LONG_SECONDS (600), growing tests/fuzz/corpus/
#   make lint       formatting (clang-format) and banned functions
#   make certs      development PKI in certs/dev, NOT FOR PRODUCTION
#                   (CERTS_OPTS="--rsa --force": RSA-3072 keys, replace certs/dev)
#   make install    PREFIX=/usr/local DESTDIR= (SYSTEMDUNITDIR=$(PREFIX)/lib/systemd/system)
#   make deb        build/deb/csgw_VERSION-1_ARCH.deb (debian/), built in a copy of
#                   the checkout under build/deb, then checked by lintian
#
# Missing Debian packages are installed by gateway/deps.sh when run as
# root, or named in one clear message.

VERSION = 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system

# BUILD=DIR builds elsewhere (two checkouts' builds side by side).
BUILD ?= build
ifeq ($(SANITIZE),1)
BUILD = build-asan
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

PKGS = libxml-2.0 libcrypto libssh2 sqlite3 inih libseccomp
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	-Wno-format-nonliteral -Igateway $(SANFLAGS) -DCSGW_VERSION='"$(VERSION)"' \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS) $(CFLAGS)
LDLIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

LIB_SRC = $(wildcard gateway/util/*.c gateway/io/*.c gateway/core/*.c gateway/ops/*.c gateway/cmd/*.c)
LIB_OBJ = $(LIB_SRC:gateway/%.c=$(BUILD)/obj/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit demo bench bench-sign bench-sftp bench-audit bench-e2e bench-scale fuzz fuzz-long lint certs install deb clean xsd

all: deps $(BUILD)/csgw

deps:
	@gateway/deps.sh build

$(BUILD)/obj/%.o: gateway/%.c $(wildcard gateway/*/*.h) | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libcsgw.a: $(LIB_OBJ)
	@$(AR) rcs $@ $^

$(BUILD)/csgw: $(BUILD)/obj/csgw.o $(BUILD)/libcsgw.a
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libcsgw.a
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(ALL_CFLAGS) -Itests/unit $(shell pkg-config --cflags cmocka) -o $@ $< \
		$(BUILD)/libcsgw.a $(LDLIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_BIN)

$(BUILD)/bench/audit_bench: tests/bench/audit_bench.c $(BUILD)/libcsgw.a
	@mkdir -p $(dir $@)
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libcsgw.a $(LDLIBS)

test:
	@gateway/deps.sh test
	@$(MAKE) --no-print-directory all unit
	@tests/run.sh $(BUILD)

demo:
	@gateway/deps.sh demo
	@$(MAKE) --no-print-directory all
	@tests/demo.sh $(BUILD)/csgw

bench:
	@gateway/deps.sh bench
	@$(MAKE) --no-print-directory all $(BUILD)/bench/audit_bench
	@tests/bench/run.sh $(BUILD)
	@tests/bench/sign.sh $(BUILD)
	@tests/bench/sftp.sh $(BUILD)
	@tests/bench/audit.sh $(BUILD)
	@tests/bench/e2e.sh $(BUILD)

# Only the signing part of make bench (csgw sign / verify against openssl).
bench-sign:
	@gateway/deps.sh bench
	@$(MAKE) --no-print-directory all
	@tests/bench/sign.sh $(BUILD)

# Only the end-to-end part (csgw run on loopback; E2E_BENCH_N=N records).
bench-e2e:
	@gateway/deps.sh bench
	@$(MAKE) --no-print-directory all
	@tests/bench/e2e.sh $(BUILD)

# Ten times make bench's size (SCALE_SIZES="N1 N2"): flat memory, linear time.
bench-scale:
	@gateway/deps.sh bench
	@$(MAKE) --no-print-directory all
	@tests/bench/scale.sh $(BUILD)

bench-audit:
	@gateway/deps.sh bench
	@$(MAKE) --no-print-directory all $(BUILD)/bench/audit_bench
	@tests/bench/audit.sh $(BUILD)

bench-sftp:
	@gateway/deps.sh bench
	@$(MAKE) --no-print-directory all
	@tests/bench/sftp.sh $(BUILD)

# The parsers under libFuzzer (ASan+UBSan), FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: all
	@gateway/deps.sh fuzz
	@CSGW=$(BUILD)/csgw tests/fuzz/run.sh $(FUZZ_SECONDS)

# The same for FUZZ_LONG_SECONDS per target (default 600: 10 minutes each),
# and every input that finds new coverage is added to the kept corpus,
# tests/fuzz/corpus/TARGET/ (make fuzz only reads it).  The corpus grows:
# git status lists the new files; commit those worth keeping, and keep it
# small (under 100 KiB a target).  libFuzzer's -merge=1 cuts a corpus to
# the inputs that add coverage (tests/fuzz/run.sh says how).
FUZZ_LONG_SECONDS ?= 600
fuzz-long: all
	@gateway/deps.sh fuzz
	@CSGW=$(BUILD)/csgw tests/fuzz/run.sh --keep $(FUZZ_LONG_SECONDS)

lint:
	@gateway/deps.sh lint
	@tests/lint.sh

# The development PKI (certs/README.md): FOR DEVELOPMENT AND TESTS ONLY.
CERTS_OPTS ?=
certs:
	@gateway/deps.sh test
	@certs/init-dev.sh $(CERTS_OPTS)

# The man pages (doc/) and the bash completion go where man and
# bash-completion look; the unit's /usr/local becomes PREFIX.
MAN5 = $(wildcard doc/*.5)
MAN8 = $(wildcard doc/*.8)
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/csgw
	install -m 0755 $(BUILD)/csgw $(DESTDIR)$(PREFIX)/bin/csgw
	cp -R mappings $(DESTDIR)$(PREFIX)/share/csgw/
	install -m 0644 README.md gateway/gateway.conf.example $(DESTDIR)$(PREFIX)/share/csgw/
	$(if $(MAN5),install -d $(DESTDIR)$(PREFIX)/share/man/man5)
	$(if $(MAN5),install -m 0644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/)
	$(if $(MAN8),install -d $(DESTDIR)$(PREFIX)/share/man/man8)
	$(if $(MAN8),install -m 0644 $(MAN8) $(DESTDIR)$(PREFIX)/share/man/man8/)
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 gateway/csgw.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/csgw
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|/usr/local|$(PREFIX)|g' gateway/csgw.service >$(DESTDIR)$(SYSTEMDUNITDIR)/csgw.service

# The Debian package (debian/): the checkout's files (tracked, and new ones
# not ignored; no build*/, demo-out/, bench-out/) are copied to
# $(BUILD)/deb/csgw-VERSION and built there, so nothing is written outside
# the checkout; then lintian (exit 1 on an error).
DEB_DIR = $(BUILD)/deb
DEB_SRC = $(DEB_DIR)/csgw-$(VERSION)
deb:
	@gateway/deps.sh deb
	@v=$$(dpkg-parsechangelog -S Version); case $$v in $(VERSION)-*) ;; \
		*) echo "deb: debian/changelog has $$v, the Makefile VERSION $(VERSION)" >&2; exit 1 ;; esac
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	@git ls-files -z --cached --others --exclude-standard | \
		grep -zvE '^(build[^/]*|demo-out|bench-out)/' | \
		xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
		tar --null -T - -cf - | tar -xf - -C $(DEB_SRC)
	@echo "  DEB     $(DEB_SRC) (log: $(DEB_DIR)/build.log)"
	@cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; echo "deb: dpkg-buildpackage failed" >&2; exit 1; }
	@echo "  LINTIAN $$(ls $(DEB_DIR)/csgw_$(VERSION)-*.deb)"
	@lintian --fail-on error $(DEB_DIR)/csgw_$(VERSION)-*.deb
	@echo "deb: $$(ls $(DEB_DIR)/csgw_$(VERSION)-*.deb)"

clean:
	rm -rf build build-asan build-fuzz bench-out demo-out

# The partner schemas in mappings/ are generated; tests fail when they drift.
xsd: all
	@for m in mappings/*/*.map.xml; do f=$$(basename $$m .map.xml); \
		$(BUILD)/csgw --mappings mappings mapping xsd $$f >mappings/$$f/$$f.xsd || exit 1; done
	@echo "regenerated mappings/*/*.xsd"
