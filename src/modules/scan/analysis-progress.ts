/**
 * Forwards an analysis's progress to the flow at most once per `intervalMs`: the engine reports
 * after every file (hundreds per second for an archive), the flow row and its notification need a
 * few per second. The latest value always wins; writes never overlap and their failures are only
 * logged (progress is advisory, the analysis goes on).
 */
export class ProgressThrottle {
  private lastWrite = 0;
  private pending?: { percent: number; message: string };
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private closed = false;

  constructor(
    private readonly write: (percent: number, message: string) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = 250,
  ) {}

  report = (percent: number, message: string): void => {
    if (this.closed) return;
    this.pending = { percent, message: message.slice(0, 500) };
    if (this.timer || this.inFlight) return;
    const wait = this.lastWrite + this.intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  };

  /** Stops forwarding and waits for a write under way (the flow's final state is written next). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private flush(): void {
    this.timer = undefined;
    const next = this.pending;
    if (!next || this.closed) return;
    this.pending = undefined;
    this.lastWrite = Date.now();
    this.inFlight = this.write(next.percent, next.message)
      .catch(this.onError)
      .finally(() => {
        this.inFlight = undefined;
        if (this.pending && !this.closed) this.report(this.pending.percent, this.pending.message);
      });
  }
}
