import { MigrationInterface } from 'typeorm';
import { Init1795454378989 } from './1795454378989-Init';

/** Every migration, in order. Add new ones at the end (`npm run migration:generate -- Name`). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [Init1795454378989];
