import { readFileSync } from 'node:fs';
import type { CheckId, CheckResult } from './checks.js';

/** The host, as far as installing packages goes. */
export interface Platform {
  readonly os: NodeJS.Platform;
  /** /etc/os-release ID and ID_LIKE, lowercased (e.g. ['debian'] or ['ubuntu', 'debian']). */
  readonly distro: readonly string[];
  /** Effective uid; undefined where there is none (Windows). */
  readonly uid: number | undefined;
}

/** What to do about the failed checks. */
export interface InstallPlan {
  /** Commands doctor may run itself (Debian/Ubuntu as root): argv arrays, run in order. */
  readonly run: readonly (readonly string[])[];
  /** Exact commands or steps for the user, one per line, when doctor cannot (or must not) run them. */
  readonly manual: readonly string[];
}

/** Reads the platform of this process. */
export function currentPlatform(): Platform {
  let distro: string[] = [];
  if (process.platform === 'linux') {
    try {
      const text = readFileSync('/etc/os-release', 'utf8');
      const field = (name: string): string[] => (new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      distro = [...field('ID'), ...field('ID_LIKE')];
    } catch {
      /* no os-release: an unknown Linux */
    }
  }
  return { os: process.platform, distro, uid: process.getuid?.() };
}

const NODE_HINT = 'install Node.js >= 22.12: https://nodejs.org/en/download (or `nvm install 22`)';
const USERNS_HINT = 'bwrap is installed but cannot create user namespaces: enable them (`sysctl -w kernel.unprivileged_userns_clone=1` or `user.max_user_namespaces=15000`; AppArmor on Ubuntu 24.04: `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`), or run the sandbox with `--isolation process` (not isolated)';

/** Debian package per check; Ubuntu ships chromium only as a snap, so it is a manual step there. */
const APT: Partial<Record<CheckId, string>> = { git: 'git', prometheus: 'prometheus', bwrap: 'bubblewrap', chromium: 'chromium' };
const BREW: Partial<Record<CheckId, string>> = { git: 'git', prometheus: 'prometheus', chromium: '--cask chromium' };
const DNF: Partial<Record<CheckId, string>> = { git: 'git', bwrap: 'bubblewrap', chromium: 'chromium' };
const APK: Partial<Record<CheckId, string>> = { git: 'git', prometheus: 'prometheus', bwrap: 'bubblewrap', chromium: 'chromium' };

/**
 * Plans how to fix the failed checks on `platform`: on Debian/Ubuntu as root, apt-get commands doctor
 * runs itself (prometheus, bubblewrap, chromium, git); everywhere else the exact commands to run.
 * Things a package cannot fix (an old Node, disabled user namespaces) are always manual steps.
 */
export function planInstall(failed: readonly CheckResult[], platform: Platform): InstallPlan {
  const manual: string[] = [];
  const wanted: CheckId[] = [];
  for (const check of failed) {
    if (check.ok) continue;
    if (check.id === 'node') manual.push(NODE_HINT);
    else if (check.id === 'bwrap' && check.installed) manual.push(USERNS_HINT);
    else if (check.installed) manual.push(`${check.id}: ${check.detail}`);
    else wanted.push(check.id);
  }
  const debian = platform.os === 'linux' && platform.distro.some((d) => d === 'debian' || d === 'ubuntu');
  const ubuntu = platform.distro.includes('ubuntu');
  if (debian) {
    const packages = wanted.filter((id) => !(ubuntu && id === 'chromium')).map((id) => APT[id]).filter((p): p is string => p !== undefined);
    if (ubuntu && wanted.includes('chromium')) manual.push('chromium: on Ubuntu it is a snap: `sudo snap install chromium`, or set FIREBREAK_CHROMIUM to a Chrome binary');
    if (packages.length === 0) return { run: [], manual };
    const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...packages];
    if (platform.uid === 0) return { run: [['apt-get', 'update'], install], manual };
    return { run: [], manual: [`sudo apt-get update && sudo ${install.join(' ')}`, ...manual] };
  }
  const line = (tool: string, table: Partial<Record<CheckId, string>>): void => {
    const packages = wanted.map((id) => table[id]).filter((p): p is string => p !== undefined);
    if (packages.length > 0) manual.unshift(`${tool} ${packages.join(' ')}`);
    for (const id of wanted.filter((i) => table[i] === undefined)) manual.push(unpackaged(id, platform));
  };
  if (platform.os === 'darwin') line('brew install', BREW);
  else if (platform.distro.some((d) => ['fedora', 'rhel', 'centos'].includes(d))) line('sudo dnf install -y', DNF);
  else if (platform.distro.includes('alpine')) line('sudo apk add', APK);
  else for (const id of wanted) manual.push(unpackaged(id, platform));
  return { run: [], manual };
}

function unpackaged(id: CheckId, platform: Platform): string {
  switch (id) {
    case 'prometheus':
      return 'prometheus: download it from https://prometheus.io/download/ and set FIREBREAK_PROMETHEUS_BIN to the binary';
    case 'bwrap':
      return platform.os === 'darwin' ? 'bwrap: not available on macOS; the sandbox runs with `--isolation process` (not isolated)' : 'bwrap: install bubblewrap from your distribution';
    case 'chromium':
      return 'chromium: install Chromium or Chrome and set FIREBREAK_CHROMIUM to its binary';
    case 'git':
      return 'git: install git from https://git-scm.com/downloads';
    case 'node':
      return NODE_HINT;
  }
}
