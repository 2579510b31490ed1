/**
 * The POSIX-sh supervisor, sent over the ssh channel with every call (no sftp, nothing installed on the
 * host). It owns one task per folder `<base>/.lanes-tasks/<workspace>/<id>`: `mkdir` claims the id (a resent
 * start is a no-op), the command runs detached (setsid, outside the session and outside the supervisor's
 * group) under a `timeout` deadline with LANES_TASK_ID as its marker, and the supervisor writes the exit
 * file (write, then rename) once the group leader ends. Output goes to `out`, read back by byte offset.
 */
// Written with @{ for ${ (a template literal would read ${ as its own); swapped back below.
export const SUPERVISOR_SCRIPT = String.raw`set -u
action=$1 base=$2 ws=$3 id=@{4:-}
case $base in /*) ;; *) base=$HOME/$base ;; esac
tasks=$base/.lanes-tasks/$ws
d=$tasks/$id
sup=$base/.lanes-supervisor/supervisor.sh
exited() { echo "exited $(cat "$d/exit")"; }
sweep() {
  for f in $(grep -lsxz "LANES_TASK_ID=$id" /proc/[0-9]*/environ 2>/dev/null); do
    p=@{f#/proc/}; p=@{p%/environ}
    [ "$p" = "$$" ] || kill -KILL "$p" 2>/dev/null
  done
}
case $action in
start)
  secs=$5 cmd=$6
  mkdir -p "$tasks" || exit 3
  if ! mkdir "$d" 2>/dev/null; then echo exists; exit 0; fi
  printf '%s' "$cmd" > "$d/cmd" && : > "$d/out" || { rm -rf "$d"; exit 3; }
  setsid sh "$sup" run "$base" "$ws" "$id" "$secs" </dev/null >/dev/null 2>&1 &
  i=0
  while [ ! -s "$d/pgid" ] && [ ! -f "$d/exit" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
  if [ -s "$d/pgid" ] || [ -f "$d/exit" ]; then echo started; else echo no-start; exit 4; fi
  ;;
run)
  secs=$5
  echo $$ > "$d/supervisor"
  if ! cd "$base/$ws" 2>/dev/null; then
    echo "lanes: cannot enter $base/$ws on this host" >> "$d/out"
    echo 127 > "$d/exit.tmp"; mv -f "$d/exit.tmp" "$d/exit"; exit 0
  fi
  start=$(date +%s)
  LANES_TASK_ID=$id setsid timeout -k 5 "$secs" sh -c "$(cat "$d/cmd")" >> "$d/out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" > "$d/pgid.tmp"; mv -f "$d/pgid.tmp" "$d/pgid"
  wait "$pid"; rc=$?
  why=exit
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then [ $(( $(date +%s) - start )) -ge "$secs" ] && why=timeout; fi
  [ -f "$d/killed" ] && why=killed
  echo "$rc $why" > "$d/exit.tmp"; mv -f "$d/exit.tmp" "$d/exit"
  ;;
status)
  if [ -f "$d/exit" ]; then exited
  elif [ ! -d "$d" ]; then echo none
  elif [ -s "$d/supervisor" ] && kill -0 "$(cat "$d/supervisor")" 2>/dev/null; then echo running
  else sleep 1; if [ -f "$d/exit" ]; then exited; else echo lost; fi
  fi
  ;;
follow)
  off=$5
  # Over a shared connection the session's parent outlives a gone client: its stdin's EOF says it went.
  # (fd 3: an asynchronous list's own stdin is /dev/null.)
  exec 3<&0; { cat <&3 >/dev/null; kill $$; } >/dev/null 2>&1 & exec 3<&-
  while :; do
    fin=0; [ -f "$d/exit" ] && fin=1
    size=$(wc -c < "$d/out") || exit 6
    if [ "$size" -gt "$off" ]; then tail -c +$((off + 1)) "$d/out" | head -c $((size - off)); off=$size; fi
    if [ $fin = 1 ]; then echo "lanes-exit $(cat "$d/exit")" >&2; exit 0; fi
    if ! kill -0 "$PPID" 2>/dev/null; then exit 7; fi
    if [ ! -s "$d/supervisor" ] || ! kill -0 "$(cat "$d/supervisor")" 2>/dev/null; then
      sleep 1; [ -f "$d/exit" ] || { echo "lanes-lost" >&2; exit 0; }
    fi
    sleep 0.2
  done
  ;;
kill)
  grace=$5
  [ -d "$d" ] || { echo none; exit 0; }
  : > "$d/killed"
  if [ -s "$d/pgid" ]; then
    g=$(cat "$d/pgid")
    kill -TERM -"$g" 2>/dev/null
    i=0
    while kill -0 -"$g" 2>/dev/null && [ $i -lt $((grace * 10)) ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL -"$g" 2>/dev/null
  fi
  sweep
  i=0
  while [ ! -f "$d/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  echo killed
  ;;
clean) shift 3; for i in "$@"; do [ -n "$i" ] && rm -rf "$tasks/$i"; done ;;
list) ls "$tasks" 2>/dev/null; exit 0 ;;
check)
  mkdir -p "$tasks" 2>/dev/null && probe=$tasks/.probe.$$ && : > "$probe" 2>/dev/null && rm -f "$probe" || { echo "dir-not-writable $base"; exit 0; }
  for c in rsync setsid timeout; do command -v $c >/dev/null 2>&1 || { echo "missing $c"; exit 0; }; done
  echo ok
  ;;
*) echo "unknown action $action" >&2; exit 2 ;;
esac
`.replaceAll("@{", "${");
