import type { AppConfig } from '../../config/app-config';
import type { QueueSendOptions } from '../../queue/queue.service';

export const EMAIL_QUEUE = 'email.delivery';

export interface EmailDeliveryJob {
  deliveryId: string;
}

/** Seconds before the first retry of a delivery; doubled each time (pg-boss retryBackoff). */
export const EMAIL_RETRY_DELAY_SECONDS = 30;

/** One try per EMAIL_MAX_ATTEMPTS, with exponential backoff; the processor marks the delivery failed on the last. */
export function emailJobOptions(config: AppConfig): QueueSendOptions {
  return { retryLimit: config.smtp.maxAttempts - 1, retryBackoff: true, retryDelay: EMAIL_RETRY_DELAY_SECONDS, expireInSeconds: 5 * 60 };
}
