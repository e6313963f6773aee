import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Access } from './access.decorator';
import { AccessGuard } from './access.guard';
import { AppRequest, GUEST, Principal, PrincipalResolver } from './principal';
import { UserGroup } from './user-group';

@Controller('probe')
class ProbeController {
  @Get('undeclared')
  undeclared() {
    return { reached: true };
  }

  @Get('admin')
  @Access.admin()
  admin() {
    return { reached: true };
  }

  @Get('public')
  @Access.public()
  open() {
    return { reached: true };
  }
}

/** A controller-level declaration covers the handlers that have none of their own. */
@Controller('declared-class')
@Access.adminRead()
class DeclaredClassController {
  @Get()
  read() {
    return { reached: true };
  }
}

/** Resolves the caller from a test header: `x-test-groups: admin,user`; no header means a guest. */
class StubPrincipalResolver extends PrincipalResolver {
  async resolve(request: AppRequest): Promise<Principal> {
    const groups = request.headers['x-test-groups'];
    if (typeof groups !== 'string') return GUEST;
    return { kind: 'user', id: 'u1', email: 'u1@example.com', groups: groups.split(',') as UserGroup[], accessGroupId: null, via: 'jwt' };
  }
}

@Module({
  controllers: [ProbeController, DeclaredClassController],
  providers: [{ provide: PrincipalResolver, useClass: StubPrincipalResolver }, { provide: APP_GUARD, useClass: AccessGuard }],
})
class ProbeModule {}

describe('AccessGuard', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  const call = (url: string, groups?: string) =>
    app.inject({ method: 'GET', url, headers: groups === undefined ? {} : { 'x-test-groups': groups } });

  it('refuses a route without an @Access declaration to everyone, admins included (403)', async () => {
    for (const groups of [undefined, 'user', 'admin', 'admin,auditor,intel,user']) {
      const res = await call('/probe/undeclared', groups);
      expect({ groups, status: res.statusCode }).toEqual({ groups, status: 403 });
      expect(res.body).not.toContain('reached');
    }
  });

  it('applies the declared rule: 401 for guests, 403 for other groups, 200 for the named group', async () => {
    expect((await call('/probe/admin')).statusCode).toBe(401);
    expect((await call('/probe/admin', 'user,auditor')).statusCode).toBe(403);
    expect((await call('/probe/admin', 'user,admin')).statusCode).toBe(200);
    expect((await call('/probe/public')).statusCode).toBe(200);
  });

  it('honours a declaration on the controller class', async () => {
    expect((await call('/declared-class', 'auditor')).statusCode).toBe(200);
    expect((await call('/declared-class', 'intel')).statusCode).toBe(403);
  });
});
