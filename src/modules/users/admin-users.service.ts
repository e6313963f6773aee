import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { csvRow } from '../../common/http/csv';
import { Page, toPage } from '../../common/http/pagination.dto';
import { hashPassword } from '../../common/security/passwords';
import { AccessGroupsService } from '../access-groups/access-groups.service';
import { AuditTrail } from '../audit/audit-trail';
import { LicenseService } from '../license/license.service';
import { AdminUpdateUserDto, ListUsersQueryDto } from './dtos/admin-user.dto';
import { UserDto } from './dtos/user.dto';
import { User } from './user.entity';

/** pg_advisory_xact_lock key serialising changes that could leave the platform without an active administrator. */
const LAST_ADMIN_LOCK = 7_349_002;
const EXPORT_BATCH = 500;

export const CSV_COLUMNS = ['id', 'email', 'name', 'groups', 'access_group', 'is_active', 'created_at', 'last_login_at'] as const;

const isForeignKeyViolation = (err: unknown) => err instanceof QueryFailedError && (err as unknown as { code?: string }).code === '23503';

/** `%`, `_` and `\` match themselves in a LIKE pattern built from user input. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const isActiveAdmin = (u: Pick<User, 'isActive' | 'groups'>) => u.isActive && u.groups.includes(UserGroup.Admin);

@Injectable()
export class AdminUsersService {
  private readonly logger = new Logger(AdminUsersService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly accessGroups: AccessGroupsService,
    private readonly licenses: LicenseService,
  ) {}

  /** Users by email; `ids` selects exact users, otherwise `filter` matches any part of the email or name. */
  async list(query: ListUsersQueryDto): Promise<Page<UserDto>> {
    const qb = this.users.createQueryBuilder('u');
    if (query.ids?.length) {
      qb.where('u.id IN (:...ids)', { ids: query.ids });
    } else if (query.filter) {
      qb.where(`(u.email ILIKE :pattern ESCAPE '\\' OR u.name ILIKE :pattern ESCAPE '\\')`, { pattern: `%${escapeLike(query.filter)}%` });
    }
    const [rows, total] = await qb
      .orderBy('u.email', 'ASC')
      .offset((query.page - 1) * query.limit)
      .limit(query.limit)
      .getManyAndCount();
    return toPage(rows.map(UserDto.from), total, query);
  }

  async get(id: string): Promise<UserDto> {
    return UserDto.from(await this.find(this.users, id));
  }

  private async find(repo: Repository<User>, id: string, lock = false): Promise<User> {
    const user = await repo.findOne({ where: { id }, lock: lock ? { mode: 'pessimistic_write' } : undefined });
    if (!user) throw new NotFoundException('User not found');
    return user;
  }

  /**
   * Refuses (409) a change that takes `user` out of the active administrators when no other active
   * administrator would remain. Serialised by an advisory lock, so two admins demoting each other at
   * once cannot both succeed.
   */
  private async keepAnActiveAdmin(em: EntityManager, user: User, message: string): Promise<void> {
    await em.query('SELECT pg_advisory_xact_lock($1)', [LAST_ADMIN_LOCK]);
    const others = await em
      .getRepository(User)
      .createQueryBuilder('u')
      .where('u.isActive AND :admin = ANY(u.groups) AND u.id <> :id', { admin: UserGroup.Admin, id: user.id })
      .getCount();
    if (others === 0) throw new ConflictException(message);
  }

  async update(actor: UserPrincipal, id: string, dto: AdminUpdateUserDto): Promise<UserDto> {
    if (dto.access_group_id) await this.accessGroups.assertExists(dto.access_group_id);
    if (id === actor.id && dto.is_active === false) throw new ConflictException('You cannot deactivate your own account');
    // Hashing is slow: do it before taking any lock.
    const passwordHash = dto.password !== undefined ? await hashPassword(dto.password) : undefined;
    const { before, after } = await this.db
      .transaction(async (em) => {
        const repo = em.getRepository(User);
        const before = await this.find(repo, id, true);
        // A reactivated user takes a license seat like a new one.
        if (!before.isActive && dto.is_active === true) await this.licenses.assertUserSeat(false);
        const changes: Partial<User> = {};
        if (dto.name !== undefined) changes.name = dto.name;
        if (dto.groups !== undefined) changes.groups = dto.groups;
        if (dto.access_group_id !== undefined) changes.accessGroupId = dto.access_group_id;
        if (dto.is_active !== undefined) changes.isActive = dto.is_active;
        if (passwordHash !== undefined) changes.passwordHash = passwordHash;
        // Deactivation and a new password sign the user out: tokens carry the version they were issued with.
        if (passwordHash !== undefined || (before.isActive && dto.is_active === false)) changes.tokenVersion = before.tokenVersion + 1;
        if (isActiveAdmin(before) && !isActiveAdmin({ ...before, ...changes })) {
          await this.keepAnActiveAdmin(
            em,
            before,
            `${before.email} is the last active administrator: make another user an active administrator first`,
          );
        }
        if (Object.keys(changes).length) await repo.update({ id }, changes);
        return { before, after: await this.find(repo, id) };
      })
      .catch((err: unknown) => {
        if (isForeignKeyViolation(err)) throw new NotFoundException('Access group not found'); // removed meanwhile
        throw err;
      });
    AuditTrail.describe({
      targetType: 'user',
      targetId: id,
      before: UserDto.from(before),
      after: UserDto.from(after),
      details: passwordHash !== undefined ? { passwordChanged: true } : undefined,
    });
    return UserDto.from(after);
  }

  async remove(actor: UserPrincipal, id: string): Promise<void> {
    if (id === actor.id) throw new ConflictException('You cannot delete your own account');
    const before = await this.db.transaction(async (em) => {
      const repo = em.getRepository(User);
      const user = await this.find(repo, id, true);
      if (isActiveAdmin(user)) {
        await this.keepAnActiveAdmin(em, user, `${user.email} is the last active administrator and cannot be deleted`);
      }
      await repo.delete({ id });
      return user;
    });
    AuditTrail.describe({ targetType: 'user', targetId: id, before: UserDto.from(before) });
  }

  /**
   * Every user as CSV, read in batches of EXPORT_BATCH (keyset on created_at, id) and streamed, so
   * memory stays flat however many users there are.
   */
  exportCsv(): Readable {
    const db = this.db;
    const logger = this.logger;
    async function* lines(): AsyncGenerator<string> {
      yield csvRow(CSV_COLUMNS);
      let cursor: { createdAt: string; id: string } | undefined;
      for (;;) {
        const rows: ExportRow[] = await db.query(
          `SELECT u.id, u.email, u.name, u.groups, g.name AS access_group, u.is_active, u.created_at, u.last_login_at,
                  u.created_at::text AS cursor_created_at
             FROM users u LEFT JOIN access_groups g ON g.id = u.access_group_id
            WHERE $1::timestamptz IS NULL OR (u.created_at, u.id) > ($1::timestamptz, $2::uuid)
            ORDER BY u.created_at, u.id
            LIMIT $3`,
          [cursor?.createdAt ?? null, cursor?.id ?? null, EXPORT_BATCH],
        );
        if (rows.length) yield rows.map(exportLine).join('');
        if (rows.length < EXPORT_BATCH) return;
        const last = rows[rows.length - 1];
        cursor = { createdAt: last.cursor_created_at, id: last.id };
      }
    }
    const stream = Readable.from(lines(), { objectMode: false });
    stream.on('error', (err) => logger.error(`User export failed: ${err.message}`));
    return stream;
  }
}

interface ExportRow {
  id: string;
  email: string;
  name: string;
  groups: string[];
  access_group: string | null;
  is_active: boolean;
  created_at: Date;
  last_login_at: Date | null;
  cursor_created_at: string;
}

const exportLine = (r: ExportRow) =>
  csvRow([r.id, r.email, r.name, r.groups.join(';'), r.access_group, r.is_active, r.created_at.toISOString(), r.last_login_at?.toISOString()]);
