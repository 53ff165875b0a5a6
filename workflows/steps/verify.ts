/** Every proxy of the moved namespaces and the gateways must run the step's version before the runbook goes on. */
import type { VerifyProxiesStep } from '../../core/plan/steps.js';
import { cluster } from '../activities.js';
import { proxyMismatch } from '../failures.js';
import type { StepContext } from './context.js';

export async function verifyProxies(step: VerifyProxiesStep, context: StepContext): Promise<string> {
  const gateways = context.plan.steps.flatMap((s) =>
    s.kind === 'switch-gateways' ? s.gateways.map((g) => `${g.namespace}/${g.name}`) : [],
  );
  const check = await cluster(`verify proxies run ${step.version}`).checkProxies({
    namespaces: step.namespaces,
    gateways: [...new Set(gateways)],
    version: step.version,
    revision: step.revision,
    exclude: context.spec.scope.exclude,
  });
  if (check.wrongCount > 0)
    throw proxyMismatch(
      `proxies not on ${step.version}${step.revision ? ` from ${step.revision}` : ''}`,
      check.wrong,
      check.wrongCount,
    );
  return `${check.checked} proxies on ${step.version}`;
}
