/**
 * Simulated time. Controllers schedule everything (readiness, job durations, grace periods,
 * progress deadlines) in sim-seconds; a timeScale of 60 makes a 10-minute rollout take 10 real
 * seconds, so tests and demos can run long runbooks quickly while the logic stays the same.
 */
export interface SimTimer {
  readonly dueAt: number;
}

export class SimClock {
  private readonly realStart = Date.now();
  private readonly timers = new Map<SimTimer, NodeJS.Timeout>();

  constructor(readonly timeScale = 1) {
    if (!(timeScale > 0)) throw new Error(`timeScale must be > 0, got ${timeScale}`);
  }

  /** Sim epoch milliseconds; starts at the real wall clock so timestamps look plausible. */
  now(): number {
    return this.realStart + (Date.now() - this.realStart) * this.timeScale;
  }

  iso(): string {
    return new Date(Math.floor(this.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }

  /** Runs `fn` after `simSeconds` of simulated time. */
  after(simSeconds: number, fn: () => void): SimTimer {
    const timer: SimTimer = { dueAt: this.now() + simSeconds * 1000 };
    const realMs = Math.max(0, (simSeconds * 1000) / this.timeScale);
    const handle = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, realMs);
    this.timers.set(timer, handle);
    return timer;
  }

  every(simSeconds: number, fn: () => void): SimTimer {
    const timer: SimTimer = { dueAt: Number.POSITIVE_INFINITY };
    const handle = setInterval(fn, Math.max(1, (simSeconds * 1000) / this.timeScale));
    this.timers.set(timer, handle);
    return timer;
  }

  cancel(timer: SimTimer | undefined): void {
    if (!timer) return;
    const handle = this.timers.get(timer);
    if (handle) {
      clearTimeout(handle);
      clearInterval(handle);
    }
    this.timers.delete(timer);
  }

  /** Real milliseconds that correspond to `simSeconds`. */
  realMs(simSeconds: number): number {
    return (simSeconds * 1000) / this.timeScale;
  }

  stop(): void {
    for (const handle of this.timers.values()) {
      clearTimeout(handle);
      clearInterval(handle);
    }
    this.timers.clear();
  }
}
