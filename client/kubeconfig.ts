/**
 * The one way the CLI loads a kubeconfig: the file of --kubeconfig, else KUBECONFIG or
 * ~/.kube/config as kubectl reads them; then the context of --context, else the file's current
 * one, checked to name a cluster and a user the file defines. Every problem is the operator's to
 * fix, so each is a usage error (exit 2) naming the flag that chooses the file or the context,
 * found before any request rather than as a connection error halfway through a command.
 */
import { access } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { invalidInput, messageOf } from './errors.js';

export interface KubeconfigChoice {
  /** The kubeconfig file; absent: KUBECONFIG, else ~/.kube/config. */
  kubeconfig?: string;
  /** The context; absent: the file's current-context. */
  context?: string;
}

const invalid = (path: '--kubeconfig' | '--context', message: string, cause?: unknown) =>
  invalidInput([{ path, message }], { cause });

function defaultSource(): string {
  const fromEnv = process.env.KUBECONFIG;
  return fromEnv ? `KUBECONFIG=${fromEnv}` : '~/.kube/config';
}

async function loadFile(choice: KubeconfigChoice): Promise<KubeConfig> {
  const kubeConfig = new KubeConfig();
  if (choice.kubeconfig === undefined) {
    try {
      kubeConfig.loadFromDefault();
    } catch (err) {
      throw invalid(
        '--kubeconfig',
        `not given, and the default kubeconfig (${defaultSource()}) cannot be loaded: ${messageOf(err)}`,
        err,
      );
    }
    return kubeConfig;
  }
  const file = choice.kubeconfig;
  await access(file).catch((err: unknown) => {
    throw invalid('--kubeconfig', `cannot read ${file}: ${messageOf(err)}`, err);
  });
  try {
    kubeConfig.loadFromFile(file);
  } catch (err) {
    throw invalid('--kubeconfig', `${file} is not a kubeconfig: ${messageOf(err)}`, err);
  }
  return kubeConfig;
}

/** The kubeconfig with the chosen context current, or a usage error naming --kubeconfig or --context. */
export async function loadKubeConfig(choice: KubeconfigChoice): Promise<KubeConfig> {
  const kubeConfig = await loadFile(choice);
  if (choice.context !== undefined) {
    if (kubeConfig.getContextObject(choice.context) === null)
      throw invalid('--context', `no context "${choice.context}" in the kubeconfig`);
    kubeConfig.setCurrentContext(choice.context);
  }
  // A context from the flag is the flag's problem; the file's current-context is the file's.
  const flag = choice.context === undefined ? '--kubeconfig' : '--context';
  const name = kubeConfig.getCurrentContext();
  if (!name) throw invalid('--kubeconfig', 'the kubeconfig has no current-context; choose a context with --context');
  const context = kubeConfig.getContextObject(name);
  if (context === null)
    throw invalid(
      '--kubeconfig',
      `current-context "${name}" is not among the kubeconfig's contexts; choose one with --context`,
    );
  const which = choice.context === undefined ? `current-context "${name}"` : `context "${name}"`;
  if (kubeConfig.getCluster(context.cluster) === null)
    throw invalid(flag, `${which} names cluster "${context.cluster}", which the kubeconfig does not define`);
  if (!context.user) throw invalid(flag, `${which} names no user`);
  if (kubeConfig.getUser(context.user) === null)
    throw invalid(flag, `${which} names user "${context.user}", which the kubeconfig does not define`);
  return kubeConfig;
}
