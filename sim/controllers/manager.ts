/**
 * Runs controllers the way kube-controller-manager does: store events map to keys, keys queue
 * up de-duplicated, and each key is reconciled against the current state, so a burst of pod
 * updates costs one deployment reconcile. Reconciles that need time to pass re-queue themselves
 * on the sim clock.
 */
import type { SimClock } from '../clock.js';
import type { StoreEvent } from '../api/store.js';
import type { Store } from '../api/store.js';

/** Sim-seconds between resyncs, as an informer's resync period. */
const RESYNC_SIM_SECONDS = 60;
/**
 * Real milliseconds between resyncs at the least. Every key is queued by a store event or by a
 * timer of its own, so a resync only guards against an event no controller listened for, which
 * is no faster in a faster sim; at ×600 a sim minute is 100 ms, and re-reading thousands of
 * Deployments ten times a second kept a large simulator busy even when nothing changed.
 */
const RESYNC_MIN_REAL_MS = 60_000;

export interface Controller {
  readonly name: string;
  /** Keys (usually `namespace/name`) this event should cause to be reconciled. */
  keysFor(event: StoreEvent): string[];
  reconcile(key: string): void;
  /** Every key this controller owns, for the periodic resync. */
  allKeys(): string[];
}

export class ControllerManager {
  private readonly pending = new Map<Controller, Set<string>>();
  private scheduled = false;
  private stopped = false;
  private readonly controllers: Controller[] = [];
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly store: Store,
    readonly clock: SimClock,
  ) {}

  register(...controllers: Controller[]): void {
    this.controllers.push(...controllers);
  }

  start(): void {
    this.unsubscribe = this.store.subscribe((e) => {
      for (const c of this.controllers) for (const key of c.keysFor(e)) this.enqueue(c, key);
    });
    this.resync();
    // A periodic resync catches anything an event did not (like a real informer resync).
    const period = Math.max(RESYNC_SIM_SECONDS, (RESYNC_MIN_REAL_MS / 1000) * this.clock.timeScale);
    this.clock.every(period, () => this.resync());
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
  }

  resync(): void {
    for (const c of this.controllers) for (const key of c.allKeys()) this.enqueue(c, key);
  }

  enqueue(controller: Controller, key: string): void {
    if (this.stopped) return;
    let keys = this.pending.get(controller);
    if (!keys) {
      keys = new Set();
      this.pending.set(controller, keys);
    }
    keys.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  enqueueAfter(controller: Controller, key: string, simSeconds: number): void {
    this.clock.after(simSeconds, () => this.enqueue(controller, key));
  }

  /** True when no reconcile is waiting: used to let a scenario settle before startSim returns. */
  get idle(): boolean {
    return !this.scheduled;
  }

  private flush(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const work = [...this.pending.entries()];
    this.pending.clear();
    for (const [controller, keys] of work) {
      for (const key of keys) {
        try {
          controller.reconcile(key);
        } catch (err) {
          console.error(`sim: ${controller.name} failed to reconcile ${key}:`, err);
        }
      }
    }
  }
}

export function nsKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  const namespace = key.slice(0, i);
  return { namespace: namespace === '' ? undefined : namespace, name: key.slice(i + 1) };
}
