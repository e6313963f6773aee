import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { identiconSvg } from './identicon';

@Injectable()
export class AvatarService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The account's identicon; 404 for an unknown account. */
  async svg(accountId: string): Promise<string> {
    const [row] = await this.db.query('SELECT 1 FROM users WHERE id = $1', [accountId]);
    if (!row) throw new NotFoundException(`No account with id ${accountId}`);
    return identiconSvg(accountId);
  }
}
