import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { FieldErrorDto } from '../../common/errors/error-response.dto';
import { ValidationFailedException } from '../../common/errors/validation';
import { AuditTrail } from '../audit/audit-trail';
import { SettingsGroupDto } from './dtos/settings.dto';
import { SettingRecord } from './setting.entity';
import { isSettingsGroup, SETTINGS_GROUPS, settingsDefaults, SettingsGroupName, SettingsOf } from './settings-groups';

const fieldErrors = (errors: ValidationError[], parent = ''): FieldErrorDto[] =>
  errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    return [...(e.constraints ? [{ field, messages: Object.values(e.constraints) }] : []), ...fieldErrors(e.children ?? [], field)];
  });

/**
 * Administrators' settings, one typed group at a time. Other modules read them with `get(group)`:
 * always the whole group, saved values over defaults, read from the database on each call so a save
 * in one process applies in every process at once.
 */
@Injectable()
export class SettingsService {
  constructor(@InjectRepository(SettingRecord) private readonly records: Repository<SettingRecord>) {}

  /** The group's values: saved ones over the defaults (fields saved by an older version and since removed are left out). */
  async get<G extends SettingsGroupName>(group: G): Promise<SettingsOf<G>> {
    const record = await this.records.findOneBy({ group });
    return this.merge(group, record?.value ?? {});
  }

  async read(name: string): Promise<SettingsGroupDto> {
    const group = this.groupOf(name);
    const record = await this.records.findOneBy({ group });
    return this.dto(group, record);
  }

  /**
   * Saves the fields given (the others keep their values), after validating the whole group: 422
   * naming every bad or unknown field. Audited with the group before and after.
   */
  async save(actor: UserPrincipal, name: string, body: unknown): Promise<SettingsGroupDto> {
    const group = this.groupOf(name);
    AuditTrail.describe({ targetType: 'settings', targetId: group }); // refused saves are recorded against the group too
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ValidationFailedException([{ field: '', messages: ['the body must be a JSON object of settings'] }]);
    }
    const before = await this.get(group);
    const candidate = plainToInstance(SETTINGS_GROUPS[group] as new () => object, { ...before, ...body });
    const errors = validateSync(candidate, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
    if (errors.length) throw new ValidationFailedException(fieldErrors(errors));
    const value = this.merge(group, candidate as Record<string, unknown>);
    // jsonb through the query builder: TypeORM's deep-partial type cannot describe an arbitrary object.
    await this.records.upsert({ group, value: value as unknown as never, updatedBy: actor.id, updatedAt: new Date() }, ['group']);
    AuditTrail.describe({ targetType: 'settings', targetId: group, before, after: value });
    return this.dto(group, await this.records.findOneBy({ group }));
  }

  private groupOf(name: string): SettingsGroupName {
    if (!isSettingsGroup(name)) throw new NotFoundException(`No settings group named ${name}`);
    return name;
  }

  private merge<G extends SettingsGroupName>(group: G, saved: Record<string, unknown>): SettingsOf<G> {
    const values = settingsDefaults(group) as Record<string, unknown>;
    for (const key of Object.keys(values)) if (Object.prototype.hasOwnProperty.call(saved, key)) values[key] = saved[key];
    return values as SettingsOf<G>;
  }

  private dto(group: SettingsGroupName, record: SettingRecord | null): SettingsGroupDto {
    return {
      group,
      values: this.merge(group, record?.value ?? {}) as unknown as Record<string, unknown>,
      updated_at: record?.updatedAt ?? null,
      updated_by: record?.updatedBy ?? null,
    };
  }
}
