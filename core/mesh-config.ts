import type { JsonObject, JsonValue, MeshConfig } from './inventory.js';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Summarises a parsed mesh config (the YAML under key `mesh` of ConfigMap `istio[-<rev>]`, parsed
 * by the reader) into what the prechecks need. Lives in core so the reader and the tests agree
 * on what "a Lightstep provider" means.
 */
export function summarizeMeshConfig(raw: JsonObject): MeshConfig {
  const providers = Array.isArray(raw.extensionProviders) ? raw.extensionProviders : [];
  const extensionProviders = providers.filter(isObject).map((provider) => ({
    name: typeof provider.name === 'string' ? provider.name : '',
    kind: Object.keys(provider).find((key) => key !== 'name') ?? 'unknown',
  }));
  const defaultConfig = isObject(raw.defaultConfig) ? raw.defaultConfig : {};
  const metadata = isObject(defaultConfig.proxyMetadata) ? defaultConfig.proxyMetadata : {};
  const proxyMetadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      proxyMetadata[key] = String(value);
  }
  return { extensionProviders, proxyMetadata, raw };
}
