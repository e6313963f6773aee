/** User groups (roles). A user may hold several; anonymous callers hold none. */
export enum UserGroup {
  Admin = 'admin',
  /** Read-only administrator: may read everything an admin reads, change nothing. */
  Auditor = 'auditor',
  /** Threat-intelligence analyst: may change verdicts and read intel feeds. */
  Intel = 'intel',
  User = 'user',
}

export const ALL_USER_GROUPS = Object.values(UserGroup);
