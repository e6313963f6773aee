import type { AppConfig } from '../../config/app-config';
import type { QueueSendOptions } from '../../queue/queue.service';

/** pg-boss queue of HTML/PDF report generations. */
export const EXPORT_QUEUE = 'report-export';

/** One generation: the download row and the generation it was queued for (a restart bumps it). */
export interface ExportJob {
  downloadId: string;
  generation: number;
}

const RETRY_LIMIT = 2;

/** Seconds a generation job may stay active before pg-boss counts its worker as lost and retries it. */
export const exportJobExpirySeconds = (config: AppConfig) => 2 * config.exports.renderTimeout + 30;

export function exportJobOptions(config: AppConfig): QueueSendOptions {
  return { retryLimit: RETRY_LIMIT, retryDelay: 5, retryBackoff: true, expireInSeconds: exportJobExpirySeconds(config) };
}

/**
 * A generation still pending or processing after this many seconds will not finish: its job was
 * lost with every retry (workers killed), or no worker runs. Starting it again then queues a new one.
 */
export const staleAfterSeconds = (config: AppConfig) => exportJobExpirySeconds(config) * (RETRY_LIMIT + 1) + 60;
