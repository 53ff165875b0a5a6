/**
 * Scrubs credentials out of text that is about to leave the process: failure messages and
 * details (which land in workflow history), logs, and tool stderr. Kubernetes clients and
 * CLIs echo requests back in errors, so anything from them is treated as tainted.
 *
 * Secrets are recognised by the name they are given, whatever its spelling (`apiKey`,
 * `api_key`, `api-key`, `API_KEY`, `x.password`), in every form a name and a value are written
 * together: `k=v`, `k: v`, JSON, `--set k=v`, `--k v`; and by their own shape (bearer tokens,
 * JWTs, PEM blocks, passwords in URLs) when they have no name.
 */

export const REDACTED = '[REDACTED]';

/**
 * Words that make a key name secret once separators and case are gone (`AWS_SECRET_ACCESS_KEY`
 * → `awssecretaccesskey` holds `secret`). Generic words such as `key` alone are left out: they
 * name label keys and file paths far more often than credentials.
 */
const SECRET_WORDS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'signingkey',
  'encryptionkey',
  'sessionkey',
  'credential',
  'authorization',
  'cookie',
  'keydata',
  'certificatedata',
  'connectionstring',
];

export function isSecretKey(name: string): boolean {
  const normalized = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return normalized !== '' && SECRET_WORDS.some((word) => normalized.includes(word));
}

const SHAPES: readonly RegExp[] = [
  // PEM blocks: private keys and certificates.
  /-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g,
  // JSON Web Tokens (service account tokens) anywhere, even without a label.
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];

/** `Bearer x`, `Basic x`: the scheme stays, so a reader still sees which kind was sent. */
const AUTH_SCHEME = /\b(bearer|basic)(\s+)(?!\[REDACTED\])[A-Za-z0-9\-._~+/]+=*/gi;
/** `https://user:password@host`. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^/\s@]+@/gi;
/** A key, possibly quoted (also as `\"` inside a JSON string), then `=` or `:`. */
const ASSIGNMENT = /(\\?["']?)([A-Za-z_][\w.-]*)\1[ \t]*[:=][ \t]*/g;
/** `--password hunter2`: a flag whose name is secret, its value as the next word. */
const FLAG_VALUE = /(^|\s)(--?([A-Za-z][\w.-]*))([ \t]+)(?!-)(\S+)/g;

/** Where the value starting at `start` ends, and where its secret part is: quotes are kept. */
function valueSpan(text: string, start: number): { from: number; to: number } {
  if (text.startsWith('\\"', start)) {
    const end = text.indexOf('\\"', start + 2);
    return { from: start + 2, to: end < 0 ? text.length : end };
  }
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    let i = start + 1;
    while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
    return { from: start + 1, to: Math.min(i, text.length) };
  }
  const bare = /[^\s"',;&}\]\\]*/y;
  bare.lastIndex = start;
  const match = bare.exec(text);
  return { from: start, to: start + (match?.[0].length ?? 0) };
}

function redactAssignments(text: string): string {
  let out = '';
  let copied = 0;
  ASSIGNMENT.lastIndex = 0;
  for (let match = ASSIGNMENT.exec(text); match !== null; match = ASSIGNMENT.exec(text)) {
    if (!isSecretKey(match[2] ?? '')) continue;
    const { from, to } = valueSpan(text, ASSIGNMENT.lastIndex);
    const value = text.slice(from, to);
    // Empty values, nested objects, already redacted values and auth schemes (handled with their token) stay.
    if (value === '' || text.startsWith(REDACTED, from) || /^(bearer|basic)$/i.test(value)) continue;
    out += text.slice(copied, from) + REDACTED;
    copied = to;
    ASSIGNMENT.lastIndex = to;
  }
  return out + text.slice(copied);
}

export function redact(text: string): string {
  let out = text;
  for (const shape of SHAPES) out = out.replace(shape, REDACTED);
  out = out.replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${REDACTED}`);
  out = out.replace(URL_PASSWORD, (_m, prefix: string) => `${prefix}${REDACTED}@`);
  out = redactAssignments(out);
  out = out.replace(
    FLAG_VALUE,
    (match: string, lead: string, flag: string, name: string, space: string, value: string) =>
      isSecretKey(name) && !value.startsWith(REDACTED) && !value.includes('=')
        ? `${lead}${flag}${space}${REDACTED}`
        : match,
  );
  return out;
}

/** Redacts secret arguments of a command line: `--token x`, `--token=x`, `--set a.password=x`. */
export function redactArgs(args: readonly string[]): string[] {
  const isSecretFlag = (arg: string | undefined): boolean =>
    arg !== undefined && /^--?[A-Za-z]/.test(arg) && !arg.includes('=') && isSecretKey(arg.replace(/^--?/, ''));
  return args.map((arg, i) => {
    if (isSecretFlag(args[i - 1]) && !arg.startsWith('-')) return REDACTED;
    const eq = arg.indexOf('=');
    if (/^--?[A-Za-z]/.test(arg) && eq > 0 && isSecretKey(arg.slice(0, eq).replace(/^--?/, '')))
      return `${arg.slice(0, eq + 1)}${REDACTED}`;
    return redact(arg);
  });
}

/** Keeps the end of long output, where tools print the reason they failed. */
export function tail(text: string, maxChars = 2000): string {
  return text.length <= maxChars ? text : `…${text.slice(text.length - maxChars)}`;
}
