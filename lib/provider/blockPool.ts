/**
 * Byte blocks that a provider's replies keep their body in, given back when a reply ends and
 * reused by the next one.
 *
 * A reply that keeps its text (for `partialText` and the conversation chunk) copies its bytes into
 * blocks rather than keeping the transport's buffers: kept buffers grow the process's external
 * memory until a full collection frees it, and V8 answers that growth with full collections
 * during the next reply. Copied into reused blocks, the transport's buffers stay short-lived, as
 * in a client that keeps nothing (the figures are in docs/benchmarks.md).
 *
 * @module
 */

/**
 * The smallest block, a reply's first: a short reply takes little, which matters when thousands of
 * streams are open at once.
 */
export const minBlockBytes = 1024;

/**
 * The largest block; a longer reply goes on in more blocks of this size.
 */
export const maxBlockBytes = 1024 * 1024;

/**
 * At most this much idle memory is kept for reuse, whatever the provider's `maxResponseBytes`.
 */
export const maxIdleBytesCap = 32 * 1024 * 1024;

/**
 * Blocks of powers of two between {@link minBlockBytes} and {@link maxBlockBytes}.
 *
 * @example
 * ```ts
 * const pool = createBlockPool(8 << 20);
 * const block = pool.take(20_000); // 32 KiB
 * pool.give([block]);              // the next take of 32 KiB gets it back
 * ```
 */
export interface BlockPool {
  /** A block of at least `bytes` (at most {@link maxBlockBytes}), an idle one when there is one. */
  readonly take: (bytes: number) => Uint8Array;
  /** Keeps these blocks for reuse while the idle total stays within the pool's bound. */
  readonly give: (blocks: ReadonlyArray<Uint8Array>) => void;
  /** Drops every idle block. */
  readonly clear: () => void;
}

const sizeFor = (bytes: number): number => {
  let size = minBlockBytes;
  while (size < bytes && size < maxBlockBytes) size *= 2;
  return size;
};

/**
 * A pool that keeps at most `maxIdleBytes` of idle blocks (0: none, every block is left to the
 * collector once given back).
 */
export const createBlockPool = (maxIdleBytes: number): BlockPool => {
  const idle = new Map<number, Array<Uint8Array>>();
  let idleBytes = 0;
  return {
    take: (bytes) => {
      const size = sizeFor(bytes);
      const block = idle.get(size)?.pop();
      if (block === undefined) return new Uint8Array(size);
      idleBytes -= size;
      return block;
    },
    give: (blocks) => {
      for (const block of blocks) {
        if (idleBytes + block.byteLength > maxIdleBytes) continue;
        const list = idle.get(block.byteLength);
        if (list === undefined) idle.set(block.byteLength, [block]);
        else list.push(block);
        idleBytes += block.byteLength;
      }
    },
    clear: () => {
      idle.clear();
      idleBytes = 0;
    },
  };
};
