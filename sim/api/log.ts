/**
 * What clients did. The write log makes "nothing was touched" checkable (a plan or a precheck
 * must leave it empty) and the request log counts API calls for the benchmarks. Only requests
 * that arrived over HTTP are recorded; controllers act on the store directly, like kube
 * controllers whose writes a user's audit would attribute to the system, not to the tool.
 */
export type WriteVerb = 'create' | 'update' | 'patch' | 'delete';

export type RequestVerb = WriteVerb | 'get' | 'list' | 'watch' | 'deletecollection' | 'discovery';

export interface WriteLogEntry {
  seq: number;
  verb: WriteVerb;
  group: string;
  version: string;
  /** Plural, e.g. `deployments`. */
  resource: string;
  namespace?: string;
  name: string;
  subresource?: string;
  /** Sim time, RFC 3339. */
  time: string;
  user: string;
}

export interface RequestLogEntry {
  seq: number;
  method: string;
  path: string;
  /** The query string as sent (`?limit=500&continue=…`), empty when none. */
  query: string;
  /** The client asked for metadata only (a PartialObjectMetadataList): no data, spec or status was sent. */
  metadataOnly?: boolean;
  verb: RequestVerb;
  group?: string;
  version?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** HTTP status code sent (200 for a watch that started). */
  code: number;
  user?: string;
  time: string;
}

export type RequestFilter = Partial<
  Pick<RequestLogEntry, 'verb' | 'resource' | 'namespace' | 'name' | 'subresource' | 'code' | 'method'>
>;

export function matchesFilter(entry: RequestLogEntry, filter: RequestFilter): boolean {
  return (Object.keys(filter) as Array<keyof RequestFilter>).every((k) => filter[k] === entry[k]);
}
