/**
 * API errors as Kubernetes `Status` objects, with the reasons and message wording of the real
 * API server: clients (kubectl, client-node, our activities) branch on `code` and `reason`.
 */
import { qualifiedName, type ResourceType } from './resources.js';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Forbidden'
  | 'Unauthorized'
  | 'Invalid'
  | 'BadRequest'
  | 'Expired'
  | 'Gone'
  | 'TooManyRequests'
  | 'InternalError'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'ServiceUnavailable';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): StatusObject {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

function detailsOf(t: ResourceType, name: string): StatusDetails {
  return { name, group: t.group, kind: t.plural };
}

export const errors = {
  notFound: (t: ResourceType, name: string) =>
    new ApiError(404, 'NotFound', `${qualifiedName(t)} "${name}" not found`, detailsOf(t, name)),
  alreadyExists: (t: ResourceType, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualifiedName(t)} "${name}" already exists`, detailsOf(t, name)),
  conflict: (t: ResourceType, name: string) =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedName(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      detailsOf(t, name),
    ),
  invalid: (t: ResourceType, name: string, why: string) =>
    new ApiError(
      422,
      'Invalid',
      `${t.kind}.${t.group ? `${t.group} ` : ''}"${name}" is invalid: ${why}`,
      detailsOf(t, name),
    ),
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  expired: (message: string) => new ApiError(410, 'Expired', message),
  notFoundPath: (path: string) =>
    new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`),
  methodNotAllowed: (method: string) =>
    new ApiError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (${method})`,
    ),
  unsupportedMediaType: (type: string) =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${type})`,
    ),
  jsonPatchFailed: (path: string, why = 'missing path') =>
    new ApiError(
      422,
      'Invalid',
      `the server rejected our request due to an error in our request: jsonpatch ${why}: ${path}`,
    ),
  notFoundNamespace: (ns: string) =>
    new ApiError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' }),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
};
