/**
 * Inline SVG bar charts for report.html: generated here, no chart library
 * and no script, so the page stays one self-contained static file.
 * Horizontal bars because labels (file paths, Contract.method) are long.
 */
import { escapeHtml } from "./escape";

export interface ChartSeries {
  key: string;
  label: string;
  /** CSS colour. */
  color: string;
}

export interface ChartRow {
  label: string;
  /** Value per series key; a missing key draws no bar. */
  values: Readonly<Record<string, number>>;
  /** A reference value drawn as a tick across the row's bars (e.g. the baseline). */
  marker?: number;
}

export interface BarChartSpec {
  /** Element id and data-testid of the <svg>. */
  id: string;
  title: string;
  series: readonly ChartSeries[];
  rows: readonly ChartRow[];
  /** Axis maximum; defaults to the largest value or marker. */
  max?: number;
  formatValue(value: number): string;
  /** Axis tick labels; defaults to formatValue. */
  formatTick?(value: number): string;
  /** Legend text for the marker, when rows have markers. */
  markerLabel?: string;
}

const WIDTH = 1000;
const CHAR_WIDTH = 6.6; // average advance of 11px sans-serif, to size the label column
const VALUE_COLUMN = 76;
const BAR_HEIGHT = 14;
const BAR_GAP = 2;
const ROW_GAP = 12;
const LEGEND_HEIGHT = 22;
const AXIS_HEIGHT = 18;
const TICKS = 4;

/** Rounds an axis maximum up so that each of the TICKS steps is 1, 1.5, 2, 2.5, 3, 4, 5 or 7.5 times a power of ten. */
function niceMax(value: number): number {
  const rawStep = value / TICKS;
  const magnitude = 10 ** Math.floor(Math.log10(rawStep));
  const step = [1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10].map((m) => m * magnitude).find((s) => s >= rawStep) ?? rawStep;
  return step * TICKS;
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}

const px = (n: number): string => String(Math.round(n * 10) / 10);

function legend(spec: BarChartSpec, hasMarkers: boolean): string {
  let x = 0;
  const items: string[] = [];
  for (const s of spec.series) {
    items.push(
      `<rect x="${px(x)}" y="4" width="12" height="12" rx="2" fill="${escapeHtml(s.color)}"/>` +
        `<text x="${px(x + 16)}" y="14" class="chart-legend">${escapeHtml(s.label)}</text>`,
    );
    x += 16 + s.label.length * CHAR_WIDTH + 18;
  }
  if (hasMarkers && spec.markerLabel) {
    items.push(
      `<line x1="${px(x + 6)}" x2="${px(x + 6)}" y1="2" y2="18" class="chart-marker"/>` +
        `<text x="${px(x + 16)}" y="14" class="chart-legend">${escapeHtml(spec.markerLabel)}</text>`,
    );
  }
  return `<g class="chart-legend-group">${items.join("")}</g>`;
}

export function renderBarChart(spec: BarChartSpec): string {
  const hasMarkers = spec.rows.some((r) => r.marker !== undefined);
  const longestLabel = Math.max(4, ...spec.rows.map((r) => r.label.length));
  const labelWidth = Math.min(300, Math.max(90, longestLabel * CHAR_WIDTH + 14));
  const plotLeft = labelWidth;
  const plotWidth = WIDTH - labelWidth - VALUE_COLUMN;
  const maxLabelChars = Math.floor((labelWidth - 14) / CHAR_WIDTH);

  const allValues = spec.rows.flatMap((r) => [...Object.values(r.values), r.marker ?? 0]);
  const max = spec.max ?? niceMax(Math.max(1, ...allValues));
  const formatTick = spec.formatTick ?? spec.formatValue;
  const scale = (value: number): number => (Math.max(0, Math.min(value, max)) / max) * plotWidth;

  const rowHeight = spec.series.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
  const plotTop = LEGEND_HEIGHT + AXIS_HEIGHT;
  const height = plotTop + spec.rows.length * (rowHeight + ROW_GAP) + 4;

  const grid: string[] = [];
  for (let i = 0; i <= TICKS; i++) {
    const x = plotLeft + (plotWidth * i) / TICKS;
    grid.push(
      `<line x1="${px(x)}" x2="${px(x)}" y1="${plotTop - 4}" y2="${px(height - 4)}" class="chart-grid"/>` +
        `<text x="${px(x)}" y="${plotTop - 8}" class="chart-tick">${escapeHtml(formatTick((max * i) / TICKS))}</text>`,
    );
  }

  const rows = spec.rows.map((row, rowIndex) => {
    const top = plotTop + rowIndex * (rowHeight + ROW_GAP);
    const parts = [
      `<text x="${px(labelWidth - 8)}" y="${px(top + rowHeight / 2 + 4)}" class="chart-label"><title>${escapeHtml(row.label)}</title>${escapeHtml(truncate(row.label, maxLabelChars))}</text>`,
    ];
    // A value label goes right after its bar, or past the marker when it would touch it: never over it.
    const markerX = row.marker === undefined ? undefined : scale(row.marker);
    spec.series.forEach((series, i) => {
      const value = row.values[series.key];
      if (value === undefined) return;
      const y = top + i * (BAR_HEIGHT + BAR_GAP);
      const width = scale(value);
      const text = spec.formatValue(value);
      const fitsBeforeMarker = markerX === undefined || markerX < width - 2 || width + 4 + text.length * CHAR_WIDTH + 4 <= markerX;
      const labelX = fitsBeforeMarker ? width : Math.max(width, markerX! + 2);
      parts.push(
        `<rect class="bar" data-series="${escapeHtml(series.key)}" x="${px(plotLeft)}" y="${px(y)}" width="${px(width)}" height="${BAR_HEIGHT}" rx="2" fill="${escapeHtml(series.color)}">` +
          `<title>${escapeHtml(`${row.label} - ${series.label}: ${text}`)}</title></rect>` +
          `<text x="${px(plotLeft + labelX + 4)}" y="${px(y + BAR_HEIGHT - 3)}" class="chart-value">${escapeHtml(text)}</text>`,
      );
    });
    if (row.marker !== undefined) {
      const x = plotLeft + scale(row.marker);
      parts.push(
        `<line class="chart-marker" x1="${px(x)}" x2="${px(x)}" y1="${px(top - 3)}" y2="${px(top + rowHeight + 3)}">` +
          `<title>${escapeHtml(`${row.label} - ${spec.markerLabel ?? "marker"}: ${spec.formatValue(row.marker)}`)}</title></line>`,
      );
    }
    return `<g class="chart-row">${parts.join("")}</g>`;
  });

  return [
    `<svg id="${escapeHtml(spec.id)}" data-testid="${escapeHtml(spec.id)}" class="chart" role="img" aria-label="${escapeHtml(spec.title)}"`,
    ` xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${px(height)}" preserveAspectRatio="xMinYMin meet">`,
    `<title>${escapeHtml(spec.title)}</title>`,
    legend(spec, hasMarkers),
    grid.join(""),
    rows.join(""),
    `</svg>`,
  ].join("");
}
