import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { toPage } from '../../common/http/pagination.dto';
import { Secrets } from '../../common/security/secrets';
import { currentCorrelationId } from '../../common/http/request-context';
import { AuditLog, AuditOutcome } from './audit-log.entity';
import { AuditLogDto, AuditLogPageDto, AuditLogQueryDto } from './dtos/audit-log.dto';

export interface AuditEntry {
  action: string;
  outcome: AuditOutcome;
  actor?: { id: string; email: string } | null;
  actorIp?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  details?: unknown;
}

export interface ChainVerification {
  valid: boolean;
  checked: number;
  /** The first record whose hash does not match its content or its predecessor, when the chain is broken. */
  firstBrokenId?: string;
  reason?: string;
}

const GENESIS = '0'.repeat(64);
const CHAIN_LOCK = 7_349_001; // pg_advisory_xact_lock key that serialises appends to the chain

/** JSON with sorted keys, so the same content always hashes the same (jsonb does not keep key order). */
function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The value as it will read back from a jsonb column. */
const asStored = (value: unknown) => (value === undefined || value === null ? null : JSON.parse(JSON.stringify(value)));

@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly secrets: Secrets,
  ) {}

  private hashOf(row: Omit<AuditLog, 'id' | 'hash'>): string {
    const content = canonical({
      createdAt: row.createdAt,
      actorId: row.actorId,
      actorEmail: row.actorEmail,
      actorIp: row.actorIp,
      action: row.action,
      outcome: row.outcome,
      targetType: row.targetType,
      targetId: row.targetId,
      before: row.before,
      after: row.after,
      details: row.details,
      correlationId: row.correlationId,
      prevHash: row.prevHash,
    });
    return createHmac('sha256', this.secrets.key('audit')).update(content).digest('hex');
  }

  /** Appends a record to the chain. */
  async record(entry: AuditEntry): Promise<AuditLog> {
    return this.db.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const [last] = await em.query('SELECT hash FROM audit_logs ORDER BY id DESC LIMIT 1');
      const row = {
        createdAt: new Date(),
        actorId: entry.actor?.id ?? null,
        actorEmail: entry.actor?.email ?? null,
        actorIp: entry.actorIp ?? null,
        action: entry.action,
        outcome: entry.outcome,
        targetType: entry.targetType ?? null,
        targetId: entry.targetId ?? null,
        before: asStored(entry.before),
        after: asStored(entry.after),
        details: asStored(entry.details),
        correlationId: currentCorrelationId() ?? null,
        prevHash: (last?.hash as string | undefined) ?? GENESIS,
      };
      return em.getRepository(AuditLog).save({ ...row, hash: this.hashOf(row) });
    });
  }

  async list(query: AuditLogQueryDto): Promise<AuditLogPageDto> {
    const qb = this.db.getRepository(AuditLog).createQueryBuilder('a');
    if (query.actor_id) qb.andWhere('a.actorId = :actorId', { actorId: query.actor_id });
    if (query.action?.endsWith('*')) {
      const prefix = query.action.slice(0, -1).replace(/[\\%_]/g, (c) => '\\' + c);
      qb.andWhere('a.action LIKE :prefix', { prefix: `${prefix}%` });
    } else if (query.action) {
      qb.andWhere('a.action = :action', { action: query.action });
    }
    if (query.outcome) qb.andWhere('a.outcome = :outcome', { outcome: query.outcome });
    if (query.target_type) qb.andWhere('a.targetType = :targetType', { targetType: query.target_type });
    if (query.target_id) qb.andWhere('a.targetId = :targetId', { targetId: query.target_id });
    if (query.from) qb.andWhere('a.createdAt >= :from', { from: new Date(query.from) });
    if (query.to) qb.andWhere('a.createdAt < :to', { to: new Date(query.to) });
    const [rows, total] = await qb
      .orderBy('a.id', 'DESC')
      .skip(query.offset)
      .take(query.limit)
      .getManyAndCount();
    return toPage(rows.map(AuditLogDto.from), total, query);
  }

  /** Walks the whole chain in order and reports the first record that does not verify. */
  async verify(batchSize = 1000): Promise<ChainVerification> {
    const repo = this.db.getRepository(AuditLog);
    let prevHash = GENESIS;
    let checked = 0;
    let afterId = '0';
    for (;;) {
      const rows = await repo
        .createQueryBuilder('a')
        .where('a.id > :afterId', { afterId })
        .orderBy('a.id', 'ASC')
        .limit(batchSize)
        .getMany();
      if (!rows.length) return { valid: true, checked };
      for (const row of rows) {
        if (row.prevHash !== prevHash) {
          return { valid: false, checked, firstBrokenId: row.id, reason: 'previous-hash link does not match: a record before it was removed or altered' };
        }
        if (this.hashOf(row) !== row.hash) {
          return { valid: false, checked, firstBrokenId: row.id, reason: 'content does not match its hash: the record was altered' };
        }
        prevHash = row.hash;
        checked++;
      }
      afterId = rows[rows.length - 1].id;
    }
  }
}
