# taskip: C core over libcurl, the Lua module, the emulator and the tools.
#
#   make            build everything into build/
#   make test       install missing packages (as root), build, lint, run specs
#                   (on 5.4; the unit specs also on 5.3, 5.1 and LuaJIT)
#   make demo       build, start the emulator, run an example against it
#   make install    PREFIX=/usr/local (honours DESTDIR)
#   make LUA=luajit install    the module alone for another Lua (below)

PREFIX ?= /usr/local
PKG_CONFIG ?= pkg-config

# Which Lua: LUA=lua5.4 (the default), lua5.3, lua5.1 or luajit. Its ABI
# version (5.1 for LuaJIT), pkg-config name and install dirs follow.
# Every Lua gets the module: the facade's files and taskip/core.so, built
# into build/<lua>/ for a Lua other than 5.4. The host, taskip-run,
# taskip-mock and the emulator are Lua 5.4 only.
LUA ?= lua5.4
# LuaRocks passes the interpreter's path (/usr/bin/lua5.4): its name counts.
override LUA := $(notdir $(LUA))
ifeq ($(filter lua5.1 lua5.3 lua5.4 luajit,$(LUA)),)
$(error LUA must be lua5.4, lua5.3, lua5.1 or luajit, not '$(LUA)')
endif
LUA_VERSION = $(if $(filter luajit,$(LUA)),5.1,$(LUA:lua%=%))
LUA_PC = $(LUA)
ifeq ($(LUA),lua5.4)
B = build
else
B = build/$(LUA)
endif

# Install dirs, in LuaRocks' terms: LUADIR for Lua files, LIBDIR for C
# modules (the old names LUA_MODULE_DIR/LUA_CMODULE_DIR still work),
# BINDIR for the programs; SOLIBDIR for libtaskip.so/.a and pkgconfig/.
LUADIR ?= $(or $(LUA_MODULE_DIR),$(PREFIX)/share/lua/$(LUA_VERSION))
LIBDIR ?= $(or $(LUA_CMODULE_DIR),$(PREFIX)/lib/lua/$(LUA_VERSION))
BINDIR ?= $(PREFIX)/bin
SOLIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man

# Where Lua is: LUA_INCDIR holds lua.h, LUA_LIBDIR liblua (as LuaRocks
# passes them); both default to what pkg-config says for $(LUA).
override LUA_INCDIR := $(or $(LUA_INCDIR),$(patsubst -I%,%,$(firstword \
	$(shell $(PKG_CONFIG) --cflags-only-I $(LUA_PC) 2>/dev/null))),/usr/include)
override LUA_LIBDIR := $(or $(LUA_LIBDIR),\
	$(shell $(PKG_CONFIG) --variable=libdir $(LUA_PC) 2>/dev/null))
LUA_LIBS ?= $(shell $(PKG_CONFIG) --libs $(LUA_PC) 2>/dev/null)
CURL_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS ?= $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null)
URI_LIBS ?= $(shell $(PKG_CONFIG) --libs liburiparser 2>/dev/null)
MHD_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libmicrohttpd gnutls 2>/dev/null)
MHD_LIBS ?= $(shell $(PKG_CONFIG) --libs libmicrohttpd gnutls 2>/dev/null)
# The shared rate stores: libcrypto (the key's fingerprint) and hiredis.
STORE_LIBS ?= $(shell $(PKG_CONFIG) --libs libcrypto hiredis 2>/dev/null)

CC ?= cc
CFLAGS ?= -O2 -g
LIBFLAG ?= -shared
WARNINGS = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2
ALL_CFLAGS = -std=c99 -fPIC -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	$(WARNINGS) $(CFLAGS) -I$(LUA_INCDIR) $(CURL_CFLAGS)

# The installed tools and libtaskip.so find the Lua modules relative to
# themselves (src/selfpath.c), so an install tree can be moved; the
# absolute dirs are the last resort. Only the objects that use these
# see them, and they are rebuilt when the dirs change (paths.stamp).
REL_LUADIR_BIN := $(shell realpath -m --relative-to='$(BINDIR)' '$(LUADIR)')
REL_LUADIR_LIB := $(shell realpath -m --relative-to='$(SOLIBDIR)' '$(LUADIR)')
PATH_DEFS = -DTASKIP_LUA_MODULE_DIR='"$(LUADIR)"' \
	-DTASKIP_LUA_CMODULE_DIR='"$(LIBDIR)"' \
	-DTASKIP_LUADIR_FROM_BIN='"$(REL_LUADIR_BIN)"' \
	-DTASKIP_LUADIR_FROM_LIB='"$(REL_LUADIR_LIB)"'

# The core: no I/O, no curl, no Lua (tested alone by build/core-test).
CORE_SRCS = src/secret.c src/ratelimit.c src/retry.c src/origin.c \
	src/digest.c src/client.c src/buffer.c
# The libcurl transports: easy (blocking) and multi (non-blocking).
CURL_SRCS = src/transport_curl.c src/transport_easy.c src/transport_multi.c
# Shared rate stores (file, Redis) and the key's fingerprint: I/O, so
# not in the core; the core sees them through src/ratestore.h.
STORE_SRCS = src/fingerprint.c src/ratestore_open.c src/ratestore_file.c \
	src/ratestore_redis.c
MOCK_SRCS = $(wildcard src/mock/*.c)
HOST_SRCS = src/host.c src/sandbox.c src/sandbox_lib.c src/sandbox_scripts.c \
	src/hostcore.c \
	src/lresult.c \
	src/lintegers.c \
	src/sandbox_charge.c \
	src/host_pattern.c \
	src/host_text.c src/host_allow.c src/host_json.c \
	src/host_values.c src/host_luavalue.c src/host_functions.c \
	src/host_account.c \
	src/selfpath.c
CORE_OBJS = $(CORE_SRCS:src/%.c=$(B)/obj/%.o)
CURL_OBJS = $(CURL_SRCS:src/%.c=$(B)/obj/%.o)
STORE_OBJS = $(STORE_SRCS:src/%.c=$(B)/obj/%.o)
MOCK_OBJS = $(MOCK_SRCS:src/%.c=$(B)/obj/%.o)
HOST_OBJS = $(HOST_SRCS:src/%.c=$(B)/obj/%.o)
HEADERS = $(wildcard src/*.h src/mock/*.h)

CORE_MODULE = $(B)/taskip/core.so
EMULATOR_MODULE = $(B)/taskip/emulator.so
MOCK_BIN = $(B)/taskip-mock
HOST_LIB = $(B)/libtaskip_host.a
RUN_BIN = $(B)/taskip-run
HOST_DRIVER = $(B)/host-driver
PLUGIN_DRIVER = $(B)/plugin-driver
EMBED_BIN = $(B)/embed-game-loop
PLUGIN_ENGINE = $(B)/plugin-engine
HOST_MODULE = $(B)/taskip/host.so
HOST_LINK = $(LUA_LIBS) $(CURL_LIBS) $(URI_LIBS) $(STORE_LIBS) -lm $(LDFLAGS)
LUA_FILES = $(shell find lua -name '*.lua' | sort)
# What the module alone installs (the rockspec's list): not the emulator.
MODULE_LUA_FILES = $(filter-out lua/taskip/mock.lua lua/taskip/mock/%,$(LUA_FILES))

all: module
module: $(CORE_MODULE)
ifeq ($(LUA),lua5.4)
all: $(EMULATOR_MODULE) $(MOCK_BIN) $(HOST_LIB) $(RUN_BIN) \
	$(HOST_DRIVER) $(PLUGIN_DRIVER) $(EMBED_BIN) $(PLUGIN_ENGINE) \
	$(HOST_MODULE)
endif

PATH_OBJS = $(B)/obj/host.o $(B)/obj/selfpath.o $(B)/obj/mock/lua_bridge.o
$(PATH_OBJS): EXTRA_CFLAGS += $(PATH_DEFS)
$(PATH_OBJS): $(B)/paths.stamp
# The emulator's flags (libmicrohttpd, GnuTLS) on the emulator's objects only.
EMU_OBJS = $(MOCK_OBJS) $(B)/obj/lemulator.o $(B)/obj/taskip_mock.o
$(EMU_OBJS): EXTRA_CFLAGS += $(MHD_CFLAGS)

$(B)/paths.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LUADIR) $(LIBDIR) $(REL_LUADIR_BIN) $(REL_LUADIR_LIB)' | \
		cmp -s - $@ 2>/dev/null || \
		echo '$(LUADIR) $(LIBDIR) $(REL_LUADIR_BIN) $(REL_LUADIR_LIB)' > $@

# Header dependencies come from the compiler (-MMD).
$(B)/obj/%.o: src/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c $< -o $@

-include $(wildcard $(B)/obj/*.d $(B)/obj/mock/*.d)

# No liblua here: a module takes the Lua API from the interpreter that
# loads it (and one .so must not carry a second Lua).
# Every lua_*/luaL_* reference is made weak, so that a build for another
# Lua loads and says so (src/lversion.c) instead of failing in dlopen.
CORE_MODULE_OBJS = $(B)/obj/ltaskip.o $(B)/obj/lversion.o $(B)/obj/lresult.o \
	$(B)/obj/lintegers.o $(B)/obj/lratestore.o $(CORE_OBJS) $(CURL_OBJS) \
	$(STORE_OBJS)
OBJCOPY ?= objcopy

$(B)/obj/core-module.o: $(CORE_MODULE_OBJS)
	$(LD) -r -o $@ $^
	$(OBJCOPY) --wildcard --weaken-symbol='lua_*' --weaken-symbol='luaL_*' $@

$(CORE_MODULE): $(B)/obj/core-module.o
	@mkdir -p $(dir $@)
	$(CC) $(LIBFLAG) -o $@ $^ $(CURL_LIBS) $(URI_LIBS) $(STORE_LIBS) $(LDFLAGS)

$(EMULATOR_MODULE): $(B)/obj/lemulator.o $(MOCK_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBFLAG) -o $@ $^ $(MHD_LIBS) -lpthread $(LDFLAGS)

$(MOCK_BIN): $(B)/obj/taskip_mock.o $(B)/obj/selfpath.o $(MOCK_OBJS)
	$(CC) -o $@ $^ $(MHD_LIBS) $(LUA_LIBS) -lpthread -lm $(LDFLAGS)

# The script host: a static library for embedders, taskip-run, and the
# C driver of the host specs.
$(HOST_LIB): $(HOST_OBJS) $(CORE_OBJS) $(CURL_OBJS) $(STORE_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# {==================================================== libtaskip.so
# The core and the host as a shared library for embedders (pkg-config
# taskip). It carries Lua 5.4 (Debian's liblua5.4.a) with every symbol
# hidden, so a program that embeds LuaJIT or another Lua can use it; its
# sandboxes get lua-cjson linked in the same way (Debian's
# liblua5.4-cjson.a, from lua-cjson-dev): a cjson.so loaded with dlopen
# could not bind to a hidden Lua. Only taskip_* is exported
# (src/libtaskip.map).
VERSION := $(shell sed -n 's/^\#define TASKIP_VERSION "\(.*\)"/\1/p' src/taskip.h)
SONAME = libtaskip.so.0
SHARED_LIB = $(B)/$(SONAME)
LUA_STATIC ?= $(LUA_LIBDIR)/liblua$(LUA_VERSION).a
CJSON_STATIC ?= $(LUA_LIBDIR)/liblua$(LUA_VERSION)-cjson.a
PKGCONFIGDIR ?= $(SOLIBDIR)/pkgconfig
SO_OBJS = $(filter-out $(B)/obj/sandbox.o,$(HOST_OBJS)) \
	$(B)/obj/sandbox_so.o $(B)/obj/lua_stdio.o \
	$(CORE_OBJS) $(CURL_OBJS) $(STORE_OBJS)

$(B)/obj/sandbox_so.o: src/sandbox.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DTASKIP_BUILTIN_JSON -MMD -MP -c $< -o $@

$(SHARED_LIB): $(SO_OBJS) src/libtaskip.map
	$(CC) $(LIBFLAG) -Wl,-soname,$(SONAME) \
		-Wl,--version-script=src/libtaskip.map -Wl,--exclude-libs,ALL \
		-o $@ $(SO_OBJS) $(CJSON_STATIC) $(LUA_STATIC) $(CURL_LIBS) $(URI_LIBS) \
		$(STORE_LIBS) -lm \
		$(LDFLAGS)
	ln -sf $(SONAME) $(B)/libtaskip.so

# Paths relative to the .pc file itself, so a moved tree still works.
$(B)/taskip.pc: Makefile src/taskip.h
	@printf '%s\n' \
	  'prefix=$${pcfiledir}/$(shell realpath -m --relative-to='$(PKGCONFIGDIR)' '$(PREFIX)')' \
	  'libdir=$${pcfiledir}/$(shell realpath -m --relative-to='$(PKGCONFIGDIR)' '$(SOLIBDIR)')' \
	  'includedir=$${pcfiledir}/$(shell realpath -m --relative-to='$(PKGCONFIGDIR)' '$(INCLUDEDIR)')' \
	  '' \
	  'Name: taskip' \
	  'Description: TaskIP API client core and sandboxed script host' \
	  'Version: $(VERSION)' \
	  'Cflags: -I$${includedir}/taskip' \
	  'Libs: -L$${libdir} -ltaskip' \
	  'Libs.private: $(strip $(CURL_LIBS) $(URI_LIBS) $(STORE_LIBS)) -lm' > $@

ifeq ($(LUA),lua5.4)
all: $(SHARED_LIB) $(B)/taskip.pc
endif
# }====================================================

# No emulator inside: --mock runs taskip-mock beside it. The module's Lua
# files are carried compiled in (bytecode, src/builtin_chunks.h): a run
# reads and compiles none of them, and needs none installed.
$(B)/obj/builtin_chunks.c: $(MODULE_LUA_FILES) scripts/embed_lua.lua
	@mkdir -p $(dir $@)
	lua$(LUA_VERSION) scripts/embed_lua.lua $@ $(MODULE_LUA_FILES)

$(B)/obj/builtin_chunks.o: $(B)/obj/builtin_chunks.c src/builtin_chunks.h
	$(CC) $(ALL_CFLAGS) -Isrc -c $< -o $@

# Start-up is mostly the dynamic linker resolving the symbols of libcurl's
# 30-odd libraries, each lookup walking the libraries in load order. Of
# those libcurl loads anyway, the ones most symbols come from (libcrypto,
# libc, GnuTLS via librtmp) are named first, so lookups end early: about
# 3 M fewer instructions per start (bench row 4). Only those libcurl
# really loads are named (ldd), so nothing new is loaded.
CURL_SO ?= $(shell $(CC) -print-file-name=libcurl.so)
CURL_DEPS := $(shell ldd $(CURL_SO) 2>/dev/null | awk '{print $$1}')
EARLY_LIBS ?= $(addprefix -l:,$(foreach l,libcrypto libc libgnutls,\
	$(filter $(l).so.%,$(CURL_DEPS))))

# Lua and lua-cjson are linked in (sandbox_so.o, as libtaskip.so): no
# liblua5.4.so to load and bind, no dlopen of cjson.so at each start.
$(RUN_BIN): $(B)/obj/taskip_run.o $(B)/obj/run_watchdog.o \
	$(B)/obj/builtin_chunks.o $(B)/obj/sandbox_so.o $(HOST_LIB)
	$(CC) -o $@ $^ $(CJSON_STATIC) $(LUA_STATIC) -Wl,--push-state,--no-as-needed \
		$(EARLY_LIBS) -Wl,--pop-state $(CURL_LIBS) $(URI_LIBS) $(STORE_LIBS) \
		-lm -ldl $(LDFLAGS) -lpthread

$(B)/obj/host_driver.o: spec/c/host_driver.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -c $< -o $@

$(HOST_DRIVER): $(B)/obj/host_driver.o $(HOST_LIB)
	$(CC) -o $@ $^ $(HOST_LINK)

# The host as a plugin runtime: functions, events, results, keys.
$(B)/obj/plugin_driver.o: spec/c/plugin_driver.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -c $< -o $@

$(PLUGIN_DRIVER): $(B)/obj/plugin_driver.o $(HOST_LIB)
	$(CC) -o $@ $^ $(HOST_LINK)

# The embedding example: a frame loop calling taskip_host_step(h, 0).
$(B)/obj/game_loop.o: examples/embed/game_loop.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -c $< -o $@

$(EMBED_BIN): $(B)/obj/game_loop.o $(HOST_LIB)
	$(CC) -o $@ $^ $(HOST_LINK)

# require "taskip.host": the host for Lua 5.4 applications (src/lhost.c).
# Like the core module it takes the Lua API from the interpreter; the
# sandboxes are states of that same Lua.
$(HOST_MODULE): $(B)/obj/lhost.o $(HOST_OBJS) $(CORE_OBJS) $(CURL_OBJS) \
	$(STORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBFLAG) -o $@ $^ $(CURL_LIBS) $(URI_LIBS) $(STORE_LIBS) -lm \
		$(LDFLAGS)

# The plugin example: a C++ engine's functions, events, results, and
# a key per script (examples/embed/plugin_engine.cpp).
CXX ?= c++
$(B)/obj/plugin_engine.o: examples/embed/plugin_engine.cpp $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CXX) -std=c++11 -Wall -Wextra -Werror -O2 -g -Isrc -c $< -o $@

$(PLUGIN_ENGINE): $(B)/obj/plugin_engine.o $(HOST_LIB)
	$(CXX) -o $@ $^ $(HOST_LINK)

# Lua can find the in-tree modules with these paths (used by tests and demo).
DEV_PATH = LUA_PATH='$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;' \
	LUA_CPATH='$(CURDIR)/$(B)/?.so;;'

deps:
	@sh scripts/deps.sh

# The module for the other Luas, each into build/<lua>/; make test runs
# the unit specs on each of them too (scripts/test-luas.sh).
OTHER_LUAS = lua5.3 lua5.1 luajit

luas:
	@for l in $(OTHER_LUAS); do \
		$(MAKE) -s --no-print-directory LUA=$$l B=$(B)/$$l module || exit 1; done

test: deps all luas
	@$(DEV_PATH) bash scripts/test.sh $(ARGS)

test-luas: deps luas
	@bash scripts/test-luas.sh $(OTHER_LUAS)

lint:
	luacheck lua spec examples scripts

docs: $(CORE_MODULE)
	@$(DEV_PATH) $(LUA) scripts/api_doc.lua > docs/API.md

# The HTML reference of the Lua API (LDoc, Debian: lua-ldoc; config.ld)
# into $(DOC_DIR)/index.html.
DOC_DIR ?= $(B)/doc
doc:
	@command -v ldoc >/dev/null || { echo "make doc needs LDoc (apt-get install lua-ldoc)" >&2; exit 1; }
	rm -rf $(DOC_DIR)
	ldoc -q -d $(DOC_DIR) .

demo: deps all
	@$(DEV_PATH) sh scripts/demo.sh

# Lua 5.4 gets everything; another Lua the module alone.
INSTALL_LUA_FILES = $(if $(filter lua5.4,$(LUA)),$(LUA_FILES),$(MODULE_LUA_FILES))

# make install = the Lua module (+ the emulator's modules on 5.4), the
# programs, the embedding files (libtaskip.so/.a, headers, taskip.pc) and
# the man pages; a rock installs the first two (install-rock).
install: install-lua install-bin install-dev install-man
install-rock: install-lua install-bin

ifeq ($(LUA),lua5.4)
TOOLS = $(EMULATOR_MODULE) $(MOCK_BIN) $(RUN_BIN)
endif

install-lua: module $(TOOLS)
	install -d $(DESTDIR)$(LIBDIR)/taskip
	for f in $(INSTALL_LUA_FILES); do \
		install -D -m 644 $$f $(DESTDIR)$(LUADIR)/$${f#lua/}; done
	install -m 755 $(CORE_MODULE) $(DESTDIR)$(LIBDIR)/taskip/
ifeq ($(LUA),lua5.4)
	install -m 755 $(EMULATOR_MODULE) $(HOST_MODULE) $(DESTDIR)$(LIBDIR)/taskip/
endif

install-bin: $(TOOLS)
ifeq ($(LUA),lua5.4)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(MOCK_BIN) $(RUN_BIN) $(DESTDIR)$(BINDIR)/
endif

install-dev: $(if $(TOOLS),$(HOST_LIB) $(SHARED_LIB) $(B)/taskip.pc)
ifeq ($(LUA),lua5.4)
	install -d $(DESTDIR)$(SOLIBDIR) $(DESTDIR)$(INCLUDEDIR)/taskip
	install -m 644 $(HOST_LIB) $(DESTDIR)$(SOLIBDIR)/
	install -m 755 $(SHARED_LIB) $(DESTDIR)$(SOLIBDIR)/
	ln -sf $(SONAME) $(DESTDIR)$(SOLIBDIR)/libtaskip.so
	install -d $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 $(B)/taskip.pc $(DESTDIR)$(PKGCONFIGDIR)/
	install -m 644 src/taskip_host.h src/taskip.h src/transport.h \
		src/ratestore.h $(DESTDIR)$(INCLUDEDIR)/taskip/
endif

# The man pages, with the version of src/taskip.h.
MAN_PAGES = $(patsubst man/%,$(B)/man/%,$(wildcard man/*.1))

$(B)/man/%.1: man/%.1 src/taskip.h
	@mkdir -p $(dir $@)
	sed 's/@VERSION@/$(VERSION)/' $< > $@

man: $(MAN_PAGES)

install-man: $(MAN_PAGES)
ifeq ($(LUA),lua5.4)
	install -d $(DESTDIR)$(MANDIR)/man1
	$(if $(MAN_PAGES),install -m 644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/)
endif

clean:
	rm -rf $(B)

.PHONY: all module luas deps test test-luas lint docs doc man demo install clean FORCE \
	install-rock install-lua install-bin install-dev install-man

# {==================================================== releases: the rock
#   make rock     build/rock/: taskip-$(VERSION).tar.gz (the files git
#                 knows), taskip-$(VERSION)-1.rockspec, its .src.rock, and
#                 taskip-scm-1.rockspec (source: REPO_URL, a git URL)
#   make rockspec rockspec/taskip-scm-1.rockspec again from the template
# The version is TASKIP_VERSION in src/taskip.h. RELEASE_URL is where the
# tarball will be published (the .src.rock carries it, so installing the
# rock fetches nothing); REPO_URL is the repository's public git URL.
ROCK_B = $(B)/rock
TARBALL = taskip-$(VERSION).tar.gz
RELEASE_URL ?= file://$(abspath $(ROCK_B))/$(TARBALL)
REPO_URL ?= git+file://$(CURDIR)
HOMEPAGE ?= $(patsubst git+%,%,$(REPO_URL))
ROCKSPEC = $(ROCK_B)/taskip-$(VERSION)-1.rockspec
SRC_ROCK = $(ROCK_B)/taskip-$(VERSION)-1.src.rock
rock_from_template = sed -e '/^--@/d' -e 's|@ROCKVERSION@|$(1)|' -e 's|@SOURCE_URL@|$(2)|' \
	-e 's|@SOURCE_DIR@|$(3)|' -e 's|@HOMEPAGE@|$(HOMEPAGE)|' \
	rockspec/taskip.rockspec.in

# What LuaRocks runs (rockspec build/install targets): the module and
# the tools, nothing for embedders.
rock-build: module $(TOOLS)
ifeq ($(LUA),lua5.4)
rock-build: $(HOST_MODULE)
install-lua: $(HOST_MODULE)
endif

rock: $(SRC_ROCK) $(ROCK_B)/taskip-scm-1.rockspec

$(ROCK_B)/$(TARBALL): FORCE
	@mkdir -p $(ROCK_B)
	rm -rf $(ROCK_B)/taskip-$(VERSION)
	mkdir -p $(ROCK_B)/taskip-$(VERSION)
	git ls-files -z --cached --others --exclude-standard | \
		xargs -0 cp -P --parents -t $(ROCK_B)/taskip-$(VERSION)
	tar -C $(ROCK_B) -czf $@ taskip-$(VERSION)
	rm -rf $(ROCK_B)/taskip-$(VERSION)

$(ROCKSPEC): rockspec/taskip.rockspec.in src/taskip.h Makefile
	@mkdir -p $(ROCK_B)
	$(call rock_from_template,$(VERSION)-1,$(RELEASE_URL),\n   dir = "taskip-$(VERSION)",) > $@

$(ROCK_B)/taskip-scm-1.rockspec: rockspec/taskip.rockspec.in Makefile
	@mkdir -p $(ROCK_B)
	$(call rock_from_template,scm-1,$(REPO_URL),) > $@

# A .src.rock is a zip of the rockspec and the source archive (what
# `luarocks pack` makes), put together here so that packing fetches
# nothing from RELEASE_URL.
$(SRC_ROCK): $(ROCKSPEC) $(ROCK_B)/$(TARBALL)
	rm -f $@
	cd $(ROCK_B) && zip -q -j $(notdir $@) $(notdir $(ROCKSPEC)) $(TARBALL)

rockspec:
	$(call rock_from_template,scm-1,$(REPO_URL),) > rockspec/taskip-scm-1.rockspec

.PHONY: rock rock-build rockspec
# }====================================================

# {==================================================== benchmarks
#   make bench          the timed runs (a few minutes): prints the table
#                       and writes bench/RESULTS.md (bench/NOTES.md added)
#   make bench-smoke    every row with tiny counts, nothing written; run
#                       by spec/integration/bench_smoke_spec.lua
BENCH_B = $(B)/bench
BENCH_BINS = $(BENCH_B)/floor-get $(BENCH_B)/floor-once \
	$(BENCH_B)/parallel-get $(BENCH_B)/many-scripts $(BENCH_B)/step-latency

$(BENCH_B)/floor-get: bench/floor_get.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CURL_LIBS) $(LDFLAGS)

$(BENCH_B)/floor-once: bench/floor_once.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CURL_LIBS) $(LDFLAGS)

# The host as embedders link it (pkg-config taskip): libtaskip.so, with
# its own Lua linked in. (The static archive with the system's shared
# liblua5.4 calls Lua through the PLT: spawns take about 15% longer.)
BENCH_HOST_DEPS = bench/bench_host.h $(SHARED_LIB) $(HEADERS) Makefile
BENCH_HOST_CC = $(CC) $(ALL_CFLAGS) -Isrc -o $@ $< -L$(B) -ltaskip \
	-Wl,-rpath,$(abspath $(B)) $(LDFLAGS)

$(BENCH_B)/parallel-get: bench/parallel_get.c $(BENCH_HOST_DEPS)
	$(BENCH_HOST_CC)

$(BENCH_B)/many-scripts: bench/many_scripts.c $(BENCH_HOST_DEPS)
	$(BENCH_HOST_CC)

$(BENCH_B)/step-latency: bench/step_latency.c $(BENCH_HOST_DEPS)
	$(BENCH_HOST_CC)

bench-deps:
	@sh scripts/bench-deps.sh

bench: deps bench-deps all $(BENCH_BINS)
	python3 bench/bench.py --out bench/RESULTS.md --notes bench/NOTES.md

bench-smoke: bench-deps all $(BENCH_BINS)
	@python3 bench/bench.py --smoke

# The per-call cost of each rate store (in-process, file, Redis), as
# ratios against in-process: bench/RESULTS-rate-store.md.
bench-rate-store: all
	@$(DEV_PATH) $(LUA) bench/rate_store.lua 400 5 --out bench/RESULTS-rate-store.md

.PHONY: bench bench-deps bench-smoke bench-rate-store
# }====================================================

# {==================================================== hardening: load, canary
#   make load     one host runs LOAD_SCRIPTS scripts x LOAD_CALLS calls
#                 against taskip-mock; prints calls, duration, peak RSS
#   make canary   the whole suite and the tools with a canary key; fails
#                 if it shows up (raw, URL-encoded, base64) in any output
LOAD_DRIVER = $(B)/load-driver
LOAD_SCRIPTS ?= 1000
LOAD_CALLS ?= 10

ifeq ($(LUA),lua5.4)
all: $(LOAD_DRIVER)
endif

$(B)/obj/load_driver.o: spec/c/load_driver.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -c $< -o $@

$(LOAD_DRIVER): $(B)/obj/load_driver.o $(HOST_LIB)
	$(CC) -o $@ $^ $(HOST_LINK)

load: deps all
	@$(DEV_PATH) LOAD_SCRIPTS=$(LOAD_SCRIPTS) LOAD_CALLS=$(LOAD_CALLS) \
		bash scripts/load.sh

canary: deps all
	@$(DEV_PATH) bash scripts/canary.sh

.PHONY: load canary
# }====================================================

# {==================================================== core unit tests
#   build/core-test   the C core alone (spec/c/core_test.c): plans
#                     attempts and plays the transport by hand. Links the
#                     core's objects, uriparser and libm only: no libcurl,
#                     no Lua (spec/unit/core_c_spec.lua runs it and checks
#                     that; scripts/ctests.sh runs it under valgrind/ASan).
#                     It needs no Lua, so it is built once, with lua5.4.
CORE_TEST = $(B)/core-test

ifeq ($(LUA),lua5.4)
all: $(CORE_TEST)
endif

$(B)/obj/core_test.o: spec/c/core_test.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -c $< -o $@

$(CORE_TEST): $(B)/obj/core_test.o $(CORE_OBJS)
	$(CC) -o $@ $^ $(URI_LIBS) -lm $(LDFLAGS)

# taskip-run's watchdog alone (spec/c/watchdog_test.c).
WATCHDOG_TEST = $(B)/watchdog-test

ifeq ($(LUA),lua5.4)
all: $(WATCHDOG_TEST)
endif

$(B)/obj/watchdog_test.o: spec/c/watchdog_test.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc -c $< -o $@

$(WATCHDOG_TEST): $(B)/obj/watchdog_test.o $(B)/obj/run_watchdog.o
	$(CC) -o $@ $^ -lpthread $(LDFLAGS)
# }====================================================

# {==================================================================
# Sanitizers, valgrind and fuzzing (clang, libclang-rt-14-dev, valgrind)
#
#   make sanitize            ASan+UBSan build in $(SAN_B)/, the whole suite
#                            under it, the C-level tests with leak checks,
#                            and fuzz-regress
#   make memcheck            the C-level tests of build/ under valgrind
#   make fuzz FUZZ_SECONDS=N each libFuzzer target for N s (default 60)
#   make fuzz-regress        replays fuzz/regressions/ and the seed corpora
# ===================================================================

SAN_B ?= build-asan
FUZZ_B ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = ratelimit url digest json host
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c99 -fPIC -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	$(WARNINGS) -g -O1 $(FUZZ_SAN) -I$(LUA_INCDIR) $(CURL_CFLAGS) -Isrc \
	-DFUZZ_LUA_DIR='"$(CURDIR)/lua"'
FUZZ_BINS = $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz_%)
FUZZ_CORE = $(CORE_SRCS:src/%.c=$(FUZZ_B)/obj/%.o)
FUZZ_CURL = $(CURL_SRCS:src/%.c=$(FUZZ_B)/obj/%.o)
FUZZ_HOST = $(HOST_SRCS:src/%.c=$(FUZZ_B)/obj/%.o) \
	$(STORE_SRCS:src/%.c=$(FUZZ_B)/obj/%.o)

$(FUZZ_B)/obj/%.o: src/%.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_B)/obj/fuzz_%.o: fuzz/fuzz_%.c fuzz/fuzz_lines.h $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -c $< -o $@

FUZZ_LINK = $(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^

$(FUZZ_B)/fuzz_ratelimit: $(FUZZ_B)/obj/fuzz_ratelimit.o $(FUZZ_CORE)
	$(FUZZ_LINK) $(URI_LIBS)
# fuzz_url parses what the core built again with libcurl's own parser
$(FUZZ_B)/fuzz_url: $(FUZZ_B)/obj/fuzz_url.o $(FUZZ_CORE)
	$(FUZZ_LINK) $(URI_LIBS) $(CURL_LIBS)
$(FUZZ_B)/fuzz_digest: $(FUZZ_B)/obj/fuzz_digest.o $(FUZZ_CORE)
	$(FUZZ_LINK) $(URI_LIBS)
$(FUZZ_B)/fuzz_json: $(FUZZ_B)/obj/fuzz_json.o $(FUZZ_B)/obj/lintegers.o
	$(FUZZ_LINK) $(LUA_LIBS) -lm
$(FUZZ_B)/fuzz_host: $(FUZZ_B)/obj/fuzz_host.o $(FUZZ_HOST) $(FUZZ_CORE) \
	$(FUZZ_CURL)
	$(FUZZ_LINK) $(LUA_LIBS) $(CURL_LIBS) $(URI_LIBS) $(STORE_LIBS) -lm

sanitize: deps
	@SAN_B=$(SAN_B) bash scripts/sanitize.sh $(ARGS)

memcheck: deps all
	@bash scripts/memcheck.sh $(B)

fuzz-build: $(FUZZ_BINS)

fuzz: deps
	@$(MAKE) -s fuzz-build
	@bash scripts/fuzz.sh run $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-regress:
	@$(MAKE) -s fuzz-build
	@bash scripts/fuzz.sh regress $(FUZZ_B) 0 $(FUZZ_TARGETS)

clean: clean-hardening
clean-hardening:
	rm -rf $(SAN_B) $(FUZZ_B)

.PHONY: sanitize memcheck fuzz fuzz-build fuzz-regress clean-hardening
# }==================================================================
