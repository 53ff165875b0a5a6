import { describe, expect, it } from 'vitest';
import { istioProxy, versionFromImage } from '../../../activities/kubernetes/images.js';

describe('reading versions from images', () => {
  it.each([
    ['docker.io/istio/proxyv2:1.26.4', '1.26.4'],
    ['gcr.io/istio-release/pilot:1.28.0-distroless', '1.28.0'],
    ['localhost:5000/istio/proxyv2:1.27.1-rc.1', '1.27.1-rc.1'],
    ['istio/proxyv2@sha256:abc', null],
    ['localhost:5000/istio/proxyv2', null],
    ['istio/proxyv2:latest', null],
  ])('%s → %s', (image, version) => {
    expect(versionFromImage(image)).toBe(version);
  });

  it('finds istio-proxy as a native sidecar (init container, restartPolicy Always)', () => {
    const spec = {
      containers: [{ name: 'app' }],
      initContainers: [{ name: 'istio-proxy', image: 'istio/proxyv2:1.27.0', restartPolicy: 'Always' }],
    };
    expect(istioProxy(spec)?.native).toBe(true);
    expect(istioProxy({ containers: [{ name: 'app' }, { name: 'istio-proxy' }] })?.native).toBe(false);
    expect(istioProxy({ containers: [{ name: 'app' }] })).toBeNull();
  });
});
