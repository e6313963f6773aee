import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { APP_VERSION } from '../system/version';
import { PlatformProcess } from './platform-process.entity';

export const HEARTBEAT_MS = 15_000;
/** Three missed heartbeats: the process is gone. */
export const ALIVE_SECONDS = 45;
/** Rows of processes silent this long are deleted (a killed process never deletes its own). */
const FORGET_AFTER = '1 day';

/**
 * Every process (API, worker, both) records itself and refreshes its row every HEARTBEAT_MS, so the
 * admin panel can tell which API and worker processes are alive on which hosts. The row is deleted
 * on a clean shutdown.
 */
@Injectable()
export class ProcessRegistryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProcessRegistryService.name);
  private readonly startedAt = new Date();
  readonly id = `${hostname()}:${process.pid}:${this.startedAt.getTime()}`;
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(PlatformProcess) private readonly processes: Repository<PlatformProcess>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.beat().catch((err) => this.logger.warn({ err }, 'Could not record this process'));
    this.timer = setInterval(() => void this.beat().catch((err) => this.logger.warn({ err }, 'Process heartbeat failed')), HEARTBEAT_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.processes.delete({ id: this.id }).catch(() => undefined);
  }

  /** Processes heard from within ALIVE_SECONDS, oldest first. */
  alive(): Promise<PlatformProcess[]> {
    return this.processes.find({ where: { seenAt: MoreThan(new Date(Date.now() - ALIVE_SECONDS * 1000)) }, order: { startedAt: 'ASC', id: 'ASC' } });
  }

  async beat(): Promise<void> {
    await this.processes.upsert(
      { id: this.id, host: hostname(), pid: process.pid, role: this.config.role, version: APP_VERSION, startedAt: this.startedAt, seenAt: new Date() },
      ['id'],
    );
    await this.processes.query(`DELETE FROM platform_processes WHERE seen_at < now() - interval '${FORGET_AFTER}'`);
  }
}
