#!/usr/bin/python3
"""Static stage of a Cuckoo-style sandbox, per file, as the baseline for `npm run bench:engine`.

What open-source sandboxes wrap for their static stage, with Debian's Python packages (run with
/usr/bin/python3: python3-pefile, python3-olefile, python3-yara, python3-ssdeep):

- hashes: md5, sha1, sha256, sha512 (hashlib) and ssdeep;
- PE (MZ header): pefile parse of the whole file (Cuckoo's PortableExecutable: sections with
  entropy, imports, exports, resources, version info, timestamp) and imphash;
- OLE (compound file magic): olefile listing of the streams and the metadata;
- YARA: the project's bundled rules (src/engine/rules/yara), every file compiled in its own
  namespace; a file yara-python cannot compile is reported and left out.

Usage: baseline.py --rules DIR [--rounds N] CORPUS_DIR
Prints one JSON document: versions, which rule files compiled, the processing time of the rounds
(interpreter start and rule compilation excluded, reported apart), per-file facts and their counts.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

T_START = time.perf_counter()

import olefile  # noqa: E402
import pefile  # noqa: E402
import ssdeep  # noqa: E402
import yara  # noqa: E402

T_IMPORTED = time.perf_counter()

MANIFEST = "corpus-manifest.json"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def entropy(data):
    if not data:
        return 0.0
    counts = [0] * 256
    for b in data:
        counts[b] += 1
    n = len(data)
    return -sum(c / n * math.log2(c / n) for c in counts if c)


def pe_facts(data):
    pe = pefile.PE(data=data)
    facts = {
        "imphash": pe.get_imphash(),
        "timestamp": pe.FILE_HEADER.TimeDateStamp,
        "machine": pe.FILE_HEADER.Machine,
        "entrypoint": pe.OPTIONAL_HEADER.AddressOfEntryPoint,
        "sections": [],
        "imports": [],
        "exports": [],
        "resources": [],
        "versioninfo": [],
    }
    for s in pe.sections:
        facts["sections"].append({
            "name": s.Name.rstrip(b"\0").decode("latin1"),
            "virtual_address": s.VirtualAddress,
            "virtual_size": s.Misc_VirtualSize,
            "raw_size": s.SizeOfRawData,
            "entropy": s.get_entropy(),
        })
    for entry in getattr(pe, "DIRECTORY_ENTRY_IMPORT", []):
        dll = entry.dll.decode("latin1", "replace") if entry.dll else ""
        for imp in entry.imports:
            facts["imports"].append({"dll": dll, "name": imp.name.decode("latin1", "replace") if imp.name else None, "address": imp.address})
    export_dir = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
    if export_dir is not None:
        for sym in export_dir.symbols:
            facts["exports"].append({"name": sym.name.decode("latin1", "replace") if sym.name else None, "ordinal": sym.ordinal, "address": sym.address})

    def walk(directory, path):
        for entry in getattr(directory, "entries", []):
            name = str(entry.name) if entry.name is not None else str(entry.id)
            if hasattr(entry, "directory"):
                walk(entry.directory, path + [name])
            elif hasattr(entry, "data"):
                facts["resources"].append({"path": "/".join(path + [name]), "size": entry.data.struct.Size, "lang": entry.data.lang})

    if hasattr(pe, "DIRECTORY_ENTRY_RESOURCE"):
        walk(pe.DIRECTORY_ENTRY_RESOURCE, [])
    for info in getattr(pe, "FileInfo", []) or []:
        for entry in info if isinstance(info, list) else [info]:
            for table in getattr(entry, "StringTable", []):
                for key, value in table.entries.items():
                    facts["versioninfo"].append({"name": key.decode("latin1", "replace"), "value": value.decode("latin1", "replace")})
    pe.close()
    return facts


def ole_facts(data):
    ole = olefile.OleFileIO(data)
    try:
        streams = ["/".join(p) for p in ole.listdir(streams=True, storages=False)]
        meta = ole.get_metadata()
        metadata = {}
        for attr in meta.SUMMARY_ATTRIBS + meta.DOCSUM_ATTRIBS:
            value = getattr(meta, attr, None)
            if value not in (None, b"", ""):
                metadata[attr] = value.decode("latin1", "replace") if isinstance(value, bytes) else str(value)
        return {"streams": [{"name": s, "size": ole.get_size(s)} for s in streams], "metadata": metadata, "macros": any("VBA" in s for s in streams)}
    finally:
        ole.close()


def analyse(data, rules):
    out = {
        "size": len(data),
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "sha512": hashlib.sha512(data).hexdigest(),
        "ssdeep": ssdeep.hash(data),
        "errors": [],
    }
    if data[:2] == b"MZ":
        try:
            out["pe"] = pe_facts(data)
        except Exception as e:  # a static stage records parse failures and goes on
            out["errors"].append("pefile: %s" % e)
    if data[:8] == OLE_MAGIC:
        try:
            out["ole"] = ole_facts(data)
        except Exception as e:
            out["errors"].append("olefile: %s" % e)
    if rules is not None:
        try:
            out["yara"] = [{"rule": m.rule, "namespace": m.namespace, "strings": len(m.strings)} for m in rules.match(data=data, timeout=60)]
        except Exception as e:
            out["errors"].append("yara: %s" % e)
    return out


def leaves(value):
    if isinstance(value, dict):
        return sum(leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(leaves(v) for v in value)
    return 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", required=True)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("corpus")
    args = parser.parse_args()

    if os.path.exists(os.path.join(args.corpus, MANIFEST)):
        with open(os.path.join(args.corpus, MANIFEST)) as f:
            names = [i["name"] for i in json.load(f)["items"]]
    else:
        names = sorted(n for n in os.listdir(args.corpus) if os.path.isfile(os.path.join(args.corpus, n)))
    files = []
    for name in names:
        with open(os.path.join(args.corpus, name), "rb") as f:
            files.append((name, f.read()))

    t0 = time.perf_counter()
    compiled, failed = {}, []
    for rule_file in sorted(os.listdir(args.rules)):
        if not rule_file.endswith((".yar", ".yara")):
            continue
        path = os.path.join(args.rules, rule_file)
        try:
            yara.compile(filepath=path)
            compiled[rule_file.rsplit(".", 1)[0]] = path
        except yara.Error as e:
            failed.append({"file": rule_file, "error": str(e)})
    rules = yara.compile(filepaths=compiled) if compiled else None
    compile_ms = (time.perf_counter() - t0) * 1000

    per_file = {}
    times = []
    for _ in range(max(1, args.rounds)):
        start = time.perf_counter()
        for name, data in files:
            t = time.perf_counter()
            per_file[name] = analyse(data, rules)
            per_file[name]["ms"] = (time.perf_counter() - t) * 1000
        times.append(time.perf_counter() - start)

    totals = {"files": len(files), "bytes": sum(len(d) for _, d in files), "pe": 0, "pe_errors": 0, "sections": 0, "imports": 0, "exports": 0, "resources": 0, "versioninfo": 0,
              "ole": 0, "ole_streams": 0, "yara_matches": 0, "files_with_yara": 0, "errors": 0, "facts": 0}
    for r in per_file.values():
        totals["facts"] += leaves({k: v for k, v in r.items() if k not in ("ms", "errors")})
        totals["errors"] += len(r["errors"])
        if "pe" in r:
            totals["pe"] += 1
            for k in ("sections", "imports", "exports", "resources", "versioninfo"):
                totals[k] += len(r["pe"][k])
        totals["pe_errors"] += sum(1 for e in r["errors"] if e.startswith("pefile"))
        if "ole" in r:
            totals["ole"] += 1
            totals["ole_streams"] += len(r["ole"]["streams"])
        totals["yara_matches"] += len(r.get("yara", []))
        totals["files_with_yara"] += 1 if r.get("yara") else 0

    json.dump({
        "python": sys.version.split()[0],
        "versions": {"pefile": pefile.__version__, "olefile": olefile.__version__, "yara": yara.__version__, "ssdeep": getattr(ssdeep, "__version__", "?")},
        "import_ms": (T_IMPORTED - T_START) * 1000,
        "rules": {"compiled": sorted(compiled), "failed": failed, "compile_ms": compile_ms},
        "rounds": len(times),
        "seconds": times,
        "totals": totals,
        "files": {n: {"size": r["size"], "ms": r["ms"], "pe": "pe" in r, "imphash": r["pe"]["imphash"] if "pe" in r else None, "sections": len(r["pe"]["sections"]) if "pe" in r else 0,
                      "imports": len(r["pe"]["imports"]) if "pe" in r else 0, "ole_streams": len(r["ole"]["streams"]) if "ole" in r else 0, "ssdeep": r["ssdeep"],
                      "yara": [m["rule"] for m in r.get("yara", [])], "errors": r["errors"]} for n, r in per_file.items()},
    }, sys.stdout, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
