/** A binary min-heap of items by `deadline` (ms, performance.now() clock). */
export class DeadlineHeap<T extends { deadline: number }> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest item, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent];
      if (p === undefined || p.deadline <= item.deadline) break;
      a[i] = p;
      i = parent;
    }
    a[i] = item;
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let best = last.deadline;
      const left = a[l];
      const right = a[r];
      if (left !== undefined && left.deadline < best) {
        m = l;
        best = left.deadline;
      }
      if (right !== undefined && right.deadline < best) m = r;
      if (m === i) break;
      a[i] = a[m] as T;
      i = m;
    }
    a[i] = last;
    return top;
  }

  /** Takes out every item whose deadline is at or before `now`, earliest first. */
  popDue(now: number): T[] {
    const due: T[] = [];
    for (let top = this.peek(); top !== undefined && top.deadline <= now; top = this.peek()) {
      this.pop();
      due.push(top);
    }
    return due;
  }
}
