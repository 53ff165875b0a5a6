/**
 * Server-side printing: `kubectl get` asks for a `Table` and prints its cells, so the sim gives
 * the columns a real cluster shows (READY, UP-TO-DATE, STATUS…) for the types people look at.
 */
import { isJsonObject, readPath, type KubeObject } from './object.js';
import { podStatusReason } from './pod-status.js';
import type { ResourceType } from './resources.js';

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').includes('as=Table');
}

interface Column {
  name: string;
  priority?: number;
  cell: (o: KubeObject, now: number) => string | number;
}

function age(o: KubeObject, now: number): string {
  return since(o.metadata.creationTimestamp, now);
}

/** Kubernetes' HumanDuration of the time since `timestamp`. */
function since(timestamp: string | undefined, now: number): string {
  const created = Date.parse(timestamp ?? '');
  if (Number.isNaN(created)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - created) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 3 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const num = (o: KubeObject, path: string): number => {
  const v = readPath(o, path);
  return typeof v === 'number' ? v : 0;
};
const str = (o: KubeObject, path: string): string => {
  const v = readPath(o, path);
  return typeof v === 'string' ? v : '';
};

function condition(o: KubeObject, type: string): string {
  const conds = readPath(o, 'status.conditions');
  if (!Array.isArray(conds)) return 'Unknown';
  const c: unknown = conds.find((x) => isJsonObject(x) && x.type === type);
  return isJsonObject(c) && typeof c.status === 'string' ? c.status : 'Unknown';
}

function podReady(o: KubeObject): string {
  const statuses = readPath(o, 'status.containerStatuses');
  const containers = readPath(o, 'spec.containers');
  const total = Array.isArray(containers) ? containers.length : 0;
  const ready = Array.isArray(statuses) ? statuses.filter((s) => isJsonObject(s) && s.ready === true).length : 0;
  return `${ready}/${total}`;
}

/** RESTARTS as the pod printer shows it: the sum, and how long ago the last container ended (`3 (40s ago)`). */
function podRestarts(o: KubeObject, now: number): string {
  const statuses = readPath(o, 'status.containerStatuses');
  let restarts = 0;
  let last: string | undefined;
  for (const s of Array.isArray(statuses) ? statuses.filter(isJsonObject) : []) {
    if (typeof s.restartCount === 'number') restarts += s.restartCount;
    const lastState = isJsonObject(s.lastState) ? s.lastState : undefined;
    const finished = isJsonObject(lastState?.terminated) ? lastState.terminated.finishedAt : undefined;
    if (typeof finished === 'string' && (last === undefined || finished > last)) last = finished;
  }
  return last === undefined || restarts === 0 ? String(restarts) : `${restarts} (${since(last, now)} ago)`;
}

const name: Column = { name: 'Name', cell: (o) => o.metadata.name };
const ageCol: Column = { name: 'Age', cell: age };

const COLUMNS: Record<string, Column[]> = {
  'apps/deployments': [
    name,
    { name: 'Ready', cell: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}` },
    { name: 'Up-to-date', cell: (o) => num(o, 'status.updatedReplicas') },
    { name: 'Available', cell: (o) => num(o, 'status.availableReplicas') },
    ageCol,
  ],
  '/pods': [
    name,
    { name: 'Ready', cell: podReady },
    { name: 'Status', cell: podStatusReason },
    { name: 'Restarts', cell: podRestarts },
    ageCol,
    { name: 'IP', priority: 1, cell: (o) => str(o, 'status.podIP') || '<none>' },
    { name: 'Node', priority: 1, cell: (o) => str(o, 'spec.nodeName') || '<none>' },
    // As the real server's pod table: `kubectl get pods -o wide` shows both, <none> when unset.
    { name: 'Nominated Node', priority: 1, cell: (o) => str(o, 'status.nominatedNodeName') || '<none>' },
    { name: 'Readiness Gates', priority: 1, cell: () => '<none>' },
  ],
  'apps/daemonsets': [
    name,
    { name: 'Desired', cell: (o) => num(o, 'status.desiredNumberScheduled') },
    { name: 'Current', cell: (o) => num(o, 'status.currentNumberScheduled') },
    { name: 'Ready', cell: (o) => num(o, 'status.numberReady') },
    { name: 'Up-to-date', cell: (o) => num(o, 'status.updatedNumberScheduled') },
    { name: 'Available', cell: (o) => num(o, 'status.numberAvailable') },
    ageCol,
  ],
  'batch/jobs': [
    name,
    {
      name: 'Status',
      cell: (o) =>
        condition(o, 'Complete') === 'True' ? 'Complete' : condition(o, 'Failed') === 'True' ? 'Failed' : 'Running',
    },
    { name: 'Completions', cell: (o) => `${num(o, 'status.succeeded')}/${num(o, 'spec.completions')}` },
    ageCol,
  ],
  '/events': [
    {
      name: 'Last Seen',
      cell: (o, now) => age({ ...o, metadata: { ...o.metadata, creationTimestamp: str(o, 'lastTimestamp') } }, now),
    },
    { name: 'Type', cell: (o) => str(o, 'type') },
    { name: 'Reason', cell: (o) => str(o, 'reason') },
    { name: 'Object', cell: (o) => `${str(o, 'involvedObject.kind').toLowerCase()}/${str(o, 'involvedObject.name')}` },
    { name: 'Message', cell: (o) => str(o, 'message') },
  ],
  '/namespaces': [name, { name: 'Status', cell: (o) => str(o, 'status.phase') }, ageCol],
  '/nodes': [
    name,
    { name: 'Status', cell: (o) => (condition(o, 'Ready') === 'True' ? 'Ready' : 'NotReady') },
    { name: 'Roles', cell: () => '<none>' },
    ageCol,
    { name: 'Version', cell: () => 'v1.33.1' },
  ],
};

const SAIL_COLUMNS: Column[] = [
  name,
  { name: 'Version', cell: (o) => str(o, 'spec.version') },
  { name: 'Ready', cell: (o) => condition(o, 'Ready') },
  { name: 'Status', cell: (o) => str(o, 'status.state') },
  ageCol,
];

export function toTable(t: ResourceType, items: KubeObject[], resourceVersion: string, now: number): unknown {
  const columns = COLUMNS[`${t.group}/${t.plural}`] ?? (t.group === 'sailoperator.io' ? SAIL_COLUMNS : [name, ageCol]);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: 'string',
      format: c.name === 'Name' ? 'name' : '',
      description: c.name,
      priority: c.priority ?? 0,
    })),
    rows: items.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
