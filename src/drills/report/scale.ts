/** Linear scales and "nice" axis ticks for the report's SVG charts (no charting library: the page is static). */

export interface Scale {
  (value: number): number;
  domain: readonly [number, number];
  ticks: number[];
}

/** A linear map from [d0, d1] to [r0, r1]; a zero-width domain maps everything to r0. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number], ticks: number[] = []): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0))) as Scale;
  f.domain = domain;
  f.ticks = ticks;
  return f;
}

/** A step of 1, 2 or 5 times a power of ten giving about `count` ticks over [0, max]. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/**
 * The axis [0, niceMax] for values up to `max` (at least `floor`, so a flat healthy line doesn't fill the
 * chart), with its ticks.
 */
export function niceAxis(max: number, floor: number, count = 5): { max: number; ticks: number[] } {
  const top = Math.max(max, floor);
  const step = niceStep(top, count);
  const niceMax = Math.ceil(top / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= niceMax + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { max: niceMax, ticks };
}

/** Time ticks every 5/10/15/30/60/120/300 s over [startMs, endMs], as ms offsets from startMs. */
export function timeTicks(startMs: number, endMs: number, count = 8): number[] {
  const spanS = Math.max(1, (endMs - startMs) / 1000);
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];
  const stepS = steps.find((s) => spanS / s <= count) ?? 3600;
  const ticks: number[] = [];
  for (let s = 0; s * 1000 <= endMs - startMs; s += stepS) ticks.push(s * 1000);
  return ticks;
}
