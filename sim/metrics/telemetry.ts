/**
 * The mesh's telemetry as one scrape endpoint: what every proxy in the cluster would expose,
 * gathered in one place (as a Prometheus federating them would see it). Counting starts at the
 * first scrape, so a simulator nobody scrapes (benchmarks, most tests) pays nothing for it.
 *
 * Traffic is integrated piecewise: when a pod, Deployment, Service or namespace changes, the
 * time up to that change is counted with the flows that held until then, and the flows are
 * worked out again once the burst of changes is over (the next turn of the event loop).
 */
import { T, type ResourceType } from '../api/resources.js';
import type { Store } from '../api/store.js';
import type { SimClock } from '../clock.js';
import type { FaultSet } from '../faults/fault-set.js';
import { MeshCounters } from './counters.js';
import { render } from './exposition.js';
import { currentFlows, runningProxies, type Flow } from './traffic.js';

const WATCHED: readonly ResourceType[] = [T.pods, T.deployments, T.services, T.namespaces];

export class MeshTelemetry {
  private readonly counters = new MeshCounters();
  private flows: Flow[] = [];
  private countedTo: number | undefined;
  /** The flows no longer match the cluster: a change happened since they were worked out. */
  private stale = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: SimClock,
    private readonly faults: FaultSet,
  ) {}

  /** The exposition text of every series now. */
  scrape(): string {
    if (this.countedTo === undefined) this.begin();
    this.countUpToNow();
    this.refresh();
    return render(this.counters, runningProxies(this.store));
  }

  /** Something outside the store changed the flows (a fault switched on or off). */
  invalidate(): void {
    if (this.countedTo === undefined) return;
    this.countUpToNow();
    this.queueRefresh();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private begin(): void {
    this.countedTo = this.clock.now();
    this.flows = currentFlows(this.store, this.faults);
    this.unsubscribe = this.store.subscribe((e) => {
      // The first change of a burst closes the interval of the flows that held until then.
      if (this.stale || !WATCHED.includes(e.resourceType)) return;
      this.countUpToNow();
      this.queueRefresh();
    });
  }

  private countUpToNow(): void {
    const now = this.clock.now();
    this.counters.add(this.flows, (now - (this.countedTo ?? now)) / 1000);
    this.countedTo = now;
  }

  private queueRefresh(): void {
    if (this.stale) return;
    this.stale = true;
    setImmediate(() => {
      if (this.unsubscribe === undefined) return;
      this.countUpToNow();
      this.refresh();
    });
  }

  private refresh(): void {
    if (!this.stale) return;
    this.stale = false;
    this.flows = currentFlows(this.store, this.faults);
  }
}
