#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""No setting becomes a directive (issue 15 §2), driven by one table.

Every field whose value reaches a rendered file (node unit, environment file, tmpfiles
snippet, config file, upgrade service and timer) gets, from every source that can set it
(flag, environment variable, config file, prompt answer on a real pseudo-terminal, signed
manifest), every byte
0x00-0x1f and 0x7f, the quotes, '%', '$', '\\', '`', a blank, an over-long and a non-UTF-8
value. Each one is either refused (the documented exit code, exactly one 'error:' line that
names the field and the reason, with no raw control byte in it, and the root byte for byte as
it was) or accepted, and then every rendered file passes `systemd-analyze verify` and a
re-parse that gives back exactly the value that was set and no line more than the template.

The environment column (POLKADOT_INSTALLER_<KEY>, issue 12 §4) feeds every setting that has
a config key; a refusal there must name the variable. An environment string cannot hold a
NUL byte (the config file and the prompt can), and an empty variable counts as unset.

usage: setting_values.py PDI T   (T holds rel/ and key.pub from release.sh)
"""
import hashlib
import json
import os
import pty
import re
import shutil
import subprocess
import sys

PDI, T = sys.argv[1], sys.argv[2]
REL, KEY = os.path.join(T, "rel"), os.path.join(T, "key.pub")
RUN = 0
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


# --- the table ------------------------------------------------------------------------------
# field: its flag, config key (None: flag only), whether the first install asks it, which
# command takes it, a good value split where the probes go in, its longest accepted length,
# which probes it accepts, and edge values that must be accepted and round-trip.
class Field:
    def __init__(self, name, flag, key, prompt, cmd, head, tail, maxlen, accepts=(), edges=()):
        self.name, self.flag, self.key, self.prompt, self.cmd = name, flag, key, prompt, cmd
        self.head, self.tail, self.maxlen = head, tail, maxlen
        self.accepts, self.edges = set(accepts), list(edges)

    @property
    def good(self):
        return self.head + self.tail


LONG_DIR = "/srv/" + "/".join(["d" * 200] * 5)  # 1009 bytes
LONG_DIR += "/" + "e" * (1024 - len(LONG_DIR) - 1)
FIELDS = [
    Field("chain", "--chain", "chain", True, "install", "/srv/chain/spec", "-v1.json", 1024,
          edges=["kusama", "westend", "/srv/chain/spec+v1.json"]),
    Field("node_name", "--node-name", "node_name", True, "install", "val", "-01", 63,
          edges=["a" * 63, "node_(1)[x]~,:+"]),
    Field("base_path", "--base-path", "base_path", False, "install", "/srv/polkadot", "-data",
          1024, edges=["/home/polkadot/data", LONG_DIR]),
    Field("telemetry_url", "--telemetry-url", "telemetry_url", False, "install",
          "wss://t.example.invalid/su", "zzbmit 0", 2050,
          edges=["wss://telemetry.polkadot.io/submit/ 0", "wss://t.example.invalid/a%20b%25 9",
                 "ws://t.example.invalid:8000/submit"]),
    Field("node_args", "--node-args", "node_args", False, "install", "--pruning", " 1000", 3072,
          accepts={"%", " "},
          edges=["--db-cache 4096 --in-peers 25  --out-peers 8", "--x=%h%u%% --y=#;&|<>"]),
    Field("prefix", "--prefix", None, False, "install", "/opt/polkadot", "-alt", 1024,
          edges=["/srv/p_1+2.x"]),
    Field("manifest", "--manifest", None, False, "auto-upgrade", "https://r.example.invalid/",
          "zzm.json", 2048,
          edges=["https://r.example.invalid/a%20b/m.json?x=1&y=2", "file:///srv/m.json",
                 "/srv/m.json"]),
    Field("on_calendar", "--on-calendar", None, False, "auto-upgrade", "Mon..Fri", " 10:00", 256,
          edges=["daily", "*-*-* 04:00:00", "Sat,Sun 03:30"]),
    # (its good value is this installer: verify wants ExecStart= to name an executable)
    Field("installer", "--installer", None, False, "auto-upgrade", PDI[:-len("-installer")],
          "-installer", 1024),
]


def probes(f):
    """(label, value as bytes): every byte and form the issue names."""
    h, t = f.head.encode(), f.tail.encode()
    out = [("0x%02x" % b, h + bytes([b]) + t) for b in list(range(0x20)) + [0x7f]]
    out += [(c, h + c.encode() + t) for c in ["'", '"', "`", "%", "$", "\\", " "]]
    out += [("over-long", (f.good + "a" * (f.maxlen + 1 - len(f.good))).encode()),
            ("non-UTF-8", h + b"\x80\xc3(" + t), ("UTF-8", h + "é".encode() + t),
            ("directive", h + b"\nUser=root\nExecStartPre=/tmp/pwn" + t),
            ("directive-cr", h + b"\rExecStartPre=/tmp/pwn\rX-A=" + t)]
    return out


def accepted(f, label):
    return label in f.accepts


# --- the root, and proof that a refusal left it alone ----------------------------------------
def snapshot(root):
    rows = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for n in sorted(dirs + files):
            p = os.path.join(d, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            # A run that gets as far as the lock (the manifest column: settings are refused
            # before it) writes its name into the lock file, as release.sh's tree_listing
            # allows. Everything else, to the nanosecond, is as it was.
            if rel == "var/lib/polkadot-installer/lock":
                continue
            row = (rel, st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns)
            if os.path.islink(p):
                row += (os.readlink(p),)
            elif os.path.isfile(p):
                row += (hashlib.sha256(open(p, "rb").read()).hexdigest(),)
            rows.append(row)
    return rows


def run(argv, stdin=subprocess.DEVNULL, env=None):
    p = subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env)
    return p.returncode, p.stdout


def env_name(f):
    return "POLKADOT_INSTALLER_" + f.key.upper()


def with_env(f, value):
    """This process's environment (bytes) and the setting's variable set to value."""
    e = dict(os.environb)
    e[env_name(f).encode()] = value
    return e


def install_argv(root, *extra):
    return [PDI, "install", "-y", "--root", root, "--from", REL, "--trusted-key", KEY, *extra]


def upgrade_argv(root, f, value):
    argv = [PDI, "auto-upgrade", "--enable", "--root", root]
    vals = {"manifest": "https://r.example.invalid/m.json", "installer": PDI}
    vals[f.name] = value
    for k, v in vals.items():
        argv += ["--" + k.replace("_", "-"), v]
    return argv


def judge_refusal(what, code, out, want_code, names):
    """One 'error:' line naming the field, the right exit code, nothing raw on the terminal."""
    global RUN
    RUN += 1
    lines = [l for l in out.split(b"\n") if l.startswith(b"error: ")]
    if code != want_code:
        return fail("%s: exit %d, want %d: %r" % (what, code, want_code, out[-300:]))
    if len(lines) != 1:
        return fail("%s: %d error lines: %r" % (what, len(lines), out[-300:]))
    if not any(n.encode() in lines[0] for n in names):
        return fail("%s: the error does not name %s: %r" % (what, names, lines[0]))
    raw = re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", out)
    if raw:
        return fail("%s: raw control byte %r reaches the terminal: %r" % (what, raw.group(), out))


def refused_keeps_root(what, root, argv, want_code, names, stdin=subprocess.DEVNULL, env=None):
    before = snapshot(root)
    code, out = run(argv, stdin, env)
    judge_refusal(what, code, out, want_code, names)
    after = snapshot(root)
    if after != before:
        fail("%s: the refused run changed the root: %r" %
             (what, sorted(set(before) ^ set(after))[:4]))


# --- re-parsing what was rendered --------------------------------------------------------------
def unit_directives(text):
    """(section, key, value) of each directive, as systemd splits lines: '\\n' and '\\r' both end
    one, a trailing '\\' continues it, '#' and ';' start comments."""
    out, sec, cont = [], None, ""
    for line in re.split(r"\r\n|\r|\n", text):
        if cont:
            line, cont = cont + line, ""
        if line.endswith("\\"):
            cont = line[:-1] + " "
            continue
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        if s.startswith("["):
            sec = s
            continue
        k, _, v = s.partition("=")
        out.append((sec, k.strip(), v.strip()))
    return out


def shell_words(s):
    """systemd's ExecStart= word splitting for the values we render (no '\\' escapes: refused)."""
    words, cur, q, had = [], "", None, False
    for c in s:
        if q:
            if c == q:
                q = None
            else:
                cur += c
        elif c in "\"'":
            q, had = c, True
        elif c in " \t":
            if cur or had:
                words.append(cur)
            cur, had = "", False
        else:
            cur += c
    if cur or had:
        words.append(cur)
    return words


def unspecify(s):
    if re.search(r"%[^%]", s.replace("%%", "")):
        raise ValueError("unescaped specifier in %r" % s)
    return s.replace("%%", "%")


def env_file(text):
    """systemd's EnvironmentFile= reading of our one assignment: KEY="value"."""
    d = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([A-Z_]+)="([^"\\$`]*)"', line)
        if not m:
            raise ValueError("environment line %r is not KEY=\"value\"" % line)
        d[m.group(1)] = m.group(2)
    return d


def verify_units(root, names, rewrite):
    """systemd-analyze verify, silent, on copies whose paths point into the root (it insists
    that ExecStart= names an executable of this machine)."""
    global RUN
    d = os.path.join(T, "verify")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for n in names:
        text = open(os.path.join(root, "etc/systemd/system", n)).read()
        for a, b in rewrite:
            text = text.replace(a, b)
        open(os.path.join(d, n), "w").write(text)
    p = subprocess.run(["systemd-analyze", "verify", "--man=no"] + names, cwd=d,
                       env=dict(os.environ, SYSTEMD_UNIT_PATH=d + ":"), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    RUN += 1
    if p.returncode != 0 or p.stdout.strip():
        fail("systemd-analyze verify %s in %s: %s" % (names, root, p.stdout))


def expect_files_install(root, settings, prefix, baseline_keys):
    """Every rendered file of an install re-parsed: the values set come back exactly."""
    global RUN
    RUN += 1
    etc = os.path.join(root, "etc")
    base = settings.get("base_path", "/var/lib/polkadot")
    env = env_file(open(os.path.join(etc, "polkadot-installer/polkadot.env")).read())
    words = env["POLKADOT_ARGS"].split()
    want = ["--chain", settings.get("chain", "polkadot"), "--base-path", base]
    if "node_name" in settings:
        want += ["--name", settings["node_name"]]
    want += settings.get("node_args", "").split()
    if words != want:
        fail("%s: POLKADOT_ARGS words %r, want %r" % (root, words, want))
    unit = unit_directives(open(os.path.join(etc, "systemd/system/polkadot.service")).read())
    keys = sorted((s, k) for s, k, _ in unit)
    if keys != baseline_keys:
        fail("%s: the node unit's directives differ from the template's: %r" %
             (root, sorted(set(keys) ^ set(baseline_keys))))
    execs = [v for s, k, v in unit if k == "ExecStart"]
    argv = [unspecify(w) for w in shell_words(execs[0])] if len(execs) == 1 else []
    want = [prefix + "/current/polkadot", "$POLKADOT_ARGS"]
    if "telemetry_url" in settings:
        want.append("--telemetry-url=" + settings["telemetry_url"])
    if argv != want:
        fail("%s: ExecStart words %r, want %r" % (root, argv, want))
    rw = [v for s, k, v in unit if k == "ReadWritePaths"]
    if rw != [base]:
        fail("%s: ReadWritePaths %r, want [%r]" % (root, rw, base))
    tmp = [l.split() for l in open(os.path.join(etc, "tmpfiles.d/polkadot.conf"))
           if l.strip() and not l.startswith("#")]
    if tmp != [["d", base, "0750", "polkadot", "polkadot", "-"]]:
        fail("%s: tmpfiles snippet %r" % (root, tmp))
    cfg = {}
    for l in open(os.path.join(etc, "polkadot-installer/config"), "rb").read().split(b"\n"):
        if l and not l.startswith(b"#"):
            k, _, v = l.decode("ascii").partition("=")
            cfg[k] = v
    for k, v in settings.items():
        if k != "prefix" and cfg.get(k) != v:
            fail("%s: config %s=%r, want %r" % (root, k, cfg.get(k), v))
    verify_units(root, ["polkadot.service", "polkadot.slice"],
                 [(prefix + "/current/", root + prefix + "/current/"),
                  ("EnvironmentFile=/", "EnvironmentFile=" + root + "/"),
                  ("ReadWritePaths=/", "ReadWritePaths=" + root + "/")])


def expect_files_upgrade(root, f, value):
    global RUN
    RUN += 1
    d = os.path.join(root, "etc/systemd/system")
    svc = unit_directives(open(os.path.join(d, "polkadot-installer-upgrade.service")).read())
    tim = unit_directives(open(os.path.join(d, "polkadot-installer-upgrade.timer")).read())
    execs = [v for s, k, v in svc if k == "ExecStart"]
    argv = [unspecify(w) for w in shell_words(execs[0])] if len(execs) == 1 else []
    want_m = value if f.name == "manifest" else "https://r.example.invalid/m.json"
    want_i = value if f.name == "installer" else PDI
    if argv != [want_i, "upgrade", "--manifest", want_m, "--non-interactive", "--yes"]:
        fail("%s: upgrade ExecStart words %r" % (root, argv))
    cal = [v for s, k, v in tim if k == "OnCalendar"]
    if f.name == "on_calendar" and cal != [value]:
        fail("%s: OnCalendar %r, want %r" % (root, cal, value))
    if [k for s, k, v in svc].count("ExecStartPre") or len([1 for s, k, v in svc if k == "User"]):
        fail("%s: the upgrade service grew a directive" % root)
    verify_units(root, ["polkadot-installer-upgrade.service", "polkadot-installer-upgrade.timer"],
                 [])


# --- the sources -------------------------------------------------------------------------------
def fresh(name):
    r = os.path.join(T, "roots", name)
    shutil.rmtree(r, ignore_errors=True)
    os.makedirs(r)
    return r


def installed_root():
    """A good install that every refused run must leave exactly as it was."""
    r = fresh("installed")
    code, out = run(install_argv(r, "--chain", "kusama", "--node-name", "val-01"))
    if code != 0:
        sys.exit("FAIL: the baseline install: %r" % out)
    code, out = run(upgrade_argv(r, FIELDS[6], "https://r.example.invalid/m.json"))
    if code != 0:
        sys.exit("FAIL: the baseline auto-upgrade: %r" % out)
    return r


def baseline_keys():
    r = fresh("baseline")
    code, out = run(install_argv(r, "--telemetry-url", "wss://t.example.invalid/s 0"))
    if code != 0:
        sys.exit("FAIL: the baseline render: %r" % out)
    unit = open(os.path.join(r, "etc/systemd/system/polkadot.service")).read()
    return sorted((s, k) for s, k, _ in unit_directives(unit))


def from_flag(f, installed):
    for label, v in probes(f):
        what = "flag %s %s" % (f.flag, label)
        if b"\0" in v:
            continue  # an argv string cannot hold NUL: the config file and the prompt can
        argv = (install_argv(installed, f.flag, v) if f.cmd == "install"
                else upgrade_argv(installed, f, v))
        if accepted(f, label):
            expect_accepted(f, v.decode(), "flag-" + label)
        else:
            refused_keeps_root(what, installed, argv, 2, [f.flag])


def from_env(f, installed):
    """POLKADOT_INSTALLER_<KEY>: the same checks as the flag, the refusal naming the variable
    (exit 2: the caller's input, as a flag's), the root as it was; an accepted value is
    rendered and read back exactly as the flag's."""
    for label, v in probes(f):
        if b"\0" in v:
            continue  # an environment string cannot hold NUL
        what = "env %s %s" % (env_name(f), label)
        if accepted(f, label):
            expect_accepted(f, v.decode(), "env-" + label, env=with_env(f, v))
        else:
            refused_keeps_root(what, installed, install_argv(installed), 2, [env_name(f)],
                               env=with_env(f, v))


def from_config(f, installed):
    cfg = os.path.join(installed, "etc/polkadot-installer/config")
    good = open(cfg, "rb").read()
    for label, v in probes(f):
        if accepted(f, label):
            continue  # shown by the flag: the same setter (settings.c) serves both
        what = "config %s %s" % (f.key, label)
        with open(cfg, "wb") as fh:
            fh.write(good + f.key.encode() + b"=" + v + b"\n")
        os.utime(cfg, ns=(1, 1))
        # exit 1: the file the operator wrote is at fault, not the command line. A NUL is
        # refused for the whole file, naming the file; every other value names the key.
        names = ["/etc/polkadot-installer/config: has a NUL byte"] if b"\0" in v else \
            ["/etc/polkadot-installer/config:%d: setting %s:" % (good.count(b"\n") + 1, f.key)]
        if b"\n" in v:  # the part after it is a line of its own: refused the same
            names = ["/etc/polkadot-installer/config:"]
        refused_keeps_root(what, installed, install_argv(installed), 1, names)
    with open(cfg, "wb") as fh:
        fh.write(good)


def drive_prompt(root, answers):
    """install on a pty (no settings yet: it asks); each answer is typed with ^V before every
    byte, so the terminal passes control bytes through literally; ^D after the last."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(PDI, [PDI, "install", "--root", root, "--from", REL, "--trusted-key", KEY])
    out, pending = b"", list(answers)
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if out.endswith(b"]: "):
            if pending:
                a = pending.pop(0)
                os.write(fd, b"".join(b"\x16" + bytes([c]) for c in a) + b"\n")
            else:
                os.write(fd, b"\x04")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out


def from_prompt(f):
    global RUN
    questions = ["chain", "node_name"]
    for label, v in probes(f):
        if b"\n" in v or accepted(f, label):
            continue  # an answer is one line: after a newline comes the next answer
        r = fresh("prompt")
        answers = [b"kusama"] * questions.index(f.key) + [v]
        code, out = drive_prompt(r, answers)
        RUN += 1
        what = "prompt %s %s" % (f.key, label)
        if code != 2 or ("no answer for " + f.key).encode() not in out:
            fail("%s: exit %d: %r" % (what, code, out[-400:]))
        elif ("setting " + f.key + ":").encode() not in out:
            fail("%s: the refusal is not explained: %r" % (what, out[-400:]))
        elif os.listdir(r):
            fail("%s: the refused setup wrote %r" % (what, os.listdir(r)))


def from_manifest():
    """The manifest's strings that become paths or file contents (version → the release
    directory, product and names → state), signed with the trusted key, each refused as a
    manifest error (exit 3) before anything is written."""
    installed = fresh("manifest")
    code, out = run(install_argv(installed))
    if code != 0:
        sys.exit("FAIL: manifest baseline: %r" % out)
    src = os.path.join(REL, "manifest.json")
    base = json.load(open(src))
    sec = os.path.join(T, "key.sec")
    for field in ["version", "product", "artifact name"]:
        for label, v in probes(Field(field, "", "", False, "", "1.", "2.0", 64)):
            if field != "version" and label == "over-long":
                continue  # names have their own longer limit, tested in test_manifest
            d = json.loads(json.dumps(base))
            s = v.decode("utf-8", "surrogateescape")
            if field == "version":
                d["version"], d["sequence"] = s, 2
            elif field == "product":
                d["product"], d["sequence"] = "polka" + s, 2
            else:
                d["artifacts"][0]["name"], d["sequence"] = "polka" + s, 2
            rel = os.path.join(T, "mrel")
            shutil.rmtree(rel, ignore_errors=True)
            shutil.copytree(REL, rel)
            m = os.path.join(rel, "manifest.json")
            open(m, "wb").write(json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogateescape"))
            os.unlink(m + ".minisig")
            subprocess.run(["minisign", "-S", "-s", sec, "-m", m], check=True,
                           stdout=subprocess.DEVNULL)
            argv = [PDI, "install", "-y", "--root", installed, "--from", rel, "--trusted-key", KEY]
            refused_keeps_root("manifest %s %s" % (field, label), installed, argv, 3,
                               ["manifest"])


def expect_accepted(f, value, tag, env=None):
    r = fresh("accept")
    if f.cmd == "install":
        code, out = run(install_argv(r) if env else install_argv(r, f.flag, value), env=env)
        if code != 0:
            return fail("%s %s=%r refused: %r" % (tag, f.name, value, out[-300:]))
        settings = {} if f.name == "prefix" else {f.key: value}
        expect_files_install(r, settings, value if f.name == "prefix" else "/opt/polkadot", KEYS)
        p = subprocess.run(install_argv(r, "--json") + ([f.flag, value] if f.name == "prefix"
                                                          else []),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        if p.returncode != 0 or json.loads(p.stdout).get("changed") is not False:
            fail("%s %s=%r: the second run, reading its own config, changed: %r" %
                 (tag, f.name, value, p.stdout[-300:]))
    else:
        code, out = run(upgrade_argv(r, f, value))
        if code != 0:
            return fail("%s %s=%r refused: %r" % (tag, f.name, value, out[-300:]))
        expect_files_upgrade(r, f, value)


# The attacker's findings, verbatim (issue 15 §2): argv after the command, the exit code and
# what the one error line must say.
REPROS = [
    (["auto-upgrade", "--enable", "--manifest", "https://x/m.json\rExecStartPre=/tmp/pwn\rX-A="],
     2, r"--manifest 'https://x/m.json\\x0dExecStartPre=/tmp/pwn\\x0dX-A=' has a control"),
    (["install", "--prefix", "/opt/p\nUser=root\nExecStartPre=/tmp/pwn"], 2,
     r"--prefix '/opt/p\\x0aUser=root\\x0aExecStartPre=/tmp/pwn' has a control"),
    (["install", "--prefix", "/opt/p q"], 2, r"--prefix '/opt/p q' has a blank"),
    (["install", "--prefix", "/opt/%u"], 2, r"--prefix '/opt/%u' has a character"),
    (["install", "--prefix", "/etc"], 2, r"--prefix '/etc' is in a system tree"),
    (["install", "--telemetry-url", "wss://t/submit\r 0"], 2, r"--telemetry-url .* has a control"),
    (["install", "--base-path", "/srv/it's"], 2, r"--base-path .* has a quote"),
    (["install", "--chain", "/srv/it's.json"], 2, r"--chain .* has a quote"),
    (["install", "--node-name", "it's"], 2, r"--node-name .* has a quote"),
    (["install", "--node-args", "--x=" + "a" * 4100], 2, r"--node-args .* is too long"),
    (["install", "--node-name", "n\udc80"], 2, r"--node-name 'n\\x80' is not printable ASCII"),
]


def repros(installed):
    for args, code, want in REPROS:
        argv = [PDI] + args[:1] + ["--root", installed] + args[1:]
        if args[0] == "install":
            argv += ["-y", "--from", REL, "--trusted-key", KEY]
        argv = [os.fsencode(a) for a in argv]
        before = snapshot(installed)
        c, out = run(argv)
        judge_refusal("repro %r" % args, c, out, code, [args[-2]])
        if not re.search(want.encode(), out):
            fail("repro %r: %r does not say %r" % (args, out, want))
        if snapshot(installed) != before:
            fail("repro %r changed the root" % args)
    # A NUL in the config file refused the rest of it silently (a node on the wrong chain):
    # now the whole file is refused, naming the offset.
    cfg = os.path.join(installed, "etc/polkadot-installer/config")
    good = open(cfg, "rb").read()
    open(cfg, "wb").write(b"node_name=a\0\nchain=kusama\n" + good)
    refused_keeps_root("repro config NUL", installed, install_argv(installed), 1,
                       ["config: has a NUL byte (at offset 11); refusing the whole file"])
    open(cfg, "wb").write(good)


def main():
    global KEYS
    KEYS = baseline_keys()
    installed = installed_root()
    repros(installed)
    for f in FIELDS:
        for v in [f.good] + f.edges:
            expect_accepted(f, v, "edge")
            if f.key:
                expect_accepted(f, v, "env-edge", env=with_env(f, v.encode()))
        from_flag(f, installed)
        if f.key:
            from_env(f, installed)
            from_config(f, installed)
        if f.prompt:
            from_prompt(f)
    from_manifest()
    print("%d passed, %d failed" % (RUN - len(FAILS), len(FAILS)))
    return 1 if FAILS else 0


sys.exit(main())
