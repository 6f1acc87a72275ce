import type { Exposure } from './types.js';

/**
 * The overall line of `systemd-analyze security UNIT` (systemd 247 and later): `→ Overall
 * exposure level for UNIT: 8.2 EXPOSED 🙁`, with `->` and `:-(` under LC_ALL=C. The unit name
 * may hold `: ` itself, so the score is the last `: N.N LABEL` of the line.
 */
const OVERALL_LINE = /Overall exposure level for .*: (\d+(?:\.\d+)?) ([A-Z]+)\b/;

/** The score in the output of `systemd-analyze security`; null when there is none (a unit it could not load). */
export function parseExposure(text: string): Exposure | null {
  for (const line of text.split('\n')) {
    const match = OVERALL_LINE.exec(line);
    if (match) return { score: Number(match[1]), label: match[2] as string };
  }
  return null;
}

/** `0.2 SAFE`, as systemd-analyze says it, or `unknown`. */
export function formatExposure(exposure: Exposure | null | undefined): string {
  return exposure ? `${exposure.score.toFixed(1)} ${exposure.label}` : 'unknown';
}
