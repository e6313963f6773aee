import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { QueueJob, QueueService } from '../../queue/queue.service';
import { EmailDeliveryJob, EMAIL_QUEUE } from './email-queue';
import { DeliveryState, EmailDelivery } from './email.entity';
import { findTemplate, renderEmail } from './email-templates';
import { Mailer, SendFailure } from './mailer';

/**
 * Sends one delivery per job (worker role). A transient failure is recorded and thrown, so pg-boss
 * retries with backoff; an SMTP 5xx answer or the last attempt ends the delivery as failed.
 */
@Injectable()
export class EmailDeliveryProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(EmailDeliveryProcessor.name);

  constructor(
    @InjectRepository(EmailDelivery) private readonly deliveries: Repository<EmailDelivery>,
    private readonly mailer: Mailer,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Sending is I/O-bound and SMTP servers throttle: two at once per worker process.
    await this.queue.work<EmailDeliveryJob>(EMAIL_QUEUE, (job) => this.handle(job), { concurrency: 2, pollingIntervalSeconds: 1 });
  }

  async handle(job: QueueJob<EmailDeliveryJob>): Promise<void> {
    const delivery = await this.deliveries.findOne({ where: { id: job.data.deliveryId }, relations: { email: true } });
    // Gone (message removed) or already settled (a retried job after a crash): nothing to do.
    if (!delivery?.email || delivery.state !== DeliveryState.Queued) return;
    const attempt = delivery.attempts + 1;
    const template = findTemplate(delivery.email.template);
    if (!template) {
      await this.deliveries.update({ id: delivery.id }, { state: DeliveryState.Failed, attempts: attempt, lastError: `unknown template ${delivery.email.template}` });
      return;
    }
    const rendered = renderEmail(template, { ...delivery.email.variables, recipient_name: delivery.recipientName });
    try {
      await this.mailer.send({ to: { name: delivery.recipientName, address: delivery.address }, ...rendered });
    } catch (err) {
      const failure = err instanceof SendFailure ? err : new SendFailure(String((err as Error)?.message ?? err), false);
      const final = failure.permanent || attempt >= this.config.smtp.maxAttempts;
      await this.deliveries.update({ id: delivery.id }, { state: final ? DeliveryState.Failed : DeliveryState.Queued, attempts: attempt, lastError: failure.message });
      this.logger.warn(`E-mail delivery ${delivery.id} attempt ${attempt} failed${final ? ' (giving up)' : ''}: ${failure.message}`);
      if (!final) throw failure;
      return;
    }
    await this.deliveries.update({ id: delivery.id }, { state: DeliveryState.Sent, attempts: attempt, lastError: null, sentAt: new Date() });
  }
}
