/**
 * Collects the serialized warn+ log lines of one logger so that the logs module can store them in the
 * database. Logging must never wait on, or fail because of, the database: write() only appends to a
 * bounded in-memory array (newest lines are dropped when it is full, and counted); the consumer
 * drains it on its own schedule. Lines the consumer writes about itself carry SELF_KEY and are
 * skipped, so a failing database cannot feed its own failures back into the buffer.
 */
export class LogRecordBuffer {
  static readonly SELF_KEY = 'log-store';
  private static readonly SELF_MARK = `"key":"${LogRecordBuffer.SELF_KEY}"`;

  private lines: string[] = [];
  private dropped = 0;

  constructor(
    readonly capacity = 2_000,
    /** Longest line kept whole; a longer one is cut (the consumer sees it as unparsable and keeps the start). */
    readonly maxLineLength = 32 * 1024,
  ) {}

  /** The pino stream interface. */
  write(line: string): void {
    if (line.includes(LogRecordBuffer.SELF_MARK)) return;
    if (this.lines.length >= this.capacity) {
      this.dropped++;
      return;
    }
    this.lines.push(line.length > this.maxLineLength ? line.slice(0, this.maxLineLength) : line);
  }

  /** Takes up to `max` lines (oldest first) and the count of lines dropped since the last drain. */
  drain(max: number): { lines: string[]; dropped: number } {
    const lines = this.lines.splice(0, max);
    const dropped = this.dropped;
    this.dropped = 0;
    return { lines, dropped };
  }

  get size(): number {
    return this.lines.length;
  }
}
