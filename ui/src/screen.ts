// A screen's life: `main.ts` mounts one screen at a time (an object that owns that screen's
// state), calls its `refresh` after edits and live events, and `unmount`s it when the user
// goes elsewhere. Everything a screen hooks outside its own elements — document listeners,
// observers, animation frames, timers — goes through its `Scope`, which undoes it all on
// unmount; a screen's late async answers check `scope.alive` and are dropped.

export interface Screen {
  /** The library changed (an edit, undo, live mode, indexing): show it, keeping what the user
   * was doing (typing, focus, scroll, selection). */
  refresh(): Promise<void>;
  /** The user left the screen: stop listening, observing and timing. */
  unmount(): void;
}

export class Scope {
  private cleanups: (() => void)[] = [];
  private live = true;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private frames = new Set<number>();

  /** False once disposed: async work started before then must not touch the page. */
  get alive(): boolean {
    return this.live;
  }

  /** `target.addEventListener`, removed on dispose. */
  listen<E extends Event>(target: EventTarget, type: string, fn: (e: E) => void, options?: AddEventListenerOptions): void {
    const listener = fn as EventListener;
    target.addEventListener(type, listener, options);
    this.cleanups.push(() => target.removeEventListener(type, listener, options));
  }

  /** An observer (Intersection, Resize, Mutation) disconnected on dispose. */
  observer<O extends { disconnect(): void }>(o: O): O {
    this.cleanups.push(() => o.disconnect());
    return o;
  }

  /** A timeout cleared on dispose (runs only while alive). */
  timeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const id = setTimeout(() => {
      this.timers.delete(id);
      if (this.live) fn();
    }, ms);
    this.timers.add(id);
    return id;
  }

  /** An animation frame cancelled on dispose (runs only while alive). */
  frame(fn: () => void): number {
    const id = requestAnimationFrame(() => {
      this.frames.delete(id);
      if (this.live) fn();
    });
    this.frames.add(id);
    return id;
  }

  /** Anything else to undo on dispose. */
  add(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  dispose(): void {
    if (!this.live) return;
    this.live = false;
    const all = this.cleanups.reverse();
    this.cleanups = [];
    for (const c of all) c();
    for (const id of this.timers) clearTimeout(id);
    for (const id of this.frames) cancelAnimationFrame(id);
    this.timers.clear();
    this.frames.clear();
  }
}
