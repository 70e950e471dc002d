// Command output conventions: exactly one JSON object on stdout; progress and logs on stderr.
export function printSummary(summary: unknown): void {
  process.stdout.write(
    JSON.stringify(summary, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)) + '\n',
  );
}

/** A progress reporter that writes at most one line per interval to stderr. */
export function progressReporter(label: string, intervalMs = 1000): (fields: Record<string, number | string>) => void {
  let last = 0;
  return (fields) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    const text = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
      .join(' ');
    process.stderr.write(`[${label}] ${text}\n`);
  };
}

export function parsePositiveInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
    return n;
  };
}
