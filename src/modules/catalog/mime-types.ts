/**
 * The types the engine identifies by content (src/engine/identify/identify.ts), for
 * GET /api/system/mime-types. mime-types.spec.ts fails when identify.ts names a MIME type missing here.
 */
export interface MimeTypeEntry {
  mime: string;
  description: string;
  extensions: string[];
}

const M = (mime: string, description: string, ...extensions: string[]): MimeTypeEntry => ({ mime, description, extensions });

export const ENGINE_MIME_TYPES: MimeTypeEntry[] = [
  M('application/vnd.microsoft.portable-executable', 'Windows executable (PE)', 'exe', 'sys'),
  M('application/x-msdownload', 'Windows dynamic-link library (PE DLL)', 'dll'),
  M('application/x-dosexec', 'MS-DOS executable', 'exe'),
  M('application/x-executable', 'ELF executable or shared object', 'elf', 'so'),
  M('application/x-mach-binary', 'Mach-O executable', 'macho'),
  M('application/java-vm', 'Java class file', 'class'),
  M('application/vnd.android.dex', 'Android Dalvik executable', 'dex'),
  M('application/java-archive', 'Java archive (JAR)', 'jar'),
  M('application/vnd.android.package-archive', 'Android package (APK)', 'apk'),
  M('application/x-ole-storage', 'Composite Document File V2 (OLE: Word, Excel, PowerPoint 97-2003, MSI)', 'doc', 'xls', 'ppt', 'msi'),
  M('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'Microsoft Word 2007+', 'docx'),
  M('application/vnd.ms-word.document.macroEnabled.12', 'Microsoft Word 2007+ (macro-enabled)', 'docm'),
  M('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'Microsoft Excel 2007+', 'xlsx'),
  M('application/vnd.ms-excel.sheet.macroEnabled.12', 'Microsoft Excel 2007+ (macro-enabled)', 'xlsm'),
  M('application/vnd.openxmlformats-officedocument.presentationml.presentation', 'Microsoft PowerPoint 2007+', 'pptx'),
  M('application/vnd.ms-powerpoint.presentation.macroEnabled.12', 'Microsoft PowerPoint 2007+ (macro-enabled)', 'pptm'),
  M('application/vnd.openxmlformats-officedocument', 'Office Open XML document'),
  M('application/vnd.oasis.opendocument', 'OpenDocument', 'odt', 'ods', 'odp'),
  M('text/rtf', 'Rich Text Format document', 'rtf'),
  M('application/pdf', 'PDF document', 'pdf'),
  M('application/x-ms-shortcut', 'Windows shortcut (LNK)', 'lnk'),
  M('application/vnd.ms-htmlhelp', 'Windows HtmlHelp (CHM)', 'chm'),
  M('application/vnd.ms-tnef', 'Transport Neutral Encapsulation Format (winmail.dat)', 'dat'),
  M('application/zip', 'Zip archive', 'zip'),
  M('application/vnd.rar', 'RAR archive', 'rar'),
  M('application/x-7z-compressed', '7-Zip archive', '7z'),
  M('application/gzip', 'gzip compressed data', 'gz'),
  M('application/x-bzip2', 'bzip2 compressed data', 'bz2'),
  M('application/x-xz', 'XZ compressed data', 'xz'),
  M('application/zstd', 'Zstandard compressed data', 'zst'),
  M('application/vnd.ms-cab-compressed', 'Microsoft Cabinet archive', 'cab'),
  M('application/x-tar', 'POSIX tar archive', 'tar'),
  M('application/x-iso9660-image', 'ISO 9660 disk image', 'iso'),
  M('application/x-raw-disk-image', 'Virtual disk or file-system image (VHD, VHDX, VMDK, VDI, QCOW, DMG, raw MBR or GPT disk, UDF, FAT, NTFS, ext)', 'vhd', 'vhdx', 'vmdk', 'vdi', 'qcow2', 'dmg', 'img', 'udf'),
  M('application/x-arj', 'ARJ archive', 'arj'),
  M('application/x-cpio', 'cpio archive', 'cpio'),
  M('image/png', 'PNG image', 'png'),
  M('image/jpeg', 'JPEG image', 'jpg'),
  M('image/gif', 'GIF image', 'gif'),
  M('image/bmp', 'BMP image', 'bmp'),
  M('image/vnd.microsoft.icon', 'Windows icon', 'ico'),
  M('image/svg+xml', 'SVG image', 'svg'),
  M('text/html', 'HTML document', 'html'),
  M('application/hta', 'HTML application (HTA)', 'hta'),
  M('application/xml', 'XML document', 'xml'),
  M('message/rfc822', 'E-mail message (RFC 822)', 'eml'),
  M('application/javascript', 'JavaScript / JScript', 'js'),
  M('text/vbscript', 'VBScript', 'vbs'),
  M('text/x-powershell', 'PowerShell script', 'ps1'),
  M('text/x-msdos-batch', 'DOS batch file', 'bat'),
  M('text/x-shellscript', 'Shell script', 'sh'),
  M('text/x-python', 'Python script', 'py'),
  M('text/plain', 'Text', 'txt'),
  M('application/x-empty', 'Empty file'),
  M('application/octet-stream', 'Data (unidentified)', 'bin'),
];
