/**
 * Scrubs credentials out of text that is about to leave the process: failure messages and
 * details (which land in workflow history), logs, and tool stderr. Kubernetes clients and
 * CLIs echo requests back in errors, so anything from them is treated as tainted.
 */

const REDACTED = '[REDACTED]';

const PATTERNS: readonly RegExp[] = [
  // Authorization headers and bearer tokens, however they were quoted.
  /(authorization["']?\s*[:=]\s*["']?)(bearer|basic)\s+[^\s"',}]+/gi,
  /\bbearer\s+[A-Za-z0-9\-._~+/]+=*/gi,
  // Kubeconfig and CLI fields that carry secrets: `token: x`, `"password":"x"`, `--token=x`, `client-key-data: x`.
  /((?:^|[\s{,"'-])(?:token|id-token|refresh-token|access-token|password|client-key-data|client-certificate-data|certificate-authority-data|secret|api-key|apikey)["']?\s*[:=]\s*["']?)[^\s"',}]+/gim,
  // JSON Web Tokens (service account tokens) anywhere, even without a label.
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  // PEM blocks: private keys and certificates.
  /-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g,
];

export function redact(text: string): string {
  let out = text;
  for (const pattern of PATTERNS) {
    out = out.replace(pattern, (match: string, prefix?: string, scheme?: string) => {
      if (typeof prefix === 'string' && typeof scheme === 'string' && /^(bearer|basic)$/i.test(scheme)) {
        return `${prefix}${scheme} ${REDACTED}`;
      }
      return typeof prefix === 'string' ? `${prefix}${REDACTED}` : REDACTED;
    });
  }
  return out;
}

/** Redacts secret-looking arguments (`--token x`, `--token=x`, `--password x`) of a command line. */
export function redactArgs(args: readonly string[]): string[] {
  const secretFlag = /^--?(token|password|client-key|kubeconfig-data|set-string\.?.*password.*)$/i;
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const prev = args[i - 1];
    if (prev !== undefined && secretFlag.test(prev)) {
      out.push(REDACTED);
      continue;
    }
    const eq = arg.indexOf('=');
    if (arg.startsWith('-') && eq > 0 && secretFlag.test(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq + 1)}${REDACTED}`);
      continue;
    }
    out.push(redact(arg));
  }
  return out;
}

/** Keeps the end of long output, where tools print the reason they failed. */
export function tail(text: string, maxChars = 2000): string {
  return text.length <= maxChars ? text : `…${text.slice(text.length - maxChars)}`;
}
