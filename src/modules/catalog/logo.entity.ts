import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A logo an administrator uploaded (PNG, or SVG that passed the checks in logo-content.ts). */
@Entity('logos')
export class Logo {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_logos' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** `image/png` or `image/svg+xml`, decided from the content, never from the client. */
  @Column({ type: 'text' })
  mime: string;

  @Column({ type: 'bytea' })
  content: Buffer;

  @Column({ name: 'uploaded_by', type: 'uuid', nullable: true })
  uploadedBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** The one row naming the selected logo: `builtin:<name>` or an uploaded logo's id. No row: `builtin:default`. */
@Entity('logo_selection')
export class LogoSelection {
  @PrimaryColumn({ type: 'smallint', default: 1, primaryKeyConstraintName: 'PK_logo_selection' })
  id: number;

  @Column({ type: 'text' })
  logo: string;

  @Column({ name: 'selected_by', type: 'uuid', nullable: true })
  selectedBy: string | null;

  @Column({ name: 'selected_at', type: 'timestamptz', default: () => 'now()' })
  selectedAt: Date;
}
