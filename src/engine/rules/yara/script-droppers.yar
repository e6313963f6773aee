/*
 * Windows Script Host droppers (JScript .js/.jse, VBScript .vbs/.vbe, .wsf, .hta).
 *
 * Script_Dropper_Shell_Run catches scripts that instantiate WScript.Shell (new ActiveXObject in
 * JScript, CreateObject/GetObject in VBScript) and start a program with .Run / .Exec / ShellExecute:
 * the usual last step of a script attachment that launches its payload.
 */
rule Script_Dropper_Shell_Run : script dropper
{
    meta:
        description = "Script creates WScript.Shell through ActiveX and runs a command"
        author = "sandbox engine"
        verdict = "suspicious"
        mitre = "T1059.007"

    strings:
        $activex1 = "ActiveXObject" nocase ascii wide
        $activex2 = "CreateObject" nocase ascii wide
        $activex3 = "GetObject" nocase ascii wide
        $shell = "WScript.Shell" nocase ascii wide
        $run1 = /\.(Run|Exec)[ \t]*[( \t'"]/ nocase ascii wide
        $run2 = "ShellExecute" nocase ascii wide

    condition:
        filesize < 10MB and any of ($activex*) and $shell and any of ($run*)
}

/*
 * Script_Dropper_ADODB_SaveToFile catches scripts that write a file to disk through an ADODB.Stream
 * (SaveToFile), typically the body of an MSXML2.XMLHTTP / WinHttpRequest download: the script
 * downloads a payload and drops it.
 */
rule Script_Dropper_ADODB_SaveToFile : script dropper downloader
{
    meta:
        description = "Script writes a file through ADODB.Stream SaveToFile (download and drop)"
        author = "sandbox engine"
        verdict = "suspicious"
        mitre = "T1105"

    strings:
        $activex1 = "ActiveXObject" nocase ascii wide
        $activex2 = "CreateObject" nocase ascii wide
        $stream = "ADODB.Stream" nocase ascii wide
        $save = "SaveToFile" nocase ascii wide

    condition:
        filesize < 10MB and any of ($activex*) and $stream and $save
}
