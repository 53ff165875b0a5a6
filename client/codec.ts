/**
 * Encryption of payloads at rest in Temporal's history, as Temporal documents it: a
 * PayloadCodec on the worker and on every client, so workflow inputs, activity results and
 * signals are stored as AES-256-GCM ciphertext and only holders of the key read them. Off by
 * default; on when ISTIO_UPGRADE_PAYLOAD_KEY holds a base64 32-byte key. The key id travels in
 * each payload's metadata, so a new key can be introduced while old histories stay readable
 * (ISTIO_UPGRADE_PAYLOAD_OLD_KEYS: `id=base64,id=base64`).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const PayloadMessage = proto.temporal.api.common.v1.Payload;

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | null | undefined): string =>
  b === null || b === undefined ? '' : new TextDecoder().decode(b);

export class AesGcmCodec implements PayloadCodec {
  constructor(
    private readonly keyId: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
  ) {
    if (!keys.has(keyId)) throw new Error(`payload codec: no key for key id "${keyId}"`);
    for (const [id, key] of keys)
      if (key.length !== 32) throw new Error(`payload codec: key "${id}" must be 32 bytes, got ${key.length}`);
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.keyId) ?? Buffer.alloc(0);
    return Promise.resolve(
      payloads.map((payload) => {
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        const sealed = Buffer.concat([cipher.update(PayloadMessage.encode(payload).finish()), cipher.final()]);
        return {
          metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID]: text(this.keyId) },
          data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
        };
      }),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((payload) => {
        if (str(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
        const id = str(payload.metadata?.[KEY_ID]);
        const key = this.keys.get(id);
        if (key === undefined) throw new Error(`payload codec: payload encrypted with unknown key id "${id}"`);
        const data = Buffer.from(payload.data ?? new Uint8Array());
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
        decipher.setAuthTag(data.subarray(data.length - 16));
        const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
        return PayloadMessage.decode(plain);
      }),
    );
  }
}

function key(name: string, base64: string): Buffer {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== 32) throw new Error(`${name}: expected a base64 32-byte key, got ${bytes.length} bytes`);
  return bytes;
}

/** The data converter for worker and clients: undefined (Temporal's default, no encryption) unless a key is configured. */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const current = env.ISTIO_UPGRADE_PAYLOAD_KEY;
  if (current === undefined || current === '') return undefined;
  const keyId = env.ISTIO_UPGRADE_PAYLOAD_KEY_ID || 'default';
  const keys = new Map<string, Buffer>([[keyId, key('ISTIO_UPGRADE_PAYLOAD_KEY', current)]]);
  for (const entry of (env.ISTIO_UPGRADE_PAYLOAD_OLD_KEYS ?? '').split(',').filter((e) => e.trim() !== '')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error('ISTIO_UPGRADE_PAYLOAD_OLD_KEYS: expected id=base64 pairs separated by commas');
    keys.set(
      entry.slice(0, eq).trim(),
      key(`ISTIO_UPGRADE_PAYLOAD_OLD_KEYS (${entry.slice(0, eq).trim()})`, entry.slice(eq + 1).trim()),
    );
  }
  return { payloadCodecs: [new AesGcmCodec(keyId, keys)] };
}

type History = proto.temporal.api.history.v1.IHistory;

/**
 * A history as the server stores it, with every payload (inputs, results, signal and Update
 * arguments, summaries) passed back through the codecs, so the report and the rollback read what
 * the worker wrote, encrypted or not. The Temporal client decodes what it returns from queries
 * and results, but not a fetched history. Unencrypted payloads pass through unchanged.
 */
export async function decodeHistory(history: History, dataConverter: DataConverter | undefined): Promise<History> {
  const codecs = dataConverter?.payloadCodecs ?? [];
  if (codecs.length === 0) return history;
  const decode = async (payloads: Payload[]): Promise<Payload[]> => {
    let out = payloads;
    // Codecs run in reverse order on decode, as the SDK does.
    for (const codec of [...codecs].reverse()) out = await codec.decode(out);
    return out;
  };
  const isPayload = (value: unknown): value is Payload =>
    typeof value === 'object' && value !== null && 'metadata' in value && 'data' in value && !Array.isArray(value);
  // In place: the history's timestamps are Long objects whose methods a copy would lose.
  const walk = async (value: unknown): Promise<void> => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (Array.isArray(value)) {
      for (const item of value) await walk(item);
      return;
    }
    const record = value as Record<string, unknown>;
    for (const [key, child] of Object.entries(record)) {
      if (key === 'payloads' && Array.isArray(child) && child.every(isPayload)) record[key] = await decode(child);
      else if (isPayload(child)) [record[key]] = await decode([child]);
      else await walk(child);
    }
  };
  await walk(history);
  return history;
}
