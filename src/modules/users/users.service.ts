import { BadRequestException, ConflictException, Inject, Injectable, Logger, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { hashPassword, verifyPassword } from '../../common/security/passwords';
import { randomToken, Secrets } from '../../common/security/secrets';
import { APP_CONFIG, AppConfig, AppRole } from '../../config/app-config';
import { AuditTrail } from '../audit/audit-trail';
import { ApiKeyDto, UpdateProfileDto, UserDto } from './dtos/user.dto';
import { User } from './user.entity';

const API_KEY_PREFIX = 'sbx_';

export const isUniqueViolation = (err: unknown) => err instanceof QueryFailedError && (err as unknown as { code?: string }).code === '23505';

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly secrets: Secrets,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role !== AppRole.Worker) await this.ensureFirstAdmin();
  }

  /** Creates the first administrator when there is none; prints a generated password once. */
  async ensureFirstAdmin(): Promise<void> {
    const admins = await this.users.createQueryBuilder('u').where(':g = ANY(u.groups)', { g: UserGroup.Admin }).getCount();
    if (admins > 0) return;
    const email = (this.config.admin.email ?? 'admin@localhost.localdomain').toLowerCase();
    const generated = !this.config.admin.password;
    const password = this.config.admin.password ?? randomToken(18);
    try {
      await this.users.insert({ email, name: 'Administrator', passwordHash: await hashPassword(password), groups: [UserGroup.Admin, UserGroup.User] });
    } catch (err) {
      if (isUniqueViolation(err)) return; // another process created it first
      throw err;
    }
    this.logger.log(`Created the first administrator ${email}`);
    if (generated) {
      // Printed once, to the console only: it is not stored anywhere in clear.
      process.stdout.write(`\n  First administrator: ${email}\n  Password (shown once): ${password}\n\n`);
    }
  }

  private principalOf(row: { id: string; email: string; groups: UserGroup[]; access_group_id: string | null }, via: UserPrincipal['via']): UserPrincipal {
    return { kind: 'user', id: row.id, email: row.email, groups: row.groups, accessGroupId: row.access_group_id, via };
  }

  async principalByApiKey(apiKey: string): Promise<UserPrincipal | undefined> {
    const [row] = await this.users.query(
      'SELECT id, email, groups, access_group_id FROM users WHERE api_key_hash = $1 AND is_active',
      [this.secrets.hmac('api-key', apiKey)],
    );
    return row ? this.principalOf(row, 'api-key') : undefined;
  }

  async principalByToken(userId: string, tokenVersion: number): Promise<UserPrincipal | undefined> {
    const [row] = await this.users.query(
      'SELECT id, email, groups, access_group_id FROM users WHERE id = $1 AND token_version = $2 AND is_active',
      [userId, tokenVersion],
    );
    return row ? this.principalOf(row, 'jwt') : undefined;
  }

  findByEmailWithPassword(email: string): Promise<User | null> {
    return this.users.createQueryBuilder('u').addSelect('u.passwordHash').where('u.email = :email', { email: email.toLowerCase() }).getOne();
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException('User not found');
    return user;
  }

  async recordLogin(id: string): Promise<void> {
    await this.users.update({ id }, { lastLoginAt: new Date() });
  }

  async updateProfile(id: string, dto: UpdateProfileDto): Promise<UserDto> {
    const before = await this.get(id);
    const changes: Partial<User> = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.timezone !== undefined) changes.timezone = dto.timezone;
    if (dto.locale !== undefined) changes.locale = dto.locale;
    if (dto.new_password !== undefined) {
      const withHash = await this.findByEmailWithPassword(before.email);
      if (!dto.current_password || !(await verifyPassword(withHash?.passwordHash, dto.current_password))) {
        throw new BadRequestException('current_password is missing or wrong');
      }
      changes.passwordHash = await hashPassword(dto.new_password);
      changes.tokenVersion = before.tokenVersion + 1;
    }
    if (Object.keys(changes).length) await this.users.update({ id }, changes);
    const after = await this.get(id);
    AuditTrail.describe({
      targetType: 'user',
      targetId: id,
      before: UserDto.from(before),
      after: UserDto.from(after),
      details: dto.new_password ? { passwordChanged: true } : undefined,
    });
    return UserDto.from(after);
  }

  async resetTimezoneLocale(id: string): Promise<void> {
    await this.users.update({ id }, { timezone: null, locale: null });
  }

  /** Replaces the user's API key with a new random one; the key itself is returned once and never stored. */
  createApiKey(id: string): Promise<ApiKeyDto> {
    return this.storeApiKey(id, API_KEY_PREFIX + randomToken(32));
  }

  setApiKey(id: string, apiKey: string): Promise<ApiKeyDto> {
    return this.storeApiKey(id, apiKey);
  }

  private async storeApiKey(id: string, apiKey: string): Promise<ApiKeyDto> {
    const createdAt = new Date();
    const prefix = apiKey.slice(0, 8);
    try {
      await this.users.update({ id }, { apiKeyHash: this.secrets.hmac('api-key', apiKey), apiKeyPrefix: prefix, apiKeyCreatedAt: createdAt });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictException('This API key cannot be used: choose another');
      throw err;
    }
    AuditTrail.describe({ targetType: 'user', targetId: id, details: { apiKeyPrefix: prefix } });
    return { api_key: apiKey, prefix, created_at: createdAt };
  }

  async removeApiKey(id: string): Promise<void> {
    const user = await this.get(id);
    if (!user.apiKeyPrefix) throw new NotFoundException('No API key is set');
    await this.users.update({ id }, { apiKeyHash: null, apiKeyPrefix: null, apiKeyCreatedAt: null });
    AuditTrail.describe({ targetType: 'user', targetId: id, details: { apiKeyPrefix: user.apiKeyPrefix } });
  }
}
