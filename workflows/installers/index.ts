/** The installer for a plan's install method (and owner): the one place that knows them by name. */
import type { ReleaseOwner } from '../../core/plan/steps.js';
import type { InstallMethod } from '../../core/spec/schema.js';
import { helm } from './helm.js';
import type { Installer } from './installer.js';
import { istioctl } from './istioctl.js';
import { gitops } from './gitops.js';
import { sail } from './sail.js';
import { terraform } from './terraform.js';

const ownerInstallers: Record<ReleaseOwner, Installer> = { terraform, gitops };

export function installerFor(method: InstallMethod, owner?: ReleaseOwner): Installer {
  if (owner !== undefined) return ownerInstallers[owner];
  switch (method) {
    case 'istioctl':
      return istioctl;
    case 'helm':
      return helm;
    case 'sail':
      return sail;
  }
}
