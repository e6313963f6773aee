import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { createValidationPipe, ValidationFailedException } from '../../common/errors/validation';
import { readSmallUpload } from '../../common/http/small-upload';
import { AuditTrail } from '../audit/audit-trail';
import { LOGO_ID, LogoDto, SelectLogoDto } from './dtos/logo.dto';
import { checkLogo, LogoRefused, MAX_LOGO_BYTES } from './logo-content';
import { Logo, LogoSelection } from './logo.entity';

const BUILTIN_DIR = join(__dirname, 'assets', 'logos');
const DEFAULT_LOGO = 'builtin:default';
const BIDI_AND_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** The built-in logos shipped in assets/logos, read once. */
const BUILTIN: Map<string, Buffer> = new Map(
  readdirSync(BUILTIN_DIR)
    .filter((f) => /^[a-z0-9-]+\.svg$/.test(f))
    .sort()
    .map((f) => [`builtin:${f.slice(0, -4)}`, readFileSync(join(BUILTIN_DIR, f))]),
);

const fieldError = (field: string, message: string) => new ValidationFailedException([{ field, messages: [message] }], message);
const url = (id: string) => `/api/system/logo?logo=${id}`;

export interface LogoImage {
  mime: string;
  content: Buffer;
}

@Injectable()
export class LogosService {
  constructor(
    @InjectRepository(Logo) private readonly logos: Repository<Logo>,
    @InjectRepository(LogoSelection) private readonly selection: Repository<LogoSelection>,
  ) {}

  async list(): Promise<LogoDto[]> {
    const selected = await this.selected();
    const uploaded = await this.logos.find({ select: { id: true, name: true, mime: true }, order: { createdAt: 'ASC' } });
    return [
      ...[...BUILTIN.keys()].map((id) => ({ id, name: id.slice('builtin:'.length), mime: 'image/svg+xml', builtIn: true, selected: id === selected, url: url(id) })),
      ...uploaded.map((l) => ({ id: l.id, name: l.name, mime: l.mime, builtIn: false, selected: l.id === selected, url: url(l.id) })),
    ];
  }

  /** The selected logo, or the one named. */
  async image(id?: string): Promise<LogoImage> {
    const wanted = id ?? (await this.selected());
    const builtin = BUILTIN.get(wanted);
    if (builtin) return { mime: 'image/svg+xml', content: builtin };
    const logo = LOGO_ID.test(wanted) && !wanted.startsWith('builtin:') ? await this.logos.findOneBy({ id: wanted }) : null;
    if (!logo) throw new NotFoundException(`No logo ${wanted}`);
    return { mime: logo.mime, content: logo.content };
  }

  /** JSON `{logo}` selects a listed logo; multipart uploads one (field `file`, optional `name`), checks it and selects it. */
  async select(actor: UserPrincipal, request: FastifyRequest): Promise<LogoDto> {
    let id: string;
    if (request.isMultipart()) {
      const upload = await readSmallUpload(request, MAX_LOGO_BYTES);
      if (!upload.file) throw fieldError('file', 'Send the logo in the field "file", or JSON {"logo": id} to select a listed one');
      let mime: string;
      try {
        mime = checkLogo(upload.file.bytes);
      } catch (err) {
        if (err instanceof LogoRefused) throw fieldError('file', err.message);
        throw err;
      }
      // A display name only: never used as a path.
      const name = (upload.fields.name ?? upload.file.filename ?? '').replace(BIDI_AND_CONTROL, '').trim().slice(0, 100) || 'logo';
      const saved = await this.logos.save(this.logos.create({ name, mime, content: upload.file.bytes, uploadedBy: actor.id }));
      id = saved.id;
    } else {
      const dto = (await createValidationPipe().transform(request.body ?? {}, { type: 'body', metatype: SelectLogoDto })) as SelectLogoDto;
      id = dto.logo;
      if (!BUILTIN.has(id) && (id.startsWith('builtin:') || !(await this.logos.existsBy({ id })))) throw new NotFoundException(`No logo ${id}`);
    }
    const before = await this.selected();
    await this.selection.upsert({ id: 1, logo: id, selectedBy: actor.id, selectedAt: new Date() }, ['id']);
    AuditTrail.describe({ targetType: 'logo', targetId: id, before: { logo: before }, after: { logo: id } });
    return (await this.list()).find((l) => l.id === id)!;
  }

  private async selected(): Promise<string> {
    return (await this.selection.findOneBy({ id: 1 }))?.logo ?? DEFAULT_LOGO;
  }
}
