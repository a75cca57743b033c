import * as https from 'node:https';
import * as http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

/** An API server answer that was not 2xx; `retryable` says whether trying again can help. */
export class ApiError extends Error {
  /** retryAfterMs: the server's Retry-After, when it sent one (429 and 503 do). */
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.status === 0 || this.status === 409 || this.status === 429 || this.status >= 500;
  }
}

export interface HttpOptions {
  qps: number;
  burst: number;
  /** A request without an answer this long is dropped as failed (default 30 s): a dead connection must not hang a worker. */
  timeoutMs?: number;
  /** Called once per request with its verb and status code (0: no answer), for metrics. */
  onRequest?: (verb: string, code: number, path: string) => void;
}

/**
 * KubeHttp is the operator's one door to the API server: JSON over keep-alive HTTPS, with the
 * kubeconfig's credentials, a client-side token bucket (QPS/burst, as client-go does) and raw
 * bodies, so no field is lost to the 1.28-era models of client-node 0.20.
 */
export class KubeHttp {
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly plainAgent = new http.Agent({ keepAlive: true, maxSockets: 32 }); // `kubectl proxy` speaks http
  private tokens: number;
  private last = Date.now();
  /** Waiting requests: normal ones first; low-priority ones (Events) only when none waits. */
  private readonly waiters: Array<() => void> = [];
  private readonly lowWaiters: Array<() => void> = [];
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: HttpOptions,
  ) {
    this.tokens = options.burst;
  }

  get server(): string {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    return cluster.server;
  }

  /** request sends one call; a `low` one (an Event) waits behind every normal one for a token. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    priority: 'normal' | 'low' = 'normal',
  ): Promise<T> {
    await this.take(priority);
    this.refuseIfClosed(method, path);
    const res = await this.send(method, path, body, contentType);
    const text = await readAll(res);
    this.options.onRequest?.(method, res.statusCode ?? 0, path);
    const parsed = text ? safeJson(text) : undefined;
    if ((res.statusCode ?? 0) >= 300) {
      const status = parsed as { reason?: string; message?: string } | undefined;
      throw new ApiError(
        res.statusCode ?? 0,
        status?.reason ?? 'Unknown',
        `${method} ${path}: ${res.statusCode} ${status?.message ?? text.slice(0, 200)}`,
        retryAfter(res),
      );
    }
    return parsed as T;
  }

  /** stream opens a watch; it resolves with the response once the server has answered 200. */
  async stream(path: string): Promise<http.IncomingMessage> {
    await this.take();
    this.refuseIfClosed('WATCH', path);
    const res = await this.send('GET', path);
    this.options.onRequest?.('WATCH', res.statusCode ?? 0, path);
    if (res.statusCode !== 200) {
      const text = await readAll(res);
      const status = safeJson(text) as { reason?: string; message?: string } | undefined;
      throw new ApiError(
        res.statusCode ?? 0,
        status?.reason ?? 'Unknown',
        `WATCH ${path}: ${res.statusCode} ${status?.message ?? text.slice(0, 200)}`,
        retryAfter(res),
      );
    }
    return res;
  }

  /** close is final: connections (and requests in flight) end, and every later or waiting request fails. */
  close(): void {
    this.closed = true;
    this.agent.destroy();
    this.plainAgent.destroy();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Waiting requests go on, to fail at refuseIfClosed instead of waiting forever.
    [...this.waiters.splice(0), ...this.lowWaiters.splice(0)].forEach((go) => go());
  }

  private refuseIfClosed(method: string, path: string): void {
    if (this.closed)
      throw new ApiError(0, 'Closed', `${method} ${path}: the client was closed (the operator is stopping)`);
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<http.IncomingMessage> {
    const url = new URL(path, this.server);
    const opts: https.RequestOptions = {
      method,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers: { Accept: 'application/json', 'User-Agent': 'appwithhelpers-operator' },
      agent: url.protocol === 'http:' ? this.plainAgent : this.agent,
    };
    await this.kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined)
      Object.assign(opts.headers!, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) });
    const lib = url.protocol === 'http:' ? http : https;
    // A watch may be quiet for its whole timeoutSeconds; past that (and a margin) its connection is dead.
    const watchSeconds = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    const timeout = watchSeconds ? (watchSeconds + 30) * 1000 : (this.options.timeoutMs ?? 30_000);
    return new Promise((resolve, reject) => {
      const req = lib.request(opts, resolve);
      req.setTimeout(timeout, () => req.destroy(new Error(`no answer in ${timeout / 1000}s`)));
      req.on('error', (err) => {
        this.options.onRequest?.(method, 0, path);
        reject(new ApiError(0, 'Unreachable', `${method} ${path}: ${err.message}`));
      });
      req.end(payload);
    });
  }

  /** take waits for a token: QPS refill, burst capacity, first come first served. */
  /**
   * take waits for a token. A low-priority request (an Event) also leaves half the burst in the
   * bucket for normal ones, so during a burst of work Events wait until it is over: they are for
   * people, and never worth delaying a Pod or a status.
   */
  private take(priority: 'normal' | 'low' = 'normal'): Promise<void> {
    this.refill();
    const free =
      priority === 'normal'
        ? this.waiters.length === 0
        : this.waiters.length === 0 && this.lowWaiters.length === 0 && this.tokens >= 1 + this.reserve;
    if (this.tokens >= 1 && free) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      (priority === 'normal' ? this.waiters : this.lowWaiters).push(resolve);
      this.schedule();
    });
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.options.burst, this.tokens + ((now - this.last) / 1000) * this.options.qps);
    this.last = now;
  }

  private get reserve(): number {
    return Math.floor(this.options.burst / 2);
  }

  private schedule(): void {
    if (this.timer) return;
    const need = this.waiters.length ? 1 : 1 + this.reserve;
    const wait = Math.max(1, Math.ceil(((need - this.tokens) / this.options.qps) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.tokens >= 1 && this.waiters.length) {
        this.tokens -= 1;
        this.waiters.shift()!();
      }
      while (this.tokens >= 1 + this.reserve && this.lowWaiters.length) {
        this.tokens -= 1;
        this.lowWaiters.shift()!();
      }
      if (this.waiters.length || this.lowWaiters.length) this.schedule();
    }, wait);
  }
}

/** Retry-After in seconds (the API server never sends the date form), capped at a minute. */
function retryAfter(res: http.IncomingMessage): number | undefined {
  const header = res.headers['retry-after']?.trim();
  const seconds = header ? Number(header) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 60) * 1000 : undefined;
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
