#!/usr/bin/env bash
# Benchmark: the Temporal Java SDK drives the Kairos dev server (embedded Postgres, fsync on) and the SDK's
# in-memory test server with the same workloads, then prints one comparison table per variant and the targets.
#
#   bash bench/run.sh                              # everything: 4 variants, N=2000 at concurrency 100
#   QUICK=1 bash bench/run.sh                      # smoke run: N=200, 5 s fixed-rate phases
#   VARIANTS=one-activity N=2000 bash bench/run.sh
#
# Environment: N (2000), CONCURRENCY (100), VARIANTS (one-activity,no-activity,timer-1s,start-signal),
# WARMUP (warm-up workflows per variant before the measured phases, default min(1000, N/2); then rounds of N until a
# round is at most 5 % faster than the one before, at most 180 s, the same rule for both servers: the JVMs, the
# driver's too, keep compiling for a minute or more at full load, and the figures are meant for warm servers),
# DURATION (fixed-rate seconds, 20), RATE (fixed rate; default half the test server's closed-loop throughput),
# PHASE_TIMEOUT (seconds per phase, 300), STATS_SETTLE (seconds for Postgres to flush statistics, 11),
# WORKER_POLLERS (workflow-task and activity-task pollers of the driver's worker; default the SDK's, 5 each),
# QUICK=1, SKIP_BUILD=1. Everything listens on 127.0.0.1 only. Logs and results: bench/target/bench-run/.
#
# The test server runs first: the fixed-rate phase of each variant runs at half the test server's measured
# throughput, on both servers.
set -euo pipefail
cd "$(dirname "$0")/.."

java_major() { # prints the feature version of the JDK at $1
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    awk -F'= ' '/java.specification.version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1])}'
}

pick_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/javac" ] || continue
    if [ "$(java_major "$c")" -ge 21 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}

log() { echo "bench: $*"; }

JAVA_HOME=$(pick_jdk) || { echo "bench: no JDK >= 21 under \$JAVA_HOME or /usr/lib/jvm" >&2; exit 1; }
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
JAVA="$JAVA_HOME/bin/java"

if [ "${QUICK:-0}" = 1 ]; then
  N=${N:-200}
  WARMUP=${WARMUP:-20}
  DURATION=${DURATION:-5}
  PHASE_TIMEOUT=${PHASE_TIMEOUT:-120}
fi
N=${N:-2000}
CONCURRENCY=${CONCURRENCY:-100}
VARIANTS=${VARIANTS:-one-activity,no-activity,timer-1s,start-signal}
DURATION=${DURATION:-20}
PHASE_TIMEOUT=${PHASE_TIMEOUT:-300}
STATS_SETTLE=${STATS_SETTLE:-11}
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

OUT=bench/target/bench-run
SERVER_JAR=server/target/temporal-server.jar
BENCH_JAR=bench/target/kairos-bench.jar

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building the server and the benchmark (JDK $(java_major "$JAVA_HOME") at $JAVA_HOME)"
  mvn -B -q -ntp -DskipTests package -pl server,bench -am
fi
for f in "$SERVER_JAR" "$BENCH_JAR"; do
  [ -f "$f" ] || { echo "bench: $f is missing (build failed?)" >&2; exit 1; }
done
rm -rf "$OUT"
mkdir -p "$OUT"

SERVER_PID=""
DB_DIR=""

# Stops the server we started (SIGTERM, then SIGKILL after 60 s) and, if the dev server left its Postgres
# running, that Postgres (found through its pid file).
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 600); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server $SERVER_PID did not stop within 60 s; killing it"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  if [ -n "$DB_DIR" ] && [ -f "$DB_DIR/pgdata/postmaster.pid" ]; then
    local pm
    pm=$(head -1 "$DB_DIR/pgdata/postmaster.pid")
    if [ -n "$pm" ] && kill -0 "$pm" 2>/dev/null; then
      log "stopping the Postgres the dev server left running ($pm)"
      kill -TERM "$pm" 2>/dev/null || true
      sleep 2
    fi
  fi
  if [ -n "$DB_DIR" ]; then rm -rf "$DB_DIR"; DB_DIR=""; fi
}
trap 'stop_server' EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    port_open "$p" || { echo "$p"; return; }
  done
}

# Upper bound for one driver run: per variant probe + warm-up + two phases, each bounded by PHASE_TIMEOUT,
# plus the statistics waits and start-up.
n_variants=$(echo "$VARIANTS" | tr ',' '\n' | grep -c .)
DRIVER_TIMEOUT=$((n_variants * (3 * PHASE_TIMEOUT + 3 * STATS_SETTLE + 200) + 120))

run_driver() { # NAME PORT RESULTS [extra driver args...]
  local name=$1 port=$2 results=$3
  shift 3
  log "driving $name on 127.0.0.1:$port (variants $VARIANTS, N=$N, concurrency $CONCURRENCY, fixed-rate ${DURATION}s)"
  local rc=0
  timeout --signal=TERM --kill-after=30 "$DRIVER_TIMEOUT" \
    "$JAVA" -jar "$BENCH_JAR" run --name "$name" --target "127.0.0.1:$port" --out "$results" \
      --server-pid "$SERVER_PID" --clk-tck "$CLK_TCK" --variants "$VARIANTS" --n "$N" \
      --concurrency "$CONCURRENCY" --duration "$DURATION" --phase-timeout "$PHASE_TIMEOUT" \
      --stats-settle "$STATS_SETTLE" ${RATE:+--rate "$RATE"} ${WARMUP:+--warmup "$WARMUP"} ${WORKER_POLLERS:+--pollers "$WORKER_POLLERS"} "$@" \
    2> >(tee "$OUT/driver-$name.stderr.log" >&2) || rc=$?
  [ "$rc" = 0 ] || log "the driver against $name ended with exit code $rc (see $OUT/driver-$name.stderr.log)"
}

# --- 1. the SDK's in-memory test server --------------------------------------------------------------------
start_test_server() {
  TS_PORT=$(free_port)
  log "starting the in-memory test server on 127.0.0.1:$TS_PORT (log: $OUT/testserver.log)"
  # TestServer binds all interfaces (it has no address flag); the benchmark only talks to it on 127.0.0.1.
  "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$BENCH_JAR" io.temporal.testserver.TestServer "$TS_PORT" \
    >"$OUT/testserver.log" 2>&1 &
  SERVER_PID=$!
  local i
  for i in $(seq 1 600); do
    port_open "$TS_PORT" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { log "the test server exited; see $OUT/testserver.log"; return 1; }
    sleep 0.1
  done
  log "the test server did not open its port within 60 s"
  return 1
}
if start_test_server; then
  run_driver testserver "$TS_PORT" "$OUT/testserver.properties"
fi
log "stopping the test server"
stop_server

# --- 2. the Kairos dev server: embedded Postgres with fsync and synchronous_commit on (its defaults) -----------
start_kairos() {
  DB_DIR=$(mktemp -d "$PWD/bench/target/kairos-db.XXXXXX") # on disk, not tmpfs: fsync must mean something
  log "starting the Kairos dev server, data in $DB_DIR (log: $OUT/kairos-dev.log)"
  "$JAVA" -jar "$SERVER_JAR" dev --db-dir "$DB_DIR" --ip 127.0.0.1 --port 0 >"$OUT/kairos-dev.log" 2>&1 &
  SERVER_PID=$!
  local i
  for i in $(seq 1 1200); do
    K_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$OUT/kairos-dev.log" | head -1)
    if [ -n "$K_PORT" ]; then
      log "$(grep -m1 'listening on' "$OUT/kairos-dev.log")"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "the dev server exited; see $OUT/kairos-dev.log"
      tail -20 "$OUT/kairos-dev.log"
      return 1
    fi
    sleep 0.1
  done
  log "the dev server printed no 'listening on' banner within 120 s"
  return 1
}
if start_kairos; then
  run_driver kairos "$K_PORT" "$OUT/kairos.properties" --pg-data "$DB_DIR/pgdata" \
    --rate-from "$OUT/testserver.properties"
fi
log "stopping the dev server"
stop_server

# --- 3. the comparison ---------------------------------------------------------------------------------------
"$JAVA" -cp "$BENCH_JAR" io.kairos.bench.Benchmark report "$OUT/testserver.properties" "$OUT/kairos.properties" |
  tee "$OUT/report.txt"
if grep -qiE 'exception|error' "$OUT/kairos-dev.log"; then
  log "the dev server logged errors: $OUT/kairos-dev.log"
fi
log "results, report and logs in $OUT/"
