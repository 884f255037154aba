/**
 * The external sending API: `POST {url}/send/{id}` with `{"id","phone","text"}` and a Bearer
 * token; only HTTP 200 with `{"code":0,"message":"OK"}` is success. A circuit breaker
 * (cockatiel) stops calls during an outage: an open circuit, an unreachable, overloaded or
 * silent provider are `UnavailableError`s, so the consumer holds its messages instead of
 * spending deliveries; a provider that answers but refuses or garbles is a plain retryable error.
 */
import {
  breaker,
  CircuitState,
  errorMessage,
  isBrokenCircuitError,
  type Metrics,
  UnavailableError,
} from "@flotilla/backbone";

export interface ProviderOptions {
  url: string;
  token: string;
  timeoutMs: number;
  breakerThreshold: number;
  breakerHalfOpenMs: number;
  metrics: Metrics;
}

export interface OutgoingMessage {
  id: number;
  phone: number;
  text: string;
}

/** The provider answered, but not with success. Retried with backoff; counts a delivery. */
export class ProviderError extends Error {
  override readonly name = "ProviderError";
}

export class ProviderClient {
  readonly #o: ProviderOptions;
  readonly #breaker;
  readonly #latency;
  #openedAt = 0;

  constructor(options: ProviderOptions) {
    this.#o = { ...options, url: options.url.replace(/\/+$/, "") };
    this.#breaker = breaker({
      threshold: options.breakerThreshold,
      halfOpenAfterMs: options.breakerHalfOpenMs,
    });
    const m = options.metrics;
    this.#latency = m.histogram(
      "mailer_provider_request_seconds",
      "Provider call duration by outcome (ok, rejected, unavailable)",
      ["outcome"],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    m.breaker("mailer_provider", () => this.#breaker.state);
    const transitions = m.counter(
      "mailer_provider_breaker_transitions_total",
      "Provider circuit breaker state changes, by the state entered",
      ["state"],
    );
    this.#breaker.onStateChange((s) => {
      if (s === CircuitState.Open) this.#openedAt = Date.now();
      transitions.labels({ state: CircuitState[s].toLowerCase() }).inc();
    });
  }

  /**
   * True while the breaker refuses calls. cockatiel moves to half-open only on a call, so once
   * the half-open delay has passed this says false and the next call is the trial.
   */
  get circuitOpen(): boolean {
    return this.#breaker.state === CircuitState.Open &&
      Date.now() - this.#openedAt < this.#o.breakerHalfOpenMs;
  }

  /** Sends one message. */
  async send(message: OutgoingMessage): Promise<void> {
    const started = performance.now();
    let outcome = "ok";
    try {
      await this.#breaker.execute(() => this.#call(message));
    } catch (err) {
      if (isBrokenCircuitError(err)) {
        outcome = "";
        throw new UnavailableError("Cannot send: the provider circuit is open", { cause: err });
      }
      outcome = err instanceof UnavailableError ? "unavailable" : "rejected";
      throw err;
    } finally {
      if (outcome) {
        this.#latency.labels({ outcome }).observe((performance.now() - started) / 1000);
      }
    }
  }

  async #call(message: OutgoingMessage): Promise<void> {
    const timeoutMs = this.#o.timeoutMs;
    let res: Response;
    let body: string;
    try {
      res = await fetch(`${this.#o.url}/send/${message.id}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${this.#o.token}`,
        },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await res.text();
    } catch (err) {
      const timedOut = err instanceof DOMException && err.name === "TimeoutError";
      throw new UnavailableError(
        timedOut
          ? `Cannot send message ${message.id}: the provider did not answer within ${timeoutMs} ms`
          : `Cannot send message ${message.id}: the provider is unreachable (${errorMessage(err)})`,
        { cause: err },
      );
    }
    if (res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504) {
      throw new UnavailableError(
        `Cannot send message ${message.id}: the provider is unavailable (HTTP ${res.status})`,
      );
    }
    if (res.status !== 200) {
      throw new ProviderError(
        `Cannot send message ${message.id}: the provider answered HTTP ${res.status}: ${
          body.slice(0, 200)
        }`,
      );
    }
    let parsed: { code?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ProviderError(
        `Cannot send message ${message.id}: the provider answered malformed JSON: ${
          body.slice(0, 200)
        }`,
      );
    }
    if (parsed?.code !== 0 || parsed?.message !== "OK") {
      throw new ProviderError(
        `Cannot send message ${message.id}: the provider did not confirm: ${body.slice(0, 200)}`,
      );
    }
  }
}
