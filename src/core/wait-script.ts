import type { WaitFor } from '../api/spec';

/**
 * The script a waitFor step runs on the helper image. It needs only busybox's sh, nc, wget,
 * timeout, date, sleep, grep and tail, and does not depend on the options busybox builds differ
 * on: Debian's build has no `nc -z` (used only where nc offers it) and crashes on `wget -T`, so
 * each try is capped by the `timeout` applet instead, at the time left, and the step ends within
 * a second or two of timeoutSeconds. The target comes from the
 * environment, never from text pasted into the script, so no value a user writes can change what
 * the shell runs. One line per try with the tool's own last error line (a DNS failure, a refused
 * connection, an HTTP status); on timeout a line a person can act on, which
 * FallbackToLogsOnError turns into the step's termination message.
 *
 * Changing this script does not roll running Pods: the template hash covers the spec as written,
 * so a new script reaches a Pod when it is replaced for another reason or restarted on request.
 */
export const WAIT_SCRIPT = `
start=$(date +%s); try=0; why=""
# Without -z (Debian's build), nc stays connected to a server that keeps the connection open, so
# a try that is still running after nc's own connect timeout (-w, which covers the name lookup
# and the connect) has connected: that counts as an answer.
zero=""; nc 2>&1 | grep -q -- ' -z' && zero=1
while :; do
  left=$((WAIT_TIMEOUT - ($(date +%s) - start)))
  if [ "$try" -gt 0 ] && [ "$left" -le 0 ]; then
    echo "gave up: $WAIT_TARGET did not answer within \${WAIT_TIMEOUT}s ($try tries; last: $why)"
    exit 1
  fi
  try=$((try + 1))
  cap=$WAIT_PERIOD; [ "$left" -lt "$cap" ] && cap=$left; [ "$cap" -lt 1 ] && cap=1
  if [ -n "$WAIT_URL" ]; then
    out=$(timeout "$cap" wget -q -O /dev/null "$WAIT_URL" 2>&1); rc=$?
  elif [ -n "$zero" ]; then
    out=$(timeout "$cap" nc -z -w "$cap" "$WAIT_HOST" "$WAIT_PORT" 2>&1 >/dev/null); rc=$?
  else
    out=$(timeout $((cap + 1)) nc -w "$cap" "$WAIT_HOST" "$WAIT_PORT" </dev/null 2>&1 >/dev/null); rc=$?
    case "$rc" in 124|143) rc=0 ;; esac
  fi
  elapsed=$(( $(date +%s) - start ))
  if [ "$rc" = 0 ]; then
    echo "$WAIT_TARGET answered after $try tries (\${elapsed}s)"
    exit 0
  fi
  case "$rc" in
    124|143) why="no answer within \${cap}s" ;;
    *) why=$(printf '%s\\n' "$out" | tail -n 1); [ -n "$why" ] || why="exit code $rc" ;;
  esac
  echo "try $try: $WAIT_TARGET not answering yet (\${elapsed}s of \${WAIT_TIMEOUT}s): $why"
  pause=$((WAIT_TIMEOUT - elapsed)); [ "$pause" -gt "$WAIT_PERIOD" ] && pause=$WAIT_PERIOD
  [ "$pause" -gt 0 ] && sleep "$pause"
done
`.trim();

/** describeTarget names what a waitFor waits for, as people write it. */
export function describeTarget(w: WaitFor): string {
  return w.http ? w.http.url : `${w.tcp!.host}:${w.tcp!.port}`;
}

export function waitEnv(w: WaitFor): Array<{ name: string; value: string }> {
  const env = [
    { name: 'WAIT_TARGET', value: describeTarget(w) },
    { name: 'WAIT_TIMEOUT', value: String(w.timeoutSeconds) },
    { name: 'WAIT_PERIOD', value: String(w.periodSeconds) },
  ];
  if (w.http) env.push({ name: 'WAIT_URL', value: w.http.url });
  else env.push({ name: 'WAIT_HOST', value: w.tcp!.host }, { name: 'WAIT_PORT', value: String(w.tcp!.port) });
  return env;
}
