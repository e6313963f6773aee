import { ConflictException, Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { ArrayContains, DataSource, In, Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { FieldErrorDto } from '../../common/errors/error-response.dto';
import { ValidationFailedException } from '../../common/errors/validation';
import { PaginationQueryDto, toPage } from '../../common/http/pagination.dto';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { QueueService } from '../../queue/queue.service';
import { AccessGroup } from '../access-groups/access-group.entity';
import { AuditTrail } from '../audit/audit-trail';
import { User } from '../users/user.entity';
import { EmailDeliveryJob, emailJobOptions, EMAIL_QUEUE } from './email-queue';
import { DeliveryState, Email, EmailAudience, EmailAudienceKind, EmailDelivery } from './email.entity';
import { EMAIL_TEMPLATES, EmailTemplate, findTemplate, RECIPIENT_VARIABLES, renderSubject } from './email-templates';
import { EmailDto, EmailPageDto, EmailTemplateDto, SendEmailDto } from './dtos/email.dto';
import { Mailer } from './mailer';

const invalid = (field: string, message: string) => new ValidationFailedException([{ field, messages: [message] }], message);

/** Mass e-mails to platform users: validated, recorded one delivery per recipient, sent by the queue. */
@Injectable()
export class EmailsService {
  private readonly logger = new Logger(EmailsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Email) private readonly emails: Repository<Email>,
    @InjectRepository(EmailDelivery) private readonly deliveries: Repository<EmailDelivery>,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(AccessGroup) private readonly accessGroups: Repository<AccessGroup>,
    private readonly mailer: Mailer,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  templates(): EmailTemplateDto[] {
    return EMAIL_TEMPLATES.map((t) => ({
      id: t.id,
      name: t.name,
      description: t.description,
      variables: [
        ...t.variables.map((v) => ({ name: v.name, description: v.description, required: v.required, max_length: v.maxLength, per_recipient: false })),
        ...RECIPIENT_VARIABLES.map((v) => ({ name: v.name, description: v.description, required: false, max_length: v.maxLength, per_recipient: true })),
      ],
      subject: t.subject,
      text: t.text,
      html: t.html,
    }));
  }

  async queueEmail(actor: UserPrincipal, dto: SendEmailDto): Promise<EmailDto> {
    if (!this.mailer.enabled) {
      throw new ConflictException('E-mail is disabled on this server: an administrator must set SMTP_HOST (and the other SMTP_* settings) first');
    }
    const template = findTemplate(dto.template)!;
    const variables = this.checkVariables(template, dto.variables ?? {});
    const audience = this.audienceOf(dto);
    const recipients = await this.resolveRecipients(audience);
    AuditTrail.describe({ details: { template: template.id, audience, recipients: recipients.length } });

    const email = await this.db.transaction(async (manager) => {
      const saved = await manager.save(
        manager.create(Email, { template: template.id, subject: renderSubject(template, variables), variables, audience, createdBy: actor.id }),
      );
      await manager.insert(
        EmailDelivery,
        recipients.map((u) => ({ emailId: saved.id, userId: u.id, address: u.email, recipientName: u.name || u.email })),
      );
      return saved;
    });
    AuditTrail.describe({ targetType: 'email', targetId: email.id });

    const rows = await this.deliveries.find({ where: { emailId: email.id }, select: { id: true } });
    try {
      for (const row of rows) await this.queue.send<EmailDeliveryJob>(EMAIL_QUEUE, { deliveryId: row.id }, { ...emailJobOptions(this.config), singletonKey: row.id });
    } catch (err) {
      this.logger.error({ err, emailId: email.id }, 'Could not queue e-mail deliveries');
      // Deliveries already queued go out; the others are marked so the history tells the truth.
      await this.deliveries
        .createQueryBuilder()
        .update()
        .set({ state: DeliveryState.Failed, lastError: 'could not be queued' })
        .where('email_id = :id AND state = :queued AND attempts = 0', { id: email.id, queued: DeliveryState.Queued })
        .execute()
        .catch(() => undefined);
      throw new ServiceUnavailableException('The message could not be queued in full: see its deliveries in GET /api/admin/emails');
    }
    return this.get(email.id);
  }

  async list(query: PaginationQueryDto): Promise<EmailPageDto> {
    const [emails, total] = await this.emails.findAndCount({ order: { createdAt: 'DESC', id: 'ASC' }, skip: query.offset, take: query.limit });
    const deliveries = emails.length
      ? await this.deliveries.find({ where: { emailId: In(emails.map((e) => e.id)) }, order: { address: 'ASC', id: 'ASC' } })
      : [];
    return toPage(
      emails.map((e) => toDto(e, deliveries.filter((d) => d.emailId === e.id))),
      total,
      query,
    );
  }

  private async get(id: string): Promise<EmailDto> {
    const email = await this.emails.findOneByOrFail({ id });
    return toDto(email, await this.deliveries.find({ where: { emailId: id }, order: { address: 'ASC', id: 'ASC' } }));
  }

  /** Only the template's own variables, as text within their limits; required ones present. */
  private checkVariables(template: EmailTemplate, given: Record<string, unknown>): Record<string, string> {
    const errors: FieldErrorDto[] = [];
    const known = new Map(template.variables.map((v) => [v.name, v]));
    for (const [name, value] of Object.entries(given)) {
      const variable = known.get(name);
      if (!variable) errors.push({ field: `variables.${name}`, messages: [`template ${template.id} has no variable ${name} (it takes: ${[...known.keys()].join(', ')})`] });
      else if (typeof value !== 'string') errors.push({ field: `variables.${name}`, messages: [`variables.${name} must be text`] });
      else if (value.length > variable.maxLength) errors.push({ field: `variables.${name}`, messages: [`variables.${name} must be at most ${variable.maxLength} characters long`] });
    }
    for (const variable of template.variables) {
      const value = given[variable.name];
      if (variable.required && (typeof value !== 'string' || !value.trim()) && known.has(variable.name) && !errors.some((e) => e.field === `variables.${variable.name}`)) {
        errors.push({ field: `variables.${variable.name}`, messages: [`variables.${variable.name} is required by template ${template.id}`] });
      }
    }
    if (errors.length) throw new ValidationFailedException(errors, errors.map((e) => e.messages[0]).join('; '));
    const values: Record<string, string> = {};
    for (const variable of template.variables) values[variable.name] = typeof given[variable.name] === 'string' ? (given[variable.name] as string) : '';
    return values;
  }

  private audienceOf(dto: SendEmailDto): EmailAudience {
    switch (dto.recipients) {
      case EmailAudienceKind.UserGroup:
        return { recipients: dto.recipients, user_group: dto.user_group };
      case EmailAudienceKind.AccessGroup:
        return { recipients: dto.recipients, access_group_id: dto.access_group_id };
      case EmailAudienceKind.Users:
        return { recipients: dto.recipients, user_ids: [...new Set(dto.user_ids)] };
      default:
        return { recipients: EmailAudienceKind.AllUsers };
    }
  }

  /** Active users only, each once; an audience with nobody in it is refused rather than recorded empty. */
  private async resolveRecipients(audience: EmailAudience): Promise<Pick<User, 'id' | 'email' | 'name'>[]> {
    const select = { id: true, email: true, name: true } as const;
    let users: User[];
    switch (audience.recipients) {
      case EmailAudienceKind.UserGroup:
        users = await this.users.find({ select, where: { isActive: true, groups: ArrayContains([audience.user_group!]) } });
        break;
      case EmailAudienceKind.AccessGroup:
        if (!(await this.accessGroups.existsBy({ id: audience.access_group_id! }))) throw invalid('access_group_id', 'access_group_id: no access group has this id');
        users = await this.users.find({ select, where: { isActive: true, accessGroupId: audience.access_group_id! } });
        break;
      case EmailAudienceKind.Users: {
        users = await this.users.find({ select, where: { isActive: true, id: In(audience.user_ids!) } });
        const found = new Set(users.map((u) => u.id));
        const missing = audience.user_ids!.filter((id) => !found.has(id));
        if (missing.length) throw invalid('user_ids', `user_ids: no active user has the id ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (and ${missing.length - 10} more)` : ''}`);
        break;
      }
      default:
        users = await this.users.find({ select, where: { isActive: true } });
    }
    if (!users.length) throw invalid('recipients', 'recipients: no active user matches this audience');
    return users.sort((a, b) => a.email.localeCompare(b.email));
  }
}

function toDto(email: Email, deliveries: EmailDelivery[]): EmailDto {
  const count = (state: DeliveryState) => deliveries.filter((d) => d.state === state).length;
  return {
    id: email.id,
    template: email.template,
    subject: email.subject,
    variables: email.variables,
    audience: email.audience,
    created_by: email.createdBy,
    created_at: email.createdAt,
    counts: { queued: count(DeliveryState.Queued), sent: count(DeliveryState.Sent), failed: count(DeliveryState.Failed) },
    deliveries: deliveries.map((d) => ({ user_id: d.userId, address: d.address, state: d.state, attempts: d.attempts, last_error: d.lastError, sent_at: d.sentAt })),
  };
}
