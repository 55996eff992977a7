// Compares dotted version strings by their leading numbers ("6.1.0-13-amd64" vs "3.13").

export function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => (/^[\d.]+/.exec(v)?.[0] ?? '0').split('.').filter(Boolean).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i += 1) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}
