/**
 * The scenario file: the cluster a test or a demo starts from. Strict objects, so a misspelt
 * field is an error naming its path rather than a silently ignored line.
 */
import { z } from 'zod';
import { faultSchema } from '../faults/fault.js';

const labels = z.record(z.string(), z.string());
const version = z.string().regex(/^v?\d+\.\d+\.\d+$/, 'a version like 1.26.4');
const intOrPercent = z.union([z.int().nonnegative(), z.string().regex(/^\d+%$/)]);

const deployment = z.strictObject({
  name: z.string().min(1),
  replicas: z.int().nonnegative().default(1),
  /** Sim-seconds from pod start to Ready. */
  readySeconds: z.number().nonnegative().optional(),
  labels: labels.optional(),
  podLabels: labels.optional(),
  podAnnotations: labels.optional(),
  image: z.string().optional(),
  maxSurge: intOrPercent.optional(),
  maxUnavailable: intOrPercent.optional(),
  progressDeadlineSeconds: z.int().positive().optional(),
  /** Sim-seconds a deleted pod keeps terminating; Kubernetes' default is 30. */
  terminationGracePeriodSeconds: z.int().nonnegative().optional(),
});

const namespace = z.strictObject({
  name: z.string().min(1),
  labels: labels.optional(),
  deployments: z.array(deployment).default([]),
  /** Ambient waypoints (Gateway API, class istio-waypoint) in this namespace. */
  waypoints: z.array(z.strictObject({ name: z.string().min(1), revision: z.string().optional() })).default([]),
});

const node = z.strictObject({ name: z.string().min(1), labels: labels.optional() });

const istio = z.strictObject({
  installer: z.enum(['istioctl', 'helm', 'sail']),
  mode: z.enum(['sidecar', 'ambient']).default('sidecar'),
  /** The version of the default revision (and of CNI and ztunnel in ambient mode). */
  version,
  namespace: z.string().default('istio-system'),
  /** Revisions beside the default one; for istioctl and helm only. */
  revisions: z.array(z.strictObject({ name: z.string().min(1), version })).default([]),
  /** Whether the default control plane is revision-less (`istiod`) or itself a named revision. */
  defaultRevision: z.string().default('default'),
  tags: z.array(z.strictObject({ name: z.string().min(1), revision: z.string().min(1) })).default([]),
  gateways: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        namespace: z.string().default('istio-system'),
        replicas: z.int().positive().default(1),
        revision: z.string().optional(),
      }),
    )
    .default([]),
  compatibilityVersion: z.string().optional(),
  meshConfig: z.record(z.string(), z.unknown()).optional(),
  sail: z
    .strictObject({
      updateStrategy: z.enum(['InPlace', 'RevisionBased']).default('InPlace'),
      inactiveRevisionDeletionGracePeriodSeconds: z.int().nonnegative().optional(),
      cniNamespace: z.string().default('istio-cni'),
      ztunnelNamespace: z.string().default('ztunnel'),
    })
    .optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  timing: z
    .strictObject({
      podReadySeconds: z.number().nonnegative().default(5),
      jobRunSeconds: z.number().nonnegative().default(3),
    })
    .default({ podReadySeconds: 5, jobRunSeconds: 3 }),
  nodes: z.union([z.int().positive(), z.array(node).min(1)]).default(3),
  istio: istio.optional(),
  namespaces: z.array(namespace).default([]),
  /** Extra manifests created as-is (Roles, PDBs, Telemetry…). */
  objects: z
    .array(z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }) }))
    .default([]),
  rbac: z.strictObject({ enabled: z.boolean().default(false) }).default({ enabled: false }),
  faults: z.array(faultSchema).default([]),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
