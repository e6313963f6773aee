import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isUUID } from 'class-validator';
import { AuditTrail } from '../audit/audit-trail';
import { isUniqueViolation } from '../users/users.service';
import { SaveScanProfileDto, ScanProfileDto } from './dtos/scan-profile.dto';
import { PROFILE_OPTION_NAMES } from './scan-options';
import { ScanProfile } from './scan-profile.entity';

/** Each user's saved scan profiles: named option sets applied with `scan_profile`. */
@Injectable()
export class ScanProfilesService {
  constructor(@InjectRepository(ScanProfile) private readonly profiles: Repository<ScanProfile>) {}

  async list(ownerId: string): Promise<ScanProfileDto[]> {
    const rows = await this.profiles.find({ where: { ownerId }, order: { name: 'ASC' } });
    return rows.map(ScanProfileDto.from);
  }

  /** The caller's profile by id or, when `ref` is not a UUID (or no profile has that id), by name. */
  async resolve(ownerId: string, ref: string): Promise<ScanProfile | null> {
    if (isUUID(ref)) {
      const byId = await this.profiles.findOneBy({ ownerId, id: ref });
      if (byId) return byId;
    }
    return this.profiles.findOneBy({ ownerId, name: ref.trim() });
  }

  /** Edits the profile with `id` (404 when it is not the caller's), else the one named `name`, else creates it. */
  async save(ownerId: string, dto: SaveScanProfileDto): Promise<ScanProfileDto> {
    // Only the options that were given: a profile does not freeze today's defaults.
    const options: Record<string, boolean> = {};
    for (const name of PROFILE_OPTION_NAMES) {
      const value = dto.options[name];
      if (typeof value === 'boolean') options[name] = value;
    }
    const existing = dto.id
      ? await this.profiles.findOneBy({ ownerId, id: dto.id })
      : await this.profiles.findOneBy({ ownerId, name: dto.name });
    if (dto.id && !existing) throw new NotFoundException('Scan profile not found');
    const before = existing ? ScanProfileDto.from(existing) : undefined;
    const profile = existing ?? this.profiles.create({ ownerId });
    profile.name = dto.name;
    profile.options = options;
    try {
      await this.profiles.save(profile);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictException(`You already have a scan profile named "${dto.name}"`);
      throw err;
    }
    const after = ScanProfileDto.from(profile);
    AuditTrail.describe({ targetType: 'scan-profile', targetId: profile.id, before, after, details: { created: !existing } });
    return after;
  }

  async remove(ownerId: string, id: string): Promise<void> {
    const existing = await this.profiles.findOneBy({ ownerId, id });
    if (!existing) throw new NotFoundException('Scan profile not found');
    await this.profiles.delete({ ownerId, id });
    AuditTrail.describe({ targetType: 'scan-profile', targetId: id, before: ScanProfileDto.from(existing) });
  }
}
