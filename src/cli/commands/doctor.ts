import { runDoctor } from '../../doctor/index.js';
import type { Command } from '../command.js';
import { parseArgv } from '../args.js';

const usage = `usage: firebreak doctor [--check]

Checks what drills need: Node >= 22.12, git, prometheus, bubblewrap (bwrap) with working user namespaces,
and chromium (for the report render check). On Debian/Ubuntu as root it installs what is missing with
apt-get (prometheus, bubblewrap, chromium, git); elsewhere it prints the exact commands.
  --check   only check, never install
Exit code: 0 when the required tools (node, git, prometheus) work, 1 otherwise; bwrap and chromium only warn.
Binaries: FIREBREAK_PROMETHEUS_BIN (default /usr/bin/prometheus), FIREBREAK_CHROMIUM (default: PATH).`;

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check (and on Debian/Ubuntu as root, install) the prerequisites of drills',
  usage,
  async run(argv) {
    const { values } = parseArgv(argv, { options: { check: { type: 'boolean' } } });
    const result = await runDoctor({ check: values.check === true });
    return result.exitCode;
  },
};
