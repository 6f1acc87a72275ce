import type { RunEvent } from '../run/types.js';

/** A way of showing a run: every view reads the same event stream. */
export interface View {
  onEvent(event: RunEvent): void;
  /** Called once after the last event; resolves when the view has written everything. */
  close(): Promise<void>;
}

export function broadcast(views: readonly View[]): (event: RunEvent) => void {
  return (event) => {
    for (const view of views) view.onEvent(event);
  };
}
