import type { TimelineEntry } from '../../workflows/incident.js';
import type { DrillMarker } from '../types.js';
import { esc } from './escape.js';
import { LAYOUT, offsetLabel, renderMarkers, timeScale, type TimeFrame } from './svg-chart.js';

const LANE_HEIGHT = 34;
const WORKFLOW_LANE = 'workflow';
const LANE_COLORS = ['#0f766e', '#9333ea', '#c2410c', '#1d4ed8', '#be123c', '#4d7c0f'];

const KIND_SHAPES: Record<string, (x: string, y: number, color: string) => string> = {
  'tool.call': (x, y, c) => `<rect x="${Number(x) - 4}" y="${y - 4}" width="8" height="8" fill="${c}"/>`,
  'persona.turn': (x, y, c) => `<circle cx="${x}" cy="${y}" r="3.5" fill="#fff" stroke="${c}" stroke-width="1.5"/>`,
  approval: (x, y, c) => `<path d="M${x},${y - 6} l6,6 l-6,6 l-6,-6 z" fill="${c}"/>`,
  finding: (x, y, c) => `<path d="M${x},${y - 6} l6,10 l-12,0 z" fill="${c}"/>`,
  outcome: (x, y, c) => `<circle cx="${x}" cy="${y}" r="6" fill="${c}" stroke="#111" stroke-width="1"/>`,
  stage: (x, y, c) => `<line x1="${x}" x2="${x}" y1="${y - 9}" y2="${y + 9}" stroke="${c}" stroke-width="3"/>`,
};
const defaultShape = (x: string, y: number, c: string): string => `<circle cx="${x}" cy="${y}" r="3" fill="${c}"/>`;

/** Lanes in order of first appearance; entries without a persona go to the `workflow` lane, listed first. */
export function laneNames(timeline: readonly TimelineEntry[]): string[] {
  const names: string[] = [];
  for (const e of timeline) {
    const lane = e.persona ?? WORKFLOW_LANE;
    if (!names.includes(lane)) names.push(lane);
  }
  return names.sort((a, b) => (a === WORKFLOW_LANE ? -1 : b === WORKFLOW_LANE ? 1 : 0));
}

/**
 * Renders the incident timeline as one swimlane per persona over the drill's time frame: a bar from each
 * persona's first to last entry, a glyph per entry (turn, tool call, approval, finding, outcome; hover
 * shows the summary), and faint marker lines (fault, alert, recovery) aligned with the health chart above.
 */
export function renderSwimlane(timeline: readonly TimelineEntry[], markers: readonly DrillMarker[], frame: TimeFrame): string {
  const lanes = laneNames(timeline);
  const top = 12;
  const bottom = top + Math.max(1, lanes.length) * LANE_HEIGHT;
  const height = bottom + 28;
  const x = timeScale(frame);
  const [x0, x1] = [LAYOUT.left, LAYOUT.width - LAYOUT.right];
  const parts: string[] = [];
  parts.push(`<svg id="persona-timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${LAYOUT.width} ${height}" width="${LAYOUT.width}" height="${height}" role="img" aria-label="Persona timeline">`);

  lanes.forEach((lane, i) => {
    const y = top + i * LANE_HEIGHT;
    const mid = y + LANE_HEIGHT / 2;
    const color = lane === WORKFLOW_LANE ? '#525252' : LANE_COLORS[i % LANE_COLORS.length]!;
    const entries = timeline.filter((e) => (e.persona ?? WORKFLOW_LANE) === lane);
    const times = entries.map((e) => Date.parse(e.at)).filter(Number.isFinite);
    parts.push(`<g class="lane" data-lane="${esc(lane)}">`);
    parts.push(`<rect x="${x0}" y="${y}" width="${x1 - x0}" height="${LANE_HEIGHT}" fill="${i % 2 ? '#fff' : '#f6f6f6'}"/>`);
    parts.push(`<text x="${x0 - 8}" y="${mid}" text-anchor="end" dominant-baseline="middle" class="lane-label">${esc(lane)}</text>`);
    if (times.length > 0) {
      const a = x(Math.min(...times));
      const b = x(Math.max(...times));
      parts.push(`<rect class="lane-span" x="${a.toFixed(1)}" y="${mid - 7}" width="${Math.max(2, b - a).toFixed(1)}" height="14" rx="3" fill="${color}" opacity="0.18"/>`);
    }
    for (const e of entries) {
      const t = Date.parse(e.at);
      if (!Number.isFinite(t)) continue;
      const shape = KIND_SHAPES[e.kind] ?? defaultShape;
      const tip = `${offsetLabel(t - frame.startMs)} ${e.kind}${e.stage ? ` [${e.stage}]` : ''}: ${e.summary}`;
      parts.push(`<g class="entry" data-kind="${esc(e.kind)}"><title>${esc(tip)}</title>${shape(x(t).toFixed(1), mid, color)}</g>`);
    }
    parts.push('</g>');
  });
  if (lanes.length === 0) parts.push(`<text x="${(x0 + x1) / 2}" y="${top + LANE_HEIGHT / 2}" text-anchor="middle" class="empty">no incident timeline (the responder did not run)</text>`);

  const faint = markers.filter((m) => m.kind === 'fault' || m.kind === 'alert' || m.kind === 'recovery');
  parts.push(...renderMarkers(faint, x, top, bottom, false).map((g) => g.replace('stroke-width="1.5"', 'stroke-width="1" opacity="0.5"')));
  for (const t of x.ticks) parts.push(`<text x="${x(frame.startMs + t).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" class="tick">${offsetLabel(t)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
