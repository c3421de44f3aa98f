import type { ScanProgress } from '../../../scan/index.js';

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${String(s)}s` : `${String(Math.floor(s / 60))}m${String(s % 60).padStart(2, '0')}s`;
}

/** One progress line for a terminal: a bar, done/total, open ports, rate and ETA (no newline). */
export function progressLine(p: ScanProgress, width: number): string {
  const fraction = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
  const tail = ` ${String(p.done)}/${String(p.total)} ports, ${String(p.open)} open, ${String(p.ratePerSecond)}/s${p.etaMs === undefined ? '' : `, ETA ${duration(p.etaMs)}`}`;
  const barWidth = Math.max(10, Math.min(40, width - tail.length - 3));
  const filled = Math.round(fraction * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`.slice(0, Math.max(20, width - 1));
}
