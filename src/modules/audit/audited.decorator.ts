import { SetMetadata } from '@nestjs/common';

export const AUDITED = 'audit:action';

/** Records every call of the route in the audit log under `action` (e.g. `user.update`), successful or not. */
export const Audited = (action: string) => SetMetadata(AUDITED, action);
