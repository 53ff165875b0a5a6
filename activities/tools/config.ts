/** Where the worker finds the command-line tools that act on a cluster. */
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
  /** Kubeconfig file handed to the tools through KUBECONFIG: a path, never its contents. */
  kubeconfigPath?: string;
  /** Extra environment for the tools (proxy settings, HOME for helm caches). */
  env?: Readonly<Record<string, string>>;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 5 * 60_000;
