// Kubernetes label values: at most 63 characters, alphanumerics with '-', '_' or '.'
// inside, starting and ending with an alphanumeric. Anything else is refused by the API
// server, and the sidecar would then fail the call over and over.

const MAX = 63;

/** `text` as a valid label value: other characters become '_', the ends trimmed to alphanumerics. */
export function labelValue(text: string): string {
  const replaced = text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, MAX);
  return replaced.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}
