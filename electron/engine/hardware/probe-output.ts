/**
 * Splits the framed output of installer-assets/probes/hardware-probe.sh into sections.
 * The marker is a random token chosen per run, so no line of real output can imitate a frame.
 */
export interface ProbeSection {
  /** Lines of the read's stdout, trailing blank lines removed. */
  lines: string[];
  /** Exit status of the read (124 = timed out, 127 = not found). */
  rc: number;
  /** The read's own stderr, when it printed any. */
  stderr: string;
}

export interface ProbeOutput {
  sections: Map<string, ProbeSection>;
  /** Tools the host does not have. */
  missing: Set<string>;
  /** Files that did not exist (e.g. /proc/mdstat without md, /sys/fs/selinux without SELinux). */
  absent: Set<string>;
  /** `note` lines, e.g. "privilege root", "dmidecode-needs-root". */
  notes: string[];
  /** The script reached its last line (false = cut off: killed, timed out, connection lost). */
  complete: boolean;
}

export function splitProbeOutput(stdout: string, stderr: string, marker: string): ProbeOutput {
  const out: ProbeOutput = { sections: new Map(), missing: new Set(), absent: new Set(), notes: [], complete: false };
  const prefix = marker + ' ';
  let current: { name: string; lines: string[] } | null = null;

  for (const line of stdout.split('\n')) {
    if (!line.startsWith(prefix)) {
      if (current) current.lines.push(line);
      continue;
    }
    const rest = line.slice(prefix.length);
    const space = rest.indexOf(' ');
    const verb = space < 0 ? rest : rest.slice(0, space);
    const arg = space < 0 ? '' : rest.slice(space + 1);
    switch (verb) {
      case 'begin':
        current = { name: arg, lines: [] };
        break;
      case 'end': {
        // "end NAME RC": the name may contain spaces in principle, the rc never does.
        const cut = arg.lastIndexOf(' ');
        const name = cut < 0 ? arg : arg.slice(0, cut);
        const rc = cut < 0 ? NaN : Number(arg.slice(cut + 1));
        if (current && current.name === name) {
          const lines = current.lines;
          while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
          out.sections.set(name, { lines, rc: Number.isFinite(rc) ? rc : -1, stderr: '' });
        }
        current = null;
        break;
      }
      case 'missing':
        out.missing.add(arg);
        break;
      case 'absent':
        out.absent.add(arg);
        break;
      case 'note':
        out.notes.push(arg);
        break;
      case 'done':
        out.complete = true;
        break;
      default:
        // Unknown verbs come from a newer probe: ignore rather than fail.
        break;
    }
  }

  // stderr: "MARKER stderr NAME" opens the error text of that read.
  let errName: string | null = null;
  const errText = new Map<string, string[]>();
  for (const line of stderr.split('\n')) {
    if (line.startsWith(prefix + 'stderr ')) {
      errName = line.slice(prefix.length + 'stderr '.length);
      continue;
    }
    if (errName !== null && line.trim() !== '') {
      const list = errText.get(errName) ?? [];
      list.push(line);
      errText.set(errName, list);
    }
  }
  for (const [name, lines] of errText) {
    const s = out.sections.get(name);
    if (s) s.stderr = lines.join('\n');
  }
  return out;
}
