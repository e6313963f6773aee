/*
 * Office documents whose VBA macros run by themselves when the document is opened or closed
 * (AutoOpen, Document_Open, Workbook_Open, Auto_Open, AutoExec, Document_Close, Auto_Close) and that
 * start programs (Shell, WScript.Shell, Shell.Application, PowerShell, cmd).
 *
 * Catches OLE2 documents (.doc/.xls/.ppt and the vbaProject.bin inside .docm/.xlsm) carrying a VBA
 * project (the identifiers sit uncompressed in the project's p-code and identifier table), and VBA
 * source text once extracted from a document (it starts with "Attribute VB_Name").
 */
rule Office_AutoExec_Macro_Shell : macro office
{
    meta:
        description = "Office document with an auto-executing VBA macro that starts a program (AutoOpen/Document_Open with Shell/WScript)"
        author = "sandbox engine"
        verdict = "suspicious"
        mitre = "T1059.005"

    strings:
        $ole_vba_project = "_VBA_PROJECT" wide
        $vba_source = "Attribute VB_Name" nocase

        $auto_open1 = "AutoOpen" nocase
        $auto_open2 = "Document_Open" nocase
        $auto_open3 = "Workbook_Open" nocase
        $auto_open4 = "Auto_Open" nocase
        $auto_open5 = "AutoExec" nocase
        $auto_open6 = "Document_Close" nocase
        $auto_open7 = "Auto_Close" nocase

        $run_shell = "Shell" fullword nocase
        $run_wscript = "WScript" nocase
        $run_shell_app = "Shell.Application" nocase
        $run_powershell = "powershell" nocase
        $run_cmd = "cmd.exe" nocase

    condition:
        (
            (uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 and $ole_vba_project)
            or $vba_source in (0 .. 512)
        )
        and any of ($auto_open*)
        and any of ($run_*)
}
