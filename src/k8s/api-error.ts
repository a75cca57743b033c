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
