import type { AppConfig } from '../../config/app-config';
import type { QueueSendOptions } from '../../queue/queue.service';

/** Seconds before pg-boss retries a failed analysis (doubled each time: retryBackoff). */
export const ANALYSIS_RETRY_DELAY_SECONDS = 5;

/**
 * Seconds an analysis job may stay active before pg-boss counts it as lost and retries it: the
 * engine's limit twice over (reading the sample and writing the reports come on top), plus the URL
 * fetch for URL flows. A job that ends sooner is never expired while it runs.
 */
export function analysisJobExpirySeconds(config: AppConfig): number {
  return 2 * config.engine.timeout + config.url.timeout;
}

/**
 * How an analysis job is sent: one try per SCAN_MAX_ATTEMPTS (the processor fails the flow with a
 * report on the last one), with backoff, and the expiry above. Submission and the worker's
 * watchdog both enqueue with these.
 */
export function analysisJobOptions(config: AppConfig, priority = 0): QueueSendOptions {
  return {
    priority,
    retryLimit: Math.max(0, config.scan.maxAttempts - 1),
    retryBackoff: true,
    retryDelay: ANALYSIS_RETRY_DELAY_SECONDS,
    expireInSeconds: analysisJobExpirySeconds(config),
  };
}
