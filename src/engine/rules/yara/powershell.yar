/*
 * PowerShell download cradles: a script or command line that fetches content from the network
 * (Net.WebClient DownloadString/DownloadData/DownloadFile, Invoke-WebRequest, Invoke-RestMethod,
 * Start-BitsTransfer) and executes it (IEX / Invoke-Expression / Start-Process). Catches .ps1 files,
 * and the same commands embedded in documents, shortcuts, scripts and binaries (ASCII or UTF-16).
 */
rule PowerShell_Download_Cradle : powershell downloader
{
    meta:
        description = "PowerShell download cradle: downloads content and executes it (WebClient/Invoke-WebRequest with IEX)"
        author = "sandbox engine"
        verdict = "suspicious"
        mitre = "T1059.001"

    strings:
        $download1 = "DownloadString" nocase ascii wide
        $download2 = "DownloadData" nocase ascii wide
        $download3 = "DownloadFile" nocase ascii wide
        $download4 = "Invoke-WebRequest" nocase ascii wide
        $download5 = "Invoke-RestMethod" nocase ascii wide
        $download6 = "Start-BitsTransfer" nocase ascii wide
        $download7 = "Net.WebClient" nocase ascii wide

        $execute1 = "IEX" fullword nocase ascii wide
        $execute2 = "Invoke-Expression" nocase ascii wide
        $execute3 = "Start-Process" nocase ascii wide

    condition:
        filesize < 10MB and any of ($download*) and any of ($execute*)
}

/*
 * PowerShell started with a Base64-encoded command (-EncodedCommand and its abbreviations -enc,
 * -ec, -e ...) followed by a long Base64 argument, or a script that decodes Base64 and executes the
 * result in memory (FromBase64String with IEX). Encoding hides the command from command-line
 * logging and casual review.
 */
rule PowerShell_Encoded_Command : powershell obfuscation
{
    meta:
        description = "PowerShell encoded command (-EncodedCommand with a Base64 argument) or in-memory Base64 decode and execute"
        author = "sandbox engine"
        verdict = "suspicious"
        mitre = "T1059.001"

    strings:
        $powershell = "powershell" nocase ascii wide
        $encoded_argument = / -e[a-z]{0,13} +['"]?[A-Za-z0-9+\/]{40}/ nocase ascii wide

        $from_base64 = "FromBase64String" nocase ascii wide
        $execute1 = "IEX" fullword nocase ascii wide
        $execute2 = "Invoke-Expression" nocase ascii wide

    condition:
        filesize < 10MB and (
            ($powershell and $encoded_argument)
            or ($from_base64 and any of ($execute*))
        )
}
