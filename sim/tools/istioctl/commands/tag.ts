/**
 * `istioctl tag set|list|remove`: revision tags are MutatingWebhookConfigurations labelled
 * `istio.io/tag` and `istio.io/rev`, which is what the injector resolves a namespace's
 * `istio.io/rev=<tag>` through. Moving a tag moves injection for every namespace using it.
 */
import type { V1Namespace } from '@kubernetes/client-node';
import { tagWebhook } from '../../../istio/manifests.js';
import { tabwrite } from '../../cli/table.js';
import { ToolError } from '../../cli/tool-error.js';
import { controlPlanes, revisionTags } from '../../istio/cluster.js';
import type { Kube } from '../../kube/connect.js';
import { applyObject, deleteObject } from '../../kube/objects.js';
import { REVISION, SKIP_CONFIRMATION, type Command } from '../command.js';

/** Namespaces whose injection goes through the tag (the `default` tag also serves istio-injection=enabled). */
async function namespacesUsing(kube: Kube, tag: string): Promise<string[]> {
  const list = await kube.core.listNamespace();
  const uses = (ns: V1Namespace): boolean => {
    const labels = ns.metadata?.labels ?? {};
    if (labels['istio-injection'] !== undefined) return tag === 'default' && labels['istio-injection'] === 'enabled';
    return labels['istio.io/rev'] === tag;
  };
  return list.items
    .filter(uses)
    .map((n) => n.metadata?.name ?? '')
    .sort();
}

export const tagSetCommand: Command = {
  path: ['tag', 'set'],
  summary: 'Create or modify revision tags',
  flags: [
    REVISION,
    SKIP_CONFIRMATION,
    { name: 'overwrite', kind: 'bool', help: 'If true, allow revision tags to be overwritten' },
    { name: 'webhook-name', kind: 'string', help: 'Name to use for a revision tag webhook configuration' },
  ],
  run: async (ctx, flags) => {
    const [tag, ...extra] = flags.positionals;
    if (tag === undefined || extra.length > 0) throw new ToolError('must provide a tag for modification');
    const revision = flags.string('revision');
    if (revision === undefined || revision === '')
      throw new ToolError('revision to point tag to must be specified (--revision)');
    const kube = ctx.kube();
    const cps = await controlPlanes(kube, ctx.istioNamespace);
    // The revision-less istiod is the revision `default`, yet `tag set default` is exactly how Istio's
    // canary guide moves off it: istioctl then takes over default injection from its webhook.
    if (tag !== 'default' && cps.some((c) => c.revision === tag))
      throw new ToolError(`cannot create revision tag "${tag}": found existing control plane revision with same name`);
    const target = cps.find((c) => c.revision === revision);
    if (!target) throw new ToolError(`cannot find MutatingWebhookConfiguration with revision "${revision}"`);
    const current = (await revisionTags(kube)).get(tag);
    if (current !== undefined && current !== revision) {
      if (!flags.bool('overwrite'))
        throw new ToolError(`revision tag "${tag}" already exists, and --overwrite is false`);
      const users = await namespacesUsing(kube, tag);
      if (users.length > 0 && !flags.bool('skip-confirmation')) {
        throw new ToolError(
          `revision tag "${tag}" is used by namespaces [${users.join(' ')}]; their new pods will be injected by revision "${revision}". Use --skip-confirmation (-y) to proceed`,
        );
      }
    }
    await applyObject(
      kube,
      tagWebhook(tag, { revision, version: target.version, namespace: ctx.istioNamespace, installer: 'istioctl' }),
    );
  },
};

export const tagListCommand: Command = {
  path: ['tag', 'list'],
  aliases: [['tag', 'ls']],
  summary: 'List existing revision tags',
  flags: [{ name: 'output', short: 'o', kind: 'string', help: 'Output format' }],
  run: async (ctx) => {
    const kube = ctx.kube();
    const tags = [...(await revisionTags(kube)).entries()].sort(([a], [b]) => a.localeCompare(b));
    const rows = await Promise.all(
      tags.map(async ([tag, rev]) => [tag, rev, (await namespacesUsing(kube, tag)).join(',')]),
    );
    process.stdout.write(tabwrite([['TAG', 'REVISION', 'NAMESPACES'], ...rows], 1));
  },
};

export const tagRemoveCommand: Command = {
  path: ['tag', 'remove'],
  summary: 'Remove Istio control plane revision tag',
  flags: [SKIP_CONFIRMATION],
  run: async (_ctx, flags) => {
    const [tag, ...extra] = flags.positionals;
    if (tag === undefined || extra.length > 0) throw new ToolError('must provide a single tag for removal');
    const kube = _ctx.kube();
    const hooks = await kube.admission.listMutatingWebhookConfiguration({ labelSelector: `istio.io/tag=${tag}` });
    if (hooks.items.length === 0)
      throw new ToolError(`cannot remove tag "${tag}": cannot find MutatingWebhookConfiguration for tag "${tag}"`);
    const users = await namespacesUsing(kube, tag);
    if (users.length > 0 && !flags.bool('skip-confirmation')) {
      throw new ToolError(
        `cannot remove tag "${tag}": tag is in use by namespaces [${users.join(' ')}]; use --skip-confirmation (-y) to remove it anyway`,
      );
    }
    for (const w of hooks.items)
      await deleteObject(
        kube,
        'admissionregistration.k8s.io/v1',
        'MutatingWebhookConfiguration',
        w.metadata?.name ?? '',
      );
    process.stdout.write(`Revision tag ${tag} removed\n`);
  },
};
