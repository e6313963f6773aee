import type { FastifyRequest } from 'fastify';
import { UserGroup } from './user-group';

export interface UserPrincipal {
  kind: 'user';
  id: string;
  email: string;
  groups: UserGroup[];
  accessGroupId: string | null;
  /** How the caller proved who it is. */
  via: 'jwt' | 'api-key';
}

export interface GuestPrincipal {
  kind: 'guest';
}

export type Principal = UserPrincipal | GuestPrincipal;

export const GUEST: GuestPrincipal = Object.freeze({ kind: 'guest' });

export type AppRequest = FastifyRequest & { principal?: Principal };

/** Resolves the caller of a request from its credentials; implemented by the auth module. */
export abstract class PrincipalResolver {
  /** The caller, GUEST when the request carries no credentials; throws 401 on bad credentials. */
  abstract resolve(request: AppRequest): Promise<Principal>;
}

/** Told about every refused call (401/403) before the refusal is sent; the audit module records them. */
export abstract class AccessDeniedListener {
  abstract denied(request: AppRequest, handler: Function, status: number, reason: string): Promise<void>;
}
