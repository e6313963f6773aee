import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class MitreTechniqueRefDto {
  @ApiProperty({ example: 'T1055' }) ID: string;
  @ApiProperty({ example: 'Process Injection' }) name: string;
  @ApiProperty({ type: [String], example: ['defense-evasion', 'privilege-escalation'] }) tactics: string[];
}

export class SignalGroupDto {
  @ApiProperty({ example: 'file.double_extension', description: 'The signal id (`identifier` of a report\'s allSignalGroups entry)' }) identifier: string;
  @ApiProperty({ example: 'File name hides an executable extension behind a document extension' }) description: string;
  @ApiProperty({ example: 'SUSPICIOUS', description: 'The verdict the signal alone stands for' }) verdict: string;
  @ApiProperty({ example: 0.6, description: 'Default signal strength, 0..1' }) strength: number;
  @ApiProperty({ type: [MitreTechniqueRefDto] }) allMitreTechniques: MitreTechniqueRefDto[];
}

export class MimeTypeDto {
  @ApiProperty({ example: 'application/pdf' }) mime: string;
  @ApiProperty({ example: 'PDF document' }) description: string;
  @ApiProperty({ type: [String], example: ['pdf'] }) extensions: string[];
}

export class MitreTacticDto {
  @ApiProperty({ example: 'TA0005' }) id: string;
  @ApiProperty({ example: 'defense-evasion' }) shortName: string;
  @ApiProperty({ example: 'Defense Evasion' }) name: string;
  @ApiProperty({ example: 'https://attack.mitre.org/tactics/TA0005/' }) url: string;
  @ApiProperty({ type: [String], description: 'Ids of the catalogue\'s techniques under this tactic' }) techniques: string[];
}

export class MitreTechniqueDto {
  @ApiProperty({ example: 'T1055.002' }) id: string;
  @ApiProperty({ example: 'Process Injection: Portable Executable Injection' }) name: string;
  @ApiProperty({ type: [String], example: ['defense-evasion', 'privilege-escalation'] }) tactics: string[];
  @ApiProperty({ example: 'https://attack.mitre.org/techniques/T1055/002/' }) url: string;
}

export class MitreDataDto {
  @ApiProperty({ type: [MitreTacticDto] }) tactics: MitreTacticDto[];
  @ApiProperty({ type: [MitreTechniqueDto] }) techniques: MitreTechniqueDto[];
}

export class CountryDto {
  @ApiProperty({ example: 'DE', description: 'ISO 3166-1 alpha-2' }) code: string;
  @ApiProperty({ example: 'DEU' }) alpha3: string;
  @ApiProperty({ example: '276' }) numeric: string;
  @ApiProperty({ example: 'Germany' }) name: string;
}

export class LanguageDto {
  @ApiProperty({ example: 'de', description: 'ISO 639-1' }) code: string;
  @ApiProperty({ example: 'ger', description: 'ISO 639-2' }) alpha3: string;
  @ApiProperty({ example: 'German' }) name: string;
}

export class YaraQueryDto {
  @ApiPropertyOptional({ description: 'Part of a rule name (case-insensitive); empty: the rules that matched at least one report' })
  @IsOptional() @IsString() @MaxLength(128)
  name?: string;
}

export class YaraRuleDto {
  @ApiProperty({ example: 'PE_Process_Injection_Imports' }) name: string;
  @ApiProperty({ example: 'bundled', description: '`bundled`, or the name of the administrators\' rule set' }) ruleset: string;
  @ApiProperty({ type: String, nullable: true, example: 'sandbox engine' }) author: string | null;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: [String], description: 'ATT&CK techniques named by the rule\'s `mitre` meta' }) mitre: string[];
  @ApiProperty({ type: 'integer', description: 'Reports the rule matched' }) matches: number;
}

export class YaraAuthorDto {
  @ApiProperty({ example: 'sandbox engine' }) author: string;
  @ApiProperty({ type: [String], description: 'Names of the author\'s rules (within the selection)' }) rules: string[];
  @ApiProperty({ type: 'integer', description: 'Reports the author\'s rules matched' }) matches: number;
}

export class TermsDto {
  @ApiProperty({ enum: ['privacy-policy', 'terms-and-conditions'] }) type: string;
  @ApiProperty({ enum: ['markdown'] }) format: 'markdown';
  @ApiProperty({ description: 'Whether the operator\'s own text (DATA_DIR/terms/<type>.md) is shown rather than the built-in default' }) custom: boolean;
  @ApiProperty() content: string;
}

export class TranslationsParamsDto {
  @ApiProperty({ enum: ['de', 'en', 'es', 'fr'], description: 'ISO 639-1 code of a language the UI is translated into' })
  @IsIn(['de', 'en', 'es', 'fr'], { message: 'lang must be one of de, en, es, fr' })
  lang: string;
}
