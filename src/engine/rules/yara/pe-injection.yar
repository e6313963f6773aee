import "pe"

/*
 * Classic remote-thread process injection: allocate memory in another process (VirtualAllocEx),
 * copy code into it (WriteProcessMemory) and start a thread there (CreateRemoteThread / Ex).
 *
 * PE_Process_Injection_Imports catches executables importing all three from kernel32.dll.
 * PE_Process_Injection_Dynamic catches executables that carry the three names as strings next to
 * GetProcAddress without importing them: resolving them at run time hides the intent from the
 * import table.
 */
rule PE_Process_Injection_Imports : injection
{
    meta:
        description = "PE imports the remote-thread injection API trio (VirtualAllocEx, WriteProcessMemory, CreateRemoteThread)"
        author = "sandbox engine"
        verdict = "suspicious"
        mitre = "T1055.002"

    condition:
        pe.is_pe
        and pe.imports("kernel32.dll", "VirtualAllocEx")
        and pe.imports("kernel32.dll", "WriteProcessMemory")
        and (pe.imports("kernel32.dll", "CreateRemoteThread") or pe.imports("kernel32.dll", "CreateRemoteThreadEx"))
}

rule PE_Process_Injection_Dynamic : injection
{
    meta:
        description = "PE resolves the remote-thread injection API trio at run time (names as strings with GetProcAddress)"
        author = "sandbox engine"
        verdict = "suspicious"
        mitre = "T1055.002"

    strings:
        $alloc = "VirtualAllocEx" ascii wide
        $write = "WriteProcessMemory" ascii wide
        $thread = "CreateRemoteThread" ascii wide
        $resolve = "GetProcAddress" ascii

    condition:
        pe.is_pe and $alloc and $write and $thread and $resolve
        and not (
            pe.imports("kernel32.dll", "VirtualAllocEx")
            and pe.imports("kernel32.dll", "WriteProcessMemory")
            and (pe.imports("kernel32.dll", "CreateRemoteThread") or pe.imports("kernel32.dll", "CreateRemoteThreadEx"))
        )
}
