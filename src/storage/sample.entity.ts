import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A stored file, addressed by its SHA-256: submitted samples and the files the engine extracted.
 * Stored once however often it is submitted; removed when no report references it any more.
 */
@Entity('samples')
export class Sample {
  @PrimaryColumn({ type: 'text' })
  sha256: string;

  @Column({ type: 'bigint' })
  size: string;

  @Column({ type: 'text' })
  md5: string;

  @Column({ type: 'text' })
  sha1: string;

  @Column({ type: 'text' })
  sha512: string;

  @Column({ name: 'first_seen', type: 'timestamptz', default: () => 'now()' })
  firstSeen: Date;
}
