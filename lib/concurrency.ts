/**
 * Run `work` for every item with at most `limit` in flight, in item order. Once `signal` is
 * aborted no new item starts; `onSkipped` receives each item that never started.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  options: { signal?: AbortSignal | undefined; onSkipped?: (item: T) => void } = {},
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      if (options.signal?.aborted) {
        options.onSkipped?.(item);
        continue;
      }
      await work(item);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
}
