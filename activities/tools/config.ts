/** Where the worker finds the command-line tools that act on a cluster, and which cluster they act on. */
export type ToolName = 'istioctl' | 'helm';

export interface ToolsConfig {
  /**
   * A folder with one subfolder per Istio version, each holding the tools for it:
   * `<versionsDir>/1.28/istioctl` or `<versionsDir>/1.28.1/istioctl`.
   */
  versionsDir?: string;
  /** Folders searched for `istioctl-1.28`, `istioctl-1.28.1` (and plain `helm`); defaults to PATH. */
  searchPath?: readonly string[];
  /** Upper bound for one call; every call has one. */
  timeoutMs?: number;
  /** Kubeconfig file handed to the tools (`--kubeconfig` and KUBECONFIG): a path, never its contents. */
  kubeconfigPath?: string;
  /**
   * The kubeconfig context the Kubernetes client uses. Every tool call names it: without it a
   * tool acts on the kubeconfig's current context, which may be another cluster.
   */
  context?: string;
  /**
   * The Terraform (or OpenTofu) binary for releases Terraform owns (TERRAFORM_PATH); absent:
   * `terraform`, else `tofu`, on the search path. One binary serves every Istio version.
   */
  terraformPath?: string;
  /** Extra environment for the tools (e.g. a proxy); the worker's own environment is never passed on. */
  env?: Readonly<Record<string, string>>;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 5 * 60_000;

/** The flags that pin a tool to the worker's cluster; helm spells the context flag its own way. */
export function clusterArgs(tool: ToolName, config: ToolsConfig): string[] {
  const args: string[] = [];
  if (config.kubeconfigPath !== undefined) args.push('--kubeconfig', config.kubeconfigPath);
  if (config.context !== undefined) args.push(tool === 'helm' ? '--kube-context' : '--context', config.context);
  return args;
}
