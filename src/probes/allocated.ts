import v8 from 'node:v8';

/**
 * JS heap bytes allocated during one call: the growth of the used heap plus the bytes every
 * garbage collection in the window freed (reported by `v8.GCProfiler`). Exact for allocations of
 * the isolate in the window, whoever made them; GCs inside the window do not break it.
 */
export class AllocationProbe {
  #profiler: v8.GCProfiler | undefined;
  #before = 0;

  start(): void {
    this.#profiler = new v8.GCProfiler();
    this.#profiler.start();
    this.#before = v8.getHeapStatistics().used_heap_size;
  }

  /** Bytes allocated since `start()`. */
  stop(): number {
    const after = v8.getHeapStatistics().used_heap_size;
    const data = this.#profiler?.stop();
    this.#profiler = undefined;
    let freed = 0;
    for (const gc of data?.statistics ?? []) {
      freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    }
    return Math.max(0, after - this.#before + freed);
  }
}
