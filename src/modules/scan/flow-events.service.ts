import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Client, Notification } from 'pg';
import { Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { FLOW_PROGRESS_CHANNEL, FlowProgressEvent } from './analysis-job';
import { Flow, FlowState } from './flow.entity';

export interface FlowEventSubscriber {
  /** A progress event of the flow. */
  event(event: FlowProgressEvent): void;
  /** The stream must end (the application is shutting down). */
  end(): void;
}

/** Reconnection delays, ms: doubled after each failure up to the last value. */
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

export const isTerminal = (state: string) => state === FlowState.Finished || state === FlowState.Failed;

/** A flow's current state as a progress event (what a new subscriber is told first). */
export function currentEvent(flow: Pick<Flow, 'id' | 'state' | 'progress' | 'progressMessage' | 'error'>): FlowProgressEvent {
  return {
    flowId: flow.id,
    state: flow.state,
    progress: isTerminal(flow.state) ? 100 : flow.progress,
    message: flow.state === FlowState.Failed ? (flow.error ?? flow.progressMessage) : flow.progressMessage,
  };
}

/**
 * Flow progress from any process, for this one's live streams: ONE dedicated PostgreSQL connection
 * per process LISTENs on FLOW_PROGRESS_CHANNEL (FlowsService publishes with pg_notify) and hands each
 * notification to the subscribers of its flow. Connected on the first subscription; when the
 * connection drops it reconnects with backoff and tells every subscriber its flow's current state,
 * so nothing missed meanwhile is lost for good. On shutdown every stream is ended and the connection closed.
 */
@Injectable()
export class FlowEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(FlowEventsService.name);
  private readonly subscribers = new Map<string, Set<FlowEventSubscriber>>();
  private client?: Client;
  private connecting?: Promise<Client>;
  private reconnectTimer?: NodeJS.Timeout;
  private failures = 0;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(Flow) private readonly flows: Repository<Flow>,
  ) {}

  /** Number of live subscriptions (for tests and diagnostics). */
  get subscriberCount(): number {
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }

  get connected(): boolean {
    return !!this.client;
  }

  /**
   * Registers `subscriber` for `flowId` once LISTEN is in place (so no event published from now on is
   * missed); returns the function that unsubscribes. Throws when the database cannot be reached.
   */
  async subscribe(flowId: string, subscriber: FlowEventSubscriber): Promise<() => void> {
    if (this.closed) throw new Error('Flow events are shut down');
    let set = this.subscribers.get(flowId);
    if (!set) this.subscribers.set(flowId, (set = new Set()));
    set.add(subscriber);
    const unsubscribe = () => {
      const current = this.subscribers.get(flowId);
      if (!current?.delete(subscriber)) return;
      if (!current.size) this.subscribers.delete(flowId);
    };
    try {
      await this.listening();
    } catch (err) {
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const all = [...this.subscribers.values()].flatMap((set) => [...set]);
    this.subscribers.clear();
    for (const subscriber of all) {
      try {
        subscriber.end();
      } catch {
        // a stream already gone
      }
    }
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** The listening connection, connecting it when there is none. */
  private listening(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: 'sandbox-platform:flow-events',
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    client.on('notification', (msg) => this.dispatch(msg));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${FLOW_PROGRESS_CHANNEL}"`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new Error('Flow events are shut down');
    }
    this.client = client;
    this.failures = 0;
    return client;
  }

  private dispatch(msg: Notification): void {
    if (msg.channel !== FLOW_PROGRESS_CHANNEL || !msg.payload) return;
    let event: FlowProgressEvent;
    try {
      event = JSON.parse(msg.payload);
    } catch {
      this.logger.warn(`Ignored a malformed ${FLOW_PROGRESS_CHANNEL} notification`);
      return;
    }
    if (typeof event?.flowId !== 'string') return;
    this.deliver(event.flowId, event);
  }

  private deliver(flowId: string, event: FlowProgressEvent): void {
    for (const subscriber of [...(this.subscribers.get(flowId) ?? [])]) {
      try {
        subscriber.event(event);
      } catch (err) {
        this.logger.warn({ err, flowId }, 'A flow event subscriber failed');
      }
    }
  }

  /** The connection broke: reconnect (with backoff) while someone listens, then resynchronise them. */
  private lost(client: Client, err?: unknown): void {
    if (this.client === client) this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.closed) return;
    if (err) this.logger.warn({ err }, `Flow events connection lost: ${err instanceof Error ? err.message : String(err)}`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || !this.subscribers.size) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.failures);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed || !this.subscribers.size || this.client) return;
      this.listening()
        .then(() => this.resync())
        .catch((error: unknown) => {
          this.failures++;
          this.logger.warn(`Flow events: reconnecting failed (${error instanceof Error ? error.message : String(error)}); retrying`);
          this.scheduleReconnect();
        });
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Tells every subscriber its flow's current state (after a reconnect: events may have been missed). */
  private async resync(): Promise<void> {
    const ids = [...this.subscribers.keys()];
    if (!ids.length) return;
    const flows = await this.flows
      .createQueryBuilder('f')
      .select(['f.id', 'f.state', 'f.progress', 'f.progressMessage', 'f.error'])
      .where('f.id IN (:...ids)', { ids })
      .getMany();
    for (const flow of flows) this.deliver(flow.id, currentEvent(flow));
  }
}
