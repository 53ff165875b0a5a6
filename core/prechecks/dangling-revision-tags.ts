/**
 * Catches revision tags that resolve to no running istiod, now or once the plan removes the old
 * revision: pods restarted in the namespaces on such a tag could not be injected.
 */
import type { Finding } from './finding.js';
import type { Precheck } from './precheck.js';

/** A tag pointing at a missing revision makes injection in its namespaces fail. */
export const danglingRevisionTags: Precheck = {
  id: 'dangling-revision-tags',
  title: 'Revision tags that dangle now or would after the old revision is removed',
  run(input) {
    const { inventory, oldRevision, stuckTags } = input.context;
    const revisions = new Set(inventory.controlPlane.revisions.map((revision) => revision.name));
    const findings: Finding[] = [];
    const dangling = inventory.controlPlane.tags.filter((tag) => !revisions.has(tag.revision));
    if (dangling.length > 0) {
      findings.push({
        check: 'dangling-revision-tags',
        severity: 'warn',
        message: 'These revision tags point at revisions that do not run',
        evidence: dangling.map((tag) => `tag ${tag.name} -> ${tag.revision}`),
        remedy: 'Point them at a running revision (istioctl tag set --overwrite) or remove them',
      });
    }
    if (input.removesOldRevision && stuckTags.length > 0) {
      findings.push({
        check: 'dangling-revision-tags',
        severity: 'block',
        message: `Removing revision ${oldRevision} would leave these tags pointing at nothing`,
        evidence: stuckTags.map((tag) => `tag ${tag} -> ${oldRevision}`),
        remedy: 'Bring every namespace on the tag into scope so the tag moves, or keep the old revision',
      });
    }
    return findings;
  },
};
