/** Drops user:password from a URL before it goes into a message or a description. */
export function redactUrl(spec: string): string {
  return spec.replace(/\/\/[^@/]*@/, '//***@');
}
