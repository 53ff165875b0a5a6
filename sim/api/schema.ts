/**
 * The fields of the built-in kinds a new user creates with kubectl (`create namespace`,
 * `create deployment`, `run`, `create configmap|secret|serviceaccount`), with their JSON names and
 * their numbers in k8s.io/api's generated.proto. One table serves two purposes a real API server
 * gets from its Go types:
 *
 * - decoding the Kubernetes protobuf that kubectl's typed clients send (protobuf.ts);
 * - `fieldValidation` (field-validation.ts): a field a schema does not list is unknown, so Strict
 *   rejects it and Warn/Ignore drop it, as decoding into a Go struct drops it.
 *
 * A schema is closed where it is listed field by field. Parts the sim does not model in detail
 * (probes, volumes, security contexts, affinity) are `open`: validation does not look inside
 * them, and the protobuf decoder refuses them when they carry data rather than guess.
 */

export type Scalar = 'string' | 'int32' | 'int64' | 'bool' | 'bytes';

export type FieldType =
  | Scalar
  /** resource.Quantity: `message Quantity { optional string string = 1; }`, a string in JSON. */
  | 'quantity'
  /** intstr.IntOrString: type = 1 (0 int, 1 string), intVal = 2, strVal = 3. */
  | 'intstr'
  /** metav1.Time: seconds = 1, nanos = 2; RFC 3339 in JSON, omitted when zero. */
  | 'time'
  /** A field the sim keeps as sent without modelling its inside. */
  | 'open'
  /** Ignored on write (a kind's `status` sent with a create): not decoded, not validated. */
  | 'skip'
  | MessageSchema;

export interface FieldSchema {
  /** Field number in generated.proto; 0 when only its JSON name is known to the sim. */
  no: number;
  type: FieldType;
  repeated?: boolean;
  /** A `map<string, V>`: `type` is V. */
  map?: boolean;
  /** A Go pointer: its zero value is sent and kept (replicas: 0), not dropped as empty. */
  pointer?: boolean;
}

export interface MessageSchema {
  name: string;
  fields: Record<string, FieldSchema>;
}

const f = (no: number, type: FieldType, extra: Omit<FieldSchema, 'no' | 'type'> = {}): FieldSchema => ({
  no,
  type,
  ...extra,
});
const list = (no: number, type: FieldType): FieldSchema => f(no, type, { repeated: true });
const map = (no: number, type: FieldType): FieldSchema => f(no, type, { map: true });
const ptr = (no: number, type: FieldType): FieldSchema => f(no, type, { pointer: true });

const ownerReference: MessageSchema = {
  name: 'OwnerReference',
  fields: {
    kind: f(1, 'string'),
    name: f(3, 'string'),
    uid: f(4, 'string'),
    apiVersion: f(5, 'string'),
    controller: ptr(6, 'bool'),
    blockOwnerDeletion: ptr(7, 'bool'),
  },
};

export const objectMeta: MessageSchema = {
  name: 'ObjectMeta',
  fields: {
    name: f(1, 'string'),
    generateName: f(2, 'string'),
    namespace: f(3, 'string'),
    selfLink: f(4, 'string'),
    uid: f(5, 'string'),
    resourceVersion: f(6, 'string'),
    generation: f(7, 'int64'),
    creationTimestamp: f(8, 'time'),
    deletionTimestamp: f(9, 'time'),
    deletionGracePeriodSeconds: ptr(10, 'int64'),
    labels: map(11, 'string'),
    annotations: map(12, 'string'),
    ownerReferences: list(13, ownerReference),
    finalizers: list(14, 'string'),
    managedFields: list(17, 'open'),
  },
};

const labelSelector: MessageSchema = {
  name: 'LabelSelector',
  fields: {
    matchLabels: map(1, 'string'),
    matchExpressions: list(2, {
      name: 'LabelSelectorRequirement',
      fields: { key: f(1, 'string'), operator: f(2, 'string'), values: list(3, 'string') },
    }),
  },
};

const containerPort: MessageSchema = {
  name: 'ContainerPort',
  fields: {
    name: f(1, 'string'),
    hostPort: f(2, 'int32'),
    containerPort: f(3, 'int32'),
    protocol: f(4, 'string'),
    hostIP: f(5, 'string'),
  },
};

const envVar: MessageSchema = {
  name: 'EnvVar',
  fields: { name: f(1, 'string'), value: f(2, 'string'), valueFrom: ptr(3, 'open') },
};

const resourceRequirements: MessageSchema = {
  name: 'ResourceRequirements',
  fields: { limits: map(1, 'quantity'), requests: map(2, 'quantity'), claims: list(3, 'open') },
};

const container: MessageSchema = {
  name: 'Container',
  fields: {
    name: f(1, 'string'),
    image: f(2, 'string'),
    command: list(3, 'string'),
    args: list(4, 'string'),
    workingDir: f(5, 'string'),
    ports: list(6, containerPort),
    env: list(7, envVar),
    resources: f(8, resourceRequirements),
    volumeMounts: list(9, 'open'),
    livenessProbe: ptr(10, 'open'),
    readinessProbe: ptr(11, 'open'),
    lifecycle: ptr(12, 'open'),
    terminationMessagePath: f(13, 'string'),
    imagePullPolicy: f(14, 'string'),
    securityContext: ptr(15, 'open'),
    stdin: f(16, 'bool'),
    stdinOnce: f(17, 'bool'),
    tty: f(18, 'bool'),
    envFrom: list(19, 'open'),
    terminationMessagePolicy: f(20, 'string'),
    volumeDevices: list(21, 'open'),
    startupProbe: ptr(22, 'open'),
    resizePolicy: list(23, 'open'),
    restartPolicy: ptr(24, 'string'),
    restartPolicyRules: list(25, 'open'),
  },
};

export const podSpec: MessageSchema = {
  name: 'PodSpec',
  fields: {
    volumes: list(1, 'open'),
    containers: list(2, container),
    restartPolicy: f(3, 'string'),
    terminationGracePeriodSeconds: ptr(4, 'int64'),
    activeDeadlineSeconds: ptr(5, 'int64'),
    dnsPolicy: f(6, 'string'),
    nodeSelector: map(7, 'string'),
    serviceAccountName: f(8, 'string'),
    serviceAccount: f(9, 'string'),
    nodeName: f(10, 'string'),
    hostNetwork: f(11, 'bool'),
    hostPID: f(12, 'bool'),
    hostIPC: f(13, 'bool'),
    securityContext: ptr(14, 'open'),
    imagePullSecrets: list(15, 'open'),
    hostname: f(16, 'string'),
    subdomain: f(17, 'string'),
    affinity: ptr(18, 'open'),
    schedulerName: f(19, 'string'),
    initContainers: list(20, container),
    automountServiceAccountToken: ptr(21, 'bool'),
    tolerations: list(22, 'open'),
    hostAliases: list(23, 'open'),
    priorityClassName: f(24, 'string'),
    priority: ptr(25, 'int32'),
    dnsConfig: ptr(26, 'open'),
    shareProcessNamespace: ptr(27, 'bool'),
    readinessGates: list(28, 'open'),
    runtimeClassName: ptr(29, 'string'),
    enableServiceLinks: ptr(30, 'bool'),
    preemptionPolicy: ptr(31, 'string'),
    overhead: map(32, 'quantity'),
    topologySpreadConstraints: list(33, 'open'),
    ephemeralContainers: list(34, 'open'),
    setHostnameAsFQDN: ptr(35, 'bool'),
    os: ptr(36, 'open'),
    hostUsers: ptr(37, 'bool'),
    schedulingGates: list(38, 'open'),
    resourceClaims: list(39, 'open'),
    resources: ptr(40, 'open'),
    hostnameOverride: ptr(41, 'string'),
  },
};

const podTemplateSpec: MessageSchema = {
  name: 'PodTemplateSpec',
  fields: { metadata: f(1, objectMeta), spec: f(2, podSpec) },
};

const intOrStringPtr = (no: number): FieldSchema => ptr(no, 'intstr');

const deploymentSpec: MessageSchema = {
  name: 'DeploymentSpec',
  fields: {
    replicas: ptr(1, 'int32'),
    selector: ptr(2, labelSelector),
    template: f(3, podTemplateSpec),
    strategy: f(4, {
      name: 'DeploymentStrategy',
      fields: {
        type: f(1, 'string'),
        rollingUpdate: ptr(2, {
          name: 'RollingUpdateDeployment',
          fields: { maxUnavailable: intOrStringPtr(1), maxSurge: intOrStringPtr(2) },
        }),
      },
    }),
    minReadySeconds: f(5, 'int32'),
    revisionHistoryLimit: ptr(6, 'int32'),
    paused: f(7, 'bool'),
    rollbackTo: ptr(8, 'open'),
    progressDeadlineSeconds: ptr(9, 'int32'),
  },
};

/** Every kind's top level: TypeMeta inline (JSON only: protobuf carries it in the envelope), then the kind's own fields. */
function kind(name: string, fields: Record<string, FieldSchema>): MessageSchema {
  return { name, fields: { apiVersion: f(0, 'string'), kind: f(0, 'string'), metadata: f(1, objectMeta), ...fields } };
}

/** Schemas by `group/plural`; kinds not listed here are open (custom resources and the rest). */
export const KIND_SCHEMAS: ReadonlyMap<string, MessageSchema> = new Map([
  [
    '/namespaces',
    kind('Namespace', {
      spec: f(2, { name: 'NamespaceSpec', fields: { finalizers: list(1, 'string') } }),
      status: f(3, 'skip'),
    }),
  ],
  ['apps/deployments', kind('Deployment', { spec: f(2, deploymentSpec), status: f(3, 'skip') })],
  ['/pods', kind('Pod', { spec: f(2, podSpec), status: f(3, 'skip') })],
  [
    '/configmaps',
    kind('ConfigMap', { data: map(2, 'string'), binaryData: map(3, 'bytes'), immutable: ptr(4, 'bool') }),
  ],
  [
    '/secrets',
    kind('Secret', {
      data: map(2, 'bytes'),
      type: f(3, 'string'),
      stringData: map(4, 'string'),
      immutable: ptr(5, 'bool'),
    }),
  ],
  [
    '/serviceaccounts',
    kind('ServiceAccount', {
      secrets: list(2, 'open'),
      imagePullSecrets: list(3, 'open'),
      automountServiceAccountToken: ptr(4, 'bool'),
    }),
  ],
]);
