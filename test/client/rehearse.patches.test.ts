/**
 * `rehearse` offers each hop's exact istioctl patch: the stand-ins named per minor claim the
 * newest patch the project knows (istioctl-1.27 is 1.27.3), so a 1.27.2 rehearsal would otherwise
 * be refused by the tools check, or install 1.27.3 and fail late.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rehearsalPatches } from '../../client/rehearsal/spec.js';
import { parseSpec } from '../../core/spec/parse.js';
import { SCENARIOS } from '../activities/support/sim.js';
import { rehearsalHarness } from './support/rehearsal.js';

const { dir, rehearse } = rehearsalHarness();

describe('istio-upgrade rehearse with a patch the stand-ins do not claim per minor', () => {
  it('offers the target and every intermediate patch the spec names', () => {
    const parsed = parseSpec({
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' },
      version: { target: 'v1.28.3', intermediate: { '1.27': '1.27.2' } },
      approvals: { approvers: ['alice'] },
    });
    if (!parsed.ok) throw new Error('invalid spec');
    expect(rehearsalPatches(parsed.spec)).toEqual(['1.28.3', '1.27.2']);
  });

  it('rehearses the istioctl canary of sidecar-istioctl-1.26 to 1.27.2 to completion on istioctl-1.27.2', async () => {
    const spec = join(dir(), 'canary-1.27.2.yaml');
    await writeFile(
      spec,
      'install: { method: istioctl, mode: sidecar, strategy: revision }\nversion: { target: 1.27.2 }\napprovals: { approvers: [alice, bob] }\ntimers: { soakAfterControlPlane: 1s, graceBeforeRevisionRemoval: 1s }\n',
    );
    const { exitCode, json } = await rehearse(['-f', spec, '--scenario', SCENARIOS.sidecarIstioctl]);
    expect(json.refusedBy).toEqual([]);
    expect(json.outcome).toBe('completed');
    expect(exitCode).toBe(0);
    expect(json.finalState.revisions).toEqual(['1-27-2@1.27.2']);
  }, 400_000);
});
