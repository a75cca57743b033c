import type { WaitFor } from '../api/schema';

/**
 * The script a waitFor step runs on the helper image (busybox: sh, nc, wget, date). It reads its
 * target from the environment, never from text pasted into the script, so no value a user writes
 * can change what the shell runs. One line per try; on timeout a line a person can act on,
 * which FallbackToLogsOnError turns into the step's termination message.
 */
export const WAIT_SCRIPT = `
start=$(date +%s); try=0
while :; do
  try=$((try + 1))
  if [ -n "$WAIT_URL" ]; then
    wget -q -T "$WAIT_PERIOD" -O /dev/null "$WAIT_URL" 2>/dev/null && ok=1 || ok=0
  else
    nc -z -w "$WAIT_PERIOD" "$WAIT_HOST" "$WAIT_PORT" </dev/null 2>/dev/null && ok=1 || ok=0
  fi
  elapsed=$(( $(date +%s) - start ))
  if [ "$ok" = 1 ]; then
    echo "$WAIT_TARGET answered after $try tries (\${elapsed}s)"
    exit 0
  fi
  if [ "$elapsed" -ge "$WAIT_TIMEOUT" ]; then
    echo "gave up: $WAIT_TARGET did not answer within \${WAIT_TIMEOUT}s ($try tries)"
    exit 1
  fi
  echo "try $try: $WAIT_TARGET not answering yet (\${elapsed}s of \${WAIT_TIMEOUT}s)"
  sleep "$WAIT_PERIOD"
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
