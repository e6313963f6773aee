import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppRequest, GUEST, Principal, PrincipalResolver } from '../../common/access/principal';
import { verifyPassword } from '../../common/security/passwords';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AuditTrail } from '../audit/audit-trail';
import { UsersService } from '../users/users.service';
import { LoginDto, TokenResponseDto } from './dtos/login.dto';
import { LoginThrottleService } from './login-throttle.service';

interface AccessTokenPayload {
  sub: string;
  /** The user's token version when issued: a password change or deactivation invalidates older tokens. */
  tv: number;
}

@Injectable()
export class AuthService extends PrincipalResolver {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly throttle: LoginThrottleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async login(dto: LoginDto, ip: string): Promise<TokenResponseDto> {
    const email = dto.email.trim().toLowerCase();
    AuditTrail.describe({ targetType: 'user', details: { email } });
    await this.throttle.beforeAttempt(email, ip);
    const user = await this.users.findByEmailWithPassword(email);
    const valid = await verifyPassword(user?.passwordHash, dto.password);
    if (!user || !valid || !user.isActive) {
      await this.throttle.failed(email, ip);
      throw new UnauthorizedException('Invalid email or password');
    }
    await Promise.all([this.throttle.succeeded(email), this.users.recordLogin(user.id)]);
    AuditTrail.describe({ actor: { id: user.id, email: user.email }, targetId: user.id });
    return this.issueToken(user.id, user.tokenVersion);
  }

  async issueToken(userId: string, tokenVersion: number): Promise<TokenResponseDto> {
    const payload: AccessTokenPayload = { sub: userId, tv: tokenVersion };
    const expiresIn = this.config.auth.jwtExpiresIn;
    return { access_token: await this.jwt.signAsync(payload, { expiresIn }), token_type: 'Bearer', expires_in: expiresIn };
  }

  async resolve(request: AppRequest): Promise<Principal> {
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey) {
      const principal = await this.users.principalByApiKey(apiKey);
      if (!principal) throw new UnauthorizedException('Invalid API key');
      return principal;
    }
    const authorization = request.headers.authorization;
    if (!authorization) return GUEST;
    const [scheme, token] = authorization.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw new UnauthorizedException('Authorization header must be "Bearer <token>"');
    let payload: AccessTokenPayload;
    try {
      payload = await this.jwt.verifyAsync<AccessTokenPayload>(token, { algorithms: ['HS256'] });
    } catch {
      throw new UnauthorizedException('Invalid or expired token');
    }
    const principal = await this.users.principalByToken(payload.sub, payload.tv);
    if (!principal) throw new UnauthorizedException('Invalid or expired token');
    return principal;
  }
}
