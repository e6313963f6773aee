import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import {
  UserDailyStatDto,
  IocStatDto,
  MaliciousIpStatDto,
  MitreStatDto,
  StatsPeriodQueryDto,
  StatsQueryDto,
  TopStatsQueryDto,
  UserStatDto,
  YaraInfoDto,
  YaraStatDto,
} from './dtos/stats.dto';
import { StatsService } from './stats.service';

const ROLLUP = ' Counted from the daily roll-up, brought up to date every 5 minutes by the `stats.rollup` job; days are UTC.';
const invalid = ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'A malformed or out-of-range parameter' });

@ApiTags('Statistics')
@Controller('api/users')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('stat')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Get User Stat',
    description: 'Submissions and reports in the period, submissions by verdict and by file type: yours (`scope=me`, the default) or all you may see (`scope=all`).' + ROLLUP,
  })
  @ApiOkResponse({ type: UserStatDto })
  @invalid
  userStat(@CurrentUser() user: UserPrincipal, @Query() query: StatsQueryDto): Promise<UserStatDto> {
    return this.stats.userSummary(user, query.scope ?? 'me', query.days);
  }

  @Get('stat/generic')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get User Generic Stat', description: 'The same figures over every public report, not related to any user.' + ROLLUP })
  @ApiOkResponse({ type: UserStatDto })
  @invalid
  genericStat(@Query() query: StatsPeriodQueryDto): Promise<UserStatDto> {
    return this.stats.genericSummary(query.days);
  }

  @Get('stat/malicious-ips')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Get Malicious Ips Stat',
    description: 'The IP addresses named by most MALICIOUS or LIKELY_MALICIOUS reports you may see (`scope=all`, the default) or of yours (`scope=me`).' + ROLLUP,
  })
  @ApiOkResponse({ type: [MaliciousIpStatDto] })
  @invalid
  maliciousIps(@CurrentUser() user: UserPrincipal, @Query() query: TopStatsQueryDto): Promise<MaliciousIpStatDto[]> {
    return this.stats.maliciousIps(user, query.scope ?? 'all', query.days, query.limit);
  }

  @Get('stat/iocs')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get Ioc Stat', description: 'IOCs found by type (the files\' own digests excluded), over the reports you may see (`scope=all`, the default) or yours.' + ROLLUP })
  @ApiOkResponse({ type: [IocStatDto] })
  @invalid
  iocs(@CurrentUser() user: UserPrincipal, @Query() query: StatsQueryDto): Promise<IocStatDto[]> {
    return this.stats.iocs(user, query.scope ?? 'all', query.days);
  }

  @Get('stat/yara')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get Yara Stat', description: 'The YARA rules that matched most reports you may see (`scope=all`, the default) or yours.' + ROLLUP })
  @ApiOkResponse({ type: [YaraStatDto] })
  @invalid
  yara(@CurrentUser() user: UserPrincipal, @Query() query: TopStatsQueryDto): Promise<YaraStatDto[]> {
    return this.stats.yara(user, query.scope ?? 'all', query.days, query.limit);
  }

  @Get('stat/mitre')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Get Mitre Stat',
    description: 'The ATT&CK techniques behind the signals of most reports you may see (`scope=all`, the default) or yours.' + ROLLUP,
  })
  @ApiOkResponse({ type: [MitreStatDto] })
  @invalid
  mitre(@CurrentUser() user: UserPrincipal, @Query() query: TopStatsQueryDto): Promise<MitreStatDto[]> {
    return this.stats.mitre(user, query.scope ?? 'all', query.days, query.limit);
  }

  @Get('stat/daily')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Get User Daily Stat',
    description: 'Submissions, reports and submissions by verdict per day, oldest first, days without any included: yours (`scope=me`, the default) or all you may see.' + ROLLUP,
  })
  @ApiOkResponse({ type: [UserDailyStatDto] })
  @invalid
  daily(@CurrentUser() user: UserPrincipal, @Query() query: StatsQueryDto): Promise<UserDailyStatDto[]> {
    return this.stats.daily(user, query.scope ?? 'me', query.days);
  }

  @Get('info/yara')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get Yara Info', description: 'The YARA rules the engine scans with: the bundled rule files and the rule sets administrators uploaded.' })
  @ApiOkResponse({ type: YaraInfoDto })
  yaraInfo(): Promise<YaraInfoDto> {
    return this.stats.yaraInfo();
  }
}
