import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Principal } from '../../common/access/principal';
import { FlowProgressEvent } from './analysis-job';
import { currentEvent, FlowEventsService, isTerminal } from './flow-events.service';
import { FlowReportService } from './flow-report.service';
import { FlowState } from './flow.entity';

/**
 * `GET /api/scan/{flow_id}/events`: a flow's progress as server-sent events. The first event is the
 * current state; then every change the worker publishes; the stream ends after `finished` or `failed`.
 * A comment line every `keepAliveMs` keeps proxies from closing an idle stream.
 */
@Injectable()
export class FlowStreamService {
  /** Interval of the keep-alive comments (tests shorten it). */
  keepAliveMs = 15_000;

  constructor(
    private readonly events: FlowEventsService,
    private readonly reports: FlowReportService,
  ) {}

  async stream(principal: Principal, flowId: string, reply: FastifyReply): Promise<void> {
    // Checked before anything is sent, so refusals are ordinary JSON errors.
    await this.reports.visibleFlow(principal, flowId);

    const raw = reply.raw;
    let started = false;
    let ended = false;
    const pending: FlowProgressEvent[] = [];
    let keepAlive: NodeJS.Timeout | undefined;
    let unsubscribe = () => {};
    let last: FlowProgressEvent | undefined;

    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(keepAlive);
      unsubscribe();
      if (started && !raw.destroyed) raw.end();
    };
    const send = (event: FlowProgressEvent) => {
      if (ended) return;
      // A stale event (published before the state read first) must not move progress backwards.
      if (last && last.state === FlowState.Running && event.state === FlowState.Running && event.progress < last.progress) return;
      if (last && isTerminal(last.state)) return;
      last = event;
      raw.write(`data: ${JSON.stringify(event)}\n\n`);
      if (isTerminal(event.state)) end();
    };

    // Listen first, then read the state: whatever changes after the read is delivered as an event.
    unsubscribe = await this.events.subscribe(flowId, {
      event: (event) => (started ? send(event) : pending.push(event)),
      end,
    });
    // The response's 'close' is the client going away (or the response ending).
    raw.once('close', end);
    let flow;
    try {
      flow = await this.reports.visibleFlow(principal, flowId);
    } catch (err) {
      unsubscribe();
      throw err;
    }
    if (ended) {
      if (raw.destroyed) return; // the client left
      throw new ServiceUnavailableException('The server is shutting down: reconnect shortly');
    }

    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    started = true;
    raw.write('retry: 3000\n\n');
    send(currentEvent(flow));
    for (const event of pending.splice(0)) send(event);
    if (!ended) {
      keepAlive = setInterval(() => {
        if (!raw.destroyed) raw.write(': keep-alive\n\n');
      }, this.keepAliveMs);
    }
  }
}
