#!/usr/bin/env bash
# A local OpenSearch node (or an N-node cluster) on 127.0.0.1, for development and the engine's tests.
#
#   scripts/opensearch.sh start [--nodes N] [--http-port 9200] [--name dev] [--heap 512m] [--timeout 240]
#   scripts/opensearch.sh stop   [--name dev] [--purge]   (--purge: remove the instance's data too)
#   scripts/opensearch.sh status [--name dev]
#
# Why it looks like this: there is no Docker and no OpenSearch package here, but Maven Central has the minimal
# distribution (transport only) and the modules our German analysis needs (analysis-common, which extends
# lang-painless). So the first start fetches them with mvn (into ~/.m2, which new clones share), lays them out as
# OpenSearch's own distribution lays out modules (one folder per module with a plugin-descriptor.properties), and
# keeps the result under $NACHRICHTENSUCHE_OPENSEARCH_DIR (default /var/lib/nachrichtensuche/opensearch as root,
# ~/.local/state/nachrichtensuche/opensearch otherwise). OpenSearch refuses to run as root, so as root the nodes
# run as the unprivileged system user `opensearch` (created when missing).
#
# Each --name and node count has its own data folders (NAME/nN/node-I), so a 3-node test cluster never touches
# the data of a developer's single node. HTTP ports are P..P+N-1, transport ports P+100.. . No security plugin:
# loopback only, for development. `start` waits until the cluster is yellow or green with all N nodes, or fails
# with the log tail and stops what it started. `start` when already running says so and succeeds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POM=$ROOT/scripts/opensearch/pom.xml
VERSION=$(sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "$POM" | head -n 1)

if [ "$(id -u)" = 0 ]; then
    BASE=${NACHRICHTENSUCHE_OPENSEARCH_DIR:-/var/lib/nachrichtensuche/opensearch}
    RUN_USER=opensearch
else
    BASE=${NACHRICHTENSUCHE_OPENSEARCH_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/nachrichtensuche/opensearch}
    RUN_USER=$(id -un)
fi
DIST=$BASE/dist/opensearch-$VERSION

NODES=1
NODES_GIVEN=""
HTTP_PORT=9200
NAME=dev
HEAP=512m
TIMEOUT=240
PURGE=""

die() {
    echo "opensearch.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

# ---------------------------------------------------------------------------------------------------------------
# Fetch and assemble the distribution (once)

find_java_home() {
    # OpenSearch 2.19 runs on Java 11..21; the machine's default is 17. JAVA_HOME wins when it is set.
    local home=${JAVA_HOME:-}
    if [ -z "$home" ]; then
        command -v java >/dev/null 2>&1 || return 1
        home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    fi
    [ -x "$home/bin/java" ] || return 1
    local major
    major=$("$home/bin/java" -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
    if [ -z "$major" ] || [ "$major" -lt 11 ] || [ "$major" -gt 21 ]; then
        echo "opensearch.sh: OpenSearch $VERSION needs Java 11 to 21; $home has ${major:-an unknown version}" >&2
        return 1
    fi
    echo "$home"
}

descriptor() { # dir name classname description extended
    cat >"$1/plugin-descriptor.properties" <<EOF
# written by scripts/opensearch.sh (the Maven jars carry no descriptor)
description=$4
version=$VERSION
name=$2
classname=$3
java.version=11
opensearch.version=$VERSION
custom.foldername=
extended.plugins=$5
has.native.controller=false
EOF
}

assemble() {
    [ -f "$DIST/.assembled" ] && return 0
    command -v mvn >/dev/null 2>&1 || die "mvn is not installed (needed once to fetch OpenSearch $VERSION)"
    mkdir -p "$BASE/dist"
    local stage=$BASE/dist/.stage.$$
    rm -rf "$stage"
    mkdir -p "$stage/jars"
    trap 'rm -rf "$stage"' EXIT
    echo "Fetching OpenSearch $VERSION with mvn (cached in ~/.m2 after the first time) ..."
    local started=$SECONDS
    if ! mvn -B -q -f "$POM" dependency:copy-dependencies -DoutputDirectory="$stage/jars" \
        >"$stage/mvn.log" 2>&1; then
        tail -n 30 "$stage/mvn.log" >&2
        die "mvn could not fetch OpenSearch $VERSION (see above)"
    fi
    local jars=$stage/jars
    (cd "$stage" && unzip -q "$jars/opensearch-$VERSION.zip") || die "cannot unpack the distribution zip"
    local home=$stage/opensearch-$VERSION
    # lang-painless with its own jars (modules/lang-painless/build.gradle: antlr4-runtime, asm-*, the SPI).
    local painless=$home/modules/lang-painless
    mkdir -p "$painless"
    cp "$jars/lang-painless-$VERSION.jar" "$jars/opensearch-scripting-painless-spi-$VERSION.jar" \
        "$jars"/antlr4-runtime-*.jar "$jars"/asm-*.jar "$painless/"
    descriptor "$painless" lang-painless org.opensearch.painless.PainlessPlugin \
        "An easy, safe and fast scripting language for OpenSearch" ""
    cat >"$painless/plugin-security.policy" <<'EOF'
grant {
  // needed to generate runtime classes
  permission java.lang.RuntimePermission "createClassLoader";
  // needed to find the classloader to load whitelisted classes from
  permission java.lang.RuntimePermission "getClassLoader";
};
EOF
    # analysis-common (german_normalization, snowball, dictionary_decompounder, ...) extends lang-painless.
    local analysis=$home/modules/analysis-common
    mkdir -p "$analysis"
    cp "$jars/analysis-common-$VERSION.jar" "$analysis/"
    descriptor "$analysis" analysis-common org.opensearch.analysis.common.CommonAnalysisPlugin \
        "Adds \"built in\" analyzers to OpenSearch." lang-painless
    touch "$home/.assembled"
    chmod -R a+rX "$home"
    rm -rf "$DIST"
    mv "$home" "$DIST"
    rm -rf "$stage"
    trap - EXIT
    echo "OpenSearch $VERSION assembled in $DIST ($((SECONDS - started)) s)"
}

# ---------------------------------------------------------------------------------------------------------------
# Nodes

instance_dirs() { # every node folder of this --name (any node count)
    local d
    for d in "$BASE/$NAME"/n*/node-*; do
        [ -d "$d" ] && echo "$d"
    done
    return 0
}

node_pid() { # prints the pid when the node in folder $1 runs (and is ours)
    local pidfile=$1/pid pid=""
    [ -f "$pidfile" ] && pid=$(tr -dc '0-9' <"$pidfile")
    if [ -z "$pid" ] || [ ! -r "/proc/$pid/cmdline" ]; then
        node_process "$1"  # started but no pid file (yet): found by its config folder
        return
    fi
    # a recycled pid is not our node: the command line names our config folder
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q -- "org.opensearch.bootstrap.OpenSearch" || return 1
    { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qx -- "OPENSEARCH_PATH_CONF=$1/config" || return 1
    echo "$pid"
}

node_ports() { # http and transport port of the node in folder $1
    sed -n 's/^http.port: \([0-9]*\)/\1/p; s/^transport.port: \([0-9]*\)/\1/p' "$1/config/opensearch.yml" | tr '\n' ' '
}

port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

as_node_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$RUN_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_user() {
    [ "$(id -u)" = 0 ] || return 0
    id "$RUN_USER" >/dev/null 2>&1 && return 0
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_USER" ||
        die "cannot create the system user $RUN_USER (OpenSearch refuses to run as root)"
    echo "Created the system user $RUN_USER"
}

configure_node() { # dir index
    local dir=$1 i=$2 http=$((HTTP_PORT + $2 - 1)) transport=$((HTTP_PORT + 100 + $2 - 1)) j
    mkdir -p "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
    {
        echo "# written by scripts/opensearch.sh at every start"
        echo "cluster.name: nachrichtensuche-$NAME"
        echo "node.name: node-$i"
        echo "path.data: $dir/data"
        echo "path.logs: $dir/logs"
        echo "network.host: 127.0.0.1"
        echo "http.port: $http"
        echo "transport.port: $transport"
        if [ "$NODES" = 1 ]; then
            echo "discovery.type: single-node"
        else
            local seeds="" managers=""
            for ((j = 1; j <= NODES; j++)); do
                seeds+="${seeds:+, }\"127.0.0.1:$((HTTP_PORT + 100 + j - 1))\""
                managers+="${managers:+, }node-$j"
            done
            echo "discovery.seed_hosts: [$seeds]"
            echo "cluster.initial_cluster_manager_nodes: [$managers]"
        fi
        # A shared development disk must not turn our indices read-only; production keeps the watermarks.
        echo "cluster.routing.allocation.disk.threshold_enabled: false"
        echo "action.destructive_requires_name: true"
    } >"$dir/config/opensearch.yml"
    # bin/opensearch-env changes into the distribution folder, so the relative paths of jvm.options become ours.
    sed -e "s/^-Xms.*/-Xms$HEAP/" -e "s/^-Xmx.*/-Xmx$HEAP/" \
        -e "s|HeapDumpPath=data|HeapDumpPath=$dir/data|" -e "s|ErrorFile=logs/|ErrorFile=$dir/logs/|" \
        -e "s|file=logs/gc.log|file=$dir/logs/gc.log|" -e "s|filecount=32,filesize=64m|filecount=4,filesize=16m|" \
        "$DIST/config/jvm.options" >"$dir/config/jvm.options"
    mkdir -p "$dir/config/jvm.options.d"
    cp "$DIST/config/log4j2.properties" "$dir/config/"
    [ "$(id -u)" = 0 ] && chown -R "$RUN_USER:" "$dir"
    return 0
}

start_node() { # dir java_home
    local dir=$1
    rm -f "$dir/pid"
    (
        cd "$dir"
        as_node_user env -i PATH=/usr/bin:/bin HOME="$dir" JAVA_HOME="$2" OPENSEARCH_PATH_CONF="$dir/config" \
            OPENSEARCH_TMPDIR="$dir/tmp" "$DIST/bin/opensearch" -d -p "$dir/pid" \
            >"$dir/logs/console.log" 2>&1 9>&-  # the daemon must not keep our lock
    ) || return 1
}

log_tail() {
    local dir
    for dir in "$@"; do
        echo "---- last lines of $dir/logs (node $(basename "$dir")) ----" >&2
        if [ -s "$dir/logs/nachrichtensuche-$NAME.log" ]; then
            tail -n 25 "$dir/logs/nachrichtensuche-$NAME.log" >&2
        fi
        tail -n 15 "$dir/logs/console.log" >&2 2>/dev/null || true
    done
}

health() { # port -> the health JSON (empty when no answer)
    curl -s --max-time 3 "http://127.0.0.1:$1/_cluster/health" 2>/dev/null || true
}

node_process() { # any live OpenSearch java process of the node in folder $1, pid file or not
    local p
    for p in /proc/[0-9]*; do
        { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q -- "org.opensearch.bootstrap.OpenSearch" || continue
        { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qx -- "OPENSEARCH_PATH_CONF=$1/config" || continue
        echo "${p#/proc/}"
        return 0
    done
    return 1
}

wait_healthy() { # seconds dirs...
    # The launcher (-d) returns once java runs; a node whose java process is gone has died.
    local deadline=$((SECONDS + $1)) answer="" dir
    shift
    while ((SECONDS < deadline)); do
        for dir in "$@"; do
            if ! node_process "$dir" >/dev/null; then
                echo "opensearch.sh: node $(basename "$dir") exited during start" >&2
                return 1
            fi
        done
        answer=$(curl -s --max-time 3 \
            "http://127.0.0.1:$HTTP_PORT/_cluster/health?wait_for_nodes=$NODES&wait_for_status=yellow&timeout=2s" \
            2>/dev/null || true)
        # our cluster, not another one already answering on that port (a second test session's node)
        if echo "$answer" | grep -q "\"cluster_name\":\"nachrichtensuche-$NAME\"" &&
            echo "$answer" | grep -q '"timed_out":false' &&
            echo "$answer" | grep -Eq '"status":"(green|yellow)"'; then
            return 0
        fi
        sleep 1
    done
    echo "opensearch.sh: the cluster was not healthy within $TIMEOUT s (last answer: ${answer:-none})" >&2
    return 1
}

stop_dirs() { # TERM to every node at once, then wait for each (KILL after 30 s)
    local dir pid waited pids=() names=()
    for dir in "$@"; do
        if pid=$(node_pid "$dir"); then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
            names+=("$(basename "$dir")")
        fi
    done
    local k
    for k in "${!pids[@]}"; do
        pid=${pids[$k]}
        waited=0
        while kill -0 "$pid" 2>/dev/null && ((waited < 60)); do
            sleep 0.5
            waited=$((waited + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "node ${names[$k]} (pid $pid) did not stop within 30 s: killed" >&2
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
        fi
        echo "stopped ${names[$k]} (pid $pid)"
    done
    for dir in "$@"; do
        rm -f "$dir/pid"
    done
}

running_dirs() {
    local dir
    while read -r dir; do
        [ -n "$dir" ] && node_pid "$dir" >/dev/null && echo "$dir"
    done < <(instance_dirs)
    return 0
}

cmd_start() {
    local running
    running=$(running_dirs)
    if [ -n "$running" ]; then
        local count
        count=$(echo "$running" | wc -l)
        if [ -z "$NODES_GIVEN" ] || [ "$(echo "$running" | head -n 1 | xargs dirname | xargs basename)" = "n$NODES" ]; then
            # the same layout with nodes missing (one died or was killed): start those, they rejoin
            local i dir missing=() all=()
            if [ -n "$NODES_GIVEN" ]; then
                for ((i = 1; i <= NODES; i++)); do
                    dir=$BASE/$NAME/n$NODES/node-$i
                    all+=("$dir")
                    node_pid "$dir" >/dev/null || missing+=("$dir")
                done
            fi
            if [ "${#missing[@]}" = 0 ]; then
                echo "OpenSearch ($NAME) is already running:"
                cmd_status
                return 0
            fi
            local java_home
            java_home=$(find_java_home) || die "no usable Java found (install OpenJDK 17, or set JAVA_HOME)"
            for dir in "${missing[@]}"; do
                start_node "$dir" "$java_home" || die "$(basename "$dir") did not start again"
            done
            if ! wait_healthy "$TIMEOUT" "${all[@]}"; then
                log_tail "${missing[@]}"
                exit 1
            fi
            echo "OpenSearch ($NAME): started the missing node(s) $(for dir in "${missing[@]}"; do basename "$dir"; done | xargs)"
            cmd_status
            return 0
        fi
        die "OpenSearch ($NAME) already runs with $count node(s) of another layout; run '$0 stop --name $NAME' first"
    fi
    command -v curl >/dev/null 2>&1 || die "curl is needed to check the node's health"
    command -v unzip >/dev/null 2>&1 || die "unzip is needed to unpack the distribution"
    local java_home
    java_home=$(find_java_home) || die "no usable Java found (install OpenJDK 17, or set JAVA_HOME)"
    assemble
    ensure_user
    local i port dirs=()
    for ((i = 1; i <= NODES; i++)); do
        for port in $((HTTP_PORT + i - 1)) $((HTTP_PORT + 100 + i - 1)); do
            port_busy "$port" && die "port $port on 127.0.0.1 is already in use (by something other than $NAME)"
        done
    done
    mkdir -p "$BASE/$NAME"
    chmod 755 "$BASE" "$BASE/$NAME"
    local started=$SECONDS
    for ((i = 1; i <= NODES; i++)); do
        local dir=$BASE/$NAME/n$NODES/node-$i
        configure_node "$dir" "$i"
        dirs+=("$dir")
        if ! start_node "$dir" "$java_home"; then
            echo "opensearch.sh: node-$i did not start" >&2
            log_tail "${dirs[@]}"
            stop_dirs "${dirs[@]}" >/dev/null
            exit 1
        fi
    done
    if ! wait_healthy "$TIMEOUT" "${dirs[@]}"; then
        log_tail "${dirs[@]}"
        stop_dirs "${dirs[@]}" >/dev/null
        exit 1
    fi
    echo "OpenSearch $VERSION ($NAME, $NODES node(s)) is up after $((SECONDS - started)) s: http://127.0.0.1:$HTTP_PORT"
    cmd_status
}

cmd_stop() {
    local dirs
    mapfile -t dirs < <(running_dirs)
    if [ "${#dirs[@]}" = 0 ]; then
        echo "OpenSearch ($NAME) is not running"
    else
        stop_dirs "${dirs[@]}"
    fi
    if [ -n "$PURGE" ] && [ -d "$BASE/$NAME" ]; then  # a throw-away instance (tests): its data goes too
        rm -rf "${BASE:?}/$NAME" "$BASE/.lock-$NAME"
        echo "removed the data of $NAME"
    fi
}

cmd_status() {
    local dir pid ports any=""
    while read -r dir; do
        [ -n "$dir" ] || continue
        ports=($(node_ports "$dir"))
        if pid=$(node_pid "$dir"); then
            echo "$NAME/$(basename "$(dirname "$dir")")/$(basename "$dir"): running, pid $pid," \
                "http 127.0.0.1:${ports[0]}, transport 127.0.0.1:${ports[1]}, data $dir/data"
            [ -n "$any" ] || any=${ports[0]}
        fi
    done < <(instance_dirs)
    if [ -z "$any" ]; then
        echo "OpenSearch ($NAME) is not running"
        return 3
    fi
    local answer
    answer=$(health "$any")
    local status nodes
    status=$(echo "$answer" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
    nodes=$(echo "$answer" | sed -n 's/.*"number_of_nodes":\([0-9]*\).*/\1/p')
    echo "cluster nachrichtensuche-$NAME: health ${status:-unknown}, ${nodes:-?} node(s) (http://127.0.0.1:$any)"
}

# ---------------------------------------------------------------------------------------------------------------

[ $# -ge 1 ] || usage 2
COMMAND=$1
shift
while [ $# -gt 0 ]; do
    case $1 in
        --nodes) NODES=${2:-}; NODES_GIVEN=1; shift 2 ;;
        --http-port) HTTP_PORT=${2:-}; shift 2 ;;
        --name) NAME=${2:-}; shift 2 ;;
        --heap) HEAP=${2:-}; shift 2 ;;
        --timeout) TIMEOUT=${2:-}; shift 2 ;;
        --purge) PURGE=1; shift ;;
        -h | --help) usage 0 ;;
        *) echo "opensearch.sh: unknown option $1" >&2; usage 2 ;;
    esac
done
[[ $NODES =~ ^[1-9]$ ]] || die "--nodes takes 1 to 9"
[[ $HTTP_PORT =~ ^[0-9]+$ ]] && ((HTTP_PORT >= 1024 && HTTP_PORT <= 65000)) || die "--http-port takes 1024..65000"
[[ $NAME =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "--name takes lower-case letters, digits, - and _"
[[ $HEAP =~ ^[0-9]+[mg]$ ]] || die "--heap takes a size such as 512m or 1g"
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout takes seconds"

mkdir -p "$BASE"
exec 9>"$BASE/.lock-$NAME"
flock -w 600 9 || die "another opensearch.sh works on $NAME"

case $COMMAND in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) usage 2 ;;
esac
