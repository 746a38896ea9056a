#!/usr/bin/env bash
# A real Kubernetes control plane on 127.0.0.1 without Docker: etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler, with kwok faking one node, plus helm. Every
# binary is built from the Go module proxy at a pinned version. See README.md beside this file.
#
#   kube-local.sh build             build the binaries once (or restore them from a cache);
#                                   the last line on stdout is the bin directory
#   kube-local.sh bin               print the bin directory; exit 3 if not built yet
#   kube-local.sh start STATE_DIR   start the control plane on free ports; the last line on
#                                   stdout is the kubeconfig path
#   kube-local.sh stop STATE_DIR    stop kwok, scheduler, controller-manager, apiserver, etcd
#   kube-local.sh status STATE_DIR  exit 0 if the apiserver answers /readyz, 3 if not
#
# Environment:
#   KUBE_LOCAL_CACHE_DIR    where the binaries live (default: .cache/kube/KEY in the work tree)
#   KUBE_LOCAL_SHARED_DIR   a copy kept across clones (default:
#                           ${XDG_CACHE_HOME:-$HOME/.cache}/usage-pipeline/kube-KEY)
#   KUBE_LOCAL_BUILD_DIR    the Go module and build caches of a cold build (default:
#                           ${XDG_CACHE_HOME:-$HOME/.cache}/usage-pipeline/kube-build-KEY)
#   KUBE_LOCAL_KEEP_BUILD   1 keeps them after a successful build (about 6 GB)
#   KUBE_LOCAL_START_TIMEOUT / KUBE_LOCAL_STOP_TIMEOUT   seconds (default 60 / 20)
set -euo pipefail

# The pins. Kubernetes' staging modules (k8s.io/api, client-go, ...) carry v0.MINOR.PATCH of
# the same release. RECIPE names this script's way of building: bump it when the build
# changes (flags, stages) so old caches are not taken for new ones.
readonly K8S_VERSION=v1.37.2 STAGING_VERSION=v0.37.2 ETCD_VERSION=v3.7.3 KWOK_VERSION=v0.8.0
readonly HELM_VERSION=v3.22.0 RECIPE=r1
readonly KEY=helm-$HELM_VERSION.k8s-$K8S_VERSION.etcd-$ETCD_VERSION.kwok-$KWOK_VERSION.$RECIPE
readonly BINARIES=(helm etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
ROOT=$(cd -- "$HERE/../.." && pwd)
readonly ROOT
readonly CACHE_DIR=${KUBE_LOCAL_CACHE_DIR:-$ROOT/.cache/kube/$KEY}
readonly SHARED_DIR=${KUBE_LOCAL_SHARED_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/usage-pipeline/kube-$KEY}
# Outside the work tree, so that a cold build cut short (a CI time limit) resumes in the
# next clone with what it downloaded and compiled; deleted once the binaries are saved.
readonly BUILD_DIR=${KUBE_LOCAL_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/usage-pipeline/kube-build-$KEY}
readonly START_TIMEOUT=${KUBE_LOCAL_START_TIMEOUT:-60}
readonly STOP_TIMEOUT=${KUBE_LOCAL_STOP_TIMEOUT:-20}
# The bearer token of the one admin user: the control plane listens on 127.0.0.1 only and
# lives as long as a test run, so a fixed token is no secret worth generating.
readonly ADMIN_TOKEN=kube-local-admin

log() { printf 'kube-local: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

usage() {
    sed -n '6,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH: $2"
}

# A directory holds a usable set when its marker names this KEY and every binary is there.
complete_in() {
    local dir=$1 name
    [[ -f $dir/.complete && $(<"$dir/.complete") == "$KEY" ]] || return 1
    for name in "${BINARIES[@]}"; do [[ -x $dir/bin/$name ]] || return 1; done
    [[ -s $dir/kwok-stages.yaml ]]
}

# Copy a complete set from SRC to DEST through a temporary sibling and a rename, so that a
# concurrent reader sees all of it or nothing. Hard links where the filesystem allows.
install_set() {
    local src=$1 dest=$2 tmp
    mkdir -p -- "$(dirname -- "$dest")"
    tmp=$(mktemp -d "$dest.tmp.XXXXXX")
    cp -al -- "$src/." "$tmp/" 2>/dev/null || cp -a -- "$src/." "$tmp/"
    rm -rf -- "$dest"
    mv -T -- "$tmp" "$dest" 2>/dev/null || complete_in "$dest" || die "could not install into $dest"
    rm -rf -- "$tmp"
}

timed() {
    local what=$1 began=$SECONDS
    shift
    log "building $what"
    "$@"
    log "built $what in $((SECONDS - began))s"
}

go_env() {
    export GOMODCACHE=$BUILD_DIR/gomod GOCACHE=$BUILD_DIR/gocache GOTOOLCHAIN=local
    # -modcacherw: the module cache can be deleted after the build without chmod.
    export GOFLAGS="-mod=mod -modcacherw -buildvcs=false" CGO_ENABLED=0
}

# A wrapper module requiring MODULE@VERSION, with a tools.go importing PACKAGES, so that
# `go build` accepts modules whose own go.mod has replace directives (go install refuses).
wrapper_module() {
    local dir=$1 module=$2 version=$3 replaces=$4
    shift 4
    mkdir -p -- "$dir"
    {
        printf 'module local/wrapper\n\ngo 1.26.0\n\nrequire %s %s\n' "$module" "$version"
        [[ -z $replaces ]] || printf '\nreplace (\n%s)\n' "$replaces"
    } >"$dir/go.mod"
    {
        printf '//go:build tools\n\npackage tools\n\nimport (\n'
        printf '\t_ "%s"\n' "$@"
        printf ')\n'
    } >"$dir/tools.go"
    (cd -- "$dir" && go mod tidy)
}

build_helm() {
    local dir=$BUILD_DIR/helm v=helm.sh/helm/v3/internal/version
    wrapper_module "$dir" helm.sh/helm/v3 "$HELM_VERSION" "" helm.sh/helm/v3/cmd/helm
    # Without the version helm reports v3.x-dev; the Kubernetes version is the default that
    # `helm template` and `helm lint` assume for .Capabilities.KubeVersion.
    local ld="-s -w -X $v.version=$HELM_VERSION -X $v.gitTreeState=clean"
    ld+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1"
    ld+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(minor "$K8S_VERSION")"
    ld+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1"
    ld+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$(minor "$K8S_VERSION")"
    (cd -- "$dir" && go build -trimpath -ldflags="$ld" -o "$1/helm" helm.sh/helm/v3/cmd/helm)
}

minor() {
    local v=${1#v}
    v=${v#*.}
    printf '%s' "${v%%.*}"
}

build_etcd() {
    local dir=$BUILD_DIR/etcd
    wrapper_module "$dir" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "" go.etcd.io/etcd/server/v3
    (cd -- "$dir" && go build -trimpath -ldflags="-s -w" -o "$1/etcd" go.etcd.io/etcd/server/v3)
}

build_kwok() {
    local dir=$BUILD_DIR/kwok stages
    wrapper_module "$dir" sigs.k8s.io/kwok "$KWOK_VERSION" "" sigs.k8s.io/kwok/cmd/kwok
    (cd -- "$dir" && go build -trimpath -ldflags="-s -w" -o "$1/kwok" sigs.k8s.io/kwok/cmd/kwok)
    # kwok needs its stage files (how fake nodes and pods move through their lifecycle);
    # they ship in its module source, not in the binary.
    stages=$GOMODCACHE/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage
    local f
    for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml \
        pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
        [[ -s $stages/$f ]] || die "kwok $KWOK_VERSION has no stage file $f"
        printf -- '---\n'
        cat -- "$stages/$f"
    done >"$2/kwok-stages.yaml"
}

build_kubernetes() {
    local dir=$BUILD_DIR/kubernetes gomod replaces="" m
    # k8s.io/kubernetes replaces its staging modules with ./staging/src/...: map each to the
    # proxy's tag of the same release instead (the two sample modules have none; nothing
    # built here needs them).
    gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["GoMod"])')
    while read -r m; do
        replaces+=$(printf '\t%s => %s %s' "$m" "$m" "$STAGING_VERSION")$'\n'
    done < <(sed -n '/^replace (/,/^)/p' "$gomod" | awk '/=>/ { print $1 }' | grep -v '^k8s.io/sample-')
    [[ -n $replaces ]] || die "found no staging replaces in k8s.io/kubernetes@$K8S_VERSION go.mod"
    local cmds=(kube-apiserver kube-controller-manager kube-scheduler)
    wrapper_module "$dir" k8s.io/kubernetes "$K8S_VERSION" "$replaces" "${cmds[@]/#/k8s.io/kubernetes/cmd/}"
    # Without these the servers report v0.0.0-master, which charts' kubeVersion checks refuse.
    local v=k8s.io/component-base/version c
    local ld="-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1"
    ld+=" -X $v.gitMinor=$(minor "$K8S_VERSION") -X $v.gitTreeState=clean"
    for c in "${cmds[@]}"; do
        timed "$c" build_in "$dir" "$ld" "$1/$c" "k8s.io/kubernetes/cmd/$c"
    done
}

# build_in MODULE_DIR LDFLAGS OUTPUT PACKAGE
build_in() {
    (cd -- "$1" && go build -trimpath -ldflags="$2" -o "$3" "$4")
}

cmd_build() {
    if complete_in "$CACHE_DIR"; then
        log "binaries cached in $CACHE_DIR"
    elif complete_in "$SHARED_DIR"; then
        log "restoring binaries from $SHARED_DIR"
        install_set "$SHARED_DIR" "$CACHE_DIR"
    else
        build_locked
    fi
    if ! complete_in "$SHARED_DIR"; then
        # Best effort: a read-only home must not fail the build.
        (install_set "$CACHE_DIR" "$SHARED_DIR") 2>/dev/null || log "could not save a copy in $SHARED_DIR"
    fi
    printf '%s\n' "$CACHE_DIR/bin"
}

# The cold build, one at a time per build directory: a second `build` waits for the first
# and then takes its result. (Never call it in a condition: errexit must stop a failed step.)
build_locked() {
    need flock "util-linux's flock serializes concurrent builds"
    mkdir -p -- "$(dirname -- "$BUILD_DIR")"
    exec 9>"$BUILD_DIR.lock"
    if ! flock -n 9; then
        log "another build of $KEY is running; waiting for it"
        flock 9
    fi
    if complete_in "$CACHE_DIR"; then
        log "binaries built meanwhile in $CACHE_DIR"
        return 0
    elif complete_in "$SHARED_DIR"; then
        log "binaries built meanwhile in $SHARED_DIR; restoring them"
        install_set "$SHARED_DIR" "$CACHE_DIR"
        return 0
    fi
    need go "install Go 1.26 (the binaries are built from the Go module proxy)"
    need python3 "needed to read a module's go.mod path from 'go mod download -json'"
    go_env
    local out=$BUILD_DIR/out began=$SECONDS
    mkdir -p -- "$out/bin"
    log "cold build of $KEY (about 10 minutes on 2 cores); work files in $BUILD_DIR"
    # Cheapest first: a broken proxy or toolchain shows in seconds, not after the apiserver.
    timed helm build_helm "$out/bin"
    timed etcd build_etcd "$out/bin"
    timed kwok build_kwok "$out/bin" "$out"
    build_kubernetes "$out/bin"
    printf '%s\n' "$KEY" >"$out/.complete"
    log "cold build finished in $((SECONDS - began))s"
    install_set "$out" "$CACHE_DIR"
    if [[ ${KUBE_LOCAL_KEEP_BUILD:-0} != 1 ]]; then
        rm -rf -- "$BUILD_DIR"
    fi
}

# True if PID is a live (not zombie) process.
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

# The pid of component NAME started from STATE, if it still runs that binary (a recycled
# pid after a reboot must not be signalled).
component_pid() {
    local state=$1 name=$2 pid
    [[ -s $state/run/$name.pid ]] || return 1
    pid=$(<"$state/run/$name.pid")
    [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" || return 1
    if [[ -r /proc/$pid/cmdline ]]; then
        [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == *"/$name "* ]] || return 1
    fi
    printf '%s\n' "$pid"
}

# Five ports the kernel says are free now (bound to port 0, then released).
free_ports() {
    python3 -c '
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()'
}

make_pki() {
    local pki=$1/pki
    [[ -s $pki/sa.pub ]] && return 0
    need openssl "needed to make the control plane's certificates"
    mkdir -p -- "$pki"
    (
        cd -- "$pki"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
            -subj /CN=kube-local-ca 2>/dev/null
        printf '[req]\ndistinguished_name=dn\n[dn]\n[ext]\n%s\n%s\n' \
            'subjectAltName=DNS:localhost,DNS:kubernetes.default.svc,IP:127.0.0.1' \
            'extendedKeyUsage=serverAuth' >san.cnf
        openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
            -subj /CN=kube-apiserver 2>/dev/null
        openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
            -out apiserver.crt -days 30 -extfile san.cnf -extensions ext 2>/dev/null
        # Service-account tokens are signed with this pair.
        openssl genrsa -out sa.key 2048 2>/dev/null
        openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
        printf '%s,admin,admin,system:masters\n' "$ADMIN_TOKEN" >tokens.csv
    )
}

write_kubeconfig() {
    local state=$1 port=$2
    cat >"$state/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: kube-local
    cluster: {server: "https://127.0.0.1:$port", certificate-authority: "$state/pki/ca.crt"}
users:
  - name: admin
    user: {token: $ADMIN_TOKEN}
contexts:
  - name: kube-local
    context: {cluster: kube-local, user: admin}
current-context: kube-local
KUBECONFIG
}

api() {
    local state=$1 path=$2
    shift 2
    curl -s --cacert "$state/pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" \
        "$@" "https://127.0.0.1:$(<"$state/run/kube-apiserver.port")$path"
}

# launch STATE NAME ARGS...: start bin/NAME in the background, its log and pid in run/.
launch() {
    local state=$1 name=$2
    shift 2
    nohup "$BIN/$name" "$@" >"$state/run/$name.log" 2>&1 </dev/null &
    printf '%s\n' "$!" >"$state/run/$name.pid"
}

# wait_until STATE WHAT COMMAND...: poll COMMAND until it succeeds, or fail with the logs.
wait_until() {
    local state=$1 what=$2 deadline=$((SECONDS + START_TIMEOUT)) name
    shift 2
    until "$@"; do
        for name in "${COMPONENTS[@]}"; do
            if [[ -s $state/run/$name.pid ]] && ! component_pid "$state" "$name" >/dev/null; then
                tail -n 20 -- "$state/run/$name.log" >&2 || true
                cmd_stop "$state"
                die "$name exited while waiting for $what (its log above)"
            fi
        done
        if ((SECONDS >= deadline)); then
            cmd_stop "$state"
            die "no $what within ${START_TIMEOUT}s; logs in $state/run"
        fi
        sleep 0.2
    done
}

apiserver_ready() { [[ $(api "$1" /readyz -o /dev/null -w '%{http_code}') == 200 ]]; }

node_ready() {
    api "$1" /api/v1/nodes/kube-local-node | python3 -c '
import json, sys
node = json.load(sys.stdin)
ready = [c for c in node.get("status", {}).get("conditions", []) if c["type"] == "Ready"]
sys.exit(0 if ready and ready[0]["status"] == "True" else 1)' 2>/dev/null
}

# The service-account controller of kube-controller-manager creates it in every namespace:
# once it exists, the controllers run.
controllers_running() {
    [[ $(api "$1" /api/v1/namespaces/default/serviceaccounts/default -o /dev/null -w '%{http_code}') == 200 ]]
}

# The order of start; stop goes the other way (etcd last).
readonly COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

cmd_start() {
    (($# == 1)) || usage
    complete_in "$CACHE_DIR" || die "no binaries in $CACHE_DIR: run '$0 build' first"
    BIN=$CACHE_DIR/bin
    mkdir -p -- "$1"
    local state name began=$SECONDS
    state=$(cd -- "$1" && pwd)
    for name in "${COMPONENTS[@]}"; do
        if component_pid "$state" "$name" >/dev/null; then
            die "$name is already running from $state; stop it with: $0 stop $state"
        fi
    done
    rm -rf -- "$state/run"
    mkdir -p -- "$state/run" "$state/home"
    make_pki "$state"
    local etcd_port peer_port api_port kcm_port sched_port
    read -r etcd_port peer_port api_port kcm_port sched_port < <(free_ports)
    printf '%s\n' "$api_port" >"$state/run/kube-apiserver.port"
    write_kubeconfig "$state" "$api_port"
    local pki=$state/pki kubeconfig=$state/kubeconfig

    # A throwaway cluster: no fsync, data in the state directory, wiped on every start.
    launch "$state" etcd --data-dir "$state/run/etcd-data" --unsafe-no-fsync \
        --listen-client-urls "http://127.0.0.1:$etcd_port" \
        --advertise-client-urls "http://127.0.0.1:$etcd_port" \
        --listen-peer-urls "http://127.0.0.1:$peer_port" \
        --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
        --initial-cluster "default=http://127.0.0.1:$peer_port"
    # --endpoint-reconciler-type=none: the default reconciler refuses 127.0.0.1 as the
    # address of the kubernetes Service.
    launch "$state" kube-apiserver --etcd-servers "http://127.0.0.1:$etcd_port" \
        --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
        --endpoint-reconciler-type none --cert-dir "$state/run/certs" \
        --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
        --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" \
        --authorization-mode AlwaysAllow \
        --service-account-issuer https://kubernetes.default.svc.cluster.local \
        --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
        --service-cluster-ip-range 10.0.0.0/24
    wait_until "$state" "apiserver /readyz" apiserver_ready "$state"

    local common=(--kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig"
        --authorization-kubeconfig "$kubeconfig" --bind-address 127.0.0.1 --leader-elect=false)
    launch "$state" kube-controller-manager "${common[@]}" --secure-port "$kcm_port" \
        --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
        --use-service-account-credentials=false
    launch "$state" kube-scheduler "${common[@]}" --secure-port "$sched_port"
    # kwok plays the kubelet of every node annotated kwok.x-k8s.io/node=fake: pods are
    # marked running and ready (Job pods: succeeded), no container ever runs.
    HOME=$state/home launch "$state" kwok --kubeconfig "$kubeconfig" \
        --config "$CACHE_DIR/kwok-stages.yaml" --manage-all-nodes=false \
        --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
        --cidr 10.0.1.0/24 --node-ip 10.0.0.2
    api "$state" /api/v1/nodes -o /dev/null -X POST -H 'Content-Type: application/json' \
        --data-binary @- <<'NODE'
{"apiVersion": "v1", "kind": "Node",
 "metadata": {"name": "kube-local-node", "annotations": {"kwok.x-k8s.io/node": "fake"},
              "labels": {"type": "kwok", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}},
 "status": {"allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"},
            "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"}}}
NODE
    wait_until "$state" "Ready node" node_ready "$state"
    wait_until "$state" "running controllers" controllers_running "$state"
    log "control plane ready in $((SECONDS - began))s: https://127.0.0.1:$api_port; logs in $state/run"
    printf '%s\n' "$state/kubeconfig"
}

stop_component() {
    local state=$1 name=$2 pid deadline
    pid=$(component_pid "$state" "$name") || { rm -f -- "$state/run/$name.pid"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while pid_alive "$pid"; do
        if ((SECONDS >= deadline)); then
            log "$name (pid $pid) still running ${STOP_TIMEOUT}s after SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            deadline=$((SECONDS + 10))
            while pid_alive "$pid"; do
                ((SECONDS < deadline)) || die "$name (pid $pid) survived SIGKILL"
                sleep 0.1
            done
            break
        fi
        sleep 0.1
    done
    rm -f -- "$state/run/$name.pid"
}

# Clients first, etcd last: an apiserver whose etcd went away first hangs on the way out.
cmd_stop() {
    (($# == 1)) || usage
    [[ -d $1/run ]] || { log "nothing started from $1"; return 0; }
    local state i
    state=$(cd -- "$1" && pwd)
    for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
        stop_component "$state" "${COMPONENTS[i]}"
    done
    log "stopped the control plane of $state"
}

cmd_status() {
    (($# == 1)) || usage
    local state
    state=$(cd -- "$1" 2>/dev/null && pwd) || { echo "not running: $1"; exit 3; }
    if [[ -s $state/run/kube-apiserver.port && -s $state/pki/ca.crt ]] && apiserver_ready "$state"; then
        echo "running: https://127.0.0.1:$(<"$state/run/kube-apiserver.port"), kubeconfig $state/kubeconfig"
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
    build)
        (($# == 0)) || usage
        cmd_build
        ;;
    bin)
        (($# == 0)) || usage
        complete_in "$CACHE_DIR" || complete_in "$SHARED_DIR" || exit 3
        complete_in "$CACHE_DIR" || install_set "$SHARED_DIR" "$CACHE_DIR"
        printf '%s\n' "$CACHE_DIR/bin"
        ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    -h | --help | help) usage 0 ;;
    *) usage ;;
    esac
}

main "$@"
