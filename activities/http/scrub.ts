/**
 * Credential scrubbing for anything that leaves a client as text: failure messages, upstream
 * messages echoed back, URLs. An upstream may echo a request back (a proxy's error page, a
 * validation message quoting the body), so the known secret values are removed wherever they
 * appear, and so are the shapes credentials take on the wire even when the value is not known.
 */

const REDACTED = '[redacted]';

/** Patterns for credentials whose value the client may not know (another user's, a new session). */
const CREDENTIAL_PATTERNS: [RegExp, string][] = [
  [/\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)[^"'\r\n,}]+/gi, `$1$2${REDACTED}`],
  [/\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\b(cookie|set-cookie)(["']?\s*[:=]\s*["']?)[^"'\r\n}]+/gi, `$1$2${REDACTED}`],
  [
    /\b(APIC-cookie|vmware-api-session-id|sessionid|session_id|sessionId)(["']?\s*[:=]\s*["']?)[^"'\s;,}&]+/gi,
    `$1$2${REDACTED}`,
  ],
  [
    /\b(password|passwd|pwd|secret|token|refresh_token|api[_-]?key)(["']?\s*[:=]\s*["']?)[^"'\s;,}&]+/gi,
    `$1$2${REDACTED}`,
  ],
  // TFE archivist URLs (`/_archivist/v1/object/…` on TFE, `archivist…/v1/object/…` on HCP) carry their secret in the path.
  [/(\/(?:_archivist\/)?v1\/object\/)[^\s"'?]+/gi, `$1${REDACTED}`],
];

/** Removes `secrets` (exact values, and their base64 and URL-encoded forms) and credential shapes. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([
      secret,
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
    ])) {
      out = out.split(form).join(REDACTED);
    }
  }
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Upstream messages are kept short in failures: history payloads and logs are not a dump. */
export function truncate(text: string, max = 2000): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
