import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { FinalVerdict } from '../../engine/types';
import { FLOW_PROGRESS_CHANNEL, FlowProgressEvent } from './analysis-job';
import { Flow, FlowState } from './flow.entity';

/**
 * A flow's lifecycle: queued → running (with progress) → finished or failed. Every change is
 * published on FLOW_PROGRESS_CHANNEL so API processes can stream it to clients.
 */
@Injectable()
export class FlowsService {
  constructor(@InjectRepository(Flow) private readonly flows: Repository<Flow>) {}

  async get(id: string): Promise<Flow> {
    const flow = await this.flows.findOneBy({ id });
    if (!flow) throw new NotFoundException('Flow not found');
    return flow;
  }

  /** The flow with its archive password (only the worker needs it). */
  async getForAnalysis(id: string): Promise<(Flow & { password: string | null }) | null> {
    return this.flows.createQueryBuilder('f').addSelect('f.password').where('f.id = :id', { id }).getOne();
  }

  async markRunning(id: string): Promise<void> {
    await this.flows
      .createQueryBuilder()
      .update()
      .set({ state: FlowState.Running, startedAt: () => 'now()', attempts: () => 'attempts + 1', progress: 0, progressMessage: 'analysis started' })
      .where('id = :id', { id })
      .execute();
    await this.publish({ flowId: id, state: FlowState.Running, progress: 0, message: 'analysis started' });
  }

  async updateProgress(id: string, progress: number, message: string): Promise<void> {
    await this.flows.update({ id, state: FlowState.Running }, { progress, progressMessage: message });
    await this.publish({ flowId: id, state: FlowState.Running, progress, message });
  }

  async markFinished(id: string, verdict: FinalVerdict, extra: Partial<Pick<Flow, 'sampleSha256' | 'fileSize' | 'fileName'>> = {}): Promise<void> {
    await this.flows.update({ id }, { ...extra, state: FlowState.Finished, progress: 100, progressMessage: 'analysis finished', finalVerdict: verdict, finishedAt: new Date(), password: null, error: null });
    await this.publish({ flowId: id, state: FlowState.Finished, progress: 100, message: 'analysis finished' });
  }

  async markFailed(id: string, reason: string): Promise<void> {
    await this.flows.update({ id }, { state: FlowState.Failed, progressMessage: 'analysis failed', error: reason.slice(0, 2000), finishedAt: new Date(), password: null });
    await this.publish({ flowId: id, state: FlowState.Failed, progress: 100, message: reason.slice(0, 500) });
  }

  private async publish(event: FlowProgressEvent): Promise<void> {
    await this.flows.query('SELECT pg_notify($1, $2)', [FLOW_PROGRESS_CHANNEL, JSON.stringify(event)]);
  }
}
