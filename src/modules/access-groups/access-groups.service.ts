import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail';
import { isUniqueViolation } from '../users/users.service';
import { AccessGroup } from './access-group.entity';
import { AccessGroupDto, SaveAccessGroupDto } from './dtos/access-group.dto';

@Injectable()
export class AccessGroupsService {
  constructor(
    @InjectRepository(AccessGroup) private readonly groups: Repository<AccessGroup>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** Every group with its member count, by name. */
  async list(): Promise<AccessGroupDto[]> {
    const { entities, raw } = await this.groups
      .createQueryBuilder('g')
      .addSelect('(SELECT count(*) FROM users u WHERE u.access_group_id = g.id)::int', 'member_count')
      .orderBy('g.name', 'ASC')
      .getRawAndEntities<{ g_id: string; member_count: number }>();
    const counts = new Map(raw.map((r) => [r.g_id, r.member_count]));
    return entities.map((group) => AccessGroupDto.from(group, counts.get(group.id) ?? 0));
  }

  async get(id: string): Promise<AccessGroupDto> {
    const group = await this.groups.findOneBy({ id });
    if (!group) throw new NotFoundException('Access group not found');
    return AccessGroupDto.from(group, await this.memberCount(id));
  }

  /** 404 unless the group exists; for services that assign users to a group. */
  async assertExists(id: string): Promise<void> {
    if (!(await this.groups.existsBy({ id }))) throw new NotFoundException('Access group not found');
  }

  private async memberCount(id: string): Promise<number> {
    const [{ count }] = await this.db.query('SELECT count(*)::int AS count FROM users WHERE access_group_id = $1', [id]);
    return count;
  }

  /** Creates a group, or edits it when `dto.id` is given; names are unique (409). */
  async save(dto: SaveAccessGroupDto): Promise<AccessGroupDto> {
    const before = dto.id ? await this.get(dto.id) : undefined;
    let id = dto.id;
    try {
      if (id) {
        const changes: Partial<AccessGroup> = { name: dto.name };
        if (dto.description !== undefined) changes.description = dto.description;
        const { affected } = await this.groups.update({ id }, changes);
        if (!affected) throw new NotFoundException('Access group not found'); // removed meanwhile
      } else {
        const { identifiers } = await this.groups.insert({ name: dto.name, description: dto.description ?? '' });
        id = identifiers[0].id as string;
      }
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictException(`An access group named "${dto.name}" already exists`);
      throw err;
    }
    const after = await this.get(id);
    AuditTrail.describe({ targetType: 'access-group', targetId: id, before, after, details: { created: !before } });
    return after;
  }

  /** Removes a group; its members stay, without a group (the foreign key sets theirs to null). */
  async remove(id: string): Promise<void> {
    const before = await this.get(id);
    await this.db.transaction(async (em) => {
      // Pending invitations hold the id without a foreign key: let them register without a group.
      await em.query('UPDATE invitations SET access_group_id = NULL WHERE access_group_id = $1', [id]);
      const { affected } = await em.getRepository(AccessGroup).delete({ id });
      if (!affected) throw new NotFoundException('Access group not found');
    });
    AuditTrail.describe({ targetType: 'access-group', targetId: id, before, details: { detachedMembers: before.memberCount } });
  }
}
