import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One fixed window of a counter (quota use, failed logins). Incremented with a single
 * INSERT ... ON CONFLICT DO UPDATE, so counting is exact across concurrent requests and processes.
 */
@Entity('rate_counters')
@Index('IDX_rate_counters_window_start', ['windowStart'])
export class RateCounter {
  @PrimaryColumn({ type: 'text' })
  bucket: string;

  @PrimaryColumn({ name: 'window_start', type: 'timestamptz' })
  windowStart: Date;

  @Column({ type: 'integer', default: 0 })
  count: number;
}
