import { GUEST, UserPrincipal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { QuotaPeriod, QuotaResource, QuotaScope } from './api-quota.entity';
import { QuotaIndex, QuotaRule } from './quota-rules';

let seq = 0;
const rule = (scope: QuotaScope, scopeId: string, limit: number, resource = QuotaResource.Api, period = QuotaPeriod.Day): QuotaRule => ({
  id: `q${++seq}`,
  scope,
  scopeId,
  resource,
  period,
  limit,
});

const user = (over: Partial<UserPrincipal> = {}): UserPrincipal => ({
  kind: 'user',
  id: 'u1',
  email: 'u1@example.com',
  groups: [UserGroup.User],
  accessGroupId: null,
  via: 'jwt',
  ...over,
});

const API = [QuotaResource.Api];

describe('QuotaIndex.applicable', () => {
  it('finds nothing when there are no rules', () => {
    expect(QuotaIndex.EMPTY.applicable(user(), '127.0.0.1', API)).toEqual([]);
  });

  it('prefers the user rule over the access-group rule over the user-group rules, per resource and period', () => {
    const own = rule(QuotaScope.User, 'u1', 50);
    const team = rule(QuotaScope.AccessGroup, 'ag1', 20);
    const group = rule(QuotaScope.UserGroup, UserGroup.User, 10);
    const index = new QuotaIndex([group, team, own]);
    expect(index.applicable(user({ accessGroupId: 'ag1' }), 'ip', API).map((a) => a.rule)).toEqual([own]);
    expect(index.applicable(user({ id: 'u2', accessGroupId: 'ag1' }), 'ip', API).map((a) => a.rule)).toEqual([team]);
    expect(index.applicable(user({ id: 'u2' }), 'ip', API).map((a) => a.rule)).toEqual([group]);
  });

  it('keeps rules of other periods and resources of a less specific level', () => {
    const ownDay = rule(QuotaScope.User, 'u1', 50, QuotaResource.Api, QuotaPeriod.Day);
    const groupHour = rule(QuotaScope.UserGroup, UserGroup.User, 10, QuotaResource.Api, QuotaPeriod.Hour);
    const groupScan = rule(QuotaScope.UserGroup, UserGroup.User, 5, QuotaResource.Scan, QuotaPeriod.Day);
    const index = new QuotaIndex([ownDay, groupHour, groupScan]);
    expect(index.applicable(user(), 'ip', API).map((a) => a.rule)).toEqual([groupHour, ownDay]);
    expect(index.applicable(user(), 'ip', [QuotaResource.Api, QuotaResource.Scan]).map((a) => a.rule)).toEqual([groupScan, groupHour, ownDay]);
  });

  it('takes the most generous of several user-group rules', () => {
    const users = rule(QuotaScope.UserGroup, UserGroup.User, 10);
    const intel = rule(QuotaScope.UserGroup, UserGroup.Intel, 100);
    const index = new QuotaIndex([users, intel]);
    expect(index.applicable(user({ groups: [UserGroup.User, UserGroup.Intel] }), 'ip', API).map((a) => a.rule)).toEqual([intel]);
    expect(index.applicable(user({ groups: [UserGroup.Admin] }), 'ip', API)).toEqual([]);
  });

  it('covers guests with the guest user-group rule, counted per address', () => {
    const guests = rule(QuotaScope.UserGroup, 'guest', 5);
    const index = new QuotaIndex([guests, rule(QuotaScope.UserGroup, UserGroup.User, 1)]);
    expect(index.applicable(GUEST, '203.0.113.9', API)).toEqual([{ rule: guests, bucket: `quota:${guests.id}:ip:203.0.113.9`, windowSeconds: 86_400 }]);
    expect(index.applicable(user({ groups: [] }), 'ip', API)).toEqual([]);
  });

  it('counts access-group rules in one counter for the whole group, the others per user', () => {
    const team = rule(QuotaScope.AccessGroup, 'ag1', 20, QuotaResource.Api, QuotaPeriod.Hour);
    const own = rule(QuotaScope.User, 'u1', 7, QuotaResource.Api, QuotaPeriod.Minute);
    const index = new QuotaIndex([team, own]);
    expect(index.applicable(user({ accessGroupId: 'ag1' }), 'ip', API)).toEqual([
      { rule: own, bucket: `quota:${own.id}:u1`, windowSeconds: 60 },
      { rule: team, bucket: `quota:${team.id}:group`, windowSeconds: 3_600 },
    ]);
  });

  it('ignores resources the route does not consume', () => {
    const index = new QuotaIndex([rule(QuotaScope.User, 'u1', 0, QuotaResource.Download)]);
    expect(index.applicable(user(), 'ip', [QuotaResource.Api, QuotaResource.Scan])).toEqual([]);
  });
});
