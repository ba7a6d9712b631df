#!/usr/bin/env bash
# Benchmark: the Temporal Java SDK drives Kairos and the SDK's in-memory test server with the same workloads, then
# prints one comparison table per variant and the targets. Each server is measured twice per variant:
#
#   cold  (COLD=1, the default; COLD=0 skips it) per variant a fresh server process (a fresh split cluster), then a
#         fresh driver JVM that runs the first N workflows at CONCURRENCY right away: no probe, no warm-up, no
#         fixed-rate phase. Recorded beside the throughput and latencies: the time from the server's process start
#         (split: the earliest service process) to the first result, and the server CPU spent before the phase.
#         The server is stopped after each variant. Keys VARIANT.cold.* of the server's results file.
#   warm  one more server start for all variants: per variant a warm-up, the closed loop (N at CONCURRENCY) and
#         the fixed-rate phase. Keys VARIANT.closed.* and VARIANT.fixed.*.
#
# In every phase the driver also records its own CPU (the JVM's process CPU time), and the report prints what the
# two together allow on this box's cores (max wf/s = cores x 1000 / (driver + server ms/wf)) and the server CPU per
# workflow a throughput target leaves. RUNS=n repeats everything (every server, cold and warm) n times, each run in
# bench-run/run-i/, and ends with the median and min-max of each figure over the runs (summary.txt).
#
# TOPOLOGY says how Kairos runs:
#
#   one-process  (default) the dev server: frontend, history, matching and worker in one JVM on its embedded
#                Postgres (fsync and synchronous_commit on). Results: kairos.properties.
#   split        the production jar as four OS processes, one per service, each on its own 127.0.0.1 port, started
#                in this order after `temporal-server schema migrate --config FILE`:
#                  java -jar server/target/temporal-server.jar start --config FILE --services history
#                  (then matching, worker, frontend; the next starts once one printed "Kairos started services"),
#                all against one embedded Postgres with fsync and synchronous_commit on, as the dev server's
#                (io.kairos.bench.BenchPostgres, data on disk under bench/target). FILE is run-i/kairos-split.yaml:
#                each process gets its port through ${FRONTEND_PORT} etc.; per process a pool of 20 connections to
#                temporal and 10 to temporal_visibility, metrics off and --log-level warn, as in the dev server. The
#                driver registers the namespace default (production mode creates none). Server CPU is the sum over
#                the four JVMs and Postgres. Results: kairos-split.properties.
#   both         one-process, then split; the report shows both beside the test server, plus split/one-process
#                ratios.
#
#   bash bench/run.sh                              # everything: 4 variants, N=2000 at concurrency 100, dev server
#   QUICK=1 bash bench/run.sh                      # smoke run: N=200, 5 s fixed-rate phases
#   RUNS=3 VARIANTS=one-activity bash bench/run.sh # three runs and their median and spread
#   COLD=0 bash bench/run.sh                       # warm phases only
#   VARIANTS=one-activity N=2000 bash bench/run.sh
#   TOPOLOGY=both bash bench/run.sh                # test server, dev server, then the split cluster
#   METRICS_OVERHEAD=1 VARIANTS=one-activity,no-activity bash bench/run.sh   # what metrics cost (see below)
#   AOT=1 VARIANTS=one-activity bash bench/run.sh  # every dev server (cold ones too) from a JDK AOT cache
#   QUICK=1 TOPOLOGY=split VARIANTS=one-activity SKIP_BUILD=1 bash bench/run.sh
#
# Environment: TOPOLOGY (one-process | split | both; one-process), N (2000), CONCURRENCY (100),
# VARIANTS (one-activity,no-activity,timer-1s,start-signal),
# WARMUP (warm-up workflows per variant before the measured phases, default min(1000, N/2); then rounds of N until a
# round is at most 5 % faster than the one before, at most 180 s, the same rule for every server: the JVMs, the
# driver's too, keep compiling for a minute or more at full load, and the figures are meant for warm servers),
# DURATION (fixed-rate seconds, 20), RATE (fixed rate; default half the test server's closed-loop throughput),
# PHASE_TIMEOUT (seconds per phase, 300), STATS_SETTLE (seconds for Postgres to flush statistics, 11),
# WORKER_POLLERS (workflow-task and activity-task pollers of the driver's worker; default the SDK's, 5 each),
# SHARDS (history shards of both Kairos topologies, 4), METRICS_OVERHEAD=1 (the dev server serves /metrics, read
# every SCRAPE_INTERVAL seconds (5) during the run, then runs again with `dev --no-metrics`; the report adds the
# difference), AOT=1 (JDK >= 25: the dev server runs with -XX:AOTCache=server/target/temporal-server.aot, built
# first by a training run of AOT_TRAIN (2000) workflows when missing or older than the jar), DEV_JAVA_OPTS (more JVM
# options for the dev server, e.g. JIT or GC settings), QUICK=1, SKIP_BUILD=1 (use the jars as they are; without
# it, `mvn package -pl server,bench -am` runs first), COLD (1; 0: no cold phases), RUNS (1). Everything listens on
# 127.0.0.1 only. Results and logs of run i: bench/target/bench-run/run-i/ ({testserver,kairos,kairos-split}.properties,
# report.txt, driver-*.stderr.log; server logs testserver.log, kairos-dev.log, kairos-split-{postgres,schema,history,
# matching,worker,frontend}.log, and of the cold starts testserver-cold-VARIANT.log, kairos-dev-cold-VARIANT.log,
# kairos-split-cold-VARIANT-*.log); bench-run/report.txt holds every run's report and, with RUNS > 1, the summary.
#
# Order within a run: the test server (cold, then warm), the dev server, the split cluster. The fixed-rate phase of
# each variant runs at half the test server's warm closed-loop throughput of the same run, on every server. With
# TOPOLOGY=split and RATE set the test server is not run (the report then has no test server rows). Every process started here is stopped at the end, also on failure or Ctrl-C: SIGTERM,
# then SIGKILL after 60 s, by PID.
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
SHARDS=${SHARDS:-4}
TOPOLOGY=${TOPOLOGY:-one-process}
METRICS_OVERHEAD=${METRICS_OVERHEAD:-0}
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-5}
METRICS_PORT=""
RUNS=${RUNS:-1}
COLD=${COLD:-1}
case "$RUNS" in '' | *[!0-9]* | 0) echo "bench: RUNS must be a positive number, not '$RUNS'" >&2; exit 2 ;; esac
case "$TOPOLOGY" in
  one-process | split | both) ;;
  *) echo "bench: TOPOLOGY must be one-process, split or both, not '$TOPOLOGY'" >&2; exit 2 ;;
esac
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

ROOT_OUT=bench/target/bench-run
OUT=$ROOT_OUT # one run's results and logs: $ROOT_OUT/run-i
SERVER_JAR=server/target/temporal-server.jar
BENCH_JAR=bench/target/kairos-bench.jar

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building the server and the benchmark (JDK $(java_major "$JAVA_HOME") at $JAVA_HOME)"
  mvn -B -q -ntp -DskipTests package -pl server,bench -am
fi
for f in "$SERVER_JAR" "$BENCH_JAR"; do
  [ -f "$f" ] || { echo "bench: $f is missing (build failed?)" >&2; exit 1; }
done
rm -rf "$ROOT_OUT"
mkdir -p "$ROOT_OUT"

# AOT=1: the dev server starts from a JDK AOT cache (JEP 483/514/515: classes loaded and linked, method profiles)
# made by a training run of the same jar (`dev --aot-train`), rebuilt when the jar is newer. Needs JDK >= 25.
AOT_CACHE=server/target/temporal-server.aot
DEV_JVM_FLAGS=()
# JDK 23+ warns at start-up that netty and protobuf use sun.misc.Unsafe unless allowed (the image's entrypoint allows
# it too); older JDKs do not know the option.
SERVER_JVM_FLAGS=()
if [ "$(java_major "$JAVA_HOME")" -ge 23 ]; then
  SERVER_JVM_FLAGS=(--sun-misc-unsafe-memory-access=allow)
  DEV_JVM_FLAGS=("${SERVER_JVM_FLAGS[@]}")
fi
if [ "${AOT:-0}" = 1 ]; then
  if [ "$(java_major "$JAVA_HOME")" -lt 25 ]; then
    echo "bench: AOT=1 needs JDK >= 25 (have $(java_major "$JAVA_HOME") at $JAVA_HOME)" >&2
    exit 1
  fi
  if [ ! -f "$AOT_CACHE" ] || [ "$SERVER_JAR" -nt "$AOT_CACHE" ]; then
    log "AOT: training run (${AOT_TRAIN:-2000} workflows) to build $AOT_CACHE (log: $OUT/aot-training.log)"
    rm -f "$AOT_CACHE"
    "$JAVA" "${SERVER_JVM_FLAGS[@]}" -XX:AOTCacheOutput="$AOT_CACHE" -jar "$SERVER_JAR" dev --ephemeral --port 0 \
      --aot-train "${AOT_TRAIN:-2000}" >"$OUT/aot-training.log" 2>&1 ||
      { log "AOT: the training run failed; see $OUT/aot-training.log"; exit 1; }
    log "AOT: $(grep -m1 'AOT training:' "$OUT/aot-training.log"); cache $(du -h "$AOT_CACHE" | cut -f1)"
  fi
  DEV_JVM_FLAGS+=(-XX:AOTCache="$AOT_CACHE")
fi
# DEV_JAVA_OPTS: extra JVM options for the dev server (JIT and GC experiments), split on spaces.
if [ -n "${DEV_JAVA_OPTS:-}" ]; then
  read -r -a extra <<<"$DEV_JAVA_OPTS"
  DEV_JVM_FLAGS+=("${extra[@]}")
fi

SERVER_PID=""    # the test server or the dev server
DB_DIR=""        # the dev server's data
SPLIT_PIDS=()    # the split topology's server processes, in start order
SPLIT_PG_PID=""  # the split topology's BenchPostgres
SPLIT_DIR=""     # its data
DRIVER_PID=""    # the running driver (its timeout wrapper)

# Stops processes we started: SIGTERM to all of them, then SIGKILL to those still alive after 60 s.
stop_pids() { # LABEL PID...
  local label=$1 p i alive
  shift
  local live=()
  for p in "$@"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
      live+=("$p")
    fi
  done
  [ ${#live[@]} -gt 0 ] || return 0
  for i in $(seq 1 600); do
    alive=0
    for p in "${live[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 1 ] || break
    sleep 0.1
  done
  for p in "${live[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      log "$label $p did not stop within 60 s; killing it"
      kill -KILL "$p" 2>/dev/null || true
    fi
    wait "$p" 2>/dev/null || true
  done
}

# A Postgres whose launcher died without stopping it: found through the pid file in DATA, stopped by its PID.
stop_postmaster() { # WHO DATA
  if [ -n "$2" ] && [ -f "$2/postmaster.pid" ]; then
    local pm
    pm=$(head -1 "$2/postmaster.pid")
    if [ -n "$pm" ] && kill -0 "$pm" 2>/dev/null; then
      log "stopping the Postgres $1 left running ($pm)"
      stop_pids "the Postgres $1 left running," "$pm"
    fi
  fi
}

# Stops the server we started and, if the dev server left its Postgres running, that Postgres.
stop_server() {
  stop_pids "server" "$SERVER_PID"
  SERVER_PID=""
  if [ -n "$DB_DIR" ]; then
    stop_postmaster "the dev server" "$DB_DIR/pgdata"
    rm -rf "$DB_DIR"
    DB_DIR=""
  fi
}

# Stops the split topology: its four server processes together, then its Postgres.
stop_split() {
  if [ ${#SPLIT_PIDS[@]} -gt 0 ]; then
    stop_pids "split server process" "${SPLIT_PIDS[@]}"
  fi
  SPLIT_PIDS=()
  stop_pids "BenchPostgres" "$SPLIT_PG_PID"
  SPLIT_PG_PID=""
  if [ -n "$SPLIT_DIR" ]; then
    stop_postmaster "BenchPostgres" "$SPLIT_DIR/pgdata"
    rm -rf "$SPLIT_DIR"
    SPLIT_DIR=""
  fi
}
trap 'stop_pids "driver" "$DRIVER_PID"; stop_split; stop_server' EXIT
trap 'log "interrupted: stopping every process started here"; exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Ports below the kernel's ephemeral range: a probed port in that range can be handed to some process's outgoing
# connection before our server binds it ("Address already in use", seen once in a split start).
EPHEMERAL_LOW=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$EPHEMERAL_LOW" -gt 12000 ] 2>/dev/null || EPHEMERAL_LOW=32768
free_port() {
  local p
  while :; do
    p=$((10000 + RANDOM % (EPHEMERAL_LOW - 10000)))
    port_open "$p" || { echo "$p"; return; }
  done
}

# Waits for a line containing TEXT in FILE, as long as PID lives.
await_line() { # PID FILE TEXT SECONDS WHAT
  local pid=$1 file=$2 text=$3 seconds=$4 what=$5 i
  for i in $(seq 1 $((seconds * 10))); do
    grep -qF -- "$text" "$file" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      grep -qF -- "$text" "$file" 2>/dev/null && return 0
      log "$what exited before printing '$text'; see $file"
      tail -20 "$file"
      return 1
    fi
    sleep 0.1
  done
  log "$what printed no '$text' within $seconds s; see $file"
  tail -20 "$file"
  return 1
}

# Upper bound for one driver run: per variant probe + warm-up + two phases, each bounded by PHASE_TIMEOUT,
# plus the statistics waits and start-up.
n_variants=$(echo "$VARIANTS" | tr ',' '\n' | grep -c .)
DRIVER_TIMEOUT=$((n_variants * (3 * PHASE_TIMEOUT + 3 * STATS_SETTLE + 200) + 120))

run_driver() { # NAME PORT RESULTS SERVER_PIDS(comma-separated) [extra driver args...]
  local name=$1 port=$2 results=$3 pids=$4
  shift 4
  log "driving $name on 127.0.0.1:$port (variants $VARIANTS, N=$N, concurrency $CONCURRENCY, fixed-rate ${DURATION}s)"
  local rc=0
  # In the background, so that a SIGTERM or Ctrl-C of this script is handled at once (bash runs traps only between
  # foreground commands) and the EXIT trap stops the driver too.
  timeout --signal=TERM --kill-after=30 "$DRIVER_TIMEOUT" \
    "$JAVA" -jar "$BENCH_JAR" run --name "$name" --target "127.0.0.1:$port" --out "$results" \
      --server-pid "$pids" --clk-tck "$CLK_TCK" --variants "$VARIANTS" --n "$N" \
      --concurrency "$CONCURRENCY" --duration "$DURATION" --phase-timeout "$PHASE_TIMEOUT" \
      --stats-settle "$STATS_SETTLE" ${RATE:+--rate "$RATE"} ${WARMUP:+--warmup "$WARMUP"} ${WORKER_POLLERS:+--pollers "$WORKER_POLLERS"} "$@" \
    2> >(tee "$OUT/driver-$name.stderr.log" >&2) &
  DRIVER_PID=$!
  wait "$DRIVER_PID" || rc=$?
  DRIVER_PID=""
  [ "$rc" = 0 ] || log "the driver against $name ended with exit code $rc (see $OUT/driver-$name.stderr.log)"
}

# Cold: the first N workflows of one variant from a fresh server process and a fresh driver JVM; no warm-up, no
# fixed-rate phase, no waits for database statistics. The phase is written into the server's results file beside
# the warm phases (keys VARIANT.cold.*).
COLD_TIMEOUT=$((PHASE_TIMEOUT + 150))
run_cold() { # NAME VARIANT PORT RESULTS SERVER_PIDS(comma-separated) [extra driver args...]
  local name=$1 v=$2 port=$3 results=$4 pids=$5
  shift 5
  log "cold: driving $name on 127.0.0.1:$port ($v: the first $N workflows at concurrency $CONCURRENCY)"
  local rc=0
  timeout --signal=TERM --kill-after=30 "$COLD_TIMEOUT" \
    "$JAVA" -jar "$BENCH_JAR" run --cold true --name "$name" --target "127.0.0.1:$port" --out "$results" \
      --server-pid "$pids" --clk-tck "$CLK_TCK" --variants "$v" --n "$N" --concurrency "$CONCURRENCY" \
      --phase-timeout "$PHASE_TIMEOUT" ${WORKER_POLLERS:+--pollers "$WORKER_POLLERS"} "$@" \
    2> >(tee "$OUT/driver-$name-cold-$v.stderr.log" >&2) &
  DRIVER_PID=$!
  wait "$DRIVER_PID" || rc=$?
  DRIVER_PID=""
  [ "$rc" = 0 ] || log "the cold driver against $name ($v) ended with exit code $rc (see $OUT/driver-$name-cold-$v.stderr.log)"
}

# --- 1. the SDK's in-memory test server --------------------------------------------------------------------
start_test_server() { # LOG
  local logf=$1
  TS_PORT=$(free_port)
  log "starting the in-memory test server on 127.0.0.1:$TS_PORT (log: $logf)"
  # TestServer binds all interfaces (it has no address flag); the benchmark only talks to it on 127.0.0.1.
  "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$BENCH_JAR" io.temporal.testserver.TestServer "$TS_PORT" \
    >"$logf" 2>&1 &
  SERVER_PID=$!
  local i
  for i in $(seq 1 600); do
    port_open "$TS_PORT" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { log "the test server exited; see $logf"; return 1; }
    sleep 0.1
  done
  log "the test server did not open its port within 60 s"
  return 1
}
measure_test_server() {
  local v
  if [ "$COLD" = 1 ]; then
    for v in "${VARIANT_LIST[@]}"; do
      if start_test_server "$OUT/testserver-cold-$v.log"; then
        run_cold testserver "$v" "$TS_PORT" "$OUT/testserver.properties" "$SERVER_PID"
      fi
      stop_server
    done
  fi
  if start_test_server "$OUT/testserver.log"; then
    run_driver testserver "$TS_PORT" "$OUT/testserver.properties" "$SERVER_PID"
  fi
  log "stopping the test server"
  stop_server
}

# --- 2. the Kairos dev server: embedded Postgres with fsync and synchronous_commit on (its defaults) -----------
start_kairos() { # LOG [extra dev flags...]
  local logf=$1
  shift
  DB_DIR=$(mktemp -d "$PWD/bench/target/kairos-db.XXXXXX") # on disk, not tmpfs: fsync must mean something
  log "starting the Kairos dev server ${DEV_JVM_FLAGS[*]} $*, data in $DB_DIR (log: $logf)"
  "$JAVA" "${DEV_JVM_FLAGS[@]}" -jar "$SERVER_JAR" dev --db-dir "$DB_DIR" --ip 127.0.0.1 --port 0 --shards "$SHARDS" "$@" \
    >"$logf" 2>&1 &
  SERVER_PID=$!
  local i
  for i in $(seq 1 1200); do
    K_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$logf" | head -1)
    if [ -n "$K_PORT" ]; then
      log "$(grep -m1 'listening on' "$logf")"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "the dev server exited; see $logf"
      tail -20 "$logf"
      return 1
    fi
    sleep 0.1
  done
  log "the dev server printed no 'listening on' banner within 120 s"
  return 1
}
# With METRICS_OVERHEAD=1 the dev server serves /metrics and a scraper reads it every SCRAPE_INTERVAL seconds, as
# Prometheus would; then the same runs are repeated with no meters at all (dev --no-metrics).
scrape_loop() { # PORT SERVER_PID
  while kill -0 "$2" 2>/dev/null; do
    curl -s -o /dev/null "http://127.0.0.1:$1/metrics" || true
    sleep "$SCRAPE_INTERVAL"
  done
}
run_dev() { # NAME RESULTS TOPOLOGY_TEXT [dev flags...]
  local name=$1 results=$2 text=$3 scraper=""
  shift 3
  if start_kairos "$OUT/$name-dev.log" "$@"; then
    if [ -n "$METRICS_PORT" ]; then
      scrape_loop "$METRICS_PORT" "$SERVER_PID" &
      scraper=$!
    fi
    run_driver "$name" "$K_PORT" "$results" "$SERVER_PID" --pg-data "$DB_DIR/pgdata" \
      --rate-from "$OUT/testserver.properties" --topology "$text"
    if [ -n "$scraper" ]; then
      kill "$scraper" 2>/dev/null || true
      wait "$scraper" 2>/dev/null || true
      local t0 t1 bytes
      t0=$(date +%s%N)
      bytes=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | tee "$OUT/metrics-scrape.txt" | wc -c)
      t1=$(date +%s%N)
      log "metrics: one scrape after the run: $(grep -vc '^#' "$OUT/metrics-scrape.txt") samples, $((bytes / 1024)) KiB, $(((t1 - t0) / 1000000)) ms (saved to $OUT/metrics-scrape.txt)"
    fi
  fi
  log "stopping the dev server"
  stop_server
}
measure_dev() {
  local text="dev server (all services in one JVM), embedded Postgres, $SHARDS history shards" v
  if [ "$COLD" = 1 ]; then
    for v in "${VARIANT_LIST[@]}"; do
      if start_kairos "$OUT/kairos-dev-cold-$v.log"; then
        run_cold kairos "$v" "$K_PORT" "$OUT/kairos.properties" "$SERVER_PID" --pg-data "$DB_DIR/pgdata" \
          --topology "$text"
      fi
      stop_server
    done
  fi
  if [ "$METRICS_OVERHEAD" = 1 ]; then
    METRICS_PORT=$(free_port)
    run_dev kairos "$OUT/kairos.properties" "$text; metrics recorded, /metrics scraped every ${SCRAPE_INTERVAL}s" \
      --metrics-port "$METRICS_PORT"
    METRICS_PORT=""
    run_dev kairos-no-metrics "$OUT/kairos-no-metrics.properties" "$text; no meters (dev --no-metrics)" --no-metrics
  else
    run_dev kairos "$OUT/kairos.properties" "$text"
  fi
}

# --- 3. Kairos split: one production-mode process per service, one Postgres (fsync, synchronous_commit on) ------
SPLIT_CONFIG=""
declare -A SPLIT_PORT=()

# One config file for every process; each gets its own port from the environment, as pods get theirs.
write_split_config() { # PG_PORT
  cat >"$SPLIT_CONFIG" <<EOF
persistence:
  default:
    url: jdbc:postgresql://127.0.0.1:$1/temporal
    user: postgres
    maxConnections: 20
  visibility:
    url: jdbc:postgresql://127.0.0.1:$1/temporal_visibility
    user: postgres
    maxConnections: 10
cluster:
  historyShardCount: $SHARDS
services:
  frontend:
    bindAddress: 127.0.0.1
    port: \${FRONTEND_PORT:-0}
  history:
    bindAddress: 127.0.0.1
    port: \${HISTORY_PORT:-0}
  matching:
    bindAddress: 127.0.0.1
    port: \${MATCHING_PORT:-0}
  worker:
    bindAddress: 127.0.0.1
    port: \${WORKER_PORT:-0}
metrics:
  port: 0
EOF
}

start_split() { # LOG_PREFIX: logs are PREFIX-{postgres,schema,history,...}.log
  local prefix=$1
  SPLIT_CONFIG="$OUT/kairos-split.yaml"
  SPLIT_DIR=$(mktemp -d "$PWD/bench/target/kairos-split.XXXXXX") # on disk, not tmpfs: fsync must mean something
  local role p taken pg_port pid
  pg_port=$(free_port)
  taken=" $pg_port "
  for role in frontend history matching worker; do
    p=$(free_port)
    while [[ "$taken" == *" $p "* ]]; do p=$(free_port); done
    taken+="$p "
    SPLIT_PORT[$role]=$p
  done
  log "split: starting Postgres on 127.0.0.1:$pg_port, data in $SPLIT_DIR/pgdata (log: $prefix-postgres.log)"
  "$JAVA" -cp "$BENCH_JAR" io.kairos.bench.BenchPostgres "$SPLIT_DIR/pgdata" "$pg_port" \
    >"$prefix-postgres.log" 2>&1 &
  SPLIT_PG_PID=$!
  await_line "$SPLIT_PG_PID" "$prefix-postgres.log" "BenchPostgres ready on" 120 "BenchPostgres" || return 1
  write_split_config "$pg_port"
  log "split: temporal-server schema migrate --config $SPLIT_CONFIG (log: $prefix-schema.log)"
  if ! "$JAVA" -jar "$SERVER_JAR" schema migrate --config "$SPLIT_CONFIG" >"$prefix-schema.log" 2>&1; then
    log "split: schema migrate failed; see $prefix-schema.log"
    tail -20 "$prefix-schema.log"
    return 1
  fi
  for role in history matching worker frontend; do
    log "split: starting $role on 127.0.0.1:${SPLIT_PORT[$role]} (log: $prefix-$role.log)"
    env "${role^^}_PORT=${SPLIT_PORT[$role]}" \
      "$JAVA" "${SERVER_JVM_FLAGS[@]}" -jar "$SERVER_JAR" start --config "$SPLIT_CONFIG" --services "$role" --log-level warn \
      >"$prefix-$role.log" 2>&1 &
    pid=$!
    SPLIT_PIDS+=("$pid")
    await_line "$pid" "$prefix-$role.log" "Kairos started services" 180 "the $role process" || return 1
    log "split: $(grep -m1 -F 'Kairos started services' "$prefix-$role.log") (pid $pid)"
  done
}
SPLIT_TEXT="one production-mode process per service (history, matching, worker, frontend), one embedded Postgres, $SHARDS history shards"
measure_split() {
  local v
  if [ "$COLD" = 1 ]; then
    for v in "${VARIANT_LIST[@]}"; do
      if start_split "$OUT/kairos-split-cold-$v"; then
        run_cold kairos-split "$v" "${SPLIT_PORT[frontend]}" "$OUT/kairos-split.properties" \
          "$(IFS=,; echo "${SPLIT_PIDS[*]}")" --pg-data "$SPLIT_DIR/pgdata" --topology "$SPLIT_TEXT"
      fi
      stop_split
    done
  fi
  if start_split "$OUT/kairos-split"; then
    run_driver kairos-split "${SPLIT_PORT[frontend]}" "$OUT/kairos-split.properties" \
      "$(IFS=,; echo "${SPLIT_PIDS[*]}")" --pg-data "$SPLIT_DIR/pgdata" --rate-from "$OUT/testserver.properties" \
      --topology "$SPLIT_TEXT"
  fi
  log "stopping the split topology"
  stop_split
}

# --- 4. the comparison ---------------------------------------------------------------------------------------
report() {
  local report_args=("$OUT/testserver.properties" "$OUT/kairos.properties")
  [ "$TOPOLOGY" = one-process ] || report_args+=("$OUT/kairos-split.properties")
  "$JAVA" -cp "$BENCH_JAR" io.kairos.bench.Benchmark report "${report_args[@]}" | tee "$OUT/report.txt"
  if [ "$METRICS_OVERHEAD" = 1 ] && [ "$TOPOLOGY" != split ]; then
    "$JAVA" -cp "$BENCH_JAR" io.kairos.bench.Benchmark overhead "$OUT/kairos.properties" \
      "$OUT/kairos-no-metrics.properties" | tee -a "$OUT/report.txt"
    # the same question without the closed loop's run-to-run noise: meter updates per workflow x cost of one update
    "$JAVA" -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener -cp "$SERVER_JAR:$BENCH_JAR" \
      io.kairos.bench.MeterCost "$OUT/metrics-scrape.txt" | tee -a "$OUT/report.txt"
  fi
  local f
  for f in "$OUT"/kairos*-dev*.log "$OUT"/kairos-split-*.log; do
    if [ -f "$f" ] && grep -qiE 'exception|error' "$f"; then
      log "the server logged errors: $f"
    fi
  done
}

# --- the runs: each measures every server, cold then warm, into its own directory ----------------------------------
IFS=, read -r -a VARIANT_LIST <<<"$VARIANTS"
run_dirs=()
for run in $(seq 1 "$RUNS"); do
  OUT=$ROOT_OUT/run-$run
  mkdir -p "$OUT"
  run_dirs+=("$OUT")
  log "run $run of $RUNS (results and logs: $OUT/)"
  if [ "$TOPOLOGY" = split ] && [ -n "${RATE:-}" ]; then
    log "TOPOLOGY=split with RATE=$RATE: not running the test server"
  else
    measure_test_server
  fi
  [ "$TOPOLOGY" = split ] || measure_dev
  [ "$TOPOLOGY" = one-process ] || measure_split
  report
  cat "$OUT/report.txt" >>"$ROOT_OUT/report.txt"
done
if [ "$RUNS" -gt 1 ]; then
  "$JAVA" -cp "$BENCH_JAR" io.kairos.bench.Benchmark summary "${run_dirs[@]}" | tee "$ROOT_OUT/summary.txt"
  cat "$ROOT_OUT/summary.txt" >>"$ROOT_OUT/report.txt"
fi
log "results, reports and logs in $ROOT_OUT/ (one directory per run; report.txt: every run's report and the summary)"
