import type { DrillMarker, MarkerKind, SeriesPoint } from '../types.js';
import { esc } from './escape.js';
import { linearScale, niceAxis, timeTicks, type Scale } from './scale.js';

/** The time window every SVG of a report shares, so the chart and the timeline line up. */
export interface TimeFrame {
  startMs: number;
  endMs: number;
}

export const MARKER_COLORS: Record<MarkerKind, string> = {
  fault: '#b91c1c',
  alert: '#d97706',
  pr: '#7c3aed',
  merge: '#6d28d9',
  deploy: '#2563eb',
  rollback: '#db2777',
  maintenance: '#0f172a',
  recovery: '#15803d',
};

const ERROR_COLOR = '#dc2626';
const P95_COLOR = '#2563eb';

/** Layout shared by the chart and the swimlane: the plot's left edge and width. */
export const LAYOUT = { width: 960, left: 120, right: 64 } as const;

/** x scale of a frame over the plot area. */
export function timeScale(frame: TimeFrame): Scale {
  return linearScale([frame.startMs, frame.endMs], [LAYOUT.left, LAYOUT.width - LAYOUT.right], timeTicks(frame.startMs, frame.endMs));
}

/** "+12 s" / "+1:30" relative to the frame start. */
export function offsetLabel(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `+${s} s` : `+${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Renders error rate (left axis, %) and p95 latency (right axis, s) over the drill as an inline SVG, with a
 * vertical line for each marker (fault, alert, PR, deploy, recovery). Gaps in the data (null points) break
 * the lines instead of being drawn as zero. Pure function of its inputs: unit-testable, no DOM.
 */
export function renderHealthChart(series: readonly SeriesPoint[], markers: readonly DrillMarker[], frame: TimeFrame): string {
  const height = 360;
  const top = 72;
  const bottom = height - 40;
  const x = timeScale(frame);
  const errAxis = niceAxis(Math.max(0, ...series.map((p) => (p.errorRate ?? 0) * 100)) * 1.1, 1);
  const p95Axis = niceAxis(Math.max(0, ...series.map((p) => p.p95Seconds ?? 0)) * 1.1, 0.5);
  const yErr = linearScale([0, errAxis.max], [bottom, top], errAxis.ticks);
  const yP95 = linearScale([0, p95Axis.max], [bottom, top], p95Axis.ticks);
  const [x0, x1] = [LAYOUT.left, LAYOUT.width - LAYOUT.right];

  const parts: string[] = [];
  parts.push(`<svg id="health-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${LAYOUT.width} ${height}" width="${LAYOUT.width}" height="${height}" role="img" aria-label="Error rate and p95 latency over the drill">`);
  parts.push(`<rect x="${x0}" y="${top}" width="${x1 - x0}" height="${bottom - top}" fill="#fafafa" stroke="#ddd"/>`);

  // Grid and axes.
  for (const t of yErr.ticks) {
    const y = fmt(yErr(t));
    parts.push(`<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" class="tick">${esc(trim(t))}%</text>`);
  }
  for (const t of yP95.ticks) {
    parts.push(`<text x="${x1 + 6}" y="${fmt(yP95(t))}" dominant-baseline="middle" class="tick">${esc(trim(t))} s</text>`);
  }
  for (const t of x.ticks) {
    const px = fmt(x(frame.startMs + t));
    parts.push(`<line x1="${px}" x2="${px}" y1="${bottom}" y2="${bottom + 4}" stroke="#999"/>`);
    parts.push(`<text x="${px}" y="${bottom + 16}" text-anchor="middle" class="tick">${offsetLabel(t)}</text>`);
  }
  parts.push(`<text x="${x0 - 44}" y="${(top + bottom) / 2}" transform="rotate(-90 ${x0 - 44} ${(top + bottom) / 2})" text-anchor="middle" class="axis" fill="${ERROR_COLOR}">error rate</text>`);
  parts.push(`<text x="${x1 + 50}" y="${(top + bottom) / 2}" transform="rotate(90 ${x1 + 50} ${(top + bottom) / 2})" text-anchor="middle" class="axis" fill="${P95_COLOR}">p95 latency</text>`);

  parts.push(...renderMarkers(markers, x, top, bottom));
  parts.push(`<path class="series series-error-rate" d="${linePath(series, x, (p) => (p.errorRate === null ? null : p.errorRate * 100), yErr)}" fill="none" stroke="${ERROR_COLOR}" stroke-width="2"/>`);
  parts.push(`<path class="series series-p95" d="${linePath(series, x, (p) => p.p95Seconds, yP95)}" fill="none" stroke="${P95_COLOR}" stroke-width="2"/>`);

  // Legend.
  parts.push(`<g class="legend" transform="translate(${x0}, 12)">`);
  parts.push(`<line x1="0" x2="18" y1="0" y2="0" stroke="${ERROR_COLOR}" stroke-width="2"/><text x="24" y="0" dominant-baseline="middle">error rate (%)</text>`);
  parts.push(`<line x1="130" x2="148" y1="0" y2="0" stroke="${P95_COLOR}" stroke-width="2"/><text x="154" y="0" dominant-baseline="middle">p95 latency (s)</text>`);
  parts.push('</g>');
  if (series.length === 0) parts.push(`<text x="${(x0 + x1) / 2}" y="${(top + bottom) / 2}" text-anchor="middle" class="empty">no metrics were collected</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Vertical marker lines with labels. Each label goes to the lowest of three rows where it does not overlap
 * a label already placed (widths estimated from the text), so close events stay readable.
 */
export function renderMarkers(markers: readonly DrillMarker[], x: Scale, top: number, bottom: number, labels = true): string[] {
  const sorted = [...markers].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const rowEnds = [-Infinity, -Infinity, -Infinity];
  return sorted.map((m) => {
    const cx = x(Date.parse(m.at));
    const px = fmt(cx);
    const color = MARKER_COLORS[m.kind];
    const half = (m.label.length * 6.4) / 2 + 3;
    let row = rowEnds.findIndex((end) => cx - half > end);
    if (row < 0) row = rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = cx + half;
    const label = labels ? `<text x="${px}" y="${top - 6 - row * 13}" text-anchor="middle" class="marker-label" fill="${color}">${esc(m.label)}</text>` : '';
    return `<g class="marker" data-kind="${m.kind}"><title>${esc(`${m.label} at ${m.at}`)}</title><line x1="${px}" x2="${px}" y1="${top}" y2="${bottom}" stroke="${color}" stroke-width="1.5" stroke-dasharray="4 3"/>${label}</g>`;
  });
}

function linePath(series: readonly SeriesPoint[], x: Scale, value: (p: SeriesPoint) => number | null, y: Scale): string {
  const d: string[] = [];
  let pen = false;
  for (const p of series) {
    const v = value(p);
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d.push(`${pen ? 'L' : 'M'}${fmt(x(p.t))},${fmt(y(v))}`);
    pen = true;
  }
  return d.join(' ');
}

const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();
const trim = (n: number): string => String(Number(n.toPrecision(6)));
