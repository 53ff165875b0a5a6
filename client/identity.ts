/**
 * Who the operator is: `--as`, else ISTIO_UPGRADE_USER (set once in a shell profile), else the
 * login name. It goes into every answer and control payload (the audit trail) and is the Temporal
 * client identity, so the Web UI's history names the same person.
 */
import { userInfo } from 'node:os';

export function operatorName(as: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return as ?? env.ISTIO_UPGRADE_USER ?? userInfo().username;
}
