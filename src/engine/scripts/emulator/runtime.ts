/**
 * The emulated host environment, as JavaScript source evaluated INSIDE the isolate before the
 * sample: Windows Script Host (WScript, ActiveXObject / CreateObject / GetObject with WScript.Shell,
 * Scripting.FileSystemObject, MSXML2.XMLHTTP / ServerXMLHTTP / WinHttpRequest, ADODB.Stream,
 * Shell.Application, Scripting.Dictionary, MSXML DOM (bin.base64), WMI), a browser (window,
 * document.write, createElement('script'), location, Blob / createObjectURL downloads, fetch,
 * XMLHttpRequest, timers), Acrobat's `app` / `util` / `this.exportDataObject`, and Node's `require`,
 * `process` and `Buffer` — every one of them fake, recording what the sample asked for.
 *
 * The sample never touches a host object: the only way out of the isolate is three callbacks the
 * host passed in (record an action, hand over a dropped file, hand over code to analyse), each
 * called with strings only, and held in this closure where the sample cannot reach them. COM
 * member names resolve case-insensitively, as IDispatch does; unknown ProgIDs and members are
 * permissive stubs that record their calls, so a script keeps running past what is not modelled.
 * Time is a fake clock (Sleep advances it, every read moves it 1 ms), randomness is seeded: a run
 * is deterministic.
 *
 * Kept free of backticks and dollar-brace so it can live in a template string.
 */
export const RUNTIME_SOURCE = String.raw`
(function (hostRecord, hostDrop, hostLayer, cfgJson) {
'use strict';
var cfg = JSON.parse(cfgJson);
var G = globalThis;
var stringify = JSON.stringify;
var realEval = G.eval;
var RealFunction = Function;
var RealDate = Date;
var RealProxy = Proxy;
var RealPromise = Promise;
var apply = Reflect.apply;
var construct = Reflect.construct;
var defineProperty = Object.defineProperty;
var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
var hasOwn = function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); };
var fromCharCode = String.fromCharCode;
var _unescape = unescape;
var _escape = escape;
var _encodeURIComponent = encodeURIComponent;
var _decodeURIComponent = decodeURIComponent;
var TAG = Symbol('tag');
var INTERNAL = Symbol('internal');
var ITEMS = Symbol('items');
var BYTES = Symbol('bytes');
var FROM = Symbol('from');
var QUIT = { quit: true };
var ENV = cfg.env;
var MAXSTR = 4096;

// ------------------------------------------------------------------ recording
var recorded = 0;
var quitting = false;
var unknownCounts = {};
function str(v) {
  try {
    if (v === undefined) return 'undefined';
    if (v === null) return 'null';
    var t = typeof v;
    if (t === 'string') return v.length > MAXSTR ? v.slice(0, MAXSTR) + '\u2026' : v;
    if (t === 'number' || t === 'boolean' || t === 'bigint') return String(v);
    if (t === 'symbol') return 'Symbol()';
    if (v[BYTES] !== undefined) return '<' + v[BYTES].length + ' bytes>';
    if (v[TAG] !== undefined) {
      var internal = v[INTERNAL];
      if (internal && internal.__string) return internal.__string();
      return '[object ' + v[TAG] + ']';
    }
    if (t === 'function') return '[function ' + (v.name || 'anonymous') + ']';
    var s = String(v);
    return s.length > MAXSTR ? s.slice(0, MAXSTR) + '\u2026' : s;
  } catch (e) {
    return '[unprintable]';
  }
}
function rec(category, api, args) {
  if (quitting) throw QUIT;
  recorded++;
  if (recorded > cfg.maxRecords) return;
  var a = [];
  for (var i = 0; i < args.length && i < 6; i++) a.push(str(args[i]));
  hostRecord(category, api, stringify(a));
}
function recUnknown(path, args) {
  var key = path.length > 160 ? path.slice(0, 160) : path;
  unknownCounts[key] = (unknownCounts[key] || 0) + 1;
  if (unknownCounts[key] <= 3) rec('other', key, args);
}
var layersSent = 0;
function codeLayer(technique, language, code) {
  if (typeof code !== 'string' || !code.length || layersSent >= cfg.maxLayers) return;
  layersSent++;
  hostLayer(technique, language, code.length > cfg.maxLayerChars ? code.slice(0, cfg.maxLayerChars) : code);
}
var dropped = 0;
var droppedBytes = 0;
function drop(path, bin, source, api) {
  if (dropped >= cfg.maxDrops || droppedBytes + bin.length > cfg.maxDropTotal) return;
  var data = bin.length > cfg.maxDropBytes ? bin.slice(0, cfg.maxDropBytes) : bin;
  dropped++;
  droppedBytes += data.length;
  hostDrop(path, data, source || '', api);
}

// ------------------------------------------------------------------ clock and randomness
var clock = RealDate.UTC(2025, 2, 10, 9, 15, 0);
var sleepTotal = 0;
var sleepRecords = 0;
function now() { clock += 1; return clock; }
function FakeDate() {
  var args = Array.prototype.slice.call(arguments);
  if (!new.target) return new RealDate(now()).toString();
  return construct(RealDate, args.length ? args : [now()], new.target);
}
FakeDate.prototype = RealDate.prototype;
defineProperty(RealDate.prototype, 'constructor', { value: FakeDate, writable: true, configurable: true });
FakeDate.now = now;
FakeDate.UTC = RealDate.UTC;
FakeDate.parse = RealDate.parse;
RealDate.prototype.getVarDate = function () { return this; };
G.Date = FakeDate;
var seed = 0x2545f491;
Math.random = function () {
  seed = (seed + 0x6d2b79f5) | 0;
  var t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
function sleep(api, ms) {
  ms = Math.max(0, Number(ms) || 0);
  clock += ms;
  sleepTotal += ms;
  if (sleepRecords++ < 20) rec('other', api, [ms]);
}

// ------------------------------------------------------------------ bytes and text
function binFromArray(arr) {
  var out = '';
  for (var i = 0; i < arr.length; i += 8192) out += fromCharCode.apply(null, Array.prototype.slice.call(arr, i, i + 8192).map(function (b) { return b & 255; }));
  return out;
}
function makeBytes(bin, from) {
  var o = Object.create(BytesProto);
  o[BYTES] = bin;
  o[FROM] = from || '';
  return o;
}
var BytesProto = {
  toArray: function () { var a = []; var b = this[BYTES]; for (var i = 0; i < b.length; i++) a.push(b.charCodeAt(i)); return a; },
  toString: function () { return this[BYTES]; },
  valueOf: function () { return this[BYTES]; },
  ubound: function () { return this[BYTES].length - 1; },
  lbound: function () { return 0; },
  getItem: function (i) { return this[BYTES].charCodeAt(i); },
  dimensions: function () { return 1; }
};
function bytesOf(v) {
  if (v === undefined || v === null) return '';
  if (v[BYTES] !== undefined) return v[BYTES];
  if (typeof v === 'string') return v;
  if (v instanceof ArrayBuffer) return binFromArray(new Uint8Array(v));
  if (ArrayBuffer.isView(v)) return binFromArray(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  if (Array.isArray(v)) return binFromArray(v);
  return String(v);
}
function fromOf(v) { return v && v[FROM] ? v[FROM] : ''; }
function utf8Encode(s) { try { return _unescape(_encodeURIComponent(s)); } catch (e) { return s.replace(/[^\x00-\xff]/g, '?'); } }
function utf8Decode(b) { try { return _decodeURIComponent(_escape(b)); } catch (e) { return b; } }
function utf16Encode(s) { var o = ''; for (var i = 0; i < s.length; i++) { var c = s.charCodeAt(i); o += fromCharCode(c & 255, c >>> 8); } return o; }
function utf16Decode(b) { var o = ''; for (var i = 0; i + 1 < b.length; i += 2) o += fromCharCode(b.charCodeAt(i) | (b.charCodeAt(i + 1) << 8)); return o; }
function encodeText(s, charset) {
  var c = String(charset || '').toLowerCase();
  if (c === 'unicode' || c === 'utf-16' || c === 'utf-16le') return utf16Encode(s);
  if (c === 'utf-8' || c === 'utf8') return utf8Encode(s);
  return s.replace(/[^\x00-\xff]/g, '?');
}
function decodeText(b, charset) {
  var c = String(charset || '').toLowerCase();
  if (c === 'unicode' || c === 'utf-16' || c === 'utf-16le') return utf16Decode(b.charCodeAt(0) === 0xff && b.charCodeAt(1) === 0xfe ? b.slice(2) : b);
  if (c === 'utf-8' || c === 'utf8') return utf8Decode(b.slice(0, 3) === '\xef\xbb\xbf' ? b.slice(3) : b);
  return b;
}
var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function b64encode(bin) {
  var out = '';
  for (var i = 0; i < bin.length; i += 3) {
    var a = bin.charCodeAt(i), b = bin.charCodeAt(i + 1), c = bin.charCodeAt(i + 2);
    var n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bin.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bin.length ? B64[n & 63] : '=');
  }
  return out;
}
function b64decode(s) {
  var clean = String(s).replace(/[\s=]/g, '').replace(/-/g, '+').replace(/_/g, '/');
  var out = '', buf = 0, bits = 0;
  for (var i = 0; i < clean.length; i++) {
    var v = B64.indexOf(clean[i]);
    if (v < 0) throw new Error('The string to be decoded is not correctly encoded.');
    buf = (buf << 6) | v;
    bits += 6;
    if (bits >= 8) { bits -= 8; out += fromCharCode((buf >> bits) & 255); }
  }
  return out;
}

// ------------------------------------------------------------------ paths, environment, files
var cwd = cfg.cwd;
function expandEnv(s) {
  return String(s).replace(/%([^%\s]+)%/g, function (m, n) { var v = ENV[n.toUpperCase()]; return v === undefined ? m : v; });
}
function normPath(p) {
  var s = expandEnv(str(p)).replace(/\//g, '\\');
  if (/^file:\\\\+/i.test(s)) s = s.replace(/^file:\\\\+/i, '');
  if (/^\\(?!\\)/.test(s)) s = 'C:' + s;
  else if (!/^[a-z]:\\|^\\\\/i.test(s)) s = cwd.replace(/\\$/, '') + '\\' + s.replace(/^\.\\/, '');
  return s;
}
var files = {};
function writeFile(api, path, bin, from) {
  var p = normPath(path);
  files[p.toLowerCase()] = { path: p, data: bin, from: from || '' };
  rec('file', api, [p, bin.length + ' bytes', from ? 'content from ' + from : '']);
  drop(p, bin, from, api);
}
function readFile(p) { var f = files[normPath(p).toLowerCase()]; return f ? f : null; }
var SPECIAL = {
  desktop: ENV.USERPROFILE + '\\Desktop', alluserdesktop: ENV.PUBLIC + '\\Desktop', allusersdesktop: ENV.PUBLIC + '\\Desktop',
  startup: ENV.APPDATA + '\\Microsoft\\Windows\\Start Menu\\Programs\\Startup',
  allusersstartup: ENV.PROGRAMDATA + '\\Microsoft\\Windows\\Start Menu\\Programs\\StartUp',
  appdata: ENV.APPDATA, localappdata: ENV.LOCALAPPDATA, mydocuments: ENV.USERPROFILE + '\\Documents', templates: ENV.APPDATA + '\\Microsoft\\Windows\\Templates',
  programs: ENV.APPDATA + '\\Microsoft\\Windows\\Start Menu\\Programs', allusersprograms: ENV.PROGRAMDATA + '\\Microsoft\\Windows\\Start Menu\\Programs',
  startmenu: ENV.APPDATA + '\\Microsoft\\Windows\\Start Menu', allusersstartmenu: ENV.PROGRAMDATA + '\\Microsoft\\Windows\\Start Menu',
  favorites: ENV.USERPROFILE + '\\Favorites', fonts: 'C:\\WINDOWS\\Fonts', nethood: ENV.APPDATA + '\\Microsoft\\Windows\\Network Shortcuts',
  printhood: ENV.APPDATA + '\\Microsoft\\Windows\\Printer Shortcuts', recent: ENV.APPDATA + '\\Microsoft\\Windows\\Recent', sendto: ENV.APPDATA + '\\Microsoft\\Windows\\SendTo'
};

// ------------------------------------------------------------------ COM objects
function com(name, members, opts) {
  opts = opts || {};
  var index = {};
  Object.keys(members).forEach(function (k) { if (k.slice(0, 2) !== '__') index[k.toLowerCase()] = k; });
  var extra = {};
  var wrappers = {};
  var target = opts.callable ? function () {} : {};
  return new RealProxy(target, {
    get: function (t, prop) {
      if (prop === TAG) return name;
      if (prop === INTERNAL) return members;
      if (prop === ITEMS) return members.__items ? members.__items() : undefined;
      if (typeof prop === 'symbol') {
        if (prop === Symbol.toPrimitive) return function (hint) { return members.__default ? members.__default() : hint === 'number' ? 0 : ''; };
        if (prop === Symbol.iterator && members.__items) return function () { return members.__items()[Symbol.iterator](); };
        return undefined;
      }
      if (prop === 'then') return undefined;
      var key = index[prop.toLowerCase()];
      if (key !== undefined) {
        var v = members[key];
        if (typeof v === 'function' && v[TAG] === undefined) {
          var w = wrappers[key];
          if (!w || w.fn !== v) wrappers[key] = w = { fn: v, call: function () { return apply(v, members, arguments); } };
          return w.call;
        }
        return v;
      }
      var lk = prop.toLowerCase();
      if (hasOwn(extra, lk)) return extra[lk];
      if (prop === 'toString' || prop === 'valueOf') return function () { return members.__default ? members.__default() : ''; };
      if (prop === 'prototype' && opts.callable) return t.prototype;
      return stub(name + '.' + prop);
    },
    set: function (t, prop, value) {
      if (typeof prop === 'symbol') return true;
      var key = index[prop.toLowerCase()];
      if (key !== undefined) {
        var d = getOwnPropertyDescriptor(members, key);
        if (d && d.set) d.set.call(members, value);
        else if (d && !d.get) members[key] = value;
        return true;
      }
      extra[prop.toLowerCase()] = value;
      if (!opts.quiet) recUnknown(name + '.' + prop + ' =', [value]);
      return true;
    },
    has: function (t, prop) { return typeof prop === 'string' && (index[prop.toLowerCase()] !== undefined || hasOwn(extra, prop.toLowerCase())); },
    apply: function (t, self, args) { if (members.__call) return apply(members.__call, members, args); recUnknown(name + '()', args); return stub(name + '()'); },
    construct: function (t, args) { recUnknown('new ' + name, args); return stub(name + ' instance'); }
  });
}
function stub(path) {
  if (path.length > 300) path = path.slice(0, 300);
  return new RealProxy(function () {}, {
    get: function (t, p) {
      if (p === TAG) return path;
      if (typeof p === 'symbol') { if (p === Symbol.toPrimitive) return function (hint) { return hint === 'number' ? 0 : ''; }; return undefined; }
      if (p === 'then') return undefined;
      if (p === 'toString' || p === 'valueOf') return function () { return ''; };
      if (p === 'length') return 0;
      if (p === 'prototype') return t.prototype;
      return stub(path + '.' + p);
    },
    set: function () { return true; },
    apply: function (t, self, args) { recUnknown(path, args); return stub(path + '()'); },
    construct: function (t, args) { recUnknown('new ' + path, args); return stub(path + '()'); }
  });
}
function collection(items, name, extraMembers) {
  var m = {
    __items: function () { return items; },
    __call: function (i) { return lookupItem(items, i); },
    get Count() { return items.length; },
    get length() { return items.length; },
    Item: function (i) { return lookupItem(items, i); },
    ItemIndex: function (i) { return items[i]; }
  };
  if (extraMembers) Object.keys(extraMembers).forEach(function (k) { defineProperty(m, k, getOwnPropertyDescriptor(extraMembers, k)); });
  return com(name || 'Collection', m, { callable: true });
}
function lookupItem(items, i) {
  if (typeof i === 'number') return items[i];
  var k = String(i).toLowerCase();
  for (var j = 0; j < items.length; j++) { var n = items[j] && items[j][INTERNAL] && items[j][INTERNAL].__key; if (n && n.toLowerCase() === k) return items[j]; }
  return undefined;
}

var FACTORIES = {};
function createObject(progid, via) {
  var id = str(progid);
  rec('other', via, [id]);
  var f = FACTORIES[id.toLowerCase().replace(/\.\d+$/, '')] || FACTORIES[id.toLowerCase()];
  return f ? f(id) : com(id, {});
}
function ActiveXObject(progid) { return createObject(progid, 'new ActiveXObject'); }
G.ActiveXObject = ActiveXObject;
G.CreateObject = function (p) { return createObject(p, 'CreateObject'); };

// --- WScript.Shell
var registry = {};
var REG_DEFAULTS = {
  'HKLM\\SOFTWARE\\MICROSOFT\\WINDOWS NT\\CURRENTVERSION\\PRODUCTNAME': 'Windows 10 Pro',
  'HKLM\\SOFTWARE\\MICROSOFT\\WINDOWS NT\\CURRENTVERSION\\CURRENTBUILD': '19045',
  'HKLM\\SOFTWARE\\MICROSOFT\\WINDOWS NT\\CURRENTVERSION\\CURRENTBUILDNUMBER': '19045',
  'HKLM\\SOFTWARE\\MICROSOFT\\WINDOWS NT\\CURRENTVERSION\\EDITIONID': 'Professional',
  'HKLM\\SOFTWARE\\MICROSOFT\\WINDOWS NT\\CURRENTVERSION\\CURRENTVERSION': '6.3',
  'HKLM\\SOFTWARE\\MICROSOFT\\WINDOWS NT\\CURRENTVERSION\\REGISTEREDOWNER': 'user',
  'HKLM\\SYSTEM\\CURRENTCONTROLSET\\CONTROL\\NLS\\LANGUAGE\\INSTALLLANGUAGE': '0409',
  'HKCU\\CONTROL PANEL\\INTERNATIONAL\\LOCALENAME': 'en-US',
  'HKCU\\CONTROL PANEL\\INTERNATIONAL\\SCOUNTRY': 'United States',
  'HKCU\\SOFTWARE\\MICROSOFT\\WINDOWS\\CURRENTVERSION\\INTERNET SETTINGS\\PROXYENABLE': 0
};
function regKey(k) {
  return str(k).toUpperCase().replace(/^HKEY_LOCAL_MACHINE/, 'HKLM').replace(/^HKEY_CURRENT_USER/, 'HKCU').replace(/^HKEY_CLASSES_ROOT/, 'HKCR').replace(/^HKEY_USERS/, 'HKU').replace(/^HKEY_CURRENT_CONFIG/, 'HKCC');
}
function execObject(cmd) {
  var out = com('TextStream', { ReadAll: function () { return ''; }, ReadLine: function () { return ''; }, get AtEndOfStream() { return true; }, Read: function () { return ''; }, Write: function () {}, WriteLine: function () {}, Close: function () {} }, { quiet: true });
  return com('WshScriptExec', { get Status() { return 1; }, get ProcessID() { return 4412; }, get ExitCode() { return 0; }, StdOut: out, StdErr: out, StdIn: out, Terminate: function () {} }, { quiet: true });
}
function environment(type) {
  var m = {
    __call: function (n) { return ENV[String(n).toUpperCase()] || ''; },
    Item: function (n) { return ENV[String(n).toUpperCase()] || ''; },
    get Count() { return Object.keys(ENV).length; },
    get length() { return Object.keys(ENV).length; },
    Remove: function (n) { rec('other', 'WScript.Shell.Environment.Remove', [n]); },
    __items: function () { return Object.keys(ENV).map(function (k) { return k + '=' + ENV[k]; }); }
  };
  return com('WshEnvironment', m, { callable: true });
}
var specialFolders = com('WshSpecialFolders', {
  __call: function (n) { return SPECIAL[String(n).toLowerCase()] || ''; },
  Item: function (n) { return SPECIAL[String(n).toLowerCase()] || ''; },
  get Count() { return Object.keys(SPECIAL).length; },
  get length() { return Object.keys(SPECIAL).length; }
}, { callable: true });
function shortcut(path) {
  var st = { target: '', args: '', dir: '', style: 1, icon: '', desc: '', hotkey: '' };
  return com('WshShortcut', {
    get FullName() { return normPath(path); },
    get TargetPath() { return st.target; }, set TargetPath(v) { st.target = str(v); },
    get Arguments() { return st.args; }, set Arguments(v) { st.args = str(v); },
    get WorkingDirectory() { return st.dir; }, set WorkingDirectory(v) { st.dir = str(v); },
    get WindowStyle() { return st.style; }, set WindowStyle(v) { st.style = v; },
    get IconLocation() { return st.icon; }, set IconLocation(v) { st.icon = str(v); },
    get Description() { return st.desc; }, set Description(v) { st.desc = str(v); },
    get Hotkey() { return st.hotkey; }, set Hotkey(v) { st.hotkey = str(v); },
    Save: function () { rec('file', 'WScript.Shell.CreateShortcut.Save', [normPath(path), st.target, st.args]); }
  });
}
FACTORIES['wscript.shell'] = function () {
  return com('WScript.Shell', {
    Run: function (cmd, style, wait) { rec('process', 'WScript.Shell.Run', [cmd, style === undefined ? 1 : style, !!wait]); return 0; },
    Exec: function (cmd) { rec('process', 'WScript.Shell.Exec', [cmd]); return execObject(cmd); },
    RegWrite: function (k, v, type) { registry[regKey(k)] = v; rec('registry', 'WScript.Shell.RegWrite', [k, v, type || 'REG_SZ']); },
    RegRead: function (k) {
      rec('registry', 'WScript.Shell.RegRead', [k]);
      var key = regKey(k);
      if (hasOwn(registry, key)) return registry[key];
      if (hasOwn(REG_DEFAULTS, key)) return REG_DEFAULTS[key];
      throw new Error('Unable to open registry key "' + str(k) + '" for reading.');
    },
    RegDelete: function (k) { delete registry[regKey(k)]; rec('registry', 'WScript.Shell.RegDelete', [k]); },
    ExpandEnvironmentStrings: function (s) { return expandEnv(s); },
    Environment: function (type) { return environment(type); },
    get SpecialFolders() { return specialFolders; },
    CreateShortcut: function (p) { return shortcut(p); },
    Popup: function (t) { rec('other', 'WScript.Shell.Popup', [t]); return 1; },
    SendKeys: function (k) { rec('other', 'WScript.Shell.SendKeys', [k]); },
    AppActivate: function () { return true; },
    LogEvent: function () { return true; },
    get CurrentDirectory() { return cwd; }, set CurrentDirectory(v) { cwd = str(v); }
  });
};

// --- Scripting.FileSystemObject
function hex(n) { var s = ''; for (var i = 0; i < n; i++) s += '0123456789ABCDEF'[Math.floor(Math.random() * 16)]; return s; }
function baseName(p) { var s = str(p).replace(/[\\/]+$/, ''); return s.slice(Math.max(s.lastIndexOf('\\'), s.lastIndexOf('/')) + 1); }
function parentName(p) { var s = str(p).replace(/[\\/]+$/, ''); var i = Math.max(s.lastIndexOf('\\'), s.lastIndexOf('/')); return i > 0 ? s.slice(0, i) : ''; }
function extName(p) { var b = baseName(p); var i = b.lastIndexOf('.'); return i > 0 ? b.slice(i + 1) : ''; }
function folder(path) {
  var p = normPath(path);
  return com('Folder', {
    __default: function () { return p; }, __string: function () { return p; },
    get Path() { return p; }, get Name() { return baseName(p); }, get ShortPath() { return p; },
    get ParentFolder() { return folder(parentName(p) || 'C:\\'); },
    get Files() { return collection([], 'Files'); }, get SubFolders() { return collection([], 'Folders'); },
    get Attributes() { return 16; }, get Size() { return 0; }, get DateCreated() { return new FakeDate(); },
    CreateTextFile: function (n, o, u) { return textStream(p + '\\' + str(n), 'write', u, 'Folder.CreateTextFile'); },
    Delete: function () { rec('file', 'Folder.Delete', [p]); },
    Copy: function (d) { rec('file', 'Folder.Copy', [p, normPath(d)]); }
  });
}
function fileObject(path) {
  var p = normPath(path);
  var f = readFile(p);
  return com('File', {
    __default: function () { return p; }, __string: function () { return p; },
    get Path() { return p; }, get Name() { return baseName(p); }, get ShortPath() { return p; }, get ShortName() { return baseName(p); },
    get Size() { return f ? f.data.length : p.toLowerCase() === cfg.scriptPath.toLowerCase() ? cfg.scriptSize : 0; },
    get ParentFolder() { return folder(parentName(p)); }, get Attributes() { return 32; }, set Attributes(v) { rec('file', 'File.Attributes =', [p, v]); },
    get DateCreated() { return new FakeDate(); }, get DateLastModified() { return new FakeDate(); }, get Type() { return 'File'; },
    Copy: function (d) { copyFile('File.Copy', p, d); },
    Move: function (d) { copyFile('File.Move', p, d); },
    Delete: function () { deleteFile('File.Delete', p); },
    OpenAsTextStream: function (mode) { return textStream(p, mode === 2 ? 'write' : mode === 8 ? 'append' : 'read', false, 'File.OpenAsTextStream'); }
  });
}
function copyFile(api, src, dst) {
  var s = normPath(src);
  var d = normPath(dst);
  if (/[\\/]$/.test(str(dst))) d = d.replace(/\\$/, '') + '\\' + baseName(s);
  var f = readFile(s);
  if (f) writeFile(api, d, f.data, f.from);
  else rec('file', api, [s, d]);
}
function deleteFile(api, p) {
  var n = normPath(p);
  delete files[n.toLowerCase()];
  rec('file', api, [n]);
}
var openStreams = [];
function textStream(path, mode, unicode, api) {
  var p = normPath(path);
  var existing = readFile(p);
  var st = { buf: mode === 'append' && existing ? decodeText(existing.data, unicode ? 'unicode' : '') : '', pos: 0, closed: false, written: false };
  var content = mode === 'read' ? (existing ? decodeText(existing.data, existing.data.charCodeAt(0) === 0xff ? 'unicode' : '') : '') : '';
  if (mode === 'read') rec('file', api + '(read)', [p]);
  function flush() { if (mode !== 'read' && !st.closed) { st.closed = true; writeFile(api, p, unicode ? '\xff\xfe' + utf16Encode(st.buf) : encodeText(st.buf, ''), ''); } }
  if (mode !== 'read') openStreams.push(flush);
  return com('TextStream', {
    Write: function (s) { st.buf += str(s); st.written = true; },
    WriteLine: function (s) { st.buf += (s === undefined ? '' : str(s)) + '\r\n'; st.written = true; },
    WriteBlankLines: function (n) { for (var i = 0; i < n && i < 10000; i++) st.buf += '\r\n'; },
    Close: function () { flush(); },
    ReadAll: function () { var r = content.slice(st.pos); st.pos = content.length; return r; },
    ReadLine: function () { var i = content.indexOf('\n', st.pos); var e = i < 0 ? content.length : i; var r = content.slice(st.pos, e).replace(/\r$/, ''); st.pos = i < 0 ? content.length : i + 1; return r; },
    Read: function (n) { var r = content.substr(st.pos, n); st.pos += r.length; return r; },
    Skip: function (n) { st.pos += n; }, SkipLine: function () { var i = content.indexOf('\n', st.pos); st.pos = i < 0 ? content.length : i + 1; },
    get AtEndOfStream() { return st.pos >= content.length; }, get AtEndOfLine() { return st.pos >= content.length || content[st.pos] === '\n'; },
    get Line() { return content.slice(0, st.pos).split('\n').length; }, get Column() { return 1; }
  });
}
function drive() {
  return com('Drive', { DriveLetter: 'C', Path: 'C:', RootFolder: 'C:\\', SerialNumber: 439041101, TotalSize: 511101108224, FreeSpace: 201326592000, AvailableSpace: 201326592000, VolumeName: 'Windows', DriveType: 2, FileSystem: 'NTFS', IsReady: true, ShareName: '' });
}
FACTORIES['scripting.filesystemobject'] = function () {
  return com('Scripting.FileSystemObject', {
    GetSpecialFolder: function (n) { return folder([ENV.WINDIR, ENV.WINDIR + '\\System32', ENV.TEMP][Number(n)] || ENV.TEMP); },
    GetTempName: function () { return 'rad' + hex(5) + '.tmp'; },
    FileExists: function (p) { var n = normPath(p); var e = !!readFile(n) || n.toLowerCase() === cfg.scriptPath.toLowerCase() || /\\windows\\(system32\\)?[\w.-]+\.(exe|dll)$/i.test(n) && !/vbox|vmware|vmtools|sandbox|sbiedll|prl_/i.test(n); rec('file', 'FileSystemObject.FileExists', [n, e]); return e; },
    FolderExists: function (p) { var n = normPath(p).toLowerCase(); return /^c:\\(windows|users|programdata|program files)/.test(n) && !/vbox|vmware|sandbox|cuckoo|analysis/.test(n); },
    DriveExists: function (d) { return /^c/i.test(str(d)); },
    CreateTextFile: function (p, overwrite, unicode) { return textStream(p, 'write', unicode, 'FileSystemObject.CreateTextFile'); },
    OpenTextFile: function (p, mode, create, format) { mode = Number(mode) || 1; return textStream(p, mode === 2 ? 'write' : mode === 8 ? 'append' : 'read', Number(format) === -1, 'FileSystemObject.OpenTextFile'); },
    CopyFile: function (s, d) { copyFile('FileSystemObject.CopyFile', s, d); },
    MoveFile: function (s, d) { copyFile('FileSystemObject.MoveFile', s, d); delete files[normPath(s).toLowerCase()]; },
    DeleteFile: function (p) { deleteFile('FileSystemObject.DeleteFile', p); },
    CreateFolder: function (p) { rec('file', 'FileSystemObject.CreateFolder', [normPath(p)]); return folder(p); },
    DeleteFolder: function (p) { rec('file', 'FileSystemObject.DeleteFolder', [normPath(p)]); },
    CopyFolder: function (s, d) { rec('file', 'FileSystemObject.CopyFolder', [normPath(s), normPath(d)]); },
    GetFile: function (p) { return fileObject(p); },
    GetFolder: function (p) { return folder(p); },
    GetFileName: function (p) { return baseName(p); },
    GetBaseName: function (p) { var b = baseName(p); var i = b.lastIndexOf('.'); return i > 0 ? b.slice(0, i) : b; },
    GetExtensionName: function (p) { return extName(p); },
    GetParentFolderName: function (p) { return parentName(p); },
    GetAbsolutePathName: function (p) { return normPath(p); },
    GetDriveName: function (p) { var m = /^[a-z]:/i.exec(str(p)); return m ? m[0] : ''; },
    BuildPath: function (a, b) { return str(a).replace(/\\$/, '') + '\\' + str(b); },
    GetFileVersion: function () { return '10.0.19041.1'; },
    GetDrive: function () { return drive(); },
    get Drives() { return collection([drive()], 'Drives'); }
  });
};

// --- HTTP
var TEXT_EXT = /\.(js|jse|vbs|vbe|ps1|psm1|txt|hta|html?|php|aspx?|json|xml|bat|cmd|sct|wsf)(\?|#|$)/i;
function fakeBodyFor(url) { return TEXT_EXT.test(str(url)) ? cfg.fakeText : cfg.fakePe; }
function httpFactory(kind) {
  return function () {
    var st = { method: 'GET', url: '', status: 0, body: '', headers: [] };
    var m = {
      open: function (method, url) { st.method = str(method).toUpperCase(); st.url = str(url); st.status = 0; rec('network', kind + '.open', [st.method, st.url]); },
      setRequestHeader: function (k, v) { if (st.headers.length < 50) st.headers.push(str(k) + ': ' + str(v)); },
      send: function (body) {
        rec('network', kind + '.send', [st.method, st.url, body === undefined ? '' : bytesOf(body).slice(0, 512)]);
        st.status = 200;
        st.body = fakeBodyFor(st.url);
        if (typeof m.onreadystatechange === 'function') { try { m.onreadystatechange(); } catch (e) { if (e === QUIT) throw e; } }
      },
      get status() { return st.status; },
      get statusText() { return st.status ? 'OK' : ''; },
      get readyState() { return st.status ? 4 : 1; },
      get responseText() { return st.body; },
      get responseBody() { return makeBytes(st.body, st.url); },
      get responseStream() { return makeBytes(st.body, st.url); },
      get responseXML() { return xmlDocument(); },
      getResponseHeader: function (h) { return /content-type/i.test(str(h)) ? (st.body === cfg.fakeText ? 'text/plain' : 'application/octet-stream') : /content-length/i.test(str(h)) ? String(st.body.length) : ''; },
      getAllResponseHeaders: function () { return 'Content-Type: application/octet-stream\r\nContent-Length: ' + st.body.length + '\r\n'; },
      abort: function () {}, waitForResponse: function () { return true; }, setTimeouts: function () {}, setOption: function () {}, getOption: function () { return 0; },
      setProxy: function () {}, setCredentials: function () {}, setClientCertificate: function () {}, setAutoLogonPolicy: function () {},
      Option: function () { return 0; },
      onreadystatechange: null
    };
    return com(kind, m);
  };
}
['msxml2.xmlhttp', 'microsoft.xmlhttp', 'msxml2.serverxmlhttp', 'msxml2.xmlhttp.3.0', 'msxml2.xmlhttp.6.0', 'msxml2.serverxmlhttp.6.0', 'msxml2.serverxmlhttp.3.0'].forEach(function (p) { FACTORIES[p] = httpFactory(p.indexOf('server') >= 0 ? 'MSXML2.ServerXMLHTTP' : 'MSXML2.XMLHTTP'); });
FACTORIES['winhttp.winhttprequest'] = FACTORIES['winhttp.winhttprequest.5.1'] = httpFactory('WinHttp.WinHttpRequest');

// --- ADODB.Stream
FACTORIES['adodb.stream'] = function () {
  var st = { type: 1, charset: 'unicode', data: '', pos: 0, from: '', open: false };
  function write(bin) {
    if (st.data.length + bin.length > cfg.maxStreamBytes) throw new Error('Stream too large');
    st.data = st.data.slice(0, st.pos) + bin + st.data.slice(st.pos + bin.length);
    st.pos += bin.length;
  }
  return com('ADODB.Stream', {
    get Type() { return st.type; }, set Type(v) { st.type = Number(v) || 1; },
    get Charset() { return st.charset; }, set Charset(v) { st.charset = str(v).toLowerCase(); },
    get Position() { return st.pos; }, set Position(v) { st.pos = Math.max(0, Math.min(st.data.length, Number(v) || 0)); },
    get Size() { return st.data.length; },
    get State() { return st.open ? 1 : 0; },
    get EOS() { return st.pos >= st.data.length; },
    Mode: 3, LineSeparator: -1,
    Open: function () { st.open = true; st.data = ''; st.pos = 0; st.from = ''; },
    Close: function () { st.open = false; },
    Write: function (b) { if (fromOf(b)) st.from = fromOf(b); write(bytesOf(b)); },
    WriteText: function (s, opt) {
      var text = str(s) + (Number(opt) === 1 ? '\r\n' : '');
      var bom = st.data.length === 0 && st.pos === 0 ? (/^unicode|^utf-16/.test(st.charset) ? '\xff\xfe' : /^utf-?8/.test(st.charset) ? '\xef\xbb\xbf' : '') : '';
      if (s === cfg.fakeText || s === cfg.fakePe) st.from = st.from || 'emulated response';
      write(bom + encodeText(text, st.charset));
    },
    Read: function (n) { var end = n === undefined || Number(n) < 0 ? st.data.length : st.pos + Number(n); var r = st.data.slice(st.pos, end); st.pos = Math.min(end, st.data.length); return makeBytes(r, st.from); },
    ReadText: function (n) { var end = n === undefined || Number(n) < 0 ? st.data.length : st.pos + Number(n) * (/^unicode/.test(st.charset) ? 2 : 1); var r = st.data.slice(st.pos, end); st.pos = Math.min(end, st.data.length); return decodeText(r, st.charset); },
    SaveToFile: function (path) { writeFile('ADODB.Stream.SaveToFile', path, st.data, st.from); },
    LoadFromFile: function (path) {
      var n = normPath(path);
      var f = readFile(n);
      rec('file', 'ADODB.Stream.LoadFromFile', [n]);
      st.data = f ? f.data : n.toLowerCase() === cfg.scriptPath.toLowerCase() ? cfg.scriptBinary : '';
      st.from = f ? f.from : '';
      st.pos = 0;
    },
    CopyTo: function (dest, n) { var end = n === undefined || Number(n) < 0 ? st.data.length : st.pos + Number(n); var chunk = st.data.slice(st.pos, end); st.pos = Math.min(end, st.data.length); dest.Write(makeBytes(chunk, st.from)); },
    SetEOS: function () { st.data = st.data.slice(0, st.pos); },
    Flush: function () {}, SkipLine: function () {}, Cancel: function () {}
  });
};

// --- Shell.Application
FACTORIES['shell.application'] = function () {
  function ns(p) {
    var path = typeof p === 'number' ? ({ 7: SPECIAL.startup, 26: ENV.APPDATA, 28: ENV.LOCALAPPDATA, 0: SPECIAL.desktop, 16: SPECIAL.desktop, 5: SPECIAL.mydocuments })[p] || ENV.TEMP : normPath(p);
    return com('Shell.Folder', {
      __default: function () { return path; },
      get Self() { return com('FolderItem', { Path: path, Name: baseName(path) }); },
      Items: function () { return collection([], 'FolderItems'); },
      CopyHere: function (item, opt) { rec('file', 'Shell.Application.Namespace.CopyHere', [item, path]); },
      MoveHere: function (item) { rec('file', 'Shell.Application.Namespace.MoveHere', [item, path]); },
      ParseName: function (n) { return com('FolderItem', { Path: path + '\\' + str(n), Name: str(n), InvokeVerb: function (v) { rec('process', 'Shell.Application.FolderItem.InvokeVerb', [path + '\\' + str(n), v || 'open']); } }); },
      NewFolder: function (n) { rec('file', 'Shell.Application.Namespace.NewFolder', [path + '\\' + str(n)]); }
    });
  }
  return com('Shell.Application', {
    ShellExecute: function (file, args, dir, verb, show) { rec('process', 'Shell.Application.ShellExecute', [file, args === undefined ? '' : args, dir === undefined ? '' : dir, verb === undefined ? 'open' : verb, show === undefined ? 1 : show]); },
    ShellExecuteW: function (file, args) { rec('process', 'Shell.Application.ShellExecute', [file, args === undefined ? '' : args]); },
    Open: function (p) { rec('process', 'Shell.Application.Open', [p]); },
    Explore: function (p) { rec('process', 'Shell.Application.Explore', [p]); },
    ServiceStart: function (n, persistent) { rec('process', 'Shell.Application.ServiceStart', [n, persistent]); return true; },
    ServiceStop: function (n) { rec('process', 'Shell.Application.ServiceStop', [n]); return true; },
    IsServiceRunning: function () { return false; }, CanStartStopService: function () { return false; },
    Namespace: function (p) { return ns(p); },
    NameSpace: function (p) { return ns(p); },
    Windows: function () { return collection([], 'ShellWindows'); },
    MinimizeAll: function () {}, ShutdownWindows: function () { rec('other', 'Shell.Application.ShutdownWindows', []); },
    GetSystemInformation: function (n) { return /memory/i.test(str(n)) ? 17179869184 : /processor/i.test(str(n)) ? 8 : 0; }
  });
};

// --- Scripting.Dictionary
FACTORIES['scripting.dictionary'] = function () {
  var keys = [], values = [];
  function find(k) { for (var i = 0; i < keys.length; i++) if (keys[i] === k) return i; return -1; }
  return com('Scripting.Dictionary', {
    Add: function (k, v) { if (find(k) >= 0) throw new Error('This key is already associated with an element of this collection'); keys.push(k); values.push(v); },
    Exists: function (k) { return find(k) >= 0; },
    Item: function (k) { var i = find(k); return i >= 0 ? values[i] : undefined; },
    __call: function (k) { var i = find(k); return i >= 0 ? values[i] : undefined; },
    Remove: function (k) { var i = find(k); if (i >= 0) { keys.splice(i, 1); values.splice(i, 1); } },
    RemoveAll: function () { keys = []; values = []; },
    Keys: function () { return makeVBArray(keys.slice()); },
    Items: function () { return makeVBArray(values.slice()); },
    get Count() { return keys.length; },
    CompareMode: 0
  }, { callable: true, quiet: true });
};
function makeVBArray(arr) { arr.toArray = function () { return arr.slice(); }; return arr; }
G.VBArray = function (v) {
  if (v && v[BYTES] !== undefined) return { toArray: function () { return v.toArray(); }, ubound: function () { return v[BYTES].length - 1; }, lbound: function () { return 0; }, getItem: function (i) { return v[BYTES].charCodeAt(i); }, dimensions: function () { return 1; } };
  var a = Array.isArray(v) ? v : v && v[ITEMS] ? v[ITEMS] : [];
  return { toArray: function () { return a.slice(); }, ubound: function () { return a.length - 1; }, lbound: function () { return 0; }, getItem: function (i) { return a[i]; }, dimensions: function () { return 1; } };
};
G.Enumerator = function (col) {
  var items = Array.isArray(col) ? col : col && col[ITEMS] ? col[ITEMS] : col && typeof col === 'object' && typeof col.length === 'number' ? Array.prototype.slice.call(col) : [];
  var i = 0;
  return { atEnd: function () { return i >= items.length; }, moveNext: function () { i++; }, item: function () { return items[i]; }, moveFirst: function () { i = 0; } };
};

// --- MSXML DOM (bin.base64 / bin.hex decoding)
function xmlElement(name) {
  var st = { dataType: '', text: '' };
  return com('IXMLDOMElement', {
    get nodeName() { return str(name); }, get tagName() { return str(name); },
    get dataType() { return st.dataType; }, set dataType(v) { st.dataType = str(v).toLowerCase(); },
    get text() { return st.text; }, set text(v) { st.text = str(v); },
    get nodeTypedValue() {
      if (st.dataType === 'bin.base64') { var b = b64decode(st.text); rec('other', 'MSXML.nodeTypedValue(bin.base64)', [b.length + ' bytes']); return makeBytes(b, ''); }
      if (st.dataType === 'bin.hex') { var h = st.text.replace(/[^0-9a-f]/gi, ''); var o = ''; for (var i = 0; i + 1 < h.length; i += 2) o += fromCharCode(parseInt(h.substr(i, 2), 16)); return makeBytes(o, ''); }
      return st.text;
    },
    set nodeTypedValue(v) {
      var b = bytesOf(v);
      if (st.dataType === 'bin.hex') { var o = ''; for (var i = 0; i < b.length; i++) o += (b.charCodeAt(i) < 16 ? '0' : '') + b.charCodeAt(i).toString(16); st.text = o; } else st.text = b64encode(b);
    },
    appendChild: function (c) { return c; }, setAttribute: function () {}, getAttribute: function () { return null; }
  }, { quiet: true });
}
function xmlDocument() {
  var root = null;
  return com('MSXML2.DOMDocument', {
    createElement: function (n) { return xmlElement(n); },
    createTextNode: function (t) { return xmlElement('#text'); },
    loadXML: function (x) { rec('other', 'MSXML2.DOMDocument.loadXML', [x]); return true; },
    load: function (u) { rec(/^https?:/i.test(str(u)) ? 'network' : 'file', 'MSXML2.DOMDocument.load', [u]); return true; },
    appendChild: function (c) { root = c; return c; },
    get documentElement() { return root || xmlElement('root'); },
    selectSingleNode: function () { return null; }, selectNodes: function () { return collection([], 'IXMLDOMNodeList'); },
    getElementsByTagName: function () { return collection([], 'IXMLDOMNodeList'); },
    transformNode: function (x) { rec('eval', 'MSXML2.DOMDocument.transformNode', [x]); return ''; },
    async: false, validateOnParse: false, resolveExternals: false, setProperty: function () {}, get parseError() { return { errorCode: 0, reason: '' }; }
  }, { quiet: true });
}
['msxml2.domdocument', 'microsoft.xmldom', 'msxml2.domdocument.3.0', 'msxml2.domdocument.6.0', 'msxml.domdocument', 'msxml2.freethreadeddomdocument'].forEach(function (p) { FACTORIES[p] = xmlDocument; });

// --- WScript.Network, .NET through COM (used by JScript loaders)
FACTORIES['wscript.network'] = function () {
  return com('WScript.Network', {
    UserName: ENV.USERNAME, ComputerName: ENV.COMPUTERNAME, UserDomain: ENV.USERDOMAIN,
    MapNetworkDrive: function (l, r) { rec('network', 'WScript.Network.MapNetworkDrive', [l, r]); },
    AddWindowsPrinterConnection: function (p) { rec('network', 'WScript.Network.AddWindowsPrinterConnection', [p]); },
    EnumNetworkDrives: function () { return collection([], 'WshCollection'); }, EnumPrinterConnections: function () { return collection([], 'WshCollection'); }
  });
};
FACTORIES['system.text.asciiencoding'] = FACTORIES['system.text.utf8encoding'] = FACTORIES['system.text.unicodeencoding'] = function (id) {
  var unicode = /unicode/i.test(id), utf8 = /utf8/i.test(id);
  function enc(s) { return unicode ? utf16Encode(str(s)) : utf8 ? utf8Encode(str(s)) : str(s).replace(/[^\x00-\x7f]/g, '?'); }
  function dec(b) { return unicode ? utf16Decode(b) : utf8 ? utf8Decode(b) : b; }
  return com(id, {
    GetBytes: function (s) { return makeBytes(enc(s), ''); }, GetBytes_4: function (s) { return makeBytes(enc(s), ''); },
    GetString: function (b) { return dec(bytesOf(b)); }, GetByteCount_2: function (s) { return enc(s).length; }, GetCharCount: function (b) { return dec(bytesOf(b)).length; }
  });
};
FACTORIES['system.security.cryptography.frombase64transform'] = function () {
  return com('System.Security.Cryptography.FromBase64Transform', {
    TransformFinalBlock: function (b, off, len) { var s = bytesOf(b).substr(off || 0, len); var r = b64decode(s); rec('other', 'FromBase64Transform.TransformFinalBlock', [r.length + ' bytes']); return makeBytes(r, ''); },
    InputBlockSize: 1, OutputBlockSize: 3, CanTransformMultipleBlocks: false
  });
};
FACTORIES['system.io.memorystream'] = function () {
  var data = '';
  return com('System.IO.MemoryStream', {
    Write: function (b, off, len) { var s = bytesOf(b); data += s.substr(off || 0, len === undefined ? s.length : len); },
    get Length() { return data.length; }, Position: 0, ToArray: function () { return makeBytes(data, ''); },
    __bytes: function () { return data; }
  });
};
FACTORIES['system.runtime.serialization.formatters.binary.binaryformatter'] = function () {
  return com('BinaryFormatter', {
    Deserialize_2: function (stream) {
      var internal = stream && stream[INTERNAL];
      var data = internal && internal.__bytes ? internal.__bytes() : '';
      rec('eval', 'BinaryFormatter.Deserialize_2', [data.length + ' bytes']);
      if (data.length) drop('memory:\\BinaryFormatter-' + data.length + '.bin', data, '', 'BinaryFormatter.Deserialize_2');
      return com('DeserializedObject', {});
    },
    SurrogateSelector: null
  });
};

// --- Schedule.Service (scheduled tasks)
FACTORIES['schedule.service'] = function () {
  function definition() {
    var actions = [];
    return com('ITaskDefinition', {
      get Actions() { return com('IActionCollection', { Create: function () { var a = com('IExecAction', { Path: '', Arguments: '', WorkingDirectory: '' }, { quiet: true }); actions.push(a); return a; } }, { quiet: true }); },
      get Triggers() { return com('ITriggerCollection', { Create: function () { return com('ITrigger', {}, { quiet: true }); } }, { quiet: true }); },
      get Settings() { return com('ITaskSettings', {}, { quiet: true }); },
      get RegistrationInfo() { return com('IRegistrationInfo', {}, { quiet: true }); },
      get Principal() { return com('IPrincipal', {}, { quiet: true }); },
      __actions: function () { return actions; }
    });
  }
  function taskFolder() {
    return com('ITaskFolder', {
      RegisterTaskDefinition: function (name, def) {
        var acts = def && def[INTERNAL] && def[INTERNAL].__actions ? def[INTERNAL].__actions() : [];
        var cmd = acts.map(function (a) { return str(a.Path) + ' ' + str(a.Arguments); }).join(' ; ');
        rec('process', 'Schedule.Service.RegisterTaskDefinition', [name, cmd]);
        return com('IRegisteredTask', { Run: function () { rec('process', 'IRegisteredTask.Run', [name]); } });
      },
      GetTask: function () { throw new Error('The system cannot find the file specified.'); },
      DeleteTask: function (n) { rec('other', 'ITaskFolder.DeleteTask', [n]); }
    });
  }
  return com('Schedule.Service', { Connect: function () {}, GetFolder: function () { return taskFolder(); }, NewTask: function () { return definition(); } });
};

// --- WMI
function wmiRows(q) {
  var s = str(q).toLowerCase();
  function row(o) { return com('SWbemObject', o, { quiet: true }); }
  if (/win32_operatingsystem/.test(s)) return [row({ Caption: 'Microsoft Windows 10 Pro', Version: '10.0.19045', BuildNumber: '19045', OSArchitecture: '64-bit', CSName: ENV.COMPUTERNAME, OSLanguage: 1033, Locale: '0409', SerialNumber: '00330-80000-00000-AA123', InstallDate: '20240105101500.000000+000', LastBootUpTime: '20250310081500.000000+000', TotalVisibleMemorySize: 16777216 })];
  if (/win32_computersystem/.test(s)) return [row({ Manufacturer: 'Dell Inc.', Model: 'OptiPlex 7090', Name: ENV.COMPUTERNAME, Domain: 'WORKGROUP', UserName: ENV.COMPUTERNAME + '\\user', TotalPhysicalMemory: '17179869184', NumberOfLogicalProcessors: 8, NumberOfProcessors: 1, PartOfDomain: false })];
  if (/win32_processor/.test(s)) return [row({ Name: 'Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz', NumberOfCores: 8, NumberOfLogicalProcessors: 16, Manufacturer: 'GenuineIntel', ProcessorId: 'BFEBFBFF000A0655' })];
  if (/win32_bios/.test(s)) return [row({ Manufacturer: 'Dell Inc.', SMBIOSBIOSVersion: '1.20.0', SerialNumber: '7XQ2M63', Version: 'DELL   - 1072009' })];
  if (/win32_diskdrive/.test(s)) return [row({ Model: 'Samsung SSD 980 PRO 512GB', Size: '512105932800', SerialNumber: 'S5GXNF0R123456', InterfaceType: 'SCSI' })];
  if (/win32_videocontroller/.test(s)) return [row({ Name: 'Intel(R) UHD Graphics 630', Caption: 'Intel(R) UHD Graphics 630', AdapterRAM: 1073741824 })];
  if (/antivirusproduct/.test(s)) return [row({ displayName: 'Windows Defender', productState: 397568 })];
  if (/win32_process\b/.test(s)) return ['System', 'smss.exe', 'csrss.exe', 'wininit.exe', 'services.exe', 'lsass.exe', 'svchost.exe', 'explorer.exe', 'OUTLOOK.EXE', 'msedge.exe'].map(function (n, i) { return row({ Name: n, ProcessId: 4 + i * 412, CommandLine: n, ExecutablePath: 'C:\\WINDOWS\\system32\\' + n }); });
  if (/win32_networkadapterconfiguration/.test(s)) return [row({ IPAddress: makeVBArray(['192.168.1.23']), MACAddress: '3C:52:82:1A:2B:3C', Description: 'Intel(R) Ethernet Connection', IPEnabled: true, DNSDomain: '' })];
  return [];
}
function wmiService(moniker) {
  function processClass() {
    return com('Win32_Process', {
      Create: function (cmd, dir) { rec('process', 'WMI.Win32_Process.Create', [cmd, dir === undefined || dir === null ? '' : dir]); return 0; },
      SpawnInstance_: function () { return processClass(); },
      get Methods_() { return com('SWbemMethodSet', { Item: function () { return com('SWbemMethod', { get InParameters() { return com('SWbemObject', { SpawnInstance_: function () { return com('SWbemObject', {}, { quiet: true }); } }, { quiet: true }); } }); } }); }
    });
  }
  return com('SWbemServices', {
    ExecQuery: function (q) { rec('other', 'WMI.ExecQuery', [q]); return collection(wmiRows(q), 'SWbemObjectSet'); },
    InstancesOf: function (c) { rec('other', 'WMI.InstancesOf', [c]); return collection(wmiRows('select * from ' + str(c)), 'SWbemObjectSet'); },
    ExecNotificationQuery: function (q) { rec('other', 'WMI.ExecNotificationQuery', [q]); return com('SWbemEventSource', { NextEvent: function () { throw QUIT; } }); },
    Get: function (p) {
      var path = str(p);
      rec('other', 'WMI.Get', [path]);
      if (/win32_processstartup/i.test(path)) return com('Win32_ProcessStartup', { SpawnInstance_: function () { return com('Win32_ProcessStartup', { ShowWindow: 1 }, { quiet: true }); } });
      if (/win32_process\b/i.test(path)) return processClass();
      return com('SWbemObject(' + path + ')', {});
    },
    ExecMethod: function (cls, method, params) { rec(/create/i.test(str(method)) ? 'process' : 'other', 'WMI.ExecMethod', [cls, method, params && params.CommandLine]); return com('SWbemObject', { ReturnValue: 0 }, { quiet: true }); }
  });
}
function getObject(moniker) {
  var m = str(moniker === undefined ? '' : moniker);
  rec('other', 'GetObject', [m]);
  var lm = m.toLowerCase();
  if (lm.indexOf('winmgmts') === 0) return wmiService(m);
  if (/^script(let)?:/.test(lm)) { rec('network', 'GetObject(script)', [m.replace(/^script(let)?:/i, '')]); return com('Scriptlet', {}); }
  if (/^https?:/.test(lm)) { rec('network', 'GetObject', [m]); return com('Scriptlet', {}); }
  return com('GetObject(' + m + ')', {});
}
G.GetObject = getObject;
FACTORIES['wbemscripting.swbemlocator'] = function () { return com('SWbemLocator', { ConnectServer: function (host, ns) { rec('other', 'SWbemLocator.ConnectServer', [host || '.', ns || '']); return wmiService('winmgmts:'); } }); };

// --- WScript
function stdStream(name) { return com(name, { Write: function (s) { rec('other', 'WScript.' + name + '.Write', [s]); }, WriteLine: function (s) { rec('other', 'WScript.' + name + '.WriteLine', [s]); }, WriteBlankLines: function () {}, ReadLine: function () { return ''; }, ReadAll: function () { return ''; }, get AtEndOfStream() { return true; }, Close: function () {} }, { quiet: true }); }
var args = collection([], 'WshArguments', { get Named() { return collection([], 'WshNamed', { Exists: function () { return false; } }); }, get Unnamed() { return collection([], 'WshUnnamed'); }, ShowUsage: function () {} });
G.WScript = com('WScript', {
  Echo: function () { rec('other', 'WScript.Echo', Array.prototype.slice.call(arguments)); },
  Sleep: function (ms) { sleep('WScript.Sleep', ms); },
  Quit: function (code) { rec('other', 'WScript.Quit', [code === undefined ? 0 : code]); quitting = true; throw QUIT; },
  CreateObject: function (p) { return createObject(p, 'WScript.CreateObject'); },
  GetObject: function (p) { return getObject(p); },
  ConnectObject: function () {}, DisconnectObject: function () {},
  ScriptFullName: cfg.scriptPath, ScriptName: cfg.scriptName,
  FullName: 'C:\\Windows\\System32\\wscript.exe', Name: 'Windows Script Host', Path: 'C:\\Windows\\System32',
  Version: '5.812', BuildVersion: 16384, Interactive: true, Timeout: 0,
  Arguments: args,
  StdOut: stdStream('StdOut'), StdErr: stdStream('StdErr'), StdIn: stdStream('StdIn')
}, { quiet: true });
G.WSH = G.WScript;
G.ScriptEngine = function () { return 'JScript'; };
G.ScriptEngineMajorVersion = function () { return 5; };
G.ScriptEngineMinorVersion = function () { return 8; };
G.ScriptEngineBuildVersion = function () { return 16384; };

// ------------------------------------------------------------------ code-running hooks
var nested = 0;
function runNested(code, technique, language) {
  codeLayer(technique, language || 'javascript', code);
  if (nested >= 20) return undefined;
  nested++;
  try { return realEval(code); } catch (e) { if (e === QUIT) throw e; rec('other', 'exception', [technique, e && e.name, e && e.message]); } finally { nested--; }
  return undefined;
}
G.eval = function (x) {
  if (typeof x !== 'string') return x;
  rec('eval', 'eval', [x]);
  codeLayer('emulation:eval', 'javascript', x);
  return realEval(x);
};
function FunctionHook() {
  var a = Array.prototype.slice.call(arguments);
  var body = a.length ? str(a[a.length - 1]) : '';
  rec('eval', 'Function', [body]);
  codeLayer('emulation:function-constructor', 'javascript', body);
  return apply(RealFunction, null, a);
}
FunctionHook.prototype = RealFunction.prototype;
defineProperty(RealFunction.prototype, 'constructor', { value: FunctionHook, writable: true, configurable: true });
G.Function = FunctionHook;

// timers
var timers = [];
var timerSeq = 0;
var timerRuns = 0;
function addTimer(api, fn, ms, extra, repeat) {
  if (typeof fn === 'string') rec('eval', api, [fn]);
  if (timers.length >= 1000) return 0;
  var id = ++timerSeq;
  var delay = Math.max(0, Number(ms) || 0);
  timers.push({ id: id, fn: fn, due: clock + delay, args: extra, repeat: repeat ? Math.max(1, delay) : 0, runs: 0, api: api });
  return id;
}
function clearTimer(id) { timers = timers.filter(function (t) { return t.id !== id; }); }
G.setTimeout = function (fn, ms) { return addTimer('setTimeout', fn, ms, Array.prototype.slice.call(arguments, 2), false); };
G.setInterval = function (fn, ms) { return addTimer('setInterval', fn, ms, Array.prototype.slice.call(arguments, 2), true); };
G.setImmediate = function (fn) { return addTimer('setImmediate', fn, 0, Array.prototype.slice.call(arguments, 1), false); };
G.requestAnimationFrame = function (fn) { return addTimer('requestAnimationFrame', fn, 16, [16], false); };
G.clearTimeout = G.clearInterval = G.clearImmediate = G.cancelAnimationFrame = clearTimer;
G.queueMicrotask = function (fn) { RealPromise.resolve().then(fn); };
function drainTimers() {
  while (timers.length && timerRuns < cfg.maxTimerRuns) {
    timers.sort(function (a, b) { return a.due - b.due || a.id - b.id; });
    var t = timers.shift();
    timerRuns++;
    if (t.due > clock) { sleepTotal += t.due - clock; clock = t.due; }
    if (t.repeat && t.runs < 9) { t.runs++; t.due = clock + t.repeat; timers.push(t); }
    try {
      if (typeof t.fn === 'string') runNested(t.fn, 'emulation:' + t.api + '-string');
      else if (typeof t.fn === 'function') apply(t.fn, G, t.args || []);
    } catch (e) { if (e === QUIT) throw e; rec('other', 'exception', [t.api + ' callback', e && e.name, e && e.message]); }
  }
}

// ------------------------------------------------------------------ browser
var pageHtml = cfg.html || '';
var pageUrl = cfg.pageUrl;
var listeners = [];
var cookie = '';
var navigations = 0;
var blobs = {};
var blobSeq = 0;
function navigate(api, url) { navigations++; rec('network', api, [url]); }
function parseUrl(href) {
  var s = str(href);
  var m = /^([a-z][\w+.-]*:)(?:\/\/([^\/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(s) || [];
  var host = m[2] || '';
  return { href: s, protocol: m[1] || '', host: host, hostname: host.replace(/:\d+$/, ''), port: (/:(\d+)$/.exec(host) || [])[1] || '', pathname: m[3] || '/', search: m[4] || '', hash: m[5] || '', origin: (m[1] || '') + '//' + host };
}
var loc = parseUrl(pageUrl);
var locationObj = com('Location', {
  get href() { return pageUrl; }, set href(v) { navigate('location.href', v); },
  assign: function (u) { navigate('location.assign', u); }, replace: function (u) { navigate('location.replace', u); }, reload: function () {},
  get protocol() { return loc.protocol; }, get host() { return loc.host; }, get hostname() { return loc.hostname; }, get port() { return loc.port; },
  get pathname() { return loc.pathname; }, get search() { return loc.search; }, get hash() { return loc.hash; }, set hash(v) {}, get origin() { return loc.origin; },
  toString: function () { return pageUrl; }, __default: function () { return pageUrl; }
}, { quiet: true });
function escapeRe(s) { return s.replace(/[.*+?^()|[\]\\{}$]/g, '\\$&'); }
function stripTags(h) { return h.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'); }
var pageEls = {};
function pageElement(id) {
  var sid = str(id);
  if (hasOwn(pageEls, sid)) return pageEls[sid];
  var re = new RegExp('<([a-zA-Z][\\w-]*)\\b[^>]*?\\bid\\s*=\\s*["\']?' + escapeRe(sid) + '(?=["\'\\s>/])', 'i');
  var m = re.exec(pageHtml);
  if (!m) return null;
  var tag = m[1].toLowerCase();
  var openEnd = pageHtml.indexOf('>', m.index);
  var close = pageHtml.toLowerCase().indexOf('</' + tag, openEnd);
  var inner = openEnd < 0 || close < 0 ? '' : pageHtml.slice(openEnd + 1, close);
  var attrs = pageHtml.slice(m.index, openEnd < 0 ? undefined : openEnd);
  var vm = /\bvalue\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(attrs);
  var el = element(tag, { html: inner, text: stripTags(inner), value: vm ? (vm[1] !== undefined ? vm[1] : vm[2]) : '', id: sid });
  pageEls[sid] = el;
  return el;
}
var pendingWrite = '';
function scanHtml(html, technique) {
  var re = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
  var m;
  while ((m = re.exec(html))) {
    var src = /\bsrc\s*=\s*["']?([^"'\s>]+)/i.exec(m[1]);
    if (src) rec('network', 'script.src', [src[1]]);
    else if (!/vbscript/i.test(m[1]) && m[2].trim()) runNested(m[2], technique + '/script');
  }
  var tagRe = /<(iframe|frame|embed|object|img|link)\b[^>]*?\b(?:src|data|href)\s*=\s*["']?([^"'\s>]+)/gi;
  while ((m = tagRe.exec(html))) rec('network', m[1].toLowerCase() + '.src', [m[2]]);
  var meta = /<meta\b[^>]*http-equiv\s*=\s*["']?refresh[^>]*content\s*=\s*["']?\d*\s*;?\s*url\s*=\s*([^"'>]+)/i.exec(html);
  if (meta) navigate('meta.refresh', meta[1].trim());
}
function docWrite(s) {
  rec('eval', 'document.write', [s]);
  codeLayer('emulation:document.write', 'html', s);
  pendingWrite += s;
  var last = pendingWrite.toLowerCase().lastIndexOf('</script');
  var complete = last >= 0 ? pendingWrite.indexOf('>', last) + 1 : 0;
  var openAfter = pendingWrite.slice(complete).search(/<script\b/i);
  var upto = openAfter >= 0 ? complete + openAfter : pendingWrite.length;
  var ready = pendingWrite.slice(0, upto);
  pendingWrite = pendingWrite.slice(upto);
  if (pendingWrite.length > 1048576) pendingWrite = '';
  scanHtml(ready, 'emulation:document.write');
}
function attached(child) {
  var st = child && child[INTERNAL] && child[INTERNAL].__state;
  if (!st) return;
  st.attached = true;
  if (st.tag === 'script') {
    if (st.attrs.src) rec('network', 'script.src', [st.attrs.src]);
    else if (st.text) runNested(st.text, 'emulation:script-element');
  } else if ((st.tag === 'iframe' || st.tag === 'frame' || st.tag === 'embed' || st.tag === 'object') && (st.attrs.src || st.attrs.data)) rec('network', st.tag + '.src', [st.attrs.src || st.attrs.data]);
  if (st.children) st.children.forEach(attached);
}
function dataUrlBytes(u) {
  var m = /^data:([^,]*?),(.*)$/i.exec(u);
  if (!m) return '';
  try { return /;base64/i.test(m[1]) ? b64decode(m[2]) : _unescape(m[2]); } catch (e) { return ''; }
}
function saveDownload(api, name, bin, from) {
  var file = normPath(ENV.USERPROFILE + '\\Downloads\\' + (str(name).replace(/[\\/:*?"<>|]/g, '_') || 'download'));
  files[file.toLowerCase()] = { path: file, data: bin, from: from };
  rec('file', api, [file, bin.length + ' bytes', from]);
  drop(file, bin, from, api);
}
function clicked(st) {
  var href = st.attrs.href || '';
  if (st.tag === 'a' && hasOwn(st.attrs, 'download')) {
    var name = st.attrs.download || baseName(href) || 'download';
    if (/^blob:/i.test(href) && blobs[href] !== undefined) return saveDownload('a.download(blob)', name, blobs[href], 'script-built blob');
    if (/^data:/i.test(href)) return saveDownload('a.download(data)', name, dataUrlBytes(href), 'data: URL');
  }
  if (href && !/^javascript:/i.test(href)) navigate(st.tag + '.click', href);
  if (/^javascript:/i.test(href)) runNested(href.slice(11), 'emulation:javascript-url');
}
function element(tag, init) {
  init = init || {};
  var st = { tag: tag, attrs: {}, children: [], text: init.text || '', html: init.html || '', value: init.value || '', listeners: [], attached: !!init.id };
  if (init.id) st.attrs.id = init.id;
  var style = {};
  var m = {
    __state: st,
    get tagName() { return tag.toUpperCase(); }, get nodeName() { return tag.toUpperCase(); }, nodeType: 1,
    get style() { return style; }, set style(v) {},
    get id() { return st.attrs.id || ''; }, set id(v) { st.attrs.id = str(v); },
    get className() { return st.attrs['class'] || ''; }, set className(v) { st.attrs['class'] = str(v); },
    setAttribute: function (n, v) { var k = str(n).toLowerCase(); st.attrs[k] = str(v); if (st.attached && (k === 'src' || k === 'data')) attached(el); },
    getAttribute: function (n) { var v = st.attrs[str(n).toLowerCase()]; return v === undefined ? null : v; },
    hasAttribute: function (n) { return hasOwn(st.attrs, str(n).toLowerCase()); },
    removeAttribute: function (n) { delete st.attrs[str(n).toLowerCase()]; },
    get src() { return st.attrs.src || ''; }, set src(v) { st.attrs.src = str(v); if (tag === 'img' || st.attached) rec('network', tag + '.src', [v]); },
    get href() { return st.attrs.href || ''; }, set href(v) { st.attrs.href = str(v); },
    get download() { return st.attrs.download || ''; }, set download(v) { st.attrs.download = str(v); },
    get action() { return st.attrs.action || ''; }, set action(v) { st.attrs.action = str(v); },
    get type() { return st.attrs.type || ''; }, set type(v) { st.attrs.type = str(v); },
    get data() { return st.attrs.data || ''; }, set data(v) { st.attrs.data = str(v); },
    get innerHTML() { return st.html; },
    set innerHTML(v) { st.html = str(v); st.text = stripTags(st.html); if (/<(script|iframe|object|embed|form|meta|a)\b/i.test(st.html)) { rec('eval', 'element.innerHTML', [st.html]); codeLayer('emulation:innerHTML', 'html', st.html); } },
    get outerHTML() { return '<' + tag + '>' + st.html + '</' + tag + '>'; }, set outerHTML(v) { codeLayer('emulation:outerHTML', 'html', str(v)); },
    get text() { return st.text; }, set text(v) { st.text = str(v); },
    get textContent() { return st.text; }, set textContent(v) { st.text = str(v); st.html = st.text; },
    get innerText() { return st.text; }, set innerText(v) { st.text = str(v); st.html = st.text; },
    get value() { return st.value; }, set value(v) { st.value = str(v); },
    appendChild: function (c) { st.children.push(c); if (st.attached) attached(c); return c; },
    append: function () { for (var i = 0; i < arguments.length; i++) m.appendChild(arguments[i]); },
    prepend: function () { for (var i = 0; i < arguments.length; i++) m.appendChild(arguments[i]); },
    insertBefore: function (c) { return m.appendChild(c); },
    insertAdjacentHTML: function (pos, h) { rec('eval', 'element.insertAdjacentHTML', [h]); codeLayer('emulation:insertAdjacentHTML', 'html', str(h)); },
    replaceChild: function (c) { return m.appendChild(c); },
    removeChild: function (c) { return c; }, remove: function () {},
    get firstChild() { return st.children[0] || null; }, get lastChild() { return st.children[st.children.length - 1] || null; },
    get childNodes() { return st.children.slice(); }, get children() { return st.children.slice(); },
    get parentNode() { return st.attached && tag !== 'html' ? docEl : null; }, get parentElement() { return st.attached && tag !== 'html' ? docEl : null; },
    get nextSibling() { return null; }, get previousSibling() { return null; },
    click: function () { clicked(st); },
    submit: function () { navigate('form.submit', st.attrs.action || pageUrl); },
    addEventListener: function (type, fn) { st.listeners.push([str(type), fn]); },
    removeEventListener: function () {},
    dispatchEvent: function (e) { var t = e && e.type; st.listeners.forEach(function (l) { if (l[0] === t && typeof l[1] === 'function') l[1].call(el, e); }); if (t === 'click') clicked(st); return true; },
    focus: function () {}, blur: function () {}, scrollIntoView: function () {},
    getBoundingClientRect: function () { return { top: 0, left: 0, right: 0, bottom: 0, width: 0, height: 0, x: 0, y: 0 }; },
    cloneNode: function () { return element(tag, { html: st.html, text: st.text }); },
    getElementsByTagName: function () { return []; }, getElementsByClassName: function () { return []; },
    querySelector: function () { return null; }, querySelectorAll: function () { return []; },
    contains: function () { return false; }, matches: function () { return false; }, closest: function () { return null; },
    get classList() { return { add: function () {}, remove: function () {}, contains: function () { return false; }, toggle: function () { return false; } }; },
    dataset: {}, get offsetWidth() { return 0; }, get offsetHeight() { return 0; }, get clientWidth() { return 0; }, get clientHeight() { return 0; },
    get contentWindow() { return tag === 'iframe' ? G : null; }, get contentDocument() { return tag === 'iframe' ? documentObj : null; },
    __string: function () { return '[object HTML' + tag.toUpperCase() + 'Element]'; }
  };
  var el = com('HTMLElement<' + tag + '>', m, { quiet: true });
  return el;
}
var docEl = element('html', { id: '' });
var head = element('head');
var body = element('body');
[docEl, head, body].forEach(function (e) { e[INTERNAL].__state.attached = true; });
var documentObj = com('document', {
  write: function () { docWrite(Array.prototype.slice.call(arguments).map(str).join('')); },
  writeln: function () { docWrite(Array.prototype.slice.call(arguments).map(str).join('') + '\n'); },
  open: function () { return documentObj; }, close: function () { if (pendingWrite) { var p = pendingWrite; pendingWrite = ''; scanHtml(p, 'emulation:document.write'); } },
  createElement: function (t) { return element(str(t).toLowerCase()); },
  createElementNS: function (ns, t) { return element(str(t).toLowerCase()); },
  createTextNode: function (t) { return element('#text', { text: str(t) }); },
  createDocumentFragment: function () { return element('#fragment'); },
  createEvent: function (t) { return { type: '', initEvent: function (type) { this.type = type; } }; },
  getElementById: function (id) { return pageElement(id); },
  getElementsByTagName: function (t) { var n = str(t).toLowerCase(); return n === 'head' ? [head] : n === 'body' ? [body] : n === 'html' ? [docEl] : []; },
  getElementsByName: function () { return []; }, getElementsByClassName: function () { return []; },
  querySelector: function (s) { var m = /^#([\w-]+)$/.exec(str(s)); return m ? pageElement(m[1]) : str(s) === 'body' ? body : str(s) === 'head' ? head : null; },
  querySelectorAll: function () { return []; },
  addEventListener: function (type, fn) { listeners.push([str(type), fn]); }, removeEventListener: function () {},
  get cookie() { return cookie; }, set cookie(v) { cookie = str(v); rec('other', 'document.cookie =', [v]); },
  get location() { return locationObj; }, set location(v) { navigate('document.location', v); },
  get URL() { return pageUrl; }, get documentURI() { return pageUrl; }, get domain() { return loc.hostname; }, get referrer() { return ''; },
  get body() { return body; }, get head() { return head; }, get documentElement() { return docEl; },
  title: '', readyState: 'complete', characterSet: 'UTF-8', charset: 'UTF-8', compatMode: 'CSS1Compat', visibilityState: 'visible', hidden: false,
  get defaultView() { return G; }, get scripts() { return []; }, get forms() { return []; }, get images() { return []; }, get links() { return []; }, get all() { return []; },
  execCommand: function () { return false; }, hasFocus: function () { return true; },
  onreadystatechange: null, onload: null, onclick: null
}, { quiet: true });
G.document = documentObj;
G.window = G; G.self = G; G.top = G; G.parent = G; G.frames = G; G.globalThis = G;
defineProperty(G, 'location', { get: function () { return locationObj; }, set: function (v) { navigate('window.location', v); }, configurable: true });
G.navigator = {
  userAgent: cfg.userAgent, appVersion: cfg.userAgent.replace(/^Mozilla\//, ''), appName: 'Netscape', appCodeName: 'Mozilla', platform: 'Win32', product: 'Gecko', vendor: 'Google Inc.',
  language: 'en-US', languages: ['en-US', 'en'], cookieEnabled: true, onLine: true, webdriver: false, hardwareConcurrency: 8, deviceMemory: 8, maxTouchPoints: 0,
  plugins: [], mimeTypes: [], doNotTrack: null, javaEnabled: function () { return false; },
  sendBeacon: function (u, d) { rec('network', 'navigator.sendBeacon', [u, d === undefined ? '' : bytesOf(d).slice(0, 512)]); return true; },
  msSaveOrOpenBlob: function (b, n) { saveDownload('navigator.msSaveOrOpenBlob', n || 'download', bytesOf(b), 'script-built blob'); return true; },
  msSaveBlob: function (b, n) { saveDownload('navigator.msSaveBlob', n || 'download', bytesOf(b), 'script-built blob'); return true; },
  clipboard: { writeText: function (t) { rec('other', 'navigator.clipboard.writeText', [t]); return RealPromise.resolve(); }, readText: function () { return RealPromise.resolve(''); } }
};
G.screen = { width: 1920, height: 1080, availWidth: 1920, availHeight: 1040, colorDepth: 24, pixelDepth: 24 };
G.innerWidth = 1920; G.innerHeight = 947; G.outerWidth = 1920; G.outerHeight = 1040; G.devicePixelRatio = 1;
G.history = { length: 1, pushState: function () {}, replaceState: function () {}, back: function () {}, go: function () {} };
function storage() { var d = {}; return { getItem: function (k) { return hasOwn(d, k) ? d[k] : null; }, setItem: function (k, v) { d[k] = str(v); }, removeItem: function (k) { delete d[k]; }, clear: function () { d = {}; }, get length() { return Object.keys(d).length; }, key: function (i) { return Object.keys(d)[i] || null; } }; }
G.localStorage = storage(); G.sessionStorage = storage();
G.console = { log: function () {}, info: function () {}, warn: function () {}, error: function () {}, debug: function () {}, trace: function () {}, dir: function () {}, table: function () {}, group: function () {}, groupEnd: function () {}, time: function () {}, timeEnd: function () {} };
G.alert = function (m) { rec('other', 'alert', [m]); };
G.confirm = function (m) { rec('other', 'confirm', [m]); return true; };
G.prompt = function (m) { rec('other', 'prompt', [m]); return ''; };
G.open = function (u) { navigate('window.open', u === undefined ? '' : u); return G; };
G.close = function () {}; G.focus = function () {}; G.blur = function () {}; G.print = function () {}; G.scrollTo = function () {}; G.postMessage = function () {};
G.addEventListener = function (type, fn) { listeners.push([str(type), fn]); };
G.removeEventListener = function () {};
G.dispatchEvent = function () { return true; };
G.getComputedStyle = function () { return { getPropertyValue: function () { return ''; } }; };
G.matchMedia = function () { return { matches: false, addListener: function () {}, addEventListener: function () {} }; };
G.Image = function () { return element('img'); };
G.Option = function () { return element('option'); };
G.Event = function (t) { this.type = str(t); };
G.CustomEvent = function (t, o) { this.type = str(t); this.detail = o && o.detail; };
G.MutationObserver = function () { return { observe: function () {}, disconnect: function () {}, takeRecords: function () { return []; } }; };
G.IntersectionObserver = G.ResizeObserver = G.MutationObserver;
G.HTMLElement = G.Element = G.Node = function () {};
G.DOMParser = function () { return { parseFromString: function (s) { codeLayer('emulation:DOMParser', 'html', str(s)); return documentObj; } }; };
G.atob = function (s) { var r = b64decode(s); rec('other', 'atob', [r.length + ' bytes']); return r; };
G.btoa = function (s) { return b64encode(str(s)); };
G.escape = _escape; G.unescape = _unescape;
function partBytes(p) {
  if (typeof p === 'string') return utf8Encode(p);
  if (p && p[BYTES] !== undefined) return p[BYTES];
  return bytesOf(p);
}
function Blob(parts, opts) {
  var bin = '';
  (parts || []).forEach(function (p) { bin += partBytes(p); });
  this[BYTES] = bin;
  this.size = bin.length;
  this.type = (opts && opts.type) || '';
}
Blob.prototype.text = function () { return RealPromise.resolve(utf8Decode(this[BYTES])); };
Blob.prototype.arrayBuffer = function () { var b = this[BYTES]; var u = new Uint8Array(b.length); for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); return RealPromise.resolve(u.buffer); };
Blob.prototype.slice = function (a, e) { return new Blob([makeBytes(this[BYTES].slice(a, e), '')]); };
G.Blob = Blob;
G.File = function (parts, name, opts) { Blob.call(this, parts, opts); this.name = str(name); };
G.File.prototype = Object.create(Blob.prototype);
function URLClass(href, base) {
  var s = str(href);
  if (base !== undefined && !/^[a-z][\w+.-]*:/i.test(s)) s = str(base).replace(/\/[^\/]*$/, '/') + s.replace(/^\//, '');
  var p = parseUrl(s);
  var self = this;
  Object.keys(p).forEach(function (k) { self[k] = p[k]; });
  this.searchParams = { get: function () { return null; }, has: function () { return false; }, append: function () {}, set: function () {}, toString: function () { return ''; } };
  this.toString = function () { return s; };
}
URLClass.createObjectURL = function (blob) {
  var id = 'blob:' + loc.origin + '/' + (++blobSeq) + '-2f1c-4e1a-9b7d-' + hex(12).toLowerCase();
  blobs[id] = blob && blob[BYTES] !== undefined ? blob[BYTES] : bytesOf(blob);
  rec('other', 'URL.createObjectURL', [id, blobs[id].length + ' bytes', blob && blob.type]);
  return id;
};
URLClass.revokeObjectURL = function () {};
G.URL = G.webkitURL = URLClass;
G.TextEncoder = function () { this.encoding = 'utf-8'; };
G.TextEncoder.prototype.encode = function (s) { var b = utf8Encode(str(s === undefined ? '' : s)); var u = new Uint8Array(b.length); for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); return u; };
G.TextDecoder = function (label) { this.encoding = str(label || 'utf-8').toLowerCase(); };
G.TextDecoder.prototype.decode = function (v) { var b = v === undefined ? '' : bytesOf(v); return /16/.test(this.encoding) ? utf16Decode(b) : /utf-?8/.test(this.encoding) ? utf8Decode(b) : b; };
function XMLHttpRequest() {
  var st = { method: 'GET', url: '' };
  var self = this;
  this.readyState = 0; this.status = 0; this.responseText = ''; this.response = ''; this.responseType = '';
  this.open = function (m, u) { st.method = str(m).toUpperCase(); st.url = str(u); self.readyState = 1; rec('network', 'XMLHttpRequest.open', [st.method, st.url]); };
  this.setRequestHeader = function () {};
  this.getResponseHeader = function () { return null; };
  this.getAllResponseHeaders = function () { return ''; };
  this.abort = function () {};
  this.addEventListener = function (t, fn) { self['on' + t] = fn; };
  this.send = function (b) {
    rec('network', 'XMLHttpRequest.send', [st.method, st.url, b === undefined || b === null ? '' : bytesOf(b).slice(0, 512)]);
    self.readyState = 4; self.status = 200; self.statusText = 'OK';
    var body = TEXT_EXT.test(st.url) ? cfg.fakeText : '';
    self.responseText = body; self.response = body;
    addTimer('xhr', function () { if (typeof self.onreadystatechange === 'function') self.onreadystatechange(); if (typeof self.onload === 'function') self.onload({ target: self }); }, 0, [], false);
  };
}
G.XMLHttpRequest = XMLHttpRequest;
G.fetch = function (u, o) {
  var url = u && typeof u === 'object' && u.url ? u.url : str(u);
  rec('network', 'fetch', [url, (o && o.method) || 'GET', o && o.body !== undefined ? bytesOf(o.body).slice(0, 512) : '']);
  var text = TEXT_EXT.test(url) ? cfg.fakeText : '';
  var response = { ok: true, status: 200, statusText: 'OK', url: url, headers: { get: function () { return null; } },
    text: function () { return RealPromise.resolve(text); }, json: function () { return RealPromise.resolve({}); },
    arrayBuffer: function () { return RealPromise.resolve(new ArrayBuffer(0)); }, blob: function () { return RealPromise.resolve(new Blob([text])); }, clone: function () { return response; } };
  return RealPromise.resolve(response);
};
G.WebSocket = function (u) { rec('network', 'WebSocket', [u]); this.send = function (d) { rec('network', 'WebSocket.send', [u, d]); }; this.close = function () {}; };
G.EventSource = function (u) { rec('network', 'EventSource', [u]); this.close = function () {}; };
G.importScripts = function () { for (var i = 0; i < arguments.length; i++) rec('network', 'importScripts', [arguments[i]]); };

// ------------------------------------------------------------------ Acrobat (PDF JavaScript)
G.app = {
  viewerVersion: 11.0, viewerType: 'Reader', viewerVariation: 'Reader', platform: 'WIN', language: 'ENU', formsVersion: 11.0, plugIns: [],
  alert: function (m) { rec('other', 'app.alert', [m && typeof m === 'object' ? m.cMsg : m]); return 1; },
  response: function () { return ''; }, beep: function () {},
  launchURL: function (u) { navigate('app.launchURL', u && typeof u === 'object' ? u.cURL : u); },
  openDoc: function (p) { rec('file', 'app.openDoc', [p && typeof p === 'object' ? p.cPath : p]); },
  setTimeOut: function (code, ms) { return addTimer('app.setTimeOut', code, ms, [], false); },
  setInterval: function (code, ms) { return addTimer('app.setInterval', code, ms, [], true); },
  clearTimeOut: clearTimer, clearInterval: clearTimer, doc: null
};
G.util = {
  printf: function (fmt) { var a = Array.prototype.slice.call(arguments, 1); var i = 0; return str(fmt).replace(/%[-+ #0]*\d*(?:\.\d+)?[dfsx]/g, function () { return str(a[i++]); }); },
  printd: function () { return new FakeDate().toString(); },
  stringFromStream: function (s) { return str(s); }
};
G.event = { target: G, name: 'Open', type: 'Doc' };
G.exportDataObject = function (o) { var n = o && typeof o === 'object' ? o.cName : o; rec((o && o.nLaunch) ? 'process' : 'file', 'exportDataObject', [n, o && o.nLaunch]); };
G.getURL = function (u) { navigate('getURL', u); };
G.submitForm = function (u) { navigate('submitForm', u && typeof u === 'object' ? u.cURL : u); };
G.getField = function (n) { return com('Field<' + str(n) + '>', { value: '', valueAsString: '' }, { quiet: true }); };
G.getAnnots = function () { return []; };
G.info = { Title: '', Author: '', Creator: '', Producer: '' };

// ------------------------------------------------------------------ Node.js
function nodeModule(name) {
  var n = str(name).replace(/^node:/, '');
  if (n === 'child_process') {
    var run = function (api) { return function (cmd, a) { rec('process', 'child_process.' + api, [Array.isArray(a) ? cmd + ' ' + a.join(' ') : cmd]); var cb = arguments[arguments.length - 1]; if (typeof cb === 'function') addTimer('callback', cb, 0, [null, '', ''], false); return api.indexOf('Sync') > 0 ? '' : com('ChildProcess', { on: function () {}, kill: function () {}, pid: 4242, stdout: com('Stream', { on: function () {} }, { quiet: true }), stderr: com('Stream', { on: function () {} }, { quiet: true }) }, { quiet: true }); }; };
    return { exec: run('exec'), execSync: run('execSync'), spawn: run('spawn'), spawnSync: run('spawnSync'), execFile: run('execFile'), execFileSync: run('execFileSync'), fork: run('fork') };
  }
  if (n === 'fs' || n === 'fs/promises') {
    var w = function (api) { return function (p, d) { writeFile('fs.' + api, p, typeof d === 'string' ? utf8Encode(d) : bytesOf(d), ''); var cb = arguments[arguments.length - 1]; if (typeof cb === 'function') addTimer('callback', cb, 0, [null], false); }; };
    return { writeFileSync: w('writeFileSync'), writeFile: w('writeFile'), appendFileSync: w('appendFileSync'), appendFile: w('appendFile'),
      readFileSync: function (p) { rec('file', 'fs.readFileSync', [normPath(p)]); var f = readFile(p); return f ? utf8Decode(f.data) : ''; },
      readFile: function (p) { rec('file', 'fs.readFile', [normPath(p)]); var cb = arguments[arguments.length - 1]; if (typeof cb === 'function') addTimer('callback', cb, 0, [null, ''], false); },
      existsSync: function (p) { return !!readFile(p); }, unlinkSync: function (p) { deleteFile('fs.unlinkSync', p); }, unlink: function (p) { deleteFile('fs.unlink', p); },
      mkdirSync: function () {}, readdirSync: function () { return []; }, statSync: function () { return { size: 0, isFile: function () { return true; }, isDirectory: function () { return false; } }; },
      chmodSync: function (p, m) { rec('file', 'fs.chmodSync', [p, m]); }, createWriteStream: function (p) { var buf = ''; return { write: function (d) { buf += bytesOf(d); }, end: function (d) { if (d) buf += bytesOf(d); writeFile('fs.createWriteStream', p, buf, ''); }, on: function () {} }; } };
  }
  if (n === 'http' || n === 'https') {
    var req = function (api) { return function (u) { var url = u && typeof u === 'object' ? (u.protocol || n + ':') + '//' + (u.hostname || u.host) + (u.path || '/') : str(u); rec('network', n + '.' + api, [url]); var cb = arguments[arguments.length - 1]; var res = com('IncomingMessage', { statusCode: 200, headers: {}, on: function (ev, fn) { if (ev === 'end') addTimer('callback', fn, 0, [], false); return res; }, pipe: function (d) { return d; }, setEncoding: function () {} }, { quiet: true }); if (typeof cb === 'function') addTimer('callback', cb, 0, [res], false); return com('ClientRequest', { on: function () {}, write: function (d) { rec('network', n + '.request.write', [url, bytesOf(d).slice(0, 512)]); }, end: function () {}, setTimeout: function () {} }, { quiet: true }); }; };
    return { get: req('get'), request: req('request'), createServer: function () { rec('network', n + '.createServer', []); return com('Server', {}, { quiet: true }); } };
  }
  if (n === 'net' || n === 'tls' || n === 'dgram') return { connect: function (a, h) { rec('network', n + '.connect', [typeof a === 'object' ? str(a.host) + ':' + str(a.port) : str(h) + ':' + str(a)]); return com('Socket', {}, { quiet: true }); }, createConnection: function (a, h) { rec('network', n + '.createConnection', [typeof a === 'object' ? str(a.host) + ':' + str(a.port) : str(h) + ':' + str(a)]); return com('Socket', {}, { quiet: true }); }, createSocket: function () { return com('Socket', {}, { quiet: true }); } };
  if (n === 'dns') return { lookup: function (h, cb) { rec('network', 'dns.lookup', [h]); if (typeof cb === 'function') addTimer('callback', cb, 0, [null, '93.184.216.34', 4], false); }, resolve: function (h) { rec('network', 'dns.resolve', [h]); } };
  if (n === 'os') return { platform: function () { return 'win32'; }, type: function () { return 'Windows_NT'; }, arch: function () { return 'x64'; }, hostname: function () { return ENV.COMPUTERNAME; }, homedir: function () { return ENV.USERPROFILE; }, tmpdir: function () { return ENV.TEMP; }, userInfo: function () { return { username: ENV.USERNAME, homedir: ENV.USERPROFILE }; }, release: function () { return '10.0.19045'; }, cpus: function () { return [{}, {}, {}, {}]; }, totalmem: function () { return 17179869184; }, networkInterfaces: function () { return {}; }, EOL: '\r\n' };
  if (n === 'path') return { sep: '\\', delimiter: ';', join: function () { return Array.prototype.slice.call(arguments).map(str).join('\\').replace(/[\\/]+/g, '\\'); }, resolve: function () { return normPath(Array.prototype.slice.call(arguments).map(str).join('\\')); }, basename: function (p) { return baseName(p); }, dirname: function (p) { return parentName(p); }, extname: function (p) { var e = extName(p); return e ? '.' + e : ''; } };
  return com('module:' + n, {});
}
G.require = function (name) { rec('other', 'require', [name]); return nodeModule(name); };
G.process = {
  pid: 4242, ppid: 4100, platform: 'win32', arch: 'x64', version: 'v20.11.1', versions: { node: '20.11.1' }, env: ENV, argv: ['C:\\Program Files\\nodejs\\node.exe', cfg.scriptPath], execPath: 'C:\\Program Files\\nodejs\\node.exe', title: 'node',
  cwd: function () { return cwd; }, exit: function (c) { rec('other', 'process.exit', [c === undefined ? 0 : c]); quitting = true; throw QUIT; },
  on: function () {}, once: function () {}, nextTick: function (fn) { RealPromise.resolve().then(fn); }, hrtime: function () { return [Math.floor(clock / 1000), 0]; }, uptime: function () { return 3600; }, memoryUsage: function () { return { rss: 50000000 }; }, kill: function (p) { rec('process', 'process.kill', [p]); }
};
G.module = { exports: {} }; G.exports = G.module.exports; G.__filename = cfg.scriptPath; G.__dirname = parentName(cfg.scriptPath); G.global = G;
function NodeBuffer() {}
NodeBuffer.from = function (v, enc) {
  var e = str(enc || 'utf8').toLowerCase();
  var bin = typeof v !== 'string' ? bytesOf(v) : e === 'base64' ? b64decode(v) : e === 'hex' ? v.replace(/[^0-9a-f]/gi, '').replace(/../g, function (h) { return fromCharCode(parseInt(h, 16)); }) : e === 'latin1' || e === 'binary' || e === 'ascii' ? v : e === 'utf16le' || e === 'ucs2' ? utf16Encode(v) : utf8Encode(v);
  return bufferOf(bin);
};
NodeBuffer.alloc = function (n) { return bufferOf(new Array(Math.min(Number(n) || 0, 1048576) + 1).join('\x00')); };
NodeBuffer.concat = function (list) { return bufferOf(list.map(function (b) { return bytesOf(b); }).join('')); };
NodeBuffer.isBuffer = function (b) { return !!(b && b[BYTES] !== undefined); };
function bufferOf(bin) {
  var b = makeBytes(bin, '');
  b.length = bin.length;
  b.toString = function (enc) { var e = str(enc || 'utf8').toLowerCase(); return e === 'base64' ? b64encode(bin) : e === 'hex' ? bin.split('').map(function (c) { return (c.charCodeAt(0) < 16 ? '0' : '') + c.charCodeAt(0).toString(16); }).join('') : e === 'latin1' || e === 'binary' ? bin : e === 'utf16le' || e === 'ucs2' ? utf16Decode(bin) : utf8Decode(bin); };
  return b;
}
G.Buffer = NodeBuffer;

// ------------------------------------------------------------------ entry points (for the host)
function describe(e) { try { return [str(e && e.name), str(e && e.message)]; } catch (x) { return ['Error', '']; } }
function runCode(code, label) {
  try {
    realEval(code);
    return 'completed';
  } catch (e) {
    if (e === QUIT) return 'quit';
    var d = describe(e);
    try { rec('other', 'exception', [label, d[0], d[1]]); } catch (x) { if (x === QUIT) return 'quit'; }
    return 'exception: ' + d[0] + ': ' + d[1];
  }
}
function finish() {
  var outcome = 'completed';
  try {
    var fire = function (type) { listeners.slice().forEach(function (l) { if (l[0] === type && typeof l[1] === 'function') l[1].call(G, { type: type, target: G }); }); };
    fire('DOMContentLoaded');
    fire('readystatechange');
    if (typeof G.onload === 'function') G.onload({ type: 'load' });
    fire('load');
    if (typeof documentObj.onreadystatechange === 'function') documentObj.onreadystatechange();
    drainTimers();
    documentObj.close();
  } catch (e) {
    if (e === QUIT) outcome = 'quit';
    else { var d = describe(e); try { rec('other', 'exception', ['events and timers', d[0], d[1]]); } catch (x) { outcome = 'quit'; } }
  }
  var wasQuitting = quitting;
  quitting = false;
  openStreams.forEach(function (f) { try { f(); } catch (e) {} });
  quitting = wasQuitting;
  return stringify({ outcome: outcome, recorded: recorded, sleepMs: sleepTotal, timers: timerRuns, navigations: navigations });
}
return { run: runCode, finish: finish };
})
`;
