import { BadRequestException, ConflictException, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { hashPassword } from '../../common/security/passwords';
import { randomToken, Secrets } from '../../common/security/secrets';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AccessGroupsService } from '../access-groups/access-groups.service';
import { AuditTrail } from '../audit/audit-trail';
import { isUniqueViolation } from '../users/users.service';
import { AuthService } from './auth.service';
import { CreateInvitationDto, InvitationDto, REGISTER_PATH, RegisterDto } from './dtos/invitation.dto';
import { TokenResponseDto } from './dtos/login.dto';
import { Invitation } from './invitation.entity';

/** Answer to an invitation token that cannot be used; 400 for all three cases, with a message saying which. */
const INVALID = {
  unknown: 'Invalid invitation token',
  used: 'This invitation has already been used',
  expired: 'This invitation has expired: ask an administrator for a new one',
} as const;

const registeredAlready = (email: string) => new ConflictException(`A user with the email ${email} is already registered`);

/**
 * Invitations: an administrator invites an email address with chosen groups; the token (shown once,
 * stored only as a keyed hash) lets that person register once, before it expires.
 */
@Injectable()
export class InvitationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly secrets: Secrets,
    private readonly auth: AuthService,
    private readonly accessGroups: AccessGroupsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private hash(token: string): string {
    return this.secrets.hmac('invitation', token);
  }

  async create(actor: UserPrincipal, dto: CreateInvitationDto): Promise<InvitationDto> {
    const email = dto.email.trim().toLowerCase();
    if (dto.access_group_id) await this.accessGroups.assertExists(dto.access_group_id);
    const [existing] = await this.db.query('SELECT 1 FROM users WHERE email = $1', [email]);
    if (existing) throw registeredAlready(email);
    const token = randomToken(32);
    const expiresAt = new Date(Date.now() + this.config.auth.inviteTtl * 1000);
    const invitation = {
      tokenHash: this.hash(token),
      email,
      groups: dto.groups ?? [UserGroup.User],
      accessGroupId: dto.access_group_id ?? null,
      createdBy: actor.id,
      expiresAt,
    };
    const { identifiers } = await this.db.getRepository(Invitation).insert(invitation);
    AuditTrail.describe({
      targetType: 'invitation',
      targetId: identifiers[0].id as string,
      after: { email, groups: invitation.groups, accessGroupId: invitation.accessGroupId, expiresAt },
    });
    return { token, expires_at: expiresAt, register_path: REGISTER_PATH };
  }

  /**
   * Creates the invited account and signs it in. The invitation is claimed by one conditional UPDATE
   * in the same transaction as the insert: of concurrent registrations with one token exactly one
   * succeeds, and a failed insert (email taken) leaves the invitation unused.
   */
  async register(dto: RegisterDto): Promise<TokenResponseDto> {
    const tokenHash = this.hash(dto.token);
    // Checked before the (slow) password hash, so junk tokens cost the server nothing.
    await this.assertUsable(tokenHash);
    const passwordHash = await hashPassword(dto.password);
    const user = await this.db.transaction(async (em) => {
      // TypeORM answers an UPDATE with [rows, rowCount].
      const [[claimed]]: [{ id: string; email: string; groups: UserGroup[]; access_group_id: string | null }[], number] = await em.query(
        `UPDATE invitations SET used_at = now()
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
          RETURNING id, email, groups, access_group_id`,
        [tokenHash],
      );
      if (!claimed) {
        await this.assertUsable(tokenHash, em); // used or expired meanwhile: says which
        throw new BadRequestException(INVALID.unknown);
      }
      try {
        const [row]: { id: string; token_version: number }[] = await em.query(
          `INSERT INTO users (email, name, password_hash, groups, access_group_id, last_login_at)
           VALUES ($1, $2, $3, $4, (SELECT id FROM access_groups WHERE id = $5), now())
           RETURNING id, token_version`,
          [claimed.email, dto.name?.trim() ?? '', passwordHash, claimed.groups, claimed.access_group_id],
        );
        return { id: row.id, email: claimed.email, tokenVersion: row.token_version, invitationId: claimed.id };
      } catch (err) {
        if (isUniqueViolation(err)) throw registeredAlready(claimed.email);
        throw err;
      }
    });
    AuditTrail.describe({
      actor: { id: user.id, email: user.email },
      targetType: 'user',
      targetId: user.id,
      details: { invitationId: user.invitationId },
    });
    return this.auth.issueToken(user.id, user.tokenVersion);
  }

  /** Throws 400 saying why the invitation cannot be used; returns when it can. */
  private async assertUsable(tokenHash: string, runner: Pick<DataSource, 'query'> = this.db): Promise<void> {
    const [row]: { used: boolean; expired: boolean }[] = await runner.query(
      'SELECT used_at IS NOT NULL AS used, expires_at <= now() AS expired FROM invitations WHERE token_hash = $1',
      [tokenHash],
    );
    if (!row) throw new BadRequestException(INVALID.unknown);
    if (row.used) throw new BadRequestException(INVALID.used);
    if (row.expired) throw new BadRequestException(INVALID.expired);
  }
}
