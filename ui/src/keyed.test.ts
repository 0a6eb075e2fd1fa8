import { describe, expect, it, vi } from "vitest";
import { fieldValue, KeyedList, longestIncreasing, type ListParent } from "./keyed";
import { Scope } from "./screen";

/** A DOM stand-in: a parent with an ordered child list; counts the moves of kept nodes. */
class FakeNode {
  parent: FakeParent | null = null;
  value: string;
  constructor(
    public key: number,
    public label: string,
  ) {
    this.value = label;
  }
  remove(): void {
    this.parent?.detach(this);
  }
}

class FakeParent implements ListParent<FakeNode> {
  children: FakeNode[] = [];
  /** Kept nodes taken out and put back (what would blur a focused field in a browser). */
  reinserted = new Set<number>();
  detach(n: FakeNode): void {
    const i = this.children.indexOf(n);
    if (i >= 0) this.children.splice(i, 1);
    n.parent = null;
  }
  private attach(n: FakeNode): void {
    if (n.parent) {
      this.reinserted.add(n.key);
      n.parent.detach(n);
    }
    n.parent = this;
  }
  insertBefore(n: FakeNode, ref: FakeNode | null): void {
    this.attach(n);
    const i = ref ? this.children.indexOf(ref) : -1;
    if (ref && i < 0) throw new Error("ref is not a child");
    this.children.splice(ref ? i : this.children.length, 0, n);
  }
  append(...nodes: FakeNode[]): void {
    for (const n of nodes) {
      this.attach(n);
      this.children.push(n);
    }
  }
  keys(): number[] {
    return this.children.map((c) => c.key);
  }
}

interface Item {
  id: number;
  name: string;
}

function list(parent: FakeParent) {
  const created: number[] = [];
  const update = vi.fn((n: FakeNode, item: Item) => {
    n.label = item.name;
  });
  const keyed = new KeyedList<Item, number, FakeNode>(parent, {
    key: (i) => i.id,
    create: (i) => {
      created.push(i.id);
      return new FakeNode(i.id, i.name);
    },
    update,
  });
  return { keyed, created, update };
}

const items = (...ids: number[]): Item[] => ids.map((id) => ({ id, name: `p${id}` }));

describe("KeyedList", () => {
  it("creates the first elements in order", () => {
    const p = new FakeParent();
    const { keyed } = list(p);
    const s = keyed.reconcile(items(1, 2, 3));
    expect(p.keys()).toEqual([1, 2, 3]);
    expect(s).toEqual({ created: 3, updated: 0, moved: 0, removed: 0 });
  });

  it("reuses elements by key: updates in place, inserts new ones, removes gone ones", () => {
    const p = new FakeParent();
    const { keyed, created, update } = list(p);
    keyed.reconcile(items(1, 2, 3, 4));
    const node2 = keyed.node(2);
    const node4 = keyed.node(4);
    const s = keyed.reconcile([{ id: 1, name: "p1" }, { id: 5, name: "new" }, { id: 2, name: "renamed" }, { id: 4, name: "p4" }]);
    expect(p.keys()).toEqual([1, 5, 2, 4]);
    expect(keyed.node(2)).toBe(node2);
    expect(keyed.node(4)).toBe(node4);
    expect(node2?.label).toBe("renamed");
    expect([...created].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(s.removed).toBe(1);
    expect(s.created).toBe(1);
    expect(s.moved).toBe(0);
    // Items are new objects, so each kept one is offered to `update` (which compares).
    expect(update).toHaveBeenCalledTimes(3);
    // No kept element was taken out of the container: a focused field inside stays focused.
    expect(p.reinserted.size).toBe(0);
  });

  it("skips update for the same item object (adding a chunk costs nothing for the old ones)", () => {
    const p = new FakeParent();
    const { keyed, update } = list(p);
    const all = items(1, 2, 3, 4, 5, 6);
    keyed.reconcile(all.slice(0, 3));
    const s = keyed.reconcile(all);
    expect(p.keys()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(update).not.toHaveBeenCalled();
    expect(s).toEqual({ created: 3, updated: 0, moved: 0, removed: 0 });
    expect(p.reinserted.size).toBe(0);
  });

  it("moves as few elements as it can when the order changes", () => {
    const p = new FakeParent();
    const { keyed } = list(p);
    keyed.reconcile(items(1, 2, 3, 4, 5));
    // 5 grew and sorts first: only it moves.
    const s = keyed.reconcile(items(5, 1, 2, 3, 4));
    expect(p.keys()).toEqual([5, 1, 2, 3, 4]);
    expect(s.moved).toBe(1);
    expect([...p.reinserted]).toEqual([5]);
  });

  it("reaches any permutation", () => {
    const p = new FakeParent();
    const { keyed } = list(p);
    keyed.reconcile(items(1, 2, 3, 4, 5, 6, 7));
    for (const order of [[7, 6, 5, 4, 3, 2, 1], [2, 9, 4, 1, 8], [], [3, 1, 2], [1, 2, 3, 10, 11]]) {
      keyed.reconcile(items(...order));
      expect(p.keys()).toEqual(order);
      expect(keyed.keys()).toEqual(order);
    }
  });

  it("refuses duplicate keys", () => {
    const { keyed } = list(new FakeParent());
    expect(() => keyed.reconcile(items(1, 1))).toThrow(/duplicate/);
  });

  it("clear removes every element", () => {
    const p = new FakeParent();
    const { keyed } = list(p);
    keyed.reconcile(items(1, 2));
    keyed.clear();
    expect(p.keys()).toEqual([]);
    expect(keyed.size).toBe(0);
  });
});

describe("longestIncreasing", () => {
  it("finds a longest strictly increasing run", () => {
    expect(longestIncreasing([])).toEqual([]);
    expect(longestIncreasing([0, 1, 2])).toEqual([0, 1, 2]);
    const seq = [4, 0, 1, 2, 3];
    expect(longestIncreasing(seq).map((i) => seq[i])).toEqual([0, 1, 2, 3]);
    const seq2 = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(longestIncreasing(seq2).length).toBe(4);
  });
});

describe("fieldValue", () => {
  it("takes the catalog's value for an untouched field", () => {
    expect(fieldValue("", "", "Ann", false)).toBe("Ann");
    expect(fieldValue("Ann", "Ann", "Anne", false)).toBe("Anne");
  });
  it("keeps what the user is typing or has typed and not saved", () => {
    expect(fieldValue("Barack O", "", "", true)).toBe("Barack O");
    expect(fieldValue("Barack O", "", "", false)).toBe("Barack O");
    expect(fieldValue("", "", "Ann", true)).toBe("");
  });
});

describe("Scope", () => {
  it("removes its listeners and disconnects its observers on dispose", () => {
    const scope = new Scope();
    const target = new EventTarget();
    const heard: string[] = [];
    scope.listen(target, "ping", (e) => heard.push(e.type));
    const observer = { disconnect: vi.fn() };
    scope.observer(observer);
    const cleanup = vi.fn();
    scope.add(cleanup);
    target.dispatchEvent(new Event("ping"));
    expect(scope.alive).toBe(true);
    scope.dispose();
    target.dispatchEvent(new Event("ping"));
    expect(heard).toEqual(["ping"]);
    expect(observer.disconnect).toHaveBeenCalledTimes(1);
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(scope.alive).toBe(false);
    scope.dispose();
    expect(cleanup).toHaveBeenCalledTimes(1);
  });

  it("never runs a timer after dispose", async () => {
    vi.useFakeTimers();
    try {
      const scope = new Scope();
      const ran = vi.fn();
      scope.timeout(ran, 10);
      scope.dispose();
      await vi.advanceTimersByTimeAsync(50);
      expect(ran).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});
