import "pe"

/*
 * PE files packed with UPX (https://upx.github.io/).
 *
 * Catches executables whose sections carry UPX's names (UPX0 / UPX1 / UPX2, as left by `upx`) or
 * whose headers hold the "UPX!" stub marker, where renamed sections would otherwise hide the packer.
 * UPX is legitimate, so this is informational: it tells the analyst that the code on disk is not
 * the code that runs, and that static findings on it are limited.
 */
rule PE_Packed_UPX : packer upx
{
    meta:
        description = "PE packed with UPX (UPX section names or UPX! marker)"
        author = "sandbox engine"
        verdict = "informational"
        mitre = "T1027.002"

    strings:
        $marker = "UPX!"

    condition:
        pe.is_pe and (
            for any section in pe.sections : (
                section.name == "UPX0" or section.name == "UPX1" or section.name == "UPX2"
            )
            or $marker in (0 .. 0x400)
        )
}
