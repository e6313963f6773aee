import "hash"

/*
 * EICAR anti-malware test file (https://www.eicar.org/download-anti-malware-testfile/).
 *
 * Catches the standard 68-byte file exactly (by its SHA-256) and the variants the EICAR definition
 * allows: the same string at offset 0, optionally followed by whitespace, 128 bytes at most.
 * The test string is deliberately not written out in full here, so that this rule file is not itself
 * flagged by on-access scanners: its first 28 bytes are given in hex, only its middle part as text.
 */
rule EICAR_Test_File
{
    meta:
        description = "EICAR anti-malware test file"
        author = "sandbox engine"
        verdict = "malicious"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"

    strings:
        $start = { 58 35 4F 21 50 25 40 41 50 5B 34 5C 50 5A 58 35 34 28 50 5E 29 37 43 43 29 37 7D 24 }
        $middle = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!"

    condition:
        filesize <= 128 and (
            hash.sha256(0, filesize) == "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
            or ($start at 0 and $middle at 28)
        )
}
