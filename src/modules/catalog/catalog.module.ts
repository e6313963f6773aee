import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AvatarController } from './avatar.controller';
import { AvatarService } from './avatar.service';
import { CatalogController } from './catalog.controller';
import { CatalogService } from './catalog.service';
import { NewsController, NotificationsController } from './news.controller';
import { NewsItem, NewsView } from './news.entity';
import { NewsService } from './news.service';
import { Logo, LogoSelection } from './logo.entity';
import { AdminLogosController, LogoController } from './logos.controller';
import { LogosService } from './logos.service';

/** Reference data of `/api/system/*` (signals, ATT&CK, MIME types, YARA rules, countries, languages), news and notifications, avatars, logos. */
@Module({
  imports: [TypeOrmModule.forFeature([NewsItem, NewsView, Logo, LogoSelection])],
  controllers: [CatalogController, NewsController, NotificationsController, AvatarController, AdminLogosController, LogoController],
  providers: [CatalogService, NewsService, AvatarService, LogosService],
})
export class CatalogModule {}
