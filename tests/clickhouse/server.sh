#!/usr/bin/env bash
# A private ClickHouse server for the tests (not the system's, not systemd).
#   server.sh start       creates a directory DIR under /tmp owned by the clickhouse
#                         user (a test's own 0700 work directory is not reachable for that
#                         user), writes config.xml and users.xml there, starts clickhouse-server
#                         on 127.0.0.1 with free HTTP and TCP ports, waits for /ping ("Ok.", at
#                         most 60 s), writes DIR/url (http://127.0.0.1:PORT) and DIR/pid and
#                         prints DIR. Exit 0 when it answers; 1 (with the reason and the
#                         server's log tail on stderr) otherwise, and nothing is left behind.
#   server.sh stop DIR    kills that server (its pid only) and removes DIR.
# A user `mxtrace` with password `secret-pw` is configured besides `default` (no password), so
# the tests can check the login headers and a refused login.
set -u
cmd=${1:-} dir=${2:-}
case $cmd in
  start) [ -z "$dir" ] ;;
  stop) [ -n "$dir" ] && [ -f "$dir/config.xml" ] ;;
  *) false ;;
esac || { echo "usage: $0 start | $0 stop DIR" >&2; exit 2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

stop() {
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null
    fi
  fi
  rm -rf "$dir"
}

start() {
  command -v clickhouse-server >/dev/null || { echo "clickhouse-server is not installed (scripts/deps installs it)" >&2; return 1; }
  id clickhouse >/dev/null 2>&1 || { echo "there is no clickhouse user (the clickhouse-server package creates it)" >&2; return 1; }
  [ "$(id -u)" = 0 ] || { echo "starting the server as the clickhouse user needs root" >&2; return 1; }
  dir=$(mktemp -d /tmp/mxtrace-clickhouse-XXXXXX) || return 1
  mkdir -p "$dir"/{data,tmp,user_files,log,format_schemas} || return 1
  http=$(free_port) tcp=$(free_port)
  while [ "$tcp" = "$http" ]; do tcp=$(free_port); done
  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/server.log</log>
        <errorlog>$dir/log/server.err.log</errorlog>
        <size>10M</size>
        <count>1</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http</http_port>
    <tcp_port>$tcp</tcp_port>
    <max_connections>64</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>16</max_concurrent_queries>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <mark_cache_size>67108864</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
</yandex>
XML
  cat >"$dir/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>2000000000</max_memory_usage>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <mxtrace>
            <password>secret-pw</password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </mxtrace>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
XML
  chown -R clickhouse:clickhouse "$dir" && chmod 0700 "$dir" || return 1
  echo "http://127.0.0.1:$http" >"$dir/url"
  # the server in the background, as the clickhouse user; its own pid (runuser execs it)
  ( cd "$dir" && exec runuser -u clickhouse -- clickhouse-server --config-file="$dir/config.xml" \
      >"$dir/log/stdout" 2>&1 ) &
  echo $! >"$dir/pid"
  local deadline=$(( $(date +%s) + ${MXTRACE_CLICKHOUSE_START_TIMEOUT:-60} ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(curl -s --max-time 2 "http://127.0.0.1:$http/ping" 2>/dev/null)" = "Ok." ]; then return 0; fi
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
    sleep 0.2
  done
  echo "clickhouse-server did not answer http://127.0.0.1:$http/ping (log: $dir/log):" >&2
  tail -n 20 "$dir/log/stdout" "$dir/log/server.err.log" >&2 2>/dev/null
  return 1
}

case $cmd in
  start) if start; then echo "$dir"; else rc=$?; [ -n "$dir" ] && stop; exit "$rc"; fi ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
