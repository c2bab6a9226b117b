// Header names arrive in any case (API Gateway passes them on as the client sent them).
export function header(event: { headers?: Record<string, string | undefined> }, name: string): string | undefined {
  const headers = event.headers ?? {};
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found ? headers[found] : undefined;
}
