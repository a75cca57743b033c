import * as https from 'node:https';
import * as http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError } from './api-error';
import { RateLimiter, type Priority } from './rate-limiter';

export interface HttpOptions {
  qps: number;
  burst: number;
  /** A request without an answer this long is dropped as failed (default 30 s): a dead connection must not hang a worker. */
  timeoutMs?: number;
  /** Called once per request with its verb and status code (0: no answer), for metrics. */
  onRequest?: (verb: string, code: number, path: string) => void;
}

/** How long credentials read from the kubeconfig are used before they are read again. */
const CREDENTIALS_TTL_MS = 10_000;

/**
 * KubeHttp is the operator's one door to the API server: JSON over keep-alive HTTPS, with the
 * kubeconfig's credentials, a client-side token bucket (QPS/burst, as client-go does) and raw
 * bodies, so no field is lost to the 1.28-era models of client-node 0.20.
 */
export class KubeHttp {
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly plainAgent = new http.Agent({ keepAlive: true, maxSockets: 32 }); // `kubectl proxy` speaks http
  private readonly limiter: RateLimiter;
  /** Requests sent and not yet answered: close() cuts them. */
  private readonly inFlight = new Set<http.ClientRequest>();
  private closed = false;
  private credentials?: { at: number; read: Promise<https.RequestOptions> };

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: HttpOptions,
  ) {
    this.limiter = new RateLimiter(options.qps, options.burst);
  }

  /** busy: the client's rate limit is the bottleneck now (see RateLimiter.busy). */
  get busy(): boolean {
    return this.limiter.busy;
  }

  get server(): string {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    return cluster.server;
  }

  /** request sends one call; see Priority for which waits behind which for a token. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    priority: Priority = 'normal',
  ): Promise<T> {
    await this.limiter.take(priority);
    this.refuseIfClosed(method, path);
    const res = await this.send(method, path, body, contentType);
    const text = await readAll(res);
    this.options.onRequest?.(method, res.statusCode ?? 0, path);
    if (res.statusCode === 401) this.credentials = undefined;
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
    await this.limiter.take();
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
    this.inFlight.forEach((req) => req.destroy(new Error('the client was closed (the operator is stopping)')));
    // Waiting requests go on, to fail at refuseIfClosed instead of waiting forever.
    this.limiter.releaseAll();
  }

  /**
   * applyCredentials adds the kubeconfig's TLS material and Authorization header to a request.
   * client-node reads the certificate and key files (or a token file) anew each time it is asked:
   * in a profile at QPS 100 that was 4% of the process's CPU. They are read at most every
   * CREDENTIALS_TTL_MS, and again after a 401 (a token that expired meanwhile), as client-go
   * rereads a token file every minute.
   */
  private async applyCredentials(opts: https.RequestOptions): Promise<void> {
    if (!this.credentials || Date.now() - this.credentials.at > CREDENTIALS_TTL_MS) {
      const applied: https.RequestOptions = { headers: {} };
      const read = this.kc.applyToHTTPSOptions(applied).then(() => applied);
      this.credentials = { at: Date.now(), read };
      // A failed read (an exec plugin, say) is tried again by the next request.
      read.catch(() => {
        if (this.credentials?.read === read) this.credentials = undefined;
      });
    }
    const { headers, ...tls } = await this.credentials.read;
    Object.assign(opts, tls);
    opts.headers = { ...(opts.headers as Record<string, string>), ...(headers as Record<string, string>) };
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
    await this.applyCredentials(opts);
    // Closed while the credentials were read (a deposed leader): this request must not go out.
    this.refuseIfClosed(method, path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined)
      Object.assign(opts.headers!, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) });
    const lib = url.protocol === 'http:' ? http : https;
    // A watch may be quiet for its whole timeoutSeconds; past that (and a margin) its connection is dead.
    const watchSeconds = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    const timeout = watchSeconds ? (watchSeconds + 30) * 1000 : (this.options.timeoutMs ?? 30_000);
    return new Promise((resolve, reject) => {
      const req = lib.request(opts, (res) => {
        this.inFlight.delete(req);
        resolve(res);
      });
      this.inFlight.add(req);
      req.on('close', () => this.inFlight.delete(req));
      req.setTimeout(timeout, () => req.destroy(new Error(`no answer in ${timeout / 1000}s`)));
      req.on('error', (err) => {
        this.options.onRequest?.(method, 0, path);
        reject(new ApiError(0, 'Unreachable', `${method} ${path}: ${err.message}`));
      });
      req.end(payload);
    });
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
