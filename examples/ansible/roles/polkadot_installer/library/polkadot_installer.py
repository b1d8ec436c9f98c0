#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
# An Ansible module that runs polkadot-installer: check mode is its --check, diff mode its
# --diff, and `changed`, `failed`, `msg` and `diff` come from the JSON document it prints
# with --json. The installer decides everything; this file only maps parameters to flags.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: polkadot_installer
short_description: Install, upgrade, roll back, uninstall or audit a Polkadot node
description:
  - Runs C(polkadot-installer COMMAND --json --non-interactive) with the options below and
    reports what the installer says in its JSON document (C(changed), C(failed), C(msg)).
  - The installer fetches a minisign-signed release manifest, verifies it before anything
    else and installs the node and its two PVF workers together. A second identical run
    changes nothing and reports C(changed=false).
  - Check mode runs the installer with C(--check) (nothing is written; the result says what
    would change). Diff mode adds C(--diff) and returns the before and after of every file
    the installer renders (unit, settings) as the task's diff. C(audit) only reads, takes
    neither and runs as it is in check mode, without writing its C(prometheus) textfile.
  - A parameter that the chosen command does not take is refused before the installer runs.
version_added: "1.0.0"
author: polkadot-installer
requirements:
  - polkadot-installer on the managed host (see INSTALL.md)
options:
  command:
    description: The installer's command.
    type: str
    choices: [install, upgrade, rollback, uninstall, audit]
    default: install
  executable:
    description: The installer to run, a path or a name looked up in PATH (and /usr/local/sbin, /usr/sbin).
    type: str
    default: polkadot-installer
  root:
    description: Operate on the tree under this directory instead of the host (C(--root); no systemd).
    type: path
  manifest:
    description: The release manifest, an https/http/file URL or a path on the managed host (C(--manifest)).
    type: str
  from_dir:
    description: Air-gapped install from this directory on the managed host (C(--from)).
    type: path
  signature:
    description: Signature files or URLs (C(--signature), repeated); default MANIFEST.minisig and the numbered ones after it.
    type: list
    elements: str
  trusted_keys:
    description: Minisign public key files on the managed host to trust for this run (C(--trusted-key), repeated).
    type: list
    elements: path
  trusted_key_data:
    description:
      - Minisign public keys given as their contents (for example C(lookup('file', 'release.pub'))).
        Each is written to a private temporary file for the run and passed as C(--trusted-key);
        the contents are never logged.
    type: list
    elements: str
  remember_keys:
    description: Keep every trusted key of this run in /etc/polkadot-installer/trusted-keys/ once the manifest verifies (C(--remember-keys)).
    type: bool
    default: false
  threshold:
    description: Distinct trusted keys that must sign (C(--threshold); raises, never lowers, the configured one).
    type: int
  prefix:
    description: The release tree (C(--prefix), default /opt/polkadot).
    type: path
  cacert:
    description: CA bundle for https instead of the system's (C(--cacert)).
    type: path
  keep:
    description: Releases to keep, current included (C(--keep)).
    type: int
  lock_timeout:
    description: Seconds to wait for another installer to finish (C(--lock-timeout)).
    type: int
  allow_downgrade:
    description: Accept a manifest with a lower sequence (C(--allow-downgrade)).
    type: bool
    default: false
  allow_product_change:
    description: Accept a manifest of another product than the installed release (C(--allow-product-change)).
    type: bool
    default: false
  adopt:
    description: Take over a node this tool did not install (C(--adopt); install only).
    type: bool
    default: false
  no_start:
    description: Configure and enable the service but do not start or restart it (C(--no-start)).
    type: bool
    default: false
  settle:
    description: Seconds the node must stay active after a restart (C(--settle)).
    type: int
  chain:
    description: C(polkadot), C(kusama), C(westend), C(paseo) or a chain-spec path (C(--chain)).
    type: str
  node_name:
    description: The node's name (C(--node-name)).
    type: str
  base_path:
    description: Chain data and keys (C(--base-path), default /var/lib/polkadot).
    type: path
  validator:
    description:
      - C(true) runs the node as a validator (C(--validator)); its network key is made once
        and never replaced. C(false) makes it a plain node (C(POLKADOT_INSTALLER_VALIDATOR=no)
        in the installer's environment, as there is no flag for it); the key stays. Unset
        keeps what the settings say.
      - A validator's first install needs C(chain) (the installer refuses to guess it).
    type: bool
  rpc_port:
    description: JSON-RPC port (C(--rpc-port)).
    type: int
  prometheus_port:
    description: Metrics port (C(--prometheus-port)).
    type: int
  telemetry_url:
    description: C('URL [VERBOSITY]') (C(--telemetry-url)).
    type: str
  no_telemetry:
    description: No telemetry (C(--no-telemetry)).
    type: bool
    default: false
  node_args:
    description:
      - Anything else for the node, appended as given (C(--node-args)). It may hold secrets,
        so its value is masked in every output of the task (and in diffs of the settings).
    type: str
  worker_isolation:
    description:
      - C(systemd) runs the PVF workers as C(pvf-worker) under their own spawner service;
        C(none) as the node's user (C(--worker-isolation)). Unset keeps the setting.
    type: str
    choices: [systemd, none]
  to_version:
    description: The release to roll back to (C(rollback --to)); default the previous one.
    type: str
  force:
    description: Roll back to a release that failed its health check (C(rollback --force)).
    type: bool
    default: false
  purge:
    description:
      - Also delete the base path, settings, cache, state and users (C(uninstall --purge)).
        The installer asks for consent with C(--yes), which the module passes only here.
    type: bool
    default: false
  prometheus:
    description: Also write a node_exporter textfile (C(audit --prometheus)); not written in check mode.
    type: path
  extra_args:
    description: More installer arguments, appended as given (one list item per argument).
    type: list
    elements: str
    default: []
notes:
  - Supports check mode and diff mode.
  - The installer must run as root; use C(become).
"""

EXAMPLES = r"""
- name: Polkadot 1.16.0 as a Kusama validator
  polkadot_installer:
    manifest: https://releases.example/polkadot/1.16.0/manifest.json
    trusted_key_data:
      - "{{ lookup('file', 'release-key.pub') }}"
    remember_keys: true
    chain: kusama
    node_name: val-01
    validator: true
  become: true

- name: Back to the previous release
  polkadot_installer:
    command: rollback
  become: true
"""

RETURN = r"""
installer:
  description: The installer's whole JSON document (C(changed), C(failed), C(exit_code), C(msg), C(actions), ...).
  returned: when the installer printed one
  type: dict
rc:
  description: The installer's exit code (0 done, 1 failed, 2 usage, 3 refused by verification or policy, 4 audit findings).
  returned: always
  type: int
cmd:
  description: The command line that ran.
  returned: always
  type: list
  elements: str
stderr:
  description: The installer's messages for people.
  returned: always
  type: str
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

COMMANDS = ("install", "upgrade", "rollback", "uninstall", "audit")
FETCH = ("install", "upgrade")
SETTLE = ("install", "upgrade", "rollback")
CHANGING = ("install", "upgrade", "rollback", "uninstall")

# parameter: (flag, kind, commands). kind "value" passes FLAG VALUE, "list" repeats it for
# each element, "bool" passes FLAG when true. Every flag must be in the installer's --help
# of each command listed (tests/scenario/test_ansible.sh checks it).
FLAGS = {
    "root": ("--root", "value", COMMANDS),
    "manifest": ("--manifest", "value", FETCH),
    "from_dir": ("--from", "value", FETCH),
    "signature": ("--signature", "list", FETCH),
    "trusted_keys": ("--trusted-key", "list", FETCH + ("rollback",)),
    "remember_keys": ("--remember-keys", "bool", FETCH),
    "threshold": ("--threshold", "value", FETCH),
    "prefix": ("--prefix", "value", ("install", "upgrade", "rollback", "uninstall")),
    "cacert": ("--cacert", "value", FETCH),
    "keep": ("--keep", "value", FETCH),
    "lock_timeout": ("--lock-timeout", "value", FETCH),
    "allow_downgrade": ("--allow-downgrade", "bool", FETCH),
    "allow_product_change": ("--allow-product-change", "bool", FETCH),
    "adopt": ("--adopt", "bool", ("install",)),
    "no_start": ("--no-start", "bool", SETTLE),
    "settle": ("--settle", "value", SETTLE),
    "chain": ("--chain", "value", FETCH),
    "node_name": ("--node-name", "value", FETCH),
    "base_path": ("--base-path", "value", FETCH),
    "validator": ("--validator", "bool", FETCH),
    "rpc_port": ("--rpc-port", "value", FETCH),
    "prometheus_port": ("--prometheus-port", "value", FETCH),
    "telemetry_url": ("--telemetry-url", "value", FETCH),
    "no_telemetry": ("--no-telemetry", "bool", FETCH),
    "node_args": ("--node-args", "value", FETCH),
    "worker_isolation": ("--worker-isolation", "value", FETCH),
    "to_version": ("--to", "value", ("rollback",)),
    "force": ("--force", "bool", ("rollback",)),
    "purge": ("--purge", "bool", ("uninstall",)),
    "prometheus": ("--prometheus", "value", ("audit",)),
}


def argument_spec():
    return dict(
        command=dict(type="str", choices=list(COMMANDS), default="install"),
        executable=dict(type="str", default="polkadot-installer"),
        root=dict(type="path"),
        manifest=dict(type="str"),
        from_dir=dict(type="path"),
        signature=dict(type="list", elements="str"),
        trusted_keys=dict(type="list", elements="path", no_log=False),
        trusted_key_data=dict(type="list", elements="str", no_log=True),
        remember_keys=dict(type="bool", default=False, no_log=False),
        threshold=dict(type="int"),
        prefix=dict(type="path"),
        cacert=dict(type="path"),
        keep=dict(type="int"),
        lock_timeout=dict(type="int"),
        allow_downgrade=dict(type="bool", default=False),
        allow_product_change=dict(type="bool", default=False),
        adopt=dict(type="bool", default=False),
        no_start=dict(type="bool", default=False),
        settle=dict(type="int"),
        chain=dict(type="str"),
        node_name=dict(type="str"),
        base_path=dict(type="path"),
        validator=dict(type="bool"),
        rpc_port=dict(type="int"),
        prometheus_port=dict(type="int"),
        telemetry_url=dict(type="str"),
        no_telemetry=dict(type="bool", default=False),
        node_args=dict(type="str", no_log=True),
        worker_isolation=dict(type="str", choices=["systemd", "none"]),
        to_version=dict(type="str"),
        force=dict(type="bool", default=False),
        purge=dict(type="bool", default=False),
        prometheus=dict(type="path"),
        extra_args=dict(type="list", elements="str", default=[]),
    )


def given(value):
    """A parameter counts as given when it is set and not false or empty."""
    return value is not None and value is not False and value != []


def check_applies(module, command):
    for name, (_, _, commands) in FLAGS.items():
        if given(module.params[name]) and command not in commands:
            module.fail_json(msg="parameter %s does not apply to command %s" % (name, command))
    if module.params["trusted_key_data"] and command not in FLAGS["trusted_keys"][2]:
        module.fail_json(msg="parameter trusted_key_data does not apply to command %s" % command)


def flag_args(module, command):
    args = []
    for name, (flag, kind, commands) in FLAGS.items():
        value = module.params[name]
        if command not in commands or not given(value):
            continue
        if name == "prometheus" and module.check_mode:
            continue  # the textfile is the one thing audit writes
        if kind == "bool":
            args.append(flag)
        elif kind == "list":
            for v in value:
                args += [flag, str(v)]
        else:
            args += [flag, str(value)]
    return args


def key_files(module):
    """Writes each trusted_key_data entry to a 0600 file in the module's private tmpdir."""
    paths = []
    for i, data in enumerate(module.params["trusted_key_data"] or []):
        path = os.path.join(module.tmpdir, "trusted-key-%d.pub" % i)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(data if data.endswith("\n") else data + "\n")
        paths.append(path)
    return paths


def build_command(module, executable):
    command = module.params["command"]
    argv = [executable, command, "--json", "--non-interactive"]
    # audit only reads (its --prometheus textfile is left out in check mode) and renders
    # nothing, so it takes neither flag; every other command writes only without --check.
    if module.check_mode and command in CHANGING:
        argv.append("--check")
    if module._diff and command in CHANGING:
        argv.append("--diff")
    if command == "uninstall" and module.params["purge"]:
        argv.append("--yes")  # --purge asks for consent; the playbook gave it
    argv += flag_args(module, command)
    for path in key_files(module):
        argv += ["--trusted-key", path]
    return argv + list(module.params["extra_args"])


def environment(module):
    """The installer's environment: validator false has no flag, only its variable."""
    env = {"NO_COLOR": "1"}
    if module.params["validator"] is False and module.params["command"] in FETCH:
        env["POLKADOT_INSTALLER_VALIDATOR"] = "no"
    return env


def find_executable(module):
    exe = module.params["executable"]
    if os.sep in exe:
        return exe
    return module.get_bin_path(exe, required=True, opt_dirs=["/usr/local/sbin", "/usr/sbin"])


def last_error(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    return (errors or lines or [""])[-1]


def ansible_diff(doc):
    """The installer's diff as Ansible's list of {before_header, after_header, before, after}."""
    diff = doc.get("diff")
    if isinstance(diff, dict):
        diff = [diff]
    if not isinstance(diff, list):
        return None
    keys = ("before_header", "after_header", "before", "after")
    return [{k: d[k] for k in keys if k in d} for d in diff if isinstance(d, dict)]


def run(module):
    check_applies(module, module.params["command"])
    argv = build_command(module, find_executable(module))
    rc, out, err = module.run_command(argv, environ_update=environment(module))
    common = dict(rc=rc, cmd=argv, stderr=err)
    try:
        doc = json.loads(out)
        if not isinstance(doc, dict):
            raise ValueError("not an object")
    except ValueError:
        module.fail_json(
            msg="polkadot-installer exited %d without a JSON document: %s" % (rc, last_error(err)),
            stdout=out,
            **common
        )
    result = dict(changed=bool(doc.get("changed")), installer=doc, **common)
    if module._diff:
        diff = ansible_diff(doc)
        if diff is not None:
            result["diff"] = diff
    for w in doc.get("warnings") or []:
        module.warn(str(w))
    if doc.get("failed") or rc != 0:
        msg = doc.get("msg") or last_error(err) or "polkadot-installer exited %d" % rc
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
