import type { ActionDeclaration } from './declaration';
import { runOrderOf } from './declaration-fields';

export interface RunOrderGroup<T> {
  runOrder: number;
  members: T[];
}

/**
 * Groups a stage's actions by runOrder, in ascending order: each group runs after the one before
 * it, and the actions within a group run at the same time. Declaration order is kept in a group.
 */
export function groupByRunOrder<T extends { action: ActionDeclaration }>(entries: readonly T[]): RunOrderGroup<T>[] {
  const groups = new Map<number, T[]>();
  for (const entry of entries) {
    const runOrder = runOrderOf(entry.action);
    groups.set(runOrder, [...(groups.get(runOrder) ?? []), entry]);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([runOrder, members]) => ({ runOrder, members }));
}
