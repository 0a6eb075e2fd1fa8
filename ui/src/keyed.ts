// Keyed refresh: a list of elements that follows a list of items by key. A refresh reuses the
// element of every key that is still there (updated in place, only when its item changed),
// creates the new ones, removes the gone ones, and moves as few elements as it can (the
// longest run already in order stays put), so a text field being typed in, the focus and the
// scroll position survive a refresh. The DOM is reached through the small `ListParent` /
// `ListChild` interfaces (what `Element` has), so the logic is unit-tested without a browser.

/** What a list element must offer (an `Element` does). */
export interface ListChild {
  remove(): void;
}

/** What the list's container must offer (an `Element` does). */
export interface ListParent<N extends ListChild> {
  insertBefore(node: N, ref: N | null): unknown;
  append(...nodes: N[]): void;
}

export interface KeyedOps<T, K, N> {
  key(item: T): K;
  create(item: T): N;
  /** Called for a kept element whose item is a different object than last time. */
  update(node: N, item: T, prev: T): void;
}

/** What a reconcile did (for tests and measurements). */
export interface ReconcileStats {
  created: number;
  updated: number;
  moved: number;
  removed: number;
}

export class KeyedList<T, K, N extends ListChild> {
  private entries = new Map<K, { node: N; item: T }>();
  private order: K[] = [];

  constructor(
    private readonly parent: ListParent<N>,
    private readonly ops: KeyedOps<T, K, N>,
  ) {}

  get size(): number {
    return this.order.length;
  }

  /** The element shown for `key`, if any. */
  node(key: K): N | undefined {
    return this.entries.get(key)?.node;
  }

  /** The keys in the order shown. */
  keys(): readonly K[] {
    return this.order;
  }

  /** Makes the container's elements exactly `items`' (in that order). */
  reconcile(items: readonly T[]): ReconcileStats {
    const stats: ReconcileStats = { created: 0, updated: 0, moved: 0, removed: 0 };
    const restore = rememberFocus(this.parent);
    const keys = items.map((i) => this.ops.key(i));
    const wanted = new Set(keys);
    if (wanted.size !== keys.length) throw new Error("KeyedList: duplicate keys");
    for (const k of this.order) {
      if (wanted.has(k)) continue;
      this.entries.get(k)?.node.remove();
      this.entries.delete(k);
      stats.removed++;
    }
    // Old positions of the kept keys, in the new order; the longest increasing run stays put.
    const oldIndex = new Map<K, number>();
    let i = 0;
    for (const k of this.order) if (wanted.has(k)) oldIndex.set(k, i++);
    const seq: number[] = [];
    for (const k of keys) {
      const o = oldIndex.get(k);
      if (o !== undefined) seq.push(o);
    }
    const still = new Set(longestIncreasing(seq).map((j) => seq[j]));
    // Walk backwards: every element goes right before the one after it.
    let ref: N | null = null;
    let run: N[] = [];
    const flush = (): void => {
      if (run.length === 0) return;
      run.reverse();
      if (ref === null) this.parent.append(...run);
      else for (const n of run) this.parent.insertBefore(n, ref);
      ref = run[0];
      run = [];
    };
    for (let j = items.length - 1; j >= 0; j--) {
      const item = items[j];
      const k = keys[j];
      const entry = this.entries.get(k);
      if (!entry) {
        const node = this.ops.create(item);
        this.entries.set(k, { node, item });
        run.push(node);
        stats.created++;
        continue;
      }
      if (entry.item !== item) {
        const prev = entry.item;
        entry.item = item;
        this.ops.update(entry.node, item, prev);
        stats.updated++;
      }
      if (still.has(oldIndex.get(k) as number)) {
        flush();
        ref = entry.node;
      } else {
        run.push(entry.node);
        stats.moved++;
      }
    }
    flush();
    this.order = keys;
    restore();
    return stats;
  }

  /** Forgets every element (they are removed from the container). */
  clear(): void {
    for (const { node } of this.entries.values()) node.remove();
    this.entries.clear();
    this.order = [];
  }
}

/**
 * Indexes of a longest strictly increasing subsequence of `seq` (O(n log n), patience sort).
 */
export function longestIncreasing(seq: readonly number[]): number[] {
  const tails: number[] = [];
  const prev = new Array<number>(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]] < seq[i]) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1];
    tails[lo] = i;
  }
  const out: number[] = [];
  for (let i = tails.length > 0 ? tails[tails.length - 1] : -1; i >= 0; i = prev[i]) out.push(i);
  return out.reverse();
}

/**
 * What a text field should show after a refresh: the new value from the catalog — unless the
 * user is in the field (`focused`) or has typed something not saved yet (the field differs from
 * what the last refresh put there, `shown`); then what they typed stays.
 */
export function fieldValue(current: string, shown: string, next: string, focused: boolean): string {
  return focused || current !== shown ? current : next;
}

/**
 * Moving an element in the DOM takes the focus away from anything inside it: the focused
 * element (and its text selection) is given the focus back if a reconcile took it.
 */
function rememberFocus(parent: unknown): () => void {
  if (typeof document === "undefined" || !(parent instanceof Node)) return () => {};
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || !parent.contains(active)) return () => {};
  const field = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement ? active : null;
  let range: [number | null, number | null] = [null, null];
  try {
    range = field ? [field.selectionStart, field.selectionEnd] : range;
  } catch {
    // Inputs without a text selection (checkboxes) throw on some engines.
  }
  return () => {
    if (document.activeElement === active || !active.isConnected) return;
    active.focus({ preventScroll: true });
    if (field && range[0] !== null && range[1] !== null) {
      try {
        field.setSelectionRange(range[0], range[1]);
      } catch {
        // Not a text field.
      }
    }
  };
}
