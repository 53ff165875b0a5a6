/** The installer for a plan's install method: the one place that knows the methods by name. */
import type { InstallMethod } from '../../core/spec/schema.js';
import { helm } from './helm.js';
import type { Installer } from './installer.js';
import { istioctl } from './istioctl.js';
import { sail } from './sail.js';

export function installerFor(method: InstallMethod): Installer {
  switch (method) {
    case 'istioctl':
      return istioctl;
    case 'helm':
      return helm;
    case 'sail':
      return sail;
  }
}
