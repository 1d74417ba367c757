/** A host uid and gid. */
export interface Ids {
  uid: number;
  gid: number;
}

/**
 * Who sandboxed code runs as when firebreak is root. Without this, bwrap started by root gives the run
 * uid 0 (mapped to host uid 0): no capabilities, but still the owner of every root-owned file it can see,
 * able to leave setuid-root files in the workspace and to pass sysctl checks that look at the uid alone.
 *
 * Mechanism (checked against bubblewrap 0.8): bwrap runs as root WITHOUT a user namespace, does its mounts
 * (so it can reach a workspace under a 0700 directory such as a mkdtemp), keeps only the capabilities
 * below, and the command it starts is `setpriv`, which switches to `uid`/`gid` before anything of the
 * caller's runs. Not `bwrap --unshare-user --uid N`: bwrap maps the sandbox uid to its real uid, so files
 * would still be created as host uid 0. Not bwrap started as N: it would resolve mount sources as N and
 * fail on any path N cannot traverse.
 */
export interface RunAs extends Ids {
  /** util-linux setpriv, in a system directory so the same path works inside the sandbox. */
  setprivPath: string;
}

/**
 * Capabilities bwrap keeps for the command it starts, all dropped by setpriv before the caller's command:
 * SETUID/SETGID to switch identity, SETPCAP to empty the bounding set, DAC_READ_SEARCH so bwrap can
 * `--chdir` into a workspace directory only the sandbox uid may enter.
 */
export const PRIVILEGE_DROP_CAPS = ['CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_DAC_READ_SEARCH'] as const;

/**
 * The argv prefix that drops to `runAs` and execs the rest: real/effective/saved ids all set (so the
 * kernel clears permitted, effective and ambient capabilities), no supplementary groups, empty inheritable
 * and bounding sets. The environment is passed through unchanged (it is already the scrubbed one).
 */
export function privilegeDropPrefix(runAs: RunAs): [string, ...string[]] {
  return [
    runAs.setprivPath,
    `--reuid=${runAs.uid}`,
    `--regid=${runAs.gid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--',
  ];
}
