#!/usr/bin/env bash
# Single-node Kafka (KRaft, broker + controller in one JVM) built from Maven Central jars:
# no Docker, no tarball. See README.md beside this file.
#
#   kafka-local.sh start DATA_DIR [PORT]  start a broker (default port 19092, controller PORT+1);
#                                         the last line on stdout is the bootstrap address
#   kafka-local.sh stop DATA_DIR          SIGTERM, wait, then SIGKILL
#   kafka-local.sh status [DATA_DIR]      exit 0 if running (prints pid and address), 3 if not
#   kafka-local.sh fetch                  only download the jars into the cache
#
# Environment:
#   KAFKA_LOCAL_CACHE_DIR      jar cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/usage-pipeline/kafka-VERSION)
#   KAFKA_LOCAL_JAVA_OPTS      JVM flags (default: small heap, serial GC, C1 only)
#   KAFKA_LOCAL_START_TIMEOUT  seconds to wait for "Kafka Server started" (default 90)
#   KAFKA_LOCAL_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL (default 30)
#   KAFKA_LOCAL_SCRAM_USER     with KAFKA_LOCAL_SCRAM_PASSWORD: also listen with SASL_PLAINTEXT
#   KAFKA_LOCAL_SCRAM_PASSWORD   SCRAM-SHA-512 on PORT+2, for this one user (set when the data
#                              dir is first formatted); the PLAINTEXT listener stays on PORT
set -euo pipefail

# Keep in sync with kafka.version in pom.xml; it names the cache directory.
readonly KAFKA_VERSION=4.1.1
readonly DEFAULT_PORT=19092
readonly READY_LINE="Kafka Server started"

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly CACHE_DIR=${KAFKA_LOCAL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/usage-pipeline/kafka-$KAFKA_VERSION}
readonly LIBS_DIR=$CACHE_DIR/libs
readonly START_TIMEOUT=${KAFKA_LOCAL_START_TIMEOUT:-90}
readonly STOP_TIMEOUT=${KAFKA_LOCAL_STOP_TIMEOUT:-30}
# C1 only (TieredStopAtLevel=1) and serial GC start the JVM fastest; tests need neither peak
# throughput nor a big heap (server.properties shrinks the on-heap cleaner buffer to match).
readonly SCRAM_USER=${KAFKA_LOCAL_SCRAM_USER:-}
readonly SCRAM_PASSWORD=${KAFKA_LOCAL_SCRAM_PASSWORD:-}
readonly JAVA_OPTS=${KAFKA_LOCAL_JAVA_OPTS:--Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true}

log() { printf 'kafka-local: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

usage() {
    sed -n '5,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH: $2"
}

pom_checksum() { sha256sum "$HERE/pom.xml" | cut -d' ' -f1; }

libs_ready() {
    [[ -f $LIBS_DIR/.complete && $(<"$LIBS_DIR/.complete") == "$(pom_checksum)" ]]
}

# Download the broker jars once. The marker holds the pom's checksum, so editing pom.xml
# refreshes the cache; the rename makes a concurrent start see all jars or none.
fetch_libs() {
    libs_ready && return 0
    need mvn "install Maven (e.g. apt-get install maven) to download the Kafka jars once"
    mkdir -p -- "$CACHE_DIR"
    local tmp
    tmp=$(mktemp -d "$CACHE_DIR/libs.tmp.XXXXXX")
    log "downloading Kafka $KAFKA_VERSION jars into $LIBS_DIR"
    if ! mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime "-DoutputDirectory=$tmp/libs" >"$tmp/mvn.log" 2>&1; then
        tail -n 30 -- "$tmp/mvn.log" >&2 || true
        rm -rf -- "$tmp"
        die "mvn could not download the Kafka jars (output above)"
    fi
    pom_checksum >"$tmp/libs/.complete"
    if ! libs_ready; then
        rm -rf -- "$LIBS_DIR"
        # Another start may have won the race; its copy is as good as ours.
        mv -T -- "$tmp/libs" "$LIBS_DIR" 2>/dev/null || libs_ready || die "could not install jars into $LIBS_DIR"
    fi
    rm -rf -- "$tmp"
}

# True if PID is a live (not zombie) process. A broker whose parent never reaps it (a shell
# as PID 1 in a container) would otherwise look alive forever after SIGKILL.
pid_alive() {
    local pid=$1 stat
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r /proc/$pid/stat ]]; then
        stat=$(<"/proc/$pid/stat") || return 1
        stat=${stat##*) }
        [[ ${stat:0:1} != Z ]] || return 1
    fi
    return 0
}

# Prints the pid of the broker started from DATA_DIR, if it is still running. The command
# line check keeps a recycled pid (after a reboot or a killed container) from being signalled.
broker_pid() {
    local data=$1 pid cmdline
    [[ -s $data/broker.pid ]] || return 1
    pid=$(<"$data/broker.pid")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    pid_alive "$pid" || return 1
    if [[ -r /proc/$pid/cmdline ]]; then
        cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
        [[ $cmdline == *kafka.Kafka*"$data/server.properties"* ]] || return 1
    fi
    printf '%s\n' "$pid"
}

resolve_dir() { (cd -- "$1" && pwd); }

# Escape a value for the replacement side of a sed s||| command.
sed_escape() {
    local value=${1//\\/\\\\}
    value=${value//&/\\&}
    printf '%s' "${value//|/\\|}"
}

scram_enabled() { [[ -n $SCRAM_USER || -n $SCRAM_PASSWORD ]]; }

# Both or neither, and only characters that need no quoting in the --add-scram argument.
check_scram() {
    scram_enabled || return 0
    [[ -n $SCRAM_USER && -n $SCRAM_PASSWORD ]] ||
        die "set both KAFKA_LOCAL_SCRAM_USER and KAFKA_LOCAL_SCRAM_PASSWORD, or neither"
    [[ $SCRAM_USER =~ ^[A-Za-z0-9._-]+$ && $SCRAM_PASSWORD =~ ^[A-Za-z0-9._-]+$ ]] ||
        die "KAFKA_LOCAL_SCRAM_USER/PASSWORD may only contain letters, digits, '.', '_' and '-'"
}

write_config() {
    local data=$1 port=$2
    sed -e "s|@PORT@|$port|g" \
        -e "s|@CONTROLLER_PORT@|$((port + 1))|g" \
        -e "s|@LOG_DIR@|$(sed_escape "$data/kraft")|g" \
        "$HERE/server.properties.template" >"$data/server.properties"
    scram_enabled || return 0
    # A second listener; brokers and controller keep talking PLAINTEXT to each other.
    local sasl="SASL://127.0.0.1:$((port + 2))"
    sed -i -e "s|^listeners=.*|&,$sasl|" -e "s|^advertised.listeners=.*|&,$sasl|" \
        -e "s|^listener.security.protocol.map=.*|&,SASL:SASL_PLAINTEXT|" "$data/server.properties"
    cat >>"$data/server.properties" <<'PROPERTIES'

# KAFKA_LOCAL_SCRAM_USER: SCRAM-SHA-512 on the SASL listener (credentials set at format time).
listener.name.sasl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
PROPERTIES
}

readonly CLUSTER_ID_PATTERN='^[A-Za-z0-9_][A-Za-z0-9_-]{21}$'

# A 22-character url-safe base64 UUID, the form `kafka-storage random-uuid` prints. Like
# Kafka's own generator, never one starting with "-": the argument parser takes it for a flag.
new_cluster_id() {
    local id=-
    until [[ $id =~ $CLUSTER_ID_PATTERN ]]; do
        id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)
    done
    printf '%s\n' "$id"
}

java_opts() {
    local -a opts
    read -r -a opts <<<"$JAVA_OPTS"
    opts+=("-Dlog4j2.configurationFile=$HERE/log4j2.properties")
    printf '%s\n' "${opts[@]}"
}

stop_pid() {
    local pid=$1 deadline
    kill -TERM "$pid" 2>/dev/null || return 0
    deadline=$((SECONDS + STOP_TIMEOUT))
    while pid_alive "$pid"; do
        if ((SECONDS >= deadline)); then
            log "broker (pid $pid) still running ${STOP_TIMEOUT}s after SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            deadline=$((SECONDS + 10))
            while pid_alive "$pid"; do
                ((SECONDS < deadline)) || die "broker (pid $pid) survived SIGKILL"
                sleep 0.1
            done
            return 0
        fi
        sleep 0.1
    done
}

fail_start() {
    local data=$1 reason=$2
    # The root cause is usually the first ERROR; the tail is mostly its stack trace.
    log "first errors in $data/broker.log:"
    grep -m 5 -E '^\[[^]]*\] (ERROR|FATAL)' -- "$data/broker.log" >&2 || true
    log "last lines of $data/broker.log:"
    tail -n 25 -- "$data/broker.log" >&2 || true
    rm -f -- "$data/broker.pid"
    die "$reason"
}

cmd_start() {
    (($# >= 1 && $# <= 2)) || usage
    local port=${2:-$DEFAULT_PORT}
    if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65534)); then
        die "PORT must be a number from 1 to 65534 (PORT+1 is the controller port), got '$port'"
    fi
    check_scram
    need java "install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)"
    fetch_libs

    local p
    local -a ports=("$port" "$((port + 1))")
    scram_enabled && ports+=("$((port + 2))")
    for p in "${ports[@]}"; do
        # Fails fast with a clear message instead of a bind stack trace from the broker.
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            die "port $p on 127.0.0.1 is already in use (the broker needs PORT=$port, PORT+1 and, with SCRAM, PORT+2)"
        fi
    done

    mkdir -p -- "$1"
    local data pid
    data=$(resolve_dir "$1")
    if pid=$(broker_pid "$data"); then
        die "a broker is already running from $data (pid $pid); stop it with: $0 stop $data"
    fi

    write_config "$data" "$port"
    if ! [[ -s $data/cluster.id && $(<"$data/cluster.id") =~ $CLUSTER_ID_PATTERN ]]; then
        new_cluster_id >"$data/cluster.id"
    fi
    local -a jopts scram=()
    mapfile -t jopts < <(java_opts)
    scram_enabled && scram=(--add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]")

    local started=$SECONDS
    # -g: a data dir formatted by an earlier start is reused as is (topics survive a restart).
    if ! java "${jopts[@]}" -cp "$LIBS_DIR/*" kafka.tools.StorageTool format \
        -t "$(<"$data/cluster.id")" -c "$data/server.properties" -g "${scram[@]}" >"$data/format.log" 2>&1; then
        tail -n 30 -- "$data/format.log" >&2 || true
        die "formatting the storage in $data failed (output above)"
    fi

    # A fresh log, so the readiness check cannot match the previous run's line.
    [[ -f $data/broker.log ]] && mv -f -- "$data/broker.log" "$data/broker.log.1"
    # nohup: the broker must outlive this script and the terminal it was started from.
    nohup java "${jopts[@]}" -cp "$LIBS_DIR/*" kafka.Kafka "$data/server.properties" \
        >"$data/broker.log" 2>&1 </dev/null &
    pid=$!
    printf '%s\n' "$pid" >"$data/broker.pid"
    printf '%s\n' "$port" >"$data/broker.port"

    # An open port is not readiness: the broker logs this line once it can serve requests.
    local deadline=$((SECONDS + START_TIMEOUT))
    until grep -q "$READY_LINE" "$data/broker.log"; do
        pid_alive "$pid" || fail_start "$data" "the broker exited during start-up"
        if ((SECONDS >= deadline)); then
            stop_pid "$pid"
            fail_start "$data" "no '$READY_LINE' in $data/broker.log within ${START_TIMEOUT}s"
        fi
        sleep 0.1
    done
    log "broker pid $pid ready in about $((SECONDS - started))s; log: $data/broker.log"
    scram_enabled && log "SASL_PLAINTEXT SCRAM-SHA-512 listener: 127.0.0.1:$((port + 2))"
    printf '127.0.0.1:%s\n' "$port"
}

cmd_stop() {
    (($# == 1)) || usage
    if [[ ! -d $1 ]]; then
        log "no data dir $1; nothing to stop"
        return 0
    fi
    local data pid
    data=$(resolve_dir "$1")
    if ! pid=$(broker_pid "$data"); then
        log "no broker running from $data"
        rm -f -- "$data/broker.pid"
        return 0
    fi
    stop_pid "$pid"
    rm -f -- "$data/broker.pid"
    log "stopped broker pid $pid"
}

cmd_status() {
    (($# <= 1)) || usage
    if libs_ready; then
        echo "jars: $LIBS_DIR"
    else
        echo "jars: not downloaded yet (start or fetch downloads them into $LIBS_DIR)"
    fi
    (($# == 1)) || return 0
    local data pid
    if [[ -d $1 ]] && data=$(resolve_dir "$1") && pid=$(broker_pid "$data"); then
        echo "running: pid $pid, bootstrap 127.0.0.1:$(<"$data/broker.port")"
    else
        echo "not running: $1"
        exit 3
    fi
}

main() {
    (($# >= 1)) || usage
    local command=$1
    shift
    case $command in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    fetch)
        (($# == 0)) || usage
        fetch_libs
        echo "jars: $LIBS_DIR"
        ;;
    -h | --help | help) usage 0 ;;
    *) usage ;;
    esac
}

main "$@"
