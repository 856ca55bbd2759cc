# leadrouter — `make` builds build/leadrouter; `make deps` installs what a fresh Debian 12
# machine is missing, and `make run` and `make bench` call it (see README.md).

CC      ?= cc
# The build folder; a second checkout of the work (or a parallel build) may use another.
B       ?= build
PKGS    := libmicrohttpd jansson libpq openssl libcurl libxml-2.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -I/usr/include/postgresql
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lmicrohttpd -ljansson -lpq -lssl -lcrypto -lcurl -lxml2)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla \
           -Wmissing-prototypes -Wno-missing-field-initializers
DEFS    := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(DEFS) -Iinclude -I$(B)/gen $(PKG_CFLAGS) -pthread $(CFLAGS)
LDLIBS  := $(PKG_LIBS) -pthread

SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

SRC      := $(shell find src -name '*.c' | sort)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
TEST_SRC := $(shell find tests/unit -name '*.c' | sort)
MIGRATIONS := $(sort $(wildcard migrations/*.sql))

# The dashboard's page and files (SPEC 3.7), compiled in like the migrations.
WEB_ASSETS := $(sort $(filter-out %.md,$(shell find src/web -type f)))
GEN      := migrations web_assets

OBJ      := $(patsubst %.c,$(B)/obj/%.o,$(SRC)) $(GEN:%=$(B)/obj/gen/%.o)
LIB_OBJ  := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC)) $(GEN:%=$(B)/obj/gen/%.o)
TEST_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(TEST_SRC))
SAN_LIB_OBJ  := $(patsubst %.c,$(B)/asan/%.o,$(LIB_SRC)) $(GEN:%=$(B)/asan/gen/%.o)
SAN_TEST_OBJ := $(patsubst %.c,$(B)/asan/%.o,$(TEST_SRC))

.PHONY: all deps run test unit asan integration bench format format-check clean FORCE

all: $(B)/leadrouter

$(B)/leadrouter: $(OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	@$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

# The migrations and the SQL functions (sql/README.md) are compiled into the binary, so
# that a binary knows the schema version it needs and an image carries its own SQL.
SQL_FUNCTIONS := sql/functions.list $(sort $(wildcard sql/functions/*.sql))
# A file taken away makes no prerequisite newer: the list of the files is one too,
# rewritten only when it changes.
$(B)/gen/sql-files: FORCE
	@mkdir -p $(B)/gen
	@echo '$(MIGRATIONS) $(SQL_FUNCTIONS)' | cmp -s - $@ || \
	  echo '$(MIGRATIONS) $(SQL_FUNCTIONS)' > $@
FORCE:
$(B)/gen/migrations.c: $(MIGRATIONS) $(SQL_FUNCTIONS) $(B)/gen/sql-files \
		scripts/embed-migrations.sh scripts/embed-functions.sh
	@mkdir -p $(B)/gen
	{ sh scripts/embed-migrations.sh $(MIGRATIONS) && \
	  sh scripts/embed-functions.sh sql/functions.list; } > $@.tmp && mv $@.tmp $@

$(B)/gen/web_assets.c: $(WEB_ASSETS) scripts/embed-web.sh
	@mkdir -p $(B)/gen
	sh scripts/embed-web.sh $(WEB_ASSETS) > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/asan/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(B)/unit_tests: $(LIB_OBJ) $(TEST_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

$(B)/asan/unit_tests: $(SAN_LIB_OBJ) $(SAN_TEST_OBJ)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

deps:
	sh scripts/install-deps.sh

unit: $(B)/unit_tests
	CK_FORK=yes ./$(B)/unit_tests

asan: $(B)/asan/unit_tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	CK_FORK=no ./$(B)/asan/unit_tests

integration: $(B)/leadrouter
	LEADROUTER_BIN=$(B)/leadrouter sh tests/integration/run.sh

# Every test: format, the settings table, the deploy files and the API contract checks,
# unit, the same unit tests under ASan+UBSan, then the server over real HTTP against a
# throwaway PostgreSQL, through Prism's validation proxy (docs/openapi.yaml); `make
# integration` runs it plain. Installs nothing: `make deps` first on a fresh machine
# (.ci/run does).
test:
	$(MAKE) format-check
	$(MAKE) -j2 all $(B)/unit_tests $(B)/asan/unit_tests
	sh scripts/check-docs.sh $(B)/leadrouter
	sh scripts/check-deploy.sh
	sh scripts/check-openapi.sh
	sh scripts/layers.sh >/dev/null || sh scripts/layers.sh
	$(MAKE) unit
	$(MAKE) asan
	LR_IT_PRISM=1 $(MAKE) integration

run: deps
	$(MAKE) all
	sh scripts/run.sh

bench: deps
	$(MAKE) all $(B)/bench-sink
	LEADROUTER_BIN=$(B)/leadrouter BENCH_SINK_BIN=$(B)/bench-sink sh bench/run.sh

# The healthy CRM that the bench writes owners back to (BENCH_WRITEBACK=1).
$(B)/bench-sink: bench/sink.c
	@mkdir -p $(B)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

format:
	clang-format -i $(SRC) $(TEST_SRC) bench/sink.c $(shell find include -name '*.h')

format-check:
	clang-format --dry-run -Werror $(SRC) $(TEST_SRC) bench/sink.c $(shell find include -name '*.h')

clean:
	rm -rf $(B)

-include $(OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(SAN_LIB_OBJ:.o=.d) $(SAN_TEST_OBJ:.o=.d)
